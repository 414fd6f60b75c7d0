//! Funding rollups: contribution totals grouped by any dimensions, kept per
//! currency, or converted with a named [`RateTable`].
//!
//! Pledged, received and outstanding are reported apart: a pledge counts as
//! pledged on its date and as received as its payments arrive; every other
//! contribution counts as received. An unknown amount is counted as unknown,
//! never as zero.
//!
//! A contribution is placed in time by its date, or else by its period's
//! start ([`Contribution::effective_date`]): a 2004–2005 gift counts in
//! 2004, unless it is asked to be split over its period by the days of it
//! in each year ([`Placement::Spread`]). A total with no known amount is `None`, never zero; under
//! conversion an undated amount stays unconverted in rows of its own
//! currency, or is refused ([`Undated`]).
//!
//! Each contribution is counted once per row it belongs to. Grouping by
//! `recipient_parent` rolls each recipient up to its top-level organisation,
//! so a gift to IOM Colombia counts for IOM, once; `donor_parent` does the
//! same for donors, so the AIG Disaster Relief Fund's gifts count for AIG.
//! `theme` is the one
//! dimension a contribution can appear under more than once: a project with
//! two themes counts under both, so theme rows overlap.
//!
//! ```
//! use partnercrm::io::json;
//! use partnercrm::query::rollup::{Dimension, rollup};
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = json::read(path)?;
//! let totals = rollup(&data, &[Dimension::Donor], None)?;
//! let chevron = totals.rows.iter().find(|r| r.labels[0].as_deref() == Some("Chevron Corporation")).unwrap();
//! assert_eq!(chevron.received.map(|r| r.to_string()).as_deref(), Some("1250000"));
//! // A donor whose every amount is unknown has no total, not a zero.
//! let ubs = totals.rows.iter().find(|r| r.labels[0].as_deref() == Some("UBS")).unwrap();
//! assert_eq!((ubs.currency, ubs.received), (None, None));
//! # Ok::<(), partnercrm::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use std::collections::hash_map::Entry;

use super::rates::{ConversionError, MissingRate, RateKey, RateTable, RateUsed};
use crate::model::exact::{self, MONEY_DECIMALS};
use crate::model::ids::IdMap;
use crate::model::{
    Contribution, ContributionId, ContributionKind, Currency, Dataset, Named, Organisation,
    OrganisationId, OrganisationKind, PartialDate, Precision, Project, ProjectId, apportion, split,
};
use crate::{Error, Result};

/// The kinds of record a rollup reads: contributions, and the
/// organisations and projects that label and group them.
pub const KINDS: &[crate::model::RecordKind] = &[
    crate::model::RecordKind::Contribution,
    crate::model::RecordKind::Organisation,
    crate::model::RecordKind::Project,
];

/// What a rollup can group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The donor organisation.
    Donor,
    /// The donor's top-level organisation: AIG for the AIG Disaster Relief Fund.
    DonorParent,
    /// The donor's kind (government, foundation, ...).
    DonorKind,
    /// The recipient, often a country office.
    Recipient,
    /// The recipient's top-level organisation: IOM for IOM Colombia.
    RecipientParent,
    /// The earmarked project.
    Project,
    /// The recipient's country.
    Country,
    /// Each theme of the earmarked project (rows overlap).
    Theme,
    /// The year of the contribution's date.
    Year,
    /// The month of the contribution's date, when known to the month.
    Month,
    /// Cash, in-kind, pledge or services.
    Kind,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Dimension; 11] = [
        Self::Donor,
        Self::DonorParent,
        Self::DonorKind,
        Self::Recipient,
        Self::RecipientParent,
        Self::Project,
        Self::Country,
        Self::Theme,
        Self::Year,
        Self::Month,
        Self::Kind,
    ];

    /// The dimension's name, e.g. `"recipient_parent"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Donor => "donor",
            Self::DonorParent => "donor_parent",
            Self::DonorKind => "donor_kind",
            Self::Recipient => "recipient",
            Self::RecipientParent => "recipient_parent",
            Self::Project => "project",
            Self::Country => "country",
            Self::Theme => "theme",
            Self::Year => "year",
            Self::Month => "month",
            Self::Kind => "kind",
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| Error::Parse {
                what: "rollup dimension",
                input: s.to_owned(),
                reason: format!(
                    "expected one of {}",
                    Self::ALL.map(|d| d.as_str()).join(", ")
                ),
            })
    }
}

/// One grouping value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Key {
    /// Not known for this contribution (no project, no date, ...).
    Unknown,
    /// An organisation.
    Organisation(OrganisationId),
    /// A project.
    Project(ProjectId),
    /// A year.
    Year(i32),
    /// A year and month.
    Month(i32, u32),
    /// A code or name.
    Text(String),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown => Ok(()),
            Self::Organisation(id) => write!(f, "{id}"),
            Self::Project(id) => write!(f, "{id}"),
            Self::Year(year) => write!(f, "{year}"),
            Self::Month(year, month) => write!(f, "{year:04}-{month:02}"),
            Self::Text(text) => f.write_str(text),
        }
    }
}

/// Totals for one group and one currency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RollupRow {
    /// The group's values, one per dimension.
    pub key: Vec<Key>,
    /// Names for the values that are records (organisation or project), else `None`.
    pub labels: Vec<Option<Arc<str>>>,
    /// The currency of the amounts; `None` for the row of unknown amounts.
    pub currency: Option<Currency>,
    /// Pledged: the amounts of pledges. Each total is `None` in the row of
    /// unknown amounts: a total of no known amount is unknown, never zero.
    pub pledged: Option<Decimal>,
    /// Received: other contributions' amounts, and payments made on pledges.
    pub received: Option<Decimal>,
    /// Outstanding: pledged but not yet paid.
    pub outstanding: Option<Decimal>,
    /// Committed: everything given or promised, that is pledges in full plus
    /// every other contribution (`received + outstanding`).
    pub committed: Option<Decimal>,
    /// How many contributions the row counts.
    pub contributions: usize,
    /// How many of them have no known amount.
    pub unknown_amounts: usize,
}

/// The rate table a rollup converted with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conversion {
    /// The table's name.
    pub table: String,
    /// The table's date.
    pub date: Option<NaiveDate>,
    /// The currency converted into.
    pub target: Currency,
}

