//! CSV for spreadsheets: contributions and organisations in, any table out.
//!
//! # Contributions
//!
//! | column | required | holds |
//! |---|---|---|
//! | `donor` | yes | an organisation: name, acronym, alias, IATI org-id or id |
//! | `recipient` | yes | an organisation, as for `donor` |
//! | `kind` | yes | `cash`, `in_kind`, `pledge` or `services` |
//! | `amount` | no | a decimal amount; empty means unknown |
//! | `currency` | with `amount` | an ISO 4217 code |
//! | `received_on` | no | `YYYY`, `YYYY-MM` or `YYYY-MM-DD` |
//! | `project` | no | a project: title, acronym, alias or id |
//! | `basis` | no | `actual` (the default) or `estimated` |
//! | `description` | no | free text |
//!
//! # Organisations
//!
//! | column | required | holds |
//! |---|---|---|
//! | `name` | yes | the name |
//! | `kind` | yes | e.g. `ngo_cso`, `private_company`, `government` |
//! | `acronym`, `website`, `description` | no | text |
//! | `aliases` | no | other names, separated by `;` |
//! | `country` | no | an ISO 3166-1 alpha-2 code |
//! | `parent` | no | an organisation, as for `donor` above |
//! | `iati_org_id` | no | e.g. `XM-DAC-47066` |
//!
//! Columns may be renamed with a header mapping (`{"Geber": "donor"}`).
//! Every bad cell is reported, with file, line and column, before anything
//! is returned: a file imports whole or not at all. Records get ids derived
//! from their content, so importing the same file again changes nothing.
//!
//! Exports neutralise cells a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) by prefixing `'`.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::ids::{IdMap, IdSet};
use crate::model::record::fold;
use crate::model::*;
use crate::validate::{Code, Path, Problem, Report, Severity};
use crate::{Error, Result};

/// Names every record that one file's rows may refer to.
struct Names {
    organisations: HashMap<String, Vec<OrganisationId>>,
    projects: HashMap<String, Vec<ProjectId>>,
}

impl Names {
    fn new(known: &Dataset) -> Self {
        let mut organisations: HashMap<String, Vec<OrganisationId>> = HashMap::new();
        for org in &known.organisations {
            let keys = org
                .names()
                .map(fold)
                .chain(org.identifiers.iter().map(|i| fold(&i.value)))
                .chain([org.id.to_string()]);
            for key in keys {
                let ids = organisations.entry(key).or_default();
                if !ids.contains(&org.id) {
                    ids.push(org.id);
                }
            }
        }
        let mut projects: HashMap<String, Vec<ProjectId>> = HashMap::new();
        for project in &known.projects {
            let names = std::iter::once(&project.title)
                .chain(project.acronym.as_ref())
                .chain(&project.aliases);
            for key in names.map(|n| fold(n)).chain([project.id.to_string()]) {
                let ids = projects.entry(key).or_default();
                if !ids.contains(&project.id) {
                    ids.push(project.id);
                }
            }
        }
        Self {
            organisations,
            projects,
        }
    }
}

/// Options for reading a CSV file.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// The file's name, for error locations.
    pub file: String,
    /// Renames columns: the file's header to partnercrm's column name.
    pub mapping: HashMap<String, String>,
}

/// Column positions by partnercrm's column name.
type Columns = IdMap<String, usize>;

/// The columns read on every row, whose positions are looked up once per file.
const KNOWN: [&str; 9] = [
    "donor",
    "recipient",
    "kind",
    "amount",
    "currency",
    "received_on",
    "project",
    "basis",
    "description",
];

/// Reads a file's rows, reporting location-tagged problems.
struct Rows<'o> {
    options: &'o CsvOptions,
    columns: Columns,
    known: [Option<usize>; KNOWN.len()],
    problems: Vec<Problem>,
    /// Cells already resolved: a file names the same few donors again and again.
    resolved_organisations: IdMap<String, Option<OrganisationId>>,
    resolved_projects: IdMap<String, Option<ProjectId>>,
}

