//! Named exchange-rate tables: the only way partnercrm sums amounts across
//! currencies.
//!
//! A table is one of two kinds:
//!
//! - **Dated** ([`RateTable::new`], [`RateTable::from_csv`]): rates into
//!   the target currency, each in force from a day on.
//! - **Annual, per US dollar** ([`RateTable::from_imf_csv`]): the IMF's
//!   yearly averages of how many units of each currency one US dollar buys,
//!   read from `imf_exchangerates_A_ENDA_USD.csv` as it is published
//!   (`Date,Rate,Currency,Frequency,Source,Country code,Country`). Any
//!   target is reached through the dollar.
//!
//! # Conversion rule
//!
//! A dated table converts a contribution at the rate in force on its date:
//! the latest rate for its currency dated on or before the contribution's
//! first day (a contribution known only as "2008" uses the rate in force on
//! 1 January 2008). The product is exact, then rounded once, to the target
//! currency's minor unit, half away from zero, as a bookkeeper books a
//! converted gift.
//!
//! An annual table converts at the averages of the contribution's year (of
//! its first day): `amount ÷ rate(currency, year) × rate(target, year)`,
//! where a rate is units per US dollar and the dollar's own is 1. The
//! quotient is exact up to the one rounding, by the same rule
//! ([`exact::mul_div_rounded`](crate::model::exact::mul_div_rounded)). A
//! year the table lacks for either currency is an error
//! ([`MissingYear::Error`], the default); with [`MissingYear::LatestEarlier`]
//! the latest earlier year holding both rates is used, and the provenance
//! says which year that was ([`RateUsed::year`] against
//! [`RateUsed::amount_year`]).
//!
//! Totals are exact sums of the booked amounts, so every total equals the
//! sum of its parts; [`RateTable::describe`] says which rates and years
//! each converted amount used, and from which row of the source.
//!
//! A missing rate is an error naming the currency and the date: never a
//! silent zero, never a silent skip. A product beyond what a `Decimal`
//! holds is an error too ([`ConversionError::Overflow`]), never a rounded
//! figure: the product is formed exactly, in 192 bits
//! ([`exact::mul_rounded`](crate::model::exact::mul_rounded)).
//!
//! # Reading the IMF file
//!
//! The file has a row per economy and year, each labelled with the currency
//! the economy uses today, so one currency can have several rows in a year:
//! the euro has the Euro Area's and those of Kosovo, Montenegro and Andorra;
//! "USD" has Ecuador's sucres before 2000 and Haiti's gourdes. The rule:
//!
//! - US dollar rows are not read: the dollar is the base, 1 by definition.
//! - Where the rows of a currency and year disagree, the issuer's row is the
//!   rate: the economy whose ISO 3166 code begins the currency's code (GB for
//!   GBP, DK for DKK, NL for NLG), or for a currency union the IMF's code
//!   for the union (U2 for EUR, 7A for XOF, 5X for XAF, 5Y for XCD).
//! - Rows that agree give that rate. Rows that disagree with no issuer among
//!   them (XPF in 1950 to 1956, French Polynesia's and New Caledonia's) give
//!   no rate: converting with one is an error that lists them.
//! - Rows of a currency partnercrm does not know (historic ones, such as
//!   FRF or YDD) are set aside, counted by [`RateTable::unknown_currencies`]:
//!   no amount can be in them.
//!
//! Every other bad row (a rate that is not a positive decimal, a date that
//! is not a year's last day, a frequency other than annual) is reported,
//! with its line, and no table is made.

use std::collections::BTreeMap;

use crate::model::ids::IdMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::exact::MONEY_DECIMALS;
use crate::model::{Currency, Money, PartialDate};
use crate::{Error, Result};

