//! A PostgreSQL database of its own for each test, so that tests run in
//! parallel and leave nothing behind.
//!
//! The server is `$PARTNERCRM_TEST_POSTGRES` (`make test` starts a
//! throwaway one: scripts/test-postgres.sh), whose user may create roles
//! and databases. Each [`Scratch`] makes a login role and a database it
//! owns, both named after the test, and drops them (and every role named
//! after them, such as an office's) when dropped. Without a server the
//! PostgreSQL tests are skipped, loudly, except under CI=true, where they
//! fail: CI skips nothing.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the server.
pub const SERVER: &str = "PARTNERCRM_TEST_POSTGRES";

/// The server's URL, or `None` (after saying so) when there is none and
/// this is not CI.
pub fn server() -> Option<String> {
    match std::env::var(SERVER) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => panic!(
            "CI is set and {SERVER} is not: the PostgreSQL tests must run in CI \
             (`make test` starts a server with scripts/test-postgres.sh)"
        ),
        _ => {
            eprintln!(
                "skipped: no PostgreSQL server for the tests; run them with `make test`, or \
                 `eval \"$(scripts/test-postgres.sh start)\"` first"
            );
            None
        }
    }
}

/// A role and a database of its own, dropped with it.
pub struct Scratch {
    /// The store's URL: the database, as its owner.
    pub url: String,
    /// The database's (and its owner's) name; roles the test makes start
    /// with it.
    pub name: String,
    admin: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Scratch {
    /// A fresh database owned by a fresh role that may create roles (an
    /// office administrator), or `None` when there is no server.
    pub fn new() -> Option<Self> {
        let admin = server()?;
        let name = format!(
            "pcrm_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::now_v7().simple().to_string()[26..]
        );
        let mut client = connect(&admin);
        for sql in [
            format!("CREATE ROLE {name} LOGIN CREATEROLE PASSWORD '{name}'"),
            format!("CREATE DATABASE {name} OWNER {name} STRATEGY FILE_COPY"),
        ] {
            client
                .batch_execute(&sql)
                .expect("makes the test's role and database");
        }
        let url = with_user(&admin, &name, &name, Some(&name));
        Some(Self { url, name, admin })
    }

    /// The URL of this database as a login role made here (password: its name).
    pub fn login(&self, role: &str) -> String {
        with_user(&self.admin, role, role, Some(&self.name))
    }

    /// Makes a login role named `{name}_{suffix}` and returns its name.
    pub fn user(&self, suffix: &str) -> String {
        let role = format!("{}_{suffix}", self.name);
        self.admin_sql(&format!("CREATE ROLE {role} LOGIN PASSWORD '{role}'"));
        role
    }

    /// Runs SQL as the server's administrator, in this database.
    pub fn admin_sql(&self, sql: &str) {
        connect(&with_user(&self.admin, "", "", Some(&self.name)))
            .batch_execute(sql)
            .expect("the administrator's SQL runs");
    }

    /// A connection as `role`, for raw SQL.
    pub fn client(&self, role: &str) -> postgres::Client {
        connect(&self.login(role))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut client = connect(&self.admin);
        let _ = client.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
        let roles: Vec<String> = client
            .query(
                "SELECT rolname::text FROM pg_roles WHERE rolname = $1 OR starts_with(rolname, $1 || '_') OR starts_with(rolname, $1 || ':')",
                &[&self.name],
            )
            .map(|rows| rows.iter().filter_map(|r| r.try_get(0).ok()).collect())
            .unwrap_or_default();
        for role in roles {
            let _ = client.batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\""));
        }
    }
}

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test server {url}: {e}"))
}

/// `url` with another user and password (kept as they are when empty) and database.
pub fn with_user(url: &str, user: &str, password: &str, database: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match rest.split_once('/') {
        Some((authority, path)) => (authority, path),
        None => (rest, ""),
    };
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((credentials, host)) => (Some(credentials), host),
        None => (None, authority),
    };
    let credentials = if user.is_empty() {
        credentials.map(|c| format!("{c}@")).unwrap_or_default()
    } else {
        format!("{user}:{password}@")
    };
    let path = database.unwrap_or(path);
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{credentials}{host}/{path}{query}")
}
