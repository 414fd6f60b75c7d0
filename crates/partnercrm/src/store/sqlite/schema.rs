//! The file's schema, and the migrations that bring an older file up to date.
//!
//! The schema version lives in SQLite's `user_version`. Each migration runs in
//! the same transaction as the version bump, so a file is always at exactly
//! one version. A migration, once released, never changes: a file written by
//! any earlier version must still open.

use rusqlite::Transaction;

use crate::model::{Record, RecordKind};
use crate::{Error, Result};

/// Kinds stored as a JSON document plus key columns; contributions, the
/// high-volume kind, have typed columns instead.
pub(super) const DOCUMENT_KINDS: [RecordKind; 7] = [
    RecordKind::Organisation,
    RecordKind::Person,
    RecordKind::Agreement,
    RecordKind::Project,
    RecordKind::Indicator,
    RecordKind::Group,
    RecordKind::Note,
];

type Migration = fn(&Transaction<'_>) -> Result<()>;

/// Every migration, in order: the file's version is how many have run.
const MIGRATIONS: &[Migration] = &[v1_initial, v2_name_index, v3_allocations, v4_merges];

/// The schema version this build writes.
pub(super) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// The mark a partnercrm store carries in SQLite's `application_id`: "PCRM".
pub(super) const APPLICATION_ID: i32 = 0x5043_524D;

/// Refuses a file that is an SQLite database of something else: one that is
/// neither empty, nor marked as a partnercrm store, nor an unmarked store an
/// earlier version made (which [`migrate`] marks).
pub(super) fn check_application(conn: &rusqlite::Connection, path: &str) -> Result<()> {
    let application: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if application == APPLICATION_ID {
        return Ok(());
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let ours = ["meta", "revisions", "organisations"]
        .iter()
        .all(|t| tables.iter().any(|n| n == t));
    if application == 0 && (tables.is_empty() || (version >= 1 && ours)) {
        return Ok(());
    }
    let reason = if application != 0 {
        format!("it is an SQLite database of another application (application_id {application:#x})")
    } else {
        let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
        format!(
            "it is an SQLite database with other tables ({}{})",
            shown.join(", "),
            if tables.len() > 5 { ", ..." } else { "" }
        )
    };
    Err(Error::NotAStore {
        path: path.to_owned(),
        reason,
    })
}

/// Brings the file to `target` (normally [`CURRENT_VERSION`]), refusing a
/// file newer than this build, and marks it as a partnercrm store.
pub(super) fn migrate(conn: &mut rusqlite::Connection, path: &str, target: i64) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > CURRENT_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: CURRENT_VERSION,
        });
    }
    for version in found..target {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if now > version {
            continue;
        }
        MIGRATIONS[version as usize](&tx)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    let application: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if application != APPLICATION_ID {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    Ok(())
}

fn v1_initial(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE revisions (
             number INTEGER PRIMARY KEY AUTOINCREMENT,
             recorded_at TEXT NOT NULL,
             actor TEXT NOT NULL,
             summary TEXT NOT NULL
         );
         CREATE INDEX revisions_by_time ON revisions (recorded_at);",
    )?;
    for kind in DOCUMENT_KINDS {
        let table = kind.collection();
        tx.execute_batch(&format!(
            "CREATE TABLE {table} (
                 id BLOB NOT NULL UNIQUE,
                 natural_key TEXT UNIQUE,
                 label TEXT NOT NULL,
                 created INTEGER NOT NULL REFERENCES revisions (number),
                 updated INTEGER NOT NULL REFERENCES revisions (number),
                 doc TEXT NOT NULL
             );"
        ))?;
    }
    tx.execute_batch(
        "CREATE TABLE contributions (
             id BLOB NOT NULL UNIQUE,
             kind TEXT NOT NULL,
             donor BLOB NOT NULL REFERENCES organisations (id),
             recipient BLOB NOT NULL REFERENCES organisations (id),
             basis TEXT NOT NULL,
             amount TEXT,
             currency TEXT,
             date TEXT,
             period_start TEXT,
             period_end TEXT,
             project BLOB REFERENCES projects (id),
             agreement BLOB REFERENCES agreements (id),
             description TEXT,
             payments TEXT,
             created INTEGER NOT NULL REFERENCES revisions (number),
             updated INTEGER NOT NULL REFERENCES revisions (number)
         );
         CREATE INDEX contributions_by_donor ON contributions (donor);
         CREATE INDEX contributions_by_recipient ON contributions (recipient);
         CREATE INDEX contributions_by_project ON contributions (project);
         CREATE INDEX contributions_by_agreement ON contributions (agreement) WHERE agreement IS NOT NULL;

         -- Every reference a document record makes, so that deleting a
         -- record that is still referred to can be refused.
         CREATE TABLE refs (
             source_kind TEXT NOT NULL,
             source BLOB NOT NULL,
             field TEXT NOT NULL,
             target_kind TEXT NOT NULL,
             target BLOB NOT NULL
         );
         CREATE INDEX refs_by_target ON refs (target);
         CREATE INDEX refs_by_source ON refs (source);

         -- The values before each update, delete or erasure. The value after
         -- a change is the next change's before, or the current row.
         CREATE TABLE history (
             seq INTEGER PRIMARY KEY,
             revision INTEGER NOT NULL REFERENCES revisions (number),
             kind TEXT NOT NULL,
             id BLOB NOT NULL,
             action TEXT NOT NULL,
             created INTEGER NOT NULL,
             position INTEGER NOT NULL,
             doc TEXT NOT NULL
         );
         CREATE INDEX history_by_record ON history (id, seq);
         CREATE INDEX history_by_revision ON history (kind, revision);",
    )?;
    Ok(())
}

