//! Python bindings for partnercrm: conversions and `#[pyclass]` wrappers
//! only. Every rule and computation lives in the core crate.

mod convert;
mod dataset;
mod errors;
mod guard;
mod problem;
mod progress;
mod rates;
mod records;
mod schema;
mod sheets;
mod store;
mod table;
mod typed;

use pyo3::prelude::*;

/// The compiled module behind the `partnercrm` package.
#[pymodule]
fn _partnercrm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    guard::install_hook();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("TABLES", partnercrm::query::tables::TABLES.to_vec())?;
    let csv_kinds = partnercrm::io::csv::CsvKind::ALL.map(|k| k.as_str());
    m.add("CSV_KINDS", csv_kinds.to_vec())?;
    m.add("PartnerCrmError", py.get_type::<errors::PartnerCrmError>())?;
    m.add("ValidationError", py.get_type::<errors::ValidationError>())?;
    m.add("NotFoundError", py.get_type::<errors::NotFoundError>())?;
    m.add("ConflictError", py.get_type::<errors::ConflictError>())?;
    m.add("StorageError", py.get_type::<errors::StorageError>())?;
    m.add("BusyError", py.get_type::<errors::BusyError>())?;
    m.add(
        "PermissionDeniedError",
        py.get_type::<errors::PermissionDeniedError>(),
    )?;
    m.add("ParseError", py.get_type::<errors::ParseError>())?;
    m.add(
        "AmountOverflowError",
        py.get_type::<errors::AmountOverflowError>(),
    )?;
    m.add("RateError", py.get_type::<errors::RateError>())?;
    m.add("UndatedError", py.get_type::<errors::UndatedError>())?;
    m.add(
        "MissingRateError",
        py.get_type::<errors::MissingRateError>(),
    )?;
    m.add("InternalError", py.get_type::<errors::InternalError>())?;
    m.add(
        "AmbiguousNameError",
        py.get_type::<errors::AmbiguousNameError>(),
    )?;
    m.add_class::<problem::PyProblem>()?;
    m.add_class::<records::PyOrganisation>()?;
    m.add_class::<records::PyPerson>()?;
    m.add_class::<records::PyAgreement>()?;
    m.add_class::<records::PyContribution>()?;
    m.add_class::<records::PyProject>()?;
    m.add_class::<records::PyIndicator>()?;
    m.add_class::<records::PyGroup>()?;
    m.add_class::<records::PyNote>()?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_class::<store::PyStore>()?;
    m.add_class::<table::PyTable>()?;
    m.add_class::<rates::PyRateTable>()?;
    m.add_function(wrap_pyfunction!(records::_record_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(schema::_schema, m)?)?;
    m.add_function(wrap_pyfunction!(guard::_panic_for_tests, m)?)?;
    Ok(())
}
