//! The partnership report: who the partners are, what was agreed and given,
//! what it achieved, and how the groups changed over time.
//!
//! Amounts are totalled per currency, exactly: a total beyond what
//! partnercrm computes with ([`exact::LIMIT`]) is an error naming the
//! donor's contributions. Nothing is summed across currencies
//! unless [`ReportOptions::rates`] names a rate table: then every amount is
//! converted at the rate in force on its date, as [`rollup`](super::rollup)
//! converts, and the report names the table.
//!
//! [`ReportOptions`] also narrows the report to one partner (its
//! [`portfolio`](super::portfolio)) and shows it as it stood on a day: only
//! facts known to date from on or before that day are in it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::rates::RateTable;
use super::rollup::Conversion;
use crate::model::exact;
use crate::model::ids::IdSet;
use crate::model::{
    ChairRole, Contribution, Currency, Dataset, Group, Indicator, Observation, OrganisationId,
    OrganisationKind, PartialDate,
};
use crate::{Error, Result};

/// What a report covers and how it totals money; the default is everything,
/// as recorded, per currency.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportOptions<'r> {
    /// Show the report as it stood on this day: agreements signed,
    /// contributions dated, values reported and group events dated on or
    /// before it, and group members on it. Facts without a date are left
    /// out, as they cannot be placed.
    pub on: Option<NaiveDate>,
    /// Convert every amount into this table's currency, at the rate in force
    /// on the contribution's date. A contribution without a date, or a
    /// currency the table has no rate for then, is an error, never a zero.
    pub rates: Option<&'r RateTable>,
    /// Only what concerns this organisation: its agreements, the
    /// contributions it gave or received, its projects' outcomes, the
    /// groups it belongs to or chairs, and the partners it shares them with.
    pub partner: Option<OrganisationId>,
}

/// A partnership report built from a data set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartnershipReport {
    /// The data set's title.
    pub title: String,
    /// The partner the report is narrowed to, by its short name.
    pub partner: Option<String>,
    /// The day the report shows the data as of.
    pub on: Option<NaiveDate>,
    /// The rate table amounts were converted with, if any.
    pub conversion: Option<Conversion>,
    /// Organisations by kind, each sorted by name.
    pub partners_by_kind: Vec<(OrganisationKind, Vec<String>)>,
    /// Every agreement, by signing date.
    pub agreements: Vec<AgreementLine>,
    /// Contribution totals by donor and currency.
    pub contributions: Vec<DonorTotals>,
    /// The latest achieved value of every indicator.
    pub outcomes: Vec<OutcomeLine>,
    /// For each top-level group, its history.
    pub groups: Vec<GroupTimeline>,
}

/// One agreement in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgreementLine {
    /// When it was signed, if known.
    pub signed: Option<PartialDate>,
    /// Its kind, as a label.
    pub kind: &'static str,
    /// Its title.
    pub title: String,
    /// Its parties' short names.
    pub parties: Vec<String>,
}

/// What one donor gave.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DonorTotals {
    /// The donor's short name.
    pub donor: String,
    /// Known amounts (actual or estimated), totalled per currency, or in
    /// the one target currency when converted.
    pub totals: BTreeMap<Currency, Decimal>,
    /// How many contributions have no known amount: never counted as zero.
    pub unknown_amounts: usize,
    /// How many contributions in all.
    pub count: usize,
}

/// One outcome in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeLine {
    /// The project's title.
    pub project: String,
    /// The indicator's title.
    pub indicator: String,
    /// The latest target, with its qualifier.
    pub target: Option<String>,
    /// The latest achieved value, with its qualifier, e.g. "more than 600000".
    pub achieved: Option<String>,
    /// The unit.
    pub unit: String,
}

/// A group's history: names, joins, departures and chairs, in date order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupTimeline {
    /// The group's current name.
    pub name: String,
    /// Dated events.
    pub events: Vec<(Option<PartialDate>, String)>,
    /// How many members it has today (open-ended memberships), or on the
    /// report's day.
    pub current_members: usize,
}

impl PartnershipReport {
    /// Builds the report of everything, per currency. Fails only when a
    /// donor's total in a currency is beyond what partnercrm computes with
    /// exactly ([`Error::Overflow`](crate::Error::Overflow)).
    pub fn build(data: &Dataset) -> Result<Self> {
        Self::build_with(data, &ReportOptions::default())
    }

