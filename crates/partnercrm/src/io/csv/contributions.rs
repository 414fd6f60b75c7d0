//! Contributions: the one kind of file with a million rows, so it is read
//! in parallel, in chunks that split at line ends outside quotes.

use std::sync::mpsc;

use uuid::Uuid;

use super::rows::{
    Col, Known, NameIndex, Quotes, Rows, UniqueIds, organisation_index, parse_enum, parse_id,
    row_uuid,
};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::ids::IdMap;
use crate::model::*;
use crate::validate::Code;

/// Files smaller than this are read on the calling thread alone.
const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// Reads contributions from CSV, resolving names against `known` (the
/// organisations, projects and agreements already stored). A row with the
/// id of a contribution in `known` updates it: the fields of columns the
/// file lacks, and its payments and allocations, stay as stored.
/// `progress` is called with the number of rows read so far, every 10,000
/// rows and at the end.
pub fn read_contributions(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Contribution>> {
    let text = crate::io::text::without_bom(text);
    let (reader, mut rows) = Rows::open(text, options, CsvKind::Contributions)?;
    let body_start = reader.position().byte() as usize;
    let body = text.get(body_start..).unwrap_or_default();
    let header_lines = count_lines(text.get(..body_start).unwrap_or_default());
    let organisations = organisation_index(&known.organisations);
    let projects = NameIndex::of("project", &known.projects);
    let agreements = NameIndex::of("agreement", &known.agreements);
    // Only a file with ids updates stored contributions.
    let stored = if rows.has("id") {
        Known::of(&known.contributions)
    } else {
        Known::of(&[])
    };

    let workers = if body.len() < PARALLEL_FROM_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
    };
    let chunks = split_at_record_ends(body, workers, rows.delimiter);
    let body_lines = count_lines(body) as usize;
    let (tell, heard) = mpsc::channel::<usize>();
    let results: Vec<Result<Chunk>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .enumerate()
            .map(|(n, &(start, end, lines_before))| {
                let worker = Worker {
                    columns: Columns::of(&rows),
                    organisations: organisations.clone(),
                    projects: projects.clone(),
                    agreements: agreements.clone(),
                    stored: &stored,
                    kinds: IdMap::default(),
                    currencies: IdMap::default(),
                };
                let tell = tell.clone();
                let chunk = body.get(start..end).unwrap_or_default();
                let first_line = header_lines + lines_before;
                let rows = rows.fork();
                // The first chunk's vector gathers every chunk's records.
                let capacity = if n == 0 { body_lines } else { 0 };
                scope.spawn(move || worker.read(rows, chunk, first_line, capacity, &tell))
            })
            .collect();
        drop(tell);
        // Progress is reported on the calling thread: the callback need not be Send.
        let mut progress = progress;
        let mut read = 0;
        for rows in heard {
            read += rows;
            if let Some(report) = progress.as_mut() {
                report(read);
            }
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });

    // A chunk that ends inside a quoted cell is the last: the file ends there.
    let results = results.into_iter().collect::<Result<Vec<Chunk>>>()?;
    let mut seen = UniqueIds::default();
    let mut results = results.into_iter();
    // The first chunk's records stay where they are; the rest join them.
    let mut out = Vec::new();
    if let Some(first) = results.next() {
        rows.problems.extend(first.problems);
        out = first.contributions;
        out.reserve(
            results
                .as_slice()
                .iter()
                .map(|c| c.contributions.len())
                .sum(),
        );
        for (record, id) in out.iter_mut().zip(first.ids) {
            record.id = id.take(&mut rows, &mut seen).into();
        }
    }
    for chunk in results {
        rows.problems.extend(chunk.problems);
        for (id, mut contribution) in chunk.ids.into_iter().zip(chunk.contributions) {
            contribution.id = id.take(&mut rows, &mut seen).into();
            out.push(contribution);
        }
    }
    rows.finish(out)
}

/// Where a contribution's id comes from.
#[derive(Clone, Copy)]
enum RowId {
    /// The row's content, made unique across the file once it is read.
    Content(Uuid),
    /// The row's `id` cell, on this line.
    Given(Uuid, u64),
}

impl RowId {
    fn take(self, rows: &mut Rows, seen: &mut UniqueIds) -> Uuid {
        match self {
            Self::Content(content) => seen.unique(content),
            Self::Given(id, line) => {
                rows.claim(seen, id, line);
                id
            }
        }
    }
}

/// What one worker read from its chunk, in file order.
struct Chunk {
    contributions: Vec<Contribution>,
    /// Where each contribution's id comes from.
    ids: Vec<RowId>,
    problems: Vec<crate::validate::Problem>,
}

/// The columns read on every row, with their positions in this file.
#[derive(Clone, Copy)]
struct Columns {
    id: Col,
    donor: Col,
    recipient: Col,
    kind: Col,
    amount: Col,
    currency: Col,
    received_on: Col,
    received_on_precision: Col,
    period_start: Col,
    period_start_precision: Col,
    period_end: Col,
    period_end_precision: Col,
    project: Col,
    agreement: Col,
    basis: Col,
    description: Col,
}

