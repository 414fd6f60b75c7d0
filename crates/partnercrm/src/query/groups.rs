//! Groups over time: members and chairs on a date, the membership timeline,
//! and the working groups an organisation co-chairs.
//!
//! ```
//! use chrono::NaiveDate;
//! use partnercrm::query::groups;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let gmg = data.group_named("GMG").unwrap();
//! let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! assert_eq!(groups::members_on(gmg, on(2004, 1, 1)).len(), 6);
//! assert_eq!(groups::members_on(gmg, on(2011, 1, 1)).len(), 16);
//! let chair = groups::chairs_on(gmg, on(2014, 6, 30))[0].organisation;
//! assert_eq!(data.organisation(chair).unwrap().acronym.as_deref(), Some("ILO"));
//! # Ok::<(), partnercrm::Error>(())
//! ```

use chrono::NaiveDate;

use crate::model::{ChairRole, ChairTerm, Dataset, Group, Membership, OrganisationId};

/// The members of `group` on `day`, in the order the group lists them.
pub fn members_on(group: &Group, day: NaiveDate) -> Vec<OrganisationId> {
    let mut seen = Vec::new();
    for m in group.memberships.iter().filter(|m| m.period.contains(day)) {
        if !seen.contains(&m.organisation) {
            seen.push(m.organisation);
        }
    }
    seen
}

/// Who chaired `group` on `day` (the sole chair, or the co-chairs).
pub fn chairs_on(group: &Group, day: NaiveDate) -> Vec<&ChairTerm> {
    group
        .chairs
        .iter()
        .filter(|c| c.period.contains(day))
        .collect()
}

/// Every membership of `group`, by start date (undated last).
pub fn timeline(group: &Group) -> Vec<&Membership> {
    let mut memberships: Vec<&Membership> = group.memberships.iter().collect();
    memberships.sort_by_key(|m| (m.period.start.is_none(), m.period.start));
    memberships
}

/// Every chair term of `group`, by start date (undated last).
pub fn chair_timeline(group: &Group) -> Vec<&ChairTerm> {
    let mut terms: Vec<&ChairTerm> = group.chairs.iter().collect();
    terms.sort_by_key(|t| (t.period.start.is_none(), t.period.start));
    terms
}

/// Working groups and task forces `organisation` co-chairs (or chairs).
pub fn chaired_by(data: &Dataset, organisation: OrganisationId) -> Vec<&Group> {
    data.groups
        .iter()
        .filter(|g| g.parent.is_some())
        .filter(|g| {
            g.chairs.iter().any(|c| {
                c.organisation == organisation
                    && matches!(c.role, ChairRole::CoChair | ChairRole::Chair)
            })
        })
        .collect()
}
