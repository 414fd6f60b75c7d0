//! The store's contract: every test runs against each backend configuration
//! (a SQLite file, SQLite in memory, and a PostgreSQL database of its own).
//! A new backend joins by adding a line to `backends!`.

#[path = "support/postgres.rs"]
mod pg;

use std::path::PathBuf;

use chrono::Utc;
use partnercrm::Error;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::store::{Action, Batch, Store};
use partnercrm::validate::Code;
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("the seed data set loads")
}

/// A store under test, with whatever keeps it alive.
struct Fixture {
    store: Store,
    _dir: Option<TempDir>,
    path: Option<PathBuf>,
    _database: Option<pg::Scratch>,
}

fn file_store() -> Fixture {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("partners.db");
    Fixture {
        store: Store::open(&path).expect("opens"),
        path: Some(path),
        _dir: Some(dir),
        _database: None,
    }
}

fn memory_store() -> Fixture {
    Fixture {
        store: Store::in_memory().expect("opens"),
        _dir: None,
        path: None,
        _database: None,
    }
}

/// A store in a PostgreSQL database of its own, as the database's owner
/// (an ordinary role, so that row security applies to it).
fn postgres_store() -> Fixture {
    let database = pg::Scratch::new().expect("a PostgreSQL server (checked by the macro)");
    Fixture {
        store: Store::open(&database.url).expect("opens"),
        _dir: None,
        path: None,
        _database: Some(database),
    }
}

fn seeded(fixture: fn() -> Fixture) -> Fixture {
    let mut f = fixture();
    f.store.import(seed(), "test").expect("the seed imports");
    f
}

fn org(store: &Store, name: &str) -> Organisation {
    let mut found: Vec<Organisation> = store.find_by_name(name).expect("lookup");
    assert_eq!(found.len(), 1, "exactly one organisation answers to {name}");
    found.remove(0)
}

/// Runs each contract test against every backend.
macro_rules! backends {
    ($($test:ident),* $(,)?) => {
        mod file {
            $(#[test] fn $test() { super::$test(super::file_store) })*
        }
        mod memory {
            $(#[test] fn $test() { super::$test(super::memory_store) })*
        }
        mod postgres {
            $(#[test] fn $test() {
                if super::pg::server().is_some() {
                    super::$test(super::postgres_store)
                }
            })*
        }
    };
}

backends!(
    seed_reads_back_equal,
    importing_twice_leaves_one_copy,
    lookups_by_id_name_alias_identifier_and_key,
    invalid_writes_are_refused_whole,
    dangling_references_are_refused,
    deleting_a_referenced_record_is_refused,
    deleting_referrer_and_referent_together_works,
    a_second_record_under_a_natural_key_is_refused,
    history_records_who_when_before_and_after,
    the_data_set_as_recorded_earlier,
    erasing_a_person_scrubs_history_and_keeps_a_tombstone,
    backup_copies_the_store,
    allocations_are_stored_and_protect_their_projects,
    merging_duplicates_keeps_history_and_can_be_undone,
    a_watched_batch_reports_its_phases_and_can_be_stopped,
    a_large_import_is_stored_whole_and_only_changes_count,
    a_table_of_the_store_equals_the_table_of_its_data_set,
);

/// A batch large enough for a backend's bulk path (PostgreSQL copies it in):
/// it reads back equal, imports again as unchanged, and a changed gift in a
/// second large batch is an update, with history.
fn a_large_import_is_stored_whole_and_only_changes_count(fixture: fn() -> Fixture) {
    let mut f = fixture();
    let data = partnercrm::synthetic::generate(&partnercrm::synthetic::Spec::new(3_000));
    let applied = f.store.import(data.clone(), "test").expect("imports");
    assert_eq!(applied.inserted, data.len());
    assert_eq!(f.store.dataset().expect("reads"), data);
    let again = f.store.import(data.clone(), "test").expect("imports again");
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, data.len())
    );
    let mut changed = data.clone();
    changed.contributions[1234].description = Some("corrected".into());
    let applied = f
        .store
        .import(changed.clone(), "test")
        .expect("imports a change");
    assert_eq!((applied.inserted, applied.updated), (0, 1));
    assert_eq!(f.store.dataset().expect("reads"), changed);
    let history = f
        .store
        .history::<Contribution>(changed.contributions[1234].id)
        .expect("history");
    assert_eq!(history.len(), 2);
}