impl Columns {
    fn of(rows: &Rows) -> Self {
        Self {
            id: rows.column("id"),
            donor: rows.column("donor"),
            recipient: rows.column("recipient"),
            kind: rows.column("kind"),
            amount: rows.column("amount"),
            currency: rows.column("currency"),
            received_on: rows.column("received_on"),
            received_on_precision: rows.column("received_on_precision"),
            period_start: rows.column("period_start"),
            period_start_precision: rows.column("period_start_precision"),
            period_end: rows.column("period_end"),
            period_end_precision: rows.column("period_end_precision"),
            project: rows.column("project"),
            agreement: rows.column("agreement"),
            basis: rows.column("basis"),
            description: rows.column("description"),
        }
    }
}

/// The `basis` column: how an amount is known.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Basis {
    Actual,
    Estimated,
    Unknown,
}

struct Worker<'k> {
    columns: Columns,
    organisations: NameIndex<OrganisationId>,
    projects: NameIndex<ProjectId>,
    agreements: NameIndex<AgreementId>,
    stored: &'k Known<'k, Contribution>,
    kinds: IdMap<String, Result<ContributionKind, String>>,
    currencies: IdMap<String, Result<Currency, String>>,
}

impl Worker<'_> {
    // Out of line, so that a profile of a worker thread names it.
    #[inline(never)]
    fn read(
        mut self,
        mut rows: Rows,
        chunk: &str,
        first_line: u64,
        capacity: usize,
        tell: &mpsc::Sender<usize>,
    ) -> Result<Chunk> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(rows.delimiter)
            .from_reader(chunk.as_bytes());
        // A row per line, unless cells hold line breaks: sized once, not
        // doubled and copied as it fills.
        let lines = capacity.max(chunk.bytes().filter(|&b| b == b'\n').count());
        let mut contributions = Vec::with_capacity(lines);
        let mut ids = Vec::with_capacity(lines);
        let mut reported = 0;
        // The receiver lives until every worker is joined.
        let mut progress = |read: usize| {
            let _ = tell.send(read - reported);
            reported = read;
        };
        rows.each_row(
            chunk,
            &mut reader,
            first_line,
            Some(&mut progress),
            |rows, record, line| {
                if let Some((contribution, given)) = self.row(rows, record, line) {
                    ids.push(match given {
                        Some(id) => RowId::Given(id, line),
                        None => RowId::Content(row_uuid("contribution", record)),
                    });
                    contributions.push(contribution);
                }
            },
        )?;
        Ok(Chunk {
            contributions,
            ids,
            problems: rows.problems,
        })
    }

    /// The row's contribution, and its id if the row gives one.
    fn row(
        &mut self,
        rows: &mut Rows,
        record: &csv::StringRecord,
        line: u64,
    ) -> Option<(Contribution, Option<Uuid>)> {
        let before = rows.problems.len();
        let c = self.columns;
        let id = rows.parse(record, line, c.id, parse_id);
        let base = id.and_then(|id| self.stored.get(id));
        let donor = rows.reference(&mut self.organisations, record, line, c.donor);
        let recipient = rows.reference(&mut self.organisations, record, line, c.recipient);
        let kind = match rows.required(record, line, c.kind) {
            Some(text) => {
                // Looked up before inserting: a million rows name a few kinds.
                if !self.kinds.contains_key(text) {
                    let parsed =
                        parse_enum(text, "contribution kind (cash, in_kind, pledge, services)");
                    self.kinds.insert(text.to_owned(), parsed);
                }
                match &self.kinds[text] {
                    Ok(kind) => Some(*kind),
                    Err(message) => {
                        let message = message.clone();
                        rows.problem(line, "kind", Code::CsvInvalidValue, message);
                        None
                    }
                }
            }
            None => None,
        };
        let amount = rows.decimal(record, line, c.amount);
        let currency = match rows.cell(record, c.currency) {
            Some(code) => {
                if !self.currencies.contains_key(code) {
                    let parsed = Currency::from_code(code).map_err(|e| e.to_string());
                    self.currencies.insert(code.to_owned(), parsed);
                }
                match &self.currencies[code] {
                    Ok(currency) => Some(*currency),
                    Err(message) => {
                        let message = message.clone();
                        rows.problem(line, "currency", Code::CsvInvalidValue, message);
                        None
                    }
                }
            }
            None => {
                if amount.is_some() {
                    rows.problem(
                        line,
                        "currency",
                        Code::CsvInvalidValue,
                        "an amount needs a currency".to_owned(),
                    );
                }
                None
            }
        };
        let date = rows.date_with_precision(record, line, c.received_on, c.received_on_precision);
        let period = Period::new(
            rows.date_with_precision(record, line, c.period_start, c.period_start_precision),
            rows.date_with_precision(record, line, c.period_end, c.period_end_precision),
        );
        let project = rows.reference(&mut self.projects, record, line, c.project);
        let agreement = rows.reference(&mut self.agreements, record, line, c.agreement);
        let basis = rows.parse(record, line, c.basis, |t| match t.to_lowercase().as_str() {
            "actual" => Ok(Basis::Actual),
            "estimated" => Ok(Basis::Estimated),
            "unknown" => Ok(Basis::Unknown),
            _ => Err(format!(
                "{t:?} is not a basis (actual, estimated or unknown)"
            )),
        });
        if basis == Some(Basis::Unknown) && amount.is_some() {
            rows.problem(
                line,
                "basis",
                Code::CsvInvalidValue,
                "an amount of unknown basis: leave the amount empty, or say actual or estimated"
                    .to_owned(),
            );
        }
        if rows.problems.len() > before {
            return None;
        }
        // Without a basis column, a stored estimate stays an estimate.
        let estimated = match (basis, base) {
            (Some(basis), _) => basis == Basis::Estimated,
            (None, Some(base)) if c.basis.is_absent() => {
                matches!(base.value, ContributionValue::Estimated { .. })
            }
            (None, _) => false,
        };
        let value = match (amount, currency) {
            (Some(amount), Some(currency)) if estimated => ContributionValue::Estimated {
                money: Money { amount, currency },
            },
            (Some(amount), Some(currency)) => ContributionValue::Actual {
                money: Money { amount, currency },
            },
            _ => ContributionValue::Unknown,
        };
        let mut contribution = Contribution {
            // Set once the whole file is read.
            id: ContributionId::from_uuid(Uuid::nil()),
            kind: kind?,
            donor: donor?,
            recipient: recipient?,
            value,
            date,
            period,
            project,
            agreement,
            description: rows.text(record, c.description),
            payments: Vec::new(),
            allocations: Vec::new(),
        };
        if let Some(base) = base {
            let k = &mut contribution;
            let no_value = c.amount.is_absent() && c.currency.is_absent() && c.basis.is_absent();
            // The same amount may be written with other decimal places.
            if no_value || k.value == base.value {
                k.value = base.value;
            }
            keep(c.received_on, &mut k.date, &base.date);
            keep(c.period_start, &mut k.period.start, &base.period.start);
            keep(c.period_end, &mut k.period.end, &base.period.end);
            keep(c.project, &mut k.project, &base.project);
            keep(c.agreement, &mut k.agreement, &base.agreement);
            keep(c.description, &mut k.description, &base.description);
            k.payments.clone_from(&base.payments);
            k.allocations.clone_from(&base.allocations);
        }
        Some((contribution, id))
    }
}

