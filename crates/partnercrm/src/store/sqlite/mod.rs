//! The embedded default backend: one SQLite file (or memory), in WAL mode,
//! with foreign keys on. SQL, rows, migrations and locking only; the policy
//! is the engine's ([`Store`](super::Store)).

mod rows;
mod schema;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::backend::{
    Backend, Body, HistoryRow, MergeRow, Put, PutBody, Referrer, Row, Snapshot, WriteTx,
};
use super::{Action, Revision};
use crate::model::{RecordKind, RecordRef};
use crate::{Error, Result};

use rows::{CONTRIBUTION_COLUMNS, ContributionRow};

/// How long a writer waits for another process's write to finish, unless
/// [`Backend::set_busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The newest schema version this build writes.
pub const CURRENT_SCHEMA_VERSION: i64 = schema::CURRENT_VERSION;

/// A batch of contributions above this size, and larger than the table,
/// sets the table's indexes aside and builds them afresh: SQLite builds an
/// index by sorting, much faster than a million random insertions.
const BULK_ROWS: usize = 10_000;

/// A store's rows in one SQLite file, or in memory.
pub struct SqliteBackend {
    conn: Connection,
    path: String,
    busy_timeout: Duration,
    /// Whether the file has the name index (schema 2 on); a store opened at
    /// schema 1 for migration tests writes what schema 1 wrote.
    name_index: bool,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteBackend {
    /// Opens the file at `path`, creating it if needed and migrating an
    /// older one. A file from a newer version is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_at_version(path, schema::CURRENT_VERSION)
    }

    /// A store that lives in memory and is gone when dropped.
    pub fn in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, DEFAULT_BUSY_TIMEOUT)?;
        schema::migrate(&mut conn, ":memory:", schema::CURRENT_VERSION)?;
        Ok(Self {
            conn,
            path: ":memory:".to_owned(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            name_index: true,
        })
    }

    /// Opens or creates a file, migrating only up to `version`. For testing
    /// migrations: a file made this way is what that older version wrote.
    pub fn open_at_version(path: impl AsRef<Path>, version: i64) -> Result<Self> {
        let path = path.as_ref();
        let path_text = path.display().to_string();
        if path.as_os_str().is_empty() {
            return Err(Error::Parse {
                what: "store path",
                input: String::new(),
                reason: "an empty path names no file (SQLite would open a temporary store, \
                         lost on close); name a file, or use an in-memory store"
                    .to_owned(),
            });
        }
        create_private(path)?;
        let mut conn = Connection::open(path)?;
        let not_a_store = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::NotAStore {
                path: path_text.clone(),
                reason: "it is not an SQLite database".to_owned(),
            },
            _ => e.into(),
        };
        configure(&conn, DEFAULT_BUSY_TIMEOUT).map_err(|e| match e {
            Error::Storage(e) => not_a_store(e),
            other => other,
        })?;
        schema::check_application(&conn, &path_text)?;
        schema::migrate(&mut conn, &path_text, version).map_err(|e| busy(e, &path_text, None))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        Ok(Self {
            conn,
            path: path_text,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            name_index: found >= 2,
        })
    }
}

/// Copies every record, history entry, revision and merge `source` holds
/// into a new SQLite store at `path`: the backup of a store in another
/// backend. Positions, revision numbers and history sequence numbers are
/// kept, so the copy reads back, now and as recorded earlier, in the same
/// order. On failure the new file is removed.
pub(crate) fn copy_into(source: &dyn Snapshot, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::Conflict {
            message: format!("{} already exists; back up to a new file", path.display()),
        });
    }
    let copied = SqliteBackend::open(path).and_then(|mut target| {
        let location = target.path.clone();
        let tx = Transaction::new_unchecked(&target.conn, TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "defer_foreign_keys", true)?;
        let mut tx = SqliteTx {
            tx,
            path: &location,
            name_index: true,
            set_aside: Vec::new(),
        };
        for revision in source.revisions()? {
            tx.tx.execute(
                "INSERT INTO revisions (number, recorded_at, actor, summary) VALUES (?1, ?2, ?3, ?4)",
                params![revision.number, format_time(revision.recorded_at), revision.actor, revision.summary],
            )?;
        }
        for kind in RecordKind::ALL {
            crate::with_record_kind!(kind, T => {
                for row in source.rows(kind, None)? {
                    let record: T = row.body.decode()?;
                    let put = Put::of(&record)?;
                    tx.insert(&put, row.created)?;
                    tx.tx.execute(
                        &format!("UPDATE {} SET rowid = ?2, updated = ?3 WHERE id = ?1", kind.collection()),
                        params![put.id, row.position, row.updated],
                    )?;
                }
                for entry in source.history_of_kind(kind)? {
                    tx.tx.execute(
                        "INSERT INTO history (seq, revision, kind, id, action, created, position, doc)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![entry.seq, entry.revision, entry.kind.as_str(), entry.id,
                                action_str(entry.action), entry.created, entry.position, entry.doc],
                    )?;
                }
            });
        }
        for revision in source.revisions()? {
            if let Some(merge) = source.merge(revision.number)? {
                tx.add_merge(revision.number, &merge)?;
                if let Some(undo) = merge.undone_by {
                    tx.mark_merge_undone(revision.number, undo)?;
                }
            }
        }
        for key in ["title", "source"] {
            if let Some(value) = source.meta(key)? {
                tx.set_meta(key, &value)?;
            }
        }
        Box::new(tx).commit()?;
        target.scrub()
    });
    if copied.is_err() {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    copied
}

