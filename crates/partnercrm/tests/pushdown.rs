//! Rollups PostgreSQL totals itself agree exactly with the Rust reference:
//! the same rows, in the same order, with the same labels and the same
//! exact totals, per currency and converted with a rate table (with the
//! same rates used), on the seed and on 1,000,000 generated contributions.

#[path = "support/postgres.rs"]
mod pg;

use std::time::Instant;

use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::pushdown;
use partnercrm::query::rates::{MissingYear, RateTable};
use partnercrm::query::rollup::{Dimension, KINDS, RollupOptions, Undated, rollup_with};
use partnercrm::store::Store;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);
const IMF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/rates/imf_exchangerates_A_ENDA_USD.csv"
);

/// The IMF's annual rates into `target`, each year's own or, with
/// `fallback`, the latest earlier one.
fn imf(target: &str, fallback: bool) -> RateTable {
    let mut table =
        RateTable::read_imf_csv("IMF", target.parse().expect("currency"), IMF).expect("reads");
    if fallback {
        table.missing_year = MissingYear::LatestEarlier;
    }
    table
}

/// Monthly rates into `target` from 1989 on, of 0 to 6 decimals, so that
/// products round and some do not.
fn monthly(target: &str) -> RateTable {
    let mut table = RateTable::new("monthly", target.parse().expect("currency"));
    let others = ["USD", "EUR", "CHF", "JPY", "GBP", "KES"]
        .into_iter()
        .filter(|c| *c != target);
    for (i, code) in others.enumerate() {
        for month in 0..(36 * 12) {
            let from = chrono::NaiveDate::from_ymd_opt(1989 + month / 12, 1 + month as u32 % 12, 1)
                .expect("day");
            let digits = (month as u32 + i as u32) % 7;
            let units = 1_000_000 + (month as i64 * 7919 + i as i64 * 104_729) % 900_000;
            let rate = rust_decimal::Decimal::new(units, 6).round_dp(digits);
            table
                .insert(code.parse().expect("currency"), from, rate)
                .expect("a rate");
        }
    }
    table
}

/// Groupings the SQL covers, each compared with the reference.
const GROUPINGS: &[&[Dimension]] = &[
    &[],
    &[Dimension::Donor],
    &[Dimension::Donor, Dimension::Year],
    &[Dimension::RecipientParent, Dimension::Kind],
    &[
        Dimension::DonorParent,
        Dimension::DonorKind,
        Dimension::Country,
        Dimension::Month,
    ],
    &[Dimension::Recipient, Dimension::Year, Dimension::Month],
];

fn agree(store: &Store, groupings: &[&[Dimension]], rates: Option<&RateTable>) {
    let data = store.dataset_of(KINDS, None).expect("reads");
    let table = rates.map_or("no rate table", |t| t.name.as_str());
    for &group_by in groupings {
        let started = Instant::now();
        let pushed = pushdown::rollup(store, group_by, rates, Undated::Row)
            .expect("totals")
            .unwrap_or_else(|| panic!("{group_by:?} with {table} is pushed down"));
        let in_sql = started.elapsed();
        let started = Instant::now();
        let reference = rollup_with(&data, group_by, rates, RollupOptions::default())
            .expect("the reference totals");
        let in_rust = started.elapsed();
        assert_eq!(
            pushed.rows.len(),
            reference.rows.len(),
            "{group_by:?}, {table}: rows"
        );
        for (at, (sql, rust)) in pushed.rows.iter().zip(&reference.rows).enumerate() {
            assert_eq!(sql, rust, "{group_by:?}, {table}: row {at}");
            // Exactly: the same scale too, as the reference keeps it.
            assert_eq!(
                sql.committed.map(|d| d.to_string()),
                rust.committed.map(|d| d.to_string()),
                "{group_by:?}, {table}: row {at}"
            );
        }
        assert_eq!(
            pushed.rates_used.len(),
            reference.rates_used.len(),
            "{group_by:?}, {table}: rates used"
        );
        for (sql, rust) in pushed.rates_used.iter().zip(&reference.rates_used) {
            assert_eq!(sql, rust, "{group_by:?}, {table}: a rate used");
            assert_eq!(sql.converted.to_string(), rust.converted.to_string());
        }
        assert_eq!(pushed, reference, "{group_by:?}, {table}");
        if rates.is_some() {
            assert!(
                !pushed.rates_used.is_empty(),
                "{group_by:?}, {table}: rates listed"
            );
        }
        eprintln!(
            "{group_by:?}, {table}: {} rows, SQL {in_sql:?}, reference {in_rust:?} (after reading {} contributions)",
            pushed.rows.len(),
            data.contributions.len()
        );
    }
}

