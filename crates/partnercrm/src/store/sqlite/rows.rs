//! Contributions to SQLite rows and back, through the columns every
//! backend shares ([`columns`](super::super::columns)). SQLite keeps
//! amounts as text, so that no float ever holds one.

use rusqlite::{Row, params};
use rust_decimal::Decimal;

use super::super::columns::{self, ContributionColumns, ContributionParts};
use crate::Result;
use crate::model::Contribution;

pub(super) const CONTRIBUTION_COLUMNS: &str = "id, kind, donor, recipient, basis, amount, currency, date, \
     period_start, period_end, project, agreement, description, payments, allocations";

/// A contribution's column values, ready to bind.
pub(super) struct ContributionRow<'a>(ContributionColumns<'a>);

impl<'a> ContributionRow<'a> {
    pub(super) fn new(c: &'a Contribution) -> Result<Self> {
        Ok(Self(ContributionColumns::new(c)?))
    }

    /// The values to bind: the columns as `?1` to `?14`, the revision as `?15`, allocations as `?16`.
    pub(super) fn execute(
        &self,
        statement: &mut rusqlite::CachedStatement<'_>,
        revision: i64,
    ) -> Result<usize> {
        let c = &self.0;
        Ok(statement.execute(params![
            c.id,
            c.kind,
            c.donor,
            c.recipient,
            c.basis,
            c.amount.map(|a| a.to_string()),
            c.currency,
            c.date,
            c.period_start,
            c.period_end,
            c.project,
            c.agreement,
            c.description,
            c.payments,
            revision,
            c.allocations,
        ])?)
    }
}

fn corrupt(message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, message.into())
}

/// Reads a contribution from a row whose [`CONTRIBUTION_COLUMNS`] start at column `at`.
pub(super) fn contribution_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Contribution> {
    let text = |index: usize| -> rusqlite::Result<Option<&str>> {
        Ok(row.get_ref(at + index)?.as_str_or_null()?)
    };
    let amount = match text(5)? {
        Some(amount) => Some(
            Decimal::from_str_exact(amount)
                .map_err(|_| corrupt(format!("stored amount {amount:?} is not valid")))?,
        ),
        None => None,
    };
    ContributionParts {
        id: row.get(at)?,
        kind: row.get_ref(at + 1)?.as_str()?,
        donor: row.get(at + 2)?,
        recipient: row.get(at + 3)?,
        basis: row.get_ref(at + 4)?.as_str()?,
        amount,
        currency: text(6)?,
        date: text(7)?,
        period_start: text(8)?,
        period_end: text(9)?,
        project: row.get(at + 10)?,
        agreement: row.get(at + 11)?,
        description: row.get(at + 12)?,
        payments: text(13)?,
        allocations: text(14)?,
    }
    .into_contribution()
    .map_err(|columns::Corrupt(message)| corrupt(message))
}
