//! What every CSV reader shares: the header, cells by column name,
//! location-tagged problems, name resolution, content-derived ids, the
//! stored records rows update, and the list and quote-mark syntax the
//! writer shares.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;

use sha1::{Digest, Sha1};
use uuid::Uuid;

use super::locale::Unreadable;
use super::{CsvKind, CsvOptions, MAX_CELL_BYTES, MAX_COLUMNS, Origin};
use crate::model::ids::{IdMap, IdSet};
use crate::model::record::{Record, fold};
use crate::model::{Organisation, PartialDate, Period, Precision};
use crate::validate::{Code, Path, Problem, Report, Severity};
use crate::{Error, Result};

/// Every name a kind of record answers to, for resolving cells that name
/// records: folded names, acronyms, aliases, identifiers and ids.
#[derive(Clone)]
pub(super) struct NameIndex<I> {
    what: &'static str,
    by_key: HashMap<String, Vec<I>>,
    /// Cells already resolved: a file names the same few records again and again.
    resolved: IdMap<String, Option<I>>,
}

/// Why a cell names no single record.
pub(super) enum Unresolved {
    Unknown,
    Ambiguous(usize),
}

impl<I: Copy + Eq + Hash + std::fmt::Display> NameIndex<I> {
    pub(super) fn new(what: &'static str) -> Self {
        Self {
            what,
            by_key: HashMap::new(),
            resolved: IdMap::default(),
        }
    }

    /// An index of records by [`Record::names`] and id.
    pub(super) fn of<'r, T: Record<Id = I> + 'r>(
        what: &'static str,
        records: impl IntoIterator<Item = &'r T>,
    ) -> Self {
        let mut index = Self::new(what);
        for record in records {
            index.add(record);
        }
        index
    }

    /// Makes `record` resolvable, e.g. one defined earlier in the same file.
    pub(super) fn add<T: Record<Id = I>>(&mut self, record: &T) {
        let id = record.id();
        for name in record.names() {
            self.insert(fold(name), id);
        }
        self.insert(id.to_string(), id);
        // A name that failed to resolve may resolve now.
        self.resolved.clear();
    }

    pub(super) fn insert(&mut self, key: String, id: I) {
        let ids = self.by_key.entry(key).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    pub(super) fn resolve(&mut self, text: &str) -> std::result::Result<I, Unresolved> {
        if let Some(&known) = self.resolved.get(text) {
            return known.ok_or(Unresolved::Unknown);
        }
        let found = match self.by_key.get(&fold(text)).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) if many.len() > 1 => return Err(Unresolved::Ambiguous(many.len())),
            _ => Err(Unresolved::Unknown),
        };
        self.resolved
            .insert(text.to_owned(), found.as_ref().ok().copied());
        found
    }
}

/// Organisations answer to their IATI org-ids and other identifiers too.
pub(super) fn organisation_index<'r>(
    organisations: impl IntoIterator<Item = &'r Organisation>,
) -> NameIndex<crate::model::OrganisationId> {
    let mut index = NameIndex::new("organisation");
    for org in organisations {
        add_organisation(&mut index, org);
    }
    index
}

pub(super) fn add_organisation(
    index: &mut NameIndex<crate::model::OrganisationId>,
    org: &Organisation,
) {
    index.add(org);
    for identifier in &org.identifiers {
        index.insert(fold(&identifier.value), org.id);
    }
}

/// A column, named; found by name on each use, or by a position looked up
/// once ([`Col`]).
pub(super) trait Column: Copy {
    fn name(&self) -> &str;
    fn position(&self, rows: &Rows) -> Option<usize>;
}

impl Column for &str {
    fn name(&self) -> &str {
        self
    }

    fn position(&self, rows: &Rows) -> Option<usize> {
        rows.columns.get(*self).copied()
    }
}

/// A column and its position in one file.
#[derive(Clone, Copy)]
pub(super) struct Col {
    name: &'static str,
    at: Option<usize>,
}

impl Column for Col {
    fn name(&self) -> &str {
        self.name
    }

    fn position(&self, _: &Rows) -> Option<usize> {
        self.at
    }
}

impl Col {
    /// Whether the file lacks this column.
    pub(super) fn is_absent(&self) -> bool {
        self.at.is_none()
    }
}

/// Column positions by partnercrm's column name.
type Columns = IdMap<String, usize>;

/// Reads a file's rows, reporting location-tagged problems.
pub(super) struct Rows<'o> {
    options: &'o CsvOptions,
    columns: Columns,
    /// The file's delimiter, given or detected.
    pub(super) delimiter: u8,
    /// How many cells a row has: the mapping's constants are the cells after.
    width: usize,
    constants: Vec<&'o str>,
    /// The value map of each column that has one, by position.
    values: Vec<Option<HashMap<String, &'o str>>>,
    pub(super) problems: Vec<Problem>,
}