/// Exchange rates into one target currency: dated, or annual per US dollar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateTable {
    /// A name for the table, carried into every result, e.g. "IMF monthly averages".
    pub name: String,
    /// When the table was published or fixed, if known; carried into results.
    pub date: Option<NaiveDate>,
    /// The currency every rate converts into.
    pub target: Currency,
    /// For an annual table, what a year without a rate means.
    pub missing_year: MissingYear,
    /// Per source currency, (from, rate) sorted by date: one unit of the
    /// source currency is `rate` units of the target from that day on.
    rates: IdMap<Currency, Vec<(NaiveDate, Decimal)>>,
    /// The annual rates per US dollar, for a table read from the IMF's file.
    per_usd: Option<PerUsd>,
}

/// What an annual table does for a year it has no rate for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingYear {
    /// The conversion fails, naming every missing rate: unknown is unknown.
    #[default]
    Error,
    /// The latest earlier year with both rates is used, and the provenance
    /// ([`RateUsed::year`]) says so.
    LatestEarlier,
}

impl MissingYear {
    /// Every choice.
    pub const ALL: [MissingYear; 2] = [Self::Error, Self::LatestEarlier];

    /// The name, e.g. `"latest_earlier"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::LatestEarlier => "latest_earlier",
        }
    }
}

impl std::str::FromStr for MissingYear {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s || m.as_str().replace('_', "-") == s)
            .ok_or_else(|| Error::Parse {
                what: "missing-year rule",
                input: s.to_owned(),
                reason: "expected error or latest_earlier".to_owned(),
            })
    }
}

/// A year's average rate per US dollar, as a row of its source gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsdRate {
    /// Units of the currency one US dollar buys, on average over the year.
    pub per_usd: Decimal,
    /// The source's own name for itself (the file's `Source`, "IMF").
    pub source: String,
    /// The economy whose row it is, as the source codes it ("U2").
    pub country_code: String,
    /// The economy's name ("Euro Area (EA)").
    pub country: String,
    /// The date of the row (the year's last day).
    pub date: NaiveDate,
    /// The row's line in the file.
    pub line: u64,
}

impl std::fmt::Display for UsdRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {} ({}), {}, line {}",
            self.source, self.country, self.country_code, self.date, self.line
        )
    }
}

/// One currency and year of an annual table.
#[derive(Clone, Debug, PartialEq, Serialize)]
enum Annual {
    Rate(UsdRate),
    /// No rate, and why: rows that disagree with none of them the
    /// issuer's, or a rate with more decimals than exact arithmetic holds.
    Unusable(String),
}

/// A row as read, before a currency's rows of a year are resolved.
enum Row {
    Rate(UsdRate),
    /// A number with more decimals than a `Decimal` holds (28), such as
    /// Brazil's 1950 rate in today's reais: kept out, never rounded.
    Imprecise {
        text: String,
        line: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct PerUsd {
    years: IdMap<Currency, BTreeMap<i32, Annual>>,
    /// Currency codes of the file partnercrm does not know, with their rows.
    unknown: BTreeMap<String, usize>,
}

/// A conversion's arithmetic, exactly as [`RateTable::convert_keyed`] does it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rule {
    /// `amount × rate`, rounded to the target's decimals only where finer
    /// ([`exact::mul_rounded`](crate::model::exact::mul_rounded)).
    Multiply(Decimal),
    /// `amount × numerator ÷ denominator`, rounded to the target's decimals
    /// ([`exact::mul_div_rounded`](crate::model::exact::mul_div_rounded)).
    MultiplyDivide(Decimal, Decimal),
}

/// Which rate converted an amount: small and `Copy`, so that a rollup can
/// tally by it; [`RateTable::describe`] gives its figures and sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// A dated table's rate for `currency`, in force from `from`.
    Dated {
        /// The currency converted.
        currency: Currency,
        /// The day the rate is in force from.
        from: NaiveDate,
    },
    /// An annual table's rates of `year`, for an amount of `amount_year`.
    Annual {
        /// The currency converted.
        currency: Currency,
        /// The year of the rates used.
        year: i32,
        /// The year of the amount (later than `year` only under
        /// [`MissingYear::LatestEarlier`]).
        amount_year: i32,
    },
}

