//! The IMF's annual rates per US dollar, read from the shared file as it is
//! published, and rollups converted with them. Every expected figure below
//! is computed by hand from the rows it names (line numbers of
//! `../shared/rates/imf_exchangerates_A_ENDA_USD.csv`), rounded once, half
//! away from zero, to the target's minor unit.

use chrono::NaiveDate;
use partnercrm::Error;
use partnercrm::model::*;
use partnercrm::query::rates::{MissingYear, RateKey, RateTable};
use partnercrm::query::rollup::{Dimension, RatePart, rollup};
use partnercrm::query::tables;
use rust_decimal::Decimal;

const IMF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/rates/imf_exchangerates_A_ENDA_USD.csv"
);

fn currency(code: &str) -> Currency {
    Currency::from_code(code).expect("a currency")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("decimal")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a day")
}

fn imf(target: &str) -> RateTable {
    RateTable::read_imf_csv("IMF", currency(target), IMF).expect("reads the IMF file")
}

fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, code).expect("money")
}

#[test]
fn eur_and_jpy_in_2020_convert_to_usd_at_their_own_rows() {
    let usd = imf("USD");
    // Line 4201: 2020-12-31,0.875506396987998,EUR,A,IMF,U2,Euro Area (EA).
    // 1000 ÷ 0.875506396987998 = 1142.196108949… → 1142.20.
    assert_eq!(
        usd.convert(&money("1000", "EUR"), day("2020-06-30")),
        Ok(dec("1142.20"))
    );
    // Line 6660: 2020-12-31,106.7745822624372,JPY,A,IMF,JP,Japan.
    // 1,000,000 ÷ 106.7745822624372 = 9365.5222… → 9365.52.
    assert_eq!(
        usd.convert(&money("1000000", "JPY"), day("2020-01-01")),
        Ok(dec("9365.52"))
    );
    // The whole year has one rate: the last day of 2020 is still 2020's.
    assert_eq!(
        usd.convert(&money("1000", "EUR"), day("2020-12-31")),
        Ok(dec("1142.20"))
    );
    // A dollar is a dollar, whatever the file's "USD" rows of Ecuador
    // (sucres before 2000) and Haiti (gourdes) say.
    assert_eq!(
        usd.convert(&money("10", "USD"), day("1990-05-01")),
        Ok(dec("10.00"))
    );
}

#[test]
fn eur_to_jpy_goes_through_the_dollar() {
    let jpy = imf("JPY");
    // 1000 × 106.7745822624372 ÷ 0.875506396987998 = 121957.51… → 121958
    // (the yen has no minor unit).
    assert_eq!(
        jpy.convert(&money("1000", "EUR"), day("2020-03-15")),
        Ok(dec("121958"))
    );
    let key = jpy.key(currency("EUR"), day("2020-03-15")).expect("a rate");
    let used = jpy.describe(key);
    assert_eq!(used.year, Some(2020));
    assert_eq!(
        used.rate.map(|r| r.round_dp(10)),
        Some(dec("121.9575123949"))
    );
    let eur = used.currency_per_usd.expect("the euro's row");
    assert_eq!(
        (eur.per_usd, eur.country_code.as_str(), eur.line),
        (dec("0.875506396987998"), "U2", 4201)
    );
    let yen = used.target_per_usd.expect("the yen's row");
    assert_eq!(
        (yen.per_usd, yen.country.as_str(), yen.line),
        (dec("106.7745822624372"), "Japan", 6660)
    );
    // And from dollars to euros: 250.50 × 0.875506396987998 = 219.3143… → 219.31.
    assert_eq!(
        imf("EUR").convert(&money("250.50", "USD"), day("2020-07-01")),
        Ok(dec("219.31"))
    );
}