    /// Builds the report with `options`. Fails when converting (a
    /// contribution without a date, or without a rate in force on its date,
    /// or a converted amount beyond exact arithmetic) and when a donor's
    /// total is beyond exact arithmetic.
    pub fn build_with(data: &Dataset, options: &ReportOptions<'_>) -> Result<Self> {
        let Some(rates) = options.rates else {
            return Self::assemble(data, options, |c| {
                Ok(c.value.money().map(|m| (m.currency, m.amount)))
            });
        };
        let mut report = Self::assemble(data, options, |c| {
            c.value
                .money()
                .map(|money| {
                    super::rollup::convert_on(Some(rates), money, c.effective_date(), c.id)
                        .map(|amount| (rates.target, amount))
                })
                .transpose()
        })?;
        report.conversion = Some(Conversion {
            table: rates.name.clone(),
            date: rates.date,
            target: rates.target,
        });
        Ok(report)
    }

    fn assemble(
        data: &Dataset,
        options: &ReportOptions<'_>,
        mut value: impl FnMut(&Contribution) -> Result<Option<(Currency, Decimal)>>,
    ) -> Result<Self> {
        let short = |id: OrganisationId| short_name(data, id);
        let by_then = |date: Option<PartialDate>| match options.on {
            Some(day) => date.is_some_and(|d| d.earliest() <= day),
            None => true,
        };
        let scope = options
            .partner
            .map(|partner| super::portfolio::portfolio(data, partner, None));

        // Organisations: all, or the partner and those it shares something with.
        let linked: Option<IdSet<OrganisationId>> =
            scope.as_ref().zip(options.partner).map(|(scope, partner)| {
                let mut ids: IdSet<OrganisationId> = IdSet::default();
                ids.insert(partner);
                for a in &scope.agreements {
                    ids.extend(a.parties.iter().map(|p| p.organisation));
                }
                for c in &scope.contributions {
                    ids.extend([c.donor, c.recipient]);
                }
                for p in &scope.projects {
                    ids.extend(p.lead_office);
                    ids.extend(p.partners.iter().map(|pp| pp.organisation));
                }
                ids
            });
        let mut by_kind: BTreeMap<OrganisationKind, Vec<String>> = BTreeMap::new();
        for org in data
            .organisations
            .iter()
            .filter(|o| linked.as_ref().is_none_or(|ids| ids.contains(&o.id)))
        {
            by_kind.entry(org.kind).or_default().push(org.name.clone());
        }
        let partners_by_kind = by_kind
            .into_iter()
            .map(|(kind, mut names)| {
                names.sort_by_key(|n| n.to_lowercase());
                (kind, names)
            })
            .collect();

        let in_scope = scope.as_ref().unwrap_or(data);
        let mut agreements: Vec<AgreementLine> = in_scope
            .agreements
            .iter()
            .filter(|a| by_then(a.signed))
            .map(|a| AgreementLine {
                signed: a.signed,
                kind: a.kind.label(),
                title: a.title.clone(),
                parties: a.parties.iter().map(|p| short(p.organisation)).collect(),
            })
            .collect();
        agreements.sort_by(|a, b| a.signed.cmp(&b.signed).then_with(|| a.title.cmp(&b.title)));

        let mut donors: BTreeMap<String, DonorTotals> = BTreeMap::new();
        let counted = || {
            in_scope
                .contributions
                .iter()
                .filter(|c| by_then(c.effective_date()))
        };
        for contribution in counted() {
            let donor = short(contribution.donor);
            let entry = donors.entry(donor.clone()).or_insert_with(|| DonorTotals {
                donor,
                totals: BTreeMap::new(),
                unknown_amounts: 0,
                count: 0,
            });
            entry.count += 1;
            match value(contribution)? {
                Some((currency, amount)) => {
                    let total = entry.totals.entry(currency).or_default();
                    match exact::add(*total, amount) {
                        Some(sum) => *total = sum,
                        None => {
                            // What the total is made of: the donor's other
                            // contributions counted in that currency.
                            let mut records = Vec::new();
                            for c in counted().filter(|c| short(c.donor) == entry.donor) {
                                if value(c)?.is_some_and(|(other, _)| other == currency) {
                                    records.push(c.id.into());
                                }
                            }
                            return Err(Error::Overflow {
                                what: format!(
                                    "the report's total of contributions from {} in {currency}",
                                    entry.donor
                                ),
                                records,
                            });
                        }
                    }
                }
                None => entry.unknown_amounts += 1,
            }
        }

        let observed = |values: &[Observation]| -> Vec<Observation> {
            values
                .iter()
                .filter(|o| options.on.is_none() || by_then(o.period.end.or(o.period.start)))
                .cloned()
                .collect()
        };
        let projects: Option<IdSet<_>> = scope
            .as_ref()
            .map(|s| s.projects.iter().map(|p| p.id).collect());
        let outcomes = data
            .indicators
            .iter()
            .filter(|i: &&Indicator| projects.as_ref().is_none_or(|p| p.contains(&i.project)))
            .map(|indicator| OutcomeLine {
                project: data
                    .project(indicator.project)
                    .map_or_else(String::new, |p| p.title.clone()),
                indicator: indicator.title.clone(),
                target: latest(&observed(&indicator.targets)),
                achieved: latest(&observed(&indicator.actuals)),
                unit: indicator.unit.clone(),
            })
            .collect();

        let groups_in_scope: Option<IdSet<_>> = scope.as_ref().map(|s| {
            s.groups
                .iter()
                .flat_map(|g| [Some(g.id), g.parent])
                .flatten()
                .collect()
        });
        let groups = data
            .groups
            .iter()
            .filter(|g| g.parent.is_none())
            .filter(|g| {
                groups_in_scope
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&g.id))
            })
            .map(|g| timeline(data, g, options.on))
            .collect();

        Ok(Self {
            title: data
                .title
                .clone()
                .unwrap_or_else(|| "Partnership report".to_owned()),
            partner: options.partner.map(short),
            on: options.on,
            conversion: None,
            partners_by_kind,
            agreements,
            contributions: donors.into_values().collect(),
            outcomes,
            groups,
        })
    }
}