#[test]
fn the_seed_rolls_up_in_sql_as_in_rust() {
    let Some(db) = pg::Scratch::new() else { return };
    let mut store = Store::open(&db.url).expect("opens");
    store
        .import(json::read(SEED).expect("seed"), "test")
        .expect("imports");
    agree(&store, GROUPINGS, None);
    for rates in [
        imf("USD", false),
        imf("EUR", true),
        imf("JPY", false),
        monthly("EUR"),
    ] {
        agree(&store, GROUPINGS, Some(&rates));
    }
    // What the SQL does not cover is left to the reference.
    let asks = |store: &Store, group_by: &[Dimension], rates: Option<&RateTable>, undated| {
        pushdown::rollup(store, group_by, rates, undated).expect("asks")
    };
    assert!(asks(&store, &[Dimension::Project], None, Undated::Row).is_none());
    assert!(asks(&store, &[Dimension::Theme], None, Undated::Row).is_none());
    let sqlite = Store::in_memory().expect("opens");
    assert!(asks(&sqlite, &[Dimension::Donor], None, Undated::Row).is_none());
    // A rate the table lacks, and an undated gift to refuse: the reference
    // reports them in full, through the store's rollup too.
    let mut sparse = RateTable::new("sparse", "EUR".parse().expect("currency"));
    sparse
        .insert(
            "JPY".parse().expect("currency"),
            chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("day"),
            rust_decimal::Decimal::ONE,
        )
        .expect("a rate");
    assert!(asks(&store, &[Dimension::Donor], Some(&sparse), Undated::Row).is_none());
    let data = store.dataset_of(KINDS, None).expect("reads");
    let strict = RollupOptions {
        undated: Undated::Error,
        ..RollupOptions::default()
    };
    for (rates, options) in [
        (&sparse, RollupOptions::default()),
        (&imf("USD", false), strict),
    ] {
        let stored = partnercrm::query::rollup::rollup_stored(
            &store,
            &[Dimension::Donor],
            Some(rates),
            options,
            None,
        );
        let reference = rollup_with(&data, &[Dimension::Donor], Some(rates), options);
        assert_eq!(
            stored.as_ref().map_err(ToString::to_string),
            reference.as_ref().map_err(ToString::to_string)
        );
    }
    let undated = data.contributions.iter().any(|c| {
        c.effective_date().is_none() && c.value.money().is_some_and(|m| m.currency.code() != "USD")
    });
    assert_eq!(
        asks(
            &store,
            &[Dimension::Donor],
            Some(&imf("USD", false)),
            Undated::Error
        )
        .is_none(),
        undated,
        "an undated gift in another currency is refused by the reference"
    );
}

