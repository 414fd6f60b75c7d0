//! Workbooks: a sheet of `.xlsx`, `.xls` or `.ods` in, through the CSV
//! readers' row pipeline, and any table out as `.xlsx`.
//!
//! A sheet is read (with `calamine`) as the CSV readers read a file: its
//! first row is the header, mapped, checked and told apart by kind as a
//! CSV header is, and every later row that is not empty is a record. The
//! sheet's cells become the pipeline's rows ([`to_rows`]): text as it is,
//! numbers as the workbook types them (an Excel number is a binary float,
//! read as the shortest decimal that is that float, never through
//! arithmetic, and in no locale), dates as ISO dates, booleans as `true`
//! and `false`. A cell holding an error (`#DIV/0!`) or a date with a time
//! of day is refused. Every problem is located at its cell:
//! `gifts.xlsx!Sheet1!C7`.
//!
//! [`write_table`] writes a table as one sheet with a frozen, filtered
//! header row: decimals as numbers in their currency's format (the row's
//! `currency` cell: two decimal places for EUR, none for JPY), dates as
//! dates, lists as the CSV readers split them, and text as text, never as
//! a formula; text a CSV export would mark with a `'` is marked here too,
//! so that a sheet reads back exactly as its CSV does.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ListArray, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;
use calamine::{Data, Reader};

use super::csv::{CsvKind, CsvOptions, MAX_FILE_BYTES, Origin, Sheet};
use crate::model::Dataset;
use crate::progress::Watch;
use crate::validate::{Code, Problem, Report, Severity};
use crate::{Error, Result};

/// The extensions read as workbooks.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Whether a path names a workbook, by its extension.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A sheet as the CSV readers' rows: CSV text, and `options` with the
/// sheet as their [`Origin`], so that problems are located at its cells
/// and its numbers read as typed.
pub struct SheetRows {
    /// The sheet as CSV text.
    pub text: String,
    /// The options to read `text` with.
    pub options: CsvOptions,
}

