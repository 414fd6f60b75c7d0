//! The backend for teams: a store in a PostgreSQL database, shared by many
//! users, processes and hosts. SQL, rows, migrations and locking only; the
//! policy is the engine's ([`Store`](super::Store)), the same as for SQLite.
//!
//! A read is one `REPEATABLE READ READ ONLY` transaction, so it sees the
//! store as of one commit. A write is one transaction that first takes the
//! store's write lock (a transaction-scoped advisory lock), so that writers
//! from every host follow each other: revision numbers are taken under the
//! lock, in commit order with no gaps, and a revision's time is the
//! server's clock, never earlier than the revision before. A writer waits
//! for the lock up to the busy timeout (PostgreSQL's `lock_timeout`), then
//! gets [`Error::Busy`].

mod offices;
mod schema;
mod url;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::{Client, Statement};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::backend::{
    Backend, Body, HistoryRow, MergeRow, Put, PutBody, Referrer, Row, Snapshot, WriteTx,
};
use super::columns::{ContributionColumns, ContributionParts, Corrupt};
use super::{Access, Action, Office, Revision};
use crate::model::{RecordKind, RecordRef};
use crate::{Error, Result};

pub use url::{is_postgres_url, redact};

/// The newest schema version this build writes.
pub const CURRENT_SCHEMA_VERSION: i64 = schema::CURRENT_VERSION;

/// A batch of at least this many contributions is copied in ([`WriteTx::begin_bulk`]).
const BULK_ROWS: usize = 1_000;

/// The advisory lock every write takes first: "PCRM" and 1.
const WRITE_LOCK: i64 = 0x5043_524D_0000_0001;

/// A connection and the statements prepared on it.
struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Connection {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// A store's rows in a PostgreSQL database.
pub struct PostgresBackend {
    conn: RefCell<Connection>,
    location: String,
    busy_timeout: Duration,
    /// The office new records are written to, if chosen.
    office: Option<String>,
    /// Whether the role may write at all (asked once).
    writes: Cell<Option<bool>>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("location", &self.location)
            .finish()
    }
}

impl PostgresBackend {
    /// Connects to the database a `postgresql://` URL names, creating the
    /// store's schema if the database has none and migrating an older one.
    /// A store from a newer version is refused. TLS follows the URL's
    /// `sslmode` as libpq reads it (`require`, `verify-ca`, `verify-full`,
    /// with `sslrootcert`).
    pub fn open(url: &str) -> Result<Self> {
        Self::open_at_version(url, schema::CURRENT_VERSION)
    }

    /// Connects and migrates only up to `version`. For testing migrations:
    /// a store made this way is what that older version wrote.
    pub fn open_at_version(url: &str, version: i64) -> Result<Self> {
        let (mut client, location) = connect(url)?;
        let found = schema::version(&mut client, &location);
        schema::migrate(&mut client, &location, version).map_err(|e| match e {
            Error::Postgres(e) => match fail(e, &location, None) {
                // Say what it means for the store, and who can help.
                Error::Permission { location, message } => Error::Permission {
                    message: match found {
                        Ok(0) => format!(
                            "{message}: the database holds no partnercrm store yet, and this role \
                             may not create one; its owner does, with `partnercrm --db URL init`"
                        ),
                        Ok(_) => format!(
                            "{message}: the store is at an older schema version, and only its \
                             administrator may migrate it, by opening it once"
                        ),
                        Err(_) => message,
                    },
                    location,
                },
                other => other,
            },
            other => other,
        })?;
        Ok(Self {
            conn: RefCell::new(Connection {
                client,
                statements: HashMap::new(),
            }),
            location,
            busy_timeout: super::sqlite::DEFAULT_BUSY_TIMEOUT,
            office: None,
            writes: Cell::new(None),
        })
    }

    /// Whether the database a URL names holds a store. Creates nothing.
    pub fn exists(url: &str) -> Result<bool> {
        let (mut client, location) = connect(url)?;
        Ok(schema::version(&mut client, &location)? > 0)
    }

    /// Drops the store's schema, and everything in it, from the database a
    /// URL names: what `partnercrm init --force` does. Only the schema's
    /// owner may.
    pub fn destroy(url: &str) -> Result<()> {
        let (mut client, location) = connect(url)?;
        schema::version(&mut client, &location)?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", schema::SCHEMA))
            .map_err(|e| fail(e, &location, None))
    }

    /// The connection, for SQL of one's own: it runs as the same role,
    /// under the same row security, as the store's own statements. Not
    /// while a read or write of the store is under way.
    pub fn client(&self) -> std::cell::RefMut<'_, Client> {
        std::cell::RefMut::map(self.conn.borrow_mut(), |c| &mut c.client)
    }

    fn start(&self, sql: &str) -> Result<PgTx<'_>> {
        let started = Instant::now();
        let result = self.conn.borrow_mut().client.batch_execute(sql);
        if let Err(e) = result {
            let _ = self.conn.borrow_mut().client.batch_execute("ROLLBACK");
            return Err(fail(e, &self.location, Some(started)));
        }
        Ok(PgTx {
            conn: &self.conn,
            location: &self.location,
            open: Cell::new(true),
            chosen: self.office.as_deref(),
            writer: RefCell::new(None),
            bulk: RefCell::new(None),
        })
    }

    /// Refuses, before anything is read, a write by a role that may only read.
    fn check_writes(&self) -> Result<()> {
        let writes = match self.writes.get() {
            Some(writes) => writes,
            None => {
                let row = self
                    .conn
                    .borrow_mut()
                    .client
                    .query_one(
                        "SELECT has_table_privilege('partnercrm.revisions', 'INSERT')",
                        &[],
                    )
                    .map_err(|e| fail(e, &self.location, None))?;
                let writes: bool = row.try_get(0)?;
                self.writes.set(Some(writes));
                writes
            }
        };
        if writes {
            Ok(())
        } else {
            Err(Error::Permission {
                location: self.location.clone(),
                message: "this role may read the store but not change it: it is no office's \
                          editor (`partnercrm office grant OFFICE ROLE --editor`)"
                    .to_owned(),
            })
        }
    }
}

