//! Criterion micro-benchmarks of the hot paths the callgrind profiles show
//! (`scripts/profile.sh`): parsing amounts and partial dates, validating,
//! grouping a rollup, binding contributions to SQLite rows and reading them
//! back, and building the Arrow table.
//!
//! ```sh
//! cargo bench -p partnercrm --bench hot_paths              # all of them (make bench-rust)
//! cargo bench -p partnercrm --bench hot_paths -- rollup    # those whose name matches
//! ```

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use partnercrm::model::{Contribution, Currency, Dataset, Money, PartialDate};
use partnercrm::query::rates::RateTable;
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::query::tables;
use partnercrm::store::{Batch, Store};
use partnercrm::synthetic::{Spec, generate};
use rust_decimal::Decimal;

/// Contributions per benchmark: big enough to show per-row costs, small
/// enough that the whole file runs in a minute.
const ROWS: usize = 10_000;

/// The generated amounts and dates as text, as a CSV file or a row holds them.
fn texts(data: &Dataset) -> (Vec<(String, &'static str)>, Vec<String>) {
    let amounts = data
        .contributions
        .iter()
        .filter_map(|c| c.value.money())
        .map(|m| (m.amount.to_string(), m.currency.code()))
        .collect();
    let dates = data
        .contributions
        .iter()
        .filter_map(|c| c.date)
        .map(|d| d.to_string())
        .collect();
    (amounts, dates)
}

fn parsing(c: &mut Criterion) {
    let data = generate(&Spec::new(ROWS));
    let (amounts, dates) = texts(&data);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(amounts.len() as u64));
    group.bench_function("money", |b| {
        b.iter(|| {
            for (amount, currency) in &amounts {
                black_box(Money::parse(amount, currency).expect("parses"));
            }
        });
    });
    group.bench_function("decimal_from_str_exact", |b| {
        b.iter(|| {
            for (amount, _) in &amounts {
                black_box(Decimal::from_str_exact(amount).expect("parses"));
            }
        });
    });
    group.throughput(Throughput::Elements(dates.len() as u64));
    group.bench_function("partial_date", |b| {
        b.iter(|| {
            for date in &dates {
                black_box(date.parse::<PartialDate>().expect("parses"));
            }
        });
    });
    group.finish();
}

fn monthly_rates() -> RateTable {
    let usd = Currency::from_code("USD").expect("USD");
    let mut rates = RateTable::new("synthetic monthly", usd);
    for code in [
        "EUR", "GBP", "CHF", "JPY", "CAD", "SEK", "NOK", "AUD", "KWD",
    ] {
        let currency = Currency::from_code(code).expect("code");
        for year in 1999..=2027 {
            for month in 1..=12 {
                let day = NaiveDate::from_ymd_opt(year, month, 1).expect("day");
                rates
                    .insert(currency, day, Decimal::new(1_100 + i64::from(month), 3))
                    .expect("a positive rate");
            }
        }
    }
    rates
}

fn queries(c: &mut Criterion) {
    let data = generate(&Spec::new(ROWS));
    let rates = monthly_rates();
    let mut group = c.benchmark_group("query");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("validate", |b| b.iter(|| black_box(data.validate())));
    group.bench_function("rollup_donor_year", |b| {
        b.iter(|| black_box(rollup(&data, &[Dimension::Donor, Dimension::Year], None)))
    });
    group.bench_function("rollup_donor_year_usd", |b| {
        b.iter(|| {
            black_box(rollup(
                &data,
                &[Dimension::Donor, Dimension::Year],
                Some(&rates),
            ))
        })
    });
    group.bench_function("contributions_table", |b| {
        b.iter(|| black_box(tables::table(&data, "contributions")))
    });
    group.finish();
}

/// A store in memory holding the organisations and projects, and the
/// contributions to write into it.
fn store_with_references() -> (Store, Vec<Contribution>) {
    let mut data = generate(&Spec::new(ROWS));
    let contributions = std::mem::take(&mut data.contributions);
    let mut store = Store::in_memory().expect("opens");
    store.import(data, "bench").expect("imports");
    (store, contributions)
}

fn store(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    // Validation against the stored references, rows bound and inserted,
    // indexes rebuilt, one revision.
    group.bench_function("persist_contributions", |b| {
        b.iter_batched(
            store_with_references,
            |(mut store, contributions)| {
                let batch = Batch::upsert_all(Dataset {
                    contributions,
                    ..Dataset::default()
                });
                black_box(store.apply(batch, "bench", "persist").expect("persists"))
            },
            BatchSize::PerIteration,
        )
    });
    let (mut stored, contributions) = store_with_references();
    stored
        .import(
            Dataset {
                contributions,
                ..Dataset::default()
            },
            "bench",
        )
        .expect("persists");
    // Rows back into records: what a first query after reopening pays.
    group.bench_function("read_dataset", |b| {
        b.iter(|| black_box(stored.dataset().expect("reads")))
    });
    group.finish();
}

criterion_group! {
    name = hot_paths;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = parsing, queries, store
}
criterion_main!(hot_paths);
