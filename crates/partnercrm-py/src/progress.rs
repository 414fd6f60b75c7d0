//! Progress of long imports, reported to a Python callable as
//! `partnercrm.progress.Step`s (the core's [`partnercrm::progress::Step`]).

use std::ops::ControlFlow;

use partnercrm::progress::Step;
use pyo3::prelude::*;

/// A Python progress callback, called with each step. The core calls it
/// with the GIL released, so each call attaches; the first error it raises
/// stops the import (the core gets a break, and stores nothing) and is
/// raised by [`Progress::finish`].
pub(crate) struct Progress {
    callback: Option<Py<PyAny>>,
    /// `partnercrm.progress.Step`, looked up once.
    step: Option<Py<PyAny>>,
    error: Option<PyErr>,
}

impl Progress {
    /// `True` shows progress as `partnercrm.progress.show()` chooses (a
    /// tqdm bar in a notebook or on a terminal, plain lines otherwise), a
    /// callable is called, `None` or `False` reports nothing.
    pub(crate) fn new(py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let module = || py.import("partnercrm.progress");
        let callback = match progress {
            None => None,
            Some(p) if p.is_none() => None,
            Some(p) if p.is_instance_of::<pyo3::types::PyBool>() => {
                if p.is_truthy()? {
                    Some(module()?.getattr("show")?.call0()?.unbind())
                } else {
                    None
                }
            }
            Some(p) if p.is_callable() => Some(p.clone().unbind()),
            Some(p) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "progress must be True, False, None or a callable taking a partnercrm.progress.Step, not {}",
                    p.get_type().name()?
                )));
            }
        };
        let step = match callback {
            Some(_) => Some(module()?.getattr("Step")?.unbind()),
            None => None,
        };
        Ok(Self {
            callback,
            step,
            error: None,
        })
    }

    /// Tells the callback of one step; breaks once it has raised.
    pub(crate) fn step(&mut self, step: Step) -> ControlFlow<()> {
        if self.error.is_some() {
            return ControlFlow::Break(());
        }
        let (Some(callback), Some(class)) = (&self.callback, &self.step) else {
            return ControlFlow::Continue(());
        };
        let told = Python::attach(|py| {
            let step = class.call1(py, (step.phase.as_str(), step.done, step.total, step.unit))?;
            callback.call1(py, (step,)).map(drop)
        });
        match told {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    /// A watcher for the core's readers and store (lend it to each with
    /// [`partnercrm::progress::lend`]), if a callback was given.
    pub(crate) fn watcher(&mut self) -> Option<impl FnMut(Step) -> ControlFlow<()> + Send + '_> {
        self.callback.is_some().then_some(|step| self.step(step))
    }

    /// Closes a bar that has a `close` method, and raises the callback's
    /// error: call it before raising the import's own, which is then only
    /// [`partnercrm::Error::Stopped`].
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
