//! Durability across processes: a writer killed with SIGKILL mid-batch
//! leaves a sound file holding all of the batch or none of it, two
//! processes writing at once lose nothing, a reader never sees half of
//! another process's batch, and a writer kept waiting gets a typed error.
//!
//! Many writers at once, on SQLite and on PostgreSQL: eight processes
//! adding, upserting one record and importing, with two reading, lose no
//! acknowledged write, keep history in commit order and never show a
//! snapshot that fails validation.
//!
//! The child processes are this test binary itself, running the ignored
//! `child` test with its role in the environment.

#[path = "support/postgres.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::store::{Batch, Store};
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);
const ROLE: &str = "PARTNERCRM_CHILD_ROLE";
const DB: &str = "PARTNERCRM_CHILD_DB";
const TAG: &str = "PARTNERCRM_CHILD_TAG";
const BATCH_SIZE: usize = 20_000;
const SMALL_WRITES: usize = 60;
/// The file whose existence tells a linked writer to stop.
const STOP: &str = "PARTNERCRM_CHILD_STOP";

fn partner(tag: &str, k: usize) -> Organisation {
    let mut org = Organisation::new(format!("{tag} partner {k}"), OrganisationKind::NgoCso);
    org.description = Some(format!("written by {tag}, record {k} of its batch"));
    org
}

/// The body of a child process; does nothing when run as a plain test.
#[test]
#[ignore = "runs only as a child process of the tests in this file"]
fn child() {
    let (Ok(role), Ok(db), Ok(tag)) = (std::env::var(ROLE), std::env::var(DB), std::env::var(TAG))
    else {
        return;
    };
    let mut store = Store::open(&db).expect("child opens the store");
    match role.as_str() {
        "big-batch" => {
            let mut batch = Batch::new();
            for k in 0..BATCH_SIZE {
                batch = batch.upsert(partner(&tag, k));
            }
            println!("APPLYING");
            store
                .apply(batch, &tag, "one large batch")
                .expect("applies");
            println!("COMMITTED");
        }
        "small-writes" => {
            for k in 0..SMALL_WRITES {
                store
                    .upsert(partner(&tag, k), &tag)
                    .expect("every write lands");
            }
        }
        "linked-writes" => {
            // Each batch adds an organisation and a gift that names it, and
            // deletes the pair before: a read that saw half of a batch would
            // hold a gift with a dangling donor, or lose a pair's half.
            let stop = std::env::var(STOP).expect("stop file");
            let anchor = org_named(&store, "International Organization for Migration");
            let mut previous: Option<(OrganisationId, ContributionId)> = None;
            let mut k = 0;
            while !Path::new(&stop).exists() {
                let donor = partner(&tag, k);
                let mut gift = Contribution::new(ContributionKind::Cash, donor.id, anchor);
                gift.value = ContributionValue::actual(Money::parse("100", "USD").expect("money"));
                gift.date = Some("2024".parse().expect("date"));
                let mut batch = Batch::new().upsert(donor.clone()).upsert(gift.clone());
                if let Some((org, contribution)) = previous {
                    batch = batch.delete(contribution).delete(org);
                }
                store
                    .apply(batch, &tag, "linked pair")
                    .expect("every write lands");
                previous = Some((donor.id, gift.id));
                k += 1;
            }
            println!("WROTE {k}");
        }
        "adder" | "upserter" | "importer" | "reader" => many_writers_child(&role, &mut store, &tag),
        other => panic!("unknown role {other}"),
    }
}

// ---- many writers ----

/// The record every upserter writes.
fn contested() -> Organisation {
    let mut org = Organisation::new("Contested partner", OrganisationKind::Foundation);
    org.id = uuid::Uuid::from_u128(0x5043_524d_0000_0000_0000_0000_0000_0001).into();
    org
}

/// How many organisations an importer's round adds.
const IMPORT_SIZE: usize = 20;

/// How long the writers write.
const WRITING: Duration = Duration::from_secs(4);

/// The organisations an importer's round `round` adds.
fn imported(tag: &str, round: usize) -> Vec<Organisation> {
    (0..IMPORT_SIZE)
        .map(|k| {
            let mut org = Organisation::new(
                format!("{tag} round {round} org {k}"),
                OrganisationKind::NgoCso,
            );
            org.id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, org.name.as_bytes()).into();
            org
        })
        .collect()
}