/// A rollup's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rollup {
    /// The dimensions grouped by, in order.
    pub group_by: Vec<Dimension>,
    /// The rate table used, if any.
    pub conversion: Option<Conversion>,
    /// One row per group and currency: in the data set's order (records by
    /// position, then dates) for up to four dimensions without themes,
    /// otherwise by name.
    pub rows: Vec<RollupRow>,
    /// For a converted rollup, every rate each row's totals used, by row:
    /// its provenance. A row's [`RatePart::Value`] uses sum to its
    /// `committed` total exactly, and its [`RatePart::Payment`] uses to
    /// what was paid on its pledges (exactly, unless split by allocations,
    /// where each payment's share is rounded on its own). Empty without a
    /// rate table.
    pub rates_used: Vec<RateUse>,
}

/// What a converted amount was: a contribution's value, or a payment made
/// on a pledge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatePart {
    /// A contribution's value: what `committed` totals.
    Value,
    /// A payment on a pledge: what `received` counts of a pledge.
    Payment,
}

impl RatePart {
    /// The name, `"value"` or `"payment"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Payment => "payment",
        }
    }
}

/// One rate a converted rollup row used, and what was converted at it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateUse {
    /// The row, by position in [`Rollup::rows`].
    pub row: usize,
    /// What was converted: values or payments.
    pub part: RatePart,
    /// The rate, its year or day, and its source. Amounts already in the
    /// target are listed too, at a rate of 1 with no year.
    pub rate: RateUsed,
    /// How many amounts were converted at it.
    pub amounts: usize,
    /// Their sum in their own currency (their share, where a contribution
    /// is split across allocations), exactly.
    pub original: Decimal,
    /// Their sum converted, each rounded as the rate table documents.
    pub converted: Decimal,
}

#[derive(Default, Clone)]
struct Totals {
    pledged: Decimal,
    received: Decimal,
    paid_on_pledges: Decimal,
    contributions: usize,
    unknown_amounts: usize,
    /// What each rate converted, for a converted rollup.
    rates: Vec<Tally>,
}

/// Amounts converted at one rate: `None` is no conversion (already in the
/// target currency).
#[derive(Clone, Debug)]
pub(super) struct Tally {
    pub(super) key: Option<RateKey>,
    pub(super) part: RatePart,
    pub(super) amounts: usize,
    pub(super) original: Decimal,
    pub(super) converted: Decimal,
}

impl Tally {
    /// Adds `other`'s amounts, exactly; `false` if a sum overflows.
    fn absorb(&mut self, other: &Tally) -> bool {
        match (
            exact::add(self.original, other.original),
            exact::add(self.converted, other.converted),
        ) {
            (Some(original), Some(converted)) => {
                self.original = original;
                self.converted = converted;
                self.amounts += other.amounts;
                true
            }
            _ => false,
        }
    }
}

/// Adds `more` into `tallies`, by rate and part; `false` on overflow.
fn tally_into(tallies: &mut Vec<Tally>, more: &Tally) -> bool {
    match tallies
        .iter_mut()
        .find(|t| t.key == more.key && t.part == more.part)
    {
        Some(tally) => tally.absorb(more),
        None => {
            tallies.push(more.clone());
            true
        }
    }
}

/// What one contribution adds to a row, and in which currency.
struct Amounts {
    currency: Option<Currency>,
    pledged: Decimal,
    received: Decimal,
    paid_on_pledges: Decimal,
    unknown: bool,
    /// The conversion of the value, for a converted rollup.
    value_rate: Option<Tally>,
    /// The conversions of payments on a pledge.
    payment_rates: Vec<Tally>,
}

struct Lookup<'a> {
    organisations: IdMap<OrganisationId, &'a Organisation>,
    projects: IdMap<ProjectId, &'a Project>,
    top: IdMap<OrganisationId, OrganisationId>,
    /// Positions, so that a grouping key can be a few small integers.
    organisation_index: IdMap<OrganisationId, u64>,
    project_index: IdMap<ProjectId, u64>,
    organisation_ids: Vec<OrganisationId>,
    project_ids: Vec<ProjectId>,
    /// Shared, so that a hundred thousand rows naming one donor share one string.
    organisation_names: Vec<Arc<str>>,
    project_titles: Vec<Arc<str>>,
}