impl<'o> Rows<'o> {
    /// Opens a file of `kind`, reading the record tables' names for its
    /// columns ([`CsvKind::synonyms`]) and refusing it (with every missing
    /// column named) if it lacks one of the kind's required columns.
    pub(super) fn open<'t>(
        text: &'t str,
        options: &'o CsvOptions,
        kind: CsvKind,
    ) -> Result<(csv::Reader<&'t [u8]>, Self)> {
        let (reader, header) = header(text, options)?;
        let width = header.names.len();
        let mut columns: Columns = header
            .names
            .iter()
            .enumerate()
            .filter(|(_, name)| !name.is_empty())
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let mut constants = Vec::new();
        for (column, value) in &options.constants {
            columns.insert(column.to_lowercase(), width + constants.len());
            constants.push(value.as_str());
        }
        for &(synonym, column) in kind.synonyms() {
            if !columns.contains_key(column)
                && let Some(&at) = columns.get(synonym)
            {
                columns.insert(column.to_owned(), at);
            }
        }
        let mut values = vec![None; width + constants.len()];
        for (column, map) in &options.values {
            if let Some(&at) = columns.get(&column.to_lowercase()) {
                values[at] = Some(
                    map.iter()
                        .map(|(k, v)| (k.trim().to_lowercase(), v.as_str()))
                        .collect(),
                );
            }
        }
        let mut rows = Rows {
            options,
            columns,
            delimiter: header.delimiter,
            width,
            constants,
            values,
            problems: Vec::new(),
        };
        for (at, name) in header.names.iter().enumerate() {
            if !name.is_empty() && !kind.reads(name) {
                let advice = match kind.nearest_column(name) {
                    Some(near) => format!("did you mean `{near}`? "),
                    None => String::new(),
                };
                let message = format!(
                    "a {kind} file has no column {name:?}: {advice}(rename it with a header \
                     mapping, or ignore it)"
                );
                let path = locate(options, 1, Some(at), name);
                rows.problems.push(Problem {
                    path,
                    code: Code::CsvUnknownColumn,
                    message,
                    severity: Severity::Error,
                });
            }
        }
        rows.require(kind.required_columns());
        if rows.problems.is_empty() {
            Ok((reader, rows))
        } else {
            Err(Error::Invalid(Report::new(rows.problems)))
        }
    }

    /// The report of a file with problems, or `value` if it has none.
    pub(super) fn finish<T>(self, value: T) -> Result<T> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(Report::new(self.problems)))
        }
    }

    pub(super) fn at(&self, line: u64, column: &str) -> Path {
        locate(
            self.options,
            line,
            self.columns.get(column).copied(),
            column,
        )
    }

    pub(super) fn problem(&mut self, line: u64, column: &str, code: Code, message: String) {
        let path = self.at(line, column);
        self.problems.push(Problem {
            path,
            code,
            message,
            severity: Severity::Error,
        });
    }

    /// Whether the file has this column: a column it lacks leaves the
    /// stored value of its field alone.
    pub(super) fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// Keeps `stored` in `field` when the file lacks `column`.
    pub(super) fn keep<T: Clone>(&self, column: &str, field: &mut T, stored: &T) {
        if !self.has(column) {
            field.clone_from(stored);
        }
    }

    /// Reports every one of `names` the header lacks.
    pub(super) fn require(&mut self, names: &[&str]) {
        for name in names {
            if !self.columns.contains_key(*name) {
                let path = locate(self.options, 1, None, name);
                let read: Vec<&str> = self.columns.keys().map(String::as_str).collect();
                let delimiter = match self.delimiter {
                    b'\t' => "tab".to_owned(),
                    d => format!("{:?}", d as char),
                };
                self.problems.push(Problem {
                    path,
                    code: Code::CsvMissingColumn,
                    message: format!(
                        "the header has no column {name:?} (rename one with a header mapping, \
                         or give it as a constant); read with {delimiter} between columns, it \
                         has {}",
                        if read.is_empty() {
                            "none".to_owned()
                        } else {
                            sorted(read)
                        }
                    ),
                    severity: Severity::Error,
                });
            }
        }
    }

    /// A cell, trimmed, or without the `'` [`write_table`](super::write_table)
    /// puts before a formula or text with white space at its ends; `None`
    /// when the column is absent or the cell empty.
    pub(super) fn cell<'r>(
        &self,
        record: &'r csv::StringRecord,
        column: impl Column,
    ) -> Option<&'r str>
    where
        'o: 'r,
    {
        let at = column.position(self)?;
        let cell = match record.get(at) {
            Some(cell) if at < self.width => without_quote_mark(cell),
            _ => self
                .constants
                .get(at.checked_sub(self.width)?)
                .copied()?
                .trim(),
        };
        if cell.is_empty() {
            return None;
        }
        match self.values.get(at).and_then(Option::as_ref) {
            Some(map) => Some(map.get(&cell.to_lowercase()).copied().unwrap_or(cell)),
            None => Some(cell),
        }
    }

    /// A number cell, read in the file's locale, or exactly as a workbook
    /// types it; an ambiguous number is reported with both readings.
    pub(super) fn decimal(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
    ) -> Option<rust_decimal::Decimal> {
        let text = self.cell(record, column)?;
        let typed = match (&self.options.origin, column.position(self)) {
            (Origin::Workbook(sheet), Some(at)) => sheet.is_number(line, at),
            _ => false,
        };
        let read = if typed {
            crate::model::exact::parse(text)
                .map_err(|_| Unreadable::Invalid(format!("{text:?} is not a decimal number")))
        } else {
            self.options.locale.decimal(text)
        };
        match read {
            Ok(value) => Some(value),
            Err(Unreadable::Ambiguous(message)) => {
                self.problem(line, column.name(), Code::CsvAmbiguousValue, message);
                None
            }
            Err(Unreadable::Invalid(message)) => {
                self.problem(line, column.name(), Code::CsvInvalidValue, message);
                None
            }
        }
    }

    /// The `id` cell: the UUID of the record the row is.
    pub(super) fn id(&mut self, record: &csv::StringRecord, line: u64) -> Option<Uuid> {
        self.parse(record, line, "id", parse_id)
    }

    /// Reports an id that an earlier row of the file has too.
    pub(super) fn claim(&mut self, seen: &mut UniqueIds, id: Uuid, line: u64) -> bool {
        let fresh = seen.claim(id);
        if !fresh {
            self.problem(
                line,
                "id",
                Code::CsvInvalidValue,
                format!("{id} is the id of an earlier row too"),
            );
        }
        fresh
    }

    /// A cell that must not be empty.
    pub(super) fn required<'r>(
        &mut self,
        record: &'r csv::StringRecord,
        line: u64,
        column: impl Column,
    ) -> Option<&'r str>
    where
        'o: 'r,
    {
        let cell = self.cell(record, column);
        if cell.is_none() {
            self.problem(
                line,
                column.name(),
                Code::CsvInvalidValue,
                format!("the {} is empty", column.name()),
            );
        }
        cell
    }

    pub(super) fn text(&self, record: &csv::StringRecord, column: impl Column) -> Option<String> {
        self.cell(record, column).map(str::to_owned)
    }

    /// A `;`-separated list cell.
    pub(super) fn list(&self, record: &csv::StringRecord, column: impl Column) -> Vec<String> {
        self.cell(record, column).map_or_else(Vec::new, |cell| {
            split_list(cell).map(Cow::into_owned).collect()
        })
    }

    pub(super) fn parse<T, E: std::fmt::Display>(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Option<T> {
        let text = self.cell(record, column)?;
        match parse(text) {
            Ok(value) => Some(value),
            Err(e) => {
                self.problem(line, column.name(), Code::CsvInvalidValue, e.to_string());
                None
            }
        }
    }

    /// A `;`-separated list of parsed values; every bad item is reported.
    pub(super) fn parse_list<T, E: std::fmt::Display>(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
        mut parse: impl FnMut(&str) -> std::result::Result<T, E>,
    ) -> Vec<T> {
        let Some(cell) = self.cell(record, column) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in split_list(cell) {
            match parse(&item) {
                Ok(value) => out.push(value),
                Err(e) => self.problem(line, column.name(), Code::CsvInvalidValue, e.to_string()),
            }
        }
        out
    }

    pub(super) fn choice<T: serde::de::DeserializeOwned>(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
        what: &str,
    ) -> Option<T> {
        self.parse(record, line, column, |t| parse_enum(t, what))
    }

    /// A date, made as precise as a `_precision` column beside it says
    /// (`received_on_precision` for `received_on`).
    pub(super) fn date(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
    ) -> Option<PartialDate> {
        let precision = format!("{}_precision", column.name());
        self.date_with_precision(record, line, column, precision.as_str())
    }

    /// A date, made as precise as the `precision` column says: the record
    /// tables give a date known to a month or year as a day, its first (for
    /// a start) or last (for an end), beside how precise it is.
    pub(super) fn date_with_precision(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
        precision: impl Column,
    ) -> Option<PartialDate> {
        let locale = &self.options.locale;
        let date = self.parse(record, line, column, |t| locale.date(t))?;
        let to = self.parse(record, line, precision, |t| {
            match t.to_ascii_lowercase().as_str() {
                "year" => Ok(Precision::Year),
                "month" => Ok(Precision::Month),
                "day" => Ok(Precision::Day),
                _ => Err(format!("{t:?} is not a precision (year, month or day)")),
            }
        });
        Some(to.map_or(date, |to| reduce(date, to)))
    }

    /// A period from two columns, `from` and `to` unless named otherwise.
    pub(super) fn period(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        from: impl Column,
        to: impl Column,
    ) -> Period {
        Period::new(self.date(record, line, from), self.date(record, line, to))
    }

    /// The record a cell names, reporting unknown and ambiguous names.
    pub(super) fn reference<I: Copy + Eq + Hash + std::fmt::Display>(
        &mut self,
        index: &mut NameIndex<I>,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
    ) -> Option<I> {
        let text = self.cell(record, column)?;
        self.resolve(index, text, line, column.name())
    }

    /// The records a `;`-separated list cell names.
    pub(super) fn references<I: Copy + Eq + Hash + std::fmt::Display>(
        &mut self,
        index: &mut NameIndex<I>,
        record: &csv::StringRecord,
        line: u64,
        column: impl Column,
    ) -> Vec<I> {
        let Some(cell) = self.cell(record, column) else {
            return Vec::new();
        };
        split_list(cell)
            .filter_map(|name| self.resolve(index, &name, line, column.name()))
            .collect()
    }

    pub(super) fn resolve<I: Copy + Eq + Hash + std::fmt::Display>(
        &mut self,
        index: &mut NameIndex<I>,
        text: &str,
        line: u64,
        column: &str,
    ) -> Option<I> {
        match index.resolve(text) {
            Ok(id) => Some(id),
            Err(Unresolved::Ambiguous(n)) => {
                let what = index.what;
                self.problem(
                    line,
                    column,
                    Code::CsvAmbiguousReference,
                    format!("{text:?} names {n} {what}s; use an id or identifier"),
                );
                None
            }
            Err(Unresolved::Unknown) => {
                let what = index.what;
                self.problem(
                    line,
                    column,
                    Code::CsvUnknownReference,
                    format!("no {what} is called {text:?}"),
                );
                None
            }
        }
    }

    /// The ids the file's `id` column gives, so that a row may refer to a
    /// record anywhere in the file by its id.
    pub(super) fn ids_in(&self, text: &str) -> Vec<Uuid> {
        let Some(&at) = self.columns.get("id") else {
            return Vec::new();
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut ids = Vec::new();
        while let Ok(true) = reader.read_record(&mut record) {
            if let Some(id) = record.get(at).and_then(|c| parse_id(c.trim()).ok()) {
                ids.push(id);
            }
        }
        ids
    }

    /// A column whose position is looked up now, for a reader that reads
    /// it on every row.
    pub(super) fn column(&self, name: &'static str) -> Col {
        Col {
            name,
            at: self.columns.get(name).copied(),
        }
    }

    /// A reader of the same file with no problems yet, for another thread.
    pub(super) fn fork(&self) -> Self {
        Self {
            options: self.options,
            columns: self.columns.clone(),
            delimiter: self.delimiter,
            width: self.width,
            constants: self.constants.clone(),
            values: self.values.clone(),
            problems: Vec::new(),
        }
    }

    /// Calls `each` with every well-formed row and its line, reporting
    /// malformed rows and oversized cells; `progress` hears the number of
    /// rows read every 10,000 rows and at the end. `reader` reads `text`,
    /// which starts at the start of a record, and lines count from
    /// `first_line`, the lines before `text`. Text that ends inside a
    /// quoted cell is refused before any row is read: the csv crate would
    /// take the rest of the file as the cell's text.
    pub(super) fn each_row(
        &mut self,
        text: &str,
        reader: &mut csv::Reader<&[u8]>,
        first_line: u64,
        mut progress: Option<&mut dyn FnMut(usize)>,
        mut each: impl FnMut(&mut Self, &csv::StringRecord, u64),
    ) -> Result<()> {
        refuse_unclosed_quote(text, first_line, self.delimiter)?;
        let mut record = csv::StringRecord::new();
        let mut count = 0;
        // Lines are counted here, at `\n`, whatever the line ends: the csv
        // crate's count runs short in files with CRLF inside quotes.
        let lines = LineCounter::new(text, first_line);
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(first_line, |p| lines.at(p));
                    self.problem(line, "*", Code::CsvMalformedRow, e.to_string());
                    // An invalid UTF-8 row is skipped; a broken reader stops.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            count += 1;
            if count % 10_000 == 0
                && let Some(report) = progress.as_mut()
            {
                report(count);
            }
            let line = record.position().map_or(first_line, |p| lines.at(p));
            if let Some(at) = record.iter().position(|c| c.len() > MAX_CELL_BYTES) {
                let column = self
                    .columns
                    .iter()
                    .find(|(_, i)| **i == at)
                    .map_or_else(|| format!("#{}", at + 1), |(name, _)| name.clone());
                self.problem(
                    line,
                    &column,
                    Code::CsvLimit,
                    format!("the cell is longer than {MAX_CELL_BYTES} bytes"),
                );
                continue;
            }
            each(self, &record, line);
        }
        if let Some(report) = progress.as_mut() {
            report(count);
        }
        Ok(())
    }
}

