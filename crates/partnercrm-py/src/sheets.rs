//! The spreadsheet options of the import functions (`locale="de"`,
//! `constants={"kind": "cash"}`, …), as the core's `CsvOptions`.

use std::collections::HashMap;

use partnercrm::io::csv::{CsvOptions, Locale, dialect};
use pyo3::prelude::*;

use crate::convert::Text;
use crate::errors::IntoPy;

/// The keyword options every import of a CSV file or sheet takes.
pub struct Options {
    pub locale: Option<Text>,
    pub decimal: Option<Text>,
    pub thousands: Option<Text>,
    pub date_format: Option<Text>,
    pub delimiter: Option<Text>,
    pub encoding: Option<Text>,
    pub constants: Option<HashMap<Text, Text>>,
    pub values: Option<HashMap<Text, HashMap<Text, Text>>>,
    pub ignore: Option<Vec<Text>>,
}

/// One character, for a separator.
fn character(text: Option<Text>, what: &str) -> PyResult<Option<char>> {
    let Some(text) = text else { return Ok(None) };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Some(c)),
        _ => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{what} is one character, not {:?}",
            text.0
        ))),
    }
}

/// `mapping` and the keyword options as the core takes them.
pub fn csv_options(mapping: Option<HashMap<Text, Text>>, o: Options) -> PyResult<CsvOptions> {
    let locale = Locale::from_parts(
        o.locale.as_deref(),
        character(o.decimal, "decimal")?,
        character(o.thousands, "thousands")?,
        o.date_format.as_deref(),
    )
    .py_err()?;
    let delimiter = o
        .delimiter
        .map(|d| dialect::parse_delimiter(&d))
        .transpose()
        .py_err()?;
    let encoding = o
        .encoding
        .map(|e| e.parse())
        .transpose()
        .py_err()?
        .unwrap_or_default();
    let constants = o
        .constants
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.0, v.0))
        .collect();
    let values = o
        .values
        .unwrap_or_default()
        .into_iter()
        .map(|(column, map)| (column.0, map.into_iter().map(|(a, b)| (a.0, b.0)).collect()))
        .collect();
    let ignore = o
        .ignore
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.0)
        .collect();
    Ok(CsvOptions {
        mapping: crate::convert::mapping(mapping),
        ignore,
        constants,
        values,
        locale,
        delimiter,
        encoding,
        ..CsvOptions::default()
    })
}
