//! Outcome indicators: what a project set out to achieve, and what it did.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::dates::Period;
use super::ids::{IndicatorId, ProjectId};
use super::narrative::Narrative;

/// A measured outcome of a project, such as "displaced people reached".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable identifier.
    pub id: IndicatorId,
    /// The project it measures.
    pub project: ProjectId,
    /// What is measured, e.g. "Solar lanterns distributed".
    pub title: String,
    /// The title in every language the source gives, when it gives more
    /// than `title` alone or names its language (IATI narratives).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title_narratives: Vec<Narrative>,
    /// What one unit is, e.g. "lanterns" or "people".
    pub unit: String,
    /// Whether values are counts or percentages.
    pub measure: Measure,
    /// How values across periods and child projects combine, so that
    /// "people reached" is not counted twice.
    pub aggregation: Aggregation,
    /// The value before the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Observation>,
    /// What the project aimed for, by period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Observation>,
    /// What it achieved, by period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actuals: Vec<Observation>,
}

impl Indicator {
    /// A new indicator with a fresh id and no values.
    pub fn new(
        project: ProjectId,
        title: impl Into<String>,
        unit: impl Into<String>,
        measure: Measure,
        aggregation: Aggregation,
    ) -> Self {
        Self {
            id: IndicatorId::new(),
            project,
            title: title.into(),
            title_narratives: Vec::new(),
            unit: unit.into(),
            measure,
            aggregation,
            baseline: None,
            targets: Vec::new(),
            actuals: Vec::new(),
        }
    }
}

/// What kind of number an indicator holds (IATI IndicatorMeasure 1 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A count of units, zero or more.
    Count,
    /// A percentage, 0 to 100.
    Percentage,
}

/// How an indicator's values combine across periods and child projects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Values for disjoint periods add up, e.g. lanterns distributed.
    Sum,
    /// The largest value stands, e.g. peak caseload.
    Max,
    /// The most recent value stands, e.g. a cumulative count.
    Latest,
}

/// A value of an indicator, for a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The number, exact as given.
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    /// How exact the source is: "more than 600,000" keeps its "more than".
    #[serde(default, skip_serializing_if = "Qualifier::is_exact")]
    pub qualifier: Qualifier,
    /// The period the value is for; open ends when the source gives none.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
    /// Context, e.g. which event reached the people counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Observation {
    /// An exact value with no period.
    pub fn exact(value: Decimal) -> Self {
        Self {
            value,
            qualifier: Qualifier::Exact,
            period: Period::OPEN,
            comment: None,
        }
    }

    /// A qualified value with no period.
    pub fn qualified(qualifier: Qualifier, value: Decimal) -> Self {
        Self {
            qualifier,
            ..Self::exact(value)
        }
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier.label() {
            "" => write!(f, "{}", self.value),
            label => write!(f, "{label} {}", self.value),
        }
    }
}

/// How exact a reported value is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// Exactly this value.
    #[default]
    Exact,
    /// About this value ("rund 1.500").
    About,
    /// More than this value ("mehr als 600.000", "über 16.000").
    MoreThan,
    /// At least this value.
    AtLeast,
    /// Fewer than this value.
    LessThan,
    /// At most this value.
    AtMost,
}

impl Qualifier {
    /// Whether the value is exact.
    pub fn is_exact(&self) -> bool {
        *self == Self::Exact
    }

    /// Words to put before the value in a report; empty when exact.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Exact => "",
            Self::About => "about",
            Self::MoreThan => "more than",
            Self::AtLeast => "at least",
            Self::LessThan => "less than",
            Self::AtMost => "at most",
        }
    }
}
