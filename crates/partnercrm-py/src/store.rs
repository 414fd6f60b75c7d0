//! The store, for Python: the same operations as `partnercrm::store::Store`,
//! with the GIL released while the store works.

use std::sync::{Mutex, MutexGuard};

use partnercrm::Dataset;
use partnercrm::model::{
    Agreement, Contribution, Group, Indicator, Note, Organisation, Person, PersonId, Project,
    Record, RecordKind,
};
use partnercrm::store::{Access, Applied, Batch, Change, Revision, Store};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::convert::{FilePath, Number};
use crate::convert::{Text, datetime, int_of, list_arg, moment, record_json, str_arg, to_python};
use crate::dataset::{PyDataset, records_of};
use crate::errors::{IntoPy, parse_error};
use crate::guard::guard;
use crate::problem::PyProblem;
use crate::progress::Progress;
use crate::records::{Wrap, kind_of_class, push_record, reference_of};
use crate::table::PyTable;

/// A partnership data set kept in an embedded SQLite file (or in memory),
/// or, for a team, in a PostgreSQL database (`postgresql://...`).
///
/// Every write is validated first and stored whole or not at all; every
/// change is recorded with who made it and when.
#[pyclass(name = "Store", module = "partnercrm._partnercrm", frozen)]
pub struct PyStore {
    inner: Mutex<Store>,
    path: String,
}

fn applied_dict<'py>(py: Python<'py>, applied: Applied) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("revision", applied.revision)?;
    dict.set_item("inserted", applied.inserted)?;
    dict.set_item("updated", applied.updated)?;
    dict.set_item("unchanged", applied.unchanged)?;
    dict.set_item("deleted", applied.deleted)?;
    let warnings: Vec<PyProblem> = applied.warnings.into_iter().map(PyProblem::from).collect();
    dict.set_item("warnings", warnings)?;
    Ok(dict)
}

fn revision_dict<'py>(py: Python<'py>, revision: &Revision) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("number", revision.number)?;
    dict.set_item("recorded_at", datetime(py, revision.recorded_at)?)?;
    dict.set_item("actor", &revision.actor)?;
    dict.set_item("summary", &revision.summary)?;
    Ok(dict)
}

fn change_dicts<'py, T: Wrap>(
    py: Python<'py>,
    changes: Vec<Change<T>>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for change in changes {
        let dict = revision_dict(py, &change.revision)?;
        dict.set_item("revision", change.revision.number)?;
        let action = match change.action {
            partnercrm::store::Action::Created => "created",
            partnercrm::store::Action::Updated => "updated",
            partnercrm::store::Action::Deleted => "deleted",
            partnercrm::store::Action::Erased => "erased",
        };
        dict.set_item("action", action)?;
        dict.set_item("before", change.before.map(|r| r.wrap(py)).transpose()?)?;
        dict.set_item("after", change.after.map(|r| r.wrap(py)).transpose()?)?;
        list.append(dict)?;
    }
    Ok(list)
}

impl PyStore {
    /// Imports a CSV file or a workbook's sheet, all or nothing.
    #[allow(clippy::too_many_arguments)]
    fn import_sheet<'py>(
        &self,
        py: Python<'py>,
        path: FilePath,
        kind: Option<Text>,
        sheet: Option<Text>,
        options: partnercrm::io::csv::CsvOptions,
        actor: &str,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            use partnercrm::io::csv::{CsvKind, read_with_progress};
            use partnercrm::progress::lend;
            let kind: Option<CsvKind> = kind.map(|k| k.parse()).transpose().py_err()?;
            let summary = format!("import {}", path.display());
            let mut progress = Progress::new(py, progress)?;
            let applied = self.with_store(py, |store| {
                let opened =
                    partnercrm::io::workbook::open(&path, kind, sheet.as_deref(), &options)?;
                let format = partnercrm::io::Format::Csv(opened.kind);
                let known = partnercrm::io::known(store, &[format])?;
                let mut watcher = progress.watcher();
                let upserts = read_with_progress(
                    opened.kind,
                    &opened.text,
                    &opened.options,
                    &known,
                    lend(&mut watcher),
                )?;
                store.apply_watched(
                    Batch::upsert_all(upserts),
                    actor,
                    &summary,
                    lend(&mut watcher),
                )
            });
            // A callback that raised stopped the import: its error is raised.
            progress.finish(py)?;
            applied_dict(py, applied?)
        })
    }
}

