//! Python values to the core's JSON form and back.
//!
//! Records cross the boundary in the same JSON shape the document uses, so
//! the core's serde code is the one place that knows their fields. Here we
//! only translate Python's types: dates become ISO strings, `Decimal`s and
//! ints become decimal strings, and floats are refused, because a float
//! cannot hold money exactly.
//!
//! What Python can hold and the core cannot is refused here, as a
//! `ParseError` or a `TypeError` naming what was expected: text with a lone
//! surrogate, lists and dicts nested as deep as the JSON document may not
//! ([`partnercrm::io::json::MAX_DEPTH`]: a list holding itself is one), and
//! ints that do not fit the number asked for.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyUnicodeEncodeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use serde_json::{Map, Value};

use crate::errors::parse_error;

/// A `str` argument. Python's `str` may hold lone surrogates (`"\udc80"`,
/// what `errors="surrogateescape"` makes of undecodable bytes), which no
/// Rust text can: they are a `ParseError`, not a `UnicodeEncodeError`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Text(pub String);

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromPyObject<'_, '_> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        str_arg(&obj).map(|s| Self(s.to_owned()))
    }
}

/// A `str` argument, as [`Text`] takes it, borrowed. For parameters with a
/// text default (`actor="python"`): pyo3 shows a default in the signature
/// only when it is a literal, and a literal is a `&str`, never a `Text`.
pub fn str_arg<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err(format!("expected str, got {}", type_name(obj))))?;
    s.to_str()
        .map_err(|error| not_unicode(s, error, "this text"))
}

/// A path argument. A `str` path may hold a surrogate no file name can
/// (`"\ud800"`; `"\udc80"` is an undecodable byte and fine): a `ParseError`,
/// not a `UnicodeEncodeError`.
pub struct FilePath(pub std::path::PathBuf);

impl FromPyObject<'_, '_> for FilePath {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        obj.extract::<std::path::PathBuf>()
            .map(Self)
            .map_err(|error| {
                if error.is_instance_of::<PyUnicodeEncodeError>(obj.py())
                    && let Ok(s) = obj.cast::<PyString>()
                {
                    not_unicode(&s, error, "this path")
                } else {
                    error
                }
            })
    }
}

impl std::ops::Deref for FilePath {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for FilePath {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

/// A number argument (an int, a float, or what converts to one), never
/// NaN: a `TypeError` for what is not a number, a `ParseError` for a value
/// no float holds (`Decimal("sNaN")`, `10**400`) or NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub f64);

impl FromPyObject<'_, '_> for Number {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        number_arg(&obj).map(Self)
    }
}

/// [`Number`] for parameters with a literal default (`min_score=0.5`).
pub fn number_arg(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err("expected a number, got bool"));
    }
    match obj.extract::<f64>() {
        Ok(n) if n.is_nan() => Err(parse_error("expected a number, got nan")),
        Ok(n) => Ok(n),
        Err(e) if e.is_instance_of::<PyTypeError>(py) => Err(PyTypeError::new_err(format!(
            "expected a number, got {}",
            type_name(obj)
        ))),
        Err(e) => Err(parse_error(format!(
            "{obj} is not a number a float can hold: {e}"
        ))),
    }
}

/// The Rust text of a Python `str`; `at` names it for the error.
pub fn text(s: &Bound<'_, PyString>, at: &str) -> PyResult<String> {
    s.to_cow()
        .map(|t| t.into_owned())
        .map_err(|error| not_unicode(s, error, &format!("{at}:")))
}

