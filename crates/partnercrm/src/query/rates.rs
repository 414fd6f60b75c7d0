//! Named, dated exchange-rate tables: the only way partnercrm sums amounts
//! across currencies.
//!
//! # Conversion rule
//!
//! A contribution is converted at the rate in force on its date: the latest
//! rate for its currency dated on or before the contribution's first day
//! (a contribution known only as "2008" uses the rate in force on
//! 1 January 2008). The product is exact, then rounded once, to the target
//! currency's minor unit, half away from zero, as a bookkeeper books a
//! converted gift. Totals are exact sums of those booked amounts, so every
//! total equals the sum of its parts.
//!
//! A missing rate is an error naming the currency and the date: never a
//! silent zero, never a silent skip. A product beyond what a `Decimal`
//! holds is an error too ([`ConversionError::Overflow`]), never a rounded
//! figure: the product is formed exactly, in 192 bits
//! ([`exact::mul_rounded`](crate::model::exact::mul_rounded)).

use crate::model::ids::IdMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::exact::MONEY_DECIMALS;
use crate::model::{Currency, Money, PartialDate};
use crate::{Error, Result};

/// Exchange rates into one target currency, each dated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateTable {
    /// A name for the table, carried into every result, e.g. "IMF monthly averages".
    pub name: String,
    /// When the table was published or fixed, if known; carried into results.
    pub date: Option<NaiveDate>,
    /// The currency every rate converts into.
    pub target: Currency,
    /// Per source currency, (from, rate) sorted by date: one unit of the
    /// source currency is `rate` units of the target from that day on.
    rates: IdMap<Currency, Vec<(NaiveDate, Decimal)>>,
}

/// A rate table had no rate for a currency on a date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate table {table:?} has no {currency}→{target} rate in force on {date}")]
pub struct MissingRate {
    /// The table's name.
    pub table: String,
    /// The currency that could not be converted.
    pub currency: Currency,
    /// The target currency.
    pub target: Currency,
    /// The date a rate was needed for.
    pub date: NaiveDate,
}

/// Why an amount could not be converted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// The table has no rate in force.
    #[error(transparent)]
    MissingRate(#[from] MissingRate),
    /// The converted amount is beyond what partnercrm computes with exactly.
    #[error(
        "{money} at the rate {rate} cannot be converted exactly: {}",
        crate::model::exact::LIMIT
    )]
    Overflow {
        /// The amount converted.
        money: Money,
        /// The rate in force.
        rate: Decimal,
    },
}

impl RateTable {
    /// An empty table converting into `target`.
    pub fn new(name: impl Into<String>, target: Currency) -> Self {
        Self {
            name: name.into(),
            date: None,
            target,
            rates: IdMap::default(),
        }
    }

    /// Adds a rate: from `from` on, one `currency` is `rate` units of the
    /// target. A rate must be more than zero (see [`check_rate`]); else
    /// nothing is added.
    pub fn insert(&mut self, currency: Currency, from: NaiveDate, rate: Decimal) -> Result<()> {
        check_rate(rate).map_err(|reason| Error::Parse {
            what: "exchange rate",
            input: rate.to_string(),
            reason,
        })?;
        let series = self.rates.entry(currency).or_default();
        match series.binary_search_by_key(&from, |(d, _)| *d) {
            Ok(at) => series[at].1 = rate,
            Err(at) => series.insert(at, (from, rate)),
        }
        Ok(())
    }

    /// Reads a table from CSV with the columns `currency,date,rate`, where
    /// `date` is `YYYY-MM-DD`, `YYYY-MM` (a monthly rate, from the 1st) or
    /// `YYYY`, and one `currency` is `rate` units of `target`. Every bad row
    /// is reported, with its line.
    pub fn from_csv(name: impl Into<String>, target: Currency, text: &str) -> Result<Self> {
        let text = crate::io::text::without_bom(text);
        let mut table = Self::new(name, target);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(csv_error)?.clone();
        let column = |wanted: &str| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| Error::Parse {
                    what: "rate table",
                    input: headers.iter().collect::<Vec<_>>().join(","),
                    reason: format!(
                        "needs the columns currency, date and rate; {wanted:?} is missing"
                    ),
                })
        };
        let (currency_at, date_at, rate_at) =
            (column("currency")?, column("date")?, column("rate")?);
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |at: usize| record.get(at).unwrap_or("");
            let currency = Currency::from_code(field(currency_at));
            let date = field(date_at).parse::<PartialDate>();
            let rate = Decimal::from_str_exact(field(rate_at));
            match (currency, date, rate) {
                (Ok(currency), Ok(date), Ok(rate)) if check_rate(rate).is_ok() => {
                    table.insert(currency, date.earliest(), rate)?;
                }
                (currency, date, rate) => {
                    let mut why = Vec::new();
                    if let Err(e) = currency {
                        why.push(e.to_string());
                    }
                    if let Err(e) = date {
                        why.push(e.to_string());
                    }
                    match rate.map(check_rate) {
                        Err(_) => {
                            why.push(format!("rate {:?} is not a decimal number", field(rate_at)))
                        }
                        Ok(Err(reason)) => why.push(reason),
                        Ok(Ok(())) => {}
                    }
                    problems.push(format!("line {line}: {}", why.join("; ")));
                }
            }
        }
        if problems.is_empty() {
            Ok(table)
        } else {
            Err(Error::Parse {
                what: "rate table",
                input: String::new(),
                reason: problems.join("\n"),
            })
        }
    }

    /// Reads a table from a CSV file; see [`RateTable::from_csv`].
    pub fn read_csv(
        name: impl Into<String>,
        target: Currency,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = crate::io::text::decode(bytes, path)?;
        Self::from_csv(name, target, &text)
    }

    /// The rate in force for `currency` on `day`.
    pub fn rate(
        &self,
        currency: Currency,
        day: NaiveDate,
    ) -> std::result::Result<Decimal, MissingRate> {
        if currency == self.target {
            return Ok(Decimal::ONE);
        }
        let missing = || MissingRate {
            table: self.name.clone(),
            currency,
            target: self.target,
            date: day,
        };
        let series = self.rates.get(&currency).ok_or_else(missing)?;
        let after = series.partition_point(|(from, _)| *from <= day);
        after
            .checked_sub(1)
            .map(|at| series[at].1)
            .ok_or_else(missing)
    }

    /// Converts an amount given on `day`, rounded as the module documents.
    pub fn convert(
        &self,
        money: &Money,
        day: NaiveDate,
    ) -> std::result::Result<Decimal, ConversionError> {
        let rate = self.rate(money.currency, day)?;
        let digits = self.target.minor_unit_digits().unwrap_or(MONEY_DECIMALS);
        crate::model::exact::mul_rounded(money.amount, rate, digits).ok_or(
            ConversionError::Overflow {
                money: *money,
                rate,
            },
        )
    }
}

