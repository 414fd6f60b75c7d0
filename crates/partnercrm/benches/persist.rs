//! Persisting generated contributions, validation and indexes included,
//! against a plain Python `sqlite3` `executemany` of the same rows, in one run;
//! then reopening the file and answering a first rollup (Rust alone).
//!
//! The full comparison, with peers for every task, is
//! `python/benchmarks/suite.py` (`make bench`); this is what
//! `scripts/profile.sh persist` and `scripts/profile.sh reopen` profile.
//!
//! ```sh
//! cargo bench -p partnercrm --bench persist            # 1,000,000 contributions
//! cargo bench -p partnercrm --bench persist -- 100000  # another size
//! ```
//!
//! The machine is shared and noisy: read the ratio, not the seconds.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use partnercrm::model::{ContributionValue, Dataset};
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::store::{Batch, Store};
use partnercrm::synthetic::{Spec, generate};

fn main() {
    let size: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::TempDir::new().expect("temp dir");

    let mut data = generate(&Spec::new(size));
    let contributions = std::mem::take(&mut data.contributions);
    write_rows(&contributions, &dir.path().join("rows.csv"));

    // The organisations and projects the contributions refer to go in first,
    // untimed: the task is persisting the contributions.
    let path = dir.path().join("partnercrm.db");
    let mut store = Store::open(&path).expect("opens");
    store
        .import(data, "bench")
        .expect("imports the referenced records");
    let batch = Batch::upsert_all(Dataset {
        contributions,
        ..Dataset::default()
    });
    let started = Instant::now();
    let applied = store
        .apply(batch, "bench", "persist contributions")
        .expect("persists");
    let ours = started.elapsed().as_secs_f64();
    assert_eq!(applied.inserted, size);
    drop(store);

    // Reopen from a new connection and answer a first question.
    let started = Instant::now();
    let store = Store::open(&path).expect("reopens");
    let data = store.dataset().expect("reads");
    let totals = rollup(&data, &[Dimension::Donor, Dimension::Year], None).expect("rolls up");
    let reopened = started.elapsed().as_secs_f64();
    assert_eq!(data.contributions.len(), size);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/persist_sqlite3.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .arg(script)
        .arg(dir.path().join("rows.csv"))
        .arg(dir.path().join("sqlite3.db"))
        .output()
        .expect("runs python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let peer: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("seconds");

    println!("persist {size} contributions (one transaction)");
    println!("{:<52} {:>10}", "task", "seconds");
    println!(
        "{:<52} {:>10.3}",
        "partnercrm: validate + insert + indexes + history", ours
    );
    println!(
        "{:<52} {:>10.3}",
        "python sqlite3 executemany (no validation, no indexes)", peer
    );
    println!(
        "ratio partnercrm / sqlite3: {:.2} (below 1.00 is faster)",
        ours / peer
    );
    println!(
        "reopen + rollup by donor and year: {reopened:.3} s, {} rows",
        totals.rows.len()
    );
}

fn write_rows(contributions: &[partnercrm::model::Contribution], path: &std::path::Path) {
    let file = std::fs::File::create(path).expect("creates rows.csv");
    let mut out = std::io::BufWriter::new(file);
    let hex = |id: &uuid::Uuid| id.simple().to_string();
    let text =
        |d: Option<partnercrm::model::PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
    writeln!(out, "id,kind,donor,recipient,basis,amount,currency,date,period_start,period_end,project,payments")
        .expect("writes");
    for c in contributions {
        let (basis, money) = match &c.value {
            ContributionValue::Unknown => ("unknown", None),
            ContributionValue::Actual { money } => ("actual", Some(money)),
            ContributionValue::Estimated { money } => ("estimated", Some(money)),
        };
        let payments = if c.payments.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&c.payments)
                .expect("payments")
                .replace('"', "\"\"")
        };
        writeln!(
            out,
            "{},{:?},{},{},{basis},{},{},{},{},{},{},\"{payments}\"",
            hex(c.id.as_uuid()),
            c.kind,
            hex(c.donor.as_uuid()),
            hex(c.recipient.as_uuid()),
            money.map(|m| m.amount.to_string()).unwrap_or_default(),
            money.map(|m| m.currency.code()).unwrap_or_default(),
            text(c.date),
            text(c.period.start),
            text(c.period.end),
            c.project.map(|p| hex(p.as_uuid())).unwrap_or_default(),
        )
        .expect("writes");
    }
}
