//! One Python class per kind of record, each a frozen wrapper of the core
//! record. Fields are read as attributes and set through keyword arguments
//! named as in the core; `replace(**changes)` makes an edited copy.

use partnercrm::model::{
    Agreement, Contribution, Dataset, Group, Indicator, Note, Organisation, Person, Project,
    Record, RecordKind,
};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};
use serde_json::Value;

use crate::convert::{Text, from_json, record_json, text};
use crate::errors::parse_error;
use crate::guard::guard;
use crate::schema;
use crate::typed::{self, Shape};

/// Builds a record from keyword arguments, giving it a fresh id if none is
/// passed. Each argument is read by its field's type in the schema.
fn build<T: Record>(
    fields: Option<&Bound<'_, PyDict>>,
    class: &str,
    base: Option<Value>,
) -> PyResult<T> {
    let schema = schema::record(class);
    let mut object = match base {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Some(fields) = fields {
        for (key, value) in fields.iter() {
            let key = text(key.cast::<PyString>()?, &format!("{class} (a field name)"))?;
            let json = typed::keyword_in(schema, &key, &value)?;
            if json.is_null() {
                object.remove(&key);
            } else {
                object.insert(key, json);
            }
        }
    }
    object
        .entry("id")
        .or_insert_with(|| Value::String(uuid::Uuid::now_v7().to_string()));
    from_json(Value::Object(object), class)
}

/// One field of a record, converted by its type in the schema.
fn field<'py, T: Record>(
    py: Python<'py>,
    record: &T,
    name: &str,
    class: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let schema = schema::record(class);
    let Some(field) = schema.field(name) else {
        return Err(PyAttributeError::new_err(format!(
            "{class} has no field {name:?}; fields: {}",
            schema.names().join(", ")
        )));
    };
    let json = record_json(record)?;
    typed::field_out(
        py,
        field,
        json.get(name),
        Shape::Classes { in_value: false },
        &format!("{class}.{name}"),
    )
}

/// A record as a dict in the document's shape, its decimals as `Decimal`.
fn to_dict<'py, T: Record>(
    py: Python<'py>,
    record: &T,
    class: &str,
) -> PyResult<Bound<'py, PyAny>> {
    match record_json(record)? {
        Value::Object(map) => {
            typed::object_out(py, schema::record(class), &map, Shape::Plain, class)
        }
        other => Err(crate::errors::internal_error(format!(
            "{class} serialised as {other}"
        ))),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn repr<T: Record>(record: &T, class: &str) -> PyResult<String> {
    let Value::Object(map) = record_json(record)? else {
        return Ok(class.to_owned());
    };
    let parts: Vec<String> = map
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Array(_) | Value::Object(_)))
        .take(6)
        .map(|(k, v)| format!("{k}={}", short(v)))
        .collect();
    Ok(format!("{class}({})", parts.join(", ")))
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

fn repr_html<T: Record>(record: &T, class: &str) -> PyResult<String> {
    let Value::Object(map) = record_json(record)? else {
        return Ok(String::new());
    };
    let rows: String = map
        .iter()
        .map(|(k, v)| format!("<tr><th style=\"text-align:left\">{}</th><td style=\"text-align:left\">{}</td></tr>", html_escape(k), html_escape(&short(v))))
        .collect();
    Ok(format!(
        "<table><caption style=\"text-align:left\"><b>{class}</b></caption>{rows}</table>"
    ))
}

