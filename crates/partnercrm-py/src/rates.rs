//! Named, dated exchange-rate tables for converting rollups.

use partnercrm::model::{Currency, PartialDate};
use partnercrm::query::rates::{MissingYear, RateTable};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::FilePath;
use crate::convert::{Text, to_json};
use crate::errors::{IntoPy, parse_error};
use crate::guard::guard;

/// Exchange rates into one target currency: dated (e.g. monthly), or the
/// IMF's annual averages per US dollar (`read_imf`), through which any
/// target is reached. A rollup converts each contribution at the rate in
/// force on its date (or its year's averages) and rounds once, half away
/// from zero, to the target's minor unit.
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

/// The rule for a missing year, by name.
fn missing_year(name: &str) -> PyResult<MissingYear> {
    name.parse::<MissingYear>()
        .map_err(|e| parse_error(e.to_string()))
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

    /// Reads the IMF's annual rates per US dollar from the text of
    /// `imf_exchangerates_A_ENDA_USD.csv` as published, converting into
    /// `target` through the dollar. `missing_year="latest_earlier"` uses
    /// the latest earlier year for a year the file lacks (the rollup's
    /// provenance says so); by default a missing year raises.
    #[classmethod]
    #[pyo3(signature = (text, target="USD", name="IMF exchange rates", missing_year="error", date=None))]
    fn from_imf(
        _cls: &Bound<'_, PyType>,
        text: Text,
        #[pyo3(from_py_with = crate::convert::str_arg)] target: &str,
        #[pyo3(from_py_with = crate::convert::str_arg)] name: &str,
        #[pyo3(from_py_with = crate::convert::str_arg)] missing_year: &str,
        date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut inner = RateTable::from_imf_csv(name, currency(target)?, &text).py_err()?;
            inner.missing_year = self::missing_year(missing_year)?;
            inner.date = table_date(date)?;
            Ok(Self { inner })
        })
    }

    /// Reads the IMF's file `imf_exchangerates_A_ENDA_USD.csv`; see `from_imf`.
    #[classmethod]
    #[pyo3(signature = (path, target="USD", name="IMF exchange rates", missing_year="error", date=None))]
    fn read_imf(
        _cls: &Bound<'_, PyType>,
        path: FilePath,
        #[pyo3(from_py_with = crate::convert::str_arg)] target: &str,
        #[pyo3(from_py_with = crate::convert::str_arg)] name: &str,
        #[pyo3(from_py_with = crate::convert::str_arg)] missing_year: &str,
        date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut inner = RateTable::read_imf_csv(name, currency(target)?, &path).py_err()?;
            inner.missing_year = self::missing_year(missing_year)?;
            inner.date = table_date(date)?;
            Ok(Self { inner })
        })
    }

    /// Reads `currency,date,rate` rows from CSV text; every bad row is
    /// reported. The IMF's file is recognised by its columns and read as
    /// `from_imf` reads it.
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

    /// Reads `currency,date,rate` rows from a CSV file (or the IMF's file,
    /// recognised by its columns).
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

    /// Whether the table holds annual rates per US dollar (the IMF's).
    #[getter]
    fn annual(&self) -> PyResult<bool> {
        guard(|| Ok(self.inner.is_annual()))
    }

    /// What a year without a rate means for an annual table: `"error"` or
    /// `"latest_earlier"`.
    #[getter]
    fn get_missing_year(&self) -> PyResult<&'static str> {
        guard(|| Ok(self.inner.missing_year.as_str()))
    }

    #[setter]
    fn set_missing_year(&mut self, value: Text) -> PyResult<()> {
        guard(|| {
            self.inner.missing_year = missing_year(&value)?;
            Ok(())
        })
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
