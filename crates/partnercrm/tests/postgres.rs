//! What only the PostgreSQL backend has: versioned migrations of a store in
//! a database, refusing what is not a store, TLS as libpq reads `sslmode`,
//! the busy timeout as `lock_timeout`, and plain refusals for roles without
//! rights.

#[path = "support/postgres.rs"]
mod pg;

use std::time::Duration;

use partnercrm::Error;
use partnercrm::model::*;
use partnercrm::store::{self, Access, Store};

fn sql(url: &str, statements: &str) {
    postgres::Client::connect(url, postgres::NoTls)
        .expect("connects")
        .batch_execute(statements)
        .expect("runs");
}

#[test]
fn a_store_of_the_first_schema_migrates_and_its_records_go_to_headquarters() {
    let Some(db) = pg::Scratch::new() else { return };
    drop(Store::open_at_version(&db.url, 1).expect("creates schema 1"));
    // What schema 1 held, written as it wrote it.
    let org = Organisation::new("Older partner", OrganisationKind::Foundation);
    let mut person = Person::new("Older Contact");
    person.affiliations.push(Affiliation {
        organisation: org.id,
        title: None,
        period: Period::OPEN,
    });
    sql(
        &db.url,
        &format!(
            "INSERT INTO partnercrm.revisions VALUES (1, now(), 'older', 'import 2 records');
             INSERT INTO partnercrm.organisations (id, natural_key, label, created, updated, doc)
                 VALUES ('{org_id}', 'name:older partner', 'Older partner', 1, 1, '{org_doc}');
             INSERT INTO partnercrm.people (id, natural_key, label, created, updated, doc)
                 VALUES ('{person_id}', 'older contact|{org_id}', 'Older Contact', 1, 1, '{person_doc}');
             INSERT INTO partnercrm.names (kind, id, name) VALUES ('person', '{person_id}', 'older contact');
             INSERT INTO partnercrm.refs (source_kind, source, field, target_kind, target)
                 VALUES ('person', '{person_id}', 'affiliations', 'organisation', '{org_id}');",
            org_id = org.id,
            person_id = person.id,
            org_doc = doc(&org),
            person_doc = doc(&person),
        ),
    );
    let mut store = Store::open(&db.url).expect("migrates");
    assert_eq!(store.schema_version().expect("version"), 2);
    assert_eq!(
        store.get::<Person>(person.id).expect("get"),
        Some(person.clone())
    );
    assert_eq!(
        store.office_of(person.id.into()).expect("office"),
        Some("headquarters".to_owned())
    );
    assert_eq!(
        store.office_of(org.id.into()).expect("office"),
        None,
        "organisations stay shared"
    );
    // An office made afterwards sees the shared organisation, not headquarters' person.
    store.create_office("peru").expect("makes an office");
    let user = db.user("pia");
    store.grant("peru", &user, Access::Reader).expect("grants");
    let pia = Store::open(db.login(&user)).expect("opens");
    assert_eq!(pia.get::<Organisation>(org.id).expect("get"), Some(org));
    assert_eq!(pia.get::<Person>(person.id).expect("get"), None);
    assert!(
        pia.find_by_name::<Person>("Older Contact")
            .expect("find")
            .is_empty()
    );
}

/// The JSON a record is stored as, quoted for SQL.
fn doc<T: serde::Serialize>(record: &T) -> String {
    serde_json::to_string(record)
        .expect("json")
        .replace('\'', "''")
}

#[test]
fn what_is_not_a_store_of_this_version_is_refused() {
    let Some(db) = pg::Scratch::new() else { return };
    assert!(
        !store::exists(&db.url).expect("asks"),
        "an empty database holds no store"
    );
    sql(
        &db.url,
        "CREATE SCHEMA partnercrm; CREATE TABLE partnercrm.accounts (id int)",
    );
    let err = Store::open(&db.url).expect_err("someone else's schema");
    assert!(matches!(&err, Error::NotAStore { .. }), "{err:?}");
    sql(&db.url, "DROP SCHEMA partnercrm CASCADE");

    drop(Store::open(&db.url).expect("creates"));
    assert!(store::exists(&db.url).expect("asks"));
    sql(
        &db.url,
        "INSERT INTO partnercrm.migrations (version) VALUES (99)",
    );
    let err = Store::open(&db.url).expect_err("a newer store");
    assert!(
        matches!(&err, Error::SchemaTooNew { found: 99, .. }),
        "{err:?}"
    );
    store::destroy(&db.url).expect("destroys");
    assert!(!store::exists(&db.url).expect("asks"));
}

