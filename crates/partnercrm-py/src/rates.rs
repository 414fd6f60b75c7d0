//! Named, dated exchange-rate tables for converting rollups.

use partnercrm::model::{Currency, PartialDate};
use partnercrm::query::rates::RateTable;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::FilePath;
use crate::convert::{Text, to_json};
use crate::errors::{IntoPy, parse_error};
use crate::guard::guard;

/// Exchange rates into one target currency, each dated (e.g. monthly).
/// A rollup converts each contribution at the rate in force on its date and
/// rounds once, half away from zero, to the target's minor unit.
#[pyclass(name = "RateTable", module = "partnercrm._partnercrm")]
pub struct PyRateTable {
    pub inner: RateTable,
}

fn currency(code: &str) -> PyResult<Currency> {
    Currency::from_code(code).map_err(|e| parse_error(e.to_string()))
}

fn text_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    match to_json(value, what)? {
        serde_json::Value::String(text) => Ok(text),
        other => Err(parse_error(format!("{what}: expected text, got {other}"))),
    }
}

/// When a table was published, if given.
fn table_date(date: Option<&Bound<'_, PyAny>>) -> PyResult<Option<chrono::NaiveDate>> {
    date.map(|d| {
        text_of(d, "date")?
            .parse::<PartialDate>()
            .map(|d| d.earliest())
            .py_err_date()
    })
    .transpose()
}

#[pymethods]
impl PyRateTable {
    /// An empty table named `name` converting into `target` (e.g. `"USD"`).
    #[new]
    #[pyo3(signature = (name, target, date=None))]
    fn new(name: Text, target: Text, date: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        guard(|| {
            let mut inner = RateTable::new(name.0, currency(&target)?);
            inner.date = table_date(date)?;
            Ok(Self { inner })
        })
    }

    /// Reads `currency,date,rate` rows from CSV text; every bad row is reported.
    #[classmethod]
    #[pyo3(signature = (name, target, text, date=None))]
    fn from_csv(
        _cls: &Bound<'_, PyType>,
        name: Text,
        target: Text,
        text: Text,
        date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut table = Self {
                inner: RateTable::from_csv(name.0, currency(&target)?, &text).py_err()?,
            };
            table.inner.date = table_date(date)?;
            Ok(table)
        })
    }

    /// Reads `currency,date,rate` rows from a CSV file.
    #[classmethod]
    #[pyo3(signature = (name, target, path, date=None))]
    fn read_csv(
        _cls: &Bound<'_, PyType>,
        name: Text,
        target: Text,
        path: FilePath,
        date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut table = Self {
                inner: RateTable::read_csv(name.0, currency(&target)?, &path).py_err()?,
            };
            table.inner.date = table_date(date)?;
            Ok(table)
        })
    }

    /// From `date` on, one `currency` is `rate` units of the target.
    fn add(
        &mut self,
        currency_code: Text,
        date: &Bound<'_, PyAny>,
        rate: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let day = text_of(date, "date")?
                .parse::<PartialDate>()
                .py_err_date()?
                .earliest();
            let rate = text_of(rate, "rate")?;
            let rate = rust_decimal::Decimal::from_str_exact(&rate)
                .map_err(|e| parse_error(format!("rate {rate:?}: {e}")))?;
            self.inner
                .insert(currency(&currency_code)?, day, rate)
                .py_err()?;
            Ok(())
        })
    }

    /// The table's name.
    #[getter]
    fn name(&self) -> PyResult<&str> {
        guard(|| Ok(self.inner.name.as_str()))
    }

    /// The currency converted into.
    #[getter]
    fn target(&self) -> PyResult<&'static str> {
        guard(|| Ok(self.inner.target.code()))
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                format!(
                    "RateTable({:?}, target={:?})",
                    self.inner.name,
                    self.inner.target.code()
                )
            })
        })
    }
}

trait DateResult<T> {
    fn py_err_date(self) -> PyResult<T>;
}

impl<T> DateResult<T> for Result<T, partnercrm::model::dates::ParseDateError> {
    fn py_err_date(self) -> PyResult<T> {
        self.map_err(|e| parse_error(e.to_string()))
    }
}
