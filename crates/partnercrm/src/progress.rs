//! How far a long job has come: which phase, and how many of its items.
//!
//! An import runs four phases, in order: reading the file (with the names it
//! gives resolved to records), resolving what the batch refers to in the
//! store, validating the batch with that context, and writing it. Readers
//! and the store report [`Step`]s to a watcher, a plain `FnMut(Step)`, and
//! the CLI and the Python package draw them (a bar on a terminal or in a
//! notebook, plain lines in a log); this module decides nothing about
//! drawing.

use std::fmt;
use std::ops::ControlFlow;

use crate::{Error, Result};

/// A phase of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Reading the file's rows or elements, each name resolved as it is read.
    Read,
    /// Fetching the stored records the batch refers to, depends on or
    /// shares a key with.
    Resolve,
    /// Checking the batch with that context.
    Validate,
    /// Writing the batch's records and their history.
    Write,
}

impl Phase {
    /// Every phase, in the order an import runs them.
    pub const ALL: [Self; 4] = [Self::Read, Self::Resolve, Self::Validate, Self::Write];

    /// Its name: `read`, `resolve`, `validate` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Resolve => "resolve",
            Self::Validate => "validate",
            Self::Write => "write",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One report: `done` of the phase's items so far, out of `total` when that
/// is known. Each phase reports once with `done` 0 as it starts, and once
/// with `done` equal to its total as it ends; reads and writes report in
/// between, every [`EVERY`] items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which phase.
    pub phase: Phase,
    /// How many of its items are done.
    pub done: u64,
    /// How many there are, when that is known before the phase ends.
    pub total: Option<u64>,
    /// What it counts, in the plural: `rows` of a CSV file or sheet, else
    /// `records`.
    pub unit: &'static str,
}

impl Step {
    /// Whether this is the phase's last report.
    pub fn is_end(&self) -> bool {
        self.total == Some(self.done)
    }
}

/// How many items a phase handles between two reports.
pub const EVERY: u64 = 10_000;

/// Something told of each step, which may stop the job by breaking (a
/// notebook user's interrupt, say); `None` where nobody watches. A job
/// stopped while it reads or before its write commits stores nothing and
/// fails with [`Error::Stopped`].
pub type Watch<'a> = Option<&'a mut dyn FnMut(Step) -> ControlFlow<()>>;

/// `watcher`, if there is one, as a [`Watch`]: one closure lent to each
/// phase in turn.
pub fn lend<F: FnMut(Step) -> ControlFlow<()>>(watcher: &mut Option<F>) -> Watch<'_> {
    watcher
        .as_mut()
        .map(|f| f as &mut dyn FnMut(Step) -> ControlFlow<()>)
}

/// Tells `watch`, if there is one, of `done` `records`;
/// [`Error::Stopped`] if it breaks.
pub fn tell(watch: &mut Watch<'_>, phase: Phase, done: u64, total: Option<u64>) -> Result<()> {
    tell_of(watch, phase, done, total, "records")
}

/// [`tell`], counting `unit`.
pub fn tell_of(
    watch: &mut Watch<'_>,
    phase: Phase,
    done: u64,
    total: Option<u64>,
    unit: &'static str,
) -> Result<()> {
    let step = Step {
        phase,
        done,
        total,
        unit,
    };
    match watch.as_mut().map(|watch| watch(step)) {
        Some(ControlFlow::Break(())) => Err(Error::Stopped { phase }),
        _ => Ok(()),
    }
}

/// A read that reports nothing between its start and its end (a JSON
/// document, an IATI file): told as it starts, and as it ends with the
/// `records` it gave as the total.
pub fn read_at_once<T>(
    watch: &mut Watch<'_>,
    read: impl FnOnce() -> Result<T>,
    records: impl FnOnce(&T) -> usize,
) -> Result<T> {
    tell(watch, Phase::Read, 0, None)?;
    let out = read()?;
    let n = records(&out) as u64;
    tell(watch, Phase::Read, n, Some(n))?;
    Ok(out)
}

/// A phase's whole run, reported as it starts and as it ends.
pub fn whole<T>(
    watch: &mut Watch<'_>,
    phase: Phase,
    items: u64,
    run: impl FnOnce() -> Result<T>,
) -> Result<T> {
    tell(watch, phase, 0, Some(items))?;
    let out = run()?;
    tell(watch, phase, items, Some(items))?;
    Ok(out)
}