impl<'a> Lookup<'a> {
    fn new(data: &'a Dataset) -> Self {
        let organisations: IdMap<_, _> = data.organisations.iter().map(|o| (o.id, o)).collect();
        let projects = data.projects.iter().map(|p| (p.id, p)).collect();
        let mut top = IdMap::default();
        for org in &data.organisations {
            // Walk up to the root; a cycle (which validation refuses) stops the walk.
            let mut current = org.id;
            for _ in 0..organisations.len() {
                match organisations.get(&current).and_then(|o| o.parent) {
                    Some(parent) if parent != org.id => current = parent,
                    _ => break,
                }
            }
            top.insert(org.id, current);
        }
        Self {
            organisations,
            projects,
            top,
            organisation_index: data
                .organisations
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id, i as u64))
                .collect(),
            project_index: data
                .projects
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id, i as u64))
                .collect(),
            organisation_ids: data.organisations.iter().map(|o| o.id).collect(),
            project_ids: data.projects.iter().map(|p| p.id).collect(),
            organisation_names: data
                .organisations
                .iter()
                .map(|o| Arc::from(o.name.as_str()))
                .collect(),
            project_titles: data
                .projects
                .iter()
                .map(|p| Arc::from(p.title.as_str()))
                .collect(),
        }
    }

    /// A dimension's value as a small integer (0 is unknown), or `None` when
    /// it has no code (themes, or a reference to a record not in the data).
    fn code(
        &self,
        c: &Contribution,
        (project, date): (Option<ProjectId>, Option<PartialDate>),
        dimension: Dimension,
    ) -> Option<u64> {
        let organisation = |id: OrganisationId| self.organisation_index.get(&id).map(|i| i + 1);
        match dimension {
            Dimension::Donor => organisation(c.donor),
            Dimension::Recipient => organisation(c.recipient),
            Dimension::RecipientParent => {
                organisation(self.top.get(&c.recipient).copied().unwrap_or(c.recipient))
            }
            Dimension::DonorParent => {
                organisation(self.top.get(&c.donor).copied().unwrap_or(c.donor))
            }
            Dimension::DonorKind => self.organisations.get(&c.donor).map(|o| {
                OrganisationKind::ALL
                    .iter()
                    .position(|k| *k == o.kind)
                    .map_or(0, |i| i as u64 + 1)
            }),
            Dimension::Project => match project {
                None => Some(0),
                Some(p) => self.project_index.get(&p).map(|i| i + 1),
            },
            Dimension::Country => Some(
                self.organisations
                    .get(&c.recipient)
                    .and_then(|o| o.country)
                    .map_or(0, |code| {
                        code.as_str()
                            .bytes()
                            .fold(0u64, |acc, b| acc << 8 | u64::from(b))
                    }),
            ),
            Dimension::Year => {
                Some(date.map_or(0, |d| (i64::from(d.year_of()) + (1 << 32)) as u64))
            }
            Dimension::Month => Some(match date {
                Some(d) if d.precision() != Precision::Year => {
                    (i64::from(d.year_of()) * 12 + i64::from(d.earliest().month0()) + (1 << 40))
                        as u64
                }
                _ => 0,
            }),
            Dimension::Kind => Some(c.kind as u64 + 1),
            Dimension::Theme => None,
        }
    }

    /// The key a [`Lookup::code`] stands for.
    fn decode(&self, code: u64, dimension: Dimension) -> Key {
        if code == 0 {
            return Key::Unknown;
        }
        let at = (code - 1) as usize;
        match dimension {
            Dimension::Donor
            | Dimension::DonorParent
            | Dimension::Recipient
            | Dimension::RecipientParent => Key::Organisation(self.organisation_ids[at]),
            Dimension::Project => Key::Project(self.project_ids[at]),
            Dimension::DonorKind => Key::Text(OrganisationKind::ALL[at].as_str().to_owned()),
            Dimension::Country => {
                Key::Text(String::from_utf8_lossy(&code.to_be_bytes()[6..]).into_owned())
            }
            Dimension::Year => Key::Year((code as i64 - (1 << 32)) as i32),
            Dimension::Month => {
                let months = code as i64 - (1 << 40);
                Key::Month(
                    months.div_euclid(12) as i32,
                    months.rem_euclid(12) as u32 + 1,
                )
            }
            Dimension::Kind => Key::Text(
                [
                    ContributionKind::Cash,
                    ContributionKind::InKind,
                    ContributionKind::Pledge,
                    ContributionKind::Services,
                ][at]
                    .as_str()
                    .to_owned(),
            ),
            Dimension::Theme => Key::Unknown,
        }
    }

    fn organisation_name(&self, id: OrganisationId) -> Option<Arc<str>> {
        self.organisation_index
            .get(&id)
            .map(|&i| self.organisation_names[i as usize].clone())
    }

    fn project_title(&self, id: ProjectId) -> Option<Arc<str>> {
        self.project_index
            .get(&id)
            .map(|&i| self.project_titles[i as usize].clone())
    }
}

fn keys(
    c: &Contribution,
    (project_id, date): (Option<ProjectId>, Option<PartialDate>),
    dimension: Dimension,
    lookup: &Lookup<'_>,
) -> Vec<Key> {
    let project = project_id.and_then(|p| lookup.projects.get(&p));
    match dimension {
        Dimension::Donor => vec![Key::Organisation(c.donor)],
        Dimension::DonorKind => vec![
            lookup
                .organisations
                .get(&c.donor)
                .map_or(Key::Unknown, |o| Key::Text(o.kind.as_str().to_owned())),
        ],
        Dimension::Recipient => vec![Key::Organisation(c.recipient)],
        Dimension::RecipientParent => {
            vec![Key::Organisation(
                lookup.top.get(&c.recipient).copied().unwrap_or(c.recipient),
            )]
        }
        Dimension::DonorParent => {
            vec![Key::Organisation(
                lookup.top.get(&c.donor).copied().unwrap_or(c.donor),
            )]
        }
        Dimension::Project => vec![project_id.map_or(Key::Unknown, Key::Project)],
        Dimension::Country => vec![
            lookup
                .organisations
                .get(&c.recipient)
                .and_then(|o| o.country)
                .map_or(Key::Unknown, |country| {
                    Key::Text(country.as_str().to_owned())
                }),
        ],
        Dimension::Theme => match project {
            Some(p) if !p.themes.is_empty() => {
                p.themes.iter().map(|t| Key::Text(t.clone())).collect()
            }
            _ => vec![Key::Unknown],
        },
        Dimension::Year => vec![date.map_or(Key::Unknown, |d| Key::Year(d.year_of()))],
        Dimension::Month => vec![match date {
            Some(d) if d.precision() != Precision::Year => {
                Key::Month(d.year_of(), d.earliest().month())
            }
            _ => Key::Unknown,
        }],
        Dimension::Kind => vec![Key::Text(c.kind.as_str().to_owned())],
    }
}

/// `money` in the rate table's currency on `date`, or as it is without one.
pub(crate) fn convert_on(
    rates: Option<&RateTable>,
    money: &crate::model::Money,
    date: Option<PartialDate>,
    id: ContributionId,
) -> Result<Decimal> {
    convert_keyed_on(rates, money, date, id).map(|(amount, _)| amount)
}

/// As [`convert_on`], with the rate used: `None` when there was no
/// conversion. A missing rate is [`Error::MissingRates`], naming `id`.
fn convert_keyed_on(
    rates: Option<&RateTable>,
    money: &crate::model::Money,
    date: Option<PartialDate>,
    id: ContributionId,
) -> Result<(Decimal, Option<RateKey>)> {
    match rates {
        None => Ok((money.amount, None)),
        Some(table) if money.currency == table.target => Ok((money.amount, None)),
        Some(table) => {
            let day: NaiveDate = date.map(|d| d.earliest()).ok_or(Error::Undated {
                record: id.into(),
                currency: money.currency,
                target: table.target,
            })?;
            match table.convert_keyed(money, day) {
                Ok((amount, key)) => Ok((amount, Some(key))),
                Err(ConversionError::Overflow { money, rate }) => Err(Error::Overflow {
                    what: format!(
                        "{money} converted at rate table {:?}'s {}→{} rate of {rate}",
                        table.name, money.currency, table.target
                    ),
                    records: vec![id.into()],
                }),
                Err(ConversionError::MissingRate(missing)) => Err(Error::MissingRates {
                    missing: vec![(missing, vec![id.into()])],
                }),
            }
        }
    }
}

/// One conversion's tally, for a converted rollup.
fn tally(
    rates: Option<&RateTable>,
    key: Option<RateKey>,
    part: RatePart,
    original: Decimal,
    converted: Decimal,
) -> Option<Tally> {
    rates.map(|_| Tally {
        key,
        part,
        amounts: 1,
        original,
        converted,
    })
}

