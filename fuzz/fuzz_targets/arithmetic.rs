//! Arithmetic on any amounts, rates and indicator values: the exact
//! operations agree with themselves and with rust_decimal where it is exact,
//! and rollups (with and without rates), allocation splits, the report,
//! outcomes and every table give a result or an error, never a panic. In a
//! data set validation takes, every amount leaves the contributions table
//! as it is.
#![no_main]

use arrow_array::{Array, Decimal128Array};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use partnercrm::model::exact;
use partnercrm::model::*;
use partnercrm::query::rates::RateTable;
use partnercrm::query::report::{PartnershipReport, ReportOptions};
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::query::{outcomes, tables};
use rust_decimal::{Decimal, RoundingStrategy};

/// Reads numbers and choices off the input, then zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    /// Any `Decimal`: a 96-bit mantissa, a sign and a scale of 0 to 28.
    fn decimal(&mut self) -> Decimal {
        let head = self.byte();
        let mut mantissa: u128 = 0;
        // The first byte also says how wide the mantissa is, so that short
        // inputs make small numbers and long ones reach the limit.
        for _ in 0..=(head % 12) {
            mantissa = mantissa << 8 | u128::from(self.byte());
        }
        let scale = u32::from(self.byte() % 29);
        let value = Decimal::from_i128_with_scale(mantissa as i128, scale);
        if head & 0x80 != 0 { -value } else { value }
    }

    /// A positive `Decimal`, or one.
    fn positive(&mut self) -> Decimal {
        let value = self.decimal().abs();
        if value.is_zero() { Decimal::ONE } else { value }
    }
}

fn check_exact_operations(a: Decimal, b: Decimal, digits: u32) {
    if let Some(sum) = exact::add(a, b) {
        assert_eq!(exact::sub(sum, b), Some(a), "{a} + {b} = {sum}");
        assert_eq!(exact::add(b, a), Some(sum));
    }
    // Where rust_decimal's own sum kept every digit, the two agree.
    if let Some(theirs) = a.checked_add(b)
        && theirs.scale() == a.scale().max(b.scale())
    {
        assert_eq!(exact::add(a, b), Some(theirs), "{a} + {b}");
    }
    let digits = digits % 5;
    let small = |d: Decimal| d.mantissa().unsigned_abs() < 1 << 40 && d.scale() <= 14;
    if small(a) && small(b) {
        // A product of two 40-bit mantissas is exact in rust_decimal too.
        let expected =
            (a * b).round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(
            exact::mul_rounded(a, b, digits),
            Some(expected),
            "{a} × {b}"
        );
    }
    if let Some(product) = exact::mul_rounded(a, b, digits) {
        assert!(
            product.normalize().scale() <= digits,
            "{a} × {b} = {product}"
        );
    }
    let _ = exact::parse(&a.to_string()).map(|back| assert_eq!(back, a));
}

fn day(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 1, 1).expect("day")
}

fn year(y: i32) -> PartialDate {
    y.to_string().parse().expect("year")
}