/// Creates the file readable and writable by its owner only, if it does not
/// exist: it holds personal data. SQLite gives its log and shared-memory
/// files the database file's permissions.
fn create_private(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn configure(conn: &Connection, busy_timeout: Duration) -> Result<()> {
    // SQLite's busy handler sleeps until the timeout has accumulated, for
    // BEGIN IMMEDIATE as for every statement: no retry loop of our own.
    conn.busy_timeout(busy_timeout)?;
    // WAL lets readers go on while one process writes; FULL makes a commit
    // durable once it returns.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    // Deleted and overwritten content is zeroed, so that an erased person's
    // details do not linger in freed pages.
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Turns SQLite's "database is locked" into the typed busy error.
fn busy(error: Error, path: &str, since: Option<Instant>) -> Error {
    match error {
        Error::Storage(e) if is_busy(&e) => Error::Busy {
            location: path.to_owned(),
            waited: since.map_or(Duration::ZERO, |s| s.elapsed()),
        },
        other => other,
    }
}

impl Backend for SqliteBackend {
    fn location(&self) -> &str {
        &self.path
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>> {
        let started = Instant::now();
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(|e| busy(e.into(), &self.path, Some(started)))?;
        Ok(Box::new(SqliteTx {
            tx,
            path: &self.path,
            name_index: self.name_index,
            set_aside: Vec::new(),
        }))
    }

    fn begin(&mut self) -> Result<Box<dyn WriteTx + '_>> {
        let started = Instant::now();
        // IMMEDIATE takes the write lock up front, so two writers never
        // deadlock upgrading from a read.
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| busy(e.into(), &self.path, Some(started)))?;
        // Checked at commit, so a batch may list records in any order.
        tx.pragma_update(None, "defer_foreign_keys", true)?;
        Ok(Box::new(SqliteTx {
            tx,
            path: &self.path,
            name_index: self.name_index,
            set_aside: Vec::new(),
        }))
    }

    fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        // SQLite keeps the timeout in a C int of milliseconds.
        if timeout.as_millis() > i32::MAX as u128 {
            return Err(Error::Parse {
                what: "busy timeout",
                input: format!("{} s", timeout.as_secs()),
                reason: format!("at most {} s", i32::MAX / 1000),
            });
        }
        self.conn.busy_timeout(timeout)?;
        self.busy_timeout = timeout;
        Ok(())
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    fn backup(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::Conflict {
                message: format!("{} already exists; back up to a new file", path.display()),
            });
        }
        create_private(path)?;
        self.conn.backup(
            rusqlite::MAIN_DB,
            path,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        Ok(())
    }

    fn scrub(&mut self) -> Result<()> {
        if self.path == ":memory:" {
            return Ok(());
        }
        // secure_delete (always on) has zeroed freed pages; the log still
        // holds the pages as they were until it is checkpointed and cut.
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
        if busy != 0 {
            return Err(Error::Busy {
                location: self.path.clone(),
                waited: self.busy_timeout,
            });
        }
        Ok(())
    }

    fn verify_integrity(&self) -> Result<()> {
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
}

/// A read or write transaction on the connection.
struct SqliteTx<'c> {
    tx: Transaction<'c>,
    path: &'c str,
    name_index: bool,
    /// Indexes dropped for a bulk load, with the SQL that makes them again.
    set_aside: Vec<(String, String)>,
}