/// Keeps the missing rates of `result` in `missing` and goes on with
/// `None`, so that every rate a contribution lacks is named at once.
fn or_missing<T>(
    result: Result<T>,
    missing: &mut Vec<(MissingRate, Vec<crate::model::RecordRef>)>,
) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::MissingRates { missing: more }) => {
            missing.extend(more);
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

fn amounts(c: &Contribution, rates: Option<&RateTable>) -> Result<Amounts> {
    let mut out = Amounts {
        currency: None,
        pledged: Decimal::ZERO,
        received: Decimal::ZERO,
        paid_on_pledges: Decimal::ZERO,
        unknown: false,
        value_rate: None,
        payment_rates: Vec::new(),
    };
    let mut missing = Vec::new();
    let mut paid = Decimal::ZERO;
    for payment in &c.payments {
        let converted = convert_keyed_on(rates, &payment.amount, Some(payment.date), c.id);
        let Some((amount, key)) = or_missing(converted, &mut missing)? else {
            continue;
        };
        paid = exact::add(paid, amount).ok_or_else(|| Error::Overflow {
            what: "the total of a pledge's payments".to_owned(),
            records: vec![c.id.into()],
        })?;
        if let Some(t) = tally(rates, key, RatePart::Payment, payment.amount.amount, amount)
            && !tally_into(&mut out.payment_rates, &t)
        {
            return Err(Error::Overflow {
                what: "the total of a pledge's payments in one currency".to_owned(),
                records: vec![c.id.into()],
            });
        }
    }
    let value = c
        .value
        .money()
        .map(|money| convert_keyed_on(rates, money, c.effective_date(), c.id))
        .transpose();
    let value = or_missing(value, &mut missing)?;
    if !missing.is_empty() {
        return Err(Error::MissingRates { missing });
    }
    let in_rows_of = |currency: Currency| Some(rates.map_or(currency, |t| t.target));
    match c.value.money() {
        Some(money) => {
            out.currency = in_rows_of(money.currency);
            let (value, key) = value.flatten().unwrap_or((money.amount, None));
            out.value_rate = tally(rates, key, RatePart::Value, money.amount, value);
            if c.kind == ContributionKind::Pledge {
                out.pledged = value;
                out.received = paid;
                out.paid_on_pledges = paid;
            } else {
                out.received = value;
            }
        }
        None => {
            // Payments on a pledge of unknown size are still money received;
            // what remains outstanding is unknown, so none is claimed.
            out.unknown = true;
            out.currency = c
                .payments
                .first()
                .and_then(|p| in_rows_of(p.amount.currency));
            out.received = paid;
        }
    }
    Ok(out)
}

/// `total × part / whole`, a share to apportion: multiplied first where the
/// product fits, so that the share is exact, else divided first.
fn share_of(total: Decimal, part: Decimal, whole: Decimal) -> Option<Decimal> {
    total
        .checked_mul(part)
        .and_then(|product| product.checked_div(whole))
        .or_else(|| part.checked_div(whole)?.checked_mul(total))
}

/// Splits a contribution's amounts across its allocations (the leftover stays
/// with its own project), each measure apportioned so the parts sum exactly.
fn allocated(
    c: &Contribution,
    whole: Amounts,
    rates: Option<&RateTable>,
) -> Result<Vec<(Option<ProjectId>, Amounts)>> {
    let Some(money) = c.value.money() else {
        return Ok(vec![(c.project, whole)]);
    };
    let weights = split(
        money.amount,
        &c.allocations,
        digits_of(money.currency, money.amount),
    )
    .ok_or_else(|| overflow_splitting(c))?;
    if money.amount.is_zero() {
        return Ok(vec![(c.project, whole)]);
    }
    let parts = shared(c, whole, &weights, rates)?;
    let projects = c
        .allocations
        .iter()
        .map(|a| Some(a.project))
        .chain(std::iter::once(c.project));
    Ok(projects
        .zip(parts)
        .filter(|(project, part)| {
            *project != c.project || !(part.pledged.is_zero() && part.received.is_zero())
        })
        .collect())
}

fn overflow_splitting(c: &Contribution) -> Error {
    Error::Overflow {
        what: "splitting a contribution across its allocations or its period".to_owned(),
        records: vec![c.id.into()],
    }
}

/// The decimals shares are apportioned to: the currency's minor unit, or
/// the amount's own last decimal where that is finer (an amount held to
/// twelve decimals is split to twelve, not rounded to cents).
fn digits_of(currency: Currency, amount: Decimal) -> u32 {
    currency
        .minor_unit_digits()
        .unwrap_or(MONEY_DECIMALS)
        .max(amount.normalize().scale())
}

/// A contribution's amounts in parts by `weights` (which must not sum to
/// zero), each measure apportioned so that the parts sum exactly to it: the
/// last part is the rest.
fn shared(
    c: &Contribution,
    whole: Amounts,
    weights: &[Decimal],
    rates: Option<&RateTable>,
) -> Result<Vec<Amounts>> {
    let overflow = || overflow_splitting(c);
    let Some(money) = c.value.money() else {
        return Ok(vec![whole]);
    };
    let all = exact::sum(weights.iter().copied()).ok_or_else(overflow)?;
    if all.is_zero() {
        return Ok(vec![whole]);
    }
    // Converted totals are booked in the target currency, others in their own.
    let booked_in = rates.map_or(money.currency, |t| t.target);
    let share_in = |total: Decimal, currency: Currency| -> Result<Vec<Decimal>> {
        let exact: Vec<Decimal> = weights
            .iter()
            .map(|w| share_of(total, *w, all))
            .collect::<Option<_>>()
            .ok_or_else(overflow)?;
        // A converted total is booked to the target's minor unit; one in
        // the target currency already is as precise as it was given.
        let digits = digits_of(currency, total);
        let mut parts = apportion(total, &exact, digits).ok_or_else(overflow)?;
        // A share of a near-limit amount may have been rounded beyond its
        // 28th digit, and the parts then miss the total by a unit: the last
        // is the rest, so they sum exactly.
        if let Some((last, others)) = parts.split_last_mut() {
            let allocated = exact::sum(others.iter().copied()).ok_or_else(overflow)?;
            *last = exact::sub(total, allocated).ok_or_else(overflow)?;
        }
        Ok(parts)
    };
    let share = |total: Decimal| share_in(total, booked_in);
    // A tally's share of each piece: its converted amounts as the measures
    // are (so a value's shares are the pledged or received shares), its
    // original ones in their own currency's unit.
    let shares_of = |t: &Tally| -> Result<Vec<Tally>> {
        let own = t
            .key
            .map_or_else(|| rates.map(|r| r.target), |k| Some(k.currency()))
            .unwrap_or(booked_in);
        let (original, converted) = (share_in(t.original, own)?, share(t.converted)?);
        Ok(original
            .into_iter()
            .zip(converted)
            .map(|(original, converted)| Tally {
                original,
                converted,
                ..t.clone()
            })
            .collect())
    };
    let value_rates = whole.value_rate.as_ref().map(shares_of).transpose()?;
    let payment_rates = whole
        .payment_rates
        .iter()
        .map(shares_of)
        .collect::<Result<Vec<_>>>()?;
    let (pledged, received, paid) = (
        share(whole.pledged)?,
        share(whole.received)?,
        share(whole.paid_on_pledges)?,
    );
    Ok((0..weights.len())
        .map(|i| Amounts {
            currency: whole.currency,
            pledged: pledged[i],
            received: received[i],
            paid_on_pledges: paid[i],
            unknown: whole.unknown,
            value_rate: value_rates.as_ref().and_then(|v| v.get(i).cloned()),
            payment_rates: payment_rates
                .iter()
                .filter_map(|p| p.get(i).cloned())
                .collect(),
        })
        .collect())
}

/// The calendar years (or months, for [`Precision::Month`]) a
/// contribution's period covers, each with its days in the period, when
/// the period has both ends, the amount is known, and it covers more than
/// one: what [`Placement::Spread`] splits it over.
fn spans(c: &Contribution, unit: Precision) -> Option<Vec<(PartialDate, u32)>> {
    c.value.money()?;
    let (first, last) = (c.period.start?.earliest(), c.period.end?.latest());
    if last < first {
        return None;
    }
    let bucket = |day: NaiveDate| match unit {
        Precision::Month => PartialDate::Month {
            year: day.year(),
            month: day.month(),
        },
        _ => PartialDate::Year(day.year()),
    };
    let mut out: Vec<(PartialDate, u32)> = Vec::new();
    let mut day = first;
    while day <= last {
        let this = bucket(day);
        // The bucket's last day, or the period's.
        let end = this.latest().min(last);
        let days = (end - day).num_days() as u32 + 1;
        out.push((this, days));
        day = end.succ_opt()?;
    }
    (out.len() > 1).then_some(out)
}

impl Totals {
    /// This row's amounts with `pledged`, `received` and `paid` (on
    /// pledges) added, exactly; or the name of the total that overflows.
    fn plus(
        &self,
        pledged: Decimal,
        received: Decimal,
        paid: Decimal,
    ) -> std::result::Result<(Decimal, Decimal, Decimal), &'static str> {
        // Most contributions are not pledges: skip the decimal additions of zero.
        let sum = |total: Decimal, more: Decimal, name| {
            if more.is_zero() {
                Ok(total)
            } else {
                exact::add(total, more).ok_or(name)
            }
        };
        Ok((
            sum(self.pledged, pledged, "pledged")?,
            sum(self.received, received, "received")?,
            sum(self.paid_on_pledges, paid, "paid")?,
        ))
    }
}