/// The store's tables, made a chunk of rows at a time for the kinds that
/// grow (from a cursor, on PostgreSQL), equal the tables of the whole data
/// set: the same rows in the same order, names beside references, and
/// decimals at one scale though only a late chunk holds the finest.
fn a_table_of_the_store_equals_the_table_of_its_data_set(fixture: fn() -> Fixture) {
    let mut f = fixture();
    let mut data = partnercrm::synthetic::generate(&partnercrm::synthetic::Spec::new(25_000));
    // A value with four decimals, in the last chunk only.
    let last = data.contributions.len() - 1;
    let money = Money::new(
        rust_decimal::Decimal::new(123_456_789, 4),
        "EUR".parse().expect("currency"),
    );
    data.contributions[last].value = ContributionValue::Actual { money };
    f.store.import(data, "test").expect("imports");
    let whole = f.store.dataset().expect("reads");
    for name in partnercrm::query::tables::TABLES {
        let stored = f.store.table(name, None).expect("a table");
        let expected = partnercrm::query::tables::table(&whole, name).expect("a table");
        assert_eq!(stored, expected, "{name}");
    }
    let contributions = f.store.table("contributions", None).expect("a table");
    assert_eq!(contributions.num_rows(), whole.contributions.len());
    let names = contributions
        .column_by_name("donor_name")
        .expect("donor names");
    assert_eq!(names.null_count(), 0, "every donor named");
    // As recorded before a change: the table of that data set.
    let before = f.store.revisions().expect("revisions")[0].recorded_at;
    let mut changed = whole.contributions[0].clone();
    changed.description = Some("corrected".into());
    f.store.upsert(changed, "test").expect("changes one");
    let then = f.store.dataset_at(before).expect("reads");
    assert_eq!(then, whole);
    assert_eq!(
        f.store
            .table("contributions", Some(before))
            .expect("a table"),
        partnercrm::query::tables::table(&whole, "contributions").expect("a table")
    );
}

fn merging_duplicates_keeps_history_and_can_be_undone(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let person = |store: &Store, name: &str| -> Person {
        let mut found: Vec<Person> = store.find_by_name(name).expect("lookup");
        found.remove(0)
    };
    let keep = person(&f.store, "Susan Yaeger-Szoke");
    let remove = person(&f.store, "Susan Boeve");
    let quotes_of = |data: &Dataset, id: PersonId| {
        data.notes
            .iter()
            .filter(|n| n.links.people.contains(&id))
            .count()
    };
    let before = f.store.dataset().expect("reads");
    let (kept_quotes, removed_quotes) =
        (quotes_of(&before, keep.id), quotes_of(&before, remove.id));
    assert!(removed_quotes > 0);

    let merged = f
        .store
        .merge::<Person>(keep.id, remove.id, "steward@example.org")
        .expect("merges");
    let revision = merged.revision.expect("a revision");
    let after = f.store.dataset().expect("reads");
    assert!(after.person(remove.id).is_none());
    assert_eq!(
        quotes_of(&after, keep.id),
        kept_quotes + removed_quotes,
        "her quotes now point at the kept record"
    );
    assert!(after.validate().is_clean());
    assert_eq!(
        f.store.merged_into(*remove.id.as_uuid()).expect("resolves"),
        Some(*keep.id.as_uuid())
    );
    let history = f.store.history::<Person>(remove.id).expect("history");
    assert_eq!(
        history.last().map(|c| c.action),
        Some(Action::Deleted),
        "the removed record's history stays"
    );

    f.store
        .undo_merge(revision, "steward@example.org")
        .expect("undoes");
    // The restored record is listed last now; compare content, not order.
    let by_id = |mut data: Dataset| {
        data.people.sort_by_key(|p| p.id);
        data
    };
    let restored = by_id(f.store.dataset().expect("reads"));
    assert!(
        restored == by_id(before),
        "undo restores every record as it was"
    );
    assert_eq!(
        f.store.merged_into(*remove.id.as_uuid()).expect("resolves"),
        None
    );
    assert!(
        f.store.undo_merge(revision, "steward@example.org").is_err(),
        "a merge is undone once"
    );

    // A merge whose records changed since cannot be undone blindly.
    let hers: Vec<NoteId> = f
        .store
        .all::<Note>()
        .expect("notes")
        .into_iter()
        .filter(|n| n.links.people.contains(&remove.id))
        .map(|n| n.id)
        .collect();
    let merged = f
        .store
        .merge::<Person>(keep.id, remove.id, "steward@example.org")
        .expect("merges again");
    let mut note: Note = f.store.get(hers[0]).expect("get").expect("her quote");
    note.place = Some("Winnipeg".into());
    f.store.upsert(note, "editor").expect("edits");
    let err = f
        .store
        .undo_merge(merged.revision.expect("revision"), "steward@example.org");
    assert!(
        matches!(&err, Err(partnercrm::Error::Conflict { message }) if message.contains("has changed since")),
        "{err:?}"
    );
}

