//! Durability across processes: a writer killed with SIGKILL mid-batch
//! leaves a sound file holding all of the batch or none of it, and two
//! processes writing at once lose nothing.
//!
//! The child processes are this test binary itself, running the ignored
//! `child` test with its role in the environment.

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
        other => panic!("unknown role {other}"),
    }
}

fn spawn(role: &str, db: &Path, tag: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
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
