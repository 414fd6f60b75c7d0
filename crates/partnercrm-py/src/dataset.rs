//! A whole data set in memory: read and write the JSON document, validate,
//! and hand out tables.

use partnercrm::Dataset;
use partnercrm::io::json;
use partnercrm::model::{Organisation, PartialDate, Project, ProjectId, Record, RecordKind};
use partnercrm::query::report::PartnershipReport;
use partnercrm::query::rollup::Dimension;
use partnercrm::query::tables;
use partnercrm::query::{agreements, duplicates, groups, network, outcomes, portfolio};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple, PyType};

use crate::convert::{FilePath, number_arg};
use crate::convert::{Text, list_of, natural, seed_arg};
use crate::errors::{IntoPy, parse_error};
use crate::guard::guard;
use crate::problem::PyProblem;
use crate::progress::Progress;
use crate::records::{Wrap, kind_of_class, push_record};
use crate::table::PyTable;

/// A whole partnership data set held in memory, as in a JSON document.
#[pyclass(name = "Dataset", module = "partnercrm._partnercrm")]
pub struct PyDataset {
    pub inner: Dataset,
}

/// The records of one kind as a Python list.
pub fn records_of<'py>(
    py: Python<'py>,
    data: &Dataset,
    kind: RecordKind,
) -> PyResult<Bound<'py, PyList>> {
    fn list<'py, T: Wrap>(py: Python<'py>, records: &[T]) -> PyResult<Bound<'py, PyList>> {
        let objects: Vec<Bound<'py, PyAny>> = records
            .iter()
            .cloned()
            .map(|r| r.wrap(py))
            .collect::<PyResult<_>>()?;
        PyList::new(py, objects)
    }
    match kind {
        RecordKind::Organisation => list(py, &data.organisations),
        RecordKind::Person => list(py, &data.people),
        RecordKind::Agreement => list(py, &data.agreements),
        RecordKind::Contribution => list(py, &data.contributions),
        RecordKind::Project => list(py, &data.projects),
        RecordKind::Indicator => list(py, &data.indicators),
        RecordKind::Group => list(py, &data.groups),
        RecordKind::Note => list(py, &data.notes),
    }
}

/// Builds one table, with the GIL released.
pub fn table_of(py: Python<'_>, data: &Dataset, name: &str) -> PyResult<PyTable> {
    labelled_table_of(py, data, data, name)
}

/// [`table_of`] `data`, a subset of `labels`, its references named from `labels`.
pub fn labelled_table_of(
    py: Python<'_>,
    labels: &Dataset,
    data: &Dataset,
    name: &str,
) -> PyResult<PyTable> {
    let batch = py
        .detach(|| tables::labelled_table(data, labels, name))
        .py_err()?;
    Ok(PyTable::new(name, batch))
}

/// One kind's records as its import reads them, with the GIL released.
pub fn kind_table_of(
    py: Python<'_>,
    data: &Dataset,
    kind: partnercrm::io::csv::CsvKind,
) -> PyResult<PyTable> {
    let batch = py
        .detach(|| partnercrm::io::csv::kind_table(data, kind))
        .py_err()?;
    Ok(PyTable::new(kind.as_str(), batch))
}

impl PyDataset {
    /// Reads a CSV file or a workbook's sheet into this data set, all or
    /// nothing.
    fn import_sheet(
        &mut self,
        py: Python<'_>,
        path: FilePath,
        kind: Option<Text>,
        sheet: Option<Text>,
        options: partnercrm::io::csv::CsvOptions,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(|| {
            use partnercrm::io::csv::{CsvKind, read_with_progress};
            use partnercrm::progress::{Phase, lend, whole};
            let kind: Option<CsvKind> = kind.map(|k| k.parse()).transpose().py_err()?;
            let mut progress = Progress::new(py, progress)?;
            let data = &mut self.inner;
            let read = py.detach(|| {
                let opened =
                    partnercrm::io::workbook::open(&path, kind, sheet.as_deref(), &options)?;
                let mut watcher = progress.watcher();
                let new = read_with_progress(
                    opened.kind,
                    &opened.text,
                    &opened.options,
                    data,
                    lend(&mut watcher),
                )?;
                let mut next = data.clone();
                next.upsert_all(new);
                let records = next.len() as u64;
                let report = whole(&mut lend(&mut watcher), Phase::Validate, records, || {
                    Ok(next.validate())
                })?;
                report.into_result()?;
                *data = next;
                Ok(())
            });
            progress.finish(py)?;
            read.py_err()
        })
    }
}

