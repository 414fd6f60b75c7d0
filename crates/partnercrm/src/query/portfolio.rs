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

use chrono::NaiveDate;

use super::agreements::in_force;
use crate::model::{Dataset, OrganisationId, Period};

/// The records that concern `organisation` (and, with `on`, that were in
/// force on that day), as a data set of their own: its agreements, the
/// contributions it gave or received, the projects it leads or partners in,
/// the people affiliated with it, the groups it belongs to or chairs, and
/// the notes that name it. The organisation itself comes first.
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
    out
}