/// Wraps a core record in its Python class.
pub trait Wrap: Record {
    /// Returns the Python object for this record.
    fn wrap(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

macro_rules! record_class {
    ($py_type:ident, $rust:ty, $name:literal, [$($field:ident),* $(,)?], $doc:literal) => {
        #[doc = $doc]
        #[pyclass(name = $name, module = "partnercrm._partnercrm", frozen, eq, from_py_object)]
        #[derive(Clone, PartialEq)]
        pub struct $py_type {
            pub inner: $rust,
        }

        impl Wrap for $rust {
            fn wrap(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                Ok(Bound::new(py, $py_type { inner: self })?.into_any())
            }
        }

        #[pymethods]
        impl $py_type {
            #[new]
            #[pyo3(signature = (**fields))]
            fn new(fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                guard(|| build(fields, $name, None).map(|inner| Self { inner }))
            }

            $(
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    guard(|| field(py, &self.inner, stringify!($field), $name))
                }
            )*

            /// A copy with the given fields changed; `None` clears a field.
            #[pyo3(signature = (**changes))]
            fn replace(&self, changes: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                guard(|| build(changes, $name, Some(record_json(&self.inner)?)).map(|inner| Self { inner }))
            }

            /// The record as a dict, in the JSON document's shape.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                guard(|| to_dict(py, &self.inner, $name))
            }

            /// The record as JSON text, in the document's shape.
            fn to_json(&self) -> PyResult<String> {
                guard(|| serde_json::to_string(&self.inner).map_err(|e| parse_error(e.to_string())))
            }

            /// Reads a record from JSON text in the document's shape.
            #[classmethod]
            fn from_json(_cls: &Bound<'_, PyType>, text: Text) -> PyResult<Self> {
                guard(|| serde_json::from_str(&text).map(|inner| Self { inner }).map_err(|e| parse_error(format!("{}: {e}", $name))))
            }

            #[classattr]
            fn fields() -> Vec<&'static str> {
                schema::record($name).names()
            }

            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (&'static str, String))> {
                guard(|| {
                    let rebuild = py.import("partnercrm._partnercrm")?.getattr("_record_from_json")?;
                    Ok((rebuild, ($name, self.to_json()?)))
                })
            }

            fn __repr__(&self) -> PyResult<String> {
                guard(|| repr(&self.inner, $name))
            }

            fn _repr_html_(&self) -> PyResult<String> {
                guard(|| repr_html(&self.inner, $name))
            }
        }
    };
}

record_class!(
    PyOrganisation,
    Organisation,
    "Organisation",
    [
        id,
        name,
        name_narratives,
        acronym,
        aliases,
        kind,
        country,
        parent,
        constituents,
        identifiers,
        website,
        description
    ],
    "An organisation: a UN agency, an NGO, a company, a government, a country office."
);
record_class!(
    PyPerson,
    Person,
    "Person",
    [id, name, affiliations, contact, description, erased],
    "A person at a partner, with dated affiliations. Personal data can be erased."
);
record_class!(
    PyAgreement,
    Agreement,
    "Agreement",
    [
        id, title, kind, parties, signed, effective, status, purpose, amendments, projects
    ],
    "An MoU or a bilateral, trilateral or multilateral agreement, with parties in roles."
);
record_class!(
    PyContribution,
    Contribution,
    "Contribution",
    [
        id,
        kind,
        donor,
        recipient,
        value,
        date,
        period,
        project,
        agreement,
        description,
        payments,
        allocations
    ],
    "Cash, in-kind, services or a pledge, from a donor to a recipient."
);
record_class!(
    PyProject,
    Project,
    "Project",
    [
        id,
        title,
        iati_identifier,
        title_narratives,
        acronym,
        aliases,
        description,
        description_narratives,
        countries,
        places,
        themes,
        sectors,
        other_sectors,
        period,
        status,
        lead_office,
        partners,
        budgets,
        parent
    ],
    "A project or programme with its places, period, partners, budgets and parent."
);
record_class!(
    PyIndicator,
    Indicator,
    "Indicator",
    [
        id,
        project,
        title,
        title_narratives,
        unit,
        measure,
        aggregation,
        baseline,
        targets,
        actuals
    ],
    "An outcome indicator of a project: baseline, targets and actual values by period."
);
record_class!(
    PyGroup,
    Group,
    "Group",
    [
        id,
        kind,
        names,
        parent,
        period,
        purpose,
        memberships,
        chairs,
        contact
    ],
    "An inter-agency group, working group or task force, with dated membership and chairs."
);
record_class!(
    PyNote,
    Note,
    "Note",
    [id, kind, title, text, language, date, place, links],
    "A dated event, award, quote, meeting or other note, linked to records."
);

/// Rebuilds a pickled record.
#[pyfunction]
pub fn _record_from_json(py: Python<'_>, kind: Text, text: Text) -> PyResult<Py<PyAny>> {
    guard(|| record_from_json(py, &kind, &text))
}