/// The dimensions of `group_by`: one name, or a list or tuple of names.
pub fn dimensions(group_by: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Dimension>> {
    let names: Vec<Text> = match group_by {
        None => Vec::new(),
        Some(one) if one.is_instance_of::<PyString>() => vec![one.extract()?],
        Some(many)
            if (many.is_instance_of::<PyList>() || many.is_instance_of::<PyTuple>())
                && many
                    .try_iter()?
                    .all(|d| d.is_ok_and(|d| d.is_instance_of::<PyString>())) =>
        {
            many.extract()?
        }
        Some(other) => {
            return Err(PyTypeError::new_err(format!(
                "group_by takes a dimension name or a list of them ({}), not {}",
                Dimension::ALL.map(|d| d.as_str()).join(", "),
                crate::convert::type_name(other)
            )));
        }
    };
    names
        .iter()
        .map(|d| d.parse())
        .collect::<partnercrm::Result<_>>()
        .py_err()
}

/// The rollup options Python names as `undated=` and `placement=`.
pub fn rollup_options(
    undated: &str,
    placement: &str,
) -> PyResult<partnercrm::query::rollup::RollupOptions> {
    Ok(partnercrm::query::rollup::RollupOptions {
        undated: undated.parse().py_err()?,
        placement: placement.parse().py_err()?,
    })
}

/// Runs a rollup and builds its table, with the GIL released.
pub fn rollup_of(
    py: Python<'_>,
    data: &Dataset,
    dimensions: &[Dimension],
    rates: Option<&partnercrm::query::rates::RateTable>,
    (undated, placement): (&str, &str),
) -> PyResult<PyTable> {
    use partnercrm::query::rollup::rollup_with;
    let options = rollup_options(undated, placement)?;
    let batch = py
        .detach(|| {
            rollup_with(data, dimensions, rates, options).and_then(|r| tables::rollup_table(&r))
        })
        .py_err()?;
    Ok(PyTable::new("rollup", batch))
}

/// Runs a converted rollup and builds the table of the rates its rows used.
pub fn rollup_rates_of(
    py: Python<'_>,
    data: &Dataset,
    dimensions: &[Dimension],
    rates: &partnercrm::query::rates::RateTable,
    (undated, placement): (&str, &str),
) -> PyResult<PyTable> {
    use partnercrm::query::rollup::rollup_with;
    let options = rollup_options(undated, placement)?;
    let batch = py
        .detach(|| {
            rollup_with(data, dimensions, Some(rates), options)
                .and_then(|r| tables::rollup_rates_table(&r))
        })
        .py_err()?;
    Ok(PyTable::new("rollup_rates", batch))
}

/// An IATI import as the `(Dataset, warnings)` pair Python receives.
fn iati_pair(import: partnercrm::io::iati::Import) -> (PyDataset, Vec<PyProblem>) {
    let warnings = import.warnings.into_iter().map(PyProblem::from).collect();
    (PyDataset { inner: import.data }, warnings)
}

/// Project ids given as records or text.
fn project_ids(projects: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<ProjectId>>> {
    projects
        .map(|list| {
            list_of(list, "projects")?
                .iter()
                .map(|p| id_of(p).map(ProjectId::from))
                .collect::<PyResult<Vec<_>>>()
        })
        .transpose()
}

/// An id given as text or as a record.
pub fn id_of(value: &Bound<'_, PyAny>) -> PyResult<uuid::Uuid> {
    if let Ok(text) = value.extract::<String>() {
        return uuid::Uuid::parse_str(&text)
            .map_err(|e| parse_error(format!("{text:?} is not an id: {e}")));
    }
    Ok(crate::records::reference_of(value)?.id)
}

/// A day given as a `datetime.date` or ISO text (a month or year means its first day).
pub fn day_of(value: &Bound<'_, PyAny>) -> PyResult<chrono::NaiveDate> {
    match crate::convert::to_json(value, "date")? {
        serde_json::Value::String(text) => text
            .parse::<PartialDate>()
            .map(|d| d.earliest())
            .map_err(|e| parse_error(e.to_string())),
        other => Err(parse_error(format!("expected a date, got {other}"))),
    }
}

/// The record of kind `T` a parameter names: a record object, its id, or a
/// name, acronym, alias or identifier, by the store's rule
/// ([`partnercrm::model::lookup`]).
pub fn resolved<'d, T: Record>(data: &'d Dataset, value: &Bound<'_, PyAny>) -> PyResult<&'d T> {
    let text = match value.cast::<pyo3::types::PyString>() {
        Ok(text) => crate::convert::text(text, T::KIND.as_str())?,
        Err(_) => crate::records::reference_of(value)?.id.to_string(),
    };
    data.resolve::<T>(&text).py_err()
}

impl PyDataset {
    fn group(&self, group: &Bound<'_, PyAny>) -> PyResult<&partnercrm::model::Group> {
        resolved(&self.inner, group)
    }
}

#[pymethods]
impl PyDataset {
    /// An empty data set, or one holding the given records.
    #[new]
    #[pyo3(signature = (*records))]
    fn new(records: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Self> {
        guard(|| {
            let mut inner = Dataset::new();
            for record in records.iter() {
                push_record(&record, &mut inner)?;
            }
            Ok(Self { inner })
        })
    }

    /// Reads a `partnercrm/1` JSON document from a file.
    #[classmethod]
    fn read_json(_cls: &Bound<'_, PyType>, py: Python<'_>, path: FilePath) -> PyResult<Self> {
        guard(|| {
            let inner = py.detach(|| json::read(&path)).py_err()?;
            Ok(Self { inner })
        })
    }

    /// Reads a `partnercrm/1` JSON document from text.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: Text) -> PyResult<Self> {
        guard(|| {
            let inner = py.detach(|| json::from_str(&text)).py_err()?;
            Ok(Self { inner })
        })
    }

    /// Reads an IATI activities file (2.03, also 2.01, 2.02 and 1.x codes):
    /// returns the data set of what was imported and the warnings about the
    /// rest, each a `Problem` whose path is the element's XPath. With
    /// `known` (a `Store` or a `Dataset`), organisations, projects and what
    /// an export of it wrote resolve to its records, as `Store.import_iati`
    /// does.
    #[classmethod]
    #[pyo3(signature = (path, known=None))]
    fn read_iati(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: FilePath,
        known: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, Vec<PyProblem>)> {
        guard(|| {
            let known = known_of(py, known)?;
            let import = py
                .detach(|| partnercrm::io::iati::read_file(&path, &known))
                .py_err()?;
            Ok(iati_pair(import))
        })
    }

    /// Reads IATI activities from text, as `read_iati` does from a file.
    #[classmethod]
    #[pyo3(signature = (text, known=None))]
    fn from_iati(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: Text,
        known: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, Vec<PyProblem>)> {
        guard(|| {
            let known = known_of(py, known)?;
            let import = py
                .detach(|| partnercrm::io::iati::read_str(&text, &known))
                .py_err()?;
            Ok(iati_pair(import))
        })
    }

    /// The projects (all, or those given as records or ids) as an IATI 2.03
    /// `iati-activities` document, with their organisations, contributions,
    /// indicators and MoUs. A project no valid activity can be written from
    /// raises `ValidationError` naming each (`iati_writable` lists the rest).
    #[pyo3(signature = (projects=None))]
    fn to_iati(&self, py: Python<'_>, projects: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        guard(|| {
            let ids = project_ids(projects)?;
            py.detach(|| partnercrm::io::iati::write(&self.inner, ids.as_deref()))
                .py_err()
        })
    }

    /// The ids of the projects `to_iati` can write: those with a reporting
    /// organisation, a date, and dates on their money.
    fn iati_writable(&self) -> PyResult<Vec<String>> {
        guard(|| {
            Ok(partnercrm::io::iati::writable(&self.inner)
                .iter()
                .map(ToString::to_string)
                .collect())
        })
    }

    /// Writes `to_iati(projects)` to `path`.
    #[pyo3(signature = (path, projects=None))]
    fn write_iati(
        &self,
        py: Python<'_>,
        path: FilePath,
        projects: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(|| {
            let ids = project_ids(projects)?;
            py.detach(|| partnercrm::io::iati::write_file(&path, &self.inner, ids.as_deref()))
                .py_err()
        })
    }

    /// A deterministic synthetic data set with `contributions` contributions,
    /// for trying things out and for benchmarks.
    #[classmethod]
    #[pyo3(signature = (contributions, seed=0))]
    fn synthetic(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        contributions: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = seed_arg)] seed: u64,
    ) -> PyResult<Self> {
        guard(|| {
            use partnercrm::synthetic::{Spec, generate};
            // More than usize holds is over the core's limit too: it says so.
            let contributions = natural(contributions, "contributions")?.unwrap_or(usize::MAX);
            let spec = Spec::checked(contributions, seed).py_err()?;
            Ok(Self {
                inner: py.detach(|| generate(&spec)),
            })
        })
    }

    /// The document as JSON text. Raises `ValidationError` if the data set has errors.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| py.detach(|| json::to_string(&self.inner)).py_err())
    }

    /// Writes the document to a file, atomically. Raises `ValidationError` if the data set has errors.
    fn write_json(&self, py: Python<'_>, path: FilePath) -> PyResult<()> {
        guard(|| py.detach(|| json::write(&self.inner, &path)).py_err())
    }

    /// Every problem in the data set: errors and warnings.
    fn validate(&self, py: Python<'_>) -> PyResult<Vec<PyProblem>> {
        guard(|| {
            Ok({
                py.detach(|| self.inner.validate())
                    .into_iter()
                    .map(PyProblem::from)
                    .collect()
            })
        })
    }

    /// Adds records (validated when the data set is validated or stored).
    #[pyo3(signature = (*records))]
    fn add(&mut self, records: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        guard(|| {
            // All of them or none: check every one before adding any.
            let mut checked = Dataset::new();
            for record in records.iter() {
                push_record(&record, &mut checked)?;
            }
            for record in records.iter() {
                push_record(&record, &mut self.inner)?;
            }
            Ok(())
        })
    }

    /// The records of one kind, e.g. `data.records(partnercrm.Organisation)`.
    fn records<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| records_of(py, &self.inner, kind_of_class(kind)?))
    }

    /// Records of class `kind` one of whose names, acronyms, aliases or
    /// identifiers holds `name`, ignoring case: whole matches first, as
    /// `Store.find` finds them.
    fn find<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyAny>,
        name: Text,
    ) -> PyResult<Bound<'py, PyList>> {
        fn found<'py, T: Wrap>(
            py: Python<'py>,
            data: &Dataset,
            name: &str,
        ) -> PyResult<Bound<'py, PyList>> {
            let objects: Vec<Bound<'py, PyAny>> = data
                .find::<T>(name)
                .into_iter()
                .cloned()
                .map(|r| r.wrap(py))
                .collect::<PyResult<_>>()?;
            PyList::new(py, objects)
        }
        guard(|| {
            use partnercrm::model::{
                Agreement, Contribution, Group, Indicator, Note, Organisation, Person, Project,
            };
            let data = &self.inner;
            match kind_of_class(kind)? {
                RecordKind::Organisation => found::<Organisation>(py, data, &name),
                RecordKind::Person => found::<Person>(py, data, &name),
                RecordKind::Agreement => found::<Agreement>(py, data, &name),
                RecordKind::Contribution => found::<Contribution>(py, data, &name),
                RecordKind::Project => found::<Project>(py, data, &name),
                RecordKind::Indicator => found::<Indicator>(py, data, &name),
                RecordKind::Group => found::<Group>(py, data, &name),
                RecordKind::Note => found::<Note>(py, data, &name),
            }
        })
    }

    /// One table, e.g. `"contributions"`; see `partnercrm.TABLES`.
    fn table(&self, py: Python<'_>, name: Text) -> PyResult<PyTable> {
        guard(|| table_of(py, &self.inner, &name))
    }

    /// Contribution totals grouped by `group_by` (any of "donor", "donor_kind",
    /// "recipient", "recipient_parent", "project", "country", "theme", "year",
    /// "month", "kind"): pledged, received and outstanding, per currency, or
    /// converted with `rates`. A missing rate raises, naming currency and date.
    /// One dimension may be given as its name alone: `rollup("donor")`.
    /// `undated="error"` refuses to convert an undated amount (by default it
    /// stays unconverted in a row of its own); `placement="spread"` splits a
    /// contribution with a period over the years (or months) of it, by its
    /// days in each, where by default it counts wholly on its date or start.
    #[pyo3(signature = (group_by=None, rates=None, *, undated="row", placement="start"))]
    fn rollup(
        &self,
        py: Python<'_>,
        group_by: Option<&Bound<'_, PyAny>>,
        rates: Option<PyRef<'_, crate::rates::PyRateTable>>,
        undated: &str,
        placement: &str,
    ) -> PyResult<PyTable> {
        guard(|| {
            let dimensions = dimensions(group_by)?;
            rollup_of(
                py,
                &self.inner,
                &dimensions,
                rates.as_ref().map(|r| &r.inner),
                (undated, placement),
            )
        })
    }

    /// The provenance of `rollup(group_by, rates=rates)`: one row per
    /// rollup row, part (`"value"` or `"payment"`) and rate, with the rate,
    /// its year (or the day it is in force from), each rate per US dollar
    /// and the source row it came from, how many amounts were converted at
    /// it, and their sums before and after. A row's `"value"` rates sum to
    /// its `committed` total.
    #[pyo3(signature = (group_by=None, *, rates, undated="row", placement="start"))]
    fn rollup_rates(
        &self,
        py: Python<'_>,
        group_by: Option<&Bound<'_, PyAny>>,
        rates: PyRef<'_, crate::rates::PyRateTable>,
        undated: &str,
        placement: &str,
    ) -> PyResult<PyTable> {
        guard(|| {
            let dimensions = dimensions(group_by)?;
            rollup_rates_of(
                py,
                &self.inner,
                &dimensions,
                &rates.inner,
                (undated, placement),
            )
        })
    }

    /// Reads a CSV file of `kind` (see `partnercrm.CSV_KINDS`; by default
    /// the one its header shows) into this data set, naming the records
    /// already in it, and validates the result; `mapping` and the keyword
    /// options are `Store.import_csv`'s. Raises `ValidationError` with
    /// every problem, adding nothing, if any cell or rule fails.
    /// `progress=True` shows a progress bar; a callable is called with the
    /// rows read so far.
    #[pyo3(signature = (path, kind=None, mapping=None, progress=None, *, locale=None, decimal=None, thousands=None, date_format=None, delimiter=None, encoding=None, constants=None, values=None, ignore=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_csv(
        &mut self,
        py: Python<'_>,
        path: FilePath,
        kind: Option<Text>,
        mapping: Option<std::collections::HashMap<Text, Text>>,
        progress: Option<&Bound<'_, PyAny>>,
        locale: Option<Text>,
        decimal: Option<Text>,
        thousands: Option<Text>,
        date_format: Option<Text>,
        delimiter: Option<Text>,
        encoding: Option<Text>,
        constants: Option<std::collections::HashMap<Text, Text>>,
        values: Option<std::collections::HashMap<Text, std::collections::HashMap<Text, Text>>>,
        ignore: Option<Vec<Text>>,
    ) -> PyResult<()> {
        let options = crate::sheets::csv_options(
            mapping,
            crate::sheets::Options {
                locale,
                decimal,
                thousands,
                date_format,
                delimiter,
                encoding,
                constants,
                values,
                ignore,
            },
        )?;
        self.import_sheet(py, path, kind, None, options, progress)
    }

    /// Reads a sheet of a workbook (the first, or `sheet`) into this data
    /// set as `import_csv` reads a file; see `Store.import_excel`.
    #[pyo3(signature = (path, kind=None, sheet=None, mapping=None, progress=None, *, locale=None, decimal=None, thousands=None, date_format=None, delimiter=None, encoding=None, constants=None, values=None, ignore=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_excel(
        &mut self,
        py: Python<'_>,
        path: FilePath,
        kind: Option<Text>,
        sheet: Option<Text>,
        mapping: Option<std::collections::HashMap<Text, Text>>,
        progress: Option<&Bound<'_, PyAny>>,
        locale: Option<Text>,
        decimal: Option<Text>,
        thousands: Option<Text>,
        date_format: Option<Text>,
        delimiter: Option<Text>,
        encoding: Option<Text>,
        constants: Option<std::collections::HashMap<Text, Text>>,
        values: Option<std::collections::HashMap<Text, std::collections::HashMap<Text, Text>>>,
        ignore: Option<Vec<Text>>,
    ) -> PyResult<()> {
        let options = crate::sheets::csv_options(
            mapping,
            crate::sheets::Options {
                locale,
                decimal,
                thousands,
                date_format,
                delimiter,
                encoding,
                constants,
                values,
                ignore,
            },
        )?;
        self.import_sheet(py, path, kind, sheet, options, progress)
    }

    /// One kind's records as its import reads them; see `Store.kind_table`.
    fn kind_table(&self, py: Python<'_>, kind: Text) -> PyResult<PyTable> {
        guard(|| {
            let kind: partnercrm::io::csv::CsvKind = kind.parse().py_err()?;
            kind_table_of(py, &self.inner, kind)
        })
    }

    /// Agreements in force on `on` (a date or ISO text), as a table.
    fn agreements_active(&self, py: Python<'_>, on: &Bound<'_, PyAny>) -> PyResult<PyTable> {
        guard(|| {
            let day = day_of(on)?;
            let found = agreements::active_on(&self.inner, day);
            labelled_table_of(py, &self.inner, &agreements::subset(&found), "agreements")
        })
    }

    /// Agreements in force on `on` whose end falls within `days` days.
    fn agreements_expiring(
        &self,
        py: Python<'_>,
        on: &Bound<'_, PyAny>,
        days: &Bound<'_, PyAny>,
    ) -> PyResult<PyTable> {
        guard(|| {
            // Past the end of the calendar is as good as u32::MAX days.
            let days = natural(days, "days")?.unwrap_or(u32::MAX);
            let day = day_of(on)?;
            let found = agreements::expiring_within(&self.inner, day, days);
            labelled_table_of(py, &self.inner, &agreements::subset(&found), "agreements")
        })
    }

    /// Agreements of a kind (e.g. "trilateral"), with a party, or both.
    #[pyo3(signature = (kind=None, party=None))]
    fn agreements_by(
        &self,
        py: Python<'_>,
        kind: Option<Text>,
        party: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTable> {
        guard(|| {
            let kind = kind
                .map(|k| {
                    serde_json::from_value(serde_json::Value::String(k.0))
                        .map_err(|e| parse_error(format!("kind: {e}")))
                })
                .transpose()?;
            let party = party
                .map(|p| resolved::<Organisation>(&self.inner, p).map(|o| o.id))
                .transpose()?;
            let found = agreements::by_kind_and_party(&self.inner, kind, party);
            labelled_table_of(py, &self.inner, &agreements::subset(&found), "agreements")
        })
    }

    /// The organisations that were members of `group` on `on`.
    fn members(
        &self,
        py: Python<'_>,
        group: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<PyTable> {
        guard(|| {
            let group = self.group(group)?;
            let ids = groups::members_on(group, day_of(on)?);
            let subset = Dataset {
                organisations: ids
                    .iter()
                    .filter_map(|id| self.inner.organisation(*id).cloned())
                    .collect(),
                ..Dataset::default()
            };
            labelled_table_of(py, &self.inner, &subset, "organisations")
        })
    }

    /// The chair terms of `group` in force on `on` (the chair, or the co-chairs).
    fn chairs(
        &self,
        py: Python<'_>,
        group: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<PyTable> {
        guard(|| {
            let group = self.group(group)?;
            let mut only = group.clone();
            only.chairs = groups::chairs_on(group, day_of(on)?)
                .into_iter()
                .cloned()
                .collect();
            labelled_table_of(
                py,
                &self.inner,
                &Dataset {
                    groups: vec![only],
                    ..Dataset::default()
                },
                "chairs",
            )
        })
    }

    /// Every membership of `group`, by start date.
    fn membership_timeline(&self, py: Python<'_>, group: &Bound<'_, PyAny>) -> PyResult<PyTable> {
        guard(|| {
            let group = self.group(group)?;
            let mut only = group.clone();
            only.memberships = groups::timeline(group).into_iter().cloned().collect();
            labelled_table_of(
                py,
                &self.inner,
                &Dataset {
                    groups: vec![only],
                    ..Dataset::default()
                },
                "memberships",
            )
        })
    }

    /// Every chair term of `group`, by start date.
    fn chair_timeline(&self, py: Python<'_>, group: &Bound<'_, PyAny>) -> PyResult<PyTable> {
        guard(|| {
            let group = self.group(group)?;
            let mut only = group.clone();
            only.chairs = groups::chair_timeline(group).into_iter().cloned().collect();
            labelled_table_of(
                py,
                &self.inner,
                &Dataset {
                    groups: vec![only],
                    ..Dataset::default()
                },
                "chairs",
            )
        })
    }

    /// The working groups and task forces `organisation` chairs or co-chairs.
    fn chaired_by(&self, py: Python<'_>, organisation: &Bound<'_, PyAny>) -> PyResult<PyTable> {
        guard(|| {
            let organisation = resolved::<Organisation>(&self.inner, organisation)?.id;
            let found = groups::chaired_by(&self.inner, organisation);
            labelled_table_of(
                py,
                &self.inner,
                &Dataset {
                    groups: found.into_iter().cloned().collect(),
                    ..Dataset::default()
                },
                "groups",
            )
        })
    }

    /// Each indicator against its target, combined by its own rule; with a
    /// `project`, that project's outcomes including its child projects'.
    #[pyo3(signature = (project=None))]
    fn outcomes(&self, py: Python<'_>, project: Option<&Bound<'_, PyAny>>) -> PyResult<PyTable> {
        guard(|| {
            let project = project
                .map(|p| resolved::<Project>(&self.inner, p).map(|p| p.id))
                .transpose()?;
            let data = &self.inner;
            let batch = py
                .detach(|| {
                    let found = match project {
                        Some(project) => outcomes::project_outcomes(data, project),
                        None => outcomes::outcomes(data),
                    }?;
                    tables::outcomes_table(data, &found)
                })
                .py_err()?;
            Ok(PyTable::new("outcomes", batch))
        })
    }

    /// Everything that concerns `organisation`, as a data set of its own
    /// (at a date with `on`): agreements, contributions, projects, people,
    /// groups and notes.
    #[pyo3(signature = (organisation, on=None))]
    fn portfolio(
        &self,
        organisation: &Bound<'_, PyAny>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(|| {
            let id = resolved::<Organisation>(&self.inner, organisation)?.id;
            let day = on.map(day_of).transpose()?;
            Ok(Self {
                inner: portfolio::portfolio(&self.inner, id, day),
            })
        })
    }

    /// The partner network as an edge list: organisations linked by shared
    /// agreements, projects and contributions, with counts and a weight.
    fn network(&self, py: Python<'_>) -> PyResult<PyTable> {
        guard(|| {
            let data = &self.inner;
            let batch = py
                .detach(|| tables::network_table(data, &network::edges(data)))
                .py_err()?;
            Ok(PyTable::new("network", batch))
        })
    }

    /// The partner network as GraphML text (Gephi, yEd, Cytoscape, networkx).
    fn network_graphml(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| Ok(py.detach(|| network::graphml(&self.inner))))
    }

    /// Candidate duplicate organisations and people scoring at least
    /// `min_score` (0 to 1), best first, with the reasons for each.
    #[pyo3(signature = (min_score=0.5))]
    fn duplicates(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = number_arg)] min_score: f64,
    ) -> PyResult<PyTable> {
        guard(|| {
            let data = &self.inner;
            let batch = py
                .detach(|| tables::duplicates_table(&duplicates::candidates(data, min_score)))
                .py_err()?;
            Ok(PyTable::new("duplicates", batch))
        })
    }

    /// The partnership report as text.
    fn report(&self) -> PyResult<String> {
        guard(|| {
            PartnershipReport::build(&self.inner)
                .map(|report| report.to_string())
                .py_err()
        })
    }

    /// The partnership report as one self-contained HTML page, with inline
    /// SVG charts and no script or network: to save and send on.
    fn report_html(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| {
            let data = &self.inner;
            py.detach(|| {
                let today = chrono::Local::now().date_naive();
                PartnershipReport::build(data)
                    .map(|report| partnercrm::query::report_html::html(&report, data, today))
            })
            .py_err()
        })
    }

    /// What the data set is.
    #[getter]
    fn title(&self) -> PyResult<Option<String>> {
        guard(|| Ok(self.inner.title.clone()))
    }

    /// Where its facts come from.
    #[getter]
    fn source(&self) -> PyResult<Option<String>> {
        guard(|| Ok(self.inner.source.clone()))
    }

    fn __len__(&self) -> PyResult<usize> {
        guard(|| Ok(self.inner.len()))
    }

    fn __eq__(&self, other: &Self) -> PyResult<bool> {
        guard(|| Ok(self.inner == other.inner))
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| {
            Ok({
                let d = &self.inner;
                format!(
                    "Dataset(organisations={}, people={}, agreements={}, contributions={}, projects={}, indicators={}, groups={}, notes={})",
                    d.organisations.len(),
                    d.people.len(),
                    d.agreements.len(),
                    d.contributions.len(),
                    d.projects.len(),
                    d.indicators.len(),
                    d.groups.len(),
                    d.notes.len()
                )
            })
        })
    }
}

/// What an IATI reader knows: nothing, a data set, or what it needs of a store.
fn known_of(py: Python<'_>, known: Option<&Bound<'_, PyAny>>) -> PyResult<Dataset> {
    let Some(known) = known else {
        return Ok(Dataset::new());
    };
    if let Ok(store) = known.cast::<crate::store::PyStore>() {
        return store.get().known(py, &[partnercrm::io::Format::Iati]);
    }
    if let Ok(data) = known.cast::<PyDataset>() {
        return Ok(data.borrow().inner.clone());
    }
    Err(parse_error(format!(
        "known must be a Store or a Dataset, not {}",
        known.get_type().name()?
    )))
}
