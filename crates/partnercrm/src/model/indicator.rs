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

/// What an indicator's values are (IATI IndicatorMeasure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A count of units, zero or more (IATI 1, "Unit").
    Count,
    /// A percentage, 0 to 100 (IATI 2).
    Percentage,
    /// A number that names a category, not a quantity (IATI 3).
    Nominal,
    /// A number that ranks, such as a score on a scale (IATI 4).
    Ordinal,
    /// Words: each value is its comment, a number only where one is given
    /// (IATI 5).
    Qualitative,
}

impl Measure {
    /// Whether values are quantities, which totals and achievements
    /// (actual against target) can be made of.
    pub const fn is_quantity(&self) -> bool {
        matches!(self, Self::Count | Self::Percentage)
    }

    /// The IATI IndicatorMeasure code.
    pub const fn iati_code(&self) -> u8 {
        match self {
            Self::Count => 1,
            Self::Percentage => 2,
            Self::Nominal => 3,
            Self::Ordinal => 4,
            Self::Qualitative => 5,
        }
    }
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
    /// The number, exact as given; `None` when the source gives only words
    /// (a qualitative value, or a period reported in its comment alone).
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Decimal>,
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
            value: Some(value),
            qualifier: Qualifier::Exact,
            period: Period::OPEN,
            comment: None,
        }
    }

    /// A value given in words only, with no period.
    pub fn words(comment: impl Into<String>) -> Self {
        Self {
            value: None,
            qualifier: Qualifier::Exact,
            period: Period::OPEN,
            comment: Some(comment.into()),
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
        match (self.value, self.qualifier.label()) {
            (Some(value), "") => write!(f, "{value}"),
            (Some(value), label) => write!(f, "{label} {value}"),
            (None, _) => write!(f, "{:?}", self.comment.as_deref().unwrap_or("")),
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