/// The rule for a rate, however it arrives (a CSV row, [`RateTable::insert`]):
/// more than zero, since one unit of a currency is worth something of
/// another. The error says why not.
pub fn check_rate(rate: Decimal) -> std::result::Result<(), String> {
    if rate > Decimal::ZERO {
        Ok(())
    } else {
        Err(format!("rate {rate} is not positive"))
    }
}

fn csv_error(error: csv::Error) -> Error {
    Error::Parse {
        what: "rate table",
        input: String::new(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").expect("USD")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse::<PartialDate>().expect("date").earliest()
    }

    const CSV: &str =
        "currency,date,rate\nEUR,2008-01,1.4700\nEUR,2008-02,1.4800\nJPY,2008,0.0093\n";

    #[test]
    fn the_rate_in_force_is_the_latest_on_or_before_the_day() {
        let table = RateTable::from_csv("monthly", usd(), CSV).expect("reads");
        let eur = Currency::from_code("EUR").expect("EUR");
        assert_eq!(table.rate(eur, day("2008-01-31")), Ok(Decimal::new(147, 2)));
        assert_eq!(table.rate(eur, day("2008-02-01")), Ok(Decimal::new(148, 2)));
        assert_eq!(table.rate(eur, day("2009-06-30")), Ok(Decimal::new(148, 2)));
        assert_eq!(table.rate(usd(), day("1990-01-01")), Ok(Decimal::ONE));
        let missing = table
            .rate(eur, day("2007-12-31"))
            .expect_err("before the first rate");
        assert_eq!(
            missing.to_string(),
            "rate table \"monthly\" has no EUR→USD rate in force on 2007-12-31"
        );
    }

    #[test]
    fn conversion_rounds_half_away_from_zero_to_the_minor_unit() {
        let table = RateTable::from_csv("monthly", usd(), CSV).expect("reads");
        let money = Money::parse("10.01", "EUR").expect("money");
        // 10.01 × 1.47 = 14.7147 → 14.71
        assert_eq!(
            table.convert(&money, day("2008-01-15")),
            Ok(Decimal::new(1471, 2))
        );
        let yen = Money::parse("150", "JPY").expect("money");
        // 150 × 0.0093 = 1.395 → 1.40
        assert_eq!(
            table.convert(&yen, day("2008-07-01")),
            Ok(Decimal::new(140, 2))
        );
    }

    #[test]
    fn rates_must_be_positive_however_they_arrive() {
        let eur = Currency::from_code("EUR").expect("EUR");
        let mut table = RateTable::new("t", usd());
        for rate in [Decimal::ZERO, Decimal::NEGATIVE_ONE, Decimal::new(-5, 1)] {
            let err = table
                .insert(eur, day("2008"), rate)
                .expect_err("not positive");
            assert_eq!(
                err.to_string(),
                format!("invalid exchange rate \"{rate}\": rate {rate} is not positive")
            );
            let csv = format!("currency,date,rate\nEUR,2008,{rate}\n");
            let err = RateTable::from_csv("t", usd(), &csv).expect_err("not positive");
            assert!(
                err.to_string()
                    .contains(&format!("line 2: rate {rate} is not positive"))
            );
        }
        assert!(table.rate(eur, day("2009")).is_err(), "nothing was added");
        table
            .insert(eur, day("2008"), Decimal::new(1, 4))
            .expect("positive");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let err = RateTable::from_csv(
            "bad",
            usd(),
            "currency,date,rate\nEUR,2008-13,1.4\nQQQ,2008,abc\nGBP,2008,-1\n",
        )
        .expect_err("bad rows");
        let text = err.to_string();
        assert!(text.contains("line 2: invalid date"), "{text}");
        assert!(
            text.contains("line 3: unknown currency code \"QQQ\""),
            "{text}"
        );
        assert!(text.contains("is not a decimal number"), "{text}");
        assert!(text.contains("line 4: rate -1 is not positive"), "{text}");
        assert!(RateTable::from_csv("bad", usd(), "currency,rate\n").is_err());
    }
}