/// The value for the latest period, as "more than 600000".
fn latest(values: &[Observation]) -> Option<String> {
    values
        .iter()
        .max_by_key(|o| o.period.end.or(o.period.start))
        .map(ToString::to_string)
}

fn short_name(data: &Dataset, id: OrganisationId) -> String {
    data.organisation(id).map_or_else(
        || id.to_string(),
        |o| o.acronym.clone().unwrap_or_else(|| o.name.clone()),
    )
}

fn timeline(data: &Dataset, group: &Group, on: Option<NaiveDate>) -> GroupTimeline {
    let by_then =
        |date: &Option<PartialDate>| on.is_none_or(|day| date.is_some_and(|d| d.earliest() <= day));
    let mut events: BTreeMap<Option<PartialDate>, Vec<String>> = BTreeMap::new();
    let mut push =
        |date: Option<PartialDate>, text: String| events.entry(date).or_default().push(text);

    for name in &group.names {
        push(name.period.start, format!("known as {}", name.name));
    }
    let mut joined: BTreeMap<Option<PartialDate>, Vec<String>> = BTreeMap::new();
    for membership in &group.memberships {
        joined
            .entry(membership.period.start)
            .or_default()
            .push(short_name(data, membership.organisation));
        if let Some(end) = membership.period.end.filter(|end| by_then(&Some(*end))) {
            push(
                Some(end),
                format!("left: {}", short_name(data, membership.organisation)),
            );
        }
    }
    for (date, members) in joined {
        push(
            date,
            format!("joined ({}): {}", members.len(), members.join(", ")),
        );
    }
    for term in group.chairs.iter().filter(|c| c.role == ChairRole::Chair) {
        let until = term
            .period
            .end
            .filter(|end| by_then(&Some(*end)))
            .map(|e| format!(" until {e}"))
            .unwrap_or_default();
        push(
            term.period.start,
            format!("chair: {}{until}", short_name(data, term.organisation)),
        );
    }
    for sub in data.groups.iter().filter(|g| g.parent == Some(group.id)) {
        let co_chairs: Vec<String> = sub
            .chairs
            .iter()
            .map(|c| short_name(data, c.organisation))
            .collect();
        push(
            sub.period.start,
            format!(
                "{}: {}, co-chaired by {}",
                kind_label(sub),
                sub.current_name(),
                co_chairs.join(", ")
            ),
        );
    }

    // Dated events in order, then the undated ones.
    let (undated, dated): (Vec<_>, Vec<_>) = events
        .into_iter()
        .filter(|(date, _)| by_then(date))
        .partition(|(date, _)| date.is_none());
    GroupTimeline {
        name: group.current_name().to_owned(),
        events: dated
            .into_iter()
            .chain(undated)
            .flat_map(|(date, texts)| texts.into_iter().map(move |t| (date, t)))
            .collect(),
        current_members: match on {
            Some(day) => group.members_on(day).len(),
            None => group
                .memberships
                .iter()
                .filter(|m| m.period.end.is_none())
                .count(),
        },
    }
}

