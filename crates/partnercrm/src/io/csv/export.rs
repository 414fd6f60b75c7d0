//! CSV out: any Arrow table, safe to open in a spreadsheet, in the syntax
//! the readers take back.

use arrow_array::{Array, ListArray, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;

use super::rows::{LIST_SEPARATOR, needs_quote_mark, push_list_item};
use crate::{Error, Result};

/// How one column's cells are written.
enum Cells<'a> {
    /// As Arrow displays them.
    Plain(ArrayFormatter<'a>),
    /// A list: its items as Arrow displays them, separated by `; ` and
    /// escaped as the readers split lists.
    List {
        list: &'a ListArray,
        items: ArrayFormatter<'a>,
    },
}

/// Writes a table as CSV. Lists are written as the readers split them
/// (`a; b`, with a backslash before a `;` or backslash inside an item and
/// before white space at its ends; an empty list is an empty cell), and
/// text cells that a spreadsheet would run as formulas (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) are neutralised by prefixing
/// `'`, as are cells that start with `'` or start or end with white space:
/// the readers take that `'` off and keep the rest as it is, so every cell
/// reads back as the text it holds.
pub fn write_table(batch: &RecordBatch) -> Result<String> {
    write_table_with(batch, &WriteOptions::default())
}

/// How [`write_table_with`] writes CSV.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// For Excel to open with a double click: a byte-order mark (Excel
    /// reads UTF-8 without one as the system's code page), CRLF line ends,
    /// and `;` between cells under a locale whose decimal separator is a
    /// comma (as Excel expects where the comma is the decimal separator).
    pub excel: bool,
    /// Decimals are written with the locale's decimal separator (never
    /// with thousands separators, so that one reading is all they have);
    /// dates stay ISO, which every locale reads.
    pub locale: super::Locale,
}

impl WriteOptions {
    /// The delimiter these options write with.
    pub fn delimiter(&self) -> u8 {
        if self.excel && self.locale.decimal == Some(',') {
            b';'
        } else {
            b','
        }
    }
}

/// [`write_table`], in a dialect and locale: what [`WriteOptions`] says.
pub fn write_table_with(batch: &RecordBatch, write: &WriteOptions) -> Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(write.delimiter())
        .terminator(if write.excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(if write.excel {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        });
    let decimal_comma = write.locale.decimal.filter(|&d| d != '.');
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
    let columns: Vec<Cells<'_>> = batch
        .columns()
        .iter()
        .map(|c| match c.as_any().downcast_ref::<ListArray>() {
            Some(list) => ArrayFormatter::try_new(list.values().as_ref(), &options)
                .map(|items| Cells::List { list, items }),
            None => ArrayFormatter::try_new(c.as_ref(), &options).map(Cells::Plain),
        })
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
    let is_decimal: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| matches!(f.data_type(), DataType::Decimal128(..)))
        .collect();
    let mut cells: Vec<String> = Vec::with_capacity(batch.num_columns());
    for row in 0..batch.num_rows() {
        cells.clear();
        for (i, column) in columns.iter().enumerate() {
            let cell = if batch.column(i).is_null(row) {
                String::new()
            } else {
                match column {
                    Cells::Plain(formatter) => formatter.value(row).to_string(),
                    Cells::List { list, items } => {
                        let offsets = list.value_offsets();
                        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                        let mut cell = String::new();
                        for at in start..end {
                            if at > start {
                                cell.push_str(LIST_SEPARATOR);
                            }
                            push_list_item(&mut cell, &items.value(at).to_string());
                        }
                        cell
                    }
                }
            };
            cells.push(match decimal_comma {
                Some(d) if is_decimal[i] => cell.replace('.', &d.to_string()),
                _ if is_text[i] => marked(&cell),
                _ => cell,
            });
        }
        writer.write_record(&cells).map_err(|e| error(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| error(&e))?;
    String::from_utf8(bytes).map_err(|e| error(&e))
}

/// A text cell as the writers write it: with a `'` before it when
/// [`needs_quote_mark`] says so.
pub(crate) fn marked(cell: &str) -> String {
    if needs_quote_mark(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A list cell as the writers write it: its items separated by `; ` and
/// escaped as the readers split lists.
pub(crate) fn list_cell(list: &ListArray, row: usize) -> Result<String> {
    let items = list.value(row);
    let formatter =
        ArrayFormatter::try_new(items.as_ref(), &FormatOptions::default()).map_err(|e| {
            Error::Parse {
                what: "CSV export",
                input: String::new(),
                reason: e.to_string(),
            }
        })?;
    let mut cell = String::new();
    for at in 0..items.len() {
        if at > 0 {
            cell.push_str(LIST_SEPARATOR);
        }
        push_list_item(&mut cell, &formatter.value(at).to_string());
    }
    Ok(cell)
}
