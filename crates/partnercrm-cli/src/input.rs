//! Reading input files into one batch, and showing every problem where it
//! is in the files.
//!
//! A problem is shown as `file:line:col: code: message`:
//! - in a CSV file, the line of the row and the column's position in the
//!   header (no column for a missing column or a row that cannot be read);
//! - in a workbook, the sheet and cell, as `file: gifts.xlsx!Sheet1!C7:
//!   code: message`;
//! - in a JSON document, where the record or field starts in the text, found
//!   by following the problem's path (`agreements[3].parties`); the path is
//!   kept in `--json` output;
//! - in an IATI XML file, the line and column of the element the warning's
//!   XPath names (`/iati-activities/iati-activity[3]/transaction[2]/value`),
//!   found by [`iati::locate`], and the XPath itself, as
//!   `file:line:col: xpath: code: message`, since one line of XML can hold a
//!   whole activity; an element that is missing is placed at its nearest
//!   ancestor;
//! - when no line is known (a problem in a record already stored, or a rule
//!   broken by a record read from IATI), as `file: path: code: message`,
//!   with the store's file or the IATI file.
//!
//! What an IATI file holds that cannot be imported is a warning: `import`
//! prints it and imports the rest, `validate --deny-warnings` fails on it.
//!
//! Problems that stop a file from being read at all have codes of their own:
//! `file.unreadable`, `file.unknown_format`, `file.not_utf8` (text neither
//! UTF-8 nor UTF-16, see [`partnercrm::io::text`]), `json.malformed`,
//! `json.unsupported_format`, `csv.malformed` (a quoted cell never closed),
//! `csv.unknown_kind`, and `xml.malformed` (not well-formed, or refused as
//! hostile: a document type declaration, nesting too deep, a file too
//! large), each with the line and column where reading stopped when there
//! is one. A batch the store refuses as a whole (two records with one
//! natural key) is `store.conflict`, named by the files.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use partnercrm::io::csv::{self as pcsv, CsvKind, CsvOptions};
use partnercrm::io::{iati, json, workbook};
use partnercrm::model::{Dataset, Record, RecordKind, RecordRef};
use partnercrm::progress::read_at_once;
use partnercrm::store::Batch;
use partnercrm::validate::{Problem, Segment, Severity};
use partnercrm::{Error, Report};
use serde::Serialize;

use crate::cli::{InputArgs, InputFormat};
use crate::progress::Progress;

/// One problem, placed in a file.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
    /// The problem's path in the data, if it has one.
    pub path: Option<String>,
    /// The stable code.
    pub code: String,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Print the path even when the line is known (an XPath, as a line of
    /// XML can hold a whole activity).
    #[serde(skip)]
    pub show_path: bool,
}

impl Diagnostic {
    /// An error with no place in the file.
    pub fn error(file: &str, code: &str, message: String) -> Self {
        Self {
            file: file.to_owned(),
            line: None,
            column: None,
            path: None,
            code: code.to_owned(),
            severity: Severity::Error,
            message,
            show_path: false,
        }
    }

    fn at(mut self, line: usize, column: Option<usize>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        match (self.line, self.column, &self.path) {
            (Some(line), Some(column), _) => write!(f, "{line}:{column}:")?,
            (Some(line), None, _) => write!(f, "{line}:")?,
            (None, _, Some(path)) => write!(f, " {path}:")?,
            (None, _, None) => {}
        }
        if let (true, Some(_), Some(path)) = (self.show_path, self.line, &self.path) {
            write!(f, " {path}:")?;
        }
        write!(f, " {}: {}", self.code, self.message)?;
        if self.severity == Severity::Warning {
            f.write_str(" [warning]")?;
        }
        Ok(())
    }
}

/// What a file was read as.
enum Source {
    Json {
        text: String,
    },
    Csv {
        header: Vec<String>,
        /// The line each record starts on, in order.
        rows: Vec<usize>,
        /// Whether the rows are a workbook's sheet, whose lines are no
        /// lines of the file.
        workbook: bool,
    },
    /// Records read from IATI XML: no line for a rule they break.
    Iati,
}

/// One file's share of the batch: where its records sit in each collection.
struct Span {
    file: String,
    source: Source,
    /// Per [`RecordKind::ALL`], the first index and the count.
    ranges: [(usize, usize); 8],
}

