//! The store's schema in a PostgreSQL database, and the migrations that
//! bring an older one up to date.
//!
//! A store is the schema `partnercrm` of a database. Its version is the
//! number of migrations recorded in `partnercrm.migrations`; each migration
//! runs in one transaction with its record, under an advisory lock, so that
//! two processes opening an old store at once migrate it once. A migration,
//! once released, never changes.

use postgres::{Client, GenericClient, Transaction};

use crate::model::RecordKind;
use crate::{Error, Result};

/// The schema every table of a store lives in.
pub(super) const SCHEMA: &str = "partnercrm";

/// The advisory lock migrations take: "PCRM" and 0.
const MIGRATION_LOCK: i64 = 0x5043_524D_0000_0000;

/// Kinds stored as a JSON document plus key columns; contributions have
/// typed columns instead.
pub(super) const DOCUMENT_KINDS: [RecordKind; 7] = [
    RecordKind::Organisation,
    RecordKind::Person,
    RecordKind::Agreement,
    RecordKind::Project,
    RecordKind::Indicator,
    RecordKind::Group,
    RecordKind::Note,
];

type Migration = fn(&mut Transaction<'_>) -> Result<()>;

/// Every migration, in order: the store's version is how many have run.
const MIGRATIONS: &[Migration] = &[v1_initial];

/// The schema version this build writes.
pub(super) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// The store's version: 0 when the database holds no store yet. A schema
/// `partnercrm` that this program did not make is refused.
pub(super) fn version(client: &mut impl GenericClient, location: &str) -> Result<i64> {
    let row = client.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
                to_regclass('partnercrm.migrations') IS NOT NULL",
        &[&SCHEMA],
    )?;
    let (schema, table): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
    match (schema, table) {
        (false, _) => Ok(0),
        (true, false) => Err(Error::NotAStore {
            path: location.to_owned(),
            reason: "its database has a schema \"partnercrm\" that partnercrm did not make"
                .to_owned(),
        }),
        (true, true) => {
            let row = client.query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM partnercrm.migrations",
                &[],
            )?;
            Ok(row.try_get(0)?)
        }
    }
}

/// Brings the store to `target` (normally [`CURRENT_VERSION`]), creating
/// it in an empty database and refusing one newer than this build.
pub(super) fn migrate(client: &mut Client, location: &str, target: i64) -> Result<()> {
    let found = version(client, location)?;
    if found > CURRENT_VERSION {
        return Err(Error::SchemaTooNew {
            path: location.to_owned(),
            found,
            supported: CURRENT_VERSION,
        });
    }
    for step in found..target {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        // Another process may have migrated while this one waited for the lock.
        if version(&mut tx, location)? > step {
            continue;
        }
        MIGRATIONS[step as usize](&mut tx)?;
        tx.execute(
            "INSERT INTO partnercrm.migrations (version) VALUES ($1)",
            &[&(step + 1)],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn v1_initial(tx: &mut Transaction<'_>) -> Result<()> {
    tx.batch_execute(
        "CREATE SCHEMA partnercrm;
         COMMENT ON SCHEMA partnercrm IS 'a partnercrm store';
         SET LOCAL search_path TO partnercrm;
         CREATE TABLE migrations (
             version bigint PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
             applied_by text NOT NULL DEFAULT current_user
         );
         CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
         -- Numbered under the write lock, so numbers follow commit order
         -- with no gaps (a sequence would leave one at every rollback).
         CREATE TABLE revisions (
             number bigint PRIMARY KEY,
             recorded_at timestamptz NOT NULL,
             actor text NOT NULL,
             summary text NOT NULL
         );
         CREATE INDEX revisions_by_time ON revisions (recorded_at);",
    )?;
    for kind in DOCUMENT_KINDS {
        let table = kind.collection();
        // The document is text, not jsonb: it must read back byte for byte,
        // so that storing it again is seen to change nothing.
        tx.batch_execute(&format!(
            "CREATE TABLE {table} (
                 id uuid PRIMARY KEY,
                 position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                 natural_key text UNIQUE,
                 label text NOT NULL,
                 created bigint NOT NULL REFERENCES revisions (number),
                 updated bigint NOT NULL REFERENCES revisions (number),
                 doc text NOT NULL
             );"
        ))?;
    }
    tx.batch_execute(
        "CREATE TABLE contributions (
             id uuid PRIMARY KEY,
             position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
             kind text NOT NULL,
             -- Checked at commit, so a batch may list records in any order.
             donor uuid NOT NULL REFERENCES organisations (id) DEFERRABLE INITIALLY DEFERRED,
             recipient uuid NOT NULL REFERENCES organisations (id) DEFERRABLE INITIALLY DEFERRED,
             basis text NOT NULL,
             amount numeric,
             currency text,
             date text,
             period_start text,
             period_end text,
             project uuid REFERENCES projects (id) DEFERRABLE INITIALLY DEFERRED,
             agreement uuid REFERENCES agreements (id) DEFERRABLE INITIALLY DEFERRED,
             description text,
             payments jsonb,
             allocations jsonb,
             created bigint NOT NULL REFERENCES revisions (number),
             updated bigint NOT NULL REFERENCES revisions (number)
         );
         CREATE INDEX contributions_by_donor ON contributions (donor);
         CREATE INDEX contributions_by_recipient ON contributions (recipient);
         CREATE INDEX contributions_by_project ON contributions (project) WHERE project IS NOT NULL;
         CREATE INDEX contributions_by_agreement ON contributions (agreement) WHERE agreement IS NOT NULL;

         -- Every reference a document record makes, so that deleting a
         -- record that is still referred to can be refused.
         CREATE TABLE refs (
             source_kind text NOT NULL,
             source uuid NOT NULL,
             field text NOT NULL,
             target_kind text NOT NULL,
             target uuid NOT NULL
         );
         CREATE INDEX refs_by_target ON refs (target);
         CREATE INDEX refs_by_source ON refs (source);

         -- Every name a record answers to, folded, and organisations'
         -- identifiers under the kind 'identifier'; seq keeps the order
         -- they were written in.
         CREATE TABLE names (
             seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             kind text NOT NULL,
             id uuid NOT NULL,
             name text NOT NULL
         );
         CREATE INDEX names_by_name ON names (kind, name);
         CREATE INDEX names_by_id ON names (id);

         -- The values before each update, delete or erasure. The value after
         -- a change is the next change's before, or the current row.
         CREATE TABLE history (
             seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             revision bigint NOT NULL REFERENCES revisions (number),
             kind text NOT NULL,
             id uuid NOT NULL,
             action text NOT NULL,
             created bigint NOT NULL,
             position bigint NOT NULL,
             doc text NOT NULL
         );
         CREATE INDEX history_by_record ON history (id, seq);
         CREATE INDEX history_by_kind ON history (kind, revision);
         CREATE INDEX history_by_revision ON history (revision);

         -- Merged duplicates: which record was folded into which, so old
         -- ids still resolve and a merge can be undone.
         CREATE TABLE merges (
             revision bigint PRIMARY KEY REFERENCES revisions (number),
             kind text NOT NULL,
             kept uuid NOT NULL,
             removed uuid NOT NULL,
             undone_by bigint REFERENCES revisions (number)
         );
         CREATE INDEX merges_by_removed ON merges (removed);",
    )?;
    Ok(())
}