impl<'o> Rows<'o> {
    /// Opens a file, refusing it (with every missing column named) if it
    /// lacks one of `required`.
    fn open<'t>(
        text: &'t str,
        options: &'o CsvOptions,
        required: &[&str],
    ) -> Result<(csv::Reader<&'t [u8]>, Self)> {
        let (reader, columns) = reader(text, options)?;
        let mut rows = Rows {
            options,
            known: KNOWN.map(|k| columns.get(k).copied()),
            columns,
            problems: Vec::new(),
            resolved_organisations: IdMap::default(),
            resolved_projects: IdMap::default(),
        };
        rows.require(required);
        if rows.problems.is_empty() {
            Ok((reader, rows))
        } else {
            Err(Error::Invalid(Report::new(rows.problems)))
        }
    }

    fn at(&self, line: u64, column: &str) -> Path {
        Path::root(&self.options.file)
            .index(line as usize)
            .field(column)
    }

    fn problem(&mut self, line: u64, column: &str, code: Code, message: String) {
        let path = self.at(line, column);
        self.problems.push(Problem {
            path,
            code,
            message,
            severity: Severity::Error,
        });
    }

    fn require(&mut self, names: &[&str]) {
        for name in names {
            if !self.columns.contains_key(*name) {
                let path = Path::root(&self.options.file).index(1).field(name);
                self.problems.push(Problem {
                    path,
                    code: Code::CsvMissingColumn,
                    message: format!(
                        "the header has no column {name:?} (rename one with a header mapping)"
                    ),
                    severity: Severity::Error,
                });
            }
        }
    }

    fn cell<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        let at = match KNOWN.iter().position(|k| *k == column) {
            Some(known) => self.known[known],
            None => self.columns.get(column).copied(),
        };
        at.and_then(|at| record.get(at))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn parse<T, E: std::fmt::Display>(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Option<T> {
        let text = self.cell(record, column)?;
        match parse(text) {
            Ok(value) => Some(value),
            Err(e) => {
                self.problem(line, column, Code::CsvInvalidValue, e.to_string());
                None
            }
        }
    }

    fn organisation(
        &mut self,
        names: &Names,
        record: &csv::StringRecord,
        line: u64,
        column: &str,
    ) -> Option<OrganisationId> {
        let text = self.cell(record, column)?;
        if let Some(&known) = self.resolved_organisations.get(text) {
            return known;
        }
        let found = self.resolve_organisation(names, text, line, column);
        if found.is_some() {
            self.resolved_organisations.insert(text.to_owned(), found);
        }
        found
    }

    fn resolve_organisation(
        &mut self,
        names: &Names,
        text: &str,
        line: u64,
        column: &str,
    ) -> Option<OrganisationId> {
        match names.organisations.get(&fold(text)).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            Some(many) if many.len() > 1 => {
                self.problem(
                    line,
                    column,
                    Code::CsvAmbiguousReference,
                    format!(
                        "{text:?} names {} organisations; use an id or identifier",
                        many.len()
                    ),
                );
                None
            }
            _ => {
                self.problem(
                    line,
                    column,
                    Code::CsvUnknownReference,
                    format!("no organisation is called {text:?}"),
                );
                None
            }
        }
    }

    fn project(
        &mut self,
        names: &Names,
        record: &csv::StringRecord,
        line: u64,
    ) -> Option<ProjectId> {
        let text = self.cell(record, "project")?;
        if let Some(&known) = self.resolved_projects.get(text) {
            return known;
        }
        let found = self.resolve_project(names, text, line);
        if found.is_some() {
            self.resolved_projects.insert(text.to_owned(), found);
        }
        found
    }

    fn resolve_project(&mut self, names: &Names, text: &str, line: u64) -> Option<ProjectId> {
        match names.projects.get(&fold(text)).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            Some(many) if many.len() > 1 => {
                self.problem(
                    line,
                    "project",
                    Code::CsvAmbiguousReference,
                    format!("{text:?} names {} projects", many.len()),
                );
                None
            }
            _ => {
                self.problem(
                    line,
                    "project",
                    Code::CsvUnknownReference,
                    format!("no project is called {text:?}"),
                );
                None
            }
        }
    }
}

fn reader<'t>(text: &'t str, options: &CsvOptions) -> Result<(csv::Reader<&'t [u8]>, Columns)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_error(options, &e))?
        .clone();
    let columns = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (column_name(h, options), i))
        .collect();
    Ok((reader, columns))
}

/// A header cell as partnercrm's column name: trimmed, renamed by the
/// mapping, else lower-cased.
fn column_name(header: &str, options: &CsvOptions) -> String {
    let h = header.trim();
    options
        .mapping
        .get(h)
        .cloned()
        .unwrap_or_else(|| h.to_lowercase())
}

