//! The store's files: erasure leaves no copy of a person's details in the
//! file, its log or a backup; files are private to their owner; and a
//! store is only ever opened from a partnercrm file.

use std::path::{Path, PathBuf};

use partnercrm::Error;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::store::{Batch, Store};
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

const NAME: &str = "Susan Boeve";
const OLD_EMAIL: &str = "susan.boeve@oldmail.example";
const EMAIL: &str = "s.boeve@example.org";
const PHONE: &str = "+41 22 717 9111";

/// Whether `bytes` hold `needle` in any letter case.
fn holds(bytes: &[u8], needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase();
    let lower = bytes.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn traces(path: &Path) -> Vec<&'static str> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    [NAME, "boeve", OLD_EMAIL, EMAIL, PHONE]
        .into_iter()
        .filter(|n| holds(&bytes, n))
        .collect()
}

fn wal(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// A seeded store file with Susan Boeve mentioned everywhere free text can
/// mention her: returns the store, her id, and how many places.
fn store_mentioning_her(path: &Path) -> (Store, PersonId, usize) {
    let mut store = Store::open(path).expect("opens");
    store
        .import(json::read(SEED).expect("seed"), "setup")
        .expect("imports");
    let iom = store.find_by_name::<Organisation>("IOM").expect("lookup")[0].clone();
    let mut susan = Person::new(NAME);
    susan.contact.email = Some(OLD_EMAIL.to_owned());
    susan.description = Some("Led the Geneva office's partnership unit.".to_owned());
    susan.affiliations.push(Affiliation {
        organisation: iom.id,
        title: Some("Partnership officer".to_owned()),
        period: Period::OPEN,
    });
    store.upsert(susan.clone(), "setup").expect("adds her");
    // A second version: the old e-mail address lives on in history.
    susan.contact.email = Some(EMAIL.to_owned());
    susan.contact.phone = Some(PHONE.to_owned());
    store.upsert(susan.clone(), "setup").expect("updates her");

    let mut quote = Note::new(
        NoteKind::Quote,
        format!("\"Partnerships matter,\" said {NAME} ({EMAIL})."),
    );
    quote.title = Some(format!("{NAME} on partnerships"));
    quote.links.people.push(susan.id);
    let unlinked = Note::new(
        NoteKind::Meeting,
        format!("Met SUSAN BOEVE; call her on {PHONE}."),
    );
    let mut described = iom.clone();
    described.description = Some(format!("Partnerships: ask {NAME}."));
    let mut project = store.all::<Project>().expect("reads")[0].clone();
    project.description = Some(format!("Contact {OLD_EMAIL}"));
    let mut group = store.all::<Group>().expect("reads")[0].clone();
    group.contact = Some(format!("{NAME} <{EMAIL}>"));
    group.purpose = Some(format!("Chaired by {NAME}'s unit"));
    let mut gift = store.all::<Contribution>().expect("reads")[0].clone();
    gift.description = Some(format!("Agreed with {NAME}"));
    store
        .apply(
            Batch::new()
                .upsert(quote)
                .upsert(unlinked)
                .upsert(described)
                .upsert(project)
                .upsert(group)
                .upsert(gift),
            "setup",
            &format!("notes from the call with {NAME}"),
        )
        .expect("stores the mentions");
    // Another edit of the organisation: its mention also lives in history.
    let mut again = store
        .get::<Organisation>(iom.id)
        .expect("get")
        .expect("there");
    again.description = Some("Partnerships.".to_owned());
    store.upsert(again, "setup").expect("edits");
    (store, susan.id, 8)
}

#[test]
fn export_person_lists_every_place_she_is_mentioned() {
    let dir = TempDir::new().expect("dir");
    let (store, susan, places) = store_mentioning_her(&dir.path().join("s.db"));
    let export = store.export_person(susan).expect("exports");
    let kinds: Vec<String> = export
        .mentions
        .iter()
        .map(|m| match (m.record, m.revision) {
            (Some(r), None) => format!("{} now: {}", r.kind, m.fields.join(",")),
            (Some(r), Some(_)) => format!("{} before: {}", r.kind, m.fields.join(",")),
            (None, _) => format!("revision: {}", m.fields.join(",")),
        })
        .collect();
    for expected in [
        "note now: text,title",
        "note now: text",
        "project now: description",
        "group now: contact,purpose",
        "contribution now: description",
        "organisation before: description",
        "revision: summary",
    ] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "{expected} missing from {kinds:?}"
        );
    }
    assert!(kinds.len() >= places - 1, "{kinds:?}");
}