/// Files read into one batch.
pub struct Loaded {
    /// Every record of every file, in file order.
    pub batch: Dataset,
    /// Stored records the files show to be others (IATI organisations read
    /// by a name alone that an identifier names), deleted with the batch.
    pub deletes: Vec<RecordRef>,
    spans: Vec<Span>,
    /// Problems that kept files from being read, and warnings about what
    /// they hold that could not be read (IATI), in file order.
    pub problems: Vec<Diagnostic>,
    /// How many files.
    pub files: usize,
}

/// The formats of the files to read, CSV files with the kind their header
/// (or `--kind`) gives, for what the readers need of the store
/// ([`partnercrm::io::known`]). A file whose format or kind cannot be told
/// needs nothing: reading it reports why.
pub fn formats(args: &InputArgs) -> Vec<partnercrm::io::Format> {
    use partnercrm::io::Format;
    let mut formats = Vec::new();
    let Ok(options) = csv_options(args) else {
        return formats;
    };
    for path in &args.files {
        match args.format.or_else(|| InputFormat::of(path)) {
            Some(InputFormat::Json) => formats.push(Format::Json),
            Some(InputFormat::Iati) => formats.push(Format::Iati),
            Some(InputFormat::Csv | InputFormat::Excel) => {
                let kind = args.kind.or_else(|| {
                    let (text, options) = sheet_text(path, args, &options).ok()?;
                    CsvKind::of_file(None, &text, &options).ok()
                });
                formats.extend(kind.map(Format::Csv));
            }
            None => {}
        }
    }
    formats
}

/// The CSV options the arguments give: the mapping, the constants and
/// value maps, the columns ignored, the locale and the dialect.
pub fn csv_options(args: &InputArgs) -> Result<CsvOptions, String> {
    let locale = pcsv::Locale::from_parts(
        args.locale.as_deref(),
        args.decimal,
        args.thousands,
        args.date_format.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    let mut values: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (column, from, to) in &args.value {
        values
            .entry(column.clone())
            .or_default()
            .insert(from.clone(), to.clone());
    }
    Ok(CsvOptions {
        file: String::new(),
        mapping: args.map.iter().cloned().collect(),
        ignore: args.ignore.clone(),
        constants: args.set.clone(),
        values,
        locale,
        delimiter: args
            .delimiter
            .as_deref()
            .map(pcsv::dialect::parse_delimiter)
            .transpose()
            .map_err(|e| e.to_string())?,
        encoding: args
            .encoding
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: Error| e.to_string())?
            .unwrap_or_default(),
        origin: pcsv::Origin::Text,
    })
}

/// A CSV file's text, or a workbook's sheet as CSV rows, with the options
/// to read it with.
fn sheet_text(
    path: &Path,
    args: &InputArgs,
    options: &CsvOptions,
) -> partnercrm::Result<(String, CsvOptions)> {
    if args.format == Some(InputFormat::Excel)
        || (args.format.is_none() && workbook::is_workbook(path))
    {
        let rows = workbook::read_sheet(path, args.sheet.as_deref(), options)?;
        return Ok((rows.text, rows.options));
    }
    let text = pcsv::read_text_as(path, options.encoding)?;
    let options = CsvOptions {
        file: pcsv::file_name(path),
        ..options.clone()
    };
    Ok((text, options))
}

/// Reads every file, naming the records of `known` (the store) and of the
/// files before it. Problems are collected, not returned: every file is read.
pub fn load(args: &InputArgs, known: &Dataset) -> Loaded {
    let mut loaded = Loaded {
        batch: Dataset::new(),
        deletes: Vec::new(),
        spans: Vec::new(),
        problems: Vec::new(),
        files: args.files.len(),
    };
    let options = match csv_options(args) {
        Ok(options) => options,
        Err(message) => {
            loaded
                .problems
                .push(Diagnostic::error("arguments", "csv.options", message));
            return loaded;
        }
    };
    for path in &args.files {
        let file = path.display().to_string();
        match read_one(path, &file, args, &options, known, &loaded.batch) {
            Ok((data, source, warnings, deletes)) => {
                loaded.problems.extend(warnings);
                for record in deletes {
                    // One an earlier file made is not stored yet: it goes from the batch.
                    if !loaded.drop_record(record) {
                        loaded.deletes.push(record);
                    }
                }
                let ranges = append(&mut loaded.batch, data);
                loaded.spans.push(Span {
                    file,
                    source,
                    ranges,
                });
            }
            Err(problems) => loaded.problems.extend(problems),
        }
    }
    loaded
}