#[test]
fn where_rows_disagree_the_issuers_row_is_the_rate() {
    let usd = imf("USD");
    // 2020: the Euro Area's 0.875506396987998 (line 4201), not Kosovo's or
    // Montenegro's 0.877475207233012; the United Kingdom's
    // 0.7799995766971532 (line 13398), not Guernsey's 0.779999576697153.
    for (code, line, country) in [("EUR", 4201, "U2"), ("GBP", 13398, "GB")] {
        let key = usd.key(currency(code), day("2020-01-01")).expect("a rate");
        let row = usd.describe(key).currency_per_usd.expect("a row");
        assert_eq!((row.line, row.country_code.as_str()), (line, country));
    }
    // XPF in 1950: French Polynesia 49.628000048628 (line 4495), New
    // Caledonia 49.627999999 (line 9273), and no issuer: no rate, and the
    // error shows both rows.
    let err = usd
        .convert(&money("100", "XPF"), day("1950-06-01"))
        .expect_err("conflicting rows");
    let text = err.to_string();
    assert!(text.contains("no XPF→USD rate for 1950"), "{text}");
    assert!(text.contains("49.628000048628 per US dollar"), "{text}");
    assert!(text.contains("line 9273"), "{text}");
}

#[test]
fn a_missing_year_is_an_error_or_an_earlier_year_that_says_so() {
    let mut usd = imf("USD");
    let err = usd
        .convert(&money("1000", "EUR"), day("2025-02-01"))
        .expect_err("the file ends with 2024");
    assert_eq!(
        err.to_string(),
        "rate table \"IMF\" has no EUR→USD rate for 2025: it has no EUR rate per US dollar \
         for 2025 (its EUR rates run 1999 to 2024)"
    );
    usd.missing_year = MissingYear::LatestEarlier;
    // Line 4205: 2024-12-31,0.9238895461176068,EUR,…: 1000 ÷ 0.9238895… = 1082.38.
    assert_eq!(
        usd.convert(&money("1000", "EUR"), day("2025-02-01")),
        Ok(dec("1082.38"))
    );
    let used = usd.describe(
        usd.key(currency("EUR"), day("2025-02-01"))
            .expect("an earlier year"),
    );
    assert_eq!((used.year, used.amount_year), (Some(2024), Some(2025)));
    assert!(used.fell_back());
    // Never a later year: before the euro there is nothing to fall back to.
    assert!(usd.convert(&money("1", "EUR"), day("1998-01-01")).is_err());
    assert_eq!(
        usd.key(currency("EUR"), day("2020-01-01")),
        Ok(RateKey::Annual {
            currency: currency("EUR"),
            year: 2020,
            amount_year: 2020
        })
    );
}

#[test]
fn the_file_reads_as_published_and_from_csv_knows_it() {
    let text = std::fs::read_to_string(IMF).expect("the file");
    let explicit = RateTable::from_imf_csv("IMF", currency("USD"), &text).expect("reads");
    // Read as `currency,date,rate`, every rate would be upside down.
    let detected = RateTable::from_csv("IMF", currency("USD"), &text).expect("reads");
    assert!(detected.is_annual());
    assert_eq!(detected, explicit);
    // Historic currencies partnercrm has no code for are set aside, counted.
    let unknown = explicit.unknown_currencies();
    assert!(
        unknown
            .iter()
            .any(|(code, rows)| code == "YDD" && *rows > 0),
        "{unknown:?}"
    );
    // Brazil's 1950 rate in today's reais has 29 decimals: never rounded, no rate.
    let err = explicit
        .convert(&money("1", "BRL"), day("1950-01-01"))
        .expect_err("too many decimals");
    assert!(
        err.to_string()
            .contains("more decimals than partnercrm computes with exactly"),
        "{err}"
    );
}