/// A connection to the database a URL names, set up for the store's SQL,
/// and the URL without its password.
fn connect(url: &str) -> Result<(Client, String)> {
    let target = url::Target::parse(url)?;
    let location = target.location.clone();
    let tls = target.tls()?;
    let mut client = target
        .config
        .connect(tls)
        .map_err(|e| fail(e, &location, None))?;
    client
        .batch_execute(&format!(
            "SET search_path TO {}; SET lock_timeout = '{}ms'",
            schema::SCHEMA,
            DEFAULT_BUSY_MS
        ))
        .map_err(|e| fail(e, &location, None))?;
    // A role with no rights at all cannot even look inside; say so plainly.
    let row = client
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'partnercrm')
                 OR has_schema_privilege('partnercrm', 'USAGE')",
            &[],
        )
        .map_err(|e| fail(e, &location, None))?;
    if !row.try_get::<_, bool>(0)? {
        return Err(Error::Permission {
            location,
            message: "this role has no rights on the store; its administrator grants them \
                      (`partnercrm office grant OFFICE ROLE --reader` or `--editor`)"
                .to_owned(),
        });
    }
    Ok((client, location))
}

const DEFAULT_BUSY_MS: u128 = super::sqlite::DEFAULT_BUSY_TIMEOUT.as_millis();

/// Turns the server's refusals into the store's typed errors: a lock not
/// had within the busy timeout is [`Error::Busy`], a privilege or
/// row-security refusal [`Error::Permission`].
fn fail(error: postgres::Error, location: &str, since: Option<Instant>) -> Error {
    use postgres::error::SqlState;
    let Some(code) = error.code() else {
        return Error::Postgres(error);
    };
    if *code == SqlState::LOCK_NOT_AVAILABLE {
        Error::Busy {
            location: location.to_owned(),
            waited: since.map_or(Duration::ZERO, |s| s.elapsed()),
        }
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        let message = error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_owned());
        Error::Permission {
            location: location.to_owned(),
            message,
        }
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION || *code == SqlState::UNIQUE_VIOLATION {
        // The database's own guard behind the engine's checks: what it
        // checked was out of this role's sight (another office's records).
        let message = error.as_db_error().map_or_else(
            || error.to_string(),
            |db| match db.detail() {
                Some(detail) => format!("{}: {detail}", db.message()),
                None => db.message().to_owned(),
            },
        );
        Error::Conflict { message }
    } else {
        Error::Postgres(error)
    }
}

impl Backend for PostgresBackend {
    fn location(&self) -> &str {
        &self.location
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>> {
        Ok(Box::new(self.start(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?))
    }

    fn begin(&mut self) -> Result<Box<dyn WriteTx + '_>> {
        self.check_writes()?;
        // READ COMMITTED, so that each statement after the lock sees every
        // batch committed before it was granted; writers hold the lock in
        // turn, so nothing changes under a batch but the batch itself.
        let sql = format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
        );
        Ok(Box::new(self.start(&sql)?))
    }

    fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        // lock_timeout is an int of milliseconds, and 0 means forever; a
        // timeout of zero means not to wait, so it is the shortest one.
        let millis = timeout.as_millis().max(1);
        if millis > i32::MAX as u128 {
            return Err(Error::Parse {
                what: "busy timeout",
                input: format!("{} s", timeout.as_secs()),
                reason: format!("at most {} s", i32::MAX / 1000),
            });
        }
        self.conn
            .borrow_mut()
            .client
            .batch_execute(&format!("SET lock_timeout = '{millis}ms'"))
            .map_err(|e| fail(e, &self.location, None))?;
        self.busy_timeout = timeout;
        Ok(())
    }

    fn schema_version(&self) -> Result<i64> {
        schema::version(&mut self.conn.borrow_mut().client, &self.location)
    }

    fn backup(&self, path: &Path) -> Result<()> {
        // A consistent copy, as a SQLite store, of what this role can read;
        // the whole database, offices and roles included, is pg_dump's.
        let snapshot = self.snapshot()?;
        super::sqlite::copy_into(&*snapshot, path)
    }

    fn verify_integrity(&self) -> Result<()> {
        let snapshot = self.start("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let mut problems = Vec::new();
        let row = snapshot.one(
            "SELECT count(*), coalesce(min(number), 1), coalesce(max(number), 0) FROM revisions",
            &[],
        )?;
        let (count, first, last): (i64, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if first != 1 || last != count {
            problems.push(format!(
                "revision numbers are not 1 to {count} without gaps (they run from {first} to {last})"
            ));
        }
        let row = snapshot.one(
            "SELECT count(*) FROM (SELECT recorded_at < lag(recorded_at) OVER (ORDER BY number) AS back
                                   FROM revisions) r WHERE back",
            &[],
        )?;
        let backwards: i64 = row.try_get(0)?;
        if backwards > 0 {
            problems.push(format!(
                "{backwards} revisions are recorded earlier than the one before"
            ));
        }
        for kind in RecordKind::ALL {
            let sql = format!(
                "SELECT count(*) FROM {} WHERE updated < created OR updated > $1",
                kind.collection()
            );
            let bad: i64 = snapshot.one(&sql, &[&last])?.try_get(0)?;
            if bad > 0 {
                problems.push(format!(
                    "{bad} {} name revisions that do not exist",
                    kind.collection()
                ));
            }
        }
        let row = snapshot.one(
            "SELECT count(*) FROM history h WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.number = h.revision)",
            &[],
        )?;
        let orphans: i64 = row.try_get(0)?;
        if orphans > 0 {
            problems.push(format!(
                "{orphans} history entries name revisions that do not exist"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Conflict {
                message: format!(
                    "{} failed its integrity check: {}",
                    self.location,
                    problems.join("; ")
                ),
            })
        }
    }

    fn postgres(&self) -> Option<&PostgresBackend> {
        Some(self)
    }

    fn reaches_everything(&self) -> Result<bool> {
        let row = self
            .conn
            .borrow_mut()
            .client
            .query_one("SELECT partnercrm.writes_all()", &[])
            .map_err(|e| fail(e, &self.location, None))?;
        Ok(row.try_get(0)?)
    }

    fn offices(&self) -> Result<Vec<Office>> {
        self.list_offices()
    }

    fn create_office(&mut self, name: &str) -> Result<Office> {
        self.make_office(name)
    }

    fn grant(&mut self, office: &str, role: &str, access: Access) -> Result<()> {
        self.grant_office(office, role, access)
    }

    fn revoke(&mut self, office: &str, role: &str) -> Result<()> {
        self.revoke_office(office, role)
    }

    fn set_office(&mut self, office: Option<&str>) -> Result<()> {
        self.choose_office(office)
    }

    fn office_of(&self, record: RecordRef) -> Result<Option<String>> {
        let snapshot = self.start("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let sql = format!(
            "SELECT office FROM {} WHERE id = $1",
            record.kind.collection()
        );
        match snapshot.opt(&sql, &[&record.id])? {
            Some(row) => Ok(row.try_get(0)?),
            None if snapshot.exists_unseen(record)? => Err(Error::Permission {
                location: self.location.clone(),
                message: format!("{record} belongs to an office this role has no rights on"),
            }),
            None => Err(Error::NotFound { record }),
        }
    }

    fn scrub(&mut self) -> Result<()> {
        // The erased values are gone from every live row; the row versions
        // that held them stay in the tables' files until VACUUM removes
        // them. Only the tables' owner may vacuum them: for anyone else
        // PostgreSQL skips them with a warning, and autovacuum does it soon.
        self.conn
            .borrow_mut()
            .client
            .batch_execute("VACUUM people, notes, history, revisions, names, refs, organisations, groups, agreements, projects, indicators, contributions")
            .map_err(|e| fail(e, &self.location, None))
    }
}

/// A read or write transaction on the connection: rolled back when dropped
/// uncommitted.
struct PgTx<'c> {
    conn: &'c RefCell<Connection>,
    location: &'c str,
    open: Cell<bool>,
    /// The office chosen for new records, if any.
    chosen: Option<&'c str>,
    /// The office new records of office-owned kinds go to, once decided.
    writer: RefCell<Option<String>>,
    /// In a bulk load of contributions: the ids stored before it, and the
    /// new rows waiting to be copied in at once.
    bulk: RefCell<Option<Bulk>>,
}

/// A bulk load of contributions under way.
struct Bulk {
    stored: std::collections::HashSet<Uuid>,
    pending: Vec<Pending>,
}

/// A new contribution row, owned, waiting for `COPY`.
struct Pending {
    id: Uuid,
    kind: &'static str,
    donor: Uuid,
    recipient: Uuid,
    basis: &'static str,
    amount: Option<Decimal>,
    currency: Option<&'static str>,
    date: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
    project: Option<Uuid>,
    agreement: Option<Uuid>,
    description: Option<String>,
    payments: Option<serde_json::Value>,
    allocations: Option<serde_json::Value>,
    revision: i64,
    office: Option<String>,
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            let _ = self.conn.borrow_mut().client.batch_execute("ROLLBACK");
        }
    }
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

fn corrupt(message: String) -> Error {
    Error::Parse {
        what: "stored record",
        input: String::new(),
        reason: message,
    }
}

fn kind_of(text: &str) -> Result<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| corrupt(format!("stored record kind {text:?} is not valid")))
}

const CONTRIBUTION_COLUMNS: &str = "id, kind, donor, recipient, basis, amount, currency, date, \
     period_start, period_end, project, agreement, description, payments::text, allocations::text";

const HISTORY_COLUMNS: &str = "seq, revision, kind, id, action, created, position, doc";

/// Reads a contribution from a row whose [`CONTRIBUTION_COLUMNS`] start at column `at`.
fn contribution_from_row(row: &postgres::Row, at: usize) -> Result<crate::model::Contribution> {
    ContributionParts {
        id: row.try_get(at)?,
        kind: row.try_get(at + 1)?,
        donor: row.try_get(at + 2)?,
        recipient: row.try_get(at + 3)?,
        basis: row.try_get(at + 4)?,
        amount: row.try_get::<_, Option<Decimal>>(at + 5)?,
        currency: row.try_get(at + 6)?,
        date: row.try_get(at + 7)?,
        period_start: row.try_get(at + 8)?,
        period_end: row.try_get(at + 9)?,
        project: row.try_get(at + 10)?,
        agreement: row.try_get(at + 11)?,
        description: row.try_get(at + 12)?,
        payments: row.try_get(at + 13)?,
        allocations: row.try_get(at + 14)?,
    }
    .into_contribution()
    .map_err(|Corrupt(message)| corrupt(message))
}

fn record_row(row: &postgres::Row, kind: RecordKind) -> Result<Row> {
    Ok(Row {
        created: row.try_get(0)?,
        updated: row.try_get(1)?,
        position: row.try_get(2)?,
        body: if kind == RecordKind::Contribution {
            Body::Contribution(Box::new(contribution_from_row(row, 3)?))
        } else {
            Body::Doc(row.try_get(3)?)
        },
    })
}

