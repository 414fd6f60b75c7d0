//! Inter-agency groups: names over time, dated membership, chairs, and the
//! working groups and task forces inside them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dates::Period;
use super::ids::{GroupId, OrganisationId};

/// An inter-agency group, or a working group or task force within one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Stable identifier.
    pub id: GroupId,
    /// What sort of group.
    pub kind: GroupKind,
    /// Its names over time: the Geneva Migration Group became the Global
    /// Migration Group in 2006. At least one.
    pub names: Vec<GroupName>,
    /// For a working group or task force, the group it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<GroupId>,
    /// When the group exists: founding to dissolution. Task forces are time-bound.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Member organisations, each over a period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub memberships: Vec<Membership>,
    /// Chairs and co-chairs, each over a term.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chairs: Vec<ChairTerm>,
    /// A contact address, e.g. the current chair's mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

impl Group {
    /// A new group with a fresh id and one name.
    pub fn new(kind: GroupKind, name: impl Into<String>) -> Self {
        Self {
            id: GroupId::new(),
            kind,
            names: vec![GroupName {
                name: name.into(),
                acronym: None,
                aliases: Vec::new(),
                period: Period::OPEN,
            }],
            parent: None,
            period: Period::OPEN,
            purpose: None,
            memberships: Vec::new(),
            chairs: Vec::new(),
            contact: None,
        }
    }

    /// The name in use on `day`, else the latest name.
    pub fn name_on(&self, day: NaiveDate) -> &str {
        self.names
            .iter()
            .find(|n| n.period.contains(day))
            .or_else(|| self.names.iter().max_by_key(|n| n.period.start))
            .map_or("", |n| n.name.as_str())
    }

    /// The current name: the one whose period is still open, else the latest.
    pub fn current_name(&self) -> &str {
        self.names
            .iter()
            .max_by_key(|n| (n.period.end.is_none(), n.period.start))
            .map_or("", |n| n.name.as_str())
    }

    /// Organisations that were certainly members on `day`.
    pub fn members_on(&self, day: NaiveDate) -> Vec<OrganisationId> {
        let mut members: Vec<_> = self
            .memberships
            .iter()
            .filter(|m| m.period.contains(day))
            .map(|m| m.organisation)
            .collect();
        members.sort();
        members.dedup();
        members
    }

    /// The chairs (or co-chairs) holding office on `day`.
    pub fn chairs_on(&self, day: NaiveDate) -> Vec<&ChairTerm> {
        self.chairs
            .iter()
            .filter(|c| c.period.contains(day))
            .collect()
    }
}

/// What sort of group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A standing inter-agency group, such as the Global Migration Group.
    InterAgencyGroup,
    /// A long-term working group.
    WorkingGroup,
    /// A time-bound task force.
    TaskForce,
    /// A looser network or coalition.
    Network,
}

/// A name a group went by over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupName {
    /// The name.
    pub name: String,
    /// Its short form, e.g. "GMG".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// The same name in other languages, e.g. "Globale Migrationsgruppe".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// When the name was in use.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
}

/// An organisation's membership of a group over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The member.
    pub organisation: OrganisationId,
    /// From joining to leaving; an open end means still a member.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
}

/// A term as chair or co-chair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChairTerm {
    /// Who held the chair.
    pub organisation: OrganisationId,
    /// Sole chair, or one of several co-chairs (or co-conveners).
    pub role: ChairRole,
    /// The term; open ends when the source gives no dates.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
}

/// Whether a chair holds the office alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChairRole {
    /// The sole chair: terms may not overlap.
    Chair,
    /// One of two or more who share the chair.
    CoChair,
}
