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

/// Kinds whose records belong to one office; the others (organisations
/// and groups) are shared reference data unless given an office.
pub(super) const OFFICE_KINDS: [RecordKind; 6] = [
    RecordKind::Person,
    RecordKind::Agreement,
    RecordKind::Project,
    RecordKind::Indicator,
    RecordKind::Contribution,
    RecordKind::Note,
];

/// The office whose readers see, and whose editors change, every office's
/// records. Every store has it.
pub(super) const HEADQUARTERS: &str = "headquarters";

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
const MIGRATIONS: &[Migration] = &[v1_initial, v2_offices];

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

/// Offices, enforced by the database: every record of an office-owned kind
/// carries its office, organisations and groups may; history, the name and
/// reference indexes carry their record's. Row-level security, forced on
/// every table so that the owner is held to it too, decides what a role
/// may read and write from its role memberships alone (`current_user`,
/// through `pg_has_role`): no setting a client can make on its connection
/// enters into it. The store's owner and headquarters see everything.
/// Records already stored belong to headquarters.
fn v2_offices(tx: &mut Transaction<'_>) -> Result<()> {
    tx.batch_execute(
        "SET LOCAL search_path TO partnercrm;
         -- An office's roles; NULL until the first office is created, since
         -- a store with one user needs none.
         CREATE TABLE offices (
             name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,29}$'),
             reader_role text UNIQUE,
             editor_role text UNIQUE,
             created_at timestamptz NOT NULL DEFAULT clock_timestamp()
         );
         INSERT INTO offices (name) VALUES ('headquarters');

         -- The functions the policies call, once per statement each (as
         -- InitPlans). Invoker's rights, so that current_user is the
         -- connecting role (or the role it SET ROLE to, which can only be
         -- one it is a member of: never wider); every name qualified.
         CREATE FUNCTION is_admin() RETURNS boolean
             LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
             SELECT pg_has_role(current_user, n.nspowner, 'MEMBER')
             FROM pg_catalog.pg_namespace n WHERE n.nspname = 'partnercrm'
         $$;
         CREATE FUNCTION sees_all() RETURNS boolean
             LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
             SELECT partnercrm.is_admin() OR EXISTS (
                 SELECT 1 FROM partnercrm.offices o JOIN pg_catalog.pg_roles r ON r.rolname = o.reader_role
                 WHERE o.name = 'headquarters' AND pg_has_role(current_user, r.oid, 'MEMBER'))
         $$;
         CREATE FUNCTION writes_all() RETURNS boolean
             LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
             SELECT partnercrm.is_admin() OR EXISTS (
                 SELECT 1 FROM partnercrm.offices o JOIN pg_catalog.pg_roles r ON r.rolname = o.editor_role
                 WHERE o.name = 'headquarters' AND pg_has_role(current_user, r.oid, 'MEMBER'))
         $$;
         CREATE FUNCTION readable_offices() RETURNS text[]
             LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
             SELECT coalesce(array_agg(o.name ORDER BY o.name), '{}') FROM partnercrm.offices o
             WHERE partnercrm.sees_all() OR EXISTS (
                 SELECT 1 FROM pg_catalog.pg_roles r
                 WHERE r.rolname = o.reader_role AND pg_has_role(current_user, r.oid, 'MEMBER'))
         $$;
         CREATE FUNCTION writable_offices() RETURNS text[]
             LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
             SELECT coalesce(array_agg(o.name ORDER BY o.name), '{}') FROM partnercrm.offices o
             WHERE partnercrm.writes_all() OR EXISTS (
                 SELECT 1 FROM pg_catalog.pg_roles r
                 WHERE r.rolname = o.editor_role AND pg_has_role(current_user, r.oid, 'MEMBER'))
         $$;

         ALTER TABLE revisions ADD COLUMN office text REFERENCES offices (name);",
    )?;
    for kind in RecordKind::ALL {
        let table = kind.collection();
        tx.batch_execute(&format!(
            "ALTER TABLE {table} ADD COLUMN office text REFERENCES offices (name);
             CREATE INDEX {table}_by_office ON {table} (office);"
        ))?;
        if OFFICE_KINDS.contains(&kind) {
            tx.batch_execute(&format!(
                "UPDATE {table} SET office = 'headquarters';
                 ALTER TABLE {table} ALTER COLUMN office SET NOT NULL;"
            ))?;
        }
    }
    tx.batch_execute(
        "SET LOCAL search_path TO partnercrm;
         ALTER TABLE history ADD COLUMN office text REFERENCES offices (name);
         ALTER TABLE refs ADD COLUMN office text REFERENCES offices (name);
         ALTER TABLE names ADD COLUMN office text REFERENCES offices (name);
         UPDATE history h SET office = 'headquarters' WHERE kind IN ('person', 'agreement', 'project', 'indicator', 'contribution', 'note');
         UPDATE refs SET office = 'headquarters' WHERE source_kind IN ('person', 'agreement', 'project', 'indicator', 'note');
         UPDATE names SET office = 'headquarters' WHERE kind IN ('person', 'agreement', 'project', 'indicator', 'note');

         -- A shared record that another office's records still refer to
         -- is not deleted, though the deleting role cannot see them: checked
         -- at commit, with the owner's rights, so that a batch may delete a
         -- referrer and what it refers to in any order.
         CREATE FUNCTION refuse_referenced() RETURNS trigger
             LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
             DECLARE
                 still bigint;
             BEGIN
                 EXECUTE format('SELECT count(*) FROM partnercrm.%I WHERE id = $1', TG_TABLE_NAME)
                     INTO still USING OLD.id;
                 IF still > 0 THEN
                     RETURN NULL;
                 END IF;
                 SELECT count(*) INTO still FROM partnercrm.refs WHERE target = OLD.id;
                 IF still = 0 AND TG_TABLE_NAME = 'projects' THEN
                     SELECT count(*) INTO still FROM partnercrm.contributions
                     WHERE allocations @> jsonb_build_array(jsonb_build_object('project', OLD.id));
                 END IF;
                 IF still > 0 THEN
                     RAISE foreign_key_violation USING
                         MESSAGE = format('cannot delete %s %s: still referred to by %s records, some in offices this role cannot see',
                                          TG_ARGV[0], OLD.id, still);
                 END IF;
                 RETURN NULL;
             END
         $$;

         -- Whether a record is stored where this role cannot see it: a
         -- batch that names it is refused as not permitted, not as absent.
         CREATE FUNCTION exists_unseen(kind text, record uuid) RETURNS boolean
             LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
             DECLARE
                 found boolean;
             BEGIN
                 EXECUTE format('SELECT EXISTS (SELECT 1 FROM partnercrm.%I WHERE id = $1)',
                                CASE kind WHEN 'organisation' THEN 'organisations' WHEN 'person' THEN 'people'
                                          WHEN 'agreement' THEN 'agreements' WHEN 'contribution' THEN 'contributions'
                                          WHEN 'project' THEN 'projects' WHEN 'indicator' THEN 'indicators'
                                          WHEN 'group' THEN 'groups' WHEN 'note' THEN 'notes' END)
                     INTO found USING record;
                 RETURN found;
             END
         $$;",
    )?;
    for kind in DOCUMENT_KINDS {
        let table = kind.collection();
        tx.batch_execute(&format!(
            "CREATE CONSTRAINT TRIGGER {table}_referenced AFTER DELETE ON partnercrm.{table}
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                 EXECUTE FUNCTION partnercrm.refuse_referenced('{kind}');"
        ))?;
    }
    // Who reads a row: its office's readers, or anyone for a shared row.
    // Who writes one: its office's editors, or any editor for a shared row
    // (table privileges keep readers from writing at all).
    const READS: &str =
        "office IS NULL OR office = ANY ((SELECT partnercrm.readable_offices())::text[])";
    const WRITES: &str =
        "office IS NULL OR office = ANY ((SELECT partnercrm.writable_offices())::text[])";
    let mut guarded: Vec<&str> = RecordKind::ALL.iter().map(|k| k.collection()).collect();
    guarded.extend(["history", "refs", "names"]);
    for table in guarded {
        tx.batch_execute(&format!(
            "ALTER TABLE partnercrm.{table} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE partnercrm.{table} FORCE ROW LEVEL SECURITY;
             CREATE POLICY reads ON partnercrm.{table} FOR SELECT USING ({READS});
             CREATE POLICY adds ON partnercrm.{table} FOR INSERT WITH CHECK ({WRITES});
             CREATE POLICY changes ON partnercrm.{table} FOR UPDATE USING ({WRITES}) WITH CHECK ({WRITES});
             CREATE POLICY removes ON partnercrm.{table} FOR DELETE USING ({WRITES});"
        ))?;
    }
    // The store's timeline and its data-set values are everyone's; only
    // the administrator manages offices and migrates.
    tx.batch_execute(
        "SET LOCAL search_path TO partnercrm;
         ALTER TABLE revisions ENABLE ROW LEVEL SECURITY;
         ALTER TABLE revisions FORCE ROW LEVEL SECURITY;
         CREATE POLICY reads ON revisions FOR SELECT USING (true);
         CREATE POLICY adds ON revisions FOR INSERT WITH CHECK (office IS NULL OR office = ANY ((SELECT partnercrm.writable_offices())::text[]));
         -- Erasure rewrites summaries; only where the role may write.
         CREATE POLICY changes ON revisions FOR UPDATE
             USING ((SELECT partnercrm.writes_all()) OR office = ANY ((SELECT partnercrm.writable_offices())::text[]));
         ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
         ALTER TABLE meta FORCE ROW LEVEL SECURITY;
         CREATE POLICY reads ON meta FOR SELECT USING (true);
         CREATE POLICY adds ON meta FOR INSERT WITH CHECK (true);
         CREATE POLICY changes ON meta FOR UPDATE USING (true);
         ALTER TABLE merges ENABLE ROW LEVEL SECURITY;
         ALTER TABLE merges FORCE ROW LEVEL SECURITY;
         CREATE POLICY reads ON merges FOR SELECT USING (true);
         CREATE POLICY adds ON merges FOR INSERT WITH CHECK (true);
         CREATE POLICY changes ON merges FOR UPDATE USING (true);
         ALTER TABLE offices ENABLE ROW LEVEL SECURITY;
         ALTER TABLE offices FORCE ROW LEVEL SECURITY;
         CREATE POLICY reads ON offices FOR SELECT USING (true);
         CREATE POLICY manages ON offices FOR ALL USING ((SELECT partnercrm.is_admin())) WITH CHECK ((SELECT partnercrm.is_admin()));
         ALTER TABLE migrations ENABLE ROW LEVEL SECURITY;
         ALTER TABLE migrations FORCE ROW LEVEL SECURITY;
         CREATE POLICY reads ON migrations FOR SELECT USING (true);
         CREATE POLICY migrates ON migrations FOR INSERT WITH CHECK ((SELECT partnercrm.is_admin()));",
    )?;
    Ok(())
}