/// Prints one acknowledged write, `ACK revision what`, at once.
fn ack(revision: Option<i64>, what: &str) {
    use std::io::Write;
    let revision = revision.expect("every write here changes something");
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACK {revision} {what}").expect("prints");
    out.flush().expect("flushes");
}

fn many_writers_child(role: &str, store: &mut Store, tag: &str) {
    let stop = std::env::var(STOP).expect("stop file");
    let stopped = || Path::new(&stop).exists();
    let anchor = org_named(store, "Contested partner");
    let mut k = 0;
    match role {
        "adder" => {
            // Small batches: an organisation and a gift from it.
            while !stopped() {
                let donor = partner(tag, k);
                let mut gift = Contribution::new(ContributionKind::Cash, donor.id, anchor);
                gift.value = ContributionValue::actual(Money::parse("10", "USD").expect("money"));
                gift.date = Some("2024".parse().expect("date"));
                let applied = store
                    .apply(
                        Batch::new().upsert(donor.clone()).upsert(gift.clone()),
                        tag,
                        "add",
                    )
                    .expect("every write lands");
                ack(applied.revision, &format!("add {} {}", donor.id, gift.id));
                k += 1;
            }
        }
        "upserter" => {
            // The same record, each time with this writer's text.
            while !stopped() {
                let mut org = contested();
                org.description = Some(format!("{tag} write {k}"));
                let applied = store.upsert(org, tag).expect("every write lands");
                ack(applied.revision, &format!("upsert {tag} write {k}"));
                k += 1;
            }
        }
        "importer" => {
            // Each round adds twenty organisations and marks the previous round's.
            while !stopped() {
                let mut data = Dataset::new();
                data.organisations = imported(tag, k);
                if k > 0 {
                    for mut org in imported(tag, k - 1) {
                        org.description = Some(format!("superseded by round {k}"));
                        data.organisations.push(org);
                    }
                }
                let applied = store.import(data, tag).expect("every import lands");
                ack(applied.revision, &format!("import {tag} {k}"));
                k += 1;
            }
        }
        "reader" => {
            let (mut snapshots, mut invalid) = (0, 0);
            while !stopped() {
                let data = store.dataset().expect("reads");
                if !data.validate().is_clean() {
                    invalid += 1;
                }
                // An import is whole: a round's twenty with the previous
                // round's marks, or none of it.
                for importer in ["Importer 1", "Importer 2"] {
                    for round in 0.. {
                        let names: Vec<String> = imported(importer, round)
                            .into_iter()
                            .map(|o| o.name)
                            .collect();
                        let found = data
                            .organisations
                            .iter()
                            .filter(|o| names.contains(&o.name))
                            .count();
                        if found == 0 {
                            break;
                        }
                        assert_eq!(
                            found, IMPORT_SIZE,
                            "a snapshot held half of {importer}'s round {round}"
                        );
                        if round > 0 {
                            let mark = format!("superseded by round {round}");
                            let previous: Vec<String> = imported(importer, round - 1)
                                .into_iter()
                                .map(|o| o.name)
                                .collect();
                            let marked = data
                                .organisations
                                .iter()
                                .filter(|o| {
                                    previous.contains(&o.name)
                                        && o.description.as_deref() == Some(mark.as_str())
                                })
                                .count();
                            assert_eq!(
                                marked, IMPORT_SIZE,
                                "a snapshot held round {round} without all of its marks"
                            );
                        }
                    }
                }
                snapshots += 1;
                // Readers pace themselves, as people do, so that on two
                // cores they do not starve the writers.
                std::thread::sleep(Duration::from_millis(20));
            }
            println!("SNAPSHOTS {snapshots} INVALID {invalid}");
        }
        _ => unreachable!("roles are matched by the caller"),
    }
}