#[test]
fn roles_without_rights_are_told_so() {
    let Some(db) = pg::Scratch::new() else { return };
    let nobody = db.user("nobody");
    let err = Store::open(db.login(&nobody)).expect_err("no store, no right to make one");
    let message = err.to_string();
    assert!(
        matches!(&err, Error::Permission { .. }) && message.contains("partnercrm --db URL init"),
        "{message}"
    );
    drop(Store::open(&db.url).expect("the owner creates it"));
    let err = Store::open(db.login(&nobody)).expect_err("no rights on it");
    assert!(err.to_string().contains("office grant"), "{err}");
}

#[test]
fn a_writer_kept_waiting_gets_a_busy_error_that_says_how_long() {
    let Some(db) = pg::Scratch::new() else { return };
    let mut store = Store::open(&db.url).expect("creates");
    store
        .set_busy_timeout(Duration::from_millis(300))
        .expect("sets");
    // Another writer holds the store's write lock.
    let mut holder = db.client(&db.name);
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({})",
            0x5043_524D_0000_0001_i64
        ))
        .expect("takes the write lock");
    let started = std::time::Instant::now();
    let result = store.upsert(Organisation::new("Waiting", OrganisationKind::NgoCso), "t");
    let Err(Error::Busy { waited, .. }) = result else {
        panic!("expected a busy error, got {result:?}");
    };
    assert!(
        waited >= Duration::from_millis(250),
        "it waited out the timeout: {waited:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    holder.batch_execute("ROLLBACK").expect("releases");
    assert!(
        store
            .set_busy_timeout(Duration::from_secs(10_000_000))
            .is_err()
    );
    store
        .upsert(Organisation::new("Waiting", OrganisationKind::NgoCso), "t")
        .expect("then it writes");
    assert_eq!(
        store.revisions().expect("revisions").len(),
        1,
        "the refused write left no revision"
    );
}

/// The TLS server's URL for a database, and its certificate.
fn tls(database: &str) -> Option<(String, String)> {
    let url = match std::env::var("PARTNERCRM_TEST_POSTGRES_TLS") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!(
                "CI is set and PARTNERCRM_TEST_POSTGRES_TLS is not: scripts/test-postgres.sh sets it"
            )
        }
        _ => {
            eprintln!("skipped: no TLS test server (scripts/test-postgres.sh starts one)");
            return None;
        }
    };
    let ca = std::env::var("PARTNERCRM_TEST_POSTGRES_CA").unwrap_or_default();
    Some((pg::with_user(&url, "", "", Some(database)), ca))
}

#[test]
fn tls_follows_sslmode_as_libpq_reads_it() {
    let Some(db) = pg::Scratch::new() else { return };
    let Some((url, ca)) = tls(&db.name) else {
        return;
    };
    let encrypted = |store: &Store| -> bool {
        let mut client = store.postgres_client().expect("PostgreSQL");
        client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .expect("asks")
            .get(0)
    };
    // require: encrypted, the certificate taken as it comes.
    let store = Store::open(format!("{url}?sslmode=require")).expect("opens over TLS");
    assert!(encrypted(&store));
    // verify-full: against the named root, for the host it names.
    let root = format!("sslrootcert={}", ca.replace('/', "%2F"));
    let store = Store::open(format!("{url}?sslmode=verify-full&{root}")).expect("verifies");
    assert!(encrypted(&store));
    let store = Store::open(format!("{url}?sslmode=verify-ca&{root}")).expect("verifies");
    assert!(encrypted(&store));
    // A certificate no trusted root signed is refused.
    let err = Store::open(format!("{url}?sslmode=verify-full")).expect_err("an unknown authority");
    assert!(
        matches!(&err, Error::Postgres(_) | Error::Parse { .. }),
        "{err:?}"
    );
    // disable: in the clear.
    let store = Store::open(format!("{url}?sslmode=disable")).expect("opens");
    assert!(!encrypted(&store));
    let message = Store::open(format!("{url}?sslmode=sometimes"))
        .expect_err("refused")
        .to_string();
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password.to_owned())
        .expect("the TLS URL has a password");
    assert!(message.contains("sslmode"), "{message}");
    assert!(
        !message.contains(&password),
        "the password stays out of messages: {message}"
    );
}