#[test]
fn erasure_leaves_no_copy_in_the_file_its_log_or_a_backup() {
    let dir = TempDir::new().expect("dir");
    let db = dir.path().join("erase.db");
    let (mut store, susan, _) = store_mentioning_her(&db);
    assert!(
        !traces(&wal(&db)).is_empty() || !traces(&db).is_empty(),
        "planted"
    );

    store.erase_person(susan, "dpo").expect("erases");
    assert_eq!(traces(&db), Vec::<&str>::new(), "the open .db");
    assert_eq!(traces(&wal(&db)), Vec::<&str>::new(), "the -wal while open");
    let backup = dir.path().join("after.db");
    store.backup(&backup).expect("backs up");
    assert_eq!(traces(&backup), Vec::<&str>::new(), "a backup made after");

    // Through the store, too: every text now says who was there, not who.
    let text = json::to_string(&store.dataset().expect("reads")).expect("json");
    assert!(!holds(text.as_bytes(), "boeve"), "{text}");
    assert!(text.contains("[erased person]"));
    let revisions = serde_json::to_string(&store.revisions().expect("reads")).expect("json");
    assert!(!holds(revisions.as_bytes(), "boeve"));
    assert!(store.validate().expect("reads").is_clean());
    drop(store);
    assert_eq!(traces(&db), Vec::<&str>::new(), "the closed .db");
}

#[cfg(unix)]
#[test]
fn store_files_and_backups_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().expect("dir");
    let db = dir.path().join("private.db");
    let store = Store::open(&db).expect("creates");
    let backup = dir.path().join("backup.db");
    store.backup(&backup).expect("backs up");
    let mut shm = db.as_os_str().to_owned();
    shm.push("-shm");
    for path in [db.clone(), wal(&db), PathBuf::from(shm), backup] {
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} is {:o}",
            path.display(),
            mode & 0o777
        );
    }
}

#[test]
fn only_partnercrm_stores_are_opened() {
    let dir = TempDir::new().expect("dir");
    // Another application's database is refused and left as it was.
    let foreign = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&foreign).expect("opens");
    conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT);")
        .expect("creates");
    drop(conn);
    let err = Store::open(&foreign).expect_err("refused");
    assert!(matches!(err, Error::NotAStore { .. }), "{err}");
    assert!(err.to_string().contains("invoices"), "{err}");
    let conn = rusqlite::Connection::open(&foreign).expect("opens");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .expect("counts");
    assert_eq!(tables, 1, "nothing was added to it");

    // A file that is not a database at all.
    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "these are my notes, not a database, and they are long enough",
    )
    .expect("writes");
    let err = Store::open(&text).expect_err("refused");
    assert!(matches!(err, Error::NotAStore { .. }), "{err}");

    // An empty path would be a temporary database, lost on close.
    let err = Store::open("").expect_err("refused");
    assert!(err.to_string().contains("empty path"), "{err}");

    // A new store is marked, and opens again.
    let ours = dir.path().join("ours.db");
    drop(Store::open(&ours).expect("creates"));
    let conn = rusqlite::Connection::open(&ours).expect("opens");
    let mark: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("reads");
    assert_eq!(mark, 0x5043_524D);
    drop(conn);
    Store::open(&ours).expect("reopens");
}