/// 1,000,000 contributions written by SQL (importing them through the
/// store is what the benchmarks time): every kind, value basis, currency,
/// date precision, scales from 0 to 3 decimals, pledges with and without
/// payments, unknown amounts with payments, between 300 organisations in
/// parent chains of up to three.
#[test]
fn a_million_contributions_roll_up_in_sql_as_in_rust() {
    let Some(db) = pg::Scratch::new() else { return };
    let mut store = Store::open(&db.url).expect("opens");
    // Every kind but country offices, which need a parent and a country.
    let kinds: Vec<OrganisationKind> = OrganisationKind::ALL
        .into_iter()
        .filter(|k| *k != OrganisationKind::CountryOffice)
        .collect();
    let mut data = Dataset::new();
    for k in 0..300usize {
        let mut org = Organisation::new(format!("Organisation {k:03}"), kinds[k % kinds.len()]);
        if k % 5 != 0 {
            org.country = Some(
                ["CH", "KE", "CO", "US", "JP"][k % 5]
                    .parse()
                    .expect("country"),
            );
        }
        if k % 3 != 0 && k >= 3 {
            // A parent earlier in the list: chains of up to three.
            org.parent = Some(data.organisations[k - k % 3].id);
        }
        data.organisations.push(org);
    }
    store
        .import(data, "test")
        .expect("imports the organisations");
    let started = Instant::now();
    db.admin_sql(GENERATE);
    eprintln!(
        "generated 1,000,000 contributions in {:?}",
        started.elapsed()
    );
    assert_eq!(
        store.count(RecordKind::Contribution).expect("counts"),
        1_000_000
    );
    agree(
        &store,
        &[
            &[Dimension::Donor, Dimension::Year],
            &[Dimension::RecipientParent, Dimension::Kind],
            &[Dimension::DonorKind, Dimension::Country, Dimension::Month],
        ],
        None,
    );
    // Converted at monthly rates, in US dollars and in euros. (The IMF's
    // annual rates have no euro before 1999, so the reference refuses
    // these gifts of 1990 to 1998: the seed test converts at them.)
    agree(
        &store,
        &[&[Dimension::Donor, Dimension::Year]],
        Some(&monthly("USD")),
    );
    agree(
        &store,
        &[&[Dimension::DonorKind, Dimension::Month]],
        Some(&monthly("EUR")),
    );
}

const GENERATE: &str = "
SET search_path TO partnercrm;
BEGIN;
WITH o AS (SELECT array_agg(id ORDER BY position) AS ids, count(*) AS n FROM organisations),
g AS (
    SELECT g,
           (ARRAY['cash', 'cash', 'cash', 'cash', 'cash', 'cash', 'in_kind', 'pledge', 'pledge', 'services'])[1 + g % 10] AS kind,
           CASE WHEN g % 13 = 0 THEN 'unknown' WHEN g % 7 = 0 THEN 'estimated' ELSE 'actual' END AS basis,
           (ARRAY['USD', 'EUR', 'CHF', 'JPY', 'GBP', 'KES'])[1 + g % 6] AS currency,
           CASE WHEN g % 11 = 0 THEN round(((g::bigint * 7919) % 1000000 + 1)::numeric / 1000, 3)
                WHEN g % 6 = 3 THEN ((g::bigint * 7919) % 1000000 + 1)::numeric
                ELSE round(((g::bigint * 7919) % 1000000 + 1)::numeric / 100, 2) END AS amount,
           1990 + g % 35 AS year, 1 + g % 12 AS month, 1 + g % 28 AS day
    FROM generate_series(1, 1000000) g
)
INSERT INTO contributions (id, kind, donor, recipient, basis, amount, currency, date, period_start,
                           payments, created, updated, office)
SELECT md5(g::text)::uuid, kind,
       o.ids[1 + (g::bigint * 31) % o.n], o.ids[1 + (g::bigint * 17 + 5) % o.n],
       basis,
       CASE WHEN basis = 'unknown' THEN NULL ELSE amount END,
       CASE WHEN basis = 'unknown' THEN NULL ELSE currency END,
       CASE WHEN g % 9 = 0 THEN NULL
            WHEN g % 3 = 0 THEN lpad(year::text, 4, '0')
            WHEN g % 3 = 1 THEN lpad(year::text, 4, '0') || '-' || lpad(month::text, 2, '0')
            ELSE lpad(year::text, 4, '0') || '-' || lpad(month::text, 2, '0') || '-' || lpad(day::text, 2, '0') END,
       CASE WHEN g % 9 = 0 AND g % 2 = 0 THEN lpad(year::text, 4, '0') END,
       CASE WHEN kind <> 'pledge' THEN NULL
            WHEN basis = 'unknown' AND g % 2 = 0 THEN
                jsonb_build_array(jsonb_build_object('date', '2015', 'amount', jsonb_build_object('amount', '10.00', 'currency', 'USD')))
            WHEN basis = 'unknown' OR g % 3 = 0 THEN NULL
            ELSE (SELECT jsonb_agg(jsonb_build_object('date', (2000 + k)::text,
                                   'amount', jsonb_build_object('amount', round(amount / 3, 2)::text, 'currency', currency)))
                  FROM generate_series(1, g % 3) k) END,
       1, 1, 'headquarters'
FROM g, o;
COMMIT;
ANALYZE contributions;";