fn allocations_are_stored_and_protect_their_projects(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let mut project = Project::new("Allocated only");
    project.countries.push("CO".parse().expect("country"));
    let chevron = org(&f.store, "Chevron Corporation");
    let iom = org(&f.store, "IOM");
    let mut gift = Contribution::new(ContributionKind::Cash, chevron.id, iom.id);
    gift.value = ContributionValue::actual(Money::parse("100.00", "USD").expect("money"));
    gift.date = Some("2010".parse().expect("date"));
    gift.allocations.push(Allocation {
        project: project.id,
        amount: None,
        percent: Some(rust_decimal::Decimal::new(40, 0)),
    });
    f.store
        .apply(
            Batch::new().upsert(project.clone()).upsert(gift.clone()),
            "test",
            "allocated",
        )
        .expect("stores");
    assert_eq!(
        f.store.get::<Contribution>(gift.id).expect("get"),
        Some(gift)
    );
    let err = f
        .store
        .delete(project.id, "test")
        .expect_err("still allocated to");
    assert!(err.to_string().contains("(allocations)"), "{err}");
}

fn seed_reads_back_equal(fixture: fn() -> Fixture) {
    let f = seeded(fixture);
    assert_eq!(f.store.dataset().expect("reads"), seed());
    assert_eq!(f.store.count(RecordKind::Contribution).expect("count"), 21);
}

fn importing_twice_leaves_one_copy(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let again = f.store.import(seed(), "test").expect("imports again");
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, seed().len())
    );
    assert_eq!(again.revision, None, "no change, no revision");
    assert_eq!(f.store.revisions().expect("revisions").len(), 1);
    assert_eq!(f.store.dataset().expect("reads"), seed());
}

fn lookups_by_id_name_alias_identifier_and_key(fixture: fn() -> Fixture) {
    let f = seeded(fixture);
    let iom = org(&f.store, "IOM");
    assert_eq!(
        f.store.get::<Organisation>(iom.id).expect("get"),
        Some(iom.clone())
    );
    assert_eq!(org(&f.store, "  weltbank ").name, "World Bank");
    assert_eq!(
        f.store
            .organisation_by_identifier("XM-DAC-47066")
            .expect("lookup")
            .map(|o| o.id),
        Some(iom.id)
    );
    let key = iom.natural_key().expect("organisations have keys");
    assert_eq!(
        f.store
            .find_by_natural_key::<Organisation>(&key)
            .expect("lookup"),
        Some(iom)
    );
    let gmg: Vec<Group> = f
        .store
        .find_by_name("Genfer Migrationsgruppe")
        .expect("lookup");
    assert_eq!(gmg.len(), 1);
    assert_eq!(f.store.get::<Person>(PersonId::new()).expect("get"), None);
    assert!(
        f.store
            .find_by_name::<Organisation>("no such partner")
            .expect("lookup")
            .is_empty()
    );
}