/// Lookups by any name a record answers to (acronyms and aliases included),
/// backfilled from the stored documents.
fn v2_name_index(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "CREATE TABLE names (kind TEXT NOT NULL, id BLOB NOT NULL, name TEXT NOT NULL);
         CREATE INDEX names_by_name ON names (kind, name);
         CREATE INDEX names_by_id ON names (id);",
    )?;
    backfill_names::<crate::model::Organisation>(tx)?;
    backfill_names::<crate::model::Person>(tx)?;
    backfill_names::<crate::model::Agreement>(tx)?;
    backfill_names::<crate::model::Project>(tx)?;
    backfill_names::<crate::model::Indicator>(tx)?;
    backfill_names::<crate::model::Group>(tx)?;
    backfill_names::<crate::model::Note>(tx)?;
    Ok(())
}

fn backfill_names<T: Record>(tx: &Transaction<'_>) -> Result<()> {
    let mut select = tx.prepare(&format!("SELECT doc FROM {}", T::KIND.collection()))?;
    let docs = select.query_map([], |row| row.get::<_, String>(0))?;
    let mut insert = tx.prepare("INSERT INTO names (kind, id, name) VALUES (?1, ?2, ?3)")?;
    for doc in docs {
        let record: T = crate::store::backend::from_doc(&doc?)?;
        let put = crate::store::backend::Put::of(&record)?;
        for name in &put.names {
            insert.execute(rusqlite::params![T::KIND.as_str(), put.id, name])?;
        }
        for identifier in &put.identifiers {
            insert.execute(rusqlite::params!["identifier", put.id, identifier])?;
        }
    }
    Ok(())
}

/// Contributions split across projects by amount or percentage.
fn v3_allocations(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("ALTER TABLE contributions ADD COLUMN allocations TEXT;")?;
    Ok(())
}

/// Merged duplicates: which record was folded into which, so old ids still
/// resolve and a merge can be undone.
fn v4_merges(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "CREATE TABLE merges (
             revision INTEGER PRIMARY KEY REFERENCES revisions (number),
             kind TEXT NOT NULL,
             kept BLOB NOT NULL,
             removed BLOB NOT NULL,
             undone_by INTEGER REFERENCES revisions (number)
         );
         CREATE INDEX merges_by_removed ON merges (removed);",
    )?;
    Ok(())
}