impl RateKey {
    /// The currency converted.
    pub fn currency(&self) -> Currency {
        match self {
            Self::Dated { currency, .. } | Self::Annual { currency, .. } => *currency,
        }
    }
}

/// What a conversion used, in full: what an analyst needs to redo it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateUsed {
    /// The currency converted.
    pub currency: Currency,
    /// The currency converted into.
    pub target: Currency,
    /// One unit of `currency` in `target`. For an annual table this is the
    /// quotient of its two rates to 28 digits, for reading (the conversion
    /// itself divides exactly); `None` if a `Decimal` cannot hold it.
    pub rate: Option<Decimal>,
    /// A dated table's rate: the day it is in force from.
    pub in_force_from: Option<NaiveDate>,
    /// An annual table's rates: the year they are the averages of.
    pub year: Option<i32>,
    /// The year of the amounts converted; differs from `year` only when a
    /// missing year fell back to an earlier one.
    pub amount_year: Option<i32>,
    /// An annual table's rate for `currency`, with its source row; `None`
    /// for the US dollar, the base.
    pub currency_per_usd: Option<UsdRate>,
    /// An annual table's rate for `target`, likewise.
    pub target_per_usd: Option<UsdRate>,
}

impl RateUsed {
    /// Whether the rates are of another year than the amount's.
    pub fn fell_back(&self) -> bool {
        self.year.is_some() && self.year != self.amount_year
    }
}

/// A rate table had no rate for a currency on a date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate table {table:?} has no {currency}→{target} rate {}{}",
    match why { Some(_) => format!("for {}", date.year()), None => format!("in force on {date}") },
    why.as_ref().map_or_else(String::new, |why| format!(": {why}")))]
pub struct MissingRate {
    /// The table's name.
    pub table: String,
    /// The currency that could not be converted.
    pub currency: Currency,
    /// The target currency.
    pub target: Currency,
    /// The date a rate was needed for.
    pub date: NaiveDate,
    /// For an annual table, what it lacks for the year, e.g. "it has no EUR
    /// rate per US dollar for 2025 (its EUR rates run 1999 to 2024)".
    pub why: Option<String>,
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

/// The IMF's codes for the currency unions whose rates it gives as an
/// economy of their own: the issuer of their currency.
const UNION_ISSUERS: [(&str, &str); 4] =
    [("EUR", "U2"), ("XOF", "7A"), ("XAF", "5X"), ("XCD", "5Y")];

/// The columns of the IMF's file, as published.
const IMF_COLUMNS: [&str; 7] = [
    "Date",
    "Rate",
    "Currency",
    "Frequency",
    "Source",
    "Country code",
    "Country",
];

impl RateTable {
    /// An empty table converting into `target`.
    pub fn new(name: impl Into<String>, target: Currency) -> Self {
        Self {
            name: name.into(),
            date: None,
            target,
            missing_year: MissingYear::default(),
            rates: IdMap::default(),
            per_usd: None,
        }
    }

    /// Whether this is an annual table of rates per US dollar.
    pub fn is_annual(&self) -> bool {
        self.per_usd.is_some()
    }

    /// Currency codes an annual table's source has rows for that
    /// partnercrm does not know (historic ones, such as FRF), with how many
    /// rows each: set aside, as no amount can be in them.
    pub fn unknown_currencies(&self) -> Vec<(String, usize)> {
        self.per_usd.as_ref().map_or_else(Vec::new, |p| {
            p.unknown.iter().map(|(c, n)| (c.clone(), *n)).collect()
        })
    }