/// Eight writers and two readers for a few seconds against the store at
/// `location`; then every acknowledged write is checked against the store.
fn many_writers_lose_nothing(location: &str) {
    let dir = TempDir::new().expect("temp dir");
    let stop = dir.path().join("stop");
    let mut setup = Store::open(location).expect("creates");
    setup
        .upsert(contested(), "setup")
        .expect("the contested record");
    let roles = [
        ("adder", "Adder 1"),
        ("adder", "Adder 2"),
        ("adder", "Adder 3"),
        ("upserter", "Upserter 1"),
        ("upserter", "Upserter 2"),
        ("upserter", "Upserter 3"),
        ("importer", "Importer 1"),
        ("importer", "Importer 2"),
        ("reader", "Reader 1"),
        ("reader", "Reader 2"),
    ];
    let children: Vec<(&str, Child)> = roles
        .iter()
        .map(|(role, tag)| {
            (
                *tag,
                spawn_with(role, Path::new(location), tag, &[(STOP, &stop)]),
            )
        })
        .collect();
    std::thread::sleep(WRITING);
    std::fs::write(&stop, "").expect("stops the children");
    let mut acks: Vec<(i64, String, String)> = Vec::new();
    let mut snapshots = 0;
    for (tag, mut child) in children {
        let stdout = child.stdout.take().expect("piped");
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("reads the child");
            // The test harness prints its own words before the first line.
            if let Some(rest) = line.find("ACK ").map(|at| &line[at + 4..]) {
                let (revision, what) = rest.split_once(' ').expect("ACK revision what");
                acks.push((
                    revision.parse().expect("a number"),
                    tag.to_owned(),
                    what.to_owned(),
                ));
            } else if let Some(rest) = line.find("SNAPSHOTS ").map(|at| &line[at + 10..]) {
                let (count, invalid) = rest.split_once(" INVALID ").expect("counts");
                assert_eq!(invalid, "0", "{tag}: snapshots failed validation");
                snapshots += count.parse::<usize>().expect("a number");
            }
        }
        let status = child.wait().expect("waits");
        assert!(status.success(), "{tag} failed: {status}");
    }
    acks.sort();
    let store = Store::open(location).expect("opens");
    store.verify_integrity().expect("sound");
    let revisions = store.revisions().expect("revisions");
    // Numbers 1 to n, one per acknowledged write plus the setup's, times in order.
    let numbers: Vec<i64> = revisions.iter().map(|r| r.number).collect();
    assert_eq!(
        numbers,
        (1..=revisions.len() as i64).collect::<Vec<_>>(),
        "revision numbers have gaps"
    );
    assert_eq!(
        revisions.len(),
        acks.len() + 1,
        "every commit was acknowledged, every acknowledgement committed"
    );
    assert!(
        revisions
            .windows(2)
            .all(|w| w[0].recorded_at <= w[1].recorded_at),
        "recorded_at went backwards"
    );
    for (revision, tag, _) in &acks {
        assert_eq!(
            &revisions[*revision as usize - 1].actor,
            tag,
            "revision {revision} is another writer's"
        );
    }
    let data = store.dataset().expect("reads");
    assert!(data.validate().is_clean());
    // Every add is there.
    for (_, _, what) in acks.iter().filter(|a| a.2.starts_with("add ")) {
        let mut ids = what.split(' ').skip(1);
        let donor: uuid::Uuid = ids.next().and_then(|t| t.parse().ok()).expect("donor id");
        let gift: uuid::Uuid = ids.next().and_then(|t| t.parse().ok()).expect("gift id");
        assert!(
            data.organisation(donor.into()).is_some(),
            "an acknowledged organisation is gone"
        );
        assert!(
            data.contributions.iter().any(|c| *c.id.as_uuid() == gift),
            "an acknowledged gift is gone"
        );
    }
    // The contested record's history is the upserts, in commit order.
    let upserts: Vec<(i64, String)> = acks
        .iter()
        .filter_map(|(r, _, what)| what.strip_prefix("upsert ").map(|w| (*r, w.to_owned())))
        .collect();
    let history = store
        .history::<Organisation>(contested().id)
        .expect("history");
    let changes: Vec<(i64, String)> = history
        .iter()
        .skip(1)
        .map(|c| {
            let after = c
                .after
                .as_ref()
                .and_then(|o| o.description.clone())
                .unwrap_or_default();
            (c.revision.number, after)
        })
        .collect();
    assert_eq!(
        changes, upserts,
        "the contested record's history is every upsert, in commit order"
    );
    let last = upserts.last().map(|(_, w)| w.clone());
    assert_eq!(
        data.organisation(contested().id)
            .and_then(|o| o.description.clone()),
        last
    );
    // Every import round is whole.
    for (_, tag, what) in acks.iter().filter(|a| a.2.starts_with("import ")) {
        let round: usize = what
            .rsplit(' ')
            .next()
            .and_then(|r| r.parse().ok())
            .expect("round");
        for org in imported(tag, round) {
            assert!(
                data.organisation(org.id).is_some(),
                "{tag} round {round} lost {}",
                org.name
            );
        }
    }
    let kinds = |prefix: &str| acks.iter().filter(|a| a.2.starts_with(prefix)).count();
    eprintln!(
        "{}: {} writes ({} adds, {} upserts, {} imports) in {WRITING:?}, {snapshots} snapshots",
        partnercrm::store::shown(location),
        acks.len(),
        kinds("add "),
        kinds("upsert "),
        kinds("import ")
    );
    assert!(
        kinds("add ") > 0 && kinds("upsert ") > 1 && kinds("import ") > 0 && snapshots > 0,
        "every role wrote or read"
    );
}

