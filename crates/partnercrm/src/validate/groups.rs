//! Rules for groups: names over time, memberships, and chairs who are members.

use super::{Checker, Code, Index, Path, records_in_cycles};
use crate::model::{ChairRole, Dataset, Group};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, group) in data.groups.iter().enumerate() {
        let path = || Path::root("groups").index(i);
        out.period(|| path().field("period"), &group.period);
        if let Some(parent) = &group.parent {
            out.reference(|| path().field("parent"), parent, &index.groups, "group");
        }

        if group.names.is_empty() {
            out.error(
                path().field("names"),
                Code::GroupWithoutName,
                "a group needs at least one name",
            );
        }
        for (n, name) in group.names.iter().enumerate() {
            let at = path().field("names").index(n);
            out.text(|| at.field("name"), &name.name, "the name");
            out.period(|| at.field("period"), &name.period);
            if let Some(earlier) = group.names[..n]
                .iter()
                .position(|e| e.period.certainly_overlaps(&name.period))
            {
                out.error(
                    at.field("period"),
                    Code::NamesOverlap,
                    format!(
                        "the name {:?} overlaps the name {:?} in time",
                        name.name, group.names[earlier].name
                    ),
                );
            }
        }

        for (m, membership) in group.memberships.iter().enumerate() {
            let at = path().field("memberships").index(m);
            out.reference(
                || at.field("organisation"),
                &membership.organisation,
                &index.organisations,
                "organisation",
            );
            out.period(|| at.field("period"), &membership.period);
            let overlapping = group.memberships[..m].iter().position(|e| {
                e.organisation == membership.organisation
                    && e.period.certainly_overlaps(&membership.period)
            });
            if let Some(earlier) = overlapping {
                out.error(
                    at.field("period"),
                    Code::MembershipOverlap,
                    format!(
                        "overlaps memberships[{earlier}] of the same organisation ({})",
                        group.memberships[earlier].period
                    ),
                );
            }
        }

        let roster = roster(data, index, group);
        for (c, term) in group.chairs.iter().enumerate() {
            let at = path().field("chairs").index(c);
            out.reference(
                || at.field("organisation"),
                &term.organisation,
                &index.organisations,
                "organisation",
            );
            out.period(|| at.field("period"), &term.period);
            if term.role == ChairRole::Chair {
                let clash = group.chairs[..c].iter().position(|e| {
                    e.role == ChairRole::Chair && e.period.certainly_overlaps(&term.period)
                });
                if let Some(earlier) = clash {
                    out.error(
                        at.field("period"),
                        Code::ChairOverlap,
                        format!("overlaps the term of chairs[{earlier}] ({}); a group has one chair at a time", group.chairs[earlier].period),
                    );
                }
            }
            if !roster
                .memberships
                .iter()
                .any(|m| m.organisation == term.organisation && term.period.within(&m.period))
            {
                let name = index.organisations.get(&term.organisation).map_or_else(
                    || term.organisation.to_string(),
                    |&o| data.organisations[o].name.clone(),
                );
                out.error(
                    at,
                    Code::ChairNotMember,
                    format!(
                        "{name:?} chairs {} but is not a member of {:?} for the whole term",
                        term.period,
                        roster.current_name()
                    ),
                );
            }
        }
    }

    let parent_of = |i: usize| {
        data.groups[i]
            .parent
            .and_then(|p| index.groups.get(&p).copied())
    };
    for i in records_in_cycles(data.groups.len(), parent_of) {
        out.error(
            Path::root("groups").index(i).field("parent"),
            Code::GroupParentCycle,
            format!(
                "{:?} is its own ancestor through its parent chain",
                data.groups[i].current_name()
            ),
        );
    }
}

/// The group whose members may chair `group`: a working group that keeps no
/// member list of its own draws its (co-)chairs from its parent group.
fn roster<'a>(data: &'a Dataset, index: &Index, group: &'a Group) -> &'a Group {
    if !group.memberships.is_empty() {
        return group;
    }
    group
        .parent
        .and_then(|p| index.groups.get(&p))
        .map_or(group, |&p| &data.groups[p])
}