#[test]
fn bad_rows_are_reported_with_their_lines() {
    let header = "Date,Rate,Currency,Frequency,Source,Country code,Country\n";
    let text = format!(
        "{header}2020-12-31,0.9,EUR,A,IMF,U2,Euro Area\n2020-06-30,0.9,EUR,A,IMF,U2,Euro Area\n\
         2020-12-31,-1,JPY,A,IMF,JP,Japan\n2020-12-31,abc,GBP,Q,IMF,GB,United Kingdom\n"
    );
    let err = RateTable::from_imf_csv("t", currency("USD"), &text).expect_err("bad rows");
    let text = err.to_string();
    assert!(
        text.contains("line 3: date 2020-06-30 is not a year's last day"),
        "{text}"
    );
    assert!(text.contains("line 4: rate -1 is not positive"), "{text}");
    assert!(
        text.contains("line 5: rate \"abc\" is not a decimal number; frequency \"Q\" is not A"),
        "{text}"
    );
    assert!(!text.contains("line 2"), "{text}");
    // The lines are the file's with CRLF line ends too, as the IMF's has.
    let crlf = "Date,Rate,Currency,Frequency,Source,Country code,Country\r\n\
                2020-12-31,0.9,EUR,A,IMF,U2,Euro Area\r\n2020-12-31,x,JPY,A,IMF,JP,Japan\r\n";
    let err = RateTable::from_imf_csv("t", currency("USD"), crlf).expect_err("a bad row");
    assert!(err.to_string().contains("line 3: rate \"x\""), "{err}");
    let mut table = RateTable::from_imf_csv(
        "t",
        currency("USD"),
        &format!("{header}2020-12-31,0.9,EUR,A,IMF,U2,Euro Area\n"),
    )
    .expect("reads");
    assert!(
        table
            .insert(currency("EUR"), day("2020-01-01"), dec("1.1"))
            .is_err(),
        "an annual table takes no dated rates"
    );
}

/// Organisations, a project, and contributions in EUR, JPY and USD.
fn gifts() -> (Dataset, Vec<ContributionId>) {
    let donor = Organisation::new("Donor", OrganisationKind::Government);
    let other = Organisation::new("Other donor", OrganisationKind::Foundation);
    let iom = Organisation::new("IOM", OrganisationKind::UnAgency);
    let gift = |from: &Organisation, amount: &str, code: &str, date: &str| {
        let mut c = Contribution::new(ContributionKind::Cash, from.id, iom.id);
        c.value = ContributionValue::actual(money(amount, code));
        c.date = Some(date.parse().expect("a date"));
        c
    };
    let mut pledge = Contribution::new(ContributionKind::Pledge, other.id, iom.id);
    pledge.value = ContributionValue::actual(money("2000", "EUR"));
    pledge.date = Some("2019-03".parse().expect("a date"));
    // Line 4200: 2019-12-31,0.8932762570674088,EUR,…; the payment is of 2020.
    pledge.payments.push(Payment {
        date: "2020-02-01".parse().expect("a date"),
        amount: money("500", "EUR"),
    });
    let contributions = vec![
        gift(&donor, "1000", "EUR", "2020-05"),
        gift(&donor, "1000000", "JPY", "2020-11-03"),
        gift(&donor, "300", "USD", "2020"),
        gift(&donor, "500", "EUR", "2020-09-01"),
        pledge,
    ];
    let ids = contributions.iter().map(|c| c.id).collect();
    let data = Dataset {
        organisations: vec![donor, other, iom],
        contributions,
        ..Dataset::default()
    };
    (data, ids)
}