/// Follows the quotes of CSV text as the csv crate reads them: a `"` opens
/// a quoted cell only at the start of a cell, is a literal character
/// elsewhere outside quotes, and inside quotes `""` is an escaped quote
/// while a single `"` closes the cell. The text must start at the start
/// of a record.
pub(super) struct Quotes<'t> {
    bytes: &'t [u8],
    delimiter: u8,
    /// Every byte before it is read.
    scanned: usize,
    /// Where the quoted cell that `scanned` lies in opened, if it does.
    open: Option<usize>,
}

impl<'t> Quotes<'t> {
    pub(super) fn new(text: &'t str, delimiter: u8) -> Self {
        Self {
            bytes: text.as_bytes(),
            delimiter,
            scanned: 0,
            open: None,
        }
    }

    /// Reads the quotes before `to`, leaving [`Quotes::scanned`] at `to`,
    /// or just past an escaped pair that straddles it.
    pub(super) fn scan_to(&mut self, to: usize) {
        let bytes = self.bytes;
        while let Some(at) = bytes
            .get(self.scanned..to)
            .and_then(|rest| rest.iter().position(|&b| b == b'"'))
            .map(|at| self.scanned + at)
        {
            if self.open.is_some() {
                if bytes.get(at + 1) == Some(&b'"') {
                    self.scanned = at + 2;
                    continue;
                }
                self.open = None;
            } else if at == 0
                || matches!(bytes[at - 1], b'\n' | b'\r')
                || bytes[at - 1] == self.delimiter
            {
                self.open = Some(at);
            }
            self.scanned = at + 1;
        }
        self.scanned = self.scanned.max(to);
    }