impl PyStore {
    /// What readers of `formats` need of the store ([`partnercrm::io::known`]).
    pub(crate) fn known(
        &self,
        py: Python<'_>,
        formats: &[partnercrm::io::Format],
    ) -> PyResult<Dataset> {
        self.with_store(py, |store| partnercrm::io::known(store, formats))
    }

    fn lock(&self) -> PyResult<MutexGuard<'_, Store>> {
        // A panic cannot leave the store half-written (every write is a
        // transaction), so a poisoned lock is safe to take over.
        Ok(self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Runs `work` on the store with the GIL released.
    fn with_store<R: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&mut Store) -> partnercrm::Result<R> + Send,
    ) -> PyResult<R> {
        py.detach(|| {
            let mut store = self
                .inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut store)
        })
        .py_err()
    }

    /// The records of `kinds`, now or at `as_of`, in one snapshot.
    fn read_dataset(
        &self,
        py: Python<'_>,
        kinds: &[RecordKind],
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Dataset> {
        let at = as_of.map(|a| moment(a, "as_of")).transpose()?;
        self.with_store(py, |store| store.dataset_of(kinds, at))
    }
}

#[pymethods]
impl PyStore {
    /// Opens (or creates) the store at `path`; with no path, the embedded
    /// default: `$PARTNERCRM_DB`, else `partnercrm.db`. A write waits up to
    /// `busy_timeout` seconds (30 by default) for another writer, then
    /// raises `BusyError`.
    #[new]
    #[pyo3(signature = (path=None, *, busy_timeout=None, office=None))]
    fn new(
        py: Python<'_>,
        path: Option<FilePath>,
        busy_timeout: Option<Number>,
        office: Option<Text>,
    ) -> PyResult<Self> {
        guard(|| {
            // SQLite counts its busy timeout in i32 milliseconds, and the
            // backend's rusqlite panics past that ("too big"); until the
            // store refuses it itself, the limit is checked here.
            const MAX_BUSY_SECONDS: f64 = i32::MAX as f64 / 1000.0;
            let timeout = busy_timeout
                .map(|Number(seconds)| {
                    std::time::Duration::try_from_secs_f64(seconds)
                        .ok()
                        .filter(|_| seconds <= MAX_BUSY_SECONDS)
                        .ok_or_else(|| {
                            parse_error(format!(
                                "busy_timeout must be a number of seconds from 0 to \
                                 {MAX_BUSY_SECONDS} (about 24 days), not {seconds}"
                            ))
                        })
                })
                .transpose()?;
            let path = path.map_or_else(partnercrm::store::default_path, |p| p.0);
            let store = py
                .detach(|| {
                    let mut store = Store::open(&path)?;
                    if let Some(timeout) = timeout {
                        store.set_busy_timeout(timeout)?;
                    }
                    if let Some(office) = office.as_deref() {
                        store.set_office(Some(office))?;
                    }
                    Ok(store)
                })
                .py_err()?;
            Ok(Self {
                path: store.location().to_owned(),
                inner: Mutex::new(store),
            })
        })
    }

    /// A store in memory, gone when the object is.
    #[classmethod]
    fn in_memory(_cls: &Bound<'_, PyType>) -> PyResult<Self> {
        guard(|| {
            let store = Store::in_memory().py_err()?;
            Ok(Self {
                path: store.location().to_owned(),
                inner: Mutex::new(store),
            })
        })
    }