/// A lone surrogate's `UnicodeEncodeError` as a `ParseError` showing it.
fn not_unicode(s: &Bound<'_, PyString>, error: PyErr, at: &str) -> PyErr {
    let py = s.py();
    if !error.is_instance_of::<PyUnicodeEncodeError>(py) {
        return error;
    }
    let start = error.value(py).getattr("start").ok();
    let code = start
        .as_ref()
        .and_then(|i| s.as_any().get_item(i).ok())
        .and_then(|c| {
            py.import("builtins")
                .ok()?
                .getattr("ord")
                .ok()?
                .call1((c,))
                .ok()
        })
        .and_then(|n| n.extract::<u32>().ok());
    let found = code.map_or_else(
        || "a lone surrogate".to_owned(),
        |c| format!("the lone surrogate '\\u{c:04x}'"),
    );
    let position = start
        .map(|i| format!(" at position {i}"))
        .unwrap_or_default();
    // U+DC80..U+DCFF is how Python decodes a byte it could not, with
    // errors="surrogateescape"; other surrogates come from elsewhere.
    let hint = if code.is_some_and(|c| (0xDC80..=0xDCFF).contains(&c)) {
        " (an undecodable byte, read with errors=\"surrogateescape\"?)"
    } else {
        ""
    };
    parse_error(format!(
        "{at} holds {found}{position}, which is not Unicode text{hint}"
    ))
}

/// The items of a list or tuple argument; `what` says what it takes, for
/// the `TypeError` anything else is (a `str` is not a list of anything).
pub fn list_of<'py>(value: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        value.try_iter()?.collect()
    } else {
        Err(PyTypeError::new_err(format!(
            "{what} takes a list or tuple, not {}",
            type_name(value)
        )))
    }
}

/// [`list_of`] for `#[pyo3(from_py_with)]`, where pyo3 names the parameter.
pub fn list_arg<'py>(value: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    list_of(value, "this parameter")
}

/// A column mapping (`{"Geber": "donor"}`) as the core takes it.
pub fn mapping(
    mapping: Option<std::collections::HashMap<Text, Text>>,
) -> std::collections::HashMap<String, String> {
    mapping
        .unwrap_or_default()
        .into_iter()
        .map(|(from, to)| (from.0, to.0))
        .collect()
}

/// The name of a value's type, for messages.
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// Converts a Python value to JSON. `at` names where it is, for errors.
pub fn to_json(value: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
    to_json_within(value, at, at, 0)
}

/// [`to_json`] of a value `depth` lists and dicts deep inside `field`.
fn to_json_within(
    value: &Bound<'_, PyAny>,
    field: &str,
    at: &str,
    depth: usize,
) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        // As a string, so that it reaches decimals and dates unchanged.
        return Ok(Value::String(value.str()?.to_string()));
    }
    if value.is_instance_of::<PyFloat>() {
        return Err(parse_error(format!(
            "{at}: got the float {}; floats cannot hold money or counts exactly. \
             Pass decimal.Decimal(\"...\"), an int, or a string such as \"1250.50\"",
            value.repr()?
        )));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return text(s, at).map(Value::String);
    }
    let is_dict = value.is_instance_of::<PyDict>();
    let is_list = value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>();
    if (is_dict || is_list) && depth + 1 >= partnercrm::io::json::MAX_DEPTH {
        // Past here, recursion would overflow the stack; records nest a few levels.
        return Err(parse_error(format!(
            "{field}: nested {} levels deep; lists and dicts may nest at most {} levels, \
             as in a JSON document",
            partnercrm::io::json::MAX_DEPTH,
            partnercrm::io::json::MAX_DEPTH - 1
        )));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key = match key.cast::<PyString>() {
                Ok(key) => text(key, &format!("{at} (a key)"))?,
                Err(_) => {
                    return Err(parse_error(format!(
                        "{at}: keys must be strings, not {}",
                        type_name(&key)
                    )));
                }
            };
            let path = format!("{at}.{key}");
            map.insert(key, to_json_within(&item, field, &path, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if is_list {
        let mut items = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            items.push(to_json_within(
                &item?,
                field,
                &format!("{at}[{i}]"),
                depth + 1,
            )?);
        }
        return Ok(Value::Array(items));
    }
    // A datetime is a date too, but a CRM date has no time of day.
    if value.is_instance_of::<PyDate>() && !value.is_instance_of::<PyDateTime>() {
        return Ok(Value::String(value.call_method0("isoformat")?.extract()?));
    }
    let py = value.py();
    if value.is_instance(decimal_class(py)?)? || value.is_instance(uuid_class(py)?)? {
        return Ok(Value::String(value.str()?.to_string()));
    }
    // A record object passed where its id is expected.
    if let Ok(id) = value.getattr("id")
        && let Ok(id) = id.cast::<PyString>()
    {
        return text(id, at).map(Value::String);
    }
    Err(parse_error(format!(
        "{at}: cannot use a value of type {}",
        type_name(value)
    )))
}

fn decimal_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")
}