/// A file read: its records, what it is, its warnings, and the stored
/// records it shows to be others.
type Read = (Dataset, Source, Vec<Diagnostic>, Vec<RecordRef>);

fn read_one(
    path: &Path,
    file: &str,
    args: &InputArgs,
    options: &CsvOptions,
    known: &Dataset,
    earlier: &Dataset,
) -> Result<Read, Vec<Diagnostic>> {
    let Some(format) = args.format.or_else(|| InputFormat::of(path)) else {
        return Err(vec![Diagnostic::error(
            file,
            "file.unknown_format",
            "cannot tell the format from the file's extension; name it with --format \
             (json, csv, excel, iati)"
                .to_owned(),
        )]);
    };
    // Records of the store and of the files before, for names to resolve.
    let context = || {
        let mut context = known.clone();
        context.upsert_all(earlier.clone());
        context
    };
    // The core's readers check the size before reading, and decode the text.
    let (data, source) = match format {
        InputFormat::Json => {
            let text = json::read_text(path).map_err(|e| unreadable(file, "json.malformed", e))?;
            read_json(file, text)
        }
        InputFormat::Csv | InputFormat::Excel => {
            let code = match format {
                InputFormat::Excel => "excel.malformed",
                _ => "csv.malformed",
            };
            let (text, options) = sheet_text(path, args, options).map_err(|e| match e {
                // A workbook's cells holding errors are problems at cells.
                Error::Invalid(report) => report
                    .into_iter()
                    .map(|p| csv_problem(file, &[], p))
                    .collect(),
                e => unreadable(file, code, e),
            })?;
            read_csv(file, &text, args.kind, &options, &context())
        }
        InputFormat::Iati => {
            let text = iati::read_text(path).map_err(|e| unreadable(file, "xml.malformed", e))?;
            return read_iati(file, &text, &context());
        }
    }?;
    Ok((data, source, Vec::new(), Vec::new()))
}

/// An error that kept a file from being read: the file itself
/// (`file.unreadable`), bytes that are not text (`file.not_utf8`, where
/// they start), or `code` for what the format's reader refused, where it
/// stopped reading if it says.
fn unreadable(file: &str, code: &str, error: Error) -> Vec<Diagnostic> {
    vec![match error {
        Error::Io { source, .. } => Diagnostic::error(file, "file.unreadable", source.to_string()),
        Error::Encoding {
            line,
            column,
            message,
            ..
        } => Diagnostic::error(file, "file.not_utf8", message).at(line, Some(column)),
        Error::Xml {
            line,
            column,
            message,
        }
        | Error::Csv {
            line,
            column,
            message,
        } => Diagnostic::error(file, code, message).at(line, Some(column)),
        other => Diagnostic::error(file, code, other.to_string()),
    }]
}

/// Reads an IATI file: its records, and a warning, placed at its element,
/// for each thing in it that could not be read.
fn read_iati(file: &str, text: &str, known: &Dataset) -> Result<Read, Vec<Diagnostic>> {
    let mut progress = Progress::new(file);
    let import = read_at_once(
        &mut Some(&mut |s| progress.step(s)),
        || iati::read_str(text, known),
        |import| import.data.len(),
    )
    .map_err(|e| unreadable(file, "xml.malformed", e))?;
    progress.finish();
    let paths: Vec<String> = import.warnings.iter().map(|w| w.path.to_string()).collect();
    // The reader gives XPaths, not lines: find them in the text, in one pass.
    let places = match paths.is_empty() {
        true => Vec::new(),
        false => {
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            iati::locate(text, &refs)
        }
    };
    let warnings = import
        .warnings
        .into_iter()
        .zip(paths)
        .enumerate()
        .map(|(i, (problem, path))| {
            let place = places.get(i).copied().flatten();
            Diagnostic {
                file: file.to_owned(),
                line: place.map(|(line, _)| line),
                column: place.map(|(_, column)| column),
                path: Some(path),
                code: problem.code.to_string(),
                severity: problem.severity,
                message: problem.message,
                show_path: true,
            }
        })
        .collect();
    Ok((import.data, Source::Iati, warnings, import.deletes))
}

