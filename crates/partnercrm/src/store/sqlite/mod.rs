//! The embedded default store: one SQLite file (or memory), in WAL mode, with
//! foreign keys on.

mod rows;
mod schema;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::{Action, Applied, Batch, Change, PersonExport, Revision, Store};
use crate::model::ids::IdSet;
use crate::model::record::fold;
use crate::model::{
    Contribution, Dataset, Note, Organisation, Person, PersonId, Record, RecordKind, RecordRef,
};
use crate::validate::{Report, Segment};
use crate::{Error, Result};

use rows::{CONTRIBUTION_COLUMNS, ContributionRow};

/// How long a writer waits for another process's write to finish before
/// trying again, and how many times it tries.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const BUSY_ATTEMPTS: u32 = 12;

/// The order in which kinds are written, so that what is referred to is
/// usually written before what refers to it.
const WRITE_ORDER: [RecordKind; 8] = [
    RecordKind::Organisation,
    RecordKind::Person,
    RecordKind::Project,
    RecordKind::Agreement,
    RecordKind::Group,
    RecordKind::Indicator,
    RecordKind::Contribution,
    RecordKind::Note,
];

/// A store in one SQLite file, or in memory.
pub struct SqliteStore {
    conn: Connection,
    path: String,
    /// Whether the file has the name index (schema 2 on); a store opened at
    /// schema 1 for migration tests writes what schema 1 wrote.
    name_index: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file if needed and migrating
    /// an older one. A file from a newer version is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_at_version(path, schema::CURRENT_VERSION)
    }

    /// Opens the embedded default store: `$PARTNERCRM_DB`, else `partnercrm.db`.
    pub fn open_default() -> Result<Self> {
        Self::open(super::default_path())
    }

    /// The file this store lives in, or `:memory:`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A store that lives in memory and is gone when dropped.
    pub fn in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn)?;
        schema::migrate(&mut conn, ":memory:", schema::CURRENT_VERSION)?;
        Ok(Self {
            conn,
            path: ":memory:".to_owned(),
            name_index: true,
        })
    }

    /// Opens or creates a store, migrating only up to `version`. For testing
    /// migrations: a file made this way is what that older version wrote.
    #[doc(hidden)]
    pub fn open_at_version(path: impl AsRef<Path>, version: i64) -> Result<Self> {
        let path_text = path.as_ref().display().to_string();
        let mut conn = Connection::open(path.as_ref())?;
        configure(&conn)?;
        schema::migrate(&mut conn, &path_text, version)?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        Ok(Self {
            conn,
            path: path_text,
            name_index: found >= 2,
        })
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// The newest schema version this build knows.
    pub const CURRENT_SCHEMA_VERSION: i64 = schema::CURRENT_VERSION;

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok` if the file is sound.
    pub fn check_integrity(&self) -> Result<()> {
        let mut statement = self.conn.prepare("PRAGMA integrity_check")?;
        let lines: Vec<String> = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if lines == ["ok"] {
            Ok(())
        } else {
            Err(Error::Conflict {
                message: format!(
                    "{} failed its integrity check: {}",
                    self.path,
                    lines.join("; ")
                ),
            })
        }
    }

    /// Counts the current records of one kind.
    pub fn count(&self, kind: RecordKind) -> Result<usize> {
        let sql = format!("SELECT count(*) FROM {}", kind.collection());
        Ok(self.conn.query_row(&sql, [], |row| row.get::<_, i64>(0))? as usize)
    }

    /// Starts a write transaction, waiting out other writers.
    fn begin_write(&mut self) -> Result<Transaction<'_>> {
        let mut attempt = 0;
        loop {
            // IMMEDIATE takes the write lock up front, so two writers never
            // deadlock upgrading from a read.
            match self.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(error) if is_busy(&error) && attempt < BUSY_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 << attempt.min(6)));
                }
                Err(error) => return Err(error.into()),
            }
        }
        // The transaction is already open; wrap it so it rolls back on drop.
        self.conn.execute_batch("ROLLBACK")?;
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

impl SqliteStore {
    /// Applies the batch `build` makes inside the write transaction, then
    /// runs `after` with the new revision before committing: the shared
    /// path of `apply`, `merge` and `undo_merge`.
    fn apply_with(
        &mut self,
        actor: &str,
        summary: &str,
        build: impl FnOnce(&Connection) -> Result<Batch>,
        after: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<Applied> {
        self.write(actor, summary, build, after, true)
    }

    /// Checks a batch exactly as [`Store::apply`] would, validation,
    /// conflicts and all, then rolls it back: what applying it would do
    /// (with `revision` `None`), or the error it would be refused with.
    pub fn check(&mut self, batch: Batch) -> Result<Applied> {
        self.write("check", "check", |_| Ok(batch), |_, _| Ok(()), false)
    }

    fn write(
        &mut self,
        actor: &str,
        summary: &str,
        build: impl FnOnce(&Connection) -> Result<Batch>,
        after: impl FnOnce(&Connection, i64) -> Result<()>,
        commit: bool,
    ) -> Result<Applied> {
        let name_index = self.name_index;
        let tx = self.begin_write()?;
        let Batch {
            upserts: mut view,
            deletes,
        } = build(&tx)?;
        let deleted: IdSet<Uuid> = deletes.iter().map(|r| r.id).collect();
        let warnings = validate_batch(&tx, &mut view, &deleted)?;

        let recorded_at = next_recorded_at(&tx)?;
        tx.execute(
            "INSERT INTO revisions (recorded_at, actor, summary) VALUES (?1, ?2, ?3)",
            params![format_time(recorded_at), actor, summary],
        )?;
        let revision = tx.last_insert_rowid();
        // Checked at commit, so a batch may list records in any order.
        tx.pragma_update(None, "defer_foreign_keys", true)?;

        let mut applied = Applied {
            revision: Some(revision),
            warnings,
            ..Applied::default()
        };
        for reference in &deletes {
            delete_record(&tx, *reference, revision, name_index)?;
            applied.deleted += 1;
        }
        for kind in WRITE_ORDER {
            if kind == RecordKind::Contribution {
                write_contributions(&tx, &view.contributions, revision, &mut applied)?;
                continue;
            }
            crate::with_record_kind!(kind, T => {
                for record in T::collection(&view) {
                    match upsert_record(&tx, record, revision, name_index)? {
                        Outcome::Inserted => applied.inserted += 1,
                        Outcome::Updated => applied.updated += 1,
                        Outcome::Unchanged => applied.unchanged += 1,
                    }
                }
            });
        }
        for reference in &deletes {
            let still = referrers(&tx, *reference)?;
            if !still.is_empty() {
                return Err(Error::Conflict {
                    message: format!(
                        "cannot delete {reference}: still referred to by {}; change or delete those first",
                        still.join(", ")
                    ),
                });
            }
        }
        after(&tx, revision)?;
        let meta_changed = set_meta(&tx, "title", view.title.as_deref())?
            | set_meta(&tx, "source", view.source.as_deref())?;
        if !commit || (applied.inserted + applied.updated + applied.deleted == 0 && !meta_changed) {
            // A check, or nothing changed: leave no revision behind.
            tx.rollback()?;
            applied.revision = None;
            return Ok(applied);
        }
        tx.commit()?;
        Ok(applied)
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers go on while one process writes; FULL makes a commit
    // durable once it returns.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", -262_144)?;

    Ok(())
}

/// A record's current row: its document form and revision numbers.
struct Stored {
    created: i64,
    position: i64,
    doc: String,
}

fn stored(tx: &Connection, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
    if kind == RecordKind::Contribution {
        let sql = format!(
            "SELECT created, rowid, {CONTRIBUTION_COLUMNS} FROM contributions WHERE id = ?1"
        );
        return tx
            .prepare_cached(&sql)?
            .query_row([id], |row| {
                let contribution = rows::contribution_from_row(row, 2)?;
                Ok((row.get(0)?, row.get(1)?, contribution))
            })
            .optional()?
            .map(|(created, position, c)| {
                Ok(Stored {
                    created,
                    position,
                    doc: rows::to_doc(&c)?,
                })
            })
            .transpose();
    }
    let sql = format!(
        "SELECT created, rowid, doc FROM {} WHERE id = ?1",
        kind.collection()
    );
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([id], |row| {
            Ok(Stored {
                created: row.get(0)?,
                position: row.get(1)?,
                doc: row.get(2)?,
            })
        })
        .optional()?)
}

fn record_history(
    tx: &Connection,
    revision: i64,
    kind: RecordKind,
    id: Uuid,
    action: Action,
    before: &Stored,
) -> Result<()> {
    let action = match action {
        Action::Created => "created",
        Action::Updated => "updated",
        Action::Deleted => "deleted",
        Action::Erased => "erased",
    };
    tx.prepare_cached(
        "INSERT INTO history (revision, kind, id, action, created, position, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![revision, kind.as_str(), id, action, before.created, before.position, before.doc])?;
    Ok(())
}

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

fn upsert_record<T: Record>(
    tx: &Connection,
    record: &T,
    revision: i64,
    name_index: bool,
) -> Result<Outcome> {
    let id = record.uuid();
    let doc = rows::to_doc(record)?;
    let table = T::KIND.collection();
    let natural_key = record.natural_key();
    let outcome = match stored(tx, T::KIND, id)? {
        Some(before) if before.doc == doc => return Ok(Outcome::Unchanged),
        Some(before) => {
            record_history(tx, revision, T::KIND, id, Action::Updated, &before)?;
            let sql = format!(
                "UPDATE {table} SET natural_key = ?2, label = ?3, updated = ?4, doc = ?5 WHERE id = ?1"
            );
            tx.prepare_cached(&sql)?
                .execute(params![id, natural_key, record.label(), revision, doc])
                .map_err(|e| natural_key_conflict(tx, e, record))?;
            Outcome::Updated
        }
        None => {
            let sql = format!(
                "INSERT INTO {table} (id, natural_key, label, created, updated, doc) VALUES (?1, ?2, ?3, ?4, ?4, ?5)"
            );
            tx.prepare_cached(&sql)?
                .execute(params![id, natural_key, record.label(), revision, doc])
                .map_err(|e| natural_key_conflict(tx, e, record))?;
            Outcome::Inserted
        }
    };
    rows::write_refs(tx, record)?;
    if name_index {
        rows::write_names(tx, record)?;
    }
    Ok(outcome)
}

/// Turns a broken UNIQUE(natural_key) into a message that names the record
/// already holding the key.
fn natural_key_conflict<T: Record>(tx: &Connection, error: rusqlite::Error, record: &T) -> Error {
    if error.sqlite_error_code() != Some(rusqlite::ErrorCode::ConstraintViolation) {
        return error.into();
    }
    let Some(key) = record.natural_key() else {
        return error.into();
    };
    let sql = format!(
        "SELECT id, label FROM {} WHERE natural_key = ?1",
        T::KIND.collection()
    );
    match tx.query_row(&sql, [&key], |row| {
        Ok((row.get::<_, Uuid>(0)?, row.get::<_, String>(1)?))
    }) {
        Ok((holder, label)) => Error::Conflict {
            message: format!(
                "{} {:?} ({}) describes the same {} as the stored {holder} ({label:?}), key {key:?}; \
                 update that record instead of adding a second one",
                T::KIND,
                record.label(),
                record.uuid(),
                T::KIND,
            ),
        },
        Err(_) => error.into(),
    }
}

const INSERT_CONTRIBUTION: &str = "INSERT INTO contributions (id, kind, donor, recipient, basis, amount,
     currency, date, period_start, period_end, project, agreement, description, payments, created, updated,
     allocations)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)
     ON CONFLICT (id) DO NOTHING";

const UPDATE_CONTRIBUTION: &str = "UPDATE contributions SET kind = ?2, donor = ?3, recipient = ?4,
     basis = ?5, amount = ?6, currency = ?7, date = ?8, period_start = ?9, period_end = ?10,
     project = ?11, agreement = ?12, description = ?13, payments = ?14, updated = ?15,
     allocations = ?16 WHERE id = ?1";

/// Writes a batch's contributions with one prepared statement.
///
/// A batch larger than the table drops the table's secondary indexes and
/// builds them again afterwards: SQLite builds an index by sorting, much
/// faster than a million random insertions. It all happens inside the
/// batch's transaction, so a failure or a kill leaves the indexes as they were.
fn write_contributions(
    tx: &Connection,
    contributions: &[Contribution],
    revision: i64,
    applied: &mut Applied,
) -> Result<()> {
    let stored_rows: i64 =
        tx.query_row("SELECT count(*) FROM contributions", [], |row| row.get(0))?;
    let rebuild = contributions.len() > 10_000 && contributions.len() as i64 > stored_rows;
    let indexes: Vec<(String, String)> = if rebuild {
        tx.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contributions' AND sql IS NOT NULL")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    let mut insert = tx.prepare_cached(INSERT_CONTRIBUTION)?;
    for c in contributions {
        let row = ContributionRow::new(c)?;
        if row.execute(&mut insert, revision)? == 1 {
            applied.inserted += 1;
            continue;
        }
        // The id exists: an update, or the same record imported again.
        let before =
            stored(tx, RecordKind::Contribution, *c.id.as_uuid())?.ok_or(Error::NotFound {
                record: c.id.into(),
            })?;
        if rows::from_doc::<Contribution>(&before.doc)? == *c {
            applied.unchanged += 1;
            continue;
        }
        record_history(
            tx,
            revision,
            RecordKind::Contribution,
            *c.id.as_uuid(),
            Action::Updated,
            &before,
        )?;
        row.execute(&mut tx.prepare_cached(UPDATE_CONTRIBUTION)?, revision)?;
        applied.updated += 1;
    }
    for (_, sql) in &indexes {
        tx.execute_batch(sql)?;
    }
    Ok(())
}

/// Removes an erased person's name from the notes linked to them, now and
/// in their history: a quote's headline "Jim Blackwell on ..." names him too.
fn redact_notes(tx: &Connection, person: Uuid, name: &str, name_index: bool) -> Result<()> {
    const REPLACEMENT: &str = "[erased person]";
    let linked = |note: &Note| note.links.people.iter().any(|p| *p.as_uuid() == person);
    let current: Vec<String> = tx
        .prepare(
            "SELECT doc FROM notes WHERE id IN
                 (SELECT source FROM refs WHERE target = ?1 AND source_kind = 'note')",
        )?
        .query_map([person], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for doc in current {
        let mut note: Note = rows::from_doc(&doc)?;
        if note.redact(name, REPLACEMENT) {
            tx.execute(
                "UPDATE notes SET label = ?2, doc = ?3 WHERE id = ?1",
                params![note.id.as_uuid(), note.label(), rows::to_doc(&note)?],
            )?;
            if name_index {
                rows::write_names(tx, &note)?;
            }
        }
    }
    // Earlier versions, including notes deleted since, that linked the person.
    let versions: Vec<(i64, String)> = tx
        .prepare("SELECT seq, doc FROM history WHERE kind = 'note' AND instr(doc, ?1) > 0")?
        .query_map([person.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, doc) in versions {
        let mut note: Note = rows::from_doc(&doc)?;
        if linked(&note) && note.redact(name, REPLACEMENT) {
            tx.execute(
                "UPDATE history SET doc = ?2 WHERE seq = ?1",
                params![seq, rows::to_doc(&note)?],
            )?;
        }
    }
    Ok(())
}

fn delete_record(
    tx: &Connection,
    record: RecordRef,
    revision: i64,
    name_index: bool,
) -> Result<()> {
    let before = stored(tx, record.kind, record.id)?.ok_or(Error::NotFound { record })?;
    record_history(
        tx,
        revision,
        record.kind,
        record.id,
        Action::Deleted,
        &before,
    )?;
    tx.execute(
        &format!("DELETE FROM {} WHERE id = ?1", record.kind.collection()),
        [record.id],
    )?;
    tx.prepare_cached("DELETE FROM refs WHERE source = ?1")?
        .execute([record.id])?;
    if name_index {
        tx.prepare_cached("DELETE FROM names WHERE id = ?1")?
            .execute([record.id])?;
    }
    Ok(())
}

/// Records that still refer to `target`.
fn referrers(tx: &Connection, target: RecordRef) -> Result<Vec<String>> {
    let mut found: Vec<String> = tx
        .prepare_cached("SELECT source_kind, source, field FROM refs WHERE target = ?1 LIMIT 5")?
        .query_map([target.id], |row| {
            Ok(format!(
                "{} {} ({})",
                row.get::<_, String>(0)?,
                row.get::<_, Uuid>(1)?,
                row.get::<_, String>(2)?
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let column_refs: &[&str] = match target.kind {
        RecordKind::Organisation => &["donor", "recipient"],
        RecordKind::Project => &["project"],
        RecordKind::Agreement => &["agreement"],
        _ => &[],
    };
    if target.kind == RecordKind::Project {
        // Allocations sit in a JSON column; deleting projects is rare enough to scan.
        let ids: Vec<Uuid> = tx
            .prepare_cached(
                "SELECT id FROM contributions WHERE instr(allocations, ?1) > 0 LIMIT 5",
            )?
            .query_map([target.id.to_string()], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        found.extend(
            ids.into_iter()
                .map(|id| format!("contribution {id} (allocations)")),
        );
    }
    for column in column_refs {
        let sql = format!("SELECT id FROM contributions WHERE {column} = ?1 LIMIT 5");
        let ids: Vec<Uuid> = tx
            .prepare_cached(&sql)?
            .query_map([target.id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        found.extend(
            ids.into_iter()
                .map(|id| format!("contribution {id} ({column})")),
        );
    }
    Ok(found)
}

/// Every record that refers to `target`, without the limit a message needs.
fn all_referrers(tx: &Connection, target: RecordRef) -> Result<Vec<RecordRef>> {
    let mut found: Vec<RecordRef> = Vec::new();
    let kinds: Vec<(String, Uuid)> = tx
        .prepare("SELECT DISTINCT source_kind, source FROM refs WHERE target = ?1")?
        .query_map([target.id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, id) in kinds {
        if let Some(kind) = RecordKind::ALL.into_iter().find(|k| k.as_str() == kind) {
            found.push(RecordRef { kind, id });
        }
    }
    let ids: Vec<Uuid> = tx
        .prepare(
            "SELECT id FROM contributions WHERE donor = ?1 OR recipient = ?1 OR project = ?1 OR agreement = ?1
             OR instr(allocations, ?2) > 0",
        )?
        .query_map(params![target.id, target.id.to_string()], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    found.extend(ids.into_iter().map(|id| RecordRef {
        kind: RecordKind::Contribution,
        id,
    }));
    Ok(found)
}

/// The record with every reference to `from` pointing at `to` instead.
/// Ids are UUIDs, so in the record's JSON form they appear only as
/// references (or as its own id, which is never `from` here).
fn rewrite<T: Record>(record: &T, from: Uuid, to: Uuid) -> Result<T> {
    fn walk(value: &mut serde_json::Value, from: &str, to: &str) {
        match value {
            serde_json::Value::String(s) if s == from => *s = to.to_owned(),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, from, to)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, from, to)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(record).map_err(|e| Error::Parse {
        what: "record",
        input: record.label().to_owned(),
        reason: e.to_string(),
    })?;
    walk(&mut value, &from.to_string(), &to.to_string());
    serde_json::from_value(value).map_err(|e| Error::Parse {
        what: "record",
        input: record.label().to_owned(),
        reason: e.to_string(),
    })
}

/// Fetches a stored record into `view`, returning its parent (if any), so
/// that parent chains can be followed for cycle checks.
fn fetch_into(tx: &Connection, record: RecordRef, view: &mut Dataset) -> Result<Option<RecordRef>> {
    crate::with_record_kind!(record.kind, T => {
        let Some(found) = rows::read_current::<T>(tx, record.id)? else { return Ok(None) };
        let parent = found.references().into_iter().find(|(field, _)| *field == "parent").map(|(_, r)| r);
        T::collection_mut(view).push(found);
        Ok(parent)
    })
}

/// How many records of each kind a batch brings, in [`RecordKind::ALL`] order.
fn counts(data: &Dataset) -> [usize; 8] {
    RecordKind::ALL.map(|kind| crate::with_record_kind!(kind, T => T::collection(data).len()))
}

fn ids_of(data: &Dataset, known: &mut IdSet<Uuid>) {
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => known.extend(T::collection(data).iter().map(Record::uuid)));
    }
}

fn references_of(data: &Dataset, out: &mut Vec<RecordRef>) {
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            for record in T::collection(data) {
                out.extend(record.references().into_iter().map(|(_, r)| r));
            }
        });
    }
}

/// Validates the batch's records against the stored records they refer to,
/// before anything is written. Returns the warnings, or every error.
fn validate_batch(tx: &Connection, view: &mut Dataset, deleted: &IdSet<Uuid>) -> Result<Report> {
    let incoming = counts(view);
    let mut known = IdSet::default();
    ids_of(view, &mut known);
    let mut pending = Vec::new();
    references_of(view, &mut pending);
    while let Some(reference) = pending.pop() {
        if deleted.contains(&reference.id) || !known.insert(reference.id) {
            continue;
        }
        if let Some(parent) = fetch_into(tx, reference, view)? {
            pending.push(parent);
        }
    }
    let report = view.validate();
    // Problems in stored records fetched only as context are not this batch's.
    let own = report
        .into_iter()
        .filter(|problem| match problem.path.segments() {
            [Segment::Field(collection), Segment::Index(index), ..] => RecordKind::ALL
                .iter()
                .position(|k| k.collection() == collection)
                .is_some_and(|k| *index < incoming[k]),
            _ => true,
        });
    let report = Report::new(own.collect());
    let report = report.into_result()?;
    // Drop the context again: only the batch's own records are written.
    for (k, kind) in RecordKind::ALL.into_iter().enumerate() {
        crate::with_record_kind!(kind, T => T::collection_mut(view).truncate(incoming[k]));
    }
    Ok(report)
}

/// A revision time no earlier than the last one, so that "as recorded at"
/// follows revision order even if clocks step back.
fn next_recorded_at(tx: &Connection) -> Result<DateTime<Utc>> {
    let now = Utc::now();
    let last: Option<String> =
        tx.query_row("SELECT max(recorded_at) FROM revisions", [], |row| {
            row.get(0)
        })?;
    let last = last
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(last.map_or(now, |last| last.max(now)))
}

fn format_time(time: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order in SQL.
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn parse_time(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn revision_from_row(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Revision> {
    Ok(Revision {
        number: row.get(at)?,
        recorded_at: parse_time(&row.get::<_, String>(at + 1)?)?,
        actor: row.get(at + 2)?,
        summary: row.get(at + 3)?,
    })
}

fn revision(conn: &Connection, number: i64) -> Result<Revision> {
    Ok(conn
        .prepare_cached(
            "SELECT number, recorded_at, actor, summary FROM revisions WHERE number = ?1",
        )?
        .query_row([number], |row| revision_from_row(row, 0))?)
}

fn set_meta(tx: &Connection, key: &str, value: Option<&str>) -> Result<bool> {
    let Some(value) = value else { return Ok(false) };
    let current: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?;
    if current.as_deref() == Some(value) {
        return Ok(false);
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [key, value],
    )?;
    Ok(true)
}

fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?)
}

/// Reads every record of one kind as recorded at `revision` (or now, if
/// `None`), in the order they were first stored.
fn read_kind<T: Record>(conn: &Connection, revision: Option<i64>, out: &mut Dataset) -> Result<()> {
    let table = T::KIND.collection();
    let as_of = revision.unwrap_or(i64::MAX);
    let mut records: Vec<(i64, T)> = Vec::new();
    if T::KIND == RecordKind::Contribution {
        let sql = format!(
            "SELECT rowid, {CONTRIBUTION_COLUMNS} FROM contributions WHERE updated <= ?1 ORDER BY rowid"
        );
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([as_of], |row| {
            Ok((row.get(0)?, rows::contribution_from_row(row, 1)?))
        })?;
        for row in rows {
            let (position, contribution) = row?;
            records.push((position, rows::from_contribution(contribution)));
        }
    } else {
        let sql = format!("SELECT rowid, doc FROM {table} WHERE updated <= ?1 ORDER BY rowid");
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([as_of], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (position, doc) = row?;
            records.push((position, rows::from_doc(&doc)?));
        }
    }
    if let Some(as_of) = revision {
        // Records changed or deleted since: their value before the first later change.
        let mut statement = conn.prepare(
            "SELECT h.position, h.doc FROM history h
             WHERE h.kind = ?1 AND h.revision > ?2 AND h.created <= ?2
               AND h.seq = (SELECT min(seq) FROM history WHERE id = h.id AND revision > ?2)",
        )?;
        let rows = statement.query_map(params![T::KIND.as_str(), as_of], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (position, doc) = row?;
            records.push((position, rows::from_doc(&doc)?));
        }
        records.sort_by_key(|(position, _)| *position);
    }
    T::collection_mut(out).extend(records.into_iter().map(|(_, record)| record));
    Ok(())
}

fn read_dataset(conn: &Connection, revision: Option<i64>) -> Result<Dataset> {
    let mut data = Dataset::new();
    data.title = meta(conn, "title")?;
    data.source = meta(conn, "source")?;
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => read_kind::<T>(conn, revision, &mut data)?);
    }
    Ok(data)
}

impl Store for SqliteStore {
    fn apply(&mut self, batch: Batch, actor: &str, summary: &str) -> Result<Applied> {
        self.apply_with(actor, summary, |_| Ok(batch), |_, _| Ok(()))
    }

    fn get<T: Record>(&self, id: T::Id) -> Result<Option<T>> {
        let id: RecordRef = id.into();
        rows::read_current(&self.conn, id.id)
    }

    fn all<T: Record>(&self) -> Result<Vec<T>> {
        let mut data = Dataset::new();
        read_kind::<T>(&self.conn, None, &mut data)?;
        Ok(std::mem::take(T::collection_mut(&mut data)))
    }

    fn find_by_name<T: Record>(&self, name: &str) -> Result<Vec<T>> {
        let ids: Vec<Uuid> = self
            .conn
            .prepare_cached("SELECT DISTINCT id FROM names WHERE kind = ?1 AND name = ?2")?
            .query_map(params![T::KIND.as_str(), fold(name)], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .filter_map(|id| rows::read_current::<T>(&self.conn, id).transpose())
            .collect()
    }

    fn find_by_natural_key<T: Record>(&self, key: &str) -> Result<Option<T>> {
        if T::KIND == RecordKind::Contribution {
            return Ok(None);
        }
        let sql = format!(
            "SELECT doc FROM {} WHERE natural_key = ?1",
            T::KIND.collection()
        );
        let doc: Option<String> = self
            .conn
            .query_row(&sql, [key], |row| row.get(0))
            .optional()?;
        doc.map(|doc| rows::from_doc(&doc)).transpose()
    }

    fn organisation_by_identifier(&self, value: &str) -> Result<Option<Organisation>> {
        let id: Option<Uuid> = self
            .conn
            .query_row(
                "SELECT id FROM names WHERE kind = 'identifier' AND name = ?1",
                [fold(value)],
                |row| row.get(0),
            )
            .optional()?;
        id.map_or(Ok(None), |id| rows::read_current(&self.conn, id))
    }

    fn dataset(&self) -> Result<Dataset> {
        read_dataset(&self.conn, None)
    }

    fn dataset_at(&self, moment: DateTime<Utc>) -> Result<Dataset> {
        let number: Option<i64> = self.conn.query_row(
            "SELECT max(number) FROM revisions WHERE recorded_at <= ?1",
            [format_time(moment)],
            |row| row.get(0),
        )?;
        match number {
            Some(number) => read_dataset(&self.conn, Some(number)),
            None => Ok(Dataset::new()),
        }
    }

    fn revisions(&self) -> Result<Vec<Revision>> {
        let mut statement = self
            .conn
            .prepare("SELECT number, recorded_at, actor, summary FROM revisions ORDER BY number")?;
        let revisions = statement
            .query_map([], |row| revision_from_row(row, 0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(revisions)
    }

    fn history<T: Record>(&self, id: T::Id) -> Result<Vec<Change<T>>> {
        let uuid = id.into().id;
        let mut statement = self.conn.prepare_cached(
            "SELECT h.action, h.created, h.doc, r.number, r.recorded_at, r.actor, r.summary
             FROM history h JOIN revisions r ON r.number = h.revision
             WHERE h.id = ?1 ORDER BY h.seq",
        )?;
        let entries: Vec<(String, i64, String, Revision)> = statement
            .query_map([uuid], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    revision_from_row(row, 3)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let current: Option<T> = rows::read_current(&self.conn, uuid)?;
        let current_created: Option<i64> = if current.is_some() {
            let sql = format!("SELECT created FROM {} WHERE id = ?1", T::KIND.collection());
            Some(self.conn.query_row(&sql, [uuid], |row| row.get(0))?)
        } else {
            None
        };

        let mut changes = Vec::new();
        let mut exists = false;
        for (i, (action, created, doc, revision_then)) in entries.iter().enumerate() {
            let before: T = rows::from_doc(doc)?;
            if !exists {
                changes.push(Change {
                    revision: revision(&self.conn, *created)?,
                    action: Action::Created,
                    before: None,
                    after: Some(before.clone()),
                });
            }
            let action = match action.as_str() {
                "deleted" => Action::Deleted,
                "erased" => Action::Erased,
                _ => Action::Updated,
            };
            exists = action != Action::Deleted;
            let after = if exists {
                match entries.get(i + 1) {
                    Some((_, _, next, _)) => Some(rows::from_doc(next)?),
                    None => current.clone(),
                }
            } else {
                None
            };
            changes.push(Change {
                revision: revision_then.clone(),
                action,
                before: Some(before),
                after,
            });
        }
        if let (Some(current), Some(created), false) = (current, current_created, exists) {
            changes.push(Change {
                revision: revision(&self.conn, created)?,
                action: Action::Created,
                before: None,
                after: Some(current),
            });
        }
        Ok(changes)
    }

    fn erase_person(&mut self, id: PersonId, actor: &str) -> Result<()> {
        let uuid = *id.as_uuid();
        let name_index = self.name_index;
        let tx = self.begin_write()?;
        let before =
            stored(&tx, RecordKind::Person, uuid)?.ok_or(Error::NotFound { record: id.into() })?;
        let mut person: Person = rows::from_doc(&before.doc)?;
        let name = std::mem::take(&mut person.name);
        person.erase();
        let erased_doc = rows::to_doc(&person)?;

        let recorded_at = next_recorded_at(&tx)?;
        tx.execute(
            "INSERT INTO revisions (recorded_at, actor, summary) VALUES (?1, ?2, ?3)",
            params![
                format_time(recorded_at),
                actor,
                format!("erase personal data of person {id}")
            ],
        )?;
        let revision = tx.last_insert_rowid();
        // Scrub every earlier version too: erasure that left the name in the
        // history would not be erasure.
        let old: Vec<(i64, String)> = tx
            .prepare("SELECT seq, doc FROM history WHERE id = ?1")?
            .query_map([uuid], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (seq, doc) in old {
            let mut version: Person = rows::from_doc(&doc)?;
            version.erase();
            tx.execute(
                "UPDATE history SET doc = ?2 WHERE seq = ?1",
                params![seq, rows::to_doc(&version)?],
            )?;
        }
        record_history(
            &tx,
            revision,
            RecordKind::Person,
            uuid,
            Action::Erased,
            &Stored {
                doc: erased_doc.clone(),
                ..before
            },
        )?;
        tx.execute(
            "UPDATE people SET natural_key = NULL, label = '', updated = ?2, doc = ?3 WHERE id = ?1",
            params![uuid, revision, erased_doc],
        )?;
        if name_index {
            tx.execute("DELETE FROM names WHERE id = ?1", [uuid])?;
        }
        redact_notes(&tx, uuid, &name, name_index)?;
        tx.commit()?;
        Ok(())
    }

    fn export_person(&self, id: PersonId) -> Result<PersonExport> {
        let person: Person = self.get(id)?.ok_or(Error::NotFound { record: id.into() })?;
        let history = self.history::<Person>(id)?;
        let note_ids: Vec<Uuid> = self
            .conn
            .prepare("SELECT DISTINCT source FROM refs WHERE target = ?1 AND source_kind = 'note'")?
            .query_map([id.as_uuid()], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let notes = note_ids
            .into_iter()
            .filter_map(|n| rows::read_current::<Note>(&self.conn, n).transpose())
            .collect::<Result<_>>()?;
        Ok(PersonExport {
            person,
            history,
            notes,
        })
    }

    fn merge<T: Record>(&mut self, keep: T::Id, remove: T::Id, actor: &str) -> Result<Applied> {
        let (keep, remove): (RecordRef, RecordRef) = (keep.into(), remove.into());
        if keep == remove {
            return Err(Error::Conflict {
                message: format!("cannot merge {keep} into itself"),
            });
        }
        let summary = format!("merge {remove} into {}", keep.id);
        self.apply_with(
            actor,
            &summary,
            |tx| {
                for record in [keep, remove] {
                    if stored(tx, record.kind, record.id)?.is_none() {
                        return Err(Error::NotFound { record });
                    }
                }
                let mut batch = Batch::new();
                for referrer in all_referrers(tx, remove)? {
                    crate::with_record_kind!(referrer.kind, R => {
                        if let Some(record) = rows::read_current::<R>(tx, referrer.id)? {
                            R::collection_mut(&mut batch.upserts).push(rewrite(&record, remove.id, keep.id)?);
                        }
                    });
                }
                batch.deletes.push(remove);
                Ok(batch)
            },
            |tx, revision| {
                tx.execute(
                    "INSERT INTO merges (revision, kind, kept, removed) VALUES (?1, ?2, ?3, ?4)",
                    params![revision, remove.kind.as_str(), keep.id, remove.id],
                )?;
                Ok(())
            },
        )
    }

    fn undo_merge(&mut self, revision: i64, actor: &str) -> Result<Applied> {
        let summary = format!("undo merge {revision}");
        self.apply_with(
            actor,
            &summary,
            |tx| {
                let merge: Option<(Option<i64>,)> = tx
                    .query_row("SELECT undone_by FROM merges WHERE revision = ?1", [revision], |row| Ok((row.get(0)?,)))
                    .optional()?;
                match merge {
                    None => return Err(Error::Conflict { message: format!("revision {revision} is not a merge") }),
                    Some((Some(undone),)) => {
                        return Err(Error::Conflict {
                            message: format!("merge {revision} was already undone in revision {undone}"),
                        });
                    }
                    Some((None,)) => {}
                }
                // Put back every record the merge changed or deleted, as it was.
                let changed: Vec<(String, Uuid, String)> = tx
                    .prepare("SELECT kind, id, doc FROM history WHERE revision = ?1 ORDER BY seq")?
                    .query_map([revision], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut batch = Batch::new();
                for (kind, id, doc) in changed {
                    let kind = RecordKind::ALL.into_iter().find(|k| k.as_str() == kind).unwrap_or(RecordKind::Note);
                    let later: Option<i64> = tx
                        .query_row(&format!("SELECT updated FROM {} WHERE id = ?1", kind.collection()), [id], |row| row.get(0))
                        .optional()?;
                    if later.is_some_and(|updated| updated != revision) {
                        return Err(Error::Conflict {
                            message: format!("{kind} {id} has changed since merge {revision}; undo those changes first"),
                        });
                    }
                    crate::with_record_kind!(kind, R => R::collection_mut(&mut batch.upserts).push(rows::from_doc::<R>(&doc)?));
                }
                Ok(batch)
            },
            |tx, undo| {
                tx.execute("UPDATE merges SET undone_by = ?2 WHERE revision = ?1", params![revision, undo])?;
                Ok(())
            },
        )
    }

    fn merged_into(&self, id: Uuid) -> Result<Option<Uuid>> {
        let mut current = id;
        let mut seen = vec![id];
        loop {
            let next: Option<Uuid> = self
                .conn
                .query_row(
                    "SELECT kept FROM merges WHERE removed = ?1 AND undone_by IS NULL ORDER BY revision DESC LIMIT 1",
                    [current],
                    |row| row.get(0),
                )
                .optional()?;
            match next {
                Some(kept) if !seen.contains(&kept) => {
                    seen.push(kept);
                    current = kept;
                }
                _ => return Ok((current != id).then_some(current)),
            }
        }
    }

    fn backup(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::Conflict {
                message: format!("{} already exists; back up to a new file", path.display()),
            });
        }
        self.conn.backup(
            rusqlite::MAIN_DB,
            path,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_in_wal_mode_with_foreign_keys_on() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("x.db")).expect("opens");
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .expect("fk");
        assert_eq!(fk, 1);
        let timeout: i64 = store
            .conn
            .pragma_query_value(None, "busy_timeout", |r| r.get(0))
            .expect("timeout");
        assert!(timeout >= 1000, "a busy file is waited for, not reported");
    }

    #[test]
    fn foreign_keys_back_up_validation() {
        // Bypass validation: the database itself still refuses a dangling donor.
        let store = SqliteStore::in_memory().expect("opens");
        let result = store.conn.execute(
            "INSERT INTO contributions (id, kind, donor, recipient, basis, created, updated)
             VALUES (x'01', 'cash', x'02', x'03', 'unknown', 1, 1)",
            [],
        );
        assert!(result.is_err(), "the insert must fail on its foreign keys");
    }
}