fn uuid_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    UUID.import(py, "uuid", "UUID")
}

/// An int argument as a `T`; `Ok(Err(()))` when it is an int `T` cannot hold.
/// Anything but an int (a bool included) is a `TypeError` naming `what`.
pub fn int_of<T>(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Result<T, ()>>
where
    T: for<'a, 'py> FromPyObject<'a, 'py>,
{
    if value.is_instance_of::<PyBool>() {
        return Err(not_an_int(value, what));
    }
    match value.extract::<T>().map_err(Into::<PyErr>::into) {
        Ok(n) => Ok(Ok(n)),
        Err(e) if e.is_instance_of::<PyOverflowError>(value.py()) => Ok(Err(())),
        Err(_) => Err(not_an_int(value, what)),
    }
}

fn not_an_int(value: &Bound<'_, PyAny>, what: &str) -> PyErr {
    PyTypeError::new_err(format!("{what} takes an int, not {}", type_name(value)))
}

/// A count, size or other whole number `what`: a negative int is a
/// `ParseError` saying so, and `None` is an int larger than `T` holds, for
/// the caller to refuse or to read as "more than any".
pub fn natural<T>(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<T>>
where
    T: for<'a, 'py> FromPyObject<'a, 'py>,
{
    match int_of::<T>(value, what)? {
        Ok(n) => Ok(Some(n)),
        Err(()) if value.lt(0)? => Err(parse_error(format!(
            "{what} must be 0 or more, not {value}"
        ))),
        Err(()) => Ok(None),
    }
}

/// A synthetic data set's seed, any int from 0 to 2**64 - 1.
pub fn seed_arg(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    natural(value, "seed")?
        .ok_or_else(|| parse_error(format!("seed must be at most {}, not {value}", u64::MAX)))
}

/// Converts JSON to plain Python values: text stays text, whatever its key.
/// Records and their decimals cross by their schema ([`crate::typed`]);
/// this is for what holds none (a person's export: the person, their
/// history and notes, where mentions are).
pub fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any(),
            None => n.to_string().into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Reads a record of type `T` from a JSON value, as a parse error if it does not fit.
pub fn from_json<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> PyResult<T> {
    serde_json::from_value(value).map_err(|e| parse_error(format!("{what}: {e}")))
}

/// A record's JSON form.
pub fn record_json<T: serde::Serialize>(record: &T) -> PyResult<Value> {
    serde_json::to_value(record).map_err(|e| parse_error(e.to_string()))
}

/// Parses the moment `what`, given as a `datetime` (naive means UTC) or an ISO string.
pub fn moment(value: &Bound<'_, PyAny>, what: &str) -> PyResult<chrono::DateTime<chrono::Utc>> {
    let text: String = if let Ok(s) = value.cast::<PyString>() {
        text(s, what)?
    } else if value.is_instance_of::<PyDateTime>() {
        value.call_method0("isoformat")?.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{what} takes a datetime.datetime or an ISO 8601 string, not {}",
            type_name(value)
        )));
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f"))
        .map(|t| t.and_utc())
        .map_err(|_| {
            parse_error(format!(
                "{what}: {text:?} is not a moment: pass a datetime or an ISO 8601 string"
            ))
        })
}

/// A moment as a timezone-aware `datetime.datetime`.
pub fn datetime<'py>(
    py: Python<'py>,
    moment: chrono::DateTime<chrono::Utc>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("datetime")?
        .getattr("datetime")?
        .call_method1("fromisoformat", (moment.to_rfc3339(),))
}
