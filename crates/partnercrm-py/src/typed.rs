//! Records' fields to Python and back, each by its type in [`schema`].
//!
//! The core's serde form is the one place that knows a record's fields;
//! this walks that JSON beside the schema, so that a decimal is a
//! `Decimal` because its field is one, and an identifier's `value` stays
//! text because its field is text.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyModule, PyString, PyTuple};
use serde_json::{Map, Value};

use crate::convert::{list_of, to_json};
use crate::errors::{internal_error, parse_error};
use crate::schema::{self, Class, Field, Ty};

/// The module holding the value classes.
fn values_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static VALUES: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    VALUES
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("partnercrm.values")?.unbind())
        })
        .map(|m| m.bind(py))
}

fn decimal<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static DECIMAL: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")?.call1((text,))
}

/// How a value leaves: as frozen classes (a getter), or as plain dicts
/// and lists in the JSON document's shape (`to_dict()`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Value classes; lists inside them are tuples.
    Classes {
        /// Whether this sits inside a value class.
        in_value: bool,
    },
    /// Dicts and lists, as in the document.
    Plain,
}

/// A field's JSON (`None` when the document leaves it out) as Python.
pub fn field_out<'py>(
    py: Python<'py>,
    field: &Field,
    json: Option<&Value>,
    shape: Shape,
    at: &str,
) -> PyResult<Bound<'py, PyAny>> {
    match json {
        Some(json) => out(py, &field.ty, json, shape, at),
        None => missing(py, field, shape, at),
    }
}

/// What a field the document leaves out stands for: the empty list, the
/// open period, the default code, `None`.
fn missing<'py>(
    py: Python<'py>,
    field: &Field,
    shape: Shape,
    at: &str,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(code) = field.default {
        return Ok(PyString::new(py, code).into_any());
    }
    match field.ty {
        Ty::List(_) => match shape {
            Shape::Classes { in_value: true } => Ok(PyTuple::empty(py).into_any()),
            _ => Ok(PyList::empty(py).into_any()),
        },
        Ty::Bool => Ok(PyBool::new(py, false).to_owned().into_any()),
        Ty::Value(_) if shape != Shape::Plain => {
            out(py, &field.ty, &Value::Object(Map::new()), shape, at)
        }
        _ => Ok(py.None().into_bound(py)),
    }
}

/// JSON of type `ty` as Python.
pub fn out<'py>(
    py: Python<'py>,
    ty: &Ty,
    json: &Value,
    shape: Shape,
    at: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let unexpected = || {
        internal_error(format!(
            "{at}: the core wrote {json} where the schema has {ty:?}; the schema is out of step"
        ))
    };
    Ok(match (ty, json) {
        (_, Value::Null) => py.None().into_bound(py),
        (Ty::Option(inner), _) => out(py, inner, json, shape, at)?,
        (Ty::Text | Ty::Date | Ty::Code(_) | Ty::Id(_), Value::String(s)) => {
            PyString::new(py, s).into_any()
        }
        (Ty::Decimal, Value::String(s)) => decimal(py, s)?,
        (Ty::Bool, Value::Bool(b)) => PyBool::new(py, *b).to_owned().into_any(),
        (Ty::List(inner), Value::Array(items)) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| out(py, inner, item, shape, &format!("{at}[{i}]")))
                .collect::<PyResult<Vec<_>>>()?;
            match shape {
                Shape::Classes { in_value: true } => PyTuple::new(py, items)?.into_any(),
                _ => PyList::new(py, items)?.into_any(),
            }
        }
        (Ty::Value(name), Value::Object(map)) => {
            let class = schema::class(name).ok_or_else(unexpected)?;
            object_out(py, class, map, shape, at)?
        }
        (Ty::Worth, Value::Object(map)) => worth_out(py, map, shape, at)?,
        (Ty::Scheme, Value::String(s)) => PyString::new(py, s).into_any(),
        (Ty::Scheme, Value::Object(map)) if map.len() == 1 => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, out(py, &Ty::Text, v, shape, at)?)?;
            }
            dict.into_any()
        }
        _ => return Err(unexpected()),
    })
}