fn csv_error(options: &CsvOptions, error: &csv::Error) -> Error {
    let line = error.position().map_or(0, |p| p.line());
    Error::Parse {
        what: "CSV file",
        input: format!("{}:{line}", options.file),
        reason: error.to_string(),
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> std::result::Result<T, String> {
    serde_json::from_value(serde_json::Value::String(
        text.to_lowercase().replace(['-', ' '], "_"),
    ))
    .map_err(|_| format!("{text:?} is not a {what}"))
}

const NAMESPACE: Uuid = Uuid::from_u128(0x6d3f_0c3e_9a57_4c55_b4d2_2f6a_1b7e_9c01);

/// An id derived from what a row says and how many identical rows came
/// before it, so that the same file always yields the same ids.
fn content_id(kind: &str, content: &str, seen: &mut IdSet<Uuid>) -> Uuid {
    let mut id = Uuid::new_v5(&NAMESPACE, format!("{kind}|{content}").as_bytes());
    // An identical row is another gift: chain to the next id, deterministically.
    while !seen.insert(id) {
        id = Uuid::new_v5(&NAMESPACE, id.as_bytes());
    }
    id
}

/// What a record's cells say, for [`content_id`]: trimmed, in column order.
fn row_content(record: &csv::StringRecord) -> String {
    let mut content = String::with_capacity(record.as_slice().len() + record.len());
    for field in record.iter() {
        content.push_str(field.trim());
        content.push('\u{1f}');
    }
    content
}

/// Reads contributions from CSV, resolving names against `known` (the
/// organisations and projects already stored). `progress` is called with
/// the number of rows read so far, every 10,000 rows and at the end.
pub fn read_contributions(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    mut progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Contribution>> {
    let (mut reader, mut rows) = Rows::open(text, options, &["donor", "recipient", "kind"])?;
    let names = Names::new(known);
    let mut seen = IdSet::default();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut count = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.problem(line, "*", Code::CsvMalformedRow, e.to_string());
                continue;
            }
        }
        count += 1;
        if count % 10_000 == 0
            && let Some(report) = progress.as_mut()
        {
            report(count);
        }
        let line = record.position().map_or(0, |p| p.line());
        let before = rows.problems.len();
        let donor = rows.organisation(&names, &record, line, "donor");
        let recipient = rows.organisation(&names, &record, line, "recipient");
        let kind: Option<ContributionKind> = match rows.cell(&record, "kind") {
            Some(_) => rows.parse(&record, line, "kind", |t| {
                parse_enum(t, "contribution kind (cash, in_kind, pledge, services)")
            }),
            None => {
                rows.problem(
                    line,
                    "kind",
                    Code::CsvInvalidValue,
                    "the kind is empty".to_owned(),
                );
                None
            }
        };
        let amount = rows.parse(&record, line, "amount", |t| {
            Decimal::from_str_exact(t).map_err(|_| format!("{t:?} is not a decimal amount"))
        });
        let currency = rows.parse(&record, line, "currency", Currency::from_code);
        let date = rows.parse(&record, line, "received_on", |t| t.parse::<PartialDate>());
        let project = rows.project(&names, &record, line);
        let estimated = rows.parse(&record, line, "basis", |t| {
            match t.to_lowercase().as_str() {
                "actual" => Ok(false),
                "estimated" => Ok(true),
                _ => Err(format!("{t:?} is not a basis (actual or estimated)")),
            }
        });
        if amount.is_some() && currency.is_none() && rows.cell(&record, "currency").is_none() {
            rows.problem(
                line,
                "currency",
                Code::CsvInvalidValue,
                "an amount needs a currency".to_owned(),
            );
        }
        if rows.problems.len() > before {
            continue;
        }
        let (Some(donor), Some(recipient), Some(kind)) = (donor, recipient, kind) else {
            continue;
        };
        let value = match (amount, currency) {
            (Some(amount), Some(currency)) if estimated == Some(true) => {
                ContributionValue::Estimated {
                    money: Money { amount, currency },
                }
            }
            (Some(amount), Some(currency)) => ContributionValue::Actual {
                money: Money { amount, currency },
            },
            _ => ContributionValue::Unknown,
        };
        // The id comes from the row's content; no random id is drawn first.
        let contribution = Contribution {
            id: content_id("contribution", &row_content(&record), &mut seen).into(),
            kind,
            donor,
            recipient,
            value,
            date,
            period: Period::OPEN,
            project,
            agreement: None,
            description: rows.cell(&record, "description").map(str::to_owned),
            payments: Vec::new(),
            allocations: Vec::new(),
        };
        out.push(contribution);
    }
    if let Some(report) = progress.as_mut() {
        report(count);
    }
    if rows.problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(Report::new(rows.problems)))
    }
}

