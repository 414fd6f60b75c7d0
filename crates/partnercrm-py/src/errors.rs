//! One place maps core errors to Python exceptions, all under `PartnerCrmError`.

use partnercrm::Error;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{PyErr, create_exception};

use crate::problem::PyProblem;

create_exception!(
    _partnercrm,
    PartnerCrmError,
    PyException,
    "Base class of every error partnercrm raises."
);
create_exception!(
    _partnercrm,
    ValidationError,
    PartnerCrmError,
    "Data broke validation rules. `.problems` lists every problem, each with path, code, message and severity."
);
create_exception!(
    _partnercrm,
    NotFoundError,
    PartnerCrmError,
    "A record does not exist."
);
create_exception!(
    _partnercrm,
    ConflictError,
    PartnerCrmError,
    "A change conflicts with what is stored, e.g. deleting a record others refer to."
);
create_exception!(
    _partnercrm,
    StorageError,
    PartnerCrmError,
    "The store file could not be read or written."
);
create_exception!(
    _partnercrm,
    BusyError,
    StorageError,
    "Another writer held the store for longer than the busy timeout; nothing was written."
);
create_exception!(
    _partnercrm,
    PermissionDeniedError,
    PartnerCrmError,
    "The store's PostgreSQL server refused this role: a record of an office it has no rights on, a write by a reader, or office management by a role that is not the store's administrator; nothing was written."
);
create_exception!(
    _partnercrm,
    ParseError,
    PartnerCrmError,
    "Input is malformed: a document, a date, an amount, a code, or an argument of the wrong type."
);

create_exception!(
    _partnercrm,
    RateError,
    PartnerCrmError,
    "An amount could not be converted: its table has no rate for it (MissingRateError), or it has no date to choose one by (UndatedError)."
);

create_exception!(
    _partnercrm,
    UndatedError,
    RateError,
    "A conversion asked to refuse undated amounts met one: it has no date, so no rate can be chosen."
);

create_exception!(
    _partnercrm,
    MissingRateError,
    RateError,
    "A conversion needed exchange rates its table does not have. `.missing` lists each: a dict of currency, target, date, why (or None) and records, the (kind, id) of every record that needed it."
);

create_exception!(
    _partnercrm,
    AmountOverflowError,
    PartnerCrmError,
    "A total, conversion or ratio of amounts or indicator values is beyond the 29 significant digits partnercrm computes with exactly, so none is given rather than a rounded one. `.records` lists the (kind, id) of every record it combines."
);
create_exception!(
    _partnercrm,
    AmbiguousNameError,
    PartnerCrmError,
    "A name given for a record answers to more than one. `.candidates` lists each as a (label, id) pair; pass the id, or a name only one answers to."
);
create_exception!(
    _partnercrm,
    InternalError,
    PartnerCrmError,
    "A bug in partnercrm: the message says what went wrong and where. Please report it."
);

/// Converts a core error into the matching Python exception.
pub fn to_py(error: Error) -> PyErr {
    Python::attach(|py| match error {
        Error::Invalid(report) => {
            let problems: Vec<PyProblem> = report
                .problems()
                .iter()
                .cloned()
                .map(PyProblem::from)
                .collect();
            let err = ValidationError::new_err(report.to_string());
            let value = err.value(py);
            let attached =
                PyList::new(py, problems).and_then(|list| value.setattr("problems", list));
            match attached {
                Ok(()) => err,
                Err(failure) => failure,
            }
        }
        Error::Overflow { ref records, .. } => {
            let records: Vec<(String, String)> = records
                .iter()
                .map(|r| (r.kind.to_string(), r.id.to_string()))
                .collect();
            let err = AmountOverflowError::new_err(error.to_string());
            match err.value(py).setattr("records", records) {
                Ok(()) => err,
                Err(failure) => failure,
            }
        }
        Error::MissingRates { ref missing } => {
            let err = MissingRateError::new_err(error.to_string());
            let listed = missing
                .iter()
                .map(|(rate, records)| {
                    let entry = pyo3::types::PyDict::new(py);
                    entry.set_item("currency", rate.currency.code())?;
                    entry.set_item("target", rate.target.code())?;
                    use chrono::Datelike;
                    let date = pyo3::types::PyDate::new(
                        py,
                        rate.date.year(),
                        rate.date.month() as u8,
                        rate.date.day() as u8,
                    )?;
                    entry.set_item("date", date)?;
                    entry.set_item("why", rate.why.as_deref())?;
                    let records: Vec<(String, String)> = records
                        .iter()
                        .map(|r| (r.kind.to_string(), r.id.to_string()))
                        .collect();
                    entry.set_item("records", records)?;
                    Ok(entry)
                })
                .collect::<PyResult<Vec<_>>>()
                .and_then(|list| err.value(py).setattr("missing", list));
            match listed {
                Ok(()) => err,
                Err(failure) => failure,
            }
        }
        Error::Undated { .. } => UndatedError::new_err(error.to_string()),
        Error::NotFound { .. } | Error::NoSuchName { .. } => {
            NotFoundError::new_err(error.to_string())
        }
        Error::AmbiguousName { ref candidates, .. } => {
            let err = AmbiguousNameError::new_err(error.to_string());
            let listed: Vec<(String, String)> = candidates
                .iter()
                .map(|(label, id)| (label.clone(), id.to_string()))
                .collect();
            match err.value(py).setattr("candidates", listed) {
                Ok(()) => err,
                Err(failure) => failure,
            }
        }
        Error::Conflict { .. } => ConflictError::new_err(error.to_string()),
        Error::Busy { .. } => BusyError::new_err(error.to_string()),
        // Only when a watcher broke without raising: a callback's own error is raised instead.
        Error::Stopped { .. } => PartnerCrmError::new_err(error.to_string()),
        Error::Permission { .. } => PermissionDeniedError::new_err(error.to_string()),
        Error::Storage(_)
        | Error::Postgres(_)
        | Error::Unsupported { .. }
        | Error::Io { .. }
        | Error::SchemaTooNew { .. }
        | Error::NotAStore { .. } => StorageError::new_err(error.to_string()),
        _ => ParseError::new_err(error.to_string()),
    })
}

/// `Result` whose error converts to a Python exception with `?`.
pub type PyResultExt<T> = Result<T, PyErr>;

/// Converts core results at the boundary.
pub trait IntoPy<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self) -> PyResultExt<T>;
}

impl<T> IntoPy<T> for partnercrm::Result<T> {
    fn py_err(self) -> PyResultExt<T> {
        self.map_err(to_py)
    }
}

/// A parse error with a message.
pub fn parse_error(message: impl Into<String>) -> PyErr {
    ParseError::new_err(message.into())
}

/// An internal error: a bug in partnercrm, with what went wrong.
pub fn internal_error(message: impl Into<String>) -> PyErr {
    InternalError::new_err(message.into())
}