fn history_row(row: &postgres::Row) -> Result<HistoryRow> {
    Ok(HistoryRow {
        seq: row.try_get(0)?,
        revision: row.try_get(1)?,
        kind: kind_of(row.try_get(2)?)?,
        id: row.try_get(3)?,
        action: action_of(row.try_get(4)?),
        created: row.try_get(5)?,
        position: row.try_get(6)?,
        doc: row.try_get(7)?,
    })
}

fn revision_row(row: &postgres::Row) -> Result<Revision> {
    Ok(Revision {
        number: row.try_get(0)?,
        recorded_at: row.try_get(1)?,
        actor: row.try_get(2)?,
        summary: row.try_get(3)?,
    })
}

/// The SELECT list of a kind's current rows.
fn row_sql(kind: RecordKind, rest: &str) -> String {
    if kind == RecordKind::Contribution {
        format!(
            "SELECT created, updated, position, {CONTRIBUTION_COLUMNS} FROM contributions {rest}"
        )
    } else {
        format!(
            "SELECT created, updated, position, doc FROM {} {rest}",
            kind.collection()
        )
    }
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl PgTx<'_> {
    fn fail(&self, error: postgres::Error) -> Error {
        fail(error, self.location, None)
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<postgres::Row>> {
        self.flush()?;
        let mut conn = self.conn.borrow_mut();
        let statement = conn.statement(sql).map_err(|e| match e {
            Error::Postgres(e) => self.fail(e),
            other => other,
        })?;
        conn.client
            .query(&statement, params)
            .map_err(|e| self.fail(e))
    }

    fn one(&self, sql: &str, params: Params<'_>) -> Result<postgres::Row> {
        self.flush()?;
        let mut conn = self.conn.borrow_mut();
        let statement = conn.statement(sql).map_err(|e| match e {
            Error::Postgres(e) => self.fail(e),
            other => other,
        })?;
        conn.client
            .query_one(&statement, params)
            .map_err(|e| self.fail(e))
    }

    fn opt(&self, sql: &str, params: Params<'_>) -> Result<Option<postgres::Row>> {
        self.flush()?;
        let mut conn = self.conn.borrow_mut();
        let statement = conn.statement(sql).map_err(|e| match e {
            Error::Postgres(e) => self.fail(e),
            other => other,
        })?;
        conn.client
            .query_opt(&statement, params)
            .map_err(|e| self.fail(e))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.flush()?;
        let mut conn = self.conn.borrow_mut();
        let statement = conn.statement(sql).map_err(|e| match e {
            Error::Postgres(e) => self.fail(e),
            other => other,
        })?;
        conn.client
            .execute(&statement, params)
            .map_err(|e| self.fail(e))
    }

    fn ids(&self, sql: &str, params: Params<'_>) -> Result<Vec<Uuid>> {
        self.query(sql, params)?
            .iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect()
    }

    /// The office of a record a statement changed. No row changed means
    /// that the record is there (the engine read it) but row security kept
    /// it from the change: this role may read its office, not write it.
    fn changed_one(
        &self,
        changed: Option<postgres::Row>,
        record: RecordRef,
    ) -> Result<Option<String>> {
        match changed {
            Some(row) => Ok(row.try_get(0)?),
            None => Err(Error::Permission {
                location: self.location.to_owned(),
                message: format!("{record} is in an office this role may read but not change"),
            }),
        }
    }

    /// Rewrites a record's references and names, under its office.
    fn write_index(&self, put: &Put<'_>, office: Option<&str>) -> Result<()> {
        if put.kind == RecordKind::Contribution {
            return Ok(());
        }
        let id = put.id;
        self.execute("DELETE FROM refs WHERE source = $1", &[&id])?;
        if !put.references.is_empty() {
            let fields: Vec<&str> = put.references.iter().map(|(f, _)| *f).collect();
            let kinds: Vec<&str> = put
                .references
                .iter()
                .map(|(_, r)| r.kind.as_str())
                .collect();
            let targets: Vec<Uuid> = put.references.iter().map(|(_, r)| r.id).collect();
            self.execute(
                "INSERT INTO refs (source_kind, source, field, target_kind, target, office)
                 SELECT $1, $2, f, k, t, $6 FROM unnest($3::text[], $4::text[], $5::uuid[]) AS u (f, k, t)",
                &[&put.kind.as_str(), &id, &fields, &kinds, &targets, &office],
            )?;
        }
        self.execute("DELETE FROM names WHERE id = $1", &[&id])?;
        if !put.names.is_empty() || !put.identifiers.is_empty() {
            // External identifiers are looked up the same way, under their own kind.
            let mut kinds: Vec<&str> = vec![put.kind.as_str(); put.names.len()];
            kinds.extend(std::iter::repeat_n("identifier", put.identifiers.len()));
            let names: Vec<&str> = put
                .names
                .iter()
                .chain(&put.identifiers)
                .map(String::as_str)
                .collect();
            self.execute(
                "INSERT INTO names (kind, id, name, office)
                 SELECT k, $1, n, $4 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u (k, n, o) ORDER BY o",
                &[&id, &kinds, &names, &office],
            )?;
        }
        Ok(())
    }

    /// The office a new record of `kind` goes to: none for shared kinds;
    /// for the others, the chosen office, or else the one the role edits
    /// (headquarters for headquarters' editors).
    fn office_for(&self, kind: RecordKind) -> Result<Option<String>> {
        if !schema::OFFICE_KINDS.contains(&kind) {
            return Ok(None);
        }
        if let Some(office) = self.writer.borrow().as_ref() {
            return Ok(Some(office.clone()));
        }
        let office = match self.chosen {
            Some(office) => office.to_owned(),
            None => {
                let row = self.one(
                    "SELECT partnercrm.writable_offices(), partnercrm.writes_all()",
                    &[],
                )?;
                let (offices, all): (Vec<String>, bool) = (row.try_get(0)?, row.try_get(1)?);
                match offices.as_slice() {
                    _ if all => schema::HEADQUARTERS.to_owned(),
                    [one] => one.clone(),
                    [] => {
                        return Err(Error::Permission {
                            location: self.location.to_owned(),
                            message: "this role is no office's editor, so it may only change \
                                      shared records"
                                .to_owned(),
                        });
                    }
                    several => {
                        return Err(Error::Parse {
                            what: "office",
                            input: String::new(),
                            reason: format!(
                                "this role edits {} offices ({}); name the one new records go to \
                                 (--office, PARTNERCRM_OFFICE, or office= in Python)",
                                several.len(),
                                several.join(", ")
                            ),
                        });
                    }
                }
            }
        };
        *self.writer.borrow_mut() = Some(office.clone());
        Ok(Some(office))
    }

    /// Writes a contribution's columns with `sql` (an insert, which takes
    /// the office as `$17`, or an update, which keeps it).
    /// Copies the pending rows of a bulk load in, so that what follows
    /// (a read, another write, the commit) finds them.
    fn flush(&self) -> Result<()> {
        let pending = match self.bulk.borrow_mut().as_mut() {
            Some(bulk) if !bulk.pending.is_empty() => std::mem::take(&mut bulk.pending),
            _ => return Ok(()),
        };
        use postgres::types::Type;
        let mut conn = self.conn.borrow_mut();
        // Row security does not take COPY: the rows go into a table of this
        // session's own first, and from there into the store with INSERT,
        // under the same policies as any other.
        let copied = (|| {
            conn.client.batch_execute(
                "CREATE TEMP TABLE IF NOT EXISTS pending_contributions (
                     n bigint GENERATED ALWAYS AS IDENTITY,
                     id uuid, kind text, donor uuid, recipient uuid, basis text, amount numeric,
                     currency text, date text, period_start text, period_end text, project uuid,
                     agreement uuid, description text, payments jsonb, allocations jsonb,
                     created bigint, updated bigint, office text
                 ) ON COMMIT DELETE ROWS",
            )?;
            let sink = conn.client.copy_in(
                "COPY pg_temp.pending_contributions (id, kind, donor, recipient, basis, amount,
                 currency, date, period_start, period_end, project, agreement, description,
                 payments, allocations, created, updated, office) FROM STDIN BINARY",
            )?;
            let mut writer = postgres::binary_copy::BinaryCopyInWriter::new(
                sink,
                &[
                    Type::UUID,
                    Type::TEXT,
                    Type::UUID,
                    Type::UUID,
                    Type::TEXT,
                    Type::NUMERIC,
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                    Type::UUID,
                    Type::UUID,
                    Type::TEXT,
                    Type::JSONB,
                    Type::JSONB,
                    Type::INT8,
                    Type::INT8,
                    Type::TEXT,
                ],
            );
            for p in &pending {
                writer.write(&[
                    &p.id,
                    &p.kind,
                    &p.donor,
                    &p.recipient,
                    &p.basis,
                    &p.amount,
                    &p.currency,
                    &p.date,
                    &p.period_start,
                    &p.period_end,
                    &p.project,
                    &p.agreement,
                    &p.description,
                    &p.payments,
                    &p.allocations,
                    &p.revision,
                    &p.revision,
                    &p.office,
                ])?;
            }
            writer.finish()?;
            conn.client.batch_execute(
                "INSERT INTO contributions (id, kind, donor, recipient, basis, amount, currency,
                     date, period_start, period_end, project, agreement, description, payments,
                     allocations, created, updated, office)
                 SELECT id, kind, donor, recipient, basis, amount, currency, date, period_start,
                     period_end, project, agreement, description, payments, allocations, created,
                     updated, office
                 FROM pg_temp.pending_contributions ORDER BY n;
                 TRUNCATE pg_temp.pending_contributions",
            )
        })();
        copied.map(|_| ()).map_err(|e| self.fail(e))
    }

    /// The office of a record's row, if this role sees it.
    fn office_of_row(&self, record: RecordRef) -> Result<Option<Option<String>>> {
        let sql = format!(
            "SELECT office FROM {} WHERE id = $1",
            record.kind.collection()
        );
        self.opt(&sql, &[&record.id])?
            .map(|row| Ok(row.try_get(0)?))
            .transpose()
    }

    fn write_contribution(
        &self,
        sql: &str,
        put: &Put<'_>,
        revision: i64,
        office: Option<Option<&str>>,
    ) -> Result<Option<postgres::Row>> {
        let PutBody::Contribution(contribution) = &put.body else {
            return Ok(None);
        };
        let c = ContributionColumns::new(contribution)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &c.id,
            &c.kind,
            &c.donor,
            &c.recipient,
            &c.basis,
            &c.amount,
            &c.currency,
            &c.date,
            &c.period_start,
            &c.period_end,
            &c.project,
            &c.agreement,
            &c.description,
            &c.payments,
            &revision,
            &c.allocations,
        ];
        if let Some(office) = &office {
            params.push(office);
        }
        self.opt(sql, &params)
    }
}

