//! Funding rollups on the seed (hand-checked) and on generated data (laws).

use std::collections::HashMap;

use chrono::NaiveDate;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::rates::RateTable;
use partnercrm::query::rollup::{Dimension, Key, Rollup, rollup};
use partnercrm::synthetic::{Spec, generate};
use proptest::prelude::*;
use rust_decimal::Decimal;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

fn usd() -> Currency {
    Currency::from_code("USD").expect("USD")
}

fn row<'a>(
    result: &'a Rollup,
    label: &str,
    currency: Option<&str>,
) -> &'a partnercrm::query::rollup::RollupRow {
    result
        .rows
        .iter()
        .find(|r| r.labels[0].as_deref() == Some(label) && r.currency.map(|c| c.code()) == currency)
        .unwrap_or_else(|| panic!("no row for {label} in {currency:?}"))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("decimal")
}

#[test]
fn seed_totals_by_donor_are_per_currency_and_never_count_unknown_as_zero() {
    let result = rollup(&seed(), &[Dimension::Donor], None).expect("rolls up");
    let chevron = row(&result, "Chevron Corporation", Some("USD"));
    assert_eq!(
        (
            chevron.received.expect("a known total"),
            chevron.contributions,
            chevron.unknown_amounts
        ),
        (dec("1250000"), 2, 0)
    );
    assert_eq!(
        chevron.committed.expect("a known total"),
        dec("1250000"),
        "no pledges: committed is what was received"
    );
    assert_eq!(
        row(&result, "AIG Disaster Relief Fund", Some("USD"))
            .received
            .expect("a known total"),
        dec("1000000")
    );
    let americares = row(&result, "AmeriCares", None);
    assert_eq!(
        (
            americares.contributions,
            americares.unknown_amounts,
            americares.received,
            americares.committed
        ),
        // Before: received 0 with no currency. No known amount is no total.
        (3, 3, None, None)
    );
    let counted: usize = result.rows.iter().map(|r| r.contributions).sum();
    assert_eq!(counted, 21, "every contribution is counted exactly once");
}

#[test]
fn gifts_to_offices_roll_up_to_iom_once() {
    let data = seed();
    let by_recipient = rollup(&data, &[Dimension::Recipient], None).expect("rolls up");
    let by_parent = rollup(&data, &[Dimension::RecipientParent], None).expect("rolls up");
    assert_eq!(
        row(&by_recipient, "IOM Angola", Some("USD"))
            .received
            .expect("a known total"),
        dec("850000")
    );
    assert_eq!(
        row(&by_recipient, "IOM Pakistan", Some("USD"))
            .received
            .expect("a known total"),
        dec("1000000")
    );
    let iom = row(
        &by_parent,
        "International Organization for Migration",
        Some("USD"),
    );
    assert_eq!(
        iom.received.expect("a known total"),
        dec("2250000"),
        "400,000 + 850,000 + 1,000,000, each once"
    );
    assert_eq!(
        by_parent
            .rows
            .iter()
            .map(|r| r.contributions)
            .sum::<usize>(),
        21
    );
}

#[test]
fn by_year_and_kind_with_unknown_dates_kept_apart() {
    let result = rollup(&seed(), &[Dimension::Year, Dimension::Kind], None).expect("rolls up");
    let find = |year: Key| {
        result
            .rows
            .iter()
            .find(|r| {
                r.key[0] == year
                    && r.key[1] == Key::Text("cash".into())
                    && r.currency == Some(usd())
            })
            .map(|r| r.received.expect("a known total"))
    };
    assert_eq!(find(Key::Year(2008)), Some(dec("400000")));
    assert_eq!(
        find(Key::Year(2004)),
        Some(dec("850000")),
        "a 2004-2005 gift counts from its start"
    );
    assert_eq!(
        find(Key::Unknown),
        Some(dec("1000000")),
        "AIG's undated gift is not guessed into a year"
    );
}

