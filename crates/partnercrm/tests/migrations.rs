//! Schema versions: older files are migrated on open, newer ones refused.

use std::path::Path;

use partnercrm::Error;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::store::Store;
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);
const SCHEMA_V1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/schema_v1.sqlite"
);

/// The change made after importing the seed in the fixture, so that it has history.
fn fixture_change(data: &Dataset) -> Organisation {
    let mut acte = data
        .organisation_named("ACTE")
        .expect("ACTE is in the seed")
        .clone();
    acte.website = Some("https://www.acte.org".into());
    acte
}

/// Writes `tests/fixtures/schema_v1.sqlite` as the first schema wrote it.
/// It was run once, while schema 1 was current; the file is kept as is so
/// that every later version proves it can still open it.
#[test]
#[ignore = "writes the committed fixture; run only to recreate it deliberately"]
fn write_schema_v1_fixture() {
    let _ = std::fs::remove_file(SCHEMA_V1);
    let seed = json::read(SEED).expect("seed");
    let mut store = Store::open_at_version(SCHEMA_V1, 1).expect("creates");
    store.import(seed.clone(), "fixture").expect("imports");
    store
        .upsert(fixture_change(&seed), "fixture")
        .expect("updates");
    drop(store);
    // One self-contained file: fold the write-ahead log back in.
    let conn = rusqlite::Connection::open(SCHEMA_V1).expect("reopens");
    conn.pragma_update(None, "journal_mode", "DELETE")
        .expect("leaves WAL mode");
    conn.execute_batch("VACUUM").expect("compacts");
}

fn copy_of(fixture: &str, dir: &TempDir) -> std::path::PathBuf {
    let path = dir
        .path()
        .join(Path::new(fixture).file_name().expect("file name"));
    std::fs::copy(fixture, &path).expect("copies the fixture");
    path
}

#[test]
fn a_file_written_by_the_first_schema_opens_and_migrates() {
    let dir = TempDir::new().expect("temp dir");
    let path = copy_of(SCHEMA_V1, &dir);
    let version = |path: &Path| -> i64 {
        let conn = rusqlite::Connection::open(path).expect("opens");
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version")
    };
    assert_eq!(version(&path), 1, "the fixture is a schema 1 file");

    let store = Store::open(&path).expect("opens and migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        partnercrm::store::sqlite::CURRENT_SCHEMA_VERSION
    );
    let seed = json::read(SEED).expect("seed");
    let mut expected = seed.clone();
    let changed = fixture_change(&seed);
    if let Some(slot) = expected
        .organisations
        .iter_mut()
        .find(|o| o.id == changed.id)
    {
        *slot = changed.clone();
    }
    assert_eq!(
        store.dataset().expect("reads"),
        expected,
        "nothing was lost in the migration"
    );
    // Schema 2's name index was backfilled from the stored records.
    let world_bank: Vec<Organisation> = store.find_by_name("Weltbank").expect("lookup");
    assert_eq!(world_bank.len(), 1);
    let history = store.history::<Organisation>(changed.id).expect("history");
    assert_eq!(
        history.len(),
        2,
        "the history written under schema 1 is still there"
    );
    drop(store);
    assert_eq!(
        version(&path),
        partnercrm::store::sqlite::CURRENT_SCHEMA_VERSION
    );
}

#[test]
fn a_file_from_a_newer_version_is_refused() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("future.db");
    drop(Store::open(&path).expect("creates"));
    let conn = rusqlite::Connection::open(&path).expect("opens");
    conn.pragma_update(
        None,
        "user_version",
        partnercrm::store::sqlite::CURRENT_SCHEMA_VERSION + 1,
    )
    .expect("bumps");
    drop(conn);
    let err = Store::open(&path).expect_err("too new");
    assert!(
        matches!(err, Error::SchemaTooNew { found, .. } if found == partnercrm::store::sqlite::CURRENT_SCHEMA_VERSION + 1)
    );
    assert!(
        err.to_string().contains("upgrade partnercrm to open it"),
        "{err}"
    );
}

#[test]
fn migrating_is_idempotent_across_opens() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("twice.db");
    drop(Store::open_at_version(&path, 1).expect("creates at schema 1"));
    drop(Store::open(&path).expect("migrates"));
    let store = Store::open(&path).expect("opens again");
    assert_eq!(
        store.schema_version().expect("version"),
        partnercrm::store::sqlite::CURRENT_SCHEMA_VERSION
    );
}