/// Adds a contribution's amounts to a row's; on overflow, names the total
/// that overflowed and leaves the row as it was.
fn add(totals: &mut Totals, a: &Amounts) -> std::result::Result<(), &'static str> {
    let sums = totals.plus(a.pledged, a.received, a.paid_on_pledges)?;
    for t in a.value_rate.iter().chain(&a.payment_rates) {
        if !tally_into(&mut totals.rates, t) {
            return Err("converted at one rate");
        }
    }
    (totals.pledged, totals.received, totals.paid_on_pledges) = sums;
    totals.contributions += 1;
    totals.unknown_amounts += usize::from(a.unknown);
    Ok(())
}

/// Adds `a` to the row at `key`; on overflow, the key and the total's name.
fn add_at<K: std::hash::Hash + Eq + Clone>(
    map: &mut IdMap<K, Totals>,
    key: K,
    a: &Amounts,
) -> std::result::Result<(), (K, &'static str)> {
    match map.entry(key) {
        Entry::Occupied(mut row) => add(row.get_mut(), a).map_err(|name| (row.key().clone(), name)),
        Entry::Vacant(row) => {
            let mut totals = Totals::default();
            add(&mut totals, a).map_err(|name| (row.key().clone(), name))?;
            row.insert(totals);
            Ok(())
        }
    }
}

/// The one key of a single-valued dimension (every dimension but theme).
fn single_key(
    c: &Contribution,
    placed: (Option<ProjectId>, Option<PartialDate>),
    dimension: Dimension,
    lookup: &Lookup<'_>,
) -> Key {
    match dimension {
        Dimension::Donor => Key::Organisation(c.donor),
        Dimension::Recipient => Key::Organisation(c.recipient),
        Dimension::Year => placed.1.map_or(Key::Unknown, |d| Key::Year(d.year_of())),
        other => keys(c, placed, other, lookup)
            .into_iter()
            .next()
            .unwrap_or(Key::Unknown),
    }
}

type Groups = IdMap<(Vec<Key>, Option<Currency>), Totals>;
/// A chunk's totals, and the rates it lacked with what lacked them.
type Chunk = (Groups, FastGroups, Missing);
type Missing = Vec<(MissingRate, Vec<crate::model::RecordRef>)>;
type FastGroups = IdMap<([u64; COMPACT_DIMENSIONS], Option<Currency>), Totals>;

/// Groupings of up to this many dimensions use integer keys.
const COMPACT_DIMENSIONS: usize = 4;

/// A row a piece of a contribution is totalled in: its key, as small
/// integers or as keys, and its currency.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Coded([u64; COMPACT_DIMENSIONS], Option<Currency>),
    Keyed(Vec<Key>, Option<Currency>),
}

/// Why totalling a chunk stopped.
enum Stop {
    /// A contribution's own amounts could not be computed.
    Failed(Error),
    /// A row's total overflowed.
    Overflowed(Slot, &'static str),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

/// How a rollup groups: what every contribution is keyed by.
/// What a converted rollup does with a contribution that has no date, so
/// that no rate can be chosen for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undated {
    /// Leave it unconverted, in its own currency: its rows are apart from
    /// the converted ones (their currency is not the target, and they list
    /// no rate), so every total is still of one currency.
    #[default]
    Row,
    /// Refuse the rollup with [`Error::Undated`].
    Error,
}

impl FromStr for Undated {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "row" => Ok(Self::Row),
            "error" => Ok(Self::Error),
            other => Err(Error::Parse {
                what: "undated",
                input: other.to_owned(),
                reason: "expected \"row\" or \"error\"".to_owned(),
            }),
        }
    }
}