fn kind_label(group: &Group) -> &'static str {
    match group.kind {
        crate::model::GroupKind::InterAgencyGroup => "inter-agency group",
        crate::model::GroupKind::WorkingGroup => "working group",
        crate::model::GroupKind::TaskForce => "task force",
        crate::model::GroupKind::Network => "network",
    }
}

impl fmt::Display for PartnershipReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut heading = self.title.clone();
        if let Some(partner) = &self.partner {
            heading.push_str(&format!(": {partner}"));
        }
        if let Some(day) = self.on {
            heading.push_str(&format!(", as on {day}"));
        }
        writeln!(f, "{heading}")?;
        writeln!(f, "{}", "=".repeat(heading.chars().count()))?;

        writeln!(f, "\nPartners by kind")?;
        for (kind, names) in &self.partners_by_kind {
            writeln!(
                f,
                "  {} ({}): {}",
                kind.label(),
                names.len(),
                names.join("; ")
            )?;
        }

        writeln!(f, "\nAgreements")?;
        for a in &self.agreements {
            let signed = a
                .signed
                .map_or_else(|| "date unknown".to_owned(), |d| d.to_string());
            writeln!(
                f,
                "  {signed:<12} {:<12} {} [{}]",
                a.kind,
                a.title,
                a.parties.join(", ")
            )?;
        }

        match &self.conversion {
            Some(c) => writeln!(
                f,
                "\nContributions by donor, in {} (rate table {:?}{}, each amount at the rate in force on its date)",
                c.target,
                c.table,
                c.date.map(|d| format!(" of {d}")).unwrap_or_default()
            )?,
            None => writeln!(
                f,
                "\nContributions by donor and currency (never summed across currencies)"
            )?,
        }
        for d in &self.contributions {
            let mut parts: Vec<String> = d
                .totals
                .iter()
                .map(|(c, amount)| format!("{c} {}", group_thousands(*amount)))
                .collect();
            if d.unknown_amounts > 0 {
                parts.push(format!("{} of unknown amount", d.unknown_amounts));
            }
            writeln!(f, "  {:<40} {}", d.donor, parts.join(" + "))?;
        }

        writeln!(f, "\nOutcomes")?;
        for o in &self.outcomes {
            let achieved = o
                .achieved
                .as_ref()
                .map_or_else(|| "not reported".to_owned(), |a| format!("{a} {}", o.unit));
            let target = o
                .target
                .as_ref()
                .map(|t| format!(" (target {t} {})", o.unit))
                .unwrap_or_default();
            writeln!(f, "  {}: {}: {achieved}{target}", o.project, o.indicator)?;
        }

        for g in &self.groups {
            let when = self
                .on
                .map_or_else(|| "today".to_owned(), |day| format!("on {day}"));
            writeln!(f, "\n{} ({} members {when})", g.name, g.current_members)?;
            for (date, text) in &g.events {
                let date = date.map_or_else(|| "undated".to_owned(), |d| d.to_string());
                writeln!(f, "  {date:<12} {text}")?;
            }
        }
        Ok(())
    }
}

/// `1000000` as `1,000,000`, keeping any decimals.
fn group_thousands(amount: Decimal) -> String {
    let text = amount.to_string();
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(Decimal::new(1_000_000, 0)), "1,000,000");
        assert_eq!(group_thousands(Decimal::new(85_000_050, 2)), "850,000.50");
        assert_eq!(group_thousands(Decimal::new(-400, 0)), "-400");
    }
}