fn invalid_writes_are_refused_whole(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let before = f.store.dataset().expect("reads");
    let iom = org(&f.store, "IOM");
    let chevron = org(&f.store, "Chevron Corporation");
    let mut good = Contribution::new(ContributionKind::Cash, chevron.id, iom.id);
    good.value = ContributionValue::actual(Money::parse("5000", "USD").expect("money"));
    good.date = Some("2009".parse().expect("date"));
    let mut bad = good.clone();
    bad.id = ContributionId::new();
    bad.value = ContributionValue::actual(Money::parse("0", "JPY").expect("money"));
    let mut renamed = iom.clone();
    renamed.name = "International Organization for Migration (renamed)".into();

    let batch = Batch::new().upsert(good).upsert(bad).upsert(renamed);
    match f.store.apply(batch, "test", "mixed batch") {
        Err(Error::Invalid(report)) => {
            let found: Vec<(Code, String)> = report
                .errors()
                .map(|p| (p.code, p.path.to_string()))
                .collect();
            assert_eq!(
                found,
                [(Code::MoneyNotPositive, "contributions[1].value".to_owned())]
            );
        }
        other => panic!("expected the batch to be refused, got {other:?}"),
    }
    assert_eq!(
        f.store.dataset().expect("reads"),
        before,
        "nothing of the batch was stored"
    );
    assert_eq!(f.store.revisions().expect("revisions").len(), 1);
}

fn dangling_references_are_refused(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let iom = org(&f.store, "IOM");
    let gift = Contribution::new(ContributionKind::InKind, OrganisationId::new(), iom.id);
    let err = f.store.upsert(gift, "test").expect_err("unknown donor");
    let Error::Invalid(report) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    assert_eq!(
        report.errors().map(|p| p.code).collect::<Vec<_>>(),
        [Code::DanglingReference]
    );
    assert_eq!(
        report
            .errors()
            .next()
            .map(|p| p.path.to_string())
            .as_deref(),
        Some("contributions[0].donor")
    );
}

fn deleting_a_referenced_record_is_refused(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let galnaftogas = org(&f.store, "Concern Galnaftogas");
    let err = f
        .store
        .delete(galnaftogas.id, "test")
        .expect_err("still referenced");
    let Error::Conflict { message } = err else {
        panic!("expected a conflict, got {err:?}")
    };
    assert!(
        message.starts_with(&format!("cannot delete organisation {}", galnaftogas.id)),
        "{message}"
    );
    assert!(
        message.contains("agreement"),
        "names the agreement that refers to it: {message}"
    );
    assert!(
        f.store
            .get::<Organisation>(galnaftogas.id)
            .expect("get")
            .is_some()
    );
}

fn deleting_referrer_and_referent_together_works(fixture: fn() -> Fixture) {
    let mut f = fixture();
    let a = Organisation::new("Alpha", OrganisationKind::NgoCso);
    let mut b = Organisation::new("Beta", OrganisationKind::NgoCso);
    b.parent = Some(a.id);
    f.store
        .apply(
            Batch::new().upsert(a.clone()).upsert(b.clone()),
            "test",
            "two",
        )
        .expect("stores");
    let applied = f
        .store
        .apply(Batch::new().delete(a.id).delete(b.id), "test", "both")
        .expect("deletes");
    assert_eq!(applied.deleted, 2);
    assert!(f.store.all::<Organisation>().expect("all").is_empty());
}

fn a_second_record_under_a_natural_key_is_refused(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let twin = Organisation::new("Chevron Corporation", OrganisationKind::PrivateCompany);
    let err = f.store.upsert(twin, "test").expect_err("same name, new id");
    let Error::Conflict { message } = err else {
        panic!("expected a conflict, got {err:?}")
    };
    assert!(
        message.contains("describes the same organisation"),
        "{message}"
    );
    assert_eq!(
        f.store
            .find_by_name::<Organisation>("Chevron Corporation")
            .expect("lookup")
            .len(),
        1
    );
}

fn history_records_who_when_before_and_after(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let mut ubs = org(&f.store, "UBS");
    let original = ubs.clone();
    ubs.website = Some("https://www.ubs.com".into());
    let started = Utc::now();
    f.store
        .upsert(ubs.clone(), "analyst@iom.int")
        .expect("updates");
    f.store
        .delete(ubs.id, "analyst@iom.int")
        .expect_err("UBS is referenced, so the delete is refused");

    let history = f.store.history::<Organisation>(ubs.id).expect("history");
    let actions: Vec<Action> = history.iter().map(|c| c.action).collect();
    assert_eq!(actions, [Action::Created, Action::Updated]);
    assert_eq!(history[0].after.as_ref(), Some(&original));
    assert_eq!(history[0].revision.actor, "test");
    assert_eq!(history[1].before.as_ref(), Some(&original));
    assert_eq!(history[1].after.as_ref(), Some(&ubs));
    assert_eq!(history[1].revision.actor, "analyst@iom.int");
    assert!(history[1].revision.recorded_at >= started);
    assert!(history[1].revision.number > history[0].revision.number);
}