    /// How far the text is read.
    pub(super) fn scanned(&self) -> usize {
        self.scanned
    }

    /// Where the quoted cell that the text read so far ends inside opened,
    /// if it ends inside one.
    pub(super) fn open(&self) -> Option<usize> {
        self.open
    }
}

/// Refuses `text` if it ends inside a quoted cell, with the line (counted
/// from `first_line`, the lines before `text`) and column where the cell's
/// quote is.
fn refuse_unclosed_quote(text: &str, first_line: u64, delimiter: u8) -> Result<()> {
    let mut quotes = Quotes::new(text, delimiter);
    quotes.scan_to(text.len());
    let Some(at) = quotes.open() else {
        return Ok(());
    };
    let before = text.get(..at).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    Err(Error::Csv {
        line: first_line as usize + before.bytes().filter(|&b| b == b'\n').count() + 1,
        column: before.get(line_start..).map_or(0, |l| l.chars().count()) + 1,
        message: "this quote opens a cell that is never closed: the file ends inside it \
                  (a quote inside a quoted cell is written twice, \"\")"
            .to_owned(),
    })
}

/// What [`write_table`](super::write_table) puts between the items of a
/// list.
pub(super) const LIST_SEPARATOR: &str = "; ";

/// The items of a list cell: separated by `;`, each trimmed, empty ones
/// left out. A backslash makes the character after it part of the item
/// when that is a `;`, a backslash or white space (which is then not
/// trimmed); any other backslash is itself.
pub(super) fn split_list(cell: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let mut rest = Some(cell);
    std::iter::from_fn(move || {
        loop {
            let text = rest?;
            let mut escaped = false;
            let mut end = None;
            let mut chars = text.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' if chars.peek().is_some_and(|&(_, next)| escapable(next)) => {
                        chars.next();
                        escaped = true;
                    }
                    ';' => {
                        end = Some(at);
                        break;
                    }
                    _ => {}
                }
            }
            let item = match end {
                Some(at) => {
                    rest = Some(&text[at + 1..]);
                    &text[..at]
                }
                None => {
                    rest = None;
                    text
                }
            };
            if let Some(item) = list_item(item, escaped) {
                return Some(item);
            }
        }
    })
}

