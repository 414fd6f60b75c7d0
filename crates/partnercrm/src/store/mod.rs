//! Keeping a data set: create, read, update and delete records, atomically,
//! with the history of every change.
//!
//! [`Store`] is the one trait callers program against; [`SqliteStore`] is the
//! embedded default, in a file or in memory. The trait speaks in records,
//! batches and revisions, never in SQL, so another backend (PostgreSQL) can
//! follow without changing callers.
//!
//! # Two timelines
//!
//! Records carry domain dates: when an agreement was signed, when a member
//! joined. The store adds the second timeline: every change is recorded in a
//! [`Revision`] with when it was recorded and by whom, and the values before
//! and after. [`Store::history`] shows one record's changes;
//! [`Store::dataset_at`] shows the whole data set as it was recorded at an
//! earlier moment.

pub mod sqlite;

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;
use crate::model::{Dataset, Note, Person, PersonId, Record, RecordRef};

pub use sqlite::SqliteStore;

/// The store file used when none is named: `partnercrm.db` in the working
/// directory.
pub const DEFAULT_PATH: &str = "partnercrm.db";

/// The environment variable that names another store file.
pub const PATH_VARIABLE: &str = "PARTNERCRM_DB";

/// The store file to use: `$PARTNERCRM_DB` if set, else [`DEFAULT_PATH`].
pub fn default_path() -> std::path::PathBuf {
    std::env::var_os(PATH_VARIABLE).map_or_else(|| DEFAULT_PATH.into(), Into::into)
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
}

/// A place that keeps a data set.
///
/// Every write is validated with the core's rules (see
/// [`validate`](crate::validate)) before it is stored, and a batch is stored
/// whole or not at all.
pub trait Store {
    /// Applies a batch atomically, recording it as one revision by `actor`.
    ///
    /// Refuses, storing nothing, a batch that would leave the data set with
    /// validation errors ([`Error::Invalid`](crate::Error::Invalid)), that
    /// deletes a record others still refer to, or that repeats an existing
    /// record's natural key under another id
    /// ([`Error::Conflict`](crate::Error::Conflict)).
    fn apply(&mut self, batch: Batch, actor: &str, summary: &str) -> Result<Applied>;

    /// The record with this id.
    fn get<T: Record>(&self, id: T::Id) -> Result<Option<T>>;

    /// Every record of one kind.
    fn all<T: Record>(&self) -> Result<Vec<T>>;

    /// Records whose name, title, acronym or alias is `name`, ignoring case.
    fn find_by_name<T: Record>(&self, name: &str) -> Result<Vec<T>>;

    /// The record with this natural key (see [`Record::natural_key`]).
    fn find_by_natural_key<T: Record>(&self, key: &str) -> Result<Option<T>>;

    /// The organisation with this external identifier, e.g. `XM-DAC-47066`.
    fn organisation_by_identifier(&self, value: &str)
    -> Result<Option<crate::model::Organisation>>;

    /// The whole data set as it is now.
    fn dataset(&self) -> Result<Dataset>;

    /// The whole data set as it was recorded at `moment`.
    fn dataset_at(&self, moment: DateTime<Utc>) -> Result<Dataset>;

    /// The revisions, oldest first.
    fn revisions(&self) -> Result<Vec<Revision>>;

    /// Every recorded change to one record, oldest first.
    fn history<T: Record>(&self, id: T::Id) -> Result<Vec<Change<T>>>;

    /// Removes a person's name, contact details and description from the
    /// record and from its history, keeping a tombstone so that references
    /// stay valid.
    fn erase_person(&mut self, id: PersonId, actor: &str) -> Result<()>;

    /// Everything held about a person.
    fn export_person(&self, id: PersonId) -> Result<PersonExport>;

    /// Copies the store, while it stays in use, to a new file at `path`.
    fn backup(&self, path: &Path) -> Result<()>;

    /// Folds the duplicate `remove` into `keep`: every record that refers to
    /// `remove` is changed to refer to `keep`, and `remove` is deleted, in one
    /// revision whose number identifies the merge. History is kept whole, the
    /// old id keeps resolving through [`Store::merged_into`], and
    /// [`Store::undo_merge`] reverses it.
    fn merge<T: Record>(&mut self, keep: T::Id, remove: T::Id, actor: &str) -> Result<Applied>;

    /// Reverses the merge recorded as `revision`, if nothing it changed has
    /// changed since.
    fn undo_merge(&mut self, revision: i64, actor: &str) -> Result<Applied>;

    /// The record `id` was merged into (following merges of merges), if any.
    fn merged_into(&self, id: uuid::Uuid) -> Result<Option<uuid::Uuid>>;

    /// Inserts or updates one record (a batch of one).
    fn upsert<T: Record>(&mut self, record: T, actor: &str) -> Result<Applied> {
        let summary = format!("upsert {} {}", T::KIND, record.id());
        self.apply(Batch::new().upsert(record), actor, &summary)
    }

    /// Deletes one record (a batch of one).
    fn delete(&mut self, record: impl Into<RecordRef>, actor: &str) -> Result<Applied> {
        let record = record.into();
        let summary = format!("delete {record}");
        self.apply(Batch::new().delete(record), actor, &summary)
    }

    /// Upserts a whole data set in one batch: the same data imported twice
    /// leaves one copy.
    fn import(&mut self, data: Dataset, actor: &str) -> Result<Applied> {
        let summary = format!("import {} records", data.len());
        self.apply(Batch::upsert_all(data), actor, &summary)
    }
}