fn record_from_json(py: Python<'_>, kind: &str, text: &str) -> PyResult<Py<PyAny>> {
    fn read<T: Wrap>(py: Python<'_>, text: &str, kind: &str) -> PyResult<Py<PyAny>> {
        let record: T =
            serde_json::from_str(text).map_err(|e| parse_error(format!("{kind}: {e}")))?;
        Ok(record.wrap(py)?.unbind())
    }
    match kind {
        "Organisation" => read::<Organisation>(py, text, kind),
        "Person" => read::<Person>(py, text, kind),
        "Agreement" => read::<Agreement>(py, text, kind),
        "Contribution" => read::<Contribution>(py, text, kind),
        "Project" => read::<Project>(py, text, kind),
        "Indicator" => read::<Indicator>(py, text, kind),
        "Group" => read::<Group>(py, text, kind),
        "Note" => read::<Note>(py, text, kind),
        other => Err(parse_error(format!("unknown record kind {other:?}"))),
    }
}

/// The kind a Python record class stands for. What is not a class at all
/// (`store.get(5, id)`, or a record where its class belongs) is a `TypeError`.
pub fn kind_of_class(class: &Bound<'_, PyAny>) -> PyResult<RecordKind> {
    let py = class.py();
    let Ok(class) = class.cast::<PyType>() else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "kind takes a record class such as partnercrm.Organisation, not {}",
            crate::convert::type_name(class)
        )));
    };
    let kinds = [
        (py.get_type::<PyOrganisation>(), RecordKind::Organisation),
        (py.get_type::<PyPerson>(), RecordKind::Person),
        (py.get_type::<PyAgreement>(), RecordKind::Agreement),
        (py.get_type::<PyContribution>(), RecordKind::Contribution),
        (py.get_type::<PyProject>(), RecordKind::Project),
        (py.get_type::<PyIndicator>(), RecordKind::Indicator),
        (py.get_type::<PyGroup>(), RecordKind::Group),
        (py.get_type::<PyNote>(), RecordKind::Note),
    ];
    kinds
        .into_iter()
        .find(|(t, _)| t.is(class))
        .map(|(_, kind)| kind)
        .ok_or_else(|| {
            parse_error(format!(
                "{} is not a record class such as partnercrm.Organisation",
                class.name().map(|n| n.to_string()).unwrap_or_default()
            ))
        })
}

/// Adds a Python record object to a data set being built.
pub fn push_record(object: &Bound<'_, PyAny>, data: &mut Dataset) -> PyResult<()> {
    macro_rules! try_push {
        ($($py_type:ident => $collection:ident),*) => {
            $(if let Ok(r) = object.cast::<$py_type>() {
                data.$collection.push(r.get().inner.clone());
                return Ok(());
            })*
        };
    }
    try_push!(
        PyOrganisation => organisations,
        PyPerson => people,
        PyAgreement => agreements,
        PyContribution => contributions,
        PyProject => projects,
        PyIndicator => indicators,
        PyGroup => groups,
        PyNote => notes
    );
    Err(parse_error(format!(
        "expected a record such as partnercrm.Organisation, got {}",
        object.get_type().name()?
    )))
}

/// The kind and id of a Python record object.
pub fn reference_of(object: &Bound<'_, PyAny>) -> PyResult<partnercrm::model::RecordRef> {
    let mut data = Dataset::new();
    push_record(object, &mut data)?;
    for kind in RecordKind::ALL {
        let found = match kind {
            RecordKind::Organisation => data.organisations.first().map(|r| r.id.into()),
            RecordKind::Person => data.people.first().map(|r| r.id.into()),
            RecordKind::Agreement => data.agreements.first().map(|r| r.id.into()),
            RecordKind::Contribution => data.contributions.first().map(|r| r.id.into()),
            RecordKind::Project => data.projects.first().map(|r| r.id.into()),
            RecordKind::Indicator => data.indicators.first().map(|r| r.id.into()),
            RecordKind::Group => data.groups.first().map(|r| r.id.into()),
            RecordKind::Note => data.notes.first().map(|r| r.id.into()),
        };
        if let Some(found) = found {
            return Ok(found);
        }
    }
    Err(parse_error("not a record"))
}