fn the_data_set_as_recorded_earlier(fixture: fn() -> Fixture) {
    let mut f = fixture();
    let before_anything = Utc::now();
    f.store.import(seed(), "test").expect("imports");
    let after_import = Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));

    let mut acte = org(&f.store, "ACTE");
    acte.description = Some("changed later".into());
    f.store.upsert(acte, "test").expect("updates");
    let note = f
        .store
        .all::<Note>()
        .expect("notes")
        .into_iter()
        .next()
        .expect("a note");
    f.store.delete(note.id, "test").expect("deletes a note");
    let mut extra = Organisation::new("A partner added later", OrganisationKind::Foundation);
    extra.country = Some("CH".parse().expect("country"));
    f.store.upsert(extra, "test").expect("adds");

    assert!(
        f.store
            .dataset_at(before_anything)
            .expect("as of")
            .is_empty()
    );
    assert_eq!(
        f.store.dataset_at(after_import).expect("as of"),
        seed(),
        "the past is as it was recorded"
    );
    assert_eq!(
        f.store.dataset_at(Utc::now()).expect("as of"),
        f.store.dataset().expect("now")
    );
}

fn erasing_a_person_scrubs_history_and_keeps_a_tombstone(fixture: fn() -> Fixture) {
    let mut f = seeded(fixture);
    let people: Vec<Person> = f.store.find_by_name("Jim Blackwell").expect("lookup");
    let mut jim = people
        .into_iter()
        .next()
        .expect("Jim Blackwell is in the seed");
    jim.contact.email = Some("jim@example.com".into());
    f.store.upsert(jim.clone(), "test").expect("adds an e-mail");

    let export = f.store.export_person(jim.id).expect("exports");
    assert_eq!(export.person, jim);
    assert!(!export.notes.is_empty(), "his quote is part of his data");

    f.store.erase_person(jim.id, "dpo@iom.int").expect("erases");
    let tombstone: Person = f.store.get(jim.id).expect("get").expect("the record stays");
    assert!(tombstone.erased && tombstone.name.is_empty() && tombstone.contact.is_empty());
    assert_eq!(
        tombstone.affiliations, jim.affiliations,
        "references stay valid"
    );

    let history = f.store.history::<Person>(jim.id).expect("history");
    assert_eq!(history.last().map(|c| c.action), Some(Action::Erased));
    let text = serde_json::to_string(&history).expect("serialises");
    assert!(
        !text.contains("Blackwell") && !text.contains("jim@example.com"),
        "no trace left: {text}"
    );
    assert!(
        f.store
            .find_by_name::<Person>("Jim Blackwell")
            .expect("lookup")
            .is_empty()
    );
    let past =
        serde_json::to_string(&f.store.dataset_at(Utc::now()).expect("as of")).expect("json");
    assert!(!past.contains("Blackwell"));
    assert!(
        f.store.dataset().expect("reads").validate().is_clean(),
        "quotes still point at the tombstone"
    );
}

fn backup_copies_the_store(fixture: fn() -> Fixture) {
    let f = seeded(fixture);
    let dir = TempDir::new().expect("temp dir");
    let target = dir.path().join("backup.db");
    f.store.backup(&target).expect("backs up");
    let copy = Store::open(&target).expect("the backup opens");
    assert_eq!(copy.dataset().expect("reads"), seed());
    assert!(
        f.store.backup(&target).is_err(),
        "an existing file is not overwritten"
    );
    if let Some(path) = &f.path {
        assert!(path.exists());
    }
}

#[test]
fn check_reports_what_apply_would_do_and_writes_nothing() {
    let mut store = Store::in_memory().expect("store");
    let would = store
        .preview(Batch::upsert_all(seed()))
        .expect("the seed is valid");
    assert_eq!(would.revision, None);
    assert_eq!(would.inserted, seed().len());
    assert!(store.dataset().expect("reads").is_empty());
    assert!(store.revisions().expect("reads").is_empty());

    store.import(seed(), "test").expect("imports");
    let again = store.preview(Batch::upsert_all(seed())).expect("valid");
    assert_eq!((again.inserted, again.unchanged), (0, seed().len()));

    let donor = OrganisationId::new();
    let mut gift = Contribution::new(ContributionKind::Cash, donor, donor);
    gift.date = Some("2020".parse().expect("date"));
    let Err(Error::Invalid(report)) = store.preview(Batch::new().upsert(gift)) else {
        panic!("a dangling self-donation passed the check");
    };
    assert!(report.errors().any(|p| p.code == Code::SelfDonation));
    assert_eq!(store.revisions().expect("reads").len(), 1);
}