impl Snapshot for PgTx<'_> {
    fn row(&self, kind: RecordKind, id: Uuid) -> Result<Option<Row>> {
        self.opt(&row_sql(kind, "WHERE id = $1"), &[&id])?
            .map(|row| record_row(&row, kind))
            .transpose()
    }

    fn rows(&self, kind: RecordKind, as_of: Option<i64>) -> Result<Vec<Row>> {
        let as_of = as_of.unwrap_or(i64::MAX);
        self.query(
            &row_sql(kind, "WHERE updated <= $1 ORDER BY position"),
            &[&as_of],
        )?
        .iter()
        .map(|row| record_row(row, kind))
        .collect()
    }

    fn rows_in_chunks(
        &self,
        kind: RecordKind,
        each: &mut dyn FnMut(Vec<Row>) -> Result<()>,
    ) -> Result<()> {
        // A cursor in this snapshot's transaction: the server sends the
        // rows a chunk at a time, so no more than one chunk is held here.
        self.execute(
            &format!(
                "DECLARE partnercrm_rows NO SCROLL CURSOR FOR {}",
                row_sql(kind, "ORDER BY position")
            ),
            &[],
        )?;
        loop {
            let rows = self.query("FETCH FORWARD 10000 FROM partnercrm_rows", &[])?;
            if rows.is_empty() {
                break;
            }
            each(
                rows.iter()
                    .map(|row| record_row(row, kind))
                    .collect::<Result<_>>()?,
            )?;
        }
        self.execute("CLOSE partnercrm_rows", &[])?;
        Ok(())
    }

    fn first_changes_after(&self, kind: RecordKind, revision: i64) -> Result<Vec<HistoryRow>> {
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM (
                 SELECT DISTINCT ON (id) {HISTORY_COLUMNS} FROM history
                 WHERE kind = $1 AND revision > $2 ORDER BY id, seq
             ) h WHERE created <= $2"
        );
        self.query(&sql, &[&kind.as_str(), &revision])?
            .iter()
            .map(history_row)
            .collect()
    }

    fn history_of(&self, id: Uuid) -> Result<Vec<HistoryRow>> {
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE id = $1 ORDER BY seq");
        self.query(&sql, &[&id])?.iter().map(history_row).collect()
    }

    fn history_in(&self, revision: i64) -> Result<Vec<HistoryRow>> {
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE revision = $1 ORDER BY seq");
        self.query(&sql, &[&revision])?
            .iter()
            .map(history_row)
            .collect()
    }

    fn history_of_kind(&self, kind: RecordKind) -> Result<Vec<HistoryRow>> {
        let sql = format!("SELECT {HISTORY_COLUMNS} FROM history WHERE kind = $1 ORDER BY seq");
        self.query(&sql, &[&kind.as_str()])?
            .iter()
            .map(history_row)
            .collect()
    }

    fn ids_named(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT id FROM names WHERE kind = $1 AND name = $2 GROUP BY id ORDER BY min(seq)",
            &[&kind.as_str(), &folded],
        )
    }

    fn ids_with_identifier(&self, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT id FROM names WHERE kind = 'identifier' AND name = $1 GROUP BY id ORDER BY min(seq)",
            &[&folded],
        )
    }

    fn ids_with_name_part(&self, kind: RecordKind, folded: &str) -> Result<Vec<Uuid>> {
        self.ids(
            "SELECT DISTINCT id FROM names
             WHERE (kind = $1 OR ($1 = 'organisation' AND kind = 'identifier'))
             AND strpos(name, $2) > 0 ORDER BY id",
            &[&kind.as_str(), &folded],
        )
    }

    fn id_with_natural_key(&self, kind: RecordKind, key: &str) -> Result<Option<Uuid>> {
        if kind == RecordKind::Contribution {
            return Ok(None);
        }
        let sql = format!(
            "SELECT id FROM {} WHERE natural_key = $1",
            kind.collection()
        );
        self.opt(&sql, &[&key])?
            .map(|row| Ok(row.try_get(0)?))
            .transpose()
    }

    fn referrers(
        &self,
        target: RecordRef,
        field: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Referrer>> {
        let limit = limit.map(|l| l as i64);
        let mut found = Vec::new();
        for row in self.query(
            "SELECT source_kind, source, field FROM refs
             WHERE target = $1 AND ($2::text IS NULL OR field = $2) LIMIT $3",
            &[&target.id, &field, &limit],
        )? {
            found.push(Referrer {
                record: RecordRef {
                    kind: kind_of(row.try_get(0)?)?,
                    id: row.try_get(1)?,
                },
                field: row.try_get(2)?,
            });
        }
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
                let probe = serde_json::json!([{ "project": target.id }]).to_string();
                self.ids(
                    "SELECT id FROM contributions WHERE allocations @> $1::text::jsonb LIMIT $2",
                    &[&probe, &limit],
                )?
            } else {
                let sql = format!("SELECT id FROM contributions WHERE {column} = $1 LIMIT $2");
                self.ids(&sql, &[&target.id, &limit])?
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
        let count: i64 = self.one(&sql, &[])?.try_get(0)?;
        Ok(count as usize)
    }

    fn exists_unseen(&self, record: RecordRef) -> Result<bool> {
        Ok(self
            .one(
                "SELECT partnercrm.exists_unseen($1, $2)",
                &[&record.kind.as_str(), &record.id],
            )?
            .try_get(0)?)
    }

    fn revision(&self, number: i64) -> Result<Revision> {
        revision_row(&self.one(
            "SELECT number, recorded_at, actor, summary FROM revisions WHERE number = $1",
            &[&number],
        )?)
    }

    fn revisions(&self) -> Result<Vec<Revision>> {
        self.query(
            "SELECT number, recorded_at, actor, summary FROM revisions ORDER BY number",
            &[],
        )?
        .iter()
        .map(revision_row)
        .collect()
    }

    fn revision_at(&self, moment: DateTime<Utc>) -> Result<Option<i64>> {
        Ok(self
            .one(
                "SELECT max(number) FROM revisions WHERE recorded_at <= $1",
                &[&moment],
            )?
            .try_get(0)?)
    }

    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .one("SELECT max(recorded_at) FROM revisions", &[])?
            .try_get(0)?)
    }

    fn clock(&self) -> Result<DateTime<Utc>> {
        // The server's clock: writers on hosts whose clocks disagree still
        // record times in one order.
        Ok(self.one("SELECT clock_timestamp()", &[])?.try_get(0)?)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|row| Ok(row.try_get(0)?))
            .transpose()
    }

    fn merge(&self, revision: i64) -> Result<Option<MergeRow>> {
        self.opt(
            "SELECT kind, kept, removed, undone_by FROM merges WHERE revision = $1",
            &[&revision],
        )?
        .map(|row| {
            Ok(MergeRow {
                kind: kind_of(row.try_get(0)?)?,
                kept: row.try_get(1)?,
                removed: row.try_get(2)?,
                undone_by: row.try_get(3)?,
            })
        })
        .transpose()
    }

    fn kept_for(&self, removed: Uuid) -> Result<Option<Uuid>> {
        self.opt(
            "SELECT kept FROM merges WHERE removed = $1 AND undone_by IS NULL
             ORDER BY revision DESC LIMIT 1",
            &[&removed],
        )?
        .map(|row| Ok(row.try_get(0)?))
        .transpose()
    }
}