/// Reads organisations from CSV; `parent` may name an organisation in
/// `known` or earlier in the same file.
pub fn read_organisations(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
) -> Result<Vec<Organisation>> {
    let (mut reader, mut rows) = Rows::open(text, options, &["name", "kind"])?;
    let mut context = Dataset {
        organisations: known.organisations.clone(),
        ..Dataset::default()
    };
    let mut out: Vec<Organisation> = Vec::new();
    let mut seen = IdSet::default();
    for (n, record) in reader.records().enumerate() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                rows.problem(
                    e.position().map_or(n as u64 + 2, |p| p.line()),
                    "*",
                    Code::CsvMalformedRow,
                    e.to_string(),
                );
                continue;
            }
        };
        let line = record.position().map_or(n as u64 + 2, |p| p.line());
        let before = rows.problems.len();
        let Some(name) = rows.cell(&record, "name").map(str::to_owned) else {
            rows.problem(
                line,
                "name",
                Code::CsvInvalidValue,
                "the name is empty".to_owned(),
            );
            continue;
        };
        let kind: Option<OrganisationKind> = rows.parse(&record, line, "kind", |t| {
            parse_enum(t, "kind of organisation")
        });
        let country = rows.parse(&record, line, "country", |t| t.parse::<CountryCode>());
        let names = Names::new(&context);
        let parent = rows
            .cell(&record, "parent")
            .and_then(|_| rows.organisation(&names, &record, line, "parent"));
        if rows.problems.len() > before {
            continue;
        }
        let Some(kind) = kind else {
            rows.problem(
                line,
                "kind",
                Code::CsvInvalidValue,
                "the kind is empty".to_owned(),
            );
            continue;
        };
        let mut org = Organisation::new(name, kind);
        org.acronym = rows.cell(&record, "acronym").map(str::to_owned);
        org.aliases = rows.cell(&record, "aliases").map_or_else(Vec::new, |a| {
            a.split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect()
        });
        org.country = country;
        org.parent = parent;
        org.identifiers = rows
            .cell(&record, "iati_org_id")
            .map(|v| vec![Identifier::iati(v)])
            .unwrap_or_default();
        org.website = rows.cell(&record, "website").map(str::to_owned);
        org.description = rows.cell(&record, "description").map(str::to_owned);
        // An organisation already known by its natural key keeps its id.
        let key = org.natural_key().unwrap_or_default();
        org.id = match known
            .organisations
            .iter()
            .find(|o| o.natural_key().as_deref() == Some(key.as_str()))
        {
            Some(existing) => existing.id,
            None => content_id("organisation", &key, &mut seen).into(),
        };
        context.organisations.push(org.clone());
        out.push(org);
    }
    if rows.problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(Report::new(rows.problems)))
    }
}

/// Whether a spreadsheet would run this text as a formula.
fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes a table as CSV, neutralising text cells that a spreadsheet would
/// run as formulas by prefixing `'`.
pub fn write_table(batch: &RecordBatch) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let error = |e: &dyn std::fmt::Display| Error::Parse {
        what: "CSV export",
        input: String::new(),
        reason: e.to_string(),
    };
    let schema = batch.schema();
    writer
        .write_record(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|e| error(&e))?;
    let options = FormatOptions::default();
    let formatters: Vec<ArrayFormatter<'_>> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| error(&e))?;
    let is_text: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::List(_)
            )
        })
        .collect();
    let mut cells: Vec<String> = Vec::with_capacity(batch.num_columns());
    for row in 0..batch.num_rows() {
        cells.clear();
        for (i, formatter) in formatters.iter().enumerate() {
            let cell = if batch.column(i).is_null(row) {
                String::new()
            } else {
                formatter.value(row).to_string()
            };
            cells.push(if is_text[i] && looks_like_formula(&cell) {
                format!("'{cell}")
            } else {
                cell
            });
        }
        writer.write_record(&cells).map_err(|e| error(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| error(&e))?;
    String::from_utf8(bytes).map_err(|e| error(&e))
}

/// The kinds of record a CSV file can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvKind {
    /// Contributions, as documented above.
    Contributions,
    /// Organisations, as documented above.
    Organisations,
}

impl std::str::FromStr for CsvKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "contributions" => Ok(Self::Contributions),
            "organisations" => Ok(Self::Organisations),
            other => Err(Error::Parse {
                what: "CSV kind",
                input: other.to_owned(),
                reason: "expected \"contributions\" or \"organisations\"".to_owned(),
            }),
        }
    }
}