/// Reads `sheet` (the first if `None`) of a workbook into rows for the
/// CSV readers ([`to_rows`]); `options.file` is set to the file's name.
pub fn read_sheet(path: &Path, sheet: Option<&str>, options: &CsvOptions) -> Result<SheetRows> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error::Limit {
            what: "workbook",
            limit: format!("{MAX_FILE_BYTES} bytes"),
        });
    }
    let file = super::csv::file_name(path);
    let unreadable = |reason: String| Error::Parse {
        what: "workbook",
        input: file.clone(),
        reason,
    };
    let mut book = calamine::open_workbook_auto(path).map_err(|e| match e {
        calamine::Error::Io(source) => io(source),
        other => unreadable(other.to_string()),
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
            .cloned()
            .ok_or_else(|| {
                unreadable(format!(
                    "the workbook has no sheet {wanted:?}; its sheets are {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("the workbook has no sheet".to_owned()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(e.to_string()))?;
    let options = CsvOptions {
        file,
        ..options.clone()
    };
    to_rows(&range, &name, options)
}

/// A sheet's cells as CSV rows, with the map from the rows back to the
/// cells; empty rows are left out.
pub fn to_rows(
    range: &calamine::Range<Data>,
    sheet: &str,
    options: CsvOptions,
) -> Result<SheetRows> {
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let error = |e: csv::Error| Error::Parse {
        what: "workbook",
        input: options.file.clone(),
        reason: e.to_string(),
    };
    // By line of the rows (from 1), the sheet row; line 0 is never used.
    let mut rows: Vec<u32> = vec![first_row + 1];
    let mut numbers = crate::model::ids::IdSet::default();
    let mut problems = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    for (r, row) in range.rows().enumerate() {
        if r > 0 && row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let sheet_row = first_row + r as u32 + 1;
        let line = rows.len() as u64;
        cells.clear();
        for (at, cell) in row.iter().enumerate() {
            let (text, number) = match cell {
                Data::Empty => (String::new(), false),
                Data::String(s) => (s.clone(), false),
                Data::Int(i) => (i.to_string(), true),
                // Rust writes a float as the shortest decimal that reads
                // back as it: the number the workbook shows, exactly.
                Data::Float(f) => (f.to_string(), true),
                Data::Bool(b) => (b.to_string(), false),
                Data::DateTime(dt) if dt.is_datetime() => {
                    let (y, m, d, h, min, s, ms) = dt.to_ymd_hms_milli();
                    if (h, min, s, ms) == (0, 0, 0, 0) {
                        (format!("{y:04}-{m:02}-{d:02}"), false)
                    } else {
                        (
                            format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}"),
                            false,
                        )
                    }
                }
                Data::DateTime(dt) => (dt.as_f64().to_string(), true),
                Data::DateTimeIso(s) => {
                    (s.strip_suffix("T00:00:00").unwrap_or(s).to_owned(), false)
                }
                Data::DurationIso(s) => (s.clone(), false),
                Data::Error(e) => {
                    let column = super::csv::column_letters(first_column as usize + at);
                    problems.push(Problem {
                        path: crate::validate::Path::root(&format!(
                            "{}!{sheet}!{column}{sheet_row}",
                            options.file
                        )),
                        code: Code::CsvInvalidValue,
                        message: format!("the cell holds the error {e}"),
                        severity: Severity::Error,
                    });
                    (String::new(), false)
                }
            };
            if number && r > 0 {
                numbers.insert((line, at));
            }
            cells.push(text);
        }
        writer.write_record(&cells).map_err(error)?;
        let lines = 1 + cells
            .iter()
            .map(|c| c.bytes().filter(|&b| b == b'\n').count())
            .sum::<usize>();
        rows.extend(std::iter::repeat_n(sheet_row, lines));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(Report::new(problems)));
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| error(e.into_error().into()))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::Parse {
        what: "workbook",
        input: options.file.clone(),
        reason: e.to_string(),
    })?;
    let options = CsvOptions {
        delimiter: Some(b','),
        origin: Origin::Workbook(Arc::new(Sheet {
            name: sheet.to_owned(),
            rows,
            first_column,
            numbers,
        })),
        ..options
    };
    Ok(SheetRows { text, options })
}

/// Reads a sheet of a workbook as a file of `kind` (or the kind its
/// header shows), as [`csv::read`](super::csv::read) reads a CSV file.
pub fn read_file(
    kind: Option<CsvKind>,
    path: &Path,
    sheet: Option<&str>,
    options: &CsvOptions,
    known: &Dataset,
    watch: Watch<'_>,
) -> Result<Dataset> {
    let rows = read_sheet(path, sheet, options)?;
    let kind = CsvKind::of_file(kind, &rows.text, &rows.options)?;
    super::csv::read_with_progress(kind, &rows.text, &rows.options, known, watch)
}

/// Writes a table as an `.xlsx` workbook of one sheet, `sheet`, as the
/// [module](self) describes.
pub fn write_table(batch: &RecordBatch, sheet: &str) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let error = |e: rust_xlsxwriter::XlsxError| Error::Parse {
        what: "xlsx export",
        input: sheet.to_owned(),
        reason: e.to_string(),
    };
    // The sheet's rows, header included, are at most Excel's 1,048,576.
    if batch.num_rows() >= 1 << 20 {
        return Err(Error::Limit {
            what: "xlsx sheet",
            limit: "1,048,575 rows".to_owned(),
        });
    }
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(error)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money: Vec<Format> = (0..=4)
        .map(|places| {
            let fraction = if places == 0 {
                String::new()
            } else {
                format!(".{}", "0".repeat(places))
            };
            Format::new().set_num_format(format!("#,##0{fraction}"))
        })
        .collect();
    let schema = batch.schema();
    let currency = schema.index_of("currency").ok().and_then(|at| {
        batch
            .column(at)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
    });
    let options = FormatOptions::default();
    for (col, field) in schema.fields().iter().enumerate() {
        let c = col as u16;
        ws.write_string_with_format(0, c, field.name(), &bold)
            .map_err(error)?;
        let column = batch.column(col);
        let text = |row: usize| -> Result<String> {
            let cell = match column.as_any().downcast_ref::<ListArray>() {
                Some(list) => super::csv::list_cell(list, row)?,
                None => ArrayFormatter::try_new(column.as_ref(), &options)
                    .map_err(|e| Error::Parse {
                        what: "xlsx export",
                        input: field.name().clone(),
                        reason: e.to_string(),
                    })?
                    .value(row)
                    .to_string(),
            };
            Ok(super::csv::marked(&cell))
        };
        for row in 0..batch.num_rows() {
            if column.is_null(row) {
                continue;
            }
            let r = row as u32 + 1;
            match field.data_type() {
                DataType::Decimal128(_, scale) => {
                    let decimals = column
                        .as_any()
                        .downcast_ref::<arrow_array::Decimal128Array>()
                        .map(|a| a.value_as_string(row))
                        .unwrap_or_default();
                    let number: f64 = decimals.parse().unwrap_or(f64::NAN);
                    let places = currency
                        .filter(|a| !a.is_null(row))
                        .and_then(|a| crate::model::Currency::from_code(a.value(row)).ok())
                        .and_then(|c| c.minor_unit_digits())
                        .unwrap_or(*scale as u32)
                        .min(4) as usize;
                    ws.write_number_with_format(r, c, number, &money[places])
                        .map_err(error)?;
                }
                DataType::Date32 => {
                    let day = column
                        .as_any()
                        .downcast_ref::<arrow_array::Date32Array>()
                        .and_then(|a| a.value_as_date(row));
                    match day {
                        Some(day) => {
                            use chrono::Datelike;
                            let excel = ExcelDateTime::from_ymd(
                                day.year() as u16,
                                day.month() as u8,
                                day.day() as u8,
                            )
                            .map_err(error)?;
                            ws.write_datetime_with_format(r, c, &excel, &date)
                                .map_err(error)?;
                        }
                        None => {
                            ws.write_string(r, c, text(row)?).map_err(error)?;
                        }
                    }
                }
                DataType::Boolean => {
                    let value = column
                        .as_any()
                        .downcast_ref::<arrow_array::BooleanArray>()
                        .is_some_and(|a| a.value(row));
                    ws.write_boolean(r, c, value).map_err(error)?;
                }
                t if t.is_integer() || t.is_floating() => {
                    let number: f64 = text(row)?.parse().unwrap_or(f64::NAN);
                    ws.write_number(r, c, number).map_err(error)?;
                }
                _ => {
                    ws.write_string(r, c, text(row)?).map_err(error)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(error)?;
    let last_column = schema.fields().len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, batch.num_rows() as u32, last_column)
        .map_err(error)?;
    ws.autofit();
    book.save_to_buffer().map_err(error)
}

/// A file opened for the CSV readers: its rows as CSV text, the options to
/// read them with, and their kind.
pub struct Opened {
    /// The rows as CSV text.
    pub text: String,
    /// The options to read `text` with: the file's name, and for a sheet
    /// its [`Origin`].
    pub options: CsvOptions,
    /// The kind given, or the one the header shows.
    pub kind: CsvKind,
}

/// Opens a CSV file (decoded in `options.encoding`) or, by its extension,
/// a workbook's `sheet` (the first if `None`), and tells its kind (`kind`,
/// or the one its header shows, [`CsvKind::of_file`]): what an import
/// reads, before it knows what of the store to read it against.
pub fn open(
    path: &Path,
    kind: Option<CsvKind>,
    sheet: Option<&str>,
    options: &CsvOptions,
) -> Result<Opened> {
    let (text, options) = if is_workbook(path) {
        let rows = read_sheet(path, sheet, options)?;
        (rows.text, rows.options)
    } else {
        let text = super::csv::read_text_as(path, options.encoding)?;
        let options = CsvOptions {
            file: super::csv::file_name(path),
            ..options.clone()
        };
        (text, options)
    };
    let kind = CsvKind::of_file(kind, &text, &options)?;
    Ok(Opened {
        text,
        options,
        kind,
    })
}