/// Keeps `stored` in `field` when the file lacks `column`.
fn keep<T: Clone>(column: Col, field: &mut T, stored: &T) {
    if column.is_absent() {
        field.clone_from(stored);
    }
}

fn count_lines(text: &str) -> u64 {
    text.bytes().filter(|&b| b == b'\n').count() as u64
}

/// Splits `body` into about `parts` chunks `(start, end, lines before
/// start)`, each ending just after a line end that ends a record: a quoted
/// cell may hold line breaks ([`Quotes`] follows them as the csv crate
/// does).
fn split_at_record_ends(body: &str, parts: usize, delimiter: u8) -> Vec<(usize, usize, u64)> {
    let bytes = body.as_bytes();
    let find = |from: usize, byte: u8| {
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == byte))
            .map(|at| from + at)
    };
    let target = bytes.len() / parts.max(1) + 1;
    let mut chunks = Vec::with_capacity(parts);
    let (mut start, mut lines_before) = (0usize, 0u64);
    let mut quotes = Quotes::new(body, delimiter);
    while start < bytes.len() || chunks.is_empty() {
        let mut end = bytes.len();
        let mut from = (start + target).min(bytes.len());
        while from < bytes.len() {
            let Some(newline) = find(from, b'\n') else {
                break;
            };
            quotes.scan_to(newline);
            if quotes.open().is_none() && quotes.scanned() <= newline {
                end = newline + 1;
                break;
            }
            from = newline + 1;
        }
        chunks.push((start, end, lines_before));
        lines_before += bytes[start..end].iter().filter(|&&b| b == b'\n').count() as u64;
        start = end;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::split_at_record_ends;

    #[test]
    fn chunks_never_split_a_quoted_line_break() {
        // A literal quote outside quotes (a"b) and an escaped one ("") must
        // not throw the count off.
        let body = "a,\"x\ny\"\nb,c\"d\nd,\"e\"\"\nf\"\ng,h\n1,\"2\n3\"\n";
        let records = [
            "a,\"x\ny\"\n",
            "b,c\"d\n",
            "d,\"e\"\"\nf\"\n",
            "g,h\n",
            "1,\"2\n3\"\n",
        ];
        for parts in 1..8 {
            let chunks = split_at_record_ends(body, parts, b',');
            let mut next = 0;
            for &(start, end, lines) in &chunks {
                assert_eq!(start, next);
                assert_eq!(lines, body[..start].matches('\n').count() as u64);
                let chunk = &body[start..end];
                let mut rest = chunk;
                while let Some(record) = records.iter().find(|r| rest.starts_with(*r)) {
                    rest = &rest[record.len()..];
                }
                assert_eq!(rest, "", "{parts} parts: {chunk:?} is not whole records");
                next = end;
            }
            assert_eq!(next, body.len());
        }
    }
}
