//! Keeping a data set: create, read, update and delete records, atomically,
//! with the history of every change.
//!
//! [`Store`] is the one type callers hold, whatever keeps the rows. It owns
//! the policy (what a write is checked against, what a reader sees, history,
//! merges, erasure) in [`engine`] and [`context`]; a [`Backend`] keeps rows
//! and runs transactions: [`sqlite`] is the embedded default, in a file or
//! in memory, and [`postgres`] keeps a store shared by a team in a
//! PostgreSQL database, with offices enforced by row-level security. The
//! store speaks in records, batches and revisions, never in SQL, so callers
//! do not change with the backend.
//!
//! # What a write checks
//!
//! A batch is validated with everything it touches: the stored records it
//! points at, the stored records whose validity depends on it (working
//! groups that draw their chairs from a parent group, projects that must
//! fit their parent's period), and the stored organisations that share its
//! identifiers or names. So no rule can be broken by writing records in a
//! different order: after every committed batch, [`Store::validate`]
//! reports no error.
//!
//! # What a read sees
//!
//! Every read runs in one read transaction: a data set, a table, a rollup
//! or an export is the store as of one commit, never half of another
//! process's batch.
//!
//! # Busy
//!
//! One writer at a time: another waits for up to the busy timeout (30 s by
//! default, [`Store::set_busy_timeout`]) and then gets
//! [`Error::Busy`](crate::Error::Busy), which says how long it waited.
//!
//! # Two timelines
//!
//! Records carry domain dates: when an agreement was signed, when a member
//! joined. The store adds the second timeline: every change is recorded in a
//! [`Revision`] with when it was recorded and by whom, and the values before
//! and after. [`Store::history`] shows one record's changes;
//! [`Store::dataset_at`] shows the whole data set as it was recorded at an
//! earlier moment.

pub mod backend;
mod columns;
mod context;
mod engine;
pub mod erasure;
pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Dataset, Note, Person, Record, RecordRef};

pub use backend::Backend;
pub use engine::Store;

/// The store file used when none is named: `partnercrm.db` in the working
/// directory.
pub const DEFAULT_PATH: &str = "partnercrm.db";

/// The environment variable that names another store file.
pub const PATH_VARIABLE: &str = "PARTNERCRM_DB";

/// The store file to use: `$PARTNERCRM_DB` if set, else [`DEFAULT_PATH`].
pub fn default_path() -> std::path::PathBuf {
    std::env::var_os(PATH_VARIABLE).map_or_else(|| DEFAULT_PATH.into(), Into::into)
}

/// A store's location as messages show it: a PostgreSQL URL without its
/// password, a file's path as it is.
pub fn shown(location: impl AsRef<std::path::Path>) -> String {
    let text = location.as_ref().to_string_lossy();
    if postgres::is_postgres_url(&text) {
        postgres::redact(&text)
    } else {
        location.as_ref().display().to_string()
    }
}

/// Whether a store is at `location`: a SQLite file that exists, or a
/// PostgreSQL database that holds a store's schema. Creates nothing.
pub fn exists(location: impl AsRef<std::path::Path>) -> crate::Result<bool> {
    let location = location.as_ref();
    let text = location.to_string_lossy();
    if postgres::is_postgres_url(&text) {
        return postgres::PostgresBackend::exists(&text);
    }
    Ok(text == ":memory:" || location.exists())
}

/// Deletes the store at `location` and everything in it: a SQLite file with
/// its write-ahead log, or a PostgreSQL database's store schema (the
/// database itself, and its roles, stay).
pub fn destroy(location: impl AsRef<std::path::Path>) -> crate::Result<()> {
    let location = location.as_ref();
    let text = location.to_string_lossy();
    if postgres::is_postgres_url(&text) {
        return postgres::PostgresBackend::destroy(&text);
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = location.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(crate::Error::Io {
                    path: path.into(),
                    source,
                });
            }
        }
    }
    Ok(())
}

/// A set of changes applied together: all of them, or none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Records to insert, or to update where the id exists.
    pub upserts: Dataset,
    /// Records to delete.
    pub deletes: Vec<RecordRef>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// A batch that upserts every record of `data`.
    pub fn upsert_all(data: Dataset) -> Self {
        Self {
            upserts: data,
            deletes: Vec::new(),
        }
    }

    /// Adds a record to insert or update.
    pub fn upsert<T: Record>(mut self, record: T) -> Self {
        T::collection_mut(&mut self.upserts).push(record);
        self
    }

    /// Adds a record to delete.
    pub fn delete(mut self, record: impl Into<RecordRef>) -> Self {
        self.deletes.push(record.into());
        self
    }

    /// Whether the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deletes.is_empty()
    }
}

/// A recorded change set: the unit of the store's own timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Increases with every committed batch.
    pub number: i64,
    /// When it was recorded, in UTC. Never earlier than the revision before.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it, as the caller named them.
    pub actor: String,
    /// What the caller said the change was.
    pub summary: String,
}

/// What applying a batch did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The revision recorded, or `None` if the batch changed nothing.
    pub revision: Option<i64>,
    /// Records created.
    pub inserted: usize,
    /// Records changed.
    pub updated: usize,
    /// Records already stored exactly as given: left alone, so that
    /// importing the same data twice changes nothing.
    pub unchanged: usize,
    /// Records deleted.
    pub deleted: usize,
    /// Validation warnings (errors refuse the batch).
    pub warnings: crate::Report,
}

/// What happened to a record in one revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// It was created.
    Created,
    /// It was changed.
    Updated,
    /// It was deleted.
    Deleted,
    /// Its personal data was erased.
    Erased,
}

/// One change to one record, on the store's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change<T> {
    /// When and by whom.
    pub revision: Revision,
    /// What happened.
    pub action: Action,
    /// The record before; `None` when created.
    pub before: Option<T>,
    /// The record after; `None` when deleted.
    pub after: Option<T>,
}

/// Everything the store holds about one person, for a data-access request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonExport {
    /// The person as stored now.
    pub person: Person,
    /// Every recorded change to the person.
    pub history: Vec<Change<Person>>,
    /// Notes linked to the person, such as their quotes.
    pub notes: Vec<Note>,
    /// Every other place the person is mentioned by a name, e-mail address
    /// or telephone number they were recorded with: what erasing them would
    /// change.
    pub mentions: Vec<Mention>,
}

/// What a role may do in an office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read the office's records.
    Reader,
    /// Read and change them.
    Editor,
}

impl Access {
    /// The name, `"reader"` or `"editor"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Editor => "editor",
        }
    }
}

impl std::str::FromStr for Access {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "reader" => Ok(Self::Reader),
            "editor" => Ok(Self::Editor),
            other => Err(crate::Error::Parse {
                what: "access",
                input: other.to_owned(),
                reason: "expected reader or editor".to_owned(),
            }),
        }
    }
}

/// An office of a shared store, and the roles with rights on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Office {
    /// Its name, e.g. `colombia`; `headquarters` sees every office.
    pub name: String,
    /// The PostgreSQL role its readers are granted.
    pub reader_role: Option<String>,
    /// The PostgreSQL role its editors are granted.
    pub editor_role: Option<String>,
    /// The roles that may read its records (editors among them).
    pub readers: Vec<String>,
    /// The roles that may change them.
    pub editors: Vec<String>,
}

/// A place where a person is mentioned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// The record that mentions them; `None` for a revision summary.
    pub record: Option<RecordRef>,
    /// For an earlier version of the record or a revision summary: the
    /// revision; `None` for the record as it is now.
    pub revision: Option<i64>,
    /// The fields that mention them, e.g. `text` or `description`.
    pub fields: Vec<String>,
}
