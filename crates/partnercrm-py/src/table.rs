//! Tables leave for Python through the Arrow PyCapsule interface, so polars,
//! pyarrow, pandas and DuckDB read them without a Python object per row.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::Field;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::ffi::{ArrayIterator, to_schema_pycapsule, to_stream_pycapsule};

use crate::convert::FilePath;
use crate::guard::guard;

/// A table of records or query results. Pass it to `polars.DataFrame(t)`,
/// `pyarrow.table(t)` or DuckDB directly, or call `to_polars()` / `to_pandas()`.
#[pyclass(name = "Table", module = "partnercrm._partnercrm", frozen)]
pub struct PyTable {
    name: String,
    batch: RecordBatch,
}

impl PyTable {
    pub fn new(name: impl Into<String>, batch: RecordBatch) -> Self {
        Self {
            name: name.into(),
            batch,
        }
    }
}

#[pymethods]
impl PyTable {
    /// The table's name, e.g. `"contributions"`.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        guard(|| Ok(self.name.as_str()))
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> PyResult<usize> {
        guard(|| Ok(self.batch.num_rows()))
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> PyResult<Vec<String>> {
        guard(|| {
            Ok({
                self.batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
        })
    }

    fn __len__(&self) -> PyResult<usize> {
        guard(|| Ok(self.batch.num_rows()))
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        guard(|| Ok(to_schema_pycapsule(py, self.batch.schema().as_ref())?))
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        guard(|| {
            let schema = self.batch.schema();
            // The C stream carries a table as a stream of struct arrays.
            let column: ArrayRef = Arc::new(StructArray::from(self.batch.clone()));
            let field = Field::new_struct("", schema.fields().clone(), false)
                .with_metadata(schema.metadata().clone());
            let reader = Box::new(ArrayIterator::new(
                std::iter::once(Ok(column)),
                field.into(),
            ));
            Ok(to_stream_pycapsule(py, reader, requested_schema)?)
        })
    }

    /// The table as CSV text, or written to `path`. Text cells a spreadsheet
    /// would run as a formula (`=`, `+`, `-`, `@`) are prefixed with `'`.
    /// `excel=True` writes a byte-order mark, CRLF line ends and, under a
    /// decimal-comma `locale` (`"de"`, `"fr"`), `;` between cells; decimals
    /// take the locale's decimal separator.
    #[pyo3(signature = (path=None, *, excel=false, locale=None))]
    fn to_csv(
        &self,
        py: Python<'_>,
        path: Option<FilePath>,
        excel: bool,
        locale: Option<crate::convert::Text>,
    ) -> PyResult<Option<String>> {
        guard(|| {
            let locale = match locale {
                Some(name) => partnercrm::io::csv::Locale::preset(&name),
                None => Ok(partnercrm::io::csv::Locale::default()),
            }
            .map_err(crate::errors::to_py)?;
            let write = partnercrm::io::csv::WriteOptions { excel, locale };
            let text = py
                .detach(|| partnercrm::io::csv::write_table_with(&self.batch, &write))
                .map_err(crate::errors::to_py)?;
            match path {
                None => Ok(Some(text)),
                Some(path) => {
                    std::fs::write(&path, text).map_err(|source| {
                        crate::errors::to_py(partnercrm::Error::Io {
                            path: path.0,
                            source,
                        })
                    })?;
                    Ok(None)
                }
            }
        })
    }

    /// Writes the table as an `.xlsx` workbook of one sheet named after it:
    /// decimals as numbers in their currency's format, dates as dates, a
    /// frozen and filtered header, and no text ever run as a formula.
    fn to_excel(&self, py: Python<'_>, path: FilePath) -> PyResult<()> {
        guard(|| {
            let bytes = py
                .detach(|| partnercrm::io::workbook::write_table(&self.batch, &self.name))
                .map_err(crate::errors::to_py)?;
            std::fs::write(&path, bytes).map_err(|source| {
                crate::errors::to_py(partnercrm::Error::Io {
                    path: path.0,
                    source,
                })
            })
        })
    }

    /// The table as a polars DataFrame (needs polars installed).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            slf.py()
                .import("polars")?
                .getattr("DataFrame")?
                .call1((slf,))
        })
    }

    /// The table as a pyarrow Table (needs pyarrow installed).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| slf.py().import("pyarrow")?.getattr("table")?.call1((slf,)))
    }

    /// The table as a pandas DataFrame (needs pandas and pyarrow installed):
    /// dates as `datetime64` (each beside its `_precision`), money exact as
    /// `pd.ArrowDtype(decimal128)`, code columns as categoricals unless
    /// `categories=False`. A `types_mapper` is asked first, as pyarrow asks it.
    #[pyo3(signature = (*, types_mapper=None, categories=true))]
    fn to_pandas<'py>(
        slf: &Bound<'py, Self>,
        types_mapper: Option<&Bound<'py, PyAny>>,
        categories: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let py = slf.py();
            let codes: Vec<&str> = if categories {
                slf.get()
                    .batch
                    .schema_ref()
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .filter(|n| partnercrm::query::tables::is_code_column(n))
                    .collect()
            } else {
                Vec::new()
            };
            let arrow = Self::to_arrow(slf)?;
            py.import("partnercrm.frames")?
                .getattr("to_pandas")?
                .call1((arrow, types_mapper, codes))
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                let columns = self.column_names()?;
                let shown: Vec<&str> = columns.iter().take(8).map(String::as_str).collect();
                let more = if columns.len() > 8 { ", …" } else { "" };
                format!(
                    "Table({:?}, {} rows, columns=[{}{more}])",
                    self.name,
                    self.batch.num_rows(),
                    shown.join(", ")
                )
            })
        })
    }

    fn _repr_html_(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                let escape = |t: &str| {
                    t.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                };
                let header: String = self
                    .column_names()?
                    .iter()
                    .map(|c| format!("<th>{}</th>", escape(c)))
                    .collect();
                let shown = self.batch.slice(0, self.batch.num_rows().min(10));
                let formatter = cell_texts(&shown);
                format!(
                    "<table><caption style=\"text-align:left\"><b>{}</b>: {} rows</caption><thead><tr>{header}</tr></thead><tbody>{}</tbody></table>",
                    escape(&self.name),
                    self.batch.num_rows(),
                    formatter
                        .iter()
                        .map(|row| format!(
                            "<tr>{}</tr>",
                            row.iter()
                                .map(|c| format!("<td>{}</td>", escape(c)))
                                .collect::<String>()
                        ))
                        .collect::<String>()
                )
            })
        })
    }
}

/// Cell texts for the first rows.
fn cell_texts(batch: &RecordBatch) -> Vec<Vec<String>> {
    let options = FormatOptions::default();
    let formatters: Vec<Option<ArrayFormatter<'_>>> = batch
        .columns()
        .iter()
        .map(|column| ArrayFormatter::try_new(column.as_ref(), &options).ok())
        .collect();
    (0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .map(|f| {
                    f.as_ref()
                        .map(|f| f.value(row).to_string())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}