/// Whether a backslash before `c` makes it part of a list item.
fn escapable(c: char) -> bool {
    matches!(c, ';' | '\\') || c.is_whitespace()
}

/// One item of a list cell, unescaped and trimmed of the white space not
/// escaped; `None` if nothing is left.
fn list_item(raw: &str, escaped: bool) -> Option<Cow<'_, str>> {
    if !escaped {
        let item = raw.trim();
        return (!item.is_empty()).then_some(Cow::Borrowed(item));
    }
    // Each character, and whether a backslash escaped it.
    let mut chars: Vec<(char, bool)> = Vec::with_capacity(raw.len());
    let mut iter = raw.chars().peekable();
    while let Some(c) = iter.next() {
        match iter.peek() {
            Some(&next) if c == '\\' && escapable(next) => {
                chars.push((next, true));
                iter.next();
            }
            _ => chars.push((c, false)),
        }
    }
    let loose = |&(c, escaped): &(char, bool)| c.is_whitespace() && !escaped;
    let start = chars.iter().position(|c| !loose(c))?;
    let end = chars.iter().rposition(|c| !loose(c))? + 1;
    Some(Cow::Owned(
        chars[start..end].iter().map(|&(c, _)| c).collect(),
    ))
}

/// Appends a list item as [`split_list`] reads it back: `;`, backslashes
/// and the white space at either end escaped with a backslash.
pub(super) fn push_list_item(out: &mut String, item: &str) {
    let first = item
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(item.len(), |(at, _)| at);
    let last = item
        .char_indices()
        .rfind(|(_, c)| !c.is_whitespace())
        .map_or(0, |(at, c)| at + c.len_utf8());
    for (at, c) in item.char_indices() {
        if matches!(c, ';' | '\\') || (c.is_whitespace() && (at < first || at >= last)) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Whether [`write_table`](super::write_table) puts a `'` before a text
/// cell: a spreadsheet would run it as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return); it starts or ends with white
/// space, which the readers would trim; or it starts with `'` itself, so
/// that the readers can tell the writer's `'` from the text's own.
pub(super) fn needs_quote_mark(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\''])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
}