#[test]
fn store_find_and_dataset_find_agree_on_parts_of_names() {
    let data = partnercrm::io::json::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/iom_partnerships.json"
    ))
    .expect("seed");
    let mut store = Store::in_memory().expect("store");
    store.import(data.clone(), "test").expect("imports");
    for text in [
        "chevron corp",
        "CHEVRON",
        "iom",
        "xm-dac-47066",
        "Migration",
        "  ",
        "no such",
    ] {
        let mut in_store: Vec<_> = store
            .find::<partnercrm::model::Organisation>(text)
            .expect("finds")
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut in_data: Vec<_> = data
            .find::<partnercrm::model::Organisation>(text)
            .iter()
            .map(|o| o.id)
            .collect();
        // Whole matches first in both.
        assert_eq!(in_store.first(), in_data.first(), "{text:?}");
        in_store.sort();
        in_data.sort();
        assert_eq!(in_store, in_data, "{text:?}");
    }
    let [found] = store
        .find::<partnercrm::model::Organisation>("chevron corp")
        .expect("finds")
        .try_into()
        .expect("one");
    assert_eq!(found.name, "Chevron Corporation");
}

/// A watched batch reports resolve, validate and write, each from 0 to
/// its records, in that order; a watcher that breaks, in any phase, stops
/// the batch with nothing stored.
fn a_watched_batch_reports_its_phases_and_can_be_stopped(fixture: fn() -> Fixture) {
    use partnercrm::progress::{Phase, Step};
    use std::ops::ControlFlow;
    let mut f = fixture();
    let data = partnercrm::synthetic::generate(&partnercrm::synthetic::Spec::new(12_000));
    let records = data.len() as u64;
    let mut seen: Vec<Step> = Vec::new();
    for stop_at in [
        (Phase::Resolve, 0),
        (Phase::Validate, records),
        (Phase::Write, 10_000),
        (Phase::Write, records),
    ] {
        let mut watch = |step: Step| {
            if (step.phase, step.done) == stop_at {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let refused = f.store.apply_watched(
            Batch::upsert_all(data.clone()),
            "test",
            "watched",
            Some(&mut watch),
        );
        assert!(
            matches!(refused, Err(Error::Stopped { phase }) if phase == stop_at.0),
            "{stop_at:?}: {refused:?}"
        );
        assert_eq!(f.store.count(RecordKind::Contribution).expect("count"), 0);
        assert!(f.store.revisions().expect("revisions").is_empty());
    }
    let applied = f
        .store
        .apply_watched(
            Batch::upsert_all(data),
            "test",
            "watched",
            Some(&mut |step| {
                seen.push(step);
                ControlFlow::Continue(())
            }),
        )
        .expect("applies");
    assert_eq!(applied.inserted as u64, records);
    let order = [Phase::Resolve, Phase::Validate, Phase::Write];
    let phases: Vec<Phase> = seen.iter().map(|s| s.phase).collect();
    let mut sorted = phases.clone();
    sorted.sort_by_key(|p| order.iter().position(|o| o == p));
    assert_eq!(phases, sorted, "one phase after another");
    for phase in order {
        let steps: Vec<&Step> = seen.iter().filter(|s| s.phase == phase).collect();
        assert_eq!(steps.first().map(|s| s.done), Some(0), "{phase}");
        assert!(steps.iter().all(|s| s.total == Some(records)), "{phase}");
        assert!(steps.last().is_some_and(|s| s.is_end()), "{phase}");
        assert!(steps.windows(2).all(|w| w[0].done <= w[1].done), "{phase}");
    }
    let writes: Vec<u64> = seen
        .iter()
        .filter(|s| s.phase == Phase::Write)
        .map(|s| s.done)
        .collect();
    assert_eq!(
        writes.len() as u64,
        2 + (records - 1) / 10_000,
        "{writes:?}"
    );
}
