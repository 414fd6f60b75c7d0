//! `partnercrm`: the partnership CRM from the command line.
//!
//! Argument parsing and printing only; every rule and computation lives in
//! the `partnercrm` crate. Files come in as `partnercrm/1` JSON, CSV or IATI
//! 2.03 XML (`input`, which places every problem at its line in its file) and
//! go out as JSON, CSV or IATI XML (`commands::export`). Errors are one line on stderr
//! (`partnercrm: error: ...`) and exit code 1; usage errors exit 2, as clap
//! does.

mod cli;
mod commands;
mod input;
mod output;

use std::io::Write;
use std::process::ExitCode;

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

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            // One line, whatever the message holds.
            let line = message.replace('\n', "; ");
            let _ = writeln!(std::io::stderr(), "partnercrm: error: {line}");
            ExitCode::FAILURE
        }
    }
}
