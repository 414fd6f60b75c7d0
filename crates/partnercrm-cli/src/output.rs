//! Printing tables: aligned for people, CSV for spreadsheets, JSON lines
//! for programs.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, Field, Schema};
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Map, Value};

use crate::cli::OutputFormat;
use crate::{CliResult, Failure};

/// Whether aligned tables show id columns (`--ids`): set once, from the
/// command line, before anything is printed.
pub static SHOW_IDS: AtomicBool = AtomicBool::new(false);

/// The batch as people read it: without its `id` column and without each
/// reference column that has its record's name or title beside it
/// (`donor` before `donor_name`). CSV and JSON keep every column.
fn without_ids(batch: &RecordBatch) -> RecordBatch {
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let labelled = |name: &str| {
        names
            .iter()
            .any(|n| *n == format!("{name}_name") || *n == format!("{name}_title"))
    };
    let keep: Vec<usize> = (0..names.len())
        .filter(|&i| names[i] != "id" && !labelled(names[i]))
        .collect();
    batch.project(&keep).unwrap_or_else(|_| batch.clone())
}

/// The width tables wrap to when not printed on a terminal.
const PAGE_WIDTH: u16 = 120;

/// Writes text to stdout; a closed pipe stops the command quietly.
pub fn emit(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn arrow_failure(error: arrow_schema::ArrowError) -> Failure {
    Failure::new(format!("cannot format the table: {error}"))
}

/// Every cell of a batch as text, `None` for nulls.
fn cells(batch: &RecordBatch) -> CliResult<Vec<Vec<Option<String>>>> {
    let options = FormatOptions::default();
    let formatters: Vec<ArrayFormatter<'_>> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<_, _>>()
        .map_err(arrow_failure)?;
    Ok((0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .zip(batch.columns())
                .map(|(f, column)| (!column.is_null(row)).then(|| f.value(row).to_string()))
                .collect()
        })
        .collect())
}

/// An aligned table, as wide as the terminal allows.
pub fn pretty(batch: &RecordBatch) -> CliResult<String> {
    let shown;
    let batch = if SHOW_IDS.load(Ordering::Relaxed) {
        batch
    } else {
        shown = without_ids(batch);
        &shown
    };
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(batch.schema().fields().iter().map(|f| f.name().clone()));
    if !std::io::stdout().is_terminal() {
        // Printed to a file or a pipe: wrap to a page's width, not a terminal's.
        table.set_width(PAGE_WIDTH);
    }
    for row in cells(batch)? {
        table.add_row(row.into_iter().map(Option::unwrap_or_default));
    }
    let rows = batch.num_rows();
    Ok(format!(
        "{table}\n{rows} row{}\n",
        if rows == 1 { "" } else { "s" }
    ))
}

/// One JSON object per row. Numbers stay numbers, except decimals, which
/// are strings so that no amount passes through a float; lists are arrays.
pub fn json_lines(batch: &RecordBatch) -> CliResult<String> {
    let schema = batch.schema();
    let mut out = String::new();
    let columns: Vec<Vec<Value>> = batch
        .columns()
        .iter()
        .map(json_values)
        .collect::<CliResult<_>>()?;
    for row in 0..batch.num_rows() {
        let mut object = Map::new();
        for (field, values) in schema.fields().iter().zip(&columns) {
            object.insert(
                field.name().clone(),
                values.get(row).cloned().unwrap_or(Value::Null),
            );
        }
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    Ok(out)
}

fn json_values(column: &ArrayRef) -> CliResult<Vec<Value>> {
    let options = FormatOptions::default();
    let formatter = ArrayFormatter::try_new(column.as_ref(), &options).map_err(arrow_failure)?;
    (0..column.len())
        .map(|row| {
            if column.is_null(row) {
                return Ok(Value::Null);
            }
            Ok(match column.data_type() {
                DataType::Boolean => Value::Bool(column.as_boolean().value(row)),
                DataType::Int64 | DataType::Int32 | DataType::UInt64 | DataType::Float64 => {
                    let text = formatter.value(row).to_string();
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                DataType::List(_) => {
                    let list = column.as_list::<i32>().value(row);
                    Value::Array(json_values(&list)?)
                }
                _ => Value::String(formatter.value(row).to_string()),
            })
        })
        .collect()
}

/// Prints a batch in the chosen format.
pub fn print(batch: &RecordBatch, format: OutputFormat) -> CliResult {
    let text = match format {
        OutputFormat::Table => pretty(batch)?,
        OutputFormat::Csv => partnercrm::io::csv::write_table(batch)?,
        OutputFormat::Json => json_lines(batch)?,
    };
    emit(&text)
}

/// A table of text columns, for results that are not Arrow tables already.
pub fn text_table(columns: &[&str], rows: Vec<Vec<Option<String>>>) -> CliResult<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(*c, DataType::Utf8, true))
        .collect();
    let arrays: Vec<ArrayRef> = (0..columns.len())
        .map(|i| {
            Arc::new(
                rows.iter()
                    .map(|r| r.get(i).cloned().flatten())
                    .collect::<StringArray>(),
            ) as ArrayRef
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_failure)
}
