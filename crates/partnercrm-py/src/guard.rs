//! The last line of defence: a panic inside a Python call is a bug, and it
//! reaches Python as `InternalError` (a `PartnerCrmError`) saying so, with
//! the panic's message and where it happened, never as pyo3's
//! `PanicException`, which derives from `BaseException` and so escapes
//! `except Exception` and most test runners' and notebooks' handling.
//!
//! Every `#[pymethods]` and `#[pyfunction]` body runs inside [`guard`].
//! pyo3 has no hook for this (its trampoline turns a panic into
//! `PanicException`), so the bodies call it themselves; the test
//! `test_every_public_call_is_guarded` arms [`_panic_for_tests`] and calls
//! each public method to prove none was missed.
//!
//! Panics must unwind for this to work: no profile may set `panic = "abort"`.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};

use pyo3::prelude::*;

use crate::errors::InternalError;

/// Where the latest panic happened, as the panic hook saw it. The hook runs
/// on the panicking thread, which may be a worker the core fans work out
/// to, so the location is kept here rather than in a thread-local. Two
/// threads panicking at once could swap locations; the messages stay right.
static LAST_LOCATION: Mutex<Option<String>> = Mutex::new(None);

/// Set by `_panic_for_tests(next_call=True)`: the next guarded call panics.
static PANIC_ON_NEXT_CALL: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// How many guarded calls this thread is inside.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
}

/// Installs the panic hook that records where a panic happened. A panic on
/// a thread inside a guarded call is reported by its `InternalError` alone;
/// any other still goes to the previous hook (which prints it).
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            *LAST_LOCATION.lock().unwrap_or_else(PoisonError::into_inner) = location;
            if GUARDED.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs the body of a Python call, turning a panic into `InternalError`.
///
/// `AssertUnwindSafe` is sound here: the store's writes are transactions
/// and its lock is taken over when poisoned, and what else a body touches
/// is its own arguments and locals, which the caller sees again only
/// through the object a failed method left as it was (`Dataset` methods
/// build the new state before they replace the old).
pub fn guard<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    GUARDED.with(|depth| depth.set(depth.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        if PANIC_ON_NEXT_CALL.load(Ordering::Relaxed)
            && PANIC_ON_NEXT_CALL.swap(false, Ordering::Relaxed)
        {
            panic!("a panic asked for by _panic_for_tests(next_call=True)");
        }
        body()
    }));
    GUARDED.with(|depth| depth.set(depth.get() - 1));
    outcome.unwrap_or_else(|payload| Err(internal_error(payload.as_ref())))
}

/// The `InternalError` for a panic's payload and the recorded location.
fn internal_error(payload: &(dyn std::any::Any + Send)) -> PyErr {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    let location = LAST_LOCATION
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or_else(|| "an unknown place".to_owned());
    InternalError::new_err(format!(
        "internal error: {message} at {location} (this is a bug in partnercrm {}; \
         please report it at {}/issues)",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY"),
    ))
}

/// Panics inside a guarded call, to test the guard; with `next_call=True`,
/// makes the next guarded call panic instead, to test that a call is
/// guarded. Not part of the API.
#[pyfunction]
#[pyo3(signature = (next_call=false))]
pub fn _panic_for_tests(next_call: bool) -> PyResult<()> {
    guard(|| {
        if next_call {
            PANIC_ON_NEXT_CALL.store(true, Ordering::Relaxed);
            Ok(())
        } else {
            panic!("a panic asked for by _panic_for_tests()")
        }
    })
}