#[test]
fn a_missing_rate_names_the_currency_and_the_date() {
    let mut data = seed();
    let gift = &mut data.contributions[0];
    gift.value = ContributionValue::actual(Money::parse("1000", "EUR").expect("money"));
    gift.date = Some("2008-05".parse().expect("date"));
    let rates =
        RateTable::from_csv("ECB", usd(), "currency,date,rate\nEUR,2009-01,1.30\n").expect("rates");
    let err = rollup(&data, &[Dimension::Donor], Some(&rates)).expect_err("no EUR rate in 2008");
    let text = err.to_string();
    assert!(
        text.contains("no EUR→USD rate in force on 2008-05-01"),
        "{text}"
    );
}

#[test]
fn conversion_carries_the_table_and_converts_each_gift_at_its_date() {
    let mut data = seed();
    let gift = &mut data.contributions[0];
    gift.value = ContributionValue::actual(Money::parse("1000.01", "EUR").expect("money"));
    gift.date = Some("2008-05-02".parse().expect("date"));
    let mut rates = RateTable::from_csv(
        "ECB monthly",
        usd(),
        "currency,date,rate\nEUR,2008-05,1.5555\n",
    )
    .expect("rates");
    rates.date = NaiveDate::from_ymd_opt(2008, 12, 31);
    let result = rollup(&data, &[Dimension::Kind], Some(&rates)).expect("converts");
    let conversion = result.conversion.as_ref().expect("carried");
    assert_eq!(
        (conversion.table.as_str(), conversion.target),
        ("ECB monthly", usd())
    );
    assert_eq!(conversion.date, NaiveDate::from_ymd_opt(2008, 12, 31));
    // 1000.01 × 1.5555 = 1555.515555 → 1555.52, plus the other cash gifts in USD.
    let cash = result
        .rows
        .iter()
        .find(|r| r.key[0] == Key::Text("cash".into()) && r.currency == Some(usd()))
        .expect("cash");
    assert_eq!(
        cash.received.expect("a known total"),
        dec("1555.52") + dec("850000") + dec("1000000")
    );
}

/// Monthly rates for every currency the generator uses, 1999 to 2027.
fn synthetic_rates() -> RateTable {
    let mut table = RateTable::new("synthetic monthly", usd());
    let bases = [
        ("EUR", "1.1"),
        ("GBP", "1.3"),
        ("CHF", "1.05"),
        ("JPY", "0.0091"),
        ("CAD", "0.75"),
        ("SEK", "0.1"),
        ("NOK", "0.1"),
        ("AUD", "0.7"),
        ("KWD", "3.25"),
    ];
    for (code, base) in bases {
        let currency = Currency::from_code(code).expect("code");
        for year in 1999..=2027 {
            for month in 1..=12u32 {
                let wobble = Decimal::new(i64::from((year * 12 + month as i32) % 17), 3);
                let day = NaiveDate::from_ymd_opt(year, month, 1).expect("day");
                table
                    .insert(currency, day, dec(base) + wobble)
                    .expect("a positive rate");
            }
        }
    }
    table
}

