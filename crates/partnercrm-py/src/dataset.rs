//! A whole data set in memory: read and write the JSON document, validate,
//! and hand out tables.

use partnercrm::Dataset;
use partnercrm::io::json;
use partnercrm::model::RecordKind;
use partnercrm::query::report::PartnershipReport;
use partnercrm::query::tables;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};

use crate::errors::IntoPy;
use crate::problem::PyProblem;
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
    let batch = py.detach(|| tables::table(data, name)).py_err()?;
    Ok(PyTable::new(name, batch))
}

/// Runs a rollup and builds its table, with the GIL released.
pub fn rollup_of(
    py: Python<'_>,
    data: &Dataset,
    group_by: &[String],
    rates: Option<&partnercrm::query::rates::RateTable>,
) -> PyResult<PyTable> {
    use partnercrm::query::rollup::{Dimension, rollup};
    let dimensions: Vec<Dimension> = group_by
        .iter()
        .map(|d| d.parse())
        .collect::<partnercrm::Result<_>>()
        .py_err()?;
    let batch = py
        .detach(|| rollup(data, &dimensions, rates).and_then(|r| tables::rollup_table(&r)))
        .py_err()?;
    Ok(PyTable::new("rollup", batch))
}

#[pymethods]
impl PyDataset {
    /// An empty data set, or one holding the given records.
    #[new]
    #[pyo3(signature = (*records))]
    fn new(records: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Self> {
        let mut inner = Dataset::new();
        for record in records.iter() {
            push_record(&record, &mut inner)?;
        }
        Ok(Self { inner })
    }

    /// Reads a `partnercrm/1` JSON document from a file.
    #[classmethod]
    fn read_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<Self> {
        let inner = py.detach(|| json::read(&path)).py_err()?;
        Ok(Self { inner })
    }

    /// Reads a `partnercrm/1` JSON document from text.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py.detach(|| json::from_str(text)).py_err()?;
        Ok(Self { inner })
    }

    /// A deterministic synthetic data set with `contributions` contributions,
    /// for trying things out and for benchmarks.
    #[classmethod]
    #[pyo3(signature = (contributions, seed=0))]
    fn synthetic(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        contributions: usize,
        seed: u64,
    ) -> Self {
        let spec = partnercrm::synthetic::Spec {
            contributions,
            seed,
        };
        Self {
            inner: py.detach(|| partnercrm::synthetic::generate(&spec)),
        }
    }

    /// The document as JSON text. Raises `ValidationError` if the data set has errors.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| json::to_string(&self.inner)).py_err()
    }

    /// Writes the document to a file, atomically. Raises `ValidationError` if the data set has errors.
    fn write_json(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        py.detach(|| json::write(&self.inner, &path)).py_err()
    }

    /// Every problem in the data set: errors and warnings.
    fn validate(&self, py: Python<'_>) -> Vec<PyProblem> {
        py.detach(|| self.inner.validate())
            .into_iter()
            .map(PyProblem::from)
            .collect()
    }

    /// Adds records (validated when the data set is validated or stored).
    #[pyo3(signature = (*records))]
    fn add(&mut self, records: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        for record in records.iter() {
            push_record(&record, &mut self.inner)?;
        }
        Ok(())
    }

    /// The records of one kind, e.g. `data.records(partnercrm.Organisation)`.
    fn records<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyType>,
    ) -> PyResult<Bound<'py, PyList>> {
        records_of(py, &self.inner, kind_of_class(kind)?)
    }

    /// One table, e.g. `"contributions"`; see `partnercrm.TABLES`.
    fn table(&self, py: Python<'_>, name: &str) -> PyResult<PyTable> {
        table_of(py, &self.inner, name)
    }

    /// Contribution totals grouped by `group_by` (any of "donor", "donor_kind",
    /// "recipient", "recipient_parent", "project", "country", "theme", "year",
    /// "month", "kind"): pledged, received and outstanding, per currency, or
    /// converted with `rates`. A missing rate raises, naming currency and date.
    #[pyo3(signature = (group_by=Vec::new(), rates=None))]
    fn rollup(
        &self,
        py: Python<'_>,
        group_by: Vec<String>,
        rates: Option<PyRef<'_, crate::rates::PyRateTable>>,
    ) -> PyResult<PyTable> {
        rollup_of(py, &self.inner, &group_by, rates.as_ref().map(|r| &r.inner))
    }

    /// The partnership report as text.
    fn report(&self) -> String {
        PartnershipReport::build(&self.inner).to_string()
    }

    /// What the data set is.
    #[getter]
    fn title(&self) -> Option<String> {
        self.inner.title.clone()
    }

    /// Where its facts come from.
    #[getter]
    fn source(&self) -> Option<String> {
        self.inner.source.clone()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
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
    }
}
