//! Progress of long imports, reported to a Python callable.

use pyo3::prelude::*;

/// A Python progress callback, called with the rows read so far. The core
/// calls it with the GIL released, so each call attaches; the first error
/// it raises stops further calls and is raised once the read is over,
/// before anything is stored.
pub(crate) struct Progress {
    callback: Option<Py<PyAny>>,
    error: Option<PyErr>,
}

impl Progress {
    /// `True` shows a progress bar (`partnercrm.progress.RowsBar`), a
    /// callable is called, `None` or `False` reports nothing.
    pub(crate) fn new(py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let callback = match progress {
            None => None,
            Some(p) if p.is_none() => None,
            Some(p) if p.is_instance_of::<pyo3::types::PyBool>() => {
                if p.is_truthy()? {
                    let bar = py.import("partnercrm.progress")?.getattr("RowsBar")?;
                    Some(bar.call0()?.unbind())
                } else {
                    None
                }
            }
            Some(p) if p.is_callable() => Some(p.clone().unbind()),
            Some(p) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "progress must be True, False, None or a callable taking the rows read, not {}",
                    p.get_type().name()?
                )));
            }
        };
        Ok(Self {
            callback,
            error: None,
        })
    }

    pub(crate) fn report(&mut self, rows: usize) {
        let (Some(callback), None) = (&self.callback, &self.error) else {
            return;
        };
        if let Err(e) = Python::attach(|py| callback.call1(py, (rows,)).map(drop)) {
            self.error = Some(e);
        }
    }

    /// Whether the callback raised, so the import must stop.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Closes a bar that has a `close` method, and raises the callback's error.
    pub(crate) fn finish(self, py: Python<'_>) -> PyResult<()> {
        if let Some(callback) = &self.callback {
            let callback = callback.bind(py);
            if callback.hasattr("close")? {
                callback.call_method0("close")?;
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
