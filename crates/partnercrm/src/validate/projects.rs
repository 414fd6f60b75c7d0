//! Rules for projects: partners, periods and the parent chain.

use super::{Checker, Code, Index, Path, records_in_cycles};
use crate::model::Dataset;

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, project) in data.projects.iter().enumerate() {
        let path = || Path::root("projects").index(i);
        out.text(|| path().field("title"), &project.title, "the title");
        out.period(|| path().field("period"), &project.period);
        if let Some(office) = &project.lead_office {
            out.reference(
                || path().field("lead_office"),
                office,
                &index.organisations,
                "organisation",
            );
        }
        for (p, partner) in project.partners.iter().enumerate() {
            let at = path().field("partners").index(p);
            out.reference(
                || at.field("organisation"),
                &partner.organisation,
                &index.organisations,
                "organisation",
            );
            out.period(|| at.field("period"), &partner.period);
            let repeated = project.partners[..p].iter().any(|earlier| {
                earlier.organisation == partner.organisation && earlier.role == partner.role
            });
            if repeated {
                out.error(
                    at,
                    Code::DuplicatePartner,
                    format!("the organisation is already a {:?} partner", partner.role),
                );
            }
        }
        if let Some(parent) = &project.parent {
            out.reference(
                || path().field("parent"),
                parent,
                &index.projects,
                "project",
            );
            if let Some(parent) = index.projects.get(parent).map(|&p| &data.projects[p]) {
                let starts_before = matches!((project.period.start, parent.period.start), (Some(s), Some(ps)) if s.is_certainly_before(&ps));
                let ends_after = matches!((project.period.end, parent.period.end), (Some(e), Some(pe)) if pe.is_certainly_before(&e));
                if starts_before || ends_after {
                    out.warning(
                        path().field("period"),
                        Code::OutsideParentPeriod,
                        format!(
                            "runs {}, outside its programme {:?} ({})",
                            project.period, parent.title, parent.period
                        ),
                    );
                }
            }
        }
    }

    let parent_of = |i: usize| {
        data.projects[i]
            .parent
            .and_then(|p| index.projects.get(&p).copied())
    };
    for i in records_in_cycles(data.projects.len(), parent_of) {
        out.error(
            Path::root("projects").index(i).field("parent"),
            Code::ProjectParentCycle,
            format!(
                "{:?} is its own ancestor through its parent chain",
                data.projects[i].title
            ),
        );
    }
}