fn action_str(action: Action) -> &'static str {
    match action {
        Action::Created => "created",
        Action::Updated => "updated",
        Action::Deleted => "deleted",
        Action::Erased => "erased",
    }
}

fn action_of(text: &str) -> Action {
    match text {
        "created" => Action::Created,
        "deleted" => Action::Deleted,
        "erased" => Action::Erased,
        _ => Action::Updated,
    }
}

fn kind_of(text: &str) -> rusqlite::Result<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("stored record kind {text:?} is not valid").into(),
            )
        })
}

const HISTORY_COLUMNS: &str = "seq, revision, kind, id, action, created, position, doc";

fn history_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryRow> {
    Ok(HistoryRow {
        seq: row.get(0)?,
        revision: row.get(1)?,
        kind: kind_of(row.get_ref(2)?.as_str()?)?,
        id: row.get(3)?,
        action: action_of(row.get_ref(4)?.as_str()?),
        created: row.get(5)?,
        position: row.get(6)?,
        doc: row.get(7)?,
    })
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

fn revision_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Revision> {
    Ok(Revision {
        number: row.get(0)?,
        recorded_at: parse_time(&row.get::<_, String>(1)?)?,
        actor: row.get(2)?,
        summary: row.get(3)?,
    })
}

impl SqliteTx<'_> {
    fn map_busy<T>(&self, result: rusqlite::Result<T>) -> Result<T> {
        result.map_err(|e| busy(e.into(), self.path, None))
    }

    fn ids(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Uuid>> {
        let ids = self
            .tx
            .prepare_cached(sql)?
            .query_map(params, |row| row.get(0))?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(ids)
    }

    fn write_index(&self, put: &Put<'_>) -> Result<()> {
        if put.kind == RecordKind::Contribution {
            return Ok(());
        }
        let id = put.id;
        self.tx
            .prepare_cached("DELETE FROM refs WHERE source = ?1")?
            .execute([id])?;
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO refs (source_kind, source, field, target_kind, target) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (field, target) in &put.references {
            insert.execute(params![
                put.kind.as_str(),
                id,
                field,
                target.kind.as_str(),
                target.id
            ])?;
        }
        if self.name_index {
            self.tx
                .prepare_cached("DELETE FROM names WHERE id = ?1")?
                .execute([id])?;
            let mut insert = self
                .tx
                .prepare_cached("INSERT INTO names (kind, id, name) VALUES (?1, ?2, ?3)")?;
            for name in &put.names {
                insert.execute(params![put.kind.as_str(), id, name])?;
            }
            // External identifiers are looked up the same way, under their own kind.
            for identifier in &put.identifiers {
                insert.execute(params!["identifier", id, identifier])?;
            }
        }
        Ok(())
    }
}

impl Snapshot for SqliteTx<'_> {
    fn row(&self, kind: RecordKind, id: Uuid) -> Result<Option<Row>> {
        if kind == RecordKind::Contribution {
            let sql = format!(
                "SELECT created, updated, rowid, {CONTRIBUTION_COLUMNS} FROM contributions WHERE id = ?1"
            );
            let found = self
                .tx
                .prepare_cached(&sql)?
                .query_row([id], |row| {
                    Ok(Row {
                        created: row.get(0)?,
                        updated: row.get(1)?,
                        position: row.get(2)?,
                        body: Body::Contribution(Box::new(rows::contribution_from_row(row, 3)?)),
                    })
                })
                .optional();
            return self.map_busy(found);
        }
        let sql = format!(
            "SELECT created, updated, rowid, doc FROM {} WHERE id = ?1",
            kind.collection()
        );
        let found = self
            .tx
            .prepare_cached(&sql)?
            .query_row([id], |row| {
                Ok(Row {
                    created: row.get(0)?,
                    updated: row.get(1)?,
                    position: row.get(2)?,
                    body: Body::Doc(row.get(3)?),
                })
            })
            .optional();
        self.map_busy(found)
    }

    fn rows(&self, kind: RecordKind, as_of: Option<i64>) -> Result<Vec<Row>> {
        let as_of = as_of.unwrap_or(i64::MAX);
        let rows = if kind == RecordKind::Contribution {
            let sql = format!(
                "SELECT created, updated, rowid, {CONTRIBUTION_COLUMNS} FROM contributions
                 WHERE updated <= ?1 ORDER BY rowid"
            );
            let mut statement = self.tx.prepare(&sql)?;
            statement
                .query_map([as_of], |row| {
                    Ok(Row {
                        created: row.get(0)?,
                        updated: row.get(1)?,
                        position: row.get(2)?,
                        body: Body::Contribution(Box::new(rows::contribution_from_row(row, 3)?)),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        } else {
            let sql = format!(
                "SELECT created, updated, rowid, doc FROM {} WHERE updated <= ?1 ORDER BY rowid",
                kind.collection()
            );
            let mut statement = self.tx.prepare(&sql)?;
            statement
                .query_map([as_of], |row| {
                    Ok(Row {
                        created: row.get(0)?,
                        updated: row.get(1)?,
                        position: row.get(2)?,
                        body: Body::Doc(row.get(3)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        };
        self.map_busy(rows)
    }

    fn first_changes_after(&self, kind: RecordKind, revision: i64) -> Result<Vec<HistoryRow>> {
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM history h
             WHERE h.kind = ?1 AND h.revision > ?2 AND h.created <= ?2
               AND h.seq = (SELECT min(seq) FROM history WHERE id = h.id AND revision > ?2)"
        );
        let rows = self
            .tx
            .prepare(&sql)?
            .query_map(params![kind.as_str(), revision], history_row)?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(rows)
    }

    fn history_of(&self, id: Uuid) -> Result<Vec<HistoryRow>> {
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE id = ?1 ORDER BY seq");
        let rows = self
            .tx
            .prepare_cached(&sql)?
            .query_map([id], history_row)?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(rows)
    }

    fn history_in(&self, revision: i64) -> Result<Vec<HistoryRow>> {
        // history_by_revision leads with the kind, so this scans: undo is rare.
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE revision = ?1 ORDER BY seq");
        let rows = self
            .tx
            .prepare(&sql)?
            .query_map([revision], history_row)?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(rows)
    }

    fn history_of_kind(&self, kind: RecordKind) -> Result<Vec<HistoryRow>> {
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE kind = ?1 ORDER BY seq");
        let rows = self
            .tx
            .prepare(&sql)?
            .query_map([kind.as_str()], history_row)?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(rows)
    }

    fn ids_named(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT DISTINCT id FROM names WHERE kind = ?1 AND name = ?2",
            params![kind.as_str(), folded],
        )
    }

    fn ids_with_name_part(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT DISTINCT id FROM names \
             WHERE (kind = ?1 OR (?1 = 'organisation' AND kind = 'identifier')) \
             AND instr(name, ?2) > 0 ORDER BY id",
            params![kind.as_str(), folded],
        )
    }

    fn ids_with_identifier(&self, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT DISTINCT id FROM names WHERE kind = 'identifier' AND name = ?1",
            [folded],
        )
    }

    fn id_with_natural_key(&self, kind: RecordKind, key: &str) -> Result<Option<Uuid>> {
        if kind == RecordKind::Contribution {
            return Ok(None);
        }
        let sql = format!(
            "SELECT id FROM {} WHERE natural_key = ?1",
            kind.collection()
        );
        let found = self
            .tx
            .prepare_cached(&sql)?
            .query_row([key], |row| row.get(0))
            .optional();
        self.map_busy(found)
    }

    fn referrers(
        &self,
        target: RecordRef,
        field: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Referrer>> {
        let limit = limit.map_or(-1, |l| l as i64);
        let mut found: Vec<Referrer> = self
            .tx
            .prepare_cached(
                "SELECT source_kind, source, field FROM refs
                 WHERE target = ?1 AND (?2 IS NULL OR field = ?2) LIMIT ?3",
            )?
            .query_map(params![target.id, field, limit], |row| {
                Ok(Referrer {
                    record: RecordRef {
                        kind: kind_of(row.get_ref(0)?.as_str()?)?,
                        id: row.get(1)?,
                    },
                    field: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Contributions refer through columns, and to projects through allocations too.
        let columns: &[&str] = match target.kind {
            RecordKind::Organisation => &["donor", "recipient"],
            RecordKind::Project => &["project", "allocations"],
            RecordKind::Agreement => &["agreement"],
            _ => &[],
        };
        for column in columns {
            if field.is_some_and(|f| f != *column) {
                continue;
            }
            let ids = if *column == "allocations" {
                // A JSON column; deleting projects is rare enough to scan.
                self.ids(
                    "SELECT id FROM contributions WHERE instr(allocations, ?1) > 0 LIMIT ?2",
                    params![target.id.to_string(), limit],
                )?
            } else {
                let sql = format!("SELECT id FROM contributions WHERE {column} = ?1 LIMIT ?2");
                self.ids(&sql, params![target.id, limit])?
            };
            found.extend(ids.into_iter().map(|id| Referrer {
                record: RecordRef {
                    kind: RecordKind::Contribution,
                    id,
                },
                field: (*column).to_owned(),
            }));
        }
        Ok(found)
    }

    fn count(&self, kind: RecordKind) -> Result<usize> {
        let sql = format!("SELECT count(*) FROM {}", kind.collection());
        let count = self.tx.query_row(&sql, [], |row| row.get::<_, i64>(0));
        Ok(self.map_busy(count)? as usize)
    }

    fn revision(&self, number: i64) -> Result<Revision> {
        let found = self
            .tx
            .prepare_cached(
                "SELECT number, recorded_at, actor, summary FROM revisions WHERE number = ?1",
            )?
            .query_row([number], revision_from_row);
        self.map_busy(found)
    }

    fn revisions(&self) -> Result<Vec<Revision>> {
        let revisions = self
            .tx
            .prepare("SELECT number, recorded_at, actor, summary FROM revisions ORDER BY number")?
            .query_map([], revision_from_row)?
            .collect::<rusqlite::Result<_>>();
        self.map_busy(revisions)
    }

    fn revision_at(&self, moment: DateTime<Utc>) -> Result<Option<i64>> {
        let found = self.tx.query_row(
            "SELECT max(number) FROM revisions WHERE recorded_at <= ?1",
            [format_time(moment)],
            |row| row.get(0),
        );
        self.map_busy(found)
    }

    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>> {
        let last: Option<String> = self.map_busy(self.tx.query_row(
            "SELECT max(recorded_at) FROM revisions",
            [],
            |row| row.get(0),
        ))?;
        Ok(last.map(|t| parse_time(&t)).transpose()?)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        let found = self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional();
        self.map_busy(found)
    }

    fn merge(&self, revision: i64) -> Result<Option<MergeRow>> {
        let found = self
            .tx
            .query_row(
                "SELECT kind, kept, removed, undone_by FROM merges WHERE revision = ?1",
                [revision],
                |row| {
                    Ok(MergeRow {
                        kind: kind_of(row.get_ref(0)?.as_str()?)?,
                        kept: row.get(1)?,
                        removed: row.get(2)?,
                        undone_by: row.get(3)?,
                    })
                },
            )
            .optional();
        self.map_busy(found)
    }

    fn kept_for(&self, removed: Uuid) -> Result<Option<Uuid>> {
        let found = self
            .tx
            .prepare_cached(
                "SELECT kept FROM merges WHERE removed = ?1 AND undone_by IS NULL
                 ORDER BY revision DESC LIMIT 1",
            )?
            .query_row([removed], |row| row.get(0))
            .optional();
        self.map_busy(found)
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

impl WriteTx for SqliteTx<'_> {
    fn add_revision(
        &mut self,
        recorded_at: DateTime<Utc>,
        actor: &str,
        summary: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO revisions (recorded_at, actor, summary) VALUES (?1, ?2, ?3)",
            params![format_time(recorded_at), actor, summary],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    fn insert(&mut self, put: &Put<'_>, revision: i64) -> Result<Option<Row>> {
        match &put.body {
            PutBody::Contribution(c) => {
                let row = ContributionRow::new(c)?;
                if row.execute(&mut self.tx.prepare_cached(INSERT_CONTRIBUTION)?, revision)? == 1 {
                    return Ok(None);
                }
                self.row(RecordKind::Contribution, put.id)
            }
            PutBody::Doc(doc) => {
                if let Some(stored) = self.row(put.kind, put.id)? {
                    return Ok(Some(stored));
                }
                let sql = format!(
                    "INSERT INTO {} (id, natural_key, label, created, updated, doc) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                    put.kind.collection()
                );
                self.tx.prepare_cached(&sql)?.execute(params![
                    put.id,
                    put.natural_key,
                    put.label,
                    revision,
                    doc
                ])?;
                self.write_index(put)?;
                Ok(None)
            }
        }
    }

    fn update(&mut self, put: &Put<'_>, revision: i64) -> Result<()> {
        match &put.body {
            PutBody::Contribution(c) => {
                ContributionRow::new(c)?
                    .execute(&mut self.tx.prepare_cached(UPDATE_CONTRIBUTION)?, revision)?;
            }
            PutBody::Doc(doc) => {
                let sql = format!(
                    "UPDATE {} SET natural_key = ?2, label = ?3, updated = ?4, doc = ?5 WHERE id = ?1",
                    put.kind.collection()
                );
                self.tx.prepare_cached(&sql)?.execute(params![
                    put.id,
                    put.natural_key,
                    put.label,
                    revision,
                    doc
                ])?;
                self.write_index(put)?;
            }
        }
        Ok(())
    }

    fn rewrite(&mut self, put: &Put<'_>) -> Result<()> {
        let doc = match &put.body {
            PutBody::Doc(doc) => doc,
            PutBody::Contribution(c) => {
                // The same columns, and the revision that last changed it kept.
                let updated: i64 = self.tx.query_row(
                    "SELECT updated FROM contributions WHERE id = ?1",
                    [put.id],
                    |row| row.get(0),
                )?;
                ContributionRow::new(c)?
                    .execute(&mut self.tx.prepare_cached(UPDATE_CONTRIBUTION)?, updated)?;
                return Ok(());
            }
        };
        let sql = format!(
            "UPDATE {} SET natural_key = ?2, label = ?3, doc = ?4 WHERE id = ?1",
            put.kind.collection()
        );
        self.tx
            .prepare_cached(&sql)?
            .execute(params![put.id, put.natural_key, put.label, doc])?;
        self.write_index(put)
    }

    fn delete(&mut self, record: RecordRef) -> Result<()> {
        self.tx
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE id = ?1",
                record.kind.collection()
            ))?
            .execute([record.id])?;
        self.tx
            .prepare_cached("DELETE FROM refs WHERE source = ?1")?
            .execute([record.id])?;
        if self.name_index {
            self.tx
                .prepare_cached("DELETE FROM names WHERE id = ?1")?
                .execute([record.id])?;
        }
        Ok(())
    }

    fn push_history(&mut self, entry: &HistoryRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO history (revision, kind, id, action, created, position, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                entry.revision,
                entry.kind.as_str(),
                entry.id,
                action_str(entry.action),
                entry.created,
                entry.position,
                entry.doc
            ])?;
        Ok(())
    }

    fn set_history_doc(&mut self, seq: i64, doc: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE history SET doc = ?2 WHERE seq = ?1",
            params![seq, doc],
        )?;
        Ok(())
    }

    fn set_revision_summary(&mut self, number: i64, summary: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE revisions SET summary = ?2 WHERE number = ?1",
            params![number, summary],
        )?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    fn add_merge(&mut self, revision: i64, merge: &MergeRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO merges (revision, kind, kept, removed) VALUES (?1, ?2, ?3, ?4)",
            params![revision, merge.kind.as_str(), merge.kept, merge.removed],
        )?;
        Ok(())
    }

    fn mark_merge_undone(&mut self, revision: i64, undo: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE merges SET undone_by = ?2 WHERE revision = ?1",
            params![revision, undo],
        )?;
        Ok(())
    }

    fn begin_bulk(&mut self, kind: RecordKind, rows: usize) -> Result<()> {
        // Counting a million rows costs milliseconds, so only for a batch
        // that could be a bulk load.
        if kind != RecordKind::Contribution || rows <= BULK_ROWS || rows <= self.count(kind)? {
            return Ok(());
        }
        // It all happens inside the batch's transaction, so a failure or a
        // kill leaves the indexes as they were.
        self.set_aside = self
            .tx
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name = 'contributions' AND sql IS NOT NULL",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, _) in &self.set_aside {
            self.tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
        Ok(())
    }

    fn end_bulk(&mut self, _kind: RecordKind) -> Result<()> {
        for (_, sql) in std::mem::take(&mut self.set_aside) {
            self.tx.execute_batch(&sql)?;
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let path = self.path;
        self.tx.commit().map_err(|e| busy(e.into(), path, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_in_wal_mode_with_foreign_keys_on() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = SqliteBackend::open(dir.path().join("x.db")).expect("opens");
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
        let store = SqliteBackend::in_memory().expect("opens");
        let result = store.conn.execute(
            "INSERT INTO contributions (id, kind, donor, recipient, basis, created, updated)
             VALUES (x'01', 'cash', x'02', x'03', 'unknown', 1, 1)",
            [],
        );
        assert!(result.is_err(), "the insert must fail on its foreign keys");
    }
}
