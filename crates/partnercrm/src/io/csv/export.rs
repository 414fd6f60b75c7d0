//! CSV out: any Arrow table, safe to open in a spreadsheet.

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;

use crate::{Error, Result};

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