/// Where a piece of a contribution is totalled: its project, and the date
/// it is placed on.
type Placed = (Option<ProjectId>, Option<PartialDate>);

/// Where in time a contribution with a period is counted, when the year
/// or month is a dimension.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Wholly on its date, or else its period's start: a 2004–2005 gift
    /// counts in 2004.
    #[default]
    Start,
    /// Split over its period, by the days of it in each year (or month),
    /// apportioned so that the parts sum exactly to the whole: of a USD
    /// 850,000 gift for 2004–2005, 425,581.40 in 2004 (366 days) and
    /// 424,418.60 in 2005 (365). It counts in the row of each year it is
    /// split into. A contribution with no end to its period, or an
    /// unknown amount, is placed as by `Start`. A converted amount is
    /// converted once, at its date's rate, and then split.
    Spread,
}

impl FromStr for Placement {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "start" => Ok(Self::Start),
            "spread" => Ok(Self::Spread),
            other => Err(Error::Parse {
                what: "placement",
                input: other.to_owned(),
                reason: "expected \"start\" or \"spread\"".to_owned(),
            }),
        }
    }
}

/// How [`rollup_with`] treats undated and multi-year contributions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupOptions {
    /// What a conversion does with an undated amount.
    pub undated: Undated,
    /// Where a contribution with a period is counted.
    pub placement: Placement,
}

struct Grouping<'g, 'a> {
    group_by: &'g [Dimension],
    rates: Option<&'g RateTable>,
    undated: Undated,
    /// The calendar unit gifts are spread over, when they are.
    spread: Option<Precision>,
    lookup: &'g Lookup<'a>,
    single_valued: bool,
    compact: bool,
    /// Allocations matter only where the project (or its themes) is a key.
    splits_by_project: bool,
}

impl<'g, 'a> Grouping<'g, 'a> {
    fn new(
        group_by: &'g [Dimension],
        rates: Option<&'g RateTable>,
        options: RollupOptions,
        lookup: &'g Lookup<'a>,
    ) -> Self {
        let single_valued = !group_by.contains(&Dimension::Theme);
        let spread = match options.placement {
            Placement::Start => None,
            Placement::Spread if group_by.contains(&Dimension::Month) => Some(Precision::Month),
            Placement::Spread if group_by.contains(&Dimension::Year) => Some(Precision::Year),
            Placement::Spread => None,
        };
        Self {
            group_by,
            rates,
            undated: options.undated,
            spread,
            lookup,
            single_valued,
            compact: single_valued && group_by.len() <= COMPACT_DIMENSIONS,
            splits_by_project: group_by
                .iter()
                .any(|d| matches!(d, Dimension::Project | Dimension::Theme)),
        }
    }

    /// A contribution's amounts, split across its allocations where the
    /// project is a key, and over its period where that is asked for and
    /// the year or month is a key; each piece with where it is placed.
    fn pieces(&self, c: &Contribution) -> Result<Vec<(Placed, Amounts)>> {
        let rates = self.rates_for(c);
        let whole = amounts(c, rates)?;
        let by_project = if self.splits_by_project && !c.allocations.is_empty() {
            allocated(c, whole, rates)?
        } else {
            vec![(c.project, whole)]
        };
        let date = c.effective_date();
        let Some(buckets) = self.spread.and_then(|unit| spans(c, unit)) else {
            return Ok(by_project
                .into_iter()
                .map(|(p, a)| ((p, date), a))
                .collect());
        };
        let weights: Vec<Decimal> = buckets
            .iter()
            .map(|(_, days)| Decimal::from(*days))
            .collect();
        let mut out = Vec::with_capacity(by_project.len() * buckets.len());
        for (project, a) in by_project {
            for ((bucket, _), part) in buckets.iter().zip(shared(c, a, &weights, rates)?) {
                out.push(((project, Some(*bucket)), part));
            }
        }
        Ok(out)
    }

