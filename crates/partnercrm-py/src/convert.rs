//! Python values to the core's JSON form and back.
//!
//! Records cross the boundary in the same JSON shape the document uses, so
//! the core's serde code is the one place that knows their fields. Here we
//! only translate Python's types: dates become ISO strings, `Decimal`s and
//! ints become decimal strings, and floats are refused, because a float
//! cannot hold money exactly.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

use crate::errors::parse_error;

/// Keys whose string values are exact decimals, returned to Python as `Decimal`.
const DECIMAL_KEYS: [&str; 2] = ["amount", "value"];

/// Converts a Python value to JSON. `at` names where it is, for errors.
pub fn to_json(value: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
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
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key: String = key
                .extract()
                .map_err(|_| parse_error(format!("{at}: keys must be strings")))?;
            let path = format!("{at}.{key}");
            map.insert(key, to_json(&item, &path)?);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            items.push(to_json(&item?, &format!("{at}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    let class = value.get_type();
    let type_name = class.name()?.to_string();
    match type_name.as_str() {
        // datetime.date; a datetime is a date too, but a CRM date has no time.
        "date" => Ok(Value::String(value.call_method0("isoformat")?.extract()?)),
        "Decimal" | "UUID" => Ok(Value::String(value.str()?.to_string())),
        _ => {
            // A record object passed where its id is expected.
            if let Ok(id) = value.getattr("id")
                && let Ok(id) = id.extract::<String>()
            {
                return Ok(Value::String(id));
            }
            Err(parse_error(format!(
                "{at}: cannot use a value of type {type_name}"
            )))
        }
    }
}

/// Converts JSON to Python, turning decimal fields into `decimal.Decimal`.
pub fn to_python<'py>(
    py: Python<'py>,
    value: &Value,
    key: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any(),
            None => n.to_string().into_pyobject(py)?.into_any(),
        },
        Value::String(s) if key.is_some_and(|k| DECIMAL_KEYS.contains(&k)) => py
            .import("decimal")?
            .getattr("Decimal")?
            .call1((s.as_str(),))?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item, None)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v, Some(k))?)?;
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

/// Parses a moment given as a `datetime` (naive means UTC) or an ISO string.
pub fn moment(value: &Bound<'_, PyAny>) -> PyResult<chrono::DateTime<chrono::Utc>> {
    let text: String = if value.is_instance_of::<PyString>() {
        value.extract()?
    } else {
        value.call_method0("isoformat")?.extract()?
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f"))
        .map(|t| t.and_utc())
        .map_err(|_| {
            parse_error(format!(
                "{text:?} is not a moment: pass a datetime or an ISO 8601 string"
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
