//! Outcomes against targets, aggregated by each indicator's own rule.
//!
//! `sum` adds the values of all periods, `max` takes the largest, `latest`
//! the one for the latest period. A project's outcomes include those of its
//! child projects: indicators with the same title and unit combine by the
//! same rule, so "people reached" is not counted twice where the rule says
//! it must not be. A qualifier ("more than") is kept with the value. Each
//! outcome says whose indicators it combines ([`Source`]), so that a column
//! of every project's outcomes can be summed without counting a child's
//! indicator twice.
//!
//! Sums are exact. A sum, or an achievement (`actual / target`, as a tiny
//! target makes it), beyond what partnercrm computes with
//! ([`exact::LIMIT`]) is an [`Error::Overflow`] naming the indicators.
//!
//! ```
//! use partnercrm::model::Qualifier;
//! use partnercrm::query::outcomes;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let reached = outcomes::outcomes(&data)?.into_iter().find(|o| o.title == "Displaced people reached").unwrap();
//! assert_eq!(reached.actual.unwrap().to_string(), "600000");
//! assert_eq!(reached.qualifier, Qualifier::MoreThan);
//! # Ok::<(), partnercrm::Error>(())
//! ```

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::model::exact;
use crate::model::{Aggregation, Dataset, Indicator, Observation, ProjectId, Qualifier};
use crate::{Error, Result};

/// One indicator (or one title and unit across a project and its children)
/// against its target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The project the outcome is reported for.
    pub project: ProjectId,
    /// The indicator's title.
    pub title: String,
    /// Its unit.
    pub unit: String,
    /// The rule used to combine values.
    pub aggregation: Aggregation,
    /// The combined target, if any target is recorded.
    pub target: Option<Decimal>,
    /// The combined achieved value, if any is recorded.
    pub actual: Option<Decimal>,
    /// How exact `actual` is: inexact if any value it combines is.
    pub qualifier: Qualifier,
    /// `actual / target`, to four decimals; `None` without both.
    pub achievement: Option<Decimal>,
    /// How many indicators were combined.
    pub indicators: usize,
    /// Whose indicators they are: the project's own, its descendants'
    /// (rolled up), or both.
    pub source: Source,
}

/// Whose indicators an [`Outcome`] combines. A child project's indicator
/// is reported under the child and again, rolled up, under its parent: to
/// count each indicator once, sum the rows whose source is
/// [`Source::Own`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Only the project's own indicators.
    Own,
    /// Only its descendants' indicators, rolled up to it.
    Children,
    /// Its own and its descendants' together.
    OwnAndChildren,
}

impl Source {
    /// The name: `"own"`, `"children"` or `"own_and_children"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Children => "children",
            Self::OwnAndChildren => "own_and_children",
        }
    }
}

/// A sum of values beyond exact arithmetic.
struct Overflowed;

/// The values combined by `rule`, with the qualifier of the result; `None`
/// when there are none.
fn combine(
    rule: Aggregation,
    values: &[&Observation],
) -> std::result::Result<Option<(Decimal, Qualifier)>, Overflowed> {
    let inexact = |obs: &[&Observation]| {
        obs.iter()
            .map(|o| o.qualifier)
            .find(|q| !q.is_exact())
            .unwrap_or(Qualifier::Exact)
    };
    // A value given in words has no number to combine.
    let numbers: Vec<(Decimal, &Observation)> = values
        .iter()
        .filter_map(|o| o.value.map(|v| (v, *o)))
        .collect();
    Ok(match rule {
        Aggregation::Sum if !numbers.is_empty() => {
            let sum = exact::sum(numbers.iter().map(|(v, _)| *v)).ok_or(Overflowed)?;
            Some((sum, inexact(values)))
        }
        Aggregation::Max => numbers
            .iter()
            .max_by_key(|(v, _)| *v)
            .map(|(v, o)| (*v, o.qualifier)),
        Aggregation::Latest => numbers
            .iter()
            .max_by_key(|(v, o)| (o.period.end.or(o.period.start), *v))
            .map(|(v, o)| (*v, o.qualifier)),
        Aggregation::Sum => None,
    })
}

fn outcome(data: &Dataset, project: ProjectId, group: &[&Indicator]) -> Result<Outcome> {
    let first = group[0];
    let rule = first.aggregation;
    let overflow = |what: &str| {
        let title = data.project(project).map_or("", |p| p.title.as_str());
        Error::Overflow {
            what: format!(
                "the {what} of indicator {:?} ({}) of project {title:?}",
                first.title, first.unit
            ),
            records: group.iter().map(|i| i.id.into()).collect(),
        }
    };
    let targets: Vec<&Observation> = group.iter().flat_map(|i| &i.targets).collect();
    let actuals: Vec<&Observation> = group.iter().flat_map(|i| &i.actuals).collect();
    let target = combine(rule, &targets)
        .map_err(|Overflowed| overflow("sum of the targets"))?
        .map(|(v, _)| v);
    let actual =
        combine(rule, &actuals).map_err(|Overflowed| overflow("sum of the actual values"))?;
    // Only quantities are achieved against a target: a score or a
    // category number over another is no share of anything.
    let achievement = match (actual, target) {
        (Some((a, _)), Some(t)) if !t.is_zero() && first.measure.is_quantity() => Some(
            a.checked_div(t)
                .ok_or_else(|| overflow("achievement (actual / target)"))?
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero),
        ),
        _ => None,
    };
    Ok(Outcome {
        project,
        title: first.title.clone(),
        unit: first.unit.clone(),
        aggregation: rule,
        target,
        actual: actual.map(|(v, _)| v),
        qualifier: actual.map_or(Qualifier::Exact, |(_, q)| q),
        achievement,
        indicators: group.len(),
        source: match (
            group.iter().any(|i| i.project == project),
            group.iter().any(|i| i.project != project),
        ) {
            (true, false) => Source::Own,
            (false, _) => Source::Children,
            (true, true) => Source::OwnAndChildren,
        },
    })
}

/// Every project's outcomes, its children's included.
pub fn outcomes(data: &Dataset) -> Result<Vec<Outcome>> {
    let mut all = Vec::new();
    for project in &data.projects {
        all.extend(project_outcomes(data, project.id)?);
    }
    Ok(all)
}

/// A project's outcomes, combining its own and its descendants' indicators
/// that share a title and unit.
pub fn project_outcomes(data: &Dataset, project: ProjectId) -> Result<Vec<Outcome>> {
    let mut family = vec![project];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        for child in data.projects.iter().filter(|p| p.parent == Some(parent)) {
            if !family.contains(&child.id) {
                family.push(child.id);
            }
        }
        i += 1;
    }
    let mut groups: Vec<Vec<&Indicator>> = Vec::new();
    for indicator in data
        .indicators
        .iter()
        .filter(|i| family.contains(&i.project))
    {
        let same = |g: &&mut Vec<&Indicator>| {
            g[0].title.to_lowercase() == indicator.title.to_lowercase()
                && g[0].unit == indicator.unit
                && g[0].aggregation == indicator.aggregation
        };
        match groups.iter_mut().find(same) {
            Some(group) => group.push(indicator),
            None => groups.push(vec![indicator]),
        }
    }
    groups.iter().map(|g| outcome(data, project, g)).collect()
}
