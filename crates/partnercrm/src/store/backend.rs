//! The row-level seam between the store's policy ([`Store`](super::Store))
//! and a database.
//!
//! A backend keeps rows and runs transactions; it decides nothing. What a
//! write is checked against, what "unchanged" means, how history is
//! reconstructed, merges and erasure all live in the engine above it, so a
//! second backend (PostgreSQL) is SQL only.
//!
//! Every read the engine makes goes through one [`Snapshot`]: a read
//! transaction that sees the store as of one commit, whatever other
//! processes write meanwhile. A [`WriteTx`] is a snapshot that also writes,
//! holding the store's write lock until it commits or is dropped (which rolls
//! it back).

use std::any::Any;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Access, Action, Office, Revision};
use crate::model::record::fold;
use crate::model::{Contribution, Record, RecordKind, RecordRef};
use crate::{Error, Result};

/// A record's current row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The revision that created it.
    pub created: i64,
    /// The revision that last changed it.
    pub updated: i64,
    /// Its place in the order records were first stored.
    pub position: i64,
    /// The record itself.
    pub body: Body,
}

/// A record as a backend hands it back.
#[derive(Clone, Debug)]
pub enum Body {
    /// A document kind, in its JSON form.
    Doc(String),
    /// A contribution, the high-volume kind, which backends keep in typed columns.
    Contribution(Box<Contribution>),
}

/// A record as the engine hands it to a backend to write.
#[derive(Debug)]
pub struct Put<'a> {
    /// Which kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: Uuid,
    /// Its natural key, unique within the kind.
    pub natural_key: Option<String>,
    /// Its display name.
    pub label: &'a str,
    /// Every name it answers to, folded, without repeats.
    pub names: Vec<String>,
    /// The values of its external identifiers, folded (organisations only).
    pub identifiers: Vec<String>,
    /// Every record it refers to, with the field that refers.
    pub references: Vec<(&'static str, RecordRef)>,
    /// The record itself.
    pub body: PutBody<'a>,
}

/// What a [`Put`] writes.
#[derive(Debug)]
pub enum PutBody<'a> {
    /// A document kind's JSON form.
    Doc(String),
    /// A contribution.
    Contribution(&'a Contribution),
}

/// A record's value before one change, as history keeps it.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    /// Its place in the history, which only grows.
    pub seq: i64,
    /// The revision of the change.
    pub revision: i64,
    /// The changed record's kind.
    pub kind: RecordKind,
    /// The changed record's id.
    pub id: Uuid,
    /// What the change was.
    pub action: Action,
    /// The revision that created the record.
    pub created: i64,
    /// The record's place in the order of first storing.
    pub position: i64,
    /// The record before the change, in its JSON form.
    pub doc: String,
}

/// A record that refers to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referrer {
    /// The referring record.
    pub record: RecordRef,
    /// The field that refers, e.g. `"parent"` or `"donor"`.
    pub field: String,
}

/// A recorded merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeRow {
    /// The kind of the two records.
    pub kind: RecordKind,
    /// The record kept.
    pub kept: Uuid,
    /// The record folded into it.
    pub removed: Uuid,
    /// The revision that undid it, if any.
    pub undone_by: Option<i64>,
}

/// Reads, all as of one commit.
pub trait Snapshot {
    /// The current row of one record.
    fn row(&self, kind: RecordKind, id: Uuid) -> Result<Option<Row>>;

    /// Every current row of one kind last changed at or before `as_of`
    /// (every row when `None`), in the order they were first stored.
    fn rows(&self, kind: RecordKind, as_of: Option<i64>) -> Result<Vec<Row>>;

    /// Every current row of `kind` in position order, handed to `each` a
    /// chunk at a time: a backend that can stream them (PostgreSQL, from a
    /// cursor) never holds them all; the default reads them at once.
    fn rows_in_chunks(
        &self,
        kind: RecordKind,
        each: &mut dyn FnMut(Vec<Row>) -> Result<()>,
    ) -> Result<()> {
        each(self.rows(kind, None)?)
    }

    /// For the records of `kind` that existed at `revision` and changed
    /// since: their value before the first change after it.
    fn first_changes_after(&self, kind: RecordKind, revision: i64) -> Result<Vec<HistoryRow>>;

    /// Every recorded change to one record, oldest first.
    fn history_of(&self, id: Uuid) -> Result<Vec<HistoryRow>>;

    /// Every record change in one revision, in the order they were made.
    fn history_in(&self, revision: i64) -> Result<Vec<HistoryRow>>;

    /// Every history entry of one kind, oldest first.
    fn history_of_kind(&self, kind: RecordKind) -> Result<Vec<HistoryRow>>;