impl CsvKind {
    /// Every kind, in the order [`CsvKind::infer`] tries them.
    pub const ALL: &'static [CsvKind] = &[Self::Contributions, Self::Organisations];

    /// The kind's name, as [`str::parse`] reads it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Contributions => "contributions",
            Self::Organisations => "organisations",
        }
    }

    /// The columns a file of this kind must have.
    pub const fn required_columns(&self) -> &'static [&'static str] {
        match self {
            Self::Contributions => &["donor", "recipient", "kind"],
            Self::Organisations => &["name", "kind"],
        }
    }

    /// The one kind whose required columns the header (after the mapping)
    /// has; `None` when no kind or more than one fits.
    pub fn infer(text: &str, options: &CsvOptions) -> Result<Option<CsvKind>> {
        let columns = header(text, options)?;
        let mut fitting = Self::ALL.iter().filter(|kind| {
            kind.required_columns()
                .iter()
                .all(|wanted| columns.iter().any(|c| c == wanted))
        });
        Ok(match (fitting.next(), fitting.next()) {
            (Some(kind), None) => Some(*kind),
            _ => None,
        })
    }
}

impl std::fmt::Display for CsvKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file's column names, in order, as partnercrm reads them: trimmed,
/// renamed by the mapping, else lower-cased.
pub fn header(text: &str, options: &CsvOptions) -> Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(options, &e))?;
    Ok(headers.iter().map(|h| column_name(h, options)).collect())
}

/// Reads a CSV file of `kind` into a data set of the new records, naming
/// the organisations and projects of `known`.
pub fn read(kind: CsvKind, text: &str, options: &CsvOptions, known: &Dataset) -> Result<Dataset> {
    read_with_progress(kind, text, options, known, None)
}

/// As [`read`], calling `progress` with the number of rows read so far
/// (every 10,000 rows and at the end) where the kind reports it.
pub fn read_with_progress(
    kind: CsvKind,
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Dataset> {
    let mut out = Dataset::new();
    match kind {
        CsvKind::Contributions => {
            out.contributions = read_contributions(text, options, known, progress)?
        }
        CsvKind::Organisations => out.organisations = read_organisations(text, options, known)?,
    }
    Ok(out)
}

/// Reads a CSV file from disk; the file's name locates problems.
pub fn read_file(
    kind: CsvKind,
    path: &std::path::Path,
    mapping: HashMap<String, String>,
    known: &Dataset,
) -> Result<Dataset> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read(kind, &text, &CsvOptions { file, mapping }, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(mapping: &[(&str, &str)]) -> CsvOptions {
        CsvOptions {
            file: "t.csv".to_owned(),
            mapping: mapping
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn required_columns_are_the_ones_the_readers_require() {
        for kind in CsvKind::ALL {
            let required = kind.required_columns();
            let whole = required.join(",") + "\n";
            let known = Dataset::new();
            assert!(read(*kind, &whole, &options(&[]), &known).is_ok(), "{kind}");
            for missing in required {
                let text = required
                    .iter()
                    .filter(|c| *c != missing)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(",")
                    + ",other\n";
                let Err(Error::Invalid(report)) = read(*kind, &text, &options(&[]), &known) else {
                    panic!("{kind} without {missing} was read");
                };
                assert!(report.errors().all(|p| p.code == Code::CsvMissingColumn));
            }
            assert_eq!(kind.as_str().parse::<CsvKind>().ok(), Some(*kind));
        }
    }

    #[test]
    fn infers_the_kind_from_the_header_after_mapping() {
        let infer = |text: &str, mapping| CsvKind::infer(text, &options(mapping)).ok().flatten();
        assert_eq!(
            infer("Donor, recipient,kind,amount\n", &[]),
            Some(CsvKind::Contributions)
        );
        assert_eq!(infer("name,kind\n", &[]), Some(CsvKind::Organisations));
        assert_eq!(
            infer("Geber,recipient,kind\n", &[("Geber", "donor")]),
            Some(CsvKind::Contributions)
        );
        assert_eq!(infer("a,b\n", &[]), None);
        // Both kinds fit: the caller must say which.
        assert_eq!(infer("name,donor,recipient,kind\n", &[]), None);
        assert_eq!(
            header(" Geber ,X\n", &options(&[("Geber", "donor")])).ok(),
            Some(vec!["donor".to_owned(), "x".to_owned()])
        );
    }
}