fn totals_by_currency(result: &Rollup) -> HashMap<Option<Currency>, (Decimal, Decimal, usize)> {
    let mut out: HashMap<Option<Currency>, (Decimal, Decimal, usize)> = HashMap::new();
    for r in &result.rows {
        // A row has totals exactly when it has a currency: no known amount is no total.
        assert_eq!(r.received.is_some(), r.currency.is_some(), "{r:?}");
        let entry = out.entry(r.currency).or_default();
        entry.0 += r.received.unwrap_or_default();
        entry.1 += r.pledged.unwrap_or_default();
        entry.2 += r.contributions;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn converted_totals_equal_the_sum_of_converted_parts(seed in 0u64..1000, size in 200usize..1500) {
        let data = generate(&Spec { contributions: size, seed });
        let rates = synthetic_rates();
        let whole = rollup(&data, &[], Some(&rates)).expect("converts");
        for dims in [vec![Dimension::Donor], vec![Dimension::Year, Dimension::Kind], vec![Dimension::Month]] {
            let parts = rollup(&data, &dims, Some(&rates)).expect("converts");
            prop_assert_eq!(totals_by_currency(&parts), totals_by_currency(&whole));
        }
    }

    #[test]
    fn parent_totals_equal_the_sum_of_their_childrens(seed in 0u64..1000, size in 200usize..1500) {
        let data = generate(&Spec { contributions: size, seed });
        let by_recipient = rollup(&data, &[Dimension::Recipient], None).expect("rolls up");
        let by_parent = rollup(&data, &[Dimension::RecipientParent], None).expect("rolls up");
        let parent_of: HashMap<OrganisationId, OrganisationId> = data
            .organisations
            .iter()
            .map(|o| (o.id, o.parent.unwrap_or(o.id)))
            .collect();
        let mut summed: HashMap<(Key, Option<Currency>), Decimal> = HashMap::new();
        for r in &by_recipient.rows {
            let Key::Organisation(recipient) = r.key[0] else { panic!("recipient key") };
            *summed.entry((Key::Organisation(parent_of[&recipient]), r.currency)).or_default() += r.received.unwrap_or_default();
        }
        let direct: HashMap<(Key, Option<Currency>), Decimal> =
            by_parent.rows.iter().map(|r| ((r.key[0].clone(), r.currency), r.received.unwrap_or_default())).collect();
        prop_assert_eq!(summed, direct);
    }
}

#[test]
fn allocations_split_a_gift_across_projects_to_the_cent() {
    let mut data = seed();
    let projects: Vec<ProjectId> = data.projects.iter().take(3).map(|p| p.id).collect();
    let gift = &mut data.contributions[0];
    gift.value = ContributionValue::actual(Money::parse("100.00", "USD").expect("money"));
    gift.allocations = ["33.3333", "33.3333", "33.3334"]
        .iter()
        .zip(&projects)
        .map(|(p, project)| Allocation {
            project: *project,
            amount: None,
            percent: Some(dec(p)),
        })
        .collect();
    let gift_id = gift.id;
    assert!(data.validate().is_clean());
    let only_this = Dataset {
        contributions: data
            .contributions
            .iter()
            .filter(|c| c.id == gift_id)
            .cloned()
            .collect(),
        ..data.clone()
    };
    let by_project = rollup(&only_this, &[Dimension::Project], None).expect("rolls up");
    let parts: Vec<Decimal> = by_project
        .rows
        .iter()
        .map(|r| r.received.expect("a known total"))
        .collect();
    assert_eq!(
        parts.iter().sum::<Decimal>(),
        dec("100.00"),
        "the parts sum to the whole"
    );
    let mut sorted = parts.clone();
    sorted.sort();
    assert_eq!(sorted, [dec("33.33"), dec("33.33"), dec("33.34")]);
    let whole = rollup(&only_this, &[], None).expect("rolls up");
    assert_eq!(
        whole.rows[0].received.expect("a known total"),
        dec("100.00")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parts_of_an_allocation_sum_to_the_whole(cents in 1i64..10_000_000, shares in proptest::collection::vec(1u32..10_000, 1..6)) {
        let total = Decimal::new(cents, 2);
        let sum: u32 = shares.iter().sum();
        // Percentages with four decimals that add up to at most 100.
        let allocations: Vec<Allocation> = shares
            .iter()
            .map(|s| Allocation {
                project: ProjectId::new(),
                amount: None,
                percent: Some((Decimal::from(*s) * Decimal::ONE_HUNDRED / Decimal::from(sum)).round_dp_with_strategy(4, rust_decimal::RoundingStrategy::ToZero)),
            })
            .collect();
        let parts = partnercrm::model::split(total, &allocations, 2).expect("fits");
        prop_assert_eq!(parts.iter().sum::<Decimal>(), total);
        prop_assert!(parts.iter().all(|p| p.scale() <= 2 && *p >= Decimal::ZERO));
        // A reversal of the same total splits into the same parts, negated.
        let reversed = partnercrm::model::split(-total, &allocations, 2).expect("fits");
        prop_assert_eq!(reversed, parts.iter().map(|p| -*p).collect::<Vec<_>>());
    }
}

/// A donor, a recipient, two projects and `gifts`: (kind, amount in USD).
fn gifts(gifts: &[(ContributionKind, &str)]) -> Dataset {
    let mut data = Dataset::new();
    let donor = Organisation::new("Donor", OrganisationKind::Government);
    let recipient = Organisation::new("Recipient", OrganisationKind::UnAgency);
    for (kind, amount) in gifts {
        let mut c = Contribution::new(*kind, donor.id, recipient.id);
        c.value = ContributionValue::actual(Money::parse(amount, "USD").expect("money"));
        c.date = Some("2020-03".parse().expect("date"));
        data.contributions.push(c);
    }
    data.organisations.extend([donor, recipient]);
    data.projects
        .extend([Project::new("One"), Project::new("Two")]);
    data
}

#[test]
fn reversals_net_against_their_kind_in_rollups_and_the_report() {
    use ContributionKind::{Cash, Pledge};
    let data = gifts(&[
        (Cash, "100.00"),
        (Cash, "-30.00"),
        (Pledge, "500"),
        (Pledge, "-200"),
    ]);
    assert!(data.validate().is_clean(), "{}", data.validate());
    let by_kind = rollup(&data, &[Dimension::Kind], None).expect("rolls up");
    let kind = |k: &str| {
        by_kind
            .rows
            .iter()
            .find(|r| r.key[0] == Key::Text(k.to_owned()))
            .expect("row")
    };
    assert_eq!(
        (
            kind("cash").received.expect("a known total"),
            kind("cash").contributions
        ),
        (dec("70.00"), 2)
    );
    assert_eq!(
        (
            kind("pledge").pledged.expect("a known total"),
            kind("pledge").outstanding.expect("a known total")
        ),
        (dec("300"), dec("300"))
    );
    let all = rollup(&data, &[], None).expect("rolls up");
    assert_eq!(
        (
            all.rows[0].received.expect("a known total"),
            all.rows[0].committed.expect("a known total")
        ),
        (dec("70.00"), dec("370.00"))
    );
    let report = partnercrm::query::report::PartnershipReport::build(&data).expect("report");
    assert_eq!(report.contributions[0].totals[&usd()], dec("370.00"));
}

#[test]
fn a_reversal_splits_as_the_gift_it_takes_back_and_a_precise_amount_to_its_last_decimal() {
    for (amount, parts) in [
        ("-100.00", ["-33.33", "-33.33", "-33.34"]),
        ("100.00", ["33.33", "33.33", "33.34"]),
        (
            "44414.824494500004",
            [
                "14804.926693225170",
                "14804.926693225170",
                "14804.971108049664",
            ],
        ),
    ] {
        let mut data = gifts(&[(ContributionKind::Cash, amount)]);
        let projects = [data.projects[0].id, data.projects[1].id, ProjectId::new()];
        let mut third = Project::new("Three");
        third.id = projects[2];
        data.projects.push(third);
        data.contributions[0].allocations = ["33.3333", "33.3333", "33.3334"]
            .iter()
            .zip(projects)
            .map(|(p, project)| Allocation {
                project,
                amount: None,
                percent: Some(dec(p)),
            })
            .collect();
        assert!(data.validate().is_clean(), "{}", data.validate());
        let by_project = rollup(&data, &[Dimension::Project], None).expect("rolls up");
        let got: Vec<Decimal> = projects
            .iter()
            .map(|p| {
                by_project
                    .rows
                    .iter()
                    .find(|r| r.key[0] == Key::Project(*p))
                    .map_or(Decimal::ZERO, |r| r.received.expect("a known total"))
            })
            .collect();
        assert_eq!(got, parts.map(dec), "{amount}");
        assert_eq!(got.iter().sum::<Decimal>(), dec(amount), "{amount}");
    }
}

#[test]
fn an_undated_gift_under_conversion_stays_unconverted_in_a_row_of_its_own_or_is_refused() {
    use partnercrm::query::rollup::{RollupOptions, Undated, rollup_with};
    let data = seed();
    let eur = Currency::from_code("EUR").expect("EUR");
    let mut rates = RateTable::new("test", eur);
    let usd = Currency::from_code("USD").expect("USD");
    let day = NaiveDate::from_ymd_opt(1990, 1, 1).expect("day");
    rates.insert(usd, day, dec("0.9")).expect("a rate");
    // Before: the one undated USD gift (AIG's) aborted the whole rollup.
    let result = rollup(&data, &[Dimension::Donor], Some(&rates)).expect("rolls up");
    let aig = row(&result, "AIG Disaster Relief Fund", Some("USD"));
    assert_eq!(
        aig.received,
        Some(dec("1000000")),
        "unconverted, in its own currency"
    );
    assert!(
        result
            .rates_used
            .iter()
            .all(|u| result.rows[u.row].currency != Some(usd))
    );
    let chevron = row(&result, "Chevron Corporation", Some("EUR"));
    assert_eq!(
        chevron.received,
        Some(dec("1125000.00")),
        "1,250,000 USD × 0.9"
    );
    let counted: usize = result.rows.iter().map(|r| r.contributions).sum();
    assert_eq!(counted, 21, "every contribution still counted once");
    let refused = rollup_with(
        &data,
        &[Dimension::Donor],
        Some(&rates),
        RollupOptions {
            undated: Undated::Error,
            ..RollupOptions::default()
        },
    );
    assert!(
        matches!(refused, Err(partnercrm::Error::Undated { currency, target, .. }) if currency == usd && target == eur)
    );
}

#[test]
fn donor_parent_rolls_a_fund_up_to_its_organisation_and_counts_each_gift_once() {
    let data = seed();
    let by_parent = rollup(&data, &[Dimension::DonorParent], None).expect("rolls up");
    let fund = data
        .organisations
        .iter()
        .find(|o| o.name == "AIG Disaster Relief Fund")
        .expect("the fund");
    let aig = data
        .organisation(fund.parent.expect("a parent"))
        .expect("AIG");
    assert_eq!(
        row(&by_parent, &aig.name, Some("USD")).received,
        Some(dec("1000000"))
    );
    let counted: usize = by_parent.rows.iter().map(|r| r.contributions).sum();
    assert_eq!(counted, data.contributions.len());
}

/// Chevron's USD 850,000 for 2004–2005: wholly in 2004 by default; split
/// by the days of each year on request, to the cent and summing exactly;
/// by month over 24 months; placed by its start where the rollup has no
/// year, and converted once, then split, under a rate table.
#[test]
fn a_gift_over_a_period_is_split_by_its_days_on_request() {
    use partnercrm::query::rollup::{Placement, RollupOptions, rollup_with};
    let data = seed();
    let spread = RollupOptions {
        placement: Placement::Spread,
        ..RollupOptions::default()
    };
    let year_of = |result: &Rollup, year: i32| {
        result
            .rows
            .iter()
            .find(|r| {
                r.labels[0].as_deref() == Some("Chevron Corporation") && r.key[1] == Key::Year(year)
            })
            .map(|r| (r.received, r.contributions))
    };
    let by = [Dimension::Donor, Dimension::Year];
    let start = rollup(&data, &by, None).expect("rolls up");
    assert_eq!(year_of(&start, 2004), Some((Some(dec("850000")), 1)));
    assert_eq!(year_of(&start, 2005), None);

    let split = rollup_with(&data, &by, None, spread).expect("rolls up");
    // 366 of the period's 731 days are in 2004: 425,581.395…, and the
    // cent left over by rounding both down goes to the larger remainder.
    assert_eq!(year_of(&split, 2004), Some((Some(dec("425581.40")), 1)));
    assert_eq!(year_of(&split, 2005), Some((Some(dec("424418.60")), 1)));
    let total = |r: &Rollup| -> Decimal {
        r.rows
            .iter()
            .filter(|r| r.currency == Some(usd()))
            .filter_map(|r| r.received)
            .sum()
    };
    assert_eq!(total(&split), total(&start), "nothing gained or lost");

    let months =
        rollup_with(&data, &[Dimension::Donor, Dimension::Month], None, spread).expect("rolls up");
    let chevron_months: Vec<&partnercrm::query::rollup::RollupRow> = months
        .rows
        .iter()
        .filter(|r| {
            r.labels[0].as_deref() == Some("Chevron Corporation")
                && matches!(r.key[1], Key::Month(2004 | 2005, _))
        })
        .collect();
    assert_eq!(chevron_months.len(), 24);
    let january = chevron_months
        .iter()
        .find(|r| r.key[1] == Key::Month(2004, 1))
        .expect("January 2004");
    // 31 days of 731 is 36,046.5116…: one of the four cents the 24 months
    // round away goes back to it (largest remainders, checked by hand).
    assert_eq!(january.received, Some(dec("36046.52")));
    assert_eq!(
        chevron_months
            .iter()
            .filter_map(|r| r.received)
            .sum::<Decimal>(),
        dec("850000")
    );

    // With no year to place it in, nothing is split.
    let donors = rollup_with(&data, &[Dimension::Donor], None, spread).expect("rolls up");
    assert_eq!(
        row(&donors, "Chevron Corporation", Some("USD")).contributions,
        2
    );

    let eur = Currency::from_code("EUR").expect("EUR");
    let mut rates = RateTable::new("test", eur);
    let day = NaiveDate::from_ymd_opt(1990, 1, 1).expect("day");
    rates.insert(usd(), day, dec("0.9")).expect("a rate");
    let converted = rollup_with(&data, &by, Some(&rates), spread).expect("rolls up");
    let in_eur = |year| {
        converted
            .rows
            .iter()
            .find(|r| {
                r.labels[0].as_deref() == Some("Chevron Corporation")
                    && r.key[1] == Key::Year(year)
                    && r.currency == Some(eur)
            })
            .and_then(|r| r.received)
    };
    assert_eq!(
        (in_eur(2004), in_eur(2005)),
        (Some(dec("383023.26")), Some(dec("381976.74"))),
        "765,000 EUR split as the dollars are"
    );
    let parsed: Placement = "spread".parse().expect("a placement");
    assert_eq!(parsed, Placement::Spread);
    assert!("evenly".parse::<Placement>().is_err());
}

/// Spreading moves amounts between years, never into or out of a
/// currency's total: on generated data, per currency, the spread rows sum
/// to the placed ones, measure by measure.
#[test]
fn spreading_keeps_every_currency_total() {
    use partnercrm::query::rollup::{Placement, RollupOptions, rollup_with};
    let mut split_any = false;
    for seed in 0..4 {
        let data = generate(&Spec {
            contributions: 3_000,
            seed,
        });
        let by = [Dimension::Year, Dimension::Kind];
        let sums = |placement| {
            let options = RollupOptions {
                placement,
                ..RollupOptions::default()
            };
            let result = rollup_with(&data, &by, None, options).expect("rolls up");
            let mut sums: HashMap<Option<Currency>, (Decimal, Decimal, usize)> = HashMap::new();
            for r in &result.rows {
                let s = sums.entry(r.currency).or_default();
                s.0 += r.received.unwrap_or_default();
                s.1 += r.pledged.unwrap_or_default();
                s.2 += r.unknown_amounts;
            }
            (sums, result.rows.len())
        };
        let ((placed, placed_rows), (spread, spread_rows)) =
            (sums(Placement::Start), sums(Placement::Spread));
        assert_eq!(placed, spread, "seed {seed}");
        assert!(spread_rows >= placed_rows, "seed {seed}");
        split_any |= spread_rows > placed_rows;
    }
    assert!(split_any, "the generated data has gifts over several years");
}