    /// The rates `c` is converted at: none for an undated amount in
    /// another currency than the target, unless asked to refuse it.
    fn rates_for(&self, c: &Contribution) -> Option<&'g RateTable> {
        let rates = self.rates?;
        let undated = c.effective_date().is_none()
            && c.value.money().is_some_and(|m| m.currency != rates.target);
        match (undated, self.undated) {
            (true, Undated::Row) => None,
            _ => Some(rates),
        }
    }

    /// Calls `row` with every row a piece of `c` (earmarked for `project`)
    /// is totalled in: one, except for themes.
    fn rows_of(
        &self,
        c: &Contribution,
        placed: (Option<ProjectId>, Option<PartialDate>),
        currency: Option<Currency>,
        mut row: impl FnMut(Slot),
    ) {
        let (group_by, lookup) = (self.group_by, self.lookup);
        if self.compact {
            // The common case: a handful of integers, hashed in a few steps.
            let mut codes = [0u64; COMPACT_DIMENSIONS];
            let mut coded = true;
            for (slot, &d) in codes.iter_mut().zip(group_by) {
                match lookup.code(c, placed, d) {
                    Some(code) => *slot = code,
                    None => coded = false,
                }
            }
            if coded {
                return row(Slot::Coded(codes, currency));
            }
        }
        if self.single_valued {
            // One key per dimension.
            let key: Vec<Key> = group_by
                .iter()
                .map(|&d| single_key(c, placed, d, lookup))
                .collect();
            return row(Slot::Keyed(key, currency));
        }
        // The cross product of each dimension's keys: one key each, except themes.
        let mut combos: Vec<Vec<Key>> = vec![Vec::with_capacity(group_by.len())];
        for &dimension in group_by {
            let options = keys(c, placed, dimension, lookup);
            if options.len() == 1 {
                let only = options.into_iter().next().unwrap_or(Key::Unknown);
                for combo in &mut combos {
                    combo.push(only.clone());
                }
            } else {
                combos = combos
                    .into_iter()
                    .flat_map(|combo| {
                        options
                            .iter()
                            .map(move |k| [combo.clone(), vec![k.clone()]].concat())
                    })
                    .collect();
            }
        }
        for combo in combos {
            row(Slot::Keyed(combo, currency));
        }
    }

    fn total_chunk(&self, chunk: &[Contribution]) -> std::result::Result<Chunk, Stop> {
        let mut groups = Groups::default();
        let mut fast = FastGroups::default();
        let mut missing = Vec::new();
        for c in chunk {
            let pieces = match self.pieces(c) {
                Ok(pieces) => pieces,
                // Every missing rate is named at once: the others go on.
                Err(Error::MissingRates { missing: more }) => {
                    missing.extend(more);
                    continue;
                }
                Err(error) => return Err(Stop::Failed(error)),
            };
            for (placed, a) in pieces {
                let mut overflowed = None;
                self.rows_of(c, placed, a.currency, |slot| {
                    if overflowed.is_some() {
                        return;
                    }
                    let added = match slot {
                        Slot::Coded(codes, currency) => add_at(&mut fast, (codes, currency), &a)
                            .map_err(|((codes, currency), name)| {
                                (Slot::Coded(codes, currency), name)
                            }),
                        Slot::Keyed(key, currency) => add_at(&mut groups, (key, currency), &a)
                            .map_err(|((key, currency), name)| (Slot::Keyed(key, currency), name)),
                    };
                    overflowed = added.err();
                });
                if let Some((slot, name)) = overflowed {
                    return Err(Stop::Overflowed(slot, name));
                }
            }
        }
        Ok((groups, fast, missing))
    }

    /// The contributions a row counts, in the data set's order: what an
    /// overflowing total is made of.
    fn contributions_in(&self, data: &Dataset, wanted: &Slot) -> Vec<crate::model::RecordRef> {
        data.contributions
            .iter()
            .filter(|c| {
                // A contribution whose own amounts fail is reported on its own.
                let Ok(pieces) = self.pieces(c) else {
                    return false;
                };
                let mut found = false;
                for (placed, a) in pieces {
                    self.rows_of(c, placed, a.currency, |slot| found |= slot == *wanted);
                }
                found
            })
            .map(|c| c.id.into())
            .collect()
    }

    /// The key of a row, decoded.
    fn key_of(&self, slot: &Slot) -> (Vec<Key>, Option<Currency>) {
        match slot {
            Slot::Coded(codes, currency) => (
                self.group_by
                    .iter()
                    .zip(codes)
                    .map(|(&d, &code)| self.lookup.decode(code, d))
                    .collect(),
                *currency,
            ),
            Slot::Keyed(key, currency) => (key.clone(), *currency),
        }
    }

    /// The error for a row whose `total` overflowed, naming its
    /// contributions.
    fn overflow(&self, data: &Dataset, slot: &Slot, total: &str) -> Error {
        let (key, currency) = self.key_of(slot);
        let mut row: Vec<String> = self
            .group_by
            .iter()
            .zip(&key)
            .map(|(dimension, key)| {
                let value = match key {
                    Key::Unknown => "unknown".to_owned(),
                    Key::Organisation(id) => self
                        .lookup
                        .organisation_name(*id)
                        .map_or_else(|| id.to_string(), |name| name.to_string()),
                    Key::Project(id) => self
                        .lookup
                        .project_title(*id)
                        .map_or_else(|| id.to_string(), |title| title.to_string()),
                    other => other.to_string(),
                };
                format!("{dimension} {value}")
            })
            .collect();
        if row.is_empty() {
            row.push("of all contributions".to_owned());
        }
        let currency = currency.map_or_else(|| "no currency".to_owned(), |c| c.to_string());
        Error::Overflow {
            what: format!(
                "the {total} total of the rollup row {}, in {currency}",
                row.join(", ")
            ),
            records: self.contributions_in(data, slot),
        }
    }
}

/// Contributions per parallel task: one task per core (each chunk's groups
/// must be merged, so fewer, larger chunks are cheaper), but not tiny.
fn chunk_size(contributions: usize) -> usize {
    contributions
        .div_ceil(rayon::current_num_threads().max(1))
        .max(16 * 1024)
}

/// Adds a chunk's row into the whole's at `key`; on overflow, the key and
/// the total's name.
fn merge_at<K: std::hash::Hash + Eq + Clone>(
    map: &mut IdMap<K, Totals>,
    key: K,
    t: Totals,
) -> std::result::Result<(), (K, &'static str)> {
    match map.entry(key) {
        Entry::Vacant(row) => {
            row.insert(t);
            Ok(())
        }
        Entry::Occupied(mut row) => {
            let into = row.get_mut();
            match into.plus(t.pledged, t.received, t.paid_on_pledges) {
                Ok((pledged, received, paid)) => {
                    for more in &t.rates {
                        if !tally_into(&mut into.rates, more) {
                            return Err((row.key().clone(), "converted at one rate"));
                        }
                    }
                    (into.pledged, into.received, into.paid_on_pledges) = (pledged, received, paid);
                    into.contributions += t.contributions;
                    into.unknown_amounts += t.unknown_amounts;
                    Ok(())
                }
                Err(name) => Err((row.key().clone(), name)),
            }
        }
    }
}

/// Totals the contributions of `data` grouped by `group_by`, per currency,
/// or converted with `rates`.
///
/// Every total is exact. One beyond what partnercrm computes with
/// ([`exact::LIMIT`]) is [`Error::Overflow`], naming the row's
/// contributions; so is a conversion or an allocation that overflows,
/// naming its contribution. Under conversion, a contribution with no
/// date in another currency than the target stays unconverted in rows of
/// its own currency ([`Undated::Row`]); [`rollup_with`] can refuse it.
pub fn rollup(data: &Dataset, group_by: &[Dimension], rates: Option<&RateTable>) -> Result<Rollup> {
    rollup_with(data, group_by, rates, RollupOptions::default())
}