/// A record or value object as its class, or as a dict for [`Shape::Plain`].
pub fn object_out<'py>(
    py: Python<'py>,
    class: &Class,
    map: &Map<String, Value>,
    shape: Shape,
    at: &str,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(key) = map.keys().find(|k| class.field(k).is_none()) {
        return Err(internal_error(format!(
            "{at}: the core wrote the field {key:?}, which the schema of {} lacks",
            class.name
        )));
    }
    let inner = match shape {
        Shape::Plain => Shape::Plain,
        Shape::Classes { .. } => Shape::Classes { in_value: true },
    };
    let fields = PyDict::new(py);
    for field in class.fields {
        let json = map.get(field.name);
        if shape == Shape::Plain && json.is_none() {
            continue;
        }
        let at = format!("{at}.{}", field.name);
        fields.set_item(field.name, field_out(py, field, json, inner, &at)?)?;
    }
    match shape {
        Shape::Plain => Ok(fields.into_any()),
        Shape::Classes { .. } => values_module(py)?
            .getattr(class.name)?
            .call((), Some(&fields)),
    }
}

/// A contribution's value: `None` when unknown, else a `Money` with its basis.
fn worth_out<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
    shape: Shape,
    at: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let money = schema::class("Money").ok_or_else(|| internal_error("no Money in the schema"))?;
    if shape == Shape::Plain {
        return object_out(py, money, map, shape, at);
    }
    match map.get("basis").and_then(Value::as_str) {
        Some("unknown") => Ok(py.None().into_bound(py)),
        _ => object_out(py, money, map, shape, at),
    }
}

/// A Python value for a field of type `ty` as JSON: value-class objects
/// field by field, dicts and everything else as [`to_json`] reads them.
pub fn field_in(ty: &Ty, value: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    match ty {
        Ty::Option(inner) => field_in(inner, value, at),
        Ty::List(inner)
            if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() =>
        {
            // Anything else the core refuses with the shape it wanted.
            list_of(value, at)?
                .iter()
                .enumerate()
                .map(|(i, item)| field_in(inner, item, &format!("{at}[{i}]")))
                .collect::<PyResult<Vec<_>>>()
                .map(Value::Array)
        }
        Ty::Value(name) => match value_class_of(value)? {
            Some(found) if found == *name => object_in(name, value, at, false),
            Some(found) => Err(parse_error(format!(
                "{at}: expected a {name} (or a dict), got a {found}"
            ))),
            None => to_json(value, at),
        },
        Ty::Worth => match value_class_of(value)? {
            Some("Money") => object_in("Money", value, at, true),
            Some(found) => Err(parse_error(format!(
                "{at}: expected a Money (or a dict), got a {found}"
            ))),
            None => to_json(value, at),
        },
        _ => to_json(value, at),
    }
}

/// The value class `value` is an object of, if it is one.
fn value_class_of(value: &Bound<'_, PyAny>) -> PyResult<Option<&'static str>> {
    let py = value.py();
    let module = values_module(py)?;
    for class in schema::VALUES {
        if value.is_instance(&module.getattr(class.name)?)? {
            return Ok(Some(class.name));
        }
    }
    Ok(None)
}

/// A value-class object as JSON, empty fields left out as the core writes
/// them. A `Money` keeps its `basis` only as a contribution's value.
fn object_in(name: &str, value: &Bound<'_, PyAny>, at: &str, worth: bool) -> PyResult<Value> {
    let class =
        schema::class(name).ok_or_else(|| internal_error(format!("no {name} in the schema")))?;
    let mut map = Map::new();
    for field in class.fields {
        let item = value.getattr(field.name)?;
        let at = format!("{at}.{}", field.name);
        if name == "Money" && field.name == "basis" && !worth {
            let basis: String = item.str()?.extract()?;
            if basis != "actual" {
                return Err(parse_error(format!(
                    "{at}: only a contribution's value can be {basis:?}; this amount is a \
                     plain Money, whose basis is \"actual\""
                )));
            }
            continue;
        }
        let json = field_in(&field.ty, &item, &at)?;
        let empty = match &json {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(fields) => fields.is_empty(),
            _ => false,
        };
        if !empty {
            map.insert(field.name.to_owned(), json);
        }
    }
    Ok(Value::Object(map))
}

/// A keyword argument for the record class `class`, as JSON.
pub fn keyword_in(class: &Class, key: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let at = format!("{}.{key}", class.name);
    match class.field(key) {
        Some(field) => field_in(&field.ty, value, &at),
        // The core refuses it, naming the fields it knows.
        None => to_json(value, &at),
    }
}