#[test]
fn a_rollup_says_which_rate_and_year_each_total_used() {
    let (data, _) = gifts();
    let usd = imf("USD");
    let result = rollup(&data, &[Dimension::Donor], Some(&usd)).expect("rolls up");
    let donor = &result.rows[0];
    // 1000 EUR → 1142.20, 500 EUR → 571.10 (500 ÷ 0.875506396987998 =
    // 571.098…), 1,000,000 JPY → 9365.52, 300 USD as it is.
    assert_eq!(donor.committed, Some(dec("11378.82")));
    let uses: Vec<_> = result.rates_used.iter().filter(|u| u.row == 0).collect();
    let summary: Vec<_> = uses
        .iter()
        .map(|u| {
            (
                u.part,
                u.rate.currency.code(),
                u.rate.year,
                u.amounts,
                u.original,
                u.converted,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                RatePart::Value,
                "EUR",
                Some(2020),
                2,
                dec("1500"),
                dec("1713.30")
            ),
            (
                RatePart::Value,
                "JPY",
                Some(2020),
                1,
                dec("1000000"),
                dec("9365.52")
            ),
            (RatePart::Value, "USD", None, 1, dec("300"), dec("300")),
        ]
    );
    // The values' conversions add up to the committed total, exactly.
    let converted: Decimal = uses.iter().map(|u| u.converted).sum();
    assert_eq!(Some(converted), donor.committed);
    assert_eq!(
        uses[0]
            .rate
            .currency_per_usd
            .as_ref()
            .map(|r| (r.country.as_str(), r.line)),
        Some(("Euro Area (EA)", 4201))
    );

    // The pledge: its value at 2019's rate, its payment at 2020's.
    let other = &result.rows[1];
    let uses: Vec<_> = result.rates_used.iter().filter(|u| u.row == 1).collect();
    let summary: Vec<_> = uses
        .iter()
        .map(|u| (u.part, u.rate.year, u.original, u.converted))
        .collect();
    // 2000 ÷ 0.8932762570674088 = 2238.949…; 500 ÷ 0.875506396987998 = 571.10.
    assert_eq!(
        summary,
        [
            (RatePart::Value, Some(2019), dec("2000"), dec("2238.95")),
            (RatePart::Payment, Some(2020), dec("500"), dec("571.10")),
        ]
    );
    assert_eq!(
        (other.pledged, other.received, other.committed),
        (
            Some(dec("2238.95")),
            Some(dec("571.10")),
            Some(dec("2238.95"))
        )
    );

    // The tables: a short note per row, the full provenance apart.
    let table = tables::rollup_table(&result).expect("a table");
    let notes = table
        .column_by_name("rates_used")
        .expect("rates_used")
        .as_any()
        .downcast_ref::<arrow_array::StringViewArray>()
        .expect("text")
        .value(0)
        .to_owned();
    assert_eq!(notes, "EUR 2020; JPY 2020");
    let provenance = tables::rollup_rates_table(&result).expect("a table");
    assert_eq!(provenance.num_rows(), result.rates_used.len());
    for column in [
        "donor_name",
        "part",
        "currency",
        "amounts",
        "original",
        "converted",
        "rate",
        "rate_year",
        "amount_year",
        "fell_back",
        "currency_per_usd",
        "currency_rate_source",
        "target_per_usd",
    ] {
        assert!(provenance.column_by_name(column).is_some(), "{column}");
    }
}

#[test]
fn every_missing_rate_is_listed_with_its_contributions() {
    let (mut data, ids) = gifts();
    data.contributions[0].date = Some("2025-01".parse().expect("a date"));
    data.contributions[3].date = Some("2026-04-02".parse().expect("a date"));
    data.contributions[1].date = Some("2025-12-31".parse().expect("a date"));
    let err = rollup(&data, &[Dimension::Donor], Some(&imf("USD"))).expect_err("missing rates");
    let Error::MissingRates { missing } = &err else {
        panic!("{err}");
    };
    let listed: Vec<_> = missing
        .iter()
        .map(|(rate, records)| {
            (
                rate.currency.code(),
                chrono::Datelike::year(&rate.date),
                records.clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("EUR", 2025, vec![RecordRef::from(ids[0])]),
            ("JPY", 2025, vec![RecordRef::from(ids[1])]),
            ("EUR", 2026, vec![RecordRef::from(ids[3])]),
        ]
    );
    assert!(
        err.to_string().starts_with("3 rates are missing: "),
        "{err}"
    );
    // Falling back, the same rollup converts at 2024's rates, and says so.
    let mut usd = imf("USD");
    usd.missing_year = MissingYear::LatestEarlier;
    let result = rollup(&data, &[Dimension::Donor], Some(&usd)).expect("falls back");
    let fell_back: Vec<_> = result
        .rates_used
        .iter()
        .filter(|u| u.rate.fell_back())
        .map(|u| (u.rate.currency.code(), u.rate.year, u.rate.amount_year))
        .collect();
    assert_eq!(
        fell_back,
        [
            ("EUR", Some(2024), Some(2025)),
            ("EUR", Some(2024), Some(2026)),
            ("JPY", Some(2024), Some(2025)),
        ]
    );
    let table = tables::rollup_table(&result).expect("a table");
    let notes = table
        .column_by_name("rates_used")
        .expect("rates_used")
        .as_any()
        .downcast_ref::<arrow_array::StringViewArray>()
        .expect("text")
        .value(0)
        .to_owned();
    assert_eq!(
        notes,
        "EUR 2024 for 2025; EUR 2024 for 2026; JPY 2024 for 2025"
    );
}