/// A cell as the readers take it: without the `'` [`needs_quote_mark`]
/// puts before it and then exactly as it was written, else trimmed.
pub(super) fn without_quote_mark(cell: &str) -> &str {
    let cell = cell.trim_start();
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote_mark(rest) => rest,
        _ => cell.trim_end(),
    }
}

/// A date made no more precise than `to`.
fn reduce(date: PartialDate, to: Precision) -> PartialDate {
    use chrono::Datelike;
    if date.precision() <= to {
        return date;
    }
    match to {
        Precision::Year => PartialDate::Year(date.year_of()),
        Precision::Month => {
            PartialDate::month(date.year_of(), date.earliest().month()).unwrap_or(date)
        }
        Precision::Day => date,
    }
}

/// Parses an `id` cell.
pub(super) fn parse_id(text: &str) -> std::result::Result<Uuid, String> {
    Uuid::parse_str(text).map_err(|_| format!("{text:?} is not an id (a UUID)"))
}

/// Parses a yes-or-no cell: `true` or `false` (as the record tables write
/// them), `yes` or `no`, `1` or `0`.
pub(super) fn parse_bool(text: &str) -> std::result::Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("{text:?} is not true or false")),
    }
}

/// The stored records of one kind, by id and by natural key: the records
/// rows update.
pub(super) struct Known<'k, T: Record> {
    by_id: IdMap<T::Id, &'k T>,
    by_key: HashMap<String, &'k T>,
}

impl<'k, T: Record> Known<'k, T> {
    pub(super) fn of(records: &'k [T]) -> Self {
        let mut by_key = HashMap::new();
        for record in records {
            if let Some(key) = record.natural_key() {
                by_key.entry(key).or_insert(record);
            }
        }
        Self {
            by_id: records.iter().map(|r| (r.id(), r)).collect(),
            by_key,
        }
    }

    /// The record with this id.
    pub(super) fn get(&self, id: Uuid) -> Option<&'k T> {
        self.by_id.get(&T::Id::from(id)).copied()
    }

    /// The record a row updates: the one with the row's id if it has one,
    /// else the one with the natural key of what the row says.
    pub(super) fn base(&self, id: Option<Uuid>, read: &T) -> Option<&'k T> {
        match id {
            Some(id) => self.get(id),
            None => read
                .natural_key()
                .and_then(|key| self.by_key.get(&key).copied()),
        }
    }
}

