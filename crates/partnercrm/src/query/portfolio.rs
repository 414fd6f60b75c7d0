//! A partner's portfolio: everything that links one organisation to the rest,
//! at a date or over all time.
//!
//! ```
//! use partnercrm::query::portfolio::portfolio;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let chevron = data.organisation_named("Chevron").unwrap().id;
//! assert_eq!(portfolio(&data, chevron, None).contributions.len(), 2);
//! # Ok::<(), partnercrm::Error>(())
//! ```

use std::collections::HashSet;

use chrono::NaiveDate;
use uuid::Uuid;

use super::agreements::in_force;
use crate::model::{Dataset, OrganisationId, Period, Record};

/// The records that concern `organisation` (and, with `on`, that were in
/// force on that day), as a data set of their own: its agreements, the
/// contributions it gave or received, the projects it leads or partners in,
/// the people affiliated with it, the groups it belongs to or chairs, and
/// the notes that name it. The organisation itself comes first.
///
/// The organisations, people, agreements, projects and groups those name
/// (a gift's recipient and project, an agreement's other parties, a
/// group's other members) come too, after the records above, so that every
/// row can be labelled from the portfolio alone. They are carried, not
/// followed: their own references are not. Contributions, indicators and
/// notes are only ever the organisation's own, so totals over a portfolio
/// are its totals.
pub fn portfolio(data: &Dataset, organisation: OrganisationId, on: Option<NaiveDate>) -> Dataset {
    let during = |period: &Period| on.is_none_or(|day| period.contains(day));
    let mut out = Dataset {
        title: data.title.clone(),
        source: data.source.clone(),
        ..Dataset::default()
    };
    out.organisations.extend(
        data.organisations
            .iter()
            .filter(|o| o.id == organisation)
            .cloned(),
    );
    out.agreements.extend(
        data.agreements
            .iter()
            .filter(|a| a.has_party(organisation) && on.is_none_or(|day| in_force(a, day)))
            .cloned(),
    );
    out.contributions.extend(
        data.contributions
            .iter()
            .filter(|c| c.donor == organisation || c.recipient == organisation)
            .filter(|c| {
                on.is_none_or(|day| c.effective_date().is_some_and(|d| d.earliest() <= day))
            })
            .cloned(),
    );
    out.projects.extend(
        data.projects
            .iter()
            .filter(|p| {
                p.lead_office == Some(organisation)
                    || p.partners
                        .iter()
                        .any(|pp| pp.organisation == organisation && during(&pp.period))
            })
            .filter(|p| during(&p.period))
            .cloned(),
    );
    out.people.extend(
        data.people
            .iter()
            .filter(|p| {
                p.affiliations
                    .iter()
                    .any(|a| a.organisation == organisation && during(&a.period))
            })
            .cloned(),
    );
    out.groups.extend(
        data.groups
            .iter()
            .filter(|g| {
                g.memberships
                    .iter()
                    .any(|m| m.organisation == organisation && during(&m.period))
                    || g.chairs
                        .iter()
                        .any(|c| c.organisation == organisation && during(&c.period))
            })
            .cloned(),
    );
    out.notes.extend(
        data.notes
            .iter()
            .filter(|n| n.links.organisations.contains(&organisation))
            .filter(|n| on.is_none_or(|day| n.date.is_none_or(|d| d.earliest() <= day)))
            .cloned(),
    );
    carry_named(data, &mut out);
    out
}

/// Adds to `out` every record of `data` its records name that it lacks,
/// in `data`'s order.
fn carry_named(data: &Dataset, out: &mut Dataset) {
    fn named<T: Record>(records: &[T], into: &mut HashSet<Uuid>) {
        for record in records {
            into.extend(record.references().into_iter().map(|(_, r)| r.id));
        }
    }
    fn carry<T: Record>(from: &[T], into: &mut Vec<T>, wanted: &HashSet<Uuid>) {
        let held: HashSet<Uuid> = into.iter().map(Record::uuid).collect();
        into.extend(
            from.iter()
                .filter(|r| wanted.contains(&r.uuid()) && !held.contains(&r.uuid()))
                .cloned(),
        );
    }
    let mut wanted = HashSet::new();
    named(&out.organisations, &mut wanted);
    named(&out.people, &mut wanted);
    named(&out.agreements, &mut wanted);
    named(&out.contributions, &mut wanted);
    named(&out.projects, &mut wanted);
    named(&out.indicators, &mut wanted);
    named(&out.groups, &mut wanted);
    named(&out.notes, &mut wanted);
    carry(&data.organisations, &mut out.organisations, &wanted);
    carry(&data.people, &mut out.people, &wanted);
    carry(&data.agreements, &mut out.agreements, &wanted);
    carry(&data.projects, &mut out.projects, &wanted);
    carry(&data.groups, &mut out.groups, &wanted);
}