fn dataset(input: &mut Bytes<'_>) -> (Dataset, RateTable) {
    let currencies =
        ["USD", "EUR", "JPY", "XAU", "KWD"].map(|c| Currency::from_code(c).expect("currency"));
    let mut data = Dataset::new();
    let donor = Organisation::new("Donor", OrganisationKind::Government);
    let recipient = Organisation::new("Recipient", OrganisationKind::UnAgency);
    let (d, r) = (donor.id, recipient.id);
    data.organisations.extend([donor, recipient]);
    let mut first = Project::new("First");
    first.themes = vec!["health".into(), "migration".into()];
    let mut second = Project::new("Second");
    second.parent = Some(first.id);
    let projects = [first.id, second.id];
    data.projects.extend([first, second]);

    for _ in 0..input.byte() % 6 {
        let choice = input.byte();
        let kind = [
            ContributionKind::Cash,
            ContributionKind::Pledge,
            ContributionKind::InKind,
        ][usize::from(choice % 3)];
        let mut c = Contribution::new(kind, d, r);
        let currency = currencies[usize::from(choice / 3 % 5)];
        if choice & 0x80 == 0 {
            c.value = ContributionValue::actual(Money::new(input.positive(), currency));
        }
        c.date = Some(year(2000 + i32::from(input.byte() % 10)));
        c.project = (choice & 0x40 != 0).then_some(projects[0]);
        for _ in 0..input.byte() % 4 {
            let paid_in = currencies[usize::from(input.byte() % 5)];
            c.payments.push(Payment {
                date: year(2010),
                amount: Money::new(input.positive(), paid_in),
            });
        }
        for project in projects.iter().take(usize::from(input.byte() % 3)) {
            let share = input.positive();
            let as_percent = input.byte() & 1 == 0;
            c.allocations.push(Allocation {
                project: *project,
                amount: (!as_percent).then_some(share),
                percent: as_percent.then_some(share),
            });
        }
        data.contributions.push(c);
    }
    for n in 0..input.byte() % 3 {
        let rule = [Aggregation::Sum, Aggregation::Max, Aggregation::Latest]
            [usize::from(input.byte() % 3)];
        let mut indicator = Indicator::new(
            projects[usize::from(n % 2)],
            "People",
            "people",
            Measure::Count,
            rule,
        );
        let observe = |input: &mut Bytes<'_>, y: i32| Observation {
            period: Period::between(year(y), year(y)),
            ..Observation::exact(input.decimal().abs())
        };
        for y in 0..input.byte() % 3 {
            indicator.targets.push(observe(input, 2001 + i32::from(y)));
        }
        for y in 0..input.byte() % 3 {
            indicator.actuals.push(observe(input, 2001 + i32::from(y)));
        }
        data.indicators.push(indicator);
    }
    let mut rates = RateTable::new("fuzzed", currencies[0]);
    for currency in &currencies[1..] {
        rates.insert(*currency, day(1990), input.positive());
    }
    (data, rates)
}

fuzz_target!(|bytes: &[u8]| {
    let mut input = Bytes(bytes);
    let (a, b, digits) = (input.decimal(), input.decimal(), u32::from(input.byte()));
    check_exact_operations(a, b, digits);
    let _ = apportion(a, &[a, b], digits % 5);

    let (data, rates) = dataset(&mut input);
    let clean = data.validate().is_clean();
    for by in [
        vec![],
        vec![Dimension::Donor, Dimension::Year],
        vec![Dimension::Project],
        vec![Dimension::Theme, Dimension::Kind],
    ] {
        for table in [None, Some(&rates)] {
            if let Ok(result) = rollup(&data, &by, table) {
                let _ = tables::rollup_table(&result);
            }
        }
    }
    for options in [
        ReportOptions::default(),
        ReportOptions {
            rates: Some(&rates),
            ..ReportOptions::default()
        },
    ] {
        let _ = PartnershipReport::build_with(&data, &options).map(|r| r.to_string());
    }
    if let Ok(found) = outcomes::outcomes(&data) {
        let _ = tables::outcomes_table(&data, &found);
    }
    for name in tables::TABLES {
        let batch = tables::table(&data, name);
        // A valid data set has every table, unless a column cannot hold its
        // amounts at one scale (10^28 beside 10^-20): that is an overflow.
        assert!(
            batch.is_ok() || !clean || matches!(batch, Err(partnercrm::Error::Overflow { .. })),
            "{name}: a valid data set has every table"
        );
        if let Ok(batch) = batch {
            let _ = partnercrm::io::csv::write_table(&batch);
        }
    }
    if clean && let Ok(batch) = tables::table(&data, "contributions") {
        let column = batch.column_by_name("amount").expect("amount");
        let amounts = column
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .expect("decimal");
        for (i, c) in data.contributions.iter().enumerate() {
            let cell = (!amounts.is_null(i))
                .then(|| exact::parse(&amounts.value_as_string(i)).expect("reads"));
            assert_eq!(cell, c.value.money().map(|m| m.amount), "row {i}");
        }
    }
});