    /// Adds a rate: from `from` on, one `currency` is `rate` units of the
    /// target. A rate must be more than zero (see [`check_rate`]); else
    /// nothing is added. An annual table takes no dated rates.
    pub fn insert(&mut self, currency: Currency, from: NaiveDate, rate: Decimal) -> Result<()> {
        check_rate(rate).map_err(|reason| Error::Parse {
            what: "exchange rate",
            input: rate.to_string(),
            reason,
        })?;
        if self.per_usd.is_some() {
            return Err(Error::Parse {
                what: "exchange rate",
                input: rate.to_string(),
                reason: format!(
                    "rate table {:?} holds annual rates per US dollar; a dated rate into {} \
                     cannot join them",
                    self.name, self.target
                ),
            });
        }
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
    ///
    /// The IMF's file (columns `Date,Rate,Currency,Frequency,Source,Country
    /// code,Country`) is read as [`RateTable::from_imf_csv`] reads it: its
    /// rates are per US dollar, the other way round, and read as rates into
    /// the target they would all be wrong.
    pub fn from_csv(name: impl Into<String>, target: Currency, text: &str) -> Result<Self> {
        let text = crate::io::text::without_bom(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(csv_error)?.clone();
        if is_imf(&headers) {
            return Self::from_imf_csv(name, target, text);
        }
        let mut table = Self::new(name, target);
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
            let line = line_of(text, &record);
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

    /// Reads the IMF's annual exchange rates as published
    /// (`imf_exchangerates_A_ENDA_USD.csv`: `Date,Rate,Currency,Frequency,
    /// Source,Country code,Country`, where `Rate` is how many units of
    /// `Currency` one US dollar buys, on average over the year that ends on
    /// `Date`), into a table converting to `target` through the dollar. The
    /// module documentation says which row is a currency's rate in a year.
    /// Every bad row is reported, with its line.
    pub fn from_imf_csv(name: impl Into<String>, target: Currency, text: &str) -> Result<Self> {
        let text = crate::io::text::without_bom(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(csv_error)?.clone();
        let mut at = [0usize; 7];
        for (slot, wanted) in at.iter_mut().zip(IMF_COLUMNS) {
            *slot = headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| Error::Parse {
                    what: "IMF rate table",
                    input: headers.iter().collect::<Vec<_>>().join(","),
                    reason: format!(
                        "needs the columns {}; {wanted:?} is missing",
                        IMF_COLUMNS.join(", ")
                    ),
                })?;
        }
        let [
            date_at,
            rate_at,
            currency_at,
            frequency_at,
            source_at,
            code_at,
            country_at,
        ] = at;
        let mut rows: IdMap<Currency, BTreeMap<i32, Vec<Row>>> = IdMap::default();
        let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = line_of(text, &record);
            let field = |at: usize| record.get(at).unwrap_or("");
            let mut why = Vec::new();
            let date = NaiveDate::parse_from_str(field(date_at), "%Y-%m-%d");
            match date {
                Err(_) => why.push(format!("date {:?} is not YYYY-MM-DD", field(date_at))),
                Ok(day) if (day.month(), day.day()) != (12, 31) => why.push(format!(
                    "date {day} is not a year's last day, which dates an annual average"
                )),
                Ok(_) => {}
            }
            let rate = crate::model::exact::parse(field(rate_at));
            let imprecise = rate.is_err() && is_decimal_text(field(rate_at));
            match rate.as_ref().map(|r| check_rate(*r)) {
                Err(_) if imprecise => {}
                Err(_) => why.push(format!("rate {:?} is not a decimal number", field(rate_at))),
                Ok(Err(reason)) => why.push(reason),
                Ok(Ok(())) => {}
            }
            if field(frequency_at) != "A" {
                why.push(format!(
                    "frequency {:?} is not A: the table holds annual averages",
                    field(frequency_at)
                ));
            }
            if !why.is_empty() {
                problems.push(format!("line {line}: {}", why.join("; ")));
                continue;
            }
            let Ok(date) = date else {
                continue;
            };
            let code = field(currency_at);
            let currency = match Currency::from_code(code) {
                Ok(currency) => currency,
                Err(_) => {
                    *unknown.entry(code.to_owned()).or_default() += 1;
                    continue;
                }
            };
            if currency.code() == "USD" {
                continue;
            }
            let row = match rate {
                Ok(per_usd) => Row::Rate(UsdRate {
                    per_usd,
                    source: field(source_at).to_owned(),
                    country_code: field(code_at).to_owned(),
                    country: field(country_at).to_owned(),
                    date,
                    line,
                }),
                Err(_) => Row::Imprecise {
                    text: field(rate_at).to_owned(),
                    line,
                },
            };
            rows.entry(currency)
                .or_default()
                .entry(date.year())
                .or_default()
                .push(row);
        }
        if !problems.is_empty() {
            return Err(Error::Parse {
                what: "IMF rate table",
                input: String::new(),
                reason: problems.join("\n"),
            });
        }
        let years = rows
            .into_iter()
            .map(|(currency, years)| {
                let issuer = UNION_ISSUERS
                    .iter()
                    .find(|(code, _)| *code == currency.code())
                    .map_or_else(|| currency.code()[..2].to_owned(), |(_, u)| (*u).to_owned());
                let years = years
                    .into_iter()
                    .map(|(year, rows)| (year, resolve(currency, year, rows, &issuer)))
                    .collect();
                (currency, years)
            })
            .collect();
        let mut table = Self::new(name, target);
        table.per_usd = Some(PerUsd { years, unknown });
        Ok(table)
    }

    /// Reads a table from a CSV file; see [`RateTable::from_csv`].
    pub fn read_csv(
        name: impl Into<String>,
        target: Currency,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Self> {
        Self::from_csv(name, target, &read_text(path.as_ref())?)
    }

    /// Reads the IMF's file; see [`RateTable::from_imf_csv`].
    pub fn read_imf_csv(
        name: impl Into<String>,
        target: Currency,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Self> {
        Self::from_imf_csv(name, target, &read_text(path.as_ref())?)
    }

    /// The rate for `currency` on `day`: one unit in the target. For an
    /// annual table, the quotient of its two rates, to 28 digits (the
    /// conversion itself divides exactly).
    pub fn rate(
        &self,
        currency: Currency,
        day: NaiveDate,
    ) -> std::result::Result<Decimal, MissingRate> {
        let key = self.key(currency, day)?;
        self.applied_rate(key).ok_or_else(|| {
            self.missing(
                currency,
                day,
                Some(format!(
                    "one {currency} is more {} than partnercrm computes with",
                    self.target
                )),
            )
        })
    }

    /// Which rate converts `currency` on `day`.
    pub fn key(
        &self,
        currency: Currency,
        day: NaiveDate,
    ) -> std::result::Result<RateKey, MissingRate> {
        match &self.per_usd {
            None => {
                let from = if currency == self.target {
                    NaiveDate::MIN
                } else {
                    let missing = || self.missing(currency, day, None);
                    let series = self.rates.get(&currency).ok_or_else(missing)?;
                    let after = series.partition_point(|(from, _)| *from <= day);
                    after
                        .checked_sub(1)
                        .map(|at| series[at].0)
                        .ok_or_else(missing)?
                };
                Ok(RateKey::Dated { currency, from })
            }
            Some(per_usd) => {
                let amount_year = day.year();
                let year = self.annual_year(per_usd, currency, day)?;
                Ok(RateKey::Annual {
                    currency,
                    year,
                    amount_year,
                })
            }
        }
    }

    /// The year of an annual table's rates for an amount of `day`.
    fn annual_year(
        &self,
        per_usd: &PerUsd,
        currency: Currency,
        day: NaiveDate,
    ) -> std::result::Result<i32, MissingRate> {
        let wanted = day.year();
        let legs: Vec<Currency> = [currency, self.target]
            .into_iter()
            .filter(|c| c.code() != "USD" && currency != self.target)
            .collect();
        let has = |c: &Currency, year: i32| {
            matches!(
                per_usd.years.get(c).and_then(|y| y.get(&year)),
                Some(Annual::Rate(_))
            )
        };
        if legs.iter().all(|c| has(c, wanted)) {
            return Ok(wanted);
        }
        // A year whose rate is unusable is never passed over for another.
        let conflicts: Vec<String> = legs
            .iter()
            .filter_map(
                |c| match per_usd.years.get(c).and_then(|y| y.get(&wanted)) {
                    Some(Annual::Unusable(why)) => Some(why.clone()),
                    _ => None,
                },
            )
            .collect();
        if conflicts.is_empty() && self.missing_year == MissingYear::LatestEarlier {
            // The latest year before the one wanted that holds every rate.
            let earlier = legs.first().and_then(|first| {
                per_usd
                    .years
                    .get(first)?
                    .range(..wanted)
                    .rev()
                    .find_map(|(year, _)| legs.iter().all(|c| has(c, *year)).then_some(*year))
            });
            if let Some(year) = earlier {
                return Ok(year);
            }
        }
        let why = if conflicts.is_empty() {
            legs.iter()
                .filter(|c| !has(c, wanted))
                .map(|c| {
                    let span = per_usd
                        .years
                        .get(c)
                        .and_then(|y| Some((y.keys().next()?, y.keys().next_back()?)));
                    match span {
                        Some((first, last)) => format!(
                            "it has no {c} rate per US dollar for {wanted} (its {c} rates run \
                             {first} to {last})"
                        ),
                        None => format!("it has no {c} rates at all"),
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            conflicts.join("; ")
        };
        Err(self.missing(currency, day, Some(why)))
    }

    fn missing(&self, currency: Currency, date: NaiveDate, why: Option<String>) -> MissingRate {
        MissingRate {
            table: self.name.clone(),
            currency,
            target: self.target,
            date,
            why,
        }
    }

    /// An annual table's rate for a currency and year; `None` for the dollar.
    fn usd_rate(&self, currency: Currency, year: i32) -> Option<&UsdRate> {
        match self.per_usd.as_ref()?.years.get(&currency)?.get(&year)? {
            Annual::Rate(rate) => Some(rate),
            Annual::Unusable(_) => None,
        }
    }

    /// Units per US dollar: 1 for the dollar.
    fn per_usd_of(&self, currency: Currency, year: i32) -> Decimal {
        self.usd_rate(currency, year)
            .map_or(Decimal::ONE, |r| r.per_usd)
    }

    fn applied_rate(&self, key: RateKey) -> Option<Decimal> {
        match key {
            RateKey::Dated { currency, from } => Some(
                self.rates
                    .get(&currency)
                    .and_then(|series| {
                        let at = series.binary_search_by_key(&from, |(d, _)| *d).ok()?;
                        Some(series[at].1)
                    })
                    .unwrap_or(Decimal::ONE),
            ),
            RateKey::Annual { currency, year, .. } => {
                let (of, target) = (
                    self.per_usd_of(currency, year),
                    self.per_usd_of(self.target, year),
                );
                target.checked_div(of)
            }
        }
    }

    /// What a rate this table gave is, in full, with its sources.
    pub fn describe(&self, key: RateKey) -> RateUsed {
        let rate = self.applied_rate(key);
        match key {
            RateKey::Dated { currency, from } => RateUsed {
                currency,
                target: self.target,
                rate,
                in_force_from: (from != NaiveDate::MIN).then_some(from),
                year: None,
                amount_year: None,
                currency_per_usd: None,
                target_per_usd: None,
            },
            RateKey::Annual {
                currency,
                year,
                amount_year,
            } => RateUsed {
                currency,
                target: self.target,
                rate,
                in_force_from: None,
                year: Some(year),
                amount_year: Some(amount_year),
                currency_per_usd: self.usd_rate(currency, year).cloned(),
                target_per_usd: self.usd_rate(self.target, year).cloned(),
            },
        }
    }

    /// The decimals a converted amount is rounded to: the target's minor unit.
    pub(crate) fn digits(&self) -> u32 {
        self.target.minor_unit_digits().unwrap_or(MONEY_DECIMALS)
    }

    /// How `key` converts, for a database to convert by the same rule as
    /// [`RateTable::convert_keyed`]; `None` where that would overflow.
    pub(crate) fn rule(&self, key: RateKey) -> Option<Rule> {
        match key {
            RateKey::Dated { .. } => self.applied_rate(key).map(Rule::Multiply),
            RateKey::Annual { currency, year, .. } => Some(Rule::MultiplyDivide(
                self.per_usd_of(self.target, year),
                self.per_usd_of(currency, year),
            )),
        }
    }

    /// Converts an amount given on `day`, rounded as the module documents.
    pub fn convert(
        &self,
        money: &Money,
        day: NaiveDate,
    ) -> std::result::Result<Decimal, ConversionError> {
        self.convert_keyed(money, day).map(|(amount, _)| amount)
    }

    /// Converts as [`RateTable::convert`] does, and says which rate it used.
    pub fn convert_keyed(
        &self,
        money: &Money,
        day: NaiveDate,
    ) -> std::result::Result<(Decimal, RateKey), ConversionError> {
        let key = self.key(money.currency, day)?;
        let digits = self.digits();
        let converted = match key {
            RateKey::Dated { .. } => self
                .applied_rate(key)
                .and_then(|rate| crate::model::exact::mul_rounded(money.amount, rate, digits)),
            RateKey::Annual { currency, year, .. } => crate::model::exact::mul_div_rounded(
                money.amount,
                self.per_usd_of(self.target, year),
                self.per_usd_of(currency, year),
                digits,
            ),
        };
        converted
            .map(|amount| (amount, key))
            .ok_or_else(|| ConversionError::Overflow {
                money: *money,
                rate: self.applied_rate(key).unwrap_or(Decimal::MAX),
            })
    }
}

/// The rate of a currency and year from its rows: the issuer's where they
/// disagree, else the one they agree on.
fn resolve(currency: Currency, year: i32, rows: Vec<Row>, issuer: &str) -> Annual {
    let mut rates = Vec::new();
    for row in rows {
        match row {
            Row::Rate(rate) => rates.push(rate),
            Row::Imprecise { text, line } => {
                return Annual::Unusable(format!(
                    "its {currency} rate for {year}, {text} per US dollar (line {line}), has more \
                     decimals than partnercrm computes with exactly (28)"
                ));
            }
        }
    }
    let agree = |rows: &[&UsdRate]| rows.windows(2).all(|w| w[0].per_usd == w[1].per_usd);
    let all: Vec<&UsdRate> = rates.iter().collect();
    let issuers: Vec<&UsdRate> = rates.iter().filter(|r| r.country_code == issuer).collect();
    let chosen = if agree(&all) {
        all.first()
    } else if agree(&issuers) {
        issuers.first()
    } else {
        None
    };
    match chosen {
        Some(rate) => Annual::Rate((*rate).clone()),
        None => Annual::Unusable(format!(
            "its rows for {currency} in {year} disagree and none is the issuer's ({issuer}): {}",
            rates
                .iter()
                .map(|r| format!("{} per US dollar ({r})", r.per_usd))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// Whether `text` is a plain decimal number, however many digits.
fn is_decimal_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The 1-based line a record starts on. The csv crate places a record of a
/// file with CRLF line ends at the `\n` ending the line before, one line
/// early.
fn line_of(text: &str, record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| {
        let at = usize::try_from(p.byte()).unwrap_or(usize::MAX);
        p.line() + u64::from(text.as_bytes().get(at) == Some(&b'\n'))
    })
}

/// Whether CSV headers are the IMF file's.
fn is_imf(headers: &csv::StringRecord) -> bool {
    IMF_COLUMNS
        .iter()
        .all(|wanted| headers.iter().any(|h| h.eq_ignore_ascii_case(wanted)))
}

fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    crate::io::text::decode(bytes, path)
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
