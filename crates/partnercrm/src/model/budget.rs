//! Budgets: what a project's publisher plans to spend, period by period, as
//! IATI's `budget` element holds it.

use chrono::Months;
use serde::{Deserialize, Serialize};

use super::dates::{PartialDate, Period};
use super::money::Money;

/// A project's planned figure for one period: IATI's `budget`.
///
/// A plan, not money given or promised to anyone: budgets are not
/// contributions, so totals of contributions (rollups, portfolios, the
/// report) never count them, and a budget beside the commitment it plans
/// for is not counted twice. The amount is kept exactly as the publisher
/// wrote it, at any precision; it may be zero (a revised budget of zero
/// cuts the period's plan to nothing) or negative (publishers such as the
/// FCDO lower an earlier quarter's plan with a negative one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Original or revised (IATI BudgetType); original when a source does
    /// not say, as IATI assumes.
    #[serde(default)]
    pub kind: BudgetKind,
    /// Indicative or committed (IATI BudgetStatus); indicative when a source
    /// does not say, as IATI assumes.
    #[serde(default)]
    pub status: BudgetStatus,
    /// The period it plans for. IATI requires both ends, and validation
    /// does too; a day, a month or a year (`2020` is the whole year).
    #[serde(default)]
    pub period: Period,
    /// The planned amount in its currency.
    pub value: Money,
    /// The day whose exchange rate converts the amount (IATI's
    /// `value-date`), when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<PartialDate>,
}

impl Budget {
    /// An original, indicative budget of `value` over `period`, with no value date.
    pub const fn new(period: Period, value: Money) -> Self {
        Self {
            kind: BudgetKind::Original,
            status: BudgetStatus::Indicative,
            period,
            value,
            value_date: None,
        }
    }

    /// Whether the period runs longer than a year, which IATI says a budget
    /// must not: its last day is a year or more after its first. `false`
    /// when an end is missing.
    pub fn spans_more_than_a_year(&self) -> bool {
        let (Some(start), Some(end)) = (self.period.start, self.period.end) else {
            return false;
        };
        start
            .earliest()
            .checked_add_months(Months::new(12))
            .is_some_and(|a_year_on| a_year_on <= end.latest())
    }
}

/// Whether a budget is the one first planned or a revision: IATI's
/// BudgetType codelist.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    /// The budget allocated to the activity at first (IATI 1).
    #[default]
    Original,
    /// An updated budget (IATI 2).
    Revised,
}

impl BudgetKind {
    /// Every kind, in code order.
    pub const ALL: [Self; 2] = [Self::Original, Self::Revised];

    /// The IATI BudgetType code.
    pub const fn iati_code(&self) -> u8 {
        match self {
            Self::Original => 1,
            Self::Revised => 2,
        }
    }

    /// The kind an IATI BudgetType code names; `None` for a code the list lacks.
    pub fn from_iati_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.iati_code().to_string() == code.trim())
    }
}

/// Whether a budget binds: IATI's BudgetStatus codelist.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum BudgetStatus {
    /// A non-binding estimate (IATI 1).
    #[default]
    Indicative,
    /// A binding agreement (IATI 2).
    Committed,
}

impl BudgetStatus {
    /// Every status, in code order.
    pub const ALL: [Self; 2] = [Self::Indicative, Self::Committed];

    /// The IATI BudgetStatus code.
    pub const fn iati_code(&self) -> u8 {
        match self {
            Self::Indicative => 1,
            Self::Committed => 2,
        }
    }

    /// The status an IATI BudgetStatus code names; `None` for a code the list lacks.
    pub fn from_iati_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.iati_code().to_string() == code.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::IatiCodelist;
    use crate::model::variant::Named;

    /// The enums say what the official lists say: every code, and its name.
    #[test]
    fn kinds_and_statuses_are_the_iati_codelists() {
        fn same<T: Named + Copy>(list: IatiCodelist, all: &[T], code: impl Fn(T) -> u8) {
            let ours: Vec<(String, String)> = all
                .iter()
                .map(|&v| (code(v).to_string(), v.as_str().to_owned()))
                .collect();
            let official: Vec<(String, String)> = list
                .items()
                .map(|(code, name)| (code.to_owned(), name.to_lowercase()))
                .collect();
            assert_eq!(ours, official, "{list:?}");
        }
        same(IatiCodelist::BudgetType, &BudgetKind::ALL, |k| {
            k.iati_code()
        });
        same(IatiCodelist::BudgetStatus, &BudgetStatus::ALL, |s| {
            s.iati_code()
        });
        assert_eq!(BudgetKind::from_iati_code("2"), Some(BudgetKind::Revised));
        assert_eq!(
            BudgetStatus::from_iati_code(" 2 "),
            Some(BudgetStatus::Committed)
        );
        assert_eq!(BudgetKind::from_iati_code("3"), None);
        assert_eq!(BudgetStatus::from_iati_code("Indicative"), None);
    }

    fn budget(start: &str, end: &str) -> Budget {
        Budget::new(
            Period::between(start.parse().expect("date"), end.parse().expect("date")),
            Money::parse("1000", "USD").expect("money"),
        )
    }

    #[test]
    fn a_year_is_twelve_months_less_a_day() {
        assert!(!budget("2020-01-01", "2020-12-31").spans_more_than_a_year());
        assert!(!budget("2020", "2020").spans_more_than_a_year());
        assert!(!budget("2020-04-01", "2021-03-31").spans_more_than_a_year());
        assert!(budget("2020-01-01", "2021-01-01").spans_more_than_a_year());
        assert!(budget("2020", "2021").spans_more_than_a_year());
        let mut open = budget("2020", "2030");
        open.period.end = None;
        assert!(!open.spans_more_than_a_year());
    }

    #[test]
    fn old_documents_read_with_iati_defaults() {
        let json = r#"{"period":{"start":"2020","end":"2020"},"value":{"amount":"0.125","currency":"JPY"}}"#;
        let read: Budget = serde_json::from_str(json).expect("reads");
        assert_eq!(
            (read.kind, read.status, read.value_date),
            (BudgetKind::Original, BudgetStatus::Indicative, None)
        );
        assert_eq!(read.value.amount.to_string(), "0.125");
        let written = serde_json::to_string(&read).expect("writes");
        assert_eq!(
            written,
            r#"{"kind":"original","status":"indicative","period":{"start":"2020","end":"2020"},"value":{"amount":"0.125","currency":"JPY"}}"#
        );
    }
}
