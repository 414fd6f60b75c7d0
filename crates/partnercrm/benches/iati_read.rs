//! Reading IATI activities, and importing them into a store, at several
//! file sizes: the time per activity should not grow with the file.
//!
//! The files are the shared corpus's real activities
//! (`../shared/iati/corpus/*.xml`) repeated with distinct identifiers, so
//! they have the publishers' shapes: participating organisations,
//! transactions, budgets, results, document links.
//!
//! ```sh
//! cargo bench -p partnercrm --bench iati_read                  # 20,000 and 40,000 activities
//! cargo bench -p partnercrm --bench iati_read -- 100000 store  # one size, read and store import
//! cargo bench -p partnercrm --bench iati_read -- 20000 whole   # every corpus activity, however large
//! ```
//!
//! The full comparison with lxml is `python/benchmarks/suite.py --only iati`.
//! Times are seconds on a CPU, not on the wall clock, so that a busy machine
//! does not inflate them; still, compare sizes measured in one run.

use std::time::Instant;

use partnercrm::io::iati;
use partnercrm::model::Dataset;
use partnercrm::store::{Batch, Store};

/// The corpus's activities, as text, in file order.
fn corpus_activities(only: Option<&str>) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the shared corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .filter(|p| only.is_none_or(|o| p.file_stem().is_some_and(|s| s == o)))
        .collect();
    files.sort();
    let mut activities = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a corpus file");
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<iati-activity") {
            // `<iati-activity` also begins `<iati-activities`.
            let after = &rest[start + "<iati-activity".len()..];
            if after.starts_with('i') {
                rest = after;
                continue;
            }
            let Some(end) = rest[start..].find("</iati-activity>") else {
                break;
            };
            let end = start + end + "</iati-activity>".len();
            activities.push(rest[start..end].to_owned());
            rest = &rest[end..];
        }
    }
    activities
}

/// The activities a generated file repeats, as the benchmark suite picks
/// them (`generate_iati` in python/benchmarks/suite.py): up to 8 kB, or with
/// results up to 12 kB, so that 100,000 stay under the reader's 512 MiB.
fn pool(activities: Vec<String>) -> Vec<String> {
    activities
        .into_iter()
        .filter(|a| a.len() <= 8000 || (a.contains("<result") && a.len() <= 12000))
        .collect()
}

/// An `iati-activities` document of `n` activities: the corpus's, repeated,
/// each repeat's identifier suffixed so that every activity is distinct.
fn generated(activities: &[String], n: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" \
         generated-datetime=\"2021-06-15T00:00:00Z\">\n",
    );
    for i in 0..n {
        let activity = &activities[i % activities.len()];
        let round = i / activities.len();
        if round == 0 {
            out.push_str(activity);
        } else {
            out.push_str(&activity.replacen(
                "</iati-identifier>",
                &format!("-r{round}</iati-identifier>"),
                1,
            ));
        }
        out.push('\n');
    }
    out.push_str("</iati-activities>\n");
    out
}

/// Seconds this process has run on a CPU (Linux's schedstat), which a
/// busy machine does not inflate as it does the wall clock; the wall clock
/// where there is no schedstat.
struct Clock(Instant, Option<u64>);

impl Clock {
    fn start() -> Self {
        Self(Instant::now(), on_cpu())
    }

    fn seconds(&self) -> f64 {
        match (self.1, on_cpu()) {
            (Some(from), Some(to)) => to.saturating_sub(from) as f64 / 1e9,
            _ => self.0.elapsed().as_secs_f64(),
        }
    }
}

fn on_cpu() -> Option<u64> {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes: Vec<usize> = args
        .iter()
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![20_000, 40_000];
    }
    let store = args.iter().any(|a| a == "store");
    // `dportal_10` (any corpus file's name) repeats that file's activities only.
    let only = args.iter().find(|a| a.starts_with("dportal_"));
    let all = corpus_activities(only.map(String::as_str));
    // `whole` repeats every activity of the corpus, however large.
    let activities = if args.iter().any(|a| a == "whole") {
        all
    } else {
        pool(all)
    };
    println!(
        "{} corpus activities; size, MB, read s, MB/s, s per 1,000 activities{}",
        activities.len(),
        if store { ", store import s" } else { "" }
    );
    for n in sizes {
        let text = generated(&activities, n);
        let mb = text.len() as f64 / 1e6;
        let started = Clock::start();
        let import = iati::read_str(&text, &Dataset::new()).expect("reads");
        let read = started.seconds();
        assert_eq!(import.data.projects.len(), n);
        let mut line = format!(
            "{n:>8} activities {mb:>8.1} MB  read {read:>7.3} s  {:>6.1} MB/s  {:.4} s/1k",
            mb / read,
            read / n as f64 * 1000.0
        );
        if store {
            let mut store = Store::in_memory().expect("a store");
            let started = Clock::start();
            store
                .apply(Batch::upsert_all(import.data), "bench", "import")
                .expect("imports");
            line.push_str(&format!("  store {:>7.3} s", started.seconds()));
        }
        println!("{line}");
    }
}
