//! Contributions to rows and back.
//!
//! Document kinds are stored as their JSON form (the same as in the JSON
//! document) beside key columns. Contributions get typed columns: they are
//! the kind that runs to millions and that analytics read.

use rusqlite::{Row, params};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::{
    Contribution, ContributionKind, ContributionValue, Currency, Money, PartialDate, Period,
};
use crate::{Error, Result};

pub(super) const CONTRIBUTION_COLUMNS: &str = "id, kind, donor, recipient, basis, amount, currency, date, \
     period_start, period_end, project, agreement, description, payments, allocations";

/// A contribution's column values, in [`CONTRIBUTION_COLUMNS`] order.
pub(super) struct ContributionRow<'a> {
    id: Uuid,
    kind: &'static str,
    donor: Uuid,
    recipient: Uuid,
    basis: &'static str,
    amount: Option<String>,
    currency: Option<&'static str>,
    date: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
    project: Option<Uuid>,
    agreement: Option<Uuid>,
    description: Option<&'a str>,
    payments: Option<String>,
    allocations: Option<String>,
}

impl<'a> ContributionRow<'a> {
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
            amount: money.map(|m| m.amount.to_string()),
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

    /// The values to bind: the columns as `?1` to `?14`, the revision as `?15`, allocations as `?16`.
    pub(super) fn execute(
        &self,
        statement: &mut rusqlite::CachedStatement<'_>,
        revision: i64,
    ) -> Result<usize> {
        Ok(statement.execute(params![
            self.id,
            self.kind,
            self.donor,
            self.recipient,
            self.basis,
            self.amount,
            self.currency,
            self.date,
            self.period_start,
            self.period_end,
            self.project,
            self.agreement,
            self.description,
            self.payments,
            revision,
            self.allocations,
        ])?)
    }
}

fn kind_str(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::Cash => "cash",
        ContributionKind::InKind => "in_kind",
        ContributionKind::Pledge => "pledge",
        ContributionKind::Services => "services",
    }
}

fn corrupt(what: &'static str, input: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} {:?} is not valid", input.into()).into(),
    )
}

/// Reads a contribution from a row whose [`CONTRIBUTION_COLUMNS`] start at column `at`.
pub(super) fn contribution_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Contribution> {
    let date = |index: usize| -> rusqlite::Result<Option<PartialDate>> {
        row.get::<_, Option<String>>(at + index)?
            .map(|text| text.parse().map_err(|_| corrupt("date", text)))
            .transpose()
    };
    let kind = match row.get_ref(at + 1)?.as_str()? {
        "cash" => ContributionKind::Cash,
        "in_kind" => ContributionKind::InKind,
        "pledge" => ContributionKind::Pledge,
        "services" => ContributionKind::Services,
        other => return Err(corrupt("contribution kind", other)),
    };
    let money = match (
        row.get::<_, Option<String>>(at + 5)?,
        row.get::<_, Option<String>>(at + 6)?,
    ) {
        (Some(amount), Some(currency)) => Some(Money {
            amount: Decimal::from_str_exact(&amount).map_err(|_| corrupt("amount", amount))?,
            currency: Currency::from_code(&currency).map_err(|_| corrupt("currency", currency))?,
        }),
        _ => None,
    };
    let value = match (row.get_ref(at + 4)?.as_str()?, money) {
        ("unknown", _) => ContributionValue::Unknown,
        ("actual", Some(money)) => ContributionValue::Actual { money },
        ("estimated", Some(money)) => ContributionValue::Estimated { money },
        (other, _) => return Err(corrupt("value basis", other)),
    };
    let payments = match row.get::<_, Option<String>>(at + 13)? {
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("payments", text))?,
        None => Vec::new(),
    };
    let allocations = match row.get::<_, Option<String>>(at + 14)? {
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("allocations", text))?,
        None => Vec::new(),
    };
    Ok(Contribution {
        id: row.get::<_, Uuid>(at)?.into(),
        kind,
        donor: row.get::<_, Uuid>(at + 2)?.into(),
        recipient: row.get::<_, Uuid>(at + 3)?.into(),
        value,
        date: date(7)?,
        period: Period {
            start: date(8)?,
            end: date(9)?,
        },
        project: row.get::<_, Option<Uuid>>(at + 10)?.map(Into::into),
        agreement: row.get::<_, Option<Uuid>>(at + 11)?.map(Into::into),
        description: row.get(at + 12)?,
        payments,
        allocations,
    })
}