#[test]
fn many_writers_on_sqlite_lose_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let db = dir.path().join("many.db");
    many_writers_lose_nothing(&db.display().to_string());
}

#[test]
fn many_writers_on_postgres_lose_nothing() {
    if let Some(database) = pg::Scratch::new() {
        many_writers_lose_nothing(&database.url);
    }
}

fn org_named(store: &Store, name: &str) -> OrganisationId {
    store.find_by_name::<Organisation>(name).expect("lookup")[0].id
}

fn spawn(role: &str, db: &Path, tag: &str) -> Child {
    spawn_with(role, db, tag, &[])
}

fn spawn_with(role: &str, db: &Path, tag: &str, env: &[(&str, &Path)]) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .envs(env.iter().copied())
        .args([
            "child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DB, db)
        .env(TAG, tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawns a child")
}

fn count_tagged(store: &Store, tag: &str) -> usize {
    let prefix = format!("{tag} partner ");
    store
        .all::<Organisation>()
        .expect("reads")
        .iter()
        .filter(|o| o.name.starts_with(&prefix))
        .count()
}

#[test]
fn sigkill_mid_batch_leaves_all_or_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let db = dir.path().join("killed.db");
    let seed = json::read(SEED).expect("seed");
    Store::open(&db)
        .expect("creates")
        .import(seed.clone(), "setup")
        .expect("imports");

    let mut complete = Vec::new();
    let mut killed_before_commit = 0;
    // Kill at different points: while preparing, while writing, around the commit.
    for (round, delay_ms) in [0u64, 10, 30, 60, 100, 200, 300, 450, 600, 750, 900, 1200]
        .into_iter()
        .enumerate()
    {
        let tag = format!("Round {round}");
        let mut child = spawn("big-batch", &db, &tag);
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        // Wait until the child is about to apply, then let it run a while.
        for line in lines.by_ref() {
            if line.expect("reads the child").ends_with("APPLYING") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");

        let store = Store::open(&db).expect("reopens after the kill");
        store
            .verify_integrity()
            .expect("PRAGMA integrity_check passes");
        match count_tagged(&store, &tag) {
            0 => killed_before_commit += 1,
            BATCH_SIZE => complete.push(tag),
            partial => {
                panic!("round {round}: {partial} of {BATCH_SIZE} records survived: half a batch")
            }
        }
        for earlier in &complete {
            assert_eq!(
                count_tagged(&store, earlier),
                BATCH_SIZE,
                "{earlier} was committed and must stay"
            );
        }
        let data = store.dataset().expect("reads");
        for org in &seed.organisations {
            assert_eq!(
                data.organisation(org.id),
                Some(org),
                "data committed before the kill is intact"
            );
        }
    }
    eprintln!(
        "{killed_before_commit} kills before the commit, {} after",
        complete.len()
    );
    assert!(
        killed_before_commit > 0,
        "at least one kill landed mid-batch"
    );
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let db = dir.path().join("shared.db");
    drop(Store::open(&db).expect("creates"));
    let children: Vec<Child> = ["Writer A", "Writer B"]
        .iter()
        .map(|tag| spawn("small-writes", &db, tag))
        .collect();
    for mut child in children {
        let status = child.wait().expect("waits");
        assert!(status.success(), "a writer failed: {status}");
    }
    let store = Store::open(&db).expect("opens");
    store.verify_integrity().expect("sound");
    assert_eq!(count_tagged(&store, "Writer A"), SMALL_WRITES);
    assert_eq!(count_tagged(&store, "Writer B"), SMALL_WRITES);
    assert_eq!(
        store.revisions().expect("revisions").len(),
        2 * SMALL_WRITES,
        "one revision per write"
    );
}

#[test]
fn reads_see_one_commit_while_another_process_writes() {
    let dir = TempDir::new().expect("temp dir");
    let db = dir.path().join("busy.db");
    let stop = dir.path().join("stop");
    let seed = json::read(SEED).expect("seed");
    Store::open(&db)
        .expect("creates")
        .import(seed.clone(), "setup")
        .expect("imports");
    let mut writer = spawn_with("linked-writes", &db, "Linked", &[(STOP, &stop)]);
    let store = Store::open(&db).expect("opens");
    let (mut reads, mut invalid, mut exports) = (0, 0, 0);
    let mut seen_changes = std::collections::HashSet::new();
    while reads < 1_000 {
        let data = store.dataset().expect("reads");
        if !data.validate().is_clean() {
            invalid += 1;
        }
        // Every snapshot holds the seed plus one whole linked pair (or none,
        // before the first batch).
        let linked = data.organisations.len() - seed.organisations.len();
        assert!(linked <= 1, "a snapshot held {linked} linked donors");
        assert_eq!(
            data.contributions.len(),
            seed.contributions.len() + linked,
            "a snapshot held half a batch"
        );
        seen_changes.insert(data.organisations.last().map(|o| o.id));
        // What `partnercrm export` does: the document, read back whole.
        let text = json::to_string(&data).expect("writes");
        json::from_str(&text).expect("an export reads back");
        exports += 1;
        reads += 1;
    }
    std::fs::write(&stop, "").expect("stops the writer");
    let status = writer.wait().expect("waits");
    assert!(status.success(), "the writer failed: {status}");
    assert_eq!(
        invalid, 0,
        "{invalid} of {reads} snapshots failed validation"
    );
    assert_eq!(exports, reads);
    assert!(
        seen_changes.len() > 10,
        "the reads overlapped the writes ({} distinct states seen)",
        seen_changes.len()
    );
    assert!(store.validate().expect("reads").is_clean());
}

#[test]
fn a_writer_kept_waiting_gets_a_busy_error_that_says_how_long() {
    let dir = TempDir::new().expect("temp dir");
    let db = dir.path().join("locked.db");
    let mut store = Store::open(&db).expect("creates");
    store
        .set_busy_timeout(Duration::from_millis(300))
        .expect("sets the timeout");
    // Another process holds the write lock.
    let holder = rusqlite::Connection::open(&db).expect("opens");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("takes the lock");
    let started = std::time::Instant::now();
    let result = store.upsert(partner("Waiting", 0), "t");
    let waited = started.elapsed();
    let Err(partnercrm::Error::Busy {
        location,
        waited: said,
    }) = result
    else {
        panic!("expected a busy error, got {result:?}");
    };
    assert_eq!(location, db.display().to_string());
    assert!(
        said >= Duration::from_millis(250),
        "it waited out the timeout: {said:?}"
    );
    assert!(waited < Duration::from_secs(5), "and no longer: {waited:?}");
    let message = partnercrm::Error::Busy {
        location,
        waited: said,
    }
    .to_string();
    assert!(message.contains("another writer holds it"), "{message}");
    holder.execute_batch("ROLLBACK").expect("releases");
    assert!(
        store
            .set_busy_timeout(Duration::from_secs(10_000_000))
            .is_err(),
        "a timeout SQLite cannot hold is refused, not a panic"
    );
    store
        .upsert(partner("Waiting", 0), "t")
        .expect("then it writes");
}