/// [`rollup`], saying what to do with undated contributions a conversion
/// cannot choose a rate for ([`Undated`]) and where a contribution with a
/// period is counted ([`Placement`]).
pub fn rollup_with(
    data: &Dataset,
    group_by: &[Dimension],
    rates: Option<&RateTable>,
    options: RollupOptions,
) -> Result<Rollup> {
    let lookup = Lookup::new(data);
    let grouping = Grouping::new(group_by, rates, options, &lookup);
    let overflow = |slot: &Slot, total: &str| grouping.overflow(data, slot, total);
    // Each chunk totals on its own core; chunk results merge in order, so
    // the first error reported is the first in the data.
    let chunks: Vec<std::result::Result<Chunk, Stop>> = data
        .contributions
        .par_chunks(chunk_size(data.contributions.len()))
        .map(|chunk| grouping.total_chunk(chunk))
        .collect();
    let mut groups = Groups::default();
    let mut fast = FastGroups::default();
    let mut missing: Missing = Vec::new();
    for chunk in chunks {
        let (slow, quick, lacked) = match chunk {
            Ok(totals) => totals,
            Err(_) if !missing.is_empty() => break,
            Err(Stop::Failed(error)) => return Err(error),
            Err(Stop::Overflowed(slot, total)) => return Err(overflow(&slot, total)),
        };
        missing.extend(lacked);
        if !missing.is_empty() {
            continue;
        }
        for (key, t) in slow {
            merge_at(&mut groups, key, t)
                .map_err(|((key, currency), total)| overflow(&Slot::Keyed(key, currency), total))?;
        }
        for (key, t) in quick {
            merge_at(&mut fast, key, t).map_err(|((codes, currency), total)| {
                overflow(&Slot::Coded(codes, currency), total)
            })?;
        }
    }
    if !missing.is_empty() {
        return Err(Error::MissingRates {
            missing: by_rate(missing),
        });
    }
    let row =
        |key: Vec<Key>, currency: Option<Currency>, t: Totals| -> Option<(RollupRow, Vec<Tally>)> {
            let outstanding = exact::sub(t.pledged, t.paid_on_pledges)?;
            let committed = exact::add(t.received, outstanding)?;
            // The row without a currency holds only unknown amounts.
            let known = |total: Decimal| currency.map(|_| total);
            let row = RollupRow {
                labels: key
                    .iter()
                    .map(|k| match k {
                        Key::Organisation(id) => lookup.organisation_name(*id),
                        Key::Project(id) => lookup.project_title(*id),
                        _ => None,
                    })
                    .collect(),
                key,
                currency,
                pledged: known(t.pledged),
                received: known(t.received),
                outstanding: known(outstanding),
                committed: known(committed),
                contributions: t.contributions,
                unknown_amounts: t.unknown_amounts,
            };
            Some((row, t.rates))
        };
    let currency_code = |c: &Option<Currency>| c.map(|c| c.code());
    // Integer-keyed groups come out in the data set's order (records by
    // position, then dates), which sorts integers rather than names.
    let mut coded: Vec<_> = fast.into_iter().collect();
    coded.sort_unstable_by(|(a, _), (b, _)| {
        a.0.cmp(&b.0)
            .then_with(|| currency_code(&a.1).cmp(&currency_code(&b.1)))
    });
    let mut rows: Vec<(RollupRow, Vec<Tally>)> = Vec::with_capacity(coded.len() + groups.len());
    for ((codes, currency), t) in coded {
        let slot = Slot::Coded(codes, currency);
        let (key, _) = grouping.key_of(&slot);
        rows.push(row(key, currency, t).ok_or_else(|| overflow(&slot, "committed"))?);
    }
    // The rest (themes, or references to records outside the data) by name.
    let mut named: Vec<(RollupRow, Vec<Tally>)> = Vec::with_capacity(groups.len());
    for ((key, currency), t) in groups {
        match row(key.clone(), currency, t) {
            Some(r) => named.push(r),
            None => return Err(overflow(&Slot::Keyed(key, currency), "committed")),
        }
    }
    named.sort_unstable_by(|(a, _), (b, _)| {
        a.labels
            .cmp(&b.labels)
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| currency_code(&a.currency).cmp(&currency_code(&b.currency)))
    });
    rows.extend(named);
    let mut rates_used = Vec::new();
    if let Some(table) = rates {
        for (at, (_, tallies)) in rows.iter_mut().enumerate() {
            rates_used.extend(rate_uses(table, at, std::mem::take(tallies)));
        }
    }
    Ok(Rollup {
        group_by: group_by.to_vec(),
        conversion: rates.map(|t| Conversion {
            table: t.name.clone(),
            date: t.date,
            target: t.target,
        }),
        rows: rows.into_iter().map(|(row, _)| row).collect(),
        rates_used,
    })
}

/// What a converted row's tallies say: each rate in full, values first,
/// then by currency and year.
pub(super) fn rate_uses(table: &RateTable, at: usize, tallies: Vec<Tally>) -> Vec<RateUse> {
    let mut uses: Vec<RateUse> = tallies
        .into_iter()
        .map(|t| RateUse {
            row: at,
            part: t.part,
            rate: match t.key {
                Some(key) => table.describe(key),
                None => RateUsed {
                    currency: table.target,
                    target: table.target,
                    rate: Some(Decimal::ONE),
                    in_force_from: None,
                    year: None,
                    amount_year: None,
                    currency_per_usd: None,
                    target_per_usd: None,
                },
            },
            amounts: t.amounts,
            original: t.original,
            converted: t.converted,
        })
        .collect();
    uses.sort_by(|a, b| {
        (a.part != RatePart::Value)
            .cmp(&(b.part != RatePart::Value))
            .then_with(|| a.rate.currency.code().cmp(b.rate.currency.code()))
            .then_with(|| a.rate.amount_year.cmp(&b.rate.amount_year))
            .then_with(|| a.rate.year.cmp(&b.rate.year))
            .then_with(|| a.rate.in_force_from.cmp(&b.rate.in_force_from))
    });
    uses
}

/// [`rollup_with`] of the contributions `store` holds, now or as recorded
/// at `as_of`: totalled by the database where it can
/// ([`pushdown`](super::pushdown): PostgreSQL, per currency, for most
/// dimensions), else by reading the kinds a rollup needs in one snapshot.
/// The two agree exactly.
pub fn rollup_stored(
    store: &crate::store::Store,
    group_by: &[Dimension],
    rates: Option<&RateTable>,
    options: RollupOptions,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Rollup> {
    if as_of.is_none()
        && options.placement == Placement::Start
        && let Some(pushed) = super::pushdown::rollup(store, group_by, rates, options.undated)?
    {
        return Ok(pushed);
    }
    let data = store.dataset_of(KINDS, as_of)?;
    rollup_with(&data, group_by, rates, options)
}

/// Missing rates grouped by what is missing: a currency on a day (a dated
/// table) or in a year (an annual one), each with every record needing it,
/// in the order first met.
fn by_rate(missing: Missing) -> Missing {
    let mut out: Missing = Vec::new();
    let mut at: IdMap<(Currency, Option<i32>, Option<NaiveDate>), usize> = IdMap::default();
    for (rate, records) in missing {
        let key = match rate.why {
            Some(_) => (rate.currency, Some(rate.date.year()), None),
            None => (rate.currency, None, Some(rate.date)),
        };
        match at.get(&key) {
            Some(&i) => out[i].1.extend(records),
            None => {
                at.insert(key, out.len());
                out.push((rate, records));
            }
        }
    }
    out
}
