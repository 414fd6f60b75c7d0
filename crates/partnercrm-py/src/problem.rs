//! Validation problems as Python objects.

use partnercrm::validate::{Problem, Segment, Severity};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple, PyType};

use crate::convert::{Text, natural, text, type_name};
use crate::errors::{IntoPy, parse_error};
use crate::guard::guard;

/// The constructor arguments a pickled problem is rebuilt from.
type ProblemArgs = (String, Vec<LocationPart>, String, String, String);

/// One validation problem: where (`path`), what (`code`, stable), a message
/// for people, and its severity (`"error"` or `"warning"`).
#[pyclass(
    name = "Problem",
    module = "partnercrm._partnercrm",
    frozen,
    eq,
    from_py_object
)]
#[derive(Clone, PartialEq)]
pub struct PyProblem {
    path: String,
    location: Vec<LocationPart>,
    code: String,
    message: String,
    severity: String,
}

#[derive(Clone, PartialEq, IntoPyObject)]
enum LocationPart {
    Index(usize),
    Field(String),
}

impl From<Problem> for PyProblem {
    fn from(problem: Problem) -> Self {
        Self {
            path: problem.path.to_string(),
            location: problem
                .path
                .segments()
                .iter()
                .map(|s| match s {
                    Segment::Field(name) => LocationPart::Field(name.clone()),
                    Segment::Index(index) => LocationPart::Index(*index),
                })
                .collect(),
            code: problem.code.as_str().to_owned(),
            message: problem.message,
            severity: problem.severity.as_str().to_owned(),
        }
    }
}

/// A location: field names and list positions, in order.
fn location_of(location: &Bound<'_, PyAny>) -> PyResult<Vec<LocationPart>> {
    let expected = || {
        PyTypeError::new_err(format!(
            "location takes a list or tuple of field names (str) and positions (int), not {}",
            type_name(location)
        ))
    };
    if !(location.is_instance_of::<PyList>() || location.is_instance_of::<PyTuple>()) {
        return Err(expected());
    }
    location
        .try_iter()?
        .map(|part| {
            let part = part?;
            if let Ok(name) = part.cast::<PyString>() {
                return text(name, "location").map(LocationPart::Field);
            }
            if part.is_instance_of::<PyInt>() && !part.is_instance_of::<PyBool>() {
                let index = natural(&part, "a location index")?
                    .ok_or_else(|| parse_error(format!("location index {part} is too large")))?;
                return Ok(LocationPart::Index(index));
            }
            Err(expected())
        })
        .collect()
}

#[pymethods]
impl PyProblem {
    #[new]
    fn new(
        path: Text,
        location: &Bound<'_, PyAny>,
        code: Text,
        message: Text,
        severity: Text,
    ) -> PyResult<Self> {
        guard(|| {
            let severity: Severity = severity.parse().py_err()?;
            Ok(Self {
                path: path.0,
                location: location_of(location)?,
                code: code.0,
                message: message.0,
                severity: severity.as_str().to_owned(),
            })
        })
    }

    /// Where the problem is, e.g. `"agreements[3].parties"`.
    #[getter]
    fn path(&self) -> PyResult<&str> {
        guard(|| Ok(self.path.as_str()))
    }

    /// The stable code, e.g. `"agreement.party_count"`.
    #[getter]
    fn code(&self) -> PyResult<&str> {
        guard(|| Ok(self.code.as_str()))
    }

    /// What is wrong, for people.
    #[getter]
    fn message(&self) -> PyResult<&str> {
        guard(|| Ok(self.message.as_str()))
    }

    /// `"error"` or `"warning"`.
    #[getter]
    fn severity(&self) -> PyResult<&str> {
        guard(|| Ok(self.severity.as_str()))
    }

    /// The path as a tuple of field names and list positions, like pydantic's `loc`.
    #[getter]
    fn location<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| PyTuple::new(py, self.location.clone()))
    }

    /// The problem as a plain dict: path, location, code, message, severity.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let dict = PyDict::new(py);
            dict.set_item("path", &self.path)?;
            dict.set_item("location", self.location(py)?)?;
            dict.set_item("code", &self.code)?;
            dict.set_item("message", &self.message)?;
            dict.set_item("severity", &self.severity)?;
            Ok(dict)
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, ProblemArgs)> {
        guard(|| {
            let me = slf.get();
            let args = (
                me.path.clone(),
                me.location.clone(),
                me.code.clone(),
                me.message.clone(),
                me.severity.clone(),
            );
            Ok((slf.get_type(), args))
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                format!(
                    "Problem(path={:?}, code={:?}, severity={:?}, message={:?})",
                    self.path, self.code, self.severity, self.message
                )
            })
        })
    }

    fn __str__(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                format!(
                    "{}: {} [code={}, severity={}]",
                    self.path, self.message, self.code, self.severity
                )
            })
        })
    }
}