fn read_json(file: &str, text: String) -> Result<(Dataset, Source), Vec<Diagnostic>> {
    let mut progress = Progress::new(file);
    let read = read_at_once(
        &mut Some(&mut |s| progress.step(s)),
        || json::from_str(&text),
        Dataset::len,
    );
    progress.finish();
    match read {
        Ok(data) => Ok((data, Source::Json { text })),
        Err(Error::Json {
            line,
            column,
            message,
        }) => Err(vec![
            Diagnostic::error(file, "json.malformed", message).at(line, Some(column)),
        ]),
        Err(error @ Error::UnsupportedFormat { .. }) => {
            let place = json::locate(&text, &partnercrm::validate::Path::root("format"));
            let diagnostic = Diagnostic::error(file, "json.unsupported_format", error.to_string());
            Err(vec![match place {
                Some((line, column)) => diagnostic.at(line, Some(column)),
                None => diagnostic.at(1, Some(1)),
            }])
        }
        Err(other) => Err(vec![Diagnostic::error(
            file,
            "json.malformed",
            other.to_string(),
        )]),
    }
}

fn read_csv(
    file: &str,
    text: &str,
    kind: Option<CsvKind>,
    options: &CsvOptions,
    known: &Dataset,
) -> Result<(Dataset, Source), Vec<Diagnostic>> {
    let malformed = |e: Error| unreadable(file, "csv.malformed", e);
    let header = pcsv::header(text, options).map_err(|e| match e {
        Error::Invalid(report) => report
            .into_iter()
            .map(|p| csv_problem(file, &[], p))
            .collect(),
        e => malformed(e),
    })?;
    let kind = match CsvKind::of_file(kind, text, options) {
        Ok(kind) => kind,
        Err(Error::Invalid(report)) => {
            return Err(report
                .into_iter()
                .map(|p| csv_problem(file, &header, p))
                .collect());
        }
        Err(e) => return Err(malformed(e)),
    };
    let mut progress = Progress::new(file);
    let read =
        pcsv::read_with_progress(kind, text, options, known, Some(&mut |s| progress.step(s)));
    progress.finish();
    match read {
        Ok(data) => Ok((
            data,
            Source::Csv {
                header,
                rows: pcsv::record_lines(text, options),
                workbook: matches!(options.origin, pcsv::Origin::Workbook(_)),
            },
        )),
        Err(Error::Invalid(report)) => Err(report
            .into_iter()
            .map(|problem| csv_problem(file, &header, problem))
            .collect()),
        Err(other) => Err(malformed(other)),
    }
}

/// A problem the CSV reader found: its path is `file[line].column`.
fn csv_problem(file: &str, header: &[String], problem: Problem) -> Diagnostic {
    let (line, column) = match problem.path.segments() {
        [_, Segment::Index(line), Segment::Field(column), ..] => (Some(*line), Some(column)),
        _ => (None, None),
    };
    Diagnostic {
        file: file.to_owned(),
        line,
        column: column.and_then(|c| header.iter().position(|h| h == c).map(|at| at + 1)),
        path: Some(problem.path.to_string()),
        code: problem.code.to_string(),
        severity: problem.severity,
        message: problem.message,
        show_path: false,
    }
}

/// The CSV column a record's field comes from, to point at it.
fn csv_column(kind: RecordKind, field: &str) -> Option<&'static str> {
    match (kind, field) {
        (RecordKind::Contribution, "donor") => Some("donor"),
        (RecordKind::Contribution, "recipient") => Some("recipient"),
        (RecordKind::Contribution, "kind") => Some("kind"),
        (RecordKind::Contribution, "value") => Some("amount"),
        (RecordKind::Contribution, "date") => Some("received_on"),
        (RecordKind::Contribution, "project") => Some("project"),
        (RecordKind::Contribution, "description") => Some("description"),
        (RecordKind::Organisation, "name") => Some("name"),
        (RecordKind::Organisation, "kind") => Some("kind"),
        (RecordKind::Organisation, "acronym") => Some("acronym"),
        (RecordKind::Organisation, "aliases") => Some("aliases"),
        (RecordKind::Organisation, "country") => Some("country"),
        (RecordKind::Organisation, "parent") => Some("parent"),
        (RecordKind::Organisation, "identifiers") => Some("iati_org_id"),
        (RecordKind::Organisation, "website") => Some("website"),
        _ => None,
    }
}

impl Loaded {
    /// The batch that stores the files: their records and deletions.
    pub fn to_batch(&self) -> Batch {
        let mut batch = Batch::upsert_all(self.batch.clone());
        batch.deletes = self.deletes.clone();
        batch
    }