const INSERT_CONTRIBUTION: &str = "INSERT INTO contributions (id, kind, donor, recipient, basis, amount,
     currency, date, period_start, period_end, project, agreement, description, payments, created, updated,
     allocations, office)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text::jsonb, $15, $15, $16::text::jsonb, $17)
     ON CONFLICT (id) DO NOTHING RETURNING office";

const UPDATE_CONTRIBUTION: &str = "UPDATE contributions SET kind = $2, donor = $3, recipient = $4,
     basis = $5, amount = $6, currency = $7, date = $8, period_start = $9, period_end = $10,
     project = $11, agreement = $12, description = $13, payments = $14::text::jsonb, updated = $15,
     allocations = $16::text::jsonb WHERE id = $1 RETURNING office";

impl WriteTx for PgTx<'_> {
    fn add_revision(
        &mut self,
        recorded_at: DateTime<Utc>,
        actor: &str,
        summary: &str,
    ) -> Result<i64> {
        // Under the office it writes to, when that is one office.
        let office = self.office_for(RecordKind::Note).ok().flatten();
        Ok(self
            .one(
                "INSERT INTO revisions (number, recorded_at, actor, summary, office)
                 SELECT coalesce(max(number), 0) + 1, $1, $2, $3, $4 FROM revisions
                 RETURNING number",
                &[&recorded_at, &actor, &summary, &office],
            )?
            .try_get(0)?)
    }

    fn insert(&mut self, put: &Put<'_>, revision: i64) -> Result<Option<Row>> {
        let office = self.office_for(put.kind)?;
        if let (PutBody::Contribution(contribution), Some(bulk)) =
            (&put.body, self.bulk.borrow_mut().as_mut())
            && !bulk.stored.contains(&put.id)
        {
            // New, so nothing to read back: it waits to be copied in.
            let c = ContributionColumns::new(contribution)?;
            let json = |text: Option<String>| -> Result<Option<serde_json::Value>> {
                text.map(|t| {
                    serde_json::from_str(&t).map_err(|e| Error::Parse {
                        what: "contribution",
                        input: put.id.to_string(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
            };
            bulk.pending.push(Pending {
                id: c.id,
                kind: c.kind,
                donor: c.donor,
                recipient: c.recipient,
                basis: c.basis,
                amount: c.amount,
                currency: c.currency,
                date: c.date,
                period_start: c.period_start,
                period_end: c.period_end,
                project: c.project,
                agreement: c.agreement,
                description: c.description.map(str::to_owned),
                payments: json(c.payments)?,
                allocations: json(c.allocations)?,
                revision,
                office,
            });
            bulk.stored.insert(put.id);
            return Ok(None);
        }
        let inserted = match &put.body {
            PutBody::Contribution(_) => self.write_contribution(
                INSERT_CONTRIBUTION,
                put,
                revision,
                Some(office.as_deref()),
            )?,
            PutBody::Doc(doc) => {
                let sql = format!(
                    "INSERT INTO {} (id, natural_key, label, created, updated, doc, office)
                     VALUES ($1, $2, $3, $4, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING office",
                    put.kind.collection()
                );
                self.opt(
                    &sql,
                    &[
                        &put.id,
                        &put.natural_key,
                        &put.label,
                        &revision,
                        doc,
                        &office,
                    ],
                )?
            }
        };
        if inserted.is_some() {
            self.write_index(put, office.as_deref())?;
            return Ok(None);
        }
        match self.row(put.kind, put.id)? {
            Some(stored) => Ok(Some(stored)),
            // The id is taken by a row this role cannot see.
            None => Err(Error::Permission {
                location: self.location.to_owned(),
                message: format!(
                    "{} {} belongs to an office this role has no rights on",
                    put.kind, put.id
                ),
            }),
        }
    }

    fn update(&mut self, put: &Put<'_>, revision: i64) -> Result<()> {
        let changed = match &put.body {
            PutBody::Contribution(_) => {
                self.write_contribution(UPDATE_CONTRIBUTION, put, revision, None)?
            }
            PutBody::Doc(doc) => {
                let sql = format!(
                    "UPDATE {} SET natural_key = $2, label = $3, updated = $4, doc = $5 WHERE id = $1
                     RETURNING office",
                    put.kind.collection()
                );
                self.opt(
                    &sql,
                    &[&put.id, &put.natural_key, &put.label, &revision, doc],
                )?
            }
        };
        let office = self.changed_one(
            changed,
            RecordRef {
                kind: put.kind,
                id: put.id,
            },
        )?;
        self.write_index(put, office.as_deref())
    }

    fn rewrite(&mut self, put: &Put<'_>) -> Result<()> {
        let record = RecordRef {
            kind: put.kind,
            id: put.id,
        };
        let changed = match &put.body {
            PutBody::Contribution(_) => {
                // The same columns, and the revision that last changed it kept.
                let updated: Option<i64> = self
                    .opt(
                        "SELECT updated FROM contributions WHERE id = $1",
                        &[&put.id],
                    )?
                    .map(|row| row.try_get(0))
                    .transpose()?;
                match updated {
                    Some(updated) => {
                        self.write_contribution(UPDATE_CONTRIBUTION, put, updated, None)?
                    }
                    None => None,
                }
            }
            PutBody::Doc(doc) => {
                let sql = format!(
                    "UPDATE {} SET natural_key = $2, label = $3, doc = $4 WHERE id = $1 RETURNING office",
                    put.kind.collection()
                );
                self.opt(&sql, &[&put.id, &put.natural_key, &put.label, doc])?
            }
        };
        let office = self.changed_one(changed, record)?;
        self.write_index(put, office.as_deref())
    }

    fn delete(&mut self, record: RecordRef) -> Result<()> {
        let sql = format!(
            "DELETE FROM {} WHERE id = $1 RETURNING office",
            record.kind.collection()
        );
        let deleted = self.opt(&sql, &[&record.id])?;
        self.changed_one(deleted, record)?;
        self.execute("DELETE FROM refs WHERE source = $1", &[&record.id])?;
        self.execute("DELETE FROM names WHERE id = $1", &[&record.id])?;
        Ok(())
    }

    fn push_history(&mut self, entry: &HistoryRow) -> Result<()> {
        // An entry is under its record's office.
        let sql = format!(
            "INSERT INTO history (revision, kind, id, action, created, position, doc, office)
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT office FROM {} WHERE id = $3))",
            entry.kind.collection()
        );
        self.execute(
            &sql,
            &[
                &entry.revision,
                &entry.kind.as_str(),
                &entry.id,
                &action_str(entry.action),
                &entry.created,
                &entry.position,
                &entry.doc,
            ],
        )?;
        Ok(())
    }

    fn set_history_doc(&mut self, seq: i64, doc: &str) -> Result<()> {
        self.execute("UPDATE history SET doc = $2 WHERE seq = $1", &[&seq, &doc])?;
        Ok(())
    }

    fn set_revision_summary(&mut self, number: i64, summary: &str) -> Result<()> {
        self.execute(
            "UPDATE revisions SET summary = $2 WHERE number = $1",
            &[&number, &summary],
        )?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn add_merge(&mut self, revision: i64, merge: &MergeRow) -> Result<()> {
        self.execute(
            "INSERT INTO merges (revision, kind, kept, removed) VALUES ($1, $2, $3, $4)",
            &[&revision, &merge.kind.as_str(), &merge.kept, &merge.removed],
        )?;
        Ok(())
    }

    fn mark_merge_undone(&mut self, revision: i64, undo: i64) -> Result<()> {
        self.execute(
            "UPDATE merges SET undone_by = $2 WHERE revision = $1",
            &[&revision, &undo],
        )?;
        Ok(())
    }

    fn begin_bulk(&mut self, kind: RecordKind, rows: usize) -> Result<()> {
        // A large load of contributions is copied in, one round trip for
        // all, rather than inserted row by row; the ids already stored are
        // read first, since those rows are compared, not inserted.
        if kind != RecordKind::Contribution || rows < BULK_ROWS {
            return Ok(());
        }
        let stored = self
            .query("SELECT id FROM contributions", &[])?
            .iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect::<Result<_>>()?;
        *self.bulk.borrow_mut() = Some(Bulk {
            stored,
            pending: Vec::new(),
        });
        Ok(())
    }

    fn end_bulk(&mut self, _kind: RecordKind) -> Result<()> {
        self.flush()?;
        *self.bulk.borrow_mut() = None;
        Ok(())
    }

    fn move_record(&mut self, record: RecordRef, office: Option<&str>) -> Result<bool> {
        if office.is_none() && !offices::shareable(record.kind) {
            return Err(offices::not_shareable(record));
        }
        let sql = format!(
            "UPDATE {} SET office = $2 WHERE id = $1 AND office IS DISTINCT FROM $2 RETURNING id",
            record.kind.collection()
        );
        if self.opt(&sql, &[&record.id, &office])?.is_none() {
            // Already there, or not this role's to move.
            return match self.office_of_row(record)? {
                Some(now) if now.as_deref() == office => Ok(false),
                _ => Err(Error::Permission {
                    location: self.location.to_owned(),
                    message: format!("{record} is in an office this role may read but not change"),
                }),
            };
        }
        self.execute(
            "UPDATE history SET office = $2 WHERE id = $1",
            &[&record.id, &office],
        )?;
        self.execute(
            "UPDATE refs SET office = $2 WHERE source = $1",
            &[&record.id, &office],
        )?;
        self.execute(
            "UPDATE names SET office = $2 WHERE id = $1",
            &[&record.id, &office],
        )?;
        Ok(true)
    }

    fn commit(self: Box<Self>) -> Result<()> {
        self.flush()?;
        self.open.set(false);
        let result = self.conn.borrow_mut().client.batch_execute("COMMIT");
        result.map_err(|e| {
            // A deferred check failed at commit: the transaction is gone.
            fail(e, self.location, None)
        })
    }
}