    /// Ids of the records of `kind` that answer to a folded name.
    fn ids_named(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>>;

    /// Ids of the organisations with an identifier of this folded value.
    fn ids_with_identifier(&self, folded: &str) -> Result<Vec<Uuid>>;

    /// Ids of the records of `kind` one of whose folded names (or, for an
    /// organisation, identifiers) holds `folded`, in id order.
    fn ids_with_name_part(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>>;

    /// The id of the record of `kind` with this natural key.
    fn id_with_natural_key(&self, kind: RecordKind, key: &str) -> Result<Option<Uuid>>;

    /// Records that refer to `target`: through `field` only, if given; at
    /// most `limit`, if given.
    fn referrers(
        &self,
        target: RecordRef,
        field: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Referrer>>;

    /// How many current records of one kind there are.
    fn count(&self, kind: RecordKind) -> Result<usize>;

    /// Whether `record` is stored where this connection may not see it:
    /// in an office it has no rights on. Always `false` without offices.
    fn exists_unseen(&self, _record: RecordRef) -> Result<bool> {
        Ok(false)
    }

    /// One revision.
    fn revision(&self, number: i64) -> Result<Revision>;

    /// Every revision, oldest first.
    fn revisions(&self) -> Result<Vec<Revision>>;

    /// The last revision recorded at or before `moment`.
    fn revision_at(&self, moment: DateTime<Utc>) -> Result<Option<i64>>;

    /// When the last revision was recorded.
    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// The store's clock, which revision times are taken from: this
    /// host's, unless the backend has one all its writers share.
    fn clock(&self) -> Result<DateTime<Utc>> {
        Ok(Utc::now())
    }

    /// A data-set-level value, such as its title.
    fn meta(&self, key: &str) -> Result<Option<String>>;

    /// The merge recorded as `revision`.
    fn merge(&self, revision: i64) -> Result<Option<MergeRow>>;

    /// The record `removed` was last merged into, unless that was undone.
    fn kept_for(&self, removed: Uuid) -> Result<Option<Uuid>>;
}

/// A write transaction: all of it commits, or none.
pub trait WriteTx: Snapshot {
    /// Records a new revision and returns its number.
    fn add_revision(
        &mut self,
        recorded_at: DateTime<Utc>,
        actor: &str,
        summary: &str,
    ) -> Result<i64>;

    /// Stores a record whose id is new, created in `revision`; when the id
    /// exists, writes nothing and returns the stored row.
    fn insert(&mut self, put: &Put<'_>, revision: i64) -> Result<Option<Row>>;

    /// Replaces a stored record, changed in `revision`.
    fn update(&mut self, put: &Put<'_>, revision: i64) -> Result<()>;

    /// Replaces a stored record in place, keeping its revisions: for
    /// erasure, which must leave no earlier value behind.
    fn rewrite(&mut self, put: &Put<'_>) -> Result<()>;

    /// Removes a record.
    fn delete(&mut self, record: RecordRef) -> Result<()>;

    /// Adds a history entry (its `seq` is ignored and assigned).
    fn push_history(&mut self, entry: &HistoryRow) -> Result<()>;

    /// Replaces the JSON of a history entry (erasure).
    fn set_history_doc(&mut self, seq: i64, doc: &str) -> Result<()>;

    /// Replaces a revision's summary (erasure).
    fn set_revision_summary(&mut self, number: i64, summary: &str) -> Result<()>;

    /// Sets a data-set-level value.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;

    /// Records a merge made in `revision`.
    fn add_merge(&mut self, revision: i64, merge: &MergeRow) -> Result<()>;

    /// Marks the merge recorded as `revision` as undone by `undo`.
    fn mark_merge_undone(&mut self, revision: i64, undo: i64) -> Result<()>;

    /// About to write `rows` records of `kind`; a backend may prepare for
    /// a large load (by setting indexes aside, say) and must restore
    /// everything in [`WriteTx::end_bulk`].
    fn begin_bulk(&mut self, kind: RecordKind, rows: usize) -> Result<()>;

    /// The bulk load that [`WriteTx::begin_bulk`] announced is written.
    fn end_bulk(&mut self, kind: RecordKind) -> Result<()>;

    /// Moves a record, its history and its index entries to an office, or
    /// (`None`) makes it shared; `false` if it was there already. Only
    /// backends with offices have it.
    fn move_record(&mut self, record: RecordRef, _office: Option<&str>) -> Result<bool> {
        Err(Error::Unsupported {
            location: String::new(),
            what: format!("{record} cannot move: this store has no offices"),
        })
    }

    /// Makes every write of the transaction durable.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// A database that keeps a store.
pub trait Backend: Send {
    /// Where the store lives: a file, `:memory:`, or a URL.
    fn location(&self) -> &str;

    /// A read transaction.
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>>;

    /// A write transaction, waiting up to the busy timeout for another
    /// writer to finish; [`Error::Busy`](crate::Error::Busy) past it.
    fn begin(&mut self) -> Result<Box<dyn WriteTx + '_>>;

    /// How long [`Backend::begin`] waits for another writer.
    fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()>;

    /// The schema version of the store.
    fn schema_version(&self) -> Result<i64>;

    /// Copies the store, while it stays in use, to a new file at `path`.
    fn backup(&self, path: &Path) -> Result<()>;

    /// Checks the database's own structures; `Ok` if they are sound.
    fn verify_integrity(&self) -> Result<()>;

    /// Makes sure that nothing removed by the last commit survives outside
    /// the live records: no log, journal or freed page still holds it. Run
    /// after an erasure.
    fn scrub(&mut self) -> Result<()>;

    /// The PostgreSQL backend, if this is one.
    fn postgres(&self) -> Option<&super::postgres::PostgresBackend> {
        None
    }

    /// Whether this connection may change every record of the store, as an
    /// erasure must: always, without offices.
    fn reaches_everything(&self) -> Result<bool> {
        Ok(true)
    }

    /// The offices of a shared store, and who has rights on each.
    fn offices(&self) -> Result<Vec<Office>> {
        Err(self.no_offices())
    }

    /// Makes an office (its reader and editor roles with it).
    fn create_office(&mut self, _name: &str) -> Result<Office> {
        Err(self.no_offices())
    }

    /// Gives a role reader or editor rights on an office.
    fn grant(&mut self, _office: &str, _role: &str, _access: Access) -> Result<()> {
        Err(self.no_offices())
    }

    /// Takes every right on an office from a role.
    fn revoke(&mut self, _office: &str, _role: &str) -> Result<()> {
        Err(self.no_offices())
    }

    /// Chooses the office new records are written to (`None`: decide from
    /// the connecting role's rights).
    fn set_office(&mut self, _office: Option<&str>) -> Result<()> {
        Err(self.no_offices())
    }

    /// The office a record belongs to; `None` for shared reference data.
    fn office_of(&self, _record: RecordRef) -> Result<Option<String>> {
        Err(self.no_offices())
    }

    /// The error of an office operation on a store without offices.
    fn no_offices(&self) -> Error {
        Error::Unsupported {
            location: self.location().to_owned(),
            what: "offices are for stores shared by a team, in PostgreSQL; \
                   an SQLite file has one user"
                .to_owned(),
        }
    }
}

impl<'a> Put<'a> {
    /// The row form of a record.
    pub fn of<T: Record>(record: &'a T) -> Result<Self> {
        let id = record.uuid();
        if let Some(contribution) = (record as &dyn Any).downcast_ref::<Contribution>() {
            // Contributions keep their references in columns and answer to no name.
            return Ok(Self {
                kind: RecordKind::Contribution,
                id,
                natural_key: None,
                label: record.label(),
                names: Vec::new(),
                identifiers: Vec::new(),
                references: Vec::new(),
                body: PutBody::Contribution(contribution),
            });
        }
        let mut names: Vec<String> = Vec::new();
        for name in record.names() {
            let folded = fold(name);
            if !folded.is_empty() && !names.contains(&folded) {
                names.push(folded);
            }
        }
        let identifiers = record.identifiers().into_iter().map(fold).collect();
        Ok(Self {
            kind: T::KIND,
            id,
            natural_key: record.natural_key(),
            label: record.label(),
            names,
            identifiers,
            references: record.references(),
            body: PutBody::Doc(to_doc(record)?),
        })
    }
}

impl Body {
    /// The record, as type `T` (which must be the row's kind).
    pub fn decode<T: Record>(self) -> Result<T> {
        match self {
            Self::Doc(doc) => from_doc(&doc),
            Self::Contribution(contribution) => {
                let boxed: Box<dyn Any> = contribution;
                boxed
                    .downcast::<T>()
                    .map(|record| *record)
                    .map_err(|_| Error::Parse {
                        what: "stored record",
                        input: T::KIND.to_string(),
                        reason: "a contribution row was read as another kind".to_owned(),
                    })
            }
        }
    }

    /// The record's JSON form, as history keeps it.
    pub fn to_doc(&self) -> Result<String> {
        match self {
            Self::Doc(doc) => Ok(doc.clone()),
            Self::Contribution(contribution) => to_doc(contribution.as_ref()),
        }
    }

    /// Whether `put` would store exactly this.
    pub fn same_as(&self, put: &PutBody<'_>) -> bool {
        match (self, put) {
            (Self::Doc(stored), PutBody::Doc(new)) => stored == new,
            (Self::Contribution(stored), PutBody::Contribution(new)) => stored.as_ref() == *new,
            _ => false,
        }
    }
}

/// Reads a stored JSON document back into a record.
pub fn from_doc<T: Record>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::Parse {
        what: "stored record",
        input: doc.chars().take(80).collect(),
        reason: e.to_string(),
    })
}

/// The JSON document a record is stored as.
pub fn to_doc<T: Record>(record: &T) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::Parse {
        what: "record",
        input: record.label().to_owned(),
        reason: e.to_string(),
    })
}
