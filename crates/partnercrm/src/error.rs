//! The crate's error type.

use std::path::PathBuf;

use crate::model::dates::ParseDateError;
use crate::model::money::UnknownCurrency;
use crate::validate::Report;

/// Everything that can go wrong in partnercrm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document is not well-formed JSON, or does not fit the format.
    #[error("invalid document at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A document declares a format version this version cannot read.
    #[error("unsupported document format {found:?}: this version of partnercrm reads {expected:?}")]
    UnsupportedFormat {
        /// The version the document declares, if any.
        found: Option<String>,
        /// The version this build reads.
        expected: &'static str,
    },
    /// An XML document is not well-formed, or is refused as hostile: a
    /// document type declaration (DTD), nesting deeper than the limit, or
    /// input larger than the limit.
    #[error("invalid XML at line {line}, column {column}: {message}")]
    Xml {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A CSV file's structure is broken: a quoted cell opens and the file
    /// ends inside it.
    #[error("invalid CSV at line {line}, column {column}: {message}")]
    Csv {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem, in characters.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A file's bytes are not text partnercrm reads: neither UTF-8 nor
    /// UTF-16 with a byte-order mark (or an XML declaration naming it), but
    /// Latin-1, Windows-1252, UTF-32 or a binary file. Refused, never
    /// guessed: see [`io::text`](crate::io::text).
    #[error("cannot read {} as text at line {line}, column {column}: {message}", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first byte that is not text.
        line: usize,
        /// 1-based column of that byte, in characters.
        column: usize,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// A value could not be parsed.
    #[error("invalid {what} {input:?}: {reason}")]
    Parse {
        /// What was being parsed, e.g. "amount".
        what: &'static str,
        /// The text given.
        input: String,
        /// Why it is not valid.
        reason: String,
    },
    /// A currency code is not in ISO 4217.
    #[error(transparent)]
    UnknownCurrency(#[from] UnknownCurrency),
    /// A date is malformed or does not exist.
    #[error(transparent)]
    Date(#[from] ParseDateError),
    /// Data failed validation; nothing was written.
    #[error("{0}")]
    Invalid(Report),
    /// A change conflicts with what is stored: deleting a record that others
    /// still refer to, or storing a record under a natural key another
    /// record already has.
    #[error("{message}")]
    Conflict {
        /// What conflicts, and how to resolve it.
        message: String,
    },
    /// A record does not exist.
    #[error("{record} does not exist")]
    NotFound {
        /// The record looked for.
        record: crate::model::RecordRef,
    },
    /// No record of a kind answers to a name a user gave.
    #[error("no {kind} is called {name:?}")]
    NoSuchName {
        /// The kind looked for.
        kind: crate::model::RecordKind,
        /// The name as given.
        name: String,
    },
    /// More than one record answers to a name a user gave: each is listed,
    /// so the user can pick one by its id.
    #[error(
        "{name:?} names {} {}s: {}; use an id or a name only one answers to",
        candidates.len(),
        kind,
        candidates.iter().map(|(label, id)| format!("{label} ({id})")).collect::<Vec<_>>().join(", ")
    )]
    AmbiguousName {
        /// The kind looked for.
        kind: crate::model::RecordKind,
        /// The name as given.
        name: String,
        /// Every record that answers to it: its label and id.
        candidates: Vec<(String, uuid::Uuid)>,
    },
    /// A store file was written by a newer version of partnercrm.
    #[error(
        "{path} has schema version {found}, newer than the {supported} this version of partnercrm \
         knows; upgrade partnercrm to open it"
    )]
    SchemaTooNew {
        /// The file.
        path: String,
        /// The file's schema version.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// A file is not a partnercrm store: an SQLite database that holds
    /// something else, or not a database at all. Nothing was changed.
    #[error(
        "{path} is not a partnercrm store: {reason}; name a new file, or a store partnercrm made"
    )]
    NotAStore {
        /// The file.
        path: String,
        /// What it is instead.
        reason: String,
    },
    /// Input over one of the readers' limits on size or nesting.
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What was too big, e.g. "CSV file".
        what: &'static str,
        /// The limit, e.g. "1024 columns".
        limit: String,
    },
    /// Another writer held the store for longer than the busy timeout;
    /// nothing was written. Try again, or raise the timeout.
    #[error(
        "{location} is busy: another writer holds it, and this write waited {:.1} s for it; \
         nothing was written",
        waited.as_secs_f64()
    )]
    Busy {
        /// The store.
        location: String,
        /// How long the write waited.
        waited: std::time::Duration,
    },
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The store cannot do this at all, e.g. offices in an SQLite file.
    #[error("{location}: {what}")]
    Unsupported {
        /// The store.
        location: String,
        /// What it cannot do, and what can.
        what: String,
    },
    /// The PostgreSQL server could not be reached, or failed a request.
    #[error("PostgreSQL error: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// The connecting PostgreSQL role may not do this: read or change a
    /// record of an office it has no rights on, write as a reader, or
    /// manage offices without being the store's administrator. Nothing
    /// was written.
    #[error("permission denied on {location}: {message}")]
    Permission {
        /// The store.
        location: String,
        /// What was refused, and who can do it.
        message: String,
    },
    /// A total, conversion or ratio is beyond the range partnercrm computes in
    /// exactly ([`exact::LIMIT`](crate::model::exact::LIMIT)), so it is
    /// refused rather than given rounded or wrong. `records` are the records
    /// whose figures it combines: the contributions of a rollup row, the
    /// pledge whose payments are summed, the indicators of an outcome.
    #[error(
        "{what} cannot be computed exactly: {limit}; the records involved: {records}",
        limit = crate::model::exact::LIMIT,
        records = list_records(records)
    )]
    Overflow {
        /// The figure, in the user's terms, e.g. "the received total of the
        /// rollup row donor Chevron, in USD".
        what: String,
        /// The records it combines, in the data set's order.
        records: Vec<crate::model::RecordRef>,
    },
    /// A conversion needed rates its table does not have: every one
    /// missing, each with the records that needed it. Never a zero, never
    /// a guess.
    #[error("{}", list_missing(missing))]
    MissingRates {
        /// Each missing rate, with the records converted at it, in the
        /// data set's order.
        missing: Vec<(
            crate::query::rates::MissingRate,
            Vec<crate::model::RecordRef>,
        )>,
    },
    /// A conversion needed a rate for an amount with no date to choose
    /// one by (asked for with [`Undated::Error`](crate::query::rollup::Undated::Error)).
    #[error(
        "{record} has no date, so no {currency}→{target} rate can be chosen; \
         leave undated amounts unconverted in rows of their own, or date it"
    )]
    Undated {
        /// The contribution.
        record: crate::model::RecordRef,
        /// Its currency.
        currency: crate::model::Currency,
        /// The currency converted into.
        target: crate::model::Currency,
    },
    /// A job's watcher stopped it ([`crate::progress::Watch`]); nothing
    /// was stored.
    #[error("stopped while in its {phase} phase; nothing was stored")]
    Stopped {
        /// The phase it was in.
        phase: crate::progress::Phase,
    },
    /// Reading or writing a file failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The server's own message, with its detail and hint, on one line.
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            for extra in [db.detail(), db.hint()].into_iter().flatten() {
                text.push_str("; ");
                text.push_str(extra);
            }
            format!("{text} (SQLSTATE {})", db.code().code())
        }
        None => error.to_string(),
    }
}

/// Up to ten records, then how many more: a rollup row can count millions.
fn list_records(records: &[crate::model::RecordRef]) -> String {
    const SHOWN: usize = 10;
    let mut text = records
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if records.len() > SHOWN {
        text.push_str(&format!(" and {} more", records.len() - SHOWN));
    }
    if text.is_empty() {
        text.push_str("none");
    }
    text
}

/// Each missing rate, with up to ten of the records that need it.
fn list_missing(
    missing: &[(
        crate::query::rates::MissingRate,
        Vec<crate::model::RecordRef>,
    )],
) -> String {
    let each: Vec<String> = missing
        .iter()
        .map(|(rate, records)| format!("{rate} (for {})", list_records(records)))
        .collect();
    match each.as_slice() {
        [one] => one.clone(),
        many => format!("{} rates are missing: {}", many.len(), many.join("; ")),
    }
}

/// `Result` with partnercrm's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
