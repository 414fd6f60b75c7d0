//! `partnercrm`: the partnership CRM from the command line.
//!
//! Argument parsing and printing only; every rule and computation lives in
//! the `partnercrm` crate. Files come in as `partnercrm/1` JSON, CSV or IATI
//! 2.03 XML (`input`, which places every problem at its line in its file) and
//! go out as JSON, CSV or IATI XML (`commands::export`). Errors are one line on stderr
//! (`partnercrm: error: ...`) and exit code 1; usage errors exit 2, as clap
//! does. A panic is a bug: one line, `partnercrm: internal error: ... (this
//! is a bug ...)`, and exit code 70 (`EX_SOFTWARE` in sysexits.h).

mod cli;
mod commands;
mod input;
mod output;
mod progress;

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use clap::Parser;

/// Why a command failed, as one line for stderr.
#[derive(Debug)]
pub enum Failure {
    /// A message for the user.
    Message(String),
    /// stdout was closed (e.g. piped into `head`): stop quietly.
    BrokenPipe,
}

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self::Message(message.into())
    }
}

impl From<partnercrm::Error> for Failure {
    fn from(error: partnercrm::Error) -> Self {
        match error {
            partnercrm::Error::Invalid(report) => Self::Message(format!(
                "{} errors, {} warnings; nothing was written: {}",
                report.errors().count(),
                report.warnings().count(),
                report
                    .errors()
                    .map(|p| format!("{}: {} ({})", p.path, p.message, p.code))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => Self::Message(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Message(error.to_string())
        }
    }
}

/// `Result` with a [`Failure`].
pub type CliResult<T = ()> = Result<T, Failure>;

/// The exit code of a bug: `EX_SOFTWARE`, "an internal software error".
const EXIT_INTERNAL_ERROR: u8 = 70;

/// Where the latest panic happened. The hook records it on whichever thread
/// panicked (the core reads large files on worker threads); `main` reports it.
static PANIC_LOCATION: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::SHOW_IDS.store(cli.ids, std::sync::atomic::Ordering::Relaxed);
    // Rust's own report of a panic is several lines and a backtrace hint;
    // ours is the one line below. RUST_BACKTRACE=1 brings Rust's back.
    let rust_report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *PANIC_LOCATION
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            rust_report(info);
        }
    }));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        panic_if_asked_for_tests();
        commands::run(cli)
    }));
    match outcome {
        Ok(Ok(())) | Ok(Err(Failure::BrokenPipe)) => ExitCode::SUCCESS,
        Ok(Err(Failure::Message(message))) => {
            // One line, whatever the message holds.
            let line = message.replace('\n', "; ");
            let _ = writeln!(std::io::stderr(), "partnercrm: error: {line}");
            ExitCode::FAILURE
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("a panic without a message")
                .replace('\n', "; ");
            let location = PANIC_LOCATION
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .unwrap_or_else(|| "an unknown place".to_owned());
            let _ = writeln!(
                std::io::stderr(),
                "partnercrm: internal error: {message} at {location} (this is a bug in \
                 partnercrm {}; please report it at {}/issues)",
                env!("CARGO_PKG_VERSION"),
                env!("CARGO_PKG_REPOSITORY"),
            );
            ExitCode::from(EXIT_INTERNAL_ERROR)
        }
    }
}

/// The tests' way to make a panic (tests/cli.rs): debug builds only, and
/// only with `PARTNERCRM_PANIC_FOR_TESTS=yes-panic`, a value nobody sets by
/// accident. Release builds have no such hook.
fn panic_if_asked_for_tests() {
    #[cfg(debug_assertions)]
    if std::env::var_os("PARTNERCRM_PANIC_FOR_TESTS").is_some_and(|v| v == "yes-panic") {
        panic!("a panic asked for by PARTNERCRM_PANIC_FOR_TESTS");
    }
}