/// The record's id: the row's own, else the stored record's it updates,
/// else one derived from `key`.
pub(super) fn choose_id<T: Record>(
    given: Option<Uuid>,
    base: Option<&T>,
    seen: &mut UniqueIds,
    key: &str,
) -> T::Id {
    match (given, base) {
        (Some(id), _) => id.into(),
        (None, Some(base)) => base.id(),
        (None, None) => seen.content_id(T::KIND.as_str(), key).into(),
    }
}

/// A file's header as read: each column's name (trimmed, renamed by the
/// mapping, else lower-cased; empty for a column the mapping ignores) and
/// the delimiter.
pub(super) struct Header {
    pub(super) names: Vec<String>,
    pub(super) delimiter: u8,
}

/// A reader past the header, and the header, refused if two of its
/// columns (after the mapping, and the mapping's constants) have one name.
pub(super) fn header<'t>(
    text: &'t str,
    options: &CsvOptions,
) -> Result<(csv::Reader<&'t [u8]>, Header)> {
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| super::dialect::detect(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_error(options, &e))?
        .clone();
    if headers.len() > MAX_COLUMNS {
        return Err(Error::Limit {
            what: "CSV header",
            limit: format!("{MAX_COLUMNS} columns"),
        });
    }
    let ignored = |h: &str| {
        options
            .ignore
            .iter()
            .any(|i| i.trim().eq_ignore_ascii_case(h))
    };
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            let h = h.trim();
            let renamed = options.mapping.get(h).or_else(|| {
                options
                    .mapping
                    .iter()
                    .find(|(from, _)| from.trim().to_lowercase() == h.to_lowercase())
                    .map(|(_, to)| to)
            });
            match renamed {
                _ if ignored(h) => String::new(),
                Some(to) => to.trim().to_lowercase(),
                None => h.to_lowercase(),
            }
        })
        .collect();
    // A header that opens a quote and never closes it is the whole file.
    let end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
    refuse_unclosed_quote(text.get(..end).unwrap_or(text), 0, delimiter)?;
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let constants = options
        .constants
        .iter()
        .map(|(c, _)| c.trim().to_lowercase())
        .collect::<Vec<_>>();
    for (at, name) in names.iter().chain(&constants).enumerate() {
        if name.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(name, at) {
            let original = |i: usize| headers.get(i).unwrap_or_default().trim().to_owned();
            let (what, position) = match at.checked_sub(names.len()) {
                Some(_) => ("the mapping's constant".to_owned(), None),
                None => (format!("column {} ({:?})", at + 1, original(at)), Some(at)),
            };
            problems.push(Problem {
                path: locate(options, 1, position, name),
                code: Code::CsvDuplicateColumn,
                message: format!(
                    "{what} and column {} ({:?}) are both read as {name:?}: rename or ignore \
                     one",
                    first + 1,
                    original(first)
                ),
                severity: Severity::Error,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(Report::new(problems)));
    }
    Ok((reader, Header { names, delimiter }))
}

/// Where a cell is: `file[line].column` in text, `book.xlsx!Sheet1!C7`
/// in a workbook; `at` is the column's position in the header, if it has one.
pub(super) fn locate(options: &CsvOptions, line: u64, at: Option<usize>, column: &str) -> Path {
    match &options.origin {
        Origin::Text => Path::root(&options.file).index(line as usize).field(column),
        Origin::Workbook(sheet) => Path::root(&sheet.locate(&options.file, line, at, column)),
    }
}

fn sorted(mut names: Vec<&str>) -> String {
    names.sort_unstable();
    names.join(", ")
}

/// The line a record of the text a reader reads starts on, from the csv
/// crate's position of it: the `\n`s it counted before the record, and
/// those of the line ends the record is placed at (after a CRLF the crate
/// puts the next record at its `\n`, which it has not counted yet). Nothing
/// is scanned again: counting each row's bytes cost the reader a tenth of
/// its time.
struct LineCounter<'t> {
    bytes: &'t [u8],
    first_line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str, first_line: u64) -> Self {
        Self {
            bytes: text.as_bytes(),
            first_line,
        }
    }

    /// The line of the record (or error) at `position`.
    fn at(&self, position: &csv::Position) -> u64 {
        let mut line = self.first_line + position.line();
        let from = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        // A record never starts with a line end: those at its place are before it.
        for &b in self.bytes.get(from..).unwrap_or_default() {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
        }
        line
    }
}