    /// The file the store lives in, `":memory:"`, or its PostgreSQL URL
    /// without the password.
    #[getter]
    fn path(&self) -> PyResult<&str> {
        guard(|| Ok(self.path.as_str()))
    }

    /// The file's schema version.
    #[getter]
    fn schema_version(&self) -> PyResult<i64> {
        guard(|| self.lock()?.schema_version().py_err())
    }

    /// Inserts or updates records, all in one revision by `actor`.
    #[pyo3(signature = (*records, actor="python", summary=None))]
    fn add<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyTuple>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        summary: Option<Text>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let mut data = Dataset::new();
            for record in records.iter() {
                push_record(&record, &mut data)?;
            }
            let summary = summary.map_or_else(|| format!("add {} records", data.len()), |s| s.0);
            let applied = self.with_store(py, |store| {
                store.apply(Batch::upsert_all(data), actor, &summary)
            })?;
            applied_dict(py, applied)
        })
    }

    /// Deletes records, all in one revision. Refused if others still refer to them.
    #[pyo3(signature = (*records, actor="python"))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyTuple>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let mut batch = Batch::new();
            for record in records.iter() {
                batch.deletes.push(reference_of(&record)?);
            }
            let summary = format!("delete {} records", batch.deletes.len());
            let applied = self.with_store(py, |store| store.apply(batch, actor, &summary))?;
            applied_dict(py, applied)
        })
    }

    /// Upserts `upserts` and deletes `deletes` together: all of it, or none.
    #[pyo3(signature = (upserts=Vec::new(), deletes=Vec::new(), *, actor="python", summary="apply"))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = list_arg)] upserts: Vec<Bound<'py, PyAny>>,
        #[pyo3(from_py_with = list_arg)] deletes: Vec<Bound<'py, PyAny>>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        #[pyo3(from_py_with = str_arg)] summary: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let mut batch = Batch::new();
            for record in &upserts {
                push_record(record, &mut batch.upserts)?;
            }
            for record in &deletes {
                batch.deletes.push(reference_of(record)?);
            }
            let applied = self.with_store(py, |store| store.apply(batch, actor, summary))?;
            applied_dict(py, applied)
        })
    }

    /// Upserts a whole data set; importing the same data twice changes nothing.
    #[pyo3(signature = (dataset, actor="python"))]
    fn import_dataset<'py>(
        &self,
        py: Python<'py>,
        dataset: &Bound<'py, PyDataset>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let data = dataset.borrow().inner.clone();
            let applied = self.with_store(py, |store| store.import(data, actor))?;
            applied_dict(py, applied)
        })
    }

    /// Reads a `partnercrm/1` JSON document and upserts it; `progress` as
    /// for `import_csv`.
    #[pyo3(signature = (path, actor="python", progress=None))]
    fn import_json<'py>(
        &self,
        py: Python<'py>,
        path: FilePath,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            use partnercrm::progress::{lend, read_at_once};
            let summary = format!("import {}", path.display());
            let mut progress = Progress::new(py, progress)?;
            let applied = self.with_store(py, |store| {
                let mut watcher = progress.watcher();
                let data = read_at_once(
                    &mut lend(&mut watcher),
                    || partnercrm::io::json::read(&path),
                    Dataset::len,
                )?;
                store.apply_watched(Batch::upsert_all(data), actor, &summary, lend(&mut watcher))
            });
            progress.finish(py)?;
            applied_dict(py, applied?)
        })
    }

    /// Imports a CSV file of `kind` (see `partnercrm.CSV_KINDS`; by default
    /// the one its header shows), all or nothing. Names resolve against the
    /// stored records; `mapping` renames columns (`{"Geber": "donor"}`), and
    /// the keyword options say how the file is written: `locale` (`"en"`,
    /// `"de"`, `"fr"`), `decimal`, `thousands` and `date_format` over it,
    /// `delimiter` (detected by default), `encoding` (`"windows-1252"`,
    /// `"latin-1"`), `constants` (`{"kind": "cash"}`), `values`
    /// (`{"kind": {"Spende": "cash"}}`) and `ignore` (columns left unread).
    /// Every bad cell raises together in one `ValidationError`, located as
    /// `file[line].column`. Importing the same file again changes nothing.
    /// `progress=True` shows a progress bar; a callable is called with the
    /// rows read so far.
    #[pyo3(signature = (path, kind=None, mapping=None, actor="python", progress=None, *, locale=None, decimal=None, thousands=None, date_format=None, delimiter=None, encoding=None, constants=None, values=None, ignore=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_csv<'py>(
        &self,
        py: Python<'py>,
        path: FilePath,
        kind: Option<Text>,
        mapping: Option<std::collections::HashMap<Text, Text>>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        progress: Option<&Bound<'py, PyAny>>,
        locale: Option<Text>,
        decimal: Option<Text>,
        thousands: Option<Text>,
        date_format: Option<Text>,
        delimiter: Option<Text>,
        encoding: Option<Text>,
        constants: Option<std::collections::HashMap<Text, Text>>,
        values: Option<std::collections::HashMap<Text, std::collections::HashMap<Text, Text>>>,
        ignore: Option<Vec<Text>>,
    ) -> PyResult<Bound<'py, PyDict>> {
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
        self.import_sheet(py, path, kind, None, options, actor, progress)
    }

    /// Imports a sheet of a workbook (`.xlsx`, `.xls`, `.ods`; the first
    /// sheet, or `sheet`) as `import_csv` imports a file, with the same
    /// options: numbers and dates are read as the workbook types them, and
    /// problems are located as `file.xlsx!Sheet1!C7`.
    #[pyo3(signature = (path, kind=None, sheet=None, mapping=None, actor="python", progress=None, *, locale=None, decimal=None, thousands=None, date_format=None, delimiter=None, encoding=None, constants=None, values=None, ignore=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_excel<'py>(
        &self,
        py: Python<'py>,
        path: FilePath,
        kind: Option<Text>,
        sheet: Option<Text>,
        mapping: Option<std::collections::HashMap<Text, Text>>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        progress: Option<&Bound<'py, PyAny>>,
        locale: Option<Text>,
        decimal: Option<Text>,
        thousands: Option<Text>,
        date_format: Option<Text>,
        delimiter: Option<Text>,
        encoding: Option<Text>,
        constants: Option<std::collections::HashMap<Text, Text>>,
        values: Option<std::collections::HashMap<Text, std::collections::HashMap<Text, Text>>>,
        ignore: Option<Vec<Text>>,
    ) -> PyResult<Bound<'py, PyDict>> {
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
        self.import_sheet(py, path, kind, sheet, options, actor, progress)
    }

    /// One kind's records as its import reads them (`"organisations"`):
    /// written with `Table.to_csv` or `Table.to_excel`, they import back
    /// into this store changing nothing.
    #[pyo3(signature = (kind, as_of=None))]
    fn kind_table(
        &self,
        py: Python<'_>,
        kind: Text,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTable> {
        guard(|| {
            let kind: partnercrm::io::csv::CsvKind = kind.parse().py_err()?;
            let data = self.read_dataset(py, kind.known_kinds(), as_of)?;
            crate::dataset::kind_table_of(py, &data, kind)
        })
    }

    /// Imports an IATI activities file, all or nothing: organisations
    /// resolve against the stored ones (by org-id, then name), projects by
    /// IATI identifier, and ids derive from content, so importing the same
    /// file again changes nothing. The returned `warnings` start with what
    /// the file held that could not be imported, located by XPath.
    #[pyo3(signature = (path, actor="python", progress=None))]
    fn import_iati<'py>(
        &self,
        py: Python<'py>,
        path: FilePath,
        #[pyo3(from_py_with = str_arg)] actor: &str,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            use partnercrm::progress::{lend, read_at_once};
            let summary = format!("import IATI {}", path.display());
            let mut progress = Progress::new(py, progress)?;
            let applied = self.with_store(py, |store| {
                let known = partnercrm::io::known(store, &[partnercrm::io::Format::Iati])?;
                let mut watcher = progress.watcher();
                let mut import = read_at_once(
                    &mut lend(&mut watcher),
                    || partnercrm::io::iati::read_file(&path, &known),
                    |import| import.data.len(),
                )?;
                let mut applied =
                    store.apply_watched(import.batch(), actor, &summary, lend(&mut watcher))?;
                let mut warnings = import.warnings;
                warnings.extend(std::mem::take(&mut applied.warnings));
                applied.warnings = partnercrm::Report::new(warnings);
                Ok(applied)
            });
            progress.finish(py)?;
            applied_dict(py, applied?)
        })
    }

    /// The record of class `kind` with this id, or `None`.
    fn get<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyAny>,
        id: Text,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let uuid = uuid::Uuid::parse_str(&id)
                .map_err(|e| parse_error(format!("{:?} is not an id: {e}", &*id)))?;
            let store = self.lock()?;
            fn get<'py, T: Wrap>(
                py: Python<'py>,
                store: &Store,
                uuid: uuid::Uuid,
            ) -> PyResult<Bound<'py, PyAny>> {
                match store.get::<T>(T::Id::from(uuid)).py_err()? {
                    Some(record) => record.wrap(py),
                    None => Ok(py.None().into_bound(py)),
                }
            }
            match kind_of_class(kind)? {
                RecordKind::Organisation => get::<Organisation>(py, &store, uuid),
                RecordKind::Person => get::<Person>(py, &store, uuid),
                RecordKind::Agreement => get::<Agreement>(py, &store, uuid),
                RecordKind::Contribution => get::<Contribution>(py, &store, uuid),
                RecordKind::Project => get::<Project>(py, &store, uuid),
                RecordKind::Indicator => get::<Indicator>(py, &store, uuid),
                RecordKind::Group => get::<Group>(py, &store, uuid),
                RecordKind::Note => get::<Note>(py, &store, uuid),
            }
        })
    }

    /// Every record of class `kind`, as recorded now or at `as_of`.
    #[pyo3(signature = (kind, as_of=None))]
    fn all<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let kind = kind_of_class(kind)?;
            records_of(py, &self.read_dataset(py, &[kind], as_of)?, kind)
        })
    }

    /// Records of class `kind` one of whose names, acronyms, aliases or
    /// identifiers holds `name`, ignoring case: whole matches first.
    fn find<'py>(
        &self,
        py: Python<'py>,
        kind: &Bound<'py, PyAny>,
        name: Text,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let store = self.lock()?;
            fn find<'py, T: Wrap>(
                py: Python<'py>,
                store: &Store,
                name: &str,
            ) -> PyResult<Bound<'py, PyList>> {
                let found: Vec<T> = store.find(name).py_err()?;
                PyList::new(
                    py,
                    found
                        .into_iter()
                        .map(|r| r.wrap(py))
                        .collect::<PyResult<Vec<_>>>()?,
                )
            }
            match kind_of_class(kind)? {
                RecordKind::Organisation => find::<Organisation>(py, &store, &name),
                RecordKind::Person => find::<Person>(py, &store, &name),
                RecordKind::Agreement => find::<Agreement>(py, &store, &name),
                RecordKind::Contribution => find::<Contribution>(py, &store, &name),
                RecordKind::Project => find::<Project>(py, &store, &name),
                RecordKind::Indicator => find::<Indicator>(py, &store, &name),
                RecordKind::Group => find::<Group>(py, &store, &name),
                RecordKind::Note => find::<Note>(py, &store, &name),
            }
        })
    }

    /// The organisation with this external identifier, e.g. `"XM-DAC-47066"`, or `None`.
    fn by_identifier<'py>(&self, py: Python<'py>, value: Text) -> PyResult<Bound<'py, PyAny>> {
        guard(
            || match self.lock()?.organisation_by_identifier(&value).py_err()? {
                Some(org) => org.wrap(py),
                None => Ok(py.None().into_bound(py)),
            },
        )
    }

    /// The whole data set, as recorded now or at `as_of` (a datetime).
    #[pyo3(signature = (as_of=None))]
    fn dataset(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<PyDataset> {
        guard(|| {
            Ok(PyDataset {
                inner: self.read_dataset(py, &RecordKind::ALL, as_of)?,
            })
        })
    }

    /// One table, e.g. `"contributions"`, as recorded now or at `as_of`.
    #[pyo3(signature = (name, as_of=None))]
    fn table(
        &self,
        py: Python<'_>,
        name: Text,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyTable> {
        guard(|| {
            let at = as_of.map(|a| moment(a, "as_of")).transpose()?;
            // The store makes it (from a cursor, a chunk at a time, on PostgreSQL).
            let batch = self.with_store(py, |store| store.table(&name, at))?;
            Ok(PyTable::new(&*name, batch))
        })
    }

    /// Contribution totals of the stored data set (now or at `as_of`); see `Dataset.rollup`.
    #[pyo3(signature = (group_by=None, rates=None, as_of=None, *, undated="row", placement="start"))]
    fn rollup(
        &self,
        py: Python<'_>,
        group_by: Option<&Bound<'_, PyAny>>,
        rates: Option<PyRef<'_, crate::rates::PyRateTable>>,
        as_of: Option<&Bound<'_, PyAny>>,
        undated: &str,
        placement: &str,
    ) -> PyResult<PyTable> {
        guard(|| {
            let dimensions = crate::dataset::dimensions(group_by)?;
            let options = crate::dataset::rollup_options(undated, placement)?;
            let at = as_of.map(|a| moment(a, "as_of")).transpose()?;
            let rates = rates.as_ref().map(|r| &r.inner);
            // The store totals it where it can (PostgreSQL), else reads what it needs.
            let batch = self.with_store(py, |store| {
                partnercrm::query::rollup::rollup_stored(store, &dimensions, rates, options, at)
                    .and_then(|r| partnercrm::query::tables::rollup_table(&r))
            })?;
            Ok(PyTable::new("rollup", batch))
        })
    }

    /// The rates a converted rollup of the stored data set used; see `Dataset.rollup_rates`.
    #[pyo3(signature = (group_by=None, *, rates, as_of=None, undated="row", placement="start"))]
    fn rollup_rates(
        &self,
        py: Python<'_>,
        group_by: Option<&Bound<'_, PyAny>>,
        rates: PyRef<'_, crate::rates::PyRateTable>,
        as_of: Option<&Bound<'_, PyAny>>,
        undated: &str,
        placement: &str,
    ) -> PyResult<PyTable> {
        guard(|| {
            let dimensions = crate::dataset::dimensions(group_by)?;
            let data = self.read_dataset(py, partnercrm::query::rollup::KINDS, as_of)?;
            crate::dataset::rollup_rates_of(
                py,
                &data,
                &dimensions,
                &rates.inner,
                (undated, placement),
            )
        })
    }

    /// Every problem in the stored data set (warnings; errors cannot be stored).
    fn validate(&self, py: Python<'_>) -> PyResult<Vec<PyProblem>> {
        guard(|| {
            let report = self.with_store(py, |store| store.validate())?;
            Ok(report.into_iter().map(PyProblem::from).collect())
        })
    }

    /// Every revision: number, recorded_at, actor, summary.
    fn revisions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let revisions = self.lock()?.revisions().py_err()?;
            let list = PyList::empty(py);
            for revision in &revisions {
                list.append(revision_dict(py, revision)?)?;
            }
            Ok(list)
        })
    }

    /// Every recorded change to a record: when, who, what, and the record before and after.
    fn history<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let reference = reference_of(record)?;
            let store = self.lock()?;
            fn changes<'py, T: Wrap>(
                py: Python<'py>,
                store: &Store,
                uuid: uuid::Uuid,
            ) -> PyResult<Bound<'py, PyList>> {
                change_dicts(py, store.history::<T>(T::Id::from(uuid)).py_err()?)
            }
            match reference.kind {
                RecordKind::Organisation => changes::<Organisation>(py, &store, reference.id),
                RecordKind::Person => changes::<Person>(py, &store, reference.id),
                RecordKind::Agreement => changes::<Agreement>(py, &store, reference.id),
                RecordKind::Contribution => changes::<Contribution>(py, &store, reference.id),
                RecordKind::Project => changes::<Project>(py, &store, reference.id),
                RecordKind::Indicator => changes::<Indicator>(py, &store, reference.id),
                RecordKind::Group => changes::<Group>(py, &store, reference.id),
                RecordKind::Note => changes::<Note>(py, &store, reference.id),
            }
        })
    }

    /// Removes a person's name and contact details from the record, its
    /// history and the notes about them, keeping a tombstone.
    #[pyo3(signature = (person, actor="python"))]
    fn erase_person(
        &self,
        py: Python<'_>,
        person: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<()> {
        guard(|| {
            let id = person_id(person)?;
            self.with_store(py, |store| store.erase_person(id, actor))
        })
    }

    /// Everything held about a person, as a dict (person, history, notes).
    fn export_person<'py>(
        &self,
        py: Python<'py>,
        person: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let id = person_id(person)?;
            let export = self.lock()?.export_person(id).py_err()?;
            to_python(py, &record_json(&export)?)
        })
    }

    /// Folds the duplicate `remove` into `keep` (two records of one kind):
    /// whatever referred to `remove` now refers to `keep`, and `remove` is
    /// deleted, in one revision. Returns what was applied; its `revision`
    /// identifies the merge for `undo_merge`.
    #[pyo3(signature = (keep, remove, actor="python"))]
    fn merge<'py>(
        &self,
        py: Python<'py>,
        keep: &Bound<'py, PyAny>,
        remove: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let (keep, remove) = (reference_of(keep)?, reference_of(remove)?);
            if keep.kind != remove.kind {
                return Err(parse_error(format!(
                    "cannot merge a {} into a {}",
                    remove.kind, keep.kind
                )));
            }
            let applied = self.with_store(py, |store| match keep.kind {
                RecordKind::Organisation => {
                    store.merge::<Organisation>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Person => {
                    store.merge::<Person>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Agreement => {
                    store.merge::<Agreement>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Contribution => {
                    store.merge::<Contribution>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Project => {
                    store.merge::<Project>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Indicator => {
                    store.merge::<Indicator>(keep.id.into(), remove.id.into(), actor)
                }
                RecordKind::Group => store.merge::<Group>(keep.id.into(), remove.id.into(), actor),
                RecordKind::Note => store.merge::<Note>(keep.id.into(), remove.id.into(), actor),
            })?;
            applied_dict(py, applied)
        })
    }

    /// Reverses the merge recorded as `revision`, if nothing it changed has changed since.
    #[pyo3(signature = (revision, actor="python"))]
    fn undo_merge<'py>(
        &self,
        py: Python<'py>,
        revision: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let Ok(revision) = int_of::<i64>(revision, "revision")? else {
                // Revisions count up from 1 in an i64: this names none.
                return Err(crate::errors::to_py(partnercrm::Error::Conflict {
                    message: format!(
                        "revision {revision} is not a merge: there is no such revision"
                    ),
                }));
            };
            let applied = self.with_store(py, |store| store.undo_merge(revision, actor))?;
            applied_dict(py, applied)
        })
    }

    /// The id a merged record now lives on as, or `None` if it was not merged.
    fn merged_into(&self, py: Python<'_>, id: Text) -> PyResult<Option<String>> {
        guard(|| {
            let uuid = uuid::Uuid::parse_str(&id)
                .map_err(|e| parse_error(format!("{:?} is not an id: {e}", &*id)))?;
            Ok(self
                .with_store(py, |store| store.merged_into(uuid))?
                .map(|u| u.to_string()))
        })
    }

    /// The offices of a shared PostgreSQL store, headquarters first: each a
    /// dict of name, reader_role, editor_role, readers and editors.
    fn offices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let offices = self.with_store(py, |store| store.offices())?;
            let list = PyList::empty(py);
            for office in offices {
                list.append(office_dict(py, office)?)?;
            }
            Ok(list)
        })
    }

    /// Makes an office with its reader and editor roles (the store's
    /// administrator only); returns it as `offices()` lists it.
    fn create_office<'py>(&self, py: Python<'py>, name: Text) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let office = self.with_store(py, |store| store.create_office(&name))?;
            office_dict(py, office)
        })
    }

    /// Gives a PostgreSQL role `"reader"` or `"editor"` rights on an office
    /// (the store's administrator only).
    fn grant(&self, py: Python<'_>, office: Text, role: Text, access: Text) -> PyResult<()> {
        guard(|| {
            let access: Access = access.parse().py_err()?;
            self.with_store(py, |store| store.grant(&office, &role, access))
        })
    }

    /// Takes every right on an office from a role (the store's administrator only).
    fn revoke(&self, py: Python<'_>, office: Text, role: Text) -> PyResult<()> {
        guard(|| self.with_store(py, |store| store.revoke(&office, &role)))
    }

    /// Chooses the office new records go to; `None`: the one the role edits.
    #[pyo3(signature = (office))]
    fn set_office(&self, py: Python<'_>, office: Option<Text>) -> PyResult<()> {
        guard(|| self.with_store(py, |store| store.set_office(office.as_deref())))
    }

    /// Moves a record (with its history) to an office, or with `None`
    /// shares an organisation or group with every office; returns the
    /// revision, or `None` if it was there already.
    #[pyo3(signature = (record, office, actor="python"))]
    fn move_record(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        office: Option<Text>,
        #[pyo3(from_py_with = str_arg)] actor: &str,
    ) -> PyResult<Option<i64>> {
        guard(|| {
            let record = reference_of(record)?;
            self.with_store(py, |store| {
                store.move_record(record, office.as_deref(), actor)
            })
        })
    }

    /// The office a record belongs to; `None` when it is shared.
    fn office_of(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        guard(|| {
            let record = reference_of(record)?;
            self.with_store(py, |store| store.office_of(record))
        })
    }

    /// Copies the store to a new file while it stays in use.
    fn backup(&self, py: Python<'_>, path: FilePath) -> PyResult<()> {
        guard(|| self.with_store(py, |store| store.backup(&path)))
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| Ok(format!("Store({:?})", self.path)))
    }
}

fn office_dict<'py>(
    py: Python<'py>,
    office: partnercrm::store::Office,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("name", office.name)?;
    dict.set_item("reader_role", office.reader_role)?;
    dict.set_item("editor_role", office.editor_role)?;
    dict.set_item("readers", office.readers)?;
    dict.set_item("editors", office.editors)?;
    Ok(dict)
}

fn person_id(person: &Bound<'_, PyAny>) -> PyResult<PersonId> {
    let reference = reference_of(person)?;
    if reference.kind != RecordKind::Person {
        return Err(parse_error(format!(
            "expected a Person, got a {}",
            reference.kind
        )));
    }
    Ok(PersonId::from(reference.id))
}

// Keeps the generic helper's bound honest: every record kind can be wrapped.
const _: fn() = || {
    fn wraps<T: Wrap + Record>() {}
    wraps::<Organisation>();
};