    /// Takes `record` out of the batch, if an earlier file gave it, keeping
    /// every file's span of records right; whether it was there.
    fn drop_record(&mut self, record: RecordRef) -> bool {
        let Some(k) = RecordKind::ALL.iter().position(|&kind| kind == record.kind) else {
            return false;
        };
        let at = partnercrm::with_record_kind!(record.kind, T => {
            let records = T::collection_mut(&mut self.batch);
            let at = records.iter().position(|r| r.uuid() == record.id);
            if let Some(at) = at {
                records.remove(at);
            }
            at
        });
        let Some(at) = at else {
            return false;
        };
        for span in &mut self.spans {
            let (start, count) = &mut span.ranges[k];
            if at < *start {
                *start -= 1;
            } else if at < *start + *count {
                *count -= 1;
            }
        }
        true
    }

    /// Places the problems the store found in the batch in the files.
    pub fn place(&self, report: Report, store: &str) -> Vec<Diagnostic> {
        report
            .into_iter()
            .map(|problem| self.place_one(problem, store))
            .collect()
    }

    fn place_one(&self, problem: Problem, store: &str) -> Diagnostic {
        let mut diagnostic = Diagnostic {
            file: store.to_owned(),
            line: None,
            column: None,
            path: Some(problem.path.to_string()),
            code: problem.code.to_string(),
            severity: problem.severity,
            message: problem.message,
            show_path: false,
        };
        let segments = problem.path.segments();
        let (Some(Segment::Field(collection)), Some(Segment::Index(index))) =
            (segments.first(), segments.get(1))
        else {
            return diagnostic;
        };
        let Some(k) = RecordKind::ALL
            .iter()
            .position(|kind| kind.collection() == collection)
        else {
            return diagnostic;
        };
        let Some((span, local)) = self.spans.iter().find_map(|span| {
            let (start, count) = span.ranges[k];
            (start..start + count)
                .contains(index)
                .then(|| (span, index - start))
        }) else {
            return diagnostic;
        };
        let mut path = partnercrm::validate::Path::root(collection).index(local);
        for segment in &segments[2..] {
            path = match segment {
                Segment::Field(name) => path.field(name),
                Segment::Index(i) => path.index(*i),
            };
        }
        diagnostic.file.clone_from(&span.file);
        diagnostic.path = Some(path.to_string());
        match &span.source {
            Source::Json { text } => {
                if let Some((line, column)) = json::locate(text, &path) {
                    diagnostic.line = Some(line);
                    diagnostic.column = Some(column);
                }
            }
            Source::Csv { workbook: true, .. } => {}
            Source::Csv { header, rows, .. } => {
                diagnostic.line = rows.get(local).copied();
                diagnostic.column = match segments.get(2) {
                    Some(Segment::Field(field)) => csv_column(RecordKind::ALL[k], field)
                        .and_then(|c| header.iter().position(|h| h == c))
                        .map(|at| at + 1),
                    _ => None,
                };
            }
            // IATI records hold no trace of their element: the path alone.
            Source::Iati => {}
        }
        diagnostic
    }
}

/// Appends `more` to `data`, replacing a record with the same id where it is,
/// and returns where its new records went.
pub fn append(data: &mut Dataset, more: Dataset) -> [(usize, usize); 8] {
    // Destructured whole, so that a new kind of record cannot be forgotten.
    let Dataset {
        format: _,
        title,
        source,
        organisations,
        people,
        agreements,
        contributions,
        projects,
        indicators,
        groups,
        notes,
    } = more;
    if data.title.is_none() {
        data.title = title;
    }
    if data.source.is_none() {
        data.source = source;
    }
    // A record an earlier file gave too (the memberships file updating the
    // groups file's group) is replaced where it is: the later file read it
    // from the earlier one, so its version includes both.
    fn put<T: partnercrm::model::Record>(into: &mut Vec<T>, more: Vec<T>) -> (usize, usize) {
        let at: std::collections::HashMap<T::Id, usize> =
            into.iter().enumerate().map(|(i, r)| (r.id(), i)).collect();
        let start = into.len();
        for record in more {
            match at.get(&record.id()) {
                Some(&i) => into[i] = record,
                None => into.push(record),
            }
        }
        (start, into.len() - start)
    }
    // In the order of RecordKind::ALL.
    [
        put(&mut data.organisations, organisations),
        put(&mut data.people, people),
        put(&mut data.agreements, agreements),
        put(&mut data.contributions, contributions),
        put(&mut data.projects, projects),
        put(&mut data.indicators, indicators),
        put(&mut data.groups, groups),
        put(&mut data.notes, notes),
    ]
}

/// The files' display names.
pub fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