/// The line each record of `text` (after the header) starts on.
pub(super) fn record_lines(text: &str, options: &CsvOptions) -> Vec<usize> {
    let text = crate::io::text::without_bom(text);
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| super::dialect::detect(text));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let lines = LineCounter::new(text, 0);
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Ok(true) = reader.read_record(&mut record) {
        out.push(record.position().map_or(0, |p| lines.at(p)) as usize);
    }
    out
}

fn csv_error(options: &CsvOptions, error: &csv::Error) -> Error {
    let line = error.position().map_or(0, |p| p.line());
    Error::Parse {
        what: "CSV file",
        input: format!("{}:{line}", options.file),
        reason: error.to_string(),
    }
}

/// Parses one of an enum's snake_case names, forgiving case, spaces and dashes.
pub(super) fn parse_enum<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> std::result::Result<T, String> {
    serde_json::from_value(serde_json::Value::String(
        text.to_lowercase().replace(['-', ' '], "_"),
    ))
    .map_err(|_| format!("{text:?} is not a {what}"))
}

const NAMESPACE: Uuid = Uuid::from_u128(0x6d3f_0c3e_9a57_4c55_b4d2_2f6a_1b7e_9c01);

/// A UUID v5 (RFC 9562) in partnercrm's namespace, from a name given in
/// parts: the same id [`Uuid::new_v5`] gives for the parts joined, hashed
/// without joining them first, by a SHA-1 that uses the CPU's SHA
/// extensions where it has them.
struct NameHasher(Sha1);

impl NameHasher {
    fn new() -> Self {
        let mut sha = Sha1::new();
        sha.update(NAMESPACE.as_bytes());
        Self(sha)
    }

    fn update(&mut self, part: &[u8]) {
        self.0.update(part);
    }

    fn uuid(self) -> Uuid {
        let digest = self.0.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_sha1_bytes(bytes).into_uuid()
    }
}

/// An id derived from what a row says, so that the same file always yields
/// the same ids.
pub(super) fn content_uuid(kind: &str, content: &str) -> Uuid {
    let mut name = NameHasher::new();
    name.update(kind.as_bytes());
    name.update(b"|");
    name.update(content.as_bytes());
    name.uuid()
}

/// [`content_uuid`] of [`row_content`], without building the content.
pub(super) fn row_uuid(kind: &str, record: &csv::StringRecord) -> Uuid {
    let mut name = NameHasher::new();
    name.update(kind.as_bytes());
    name.update(b"|");
    for field in record.iter() {
        name.update(field.trim().as_bytes());
        name.update(b"\x1f");
    }
    name.uuid()
}

/// Hands out unique ids. An identical row is another record (another
/// gift of the same amount), so it chains to the next id,
/// deterministically; the chain's end is remembered, so a file of a
/// million identical rows costs a million steps, not half a trillion.
#[derive(Default)]
pub(super) struct UniqueIds {
    seen: IdSet<Uuid>,
    /// The last id handed out for each content id.
    last: IdMap<Uuid, Uuid>,
}

impl UniqueIds {
    /// Takes an id a row gives; `false` if an earlier row took it.
    pub(super) fn claim(&mut self, id: Uuid) -> bool {
        self.seen.insert(id)
    }

    pub(super) fn unique(&mut self, content: Uuid) -> Uuid {
        let next = |id: Uuid| Uuid::new_v5(&NAMESPACE, id.as_bytes());
        let mut id = self.last.get(&content).map_or(content, |&last| next(last));
        while !self.seen.insert(id) {
            id = next(id);
        }
        self.last.insert(content, id);
        id
    }

    /// [`content_uuid`] made unique.
    pub(super) fn content_id(&mut self, kind: &str, content: &str) -> Uuid {
        self.unique(content_uuid(kind, content))
    }
}

/// What a record's cells say, for [`content_id`]: trimmed, in column order.
pub(super) fn row_content(record: &csv::StringRecord) -> String {
    let mut content = String::with_capacity(record.as_slice().len() + record.len());
    for field in record.iter() {
        content.push_str(field.trim());
        content.push('\u{1f}');
    }
    content
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_v5_of_the_row_content() {
        let mut record = csv::StringRecord::new();
        record.push_field(" Chevron ");
        record.push_field("IOM Angola");
        record.push_field("");
        let content = row_content(&record);
        let v5 = Uuid::new_v5(&NAMESPACE, format!("contribution|{content}").as_bytes());
        assert_eq!(content_uuid("contribution", &content), v5);
        assert_eq!(row_uuid("contribution", &record), v5);
        assert_eq!(v5.get_version_num(), 5);
    }
}
