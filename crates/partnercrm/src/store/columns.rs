//! A contribution as typed columns, and back: one mapping for every
//! backend, so that the SQLite file and a PostgreSQL database store the same
//! values under the same names.
//!
//! Document kinds are stored as their JSON form (the same as in the JSON
//! document) beside key columns. Contributions get typed columns: they are
//! the kind that runs to millions and that analytics read.

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::{
    Contribution, ContributionKind, ContributionValue, Currency, Money, PartialDate, Period,
};
use crate::{Error, Result};

/// A contribution's column values.
pub(super) struct ContributionColumns<'a> {
    pub id: Uuid,
    pub kind: &'static str,
    pub donor: Uuid,
    pub recipient: Uuid,
    /// `unknown`, `actual` or `estimated`.
    pub basis: &'static str,
    pub amount: Option<Decimal>,
    pub currency: Option<&'static str>,
    pub date: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub project: Option<Uuid>,
    pub agreement: Option<Uuid>,
    pub description: Option<&'a str>,
    /// JSON, or `None` when there are none.
    pub payments: Option<String>,
    /// JSON, or `None` when there are none.
    pub allocations: Option<String>,
}

impl<'a> ContributionColumns<'a> {
    pub(super) fn new(c: &'a Contribution) -> Result<Self> {
        let (basis, money) = match &c.value {
            ContributionValue::Unknown => ("unknown", None),
            ContributionValue::Actual { money } => ("actual", Some(money)),
            ContributionValue::Estimated { money } => ("estimated", Some(money)),
        };
        let json = |what: &'static str, value: Result<String, serde_json::Error>| {
            value.map_err(|e| Error::Parse {
                what,
                input: c.id.to_string(),
                reason: e.to_string(),
            })
        };
        let payments = if c.payments.is_empty() {
            None
        } else {
            Some(json("payments", serde_json::to_string(&c.payments))?)
        };
        let allocations = if c.allocations.is_empty() {
            None
        } else {
            Some(json("allocations", serde_json::to_string(&c.allocations))?)
        };
        Ok(Self {
            id: *c.id.as_uuid(),
            kind: kind_str(c.kind),
            donor: *c.donor.as_uuid(),
            recipient: *c.recipient.as_uuid(),
            basis,
            amount: money.map(|m| m.amount),
            currency: money.map(|m| m.currency.code()),
            date: c.date.map(|d| d.to_string()),
            period_start: c.period.start.map(|d| d.to_string()),
            period_end: c.period.end.map(|d| d.to_string()),
            project: c.project.map(|p| *p.as_uuid()),
            agreement: c.agreement.map(|a| *a.as_uuid()),
            description: c.description.as_deref(),
            payments,
            allocations,
        })
    }
}

/// The stored name of a contribution kind.
pub(super) fn kind_str(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::Cash => "cash",
        ContributionKind::InKind => "in_kind",
        ContributionKind::Pledge => "pledge",
        ContributionKind::Services => "services",
    }
}

/// A contribution's columns as a backend read them.
pub(super) struct ContributionParts<'r> {
    pub id: Uuid,
    pub kind: &'r str,
    pub donor: Uuid,
    pub recipient: Uuid,
    pub basis: &'r str,
    pub amount: Option<Decimal>,
    pub currency: Option<&'r str>,
    pub date: Option<&'r str>,
    pub period_start: Option<&'r str>,
    pub period_end: Option<&'r str>,
    pub project: Option<Uuid>,
    pub agreement: Option<Uuid>,
    pub description: Option<String>,
    pub payments: Option<&'r str>,
    pub allocations: Option<&'r str>,
}

/// A stored value that is not one partnercrm writes: which, and what it holds.
pub(super) struct Corrupt(pub String);

fn corrupt(what: &str, input: &str) -> Corrupt {
    Corrupt(format!("stored {what} {input:?} is not valid"))
}

impl ContributionParts<'_> {
    /// The contribution the columns hold.
    pub(super) fn into_contribution(self) -> Result<Contribution, Corrupt> {
        let date = |text: Option<&str>| -> Result<Option<PartialDate>, Corrupt> {
            text.map(|t| t.parse().map_err(|_| corrupt("date", t)))
                .transpose()
        };
        let kind = match self.kind {
            "cash" => ContributionKind::Cash,
            "in_kind" => ContributionKind::InKind,
            "pledge" => ContributionKind::Pledge,
            "services" => ContributionKind::Services,
            other => return Err(corrupt("contribution kind", other)),
        };
        let money = match (self.amount, self.currency) {
            (Some(amount), Some(currency)) => Some(Money {
                amount,
                currency: Currency::from_code(currency)
                    .map_err(|_| corrupt("currency", currency))?,
            }),
            _ => None,
        };
        let value = match (self.basis, money) {
            ("unknown", _) => ContributionValue::Unknown,
            ("actual", Some(money)) => ContributionValue::Actual { money },
            ("estimated", Some(money)) => ContributionValue::Estimated { money },
            (other, _) => return Err(corrupt("value basis", other)),
        };
        let payments = match self.payments {
            Some(text) => serde_json::from_str(text).map_err(|_| corrupt("payments", text))?,
            None => Vec::new(),
        };
        let allocations = match self.allocations {
            Some(text) => serde_json::from_str(text).map_err(|_| corrupt("allocations", text))?,
            None => Vec::new(),
        };
        Ok(Contribution {
            id: self.id.into(),
            kind,
            donor: self.donor.into(),
            recipient: self.recipient.into(),
            value,
            date: date(self.date)?,
            period: Period {
                start: date(self.period_start)?,
                end: date(self.period_end)?,
            },
            project: self.project.map(Into::into),
            agreement: self.agreement.map(Into::into),
            description: self.description,
            payments,
            allocations,
        })
    }
}
