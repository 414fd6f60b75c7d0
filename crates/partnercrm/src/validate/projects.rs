//! Rules for projects: partners, periods, budgets and the parent chain.

use super::{Checker, Code, Index, Path, records_in_cycles};
use crate::model::{Budget, Dataset, Named};

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
        budgets(&project.budgets, &path, out);
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

/// A budget plans for a whole period (both ends, as IATI requires) of at
/// most a year. A negative one, or two of one kind over one period, are
/// allowed, as publishers write them, and pointed out: they change what a
/// plan per period adds up to. Any amount, zero included, at any precision.
fn budgets(budgets: &[Budget], project: &impl Fn() -> Path, out: &mut Checker) {
    for (b, budget) in budgets.iter().enumerate() {
        let at = || project().field("budgets").index(b);
        let period = &budget.period;
        if period.start.is_none() || period.end.is_none() {
            out.error(
                at().field("period"),
                Code::BudgetPeriodMissing,
                format!(
                    "a budget plans for a period with a start and an end, as IATI requires; \
                     this one runs {period}"
                ),
            );
        }
        out.period(|| at().field("period"), period);
        if budget.spans_more_than_a_year() {
            out.warning(
                at().field("period"),
                Code::BudgetOverAYear,
                format!(
                    "the budget runs {period}, a year or more; IATI wants one budget per year \
                     or shorter period"
                ),
            );
        }
        if budget.value.amount.is_sign_negative() && !budget.value.amount.is_zero() {
            out.warning(
                at().field("value"),
                Code::BudgetNegative,
                format!(
                    "the budget is {}: a cut to an earlier plan, which a total of plans nets",
                    budget.value
                ),
            );
        }
        let complete = |p: &crate::model::Period| p.start.is_some() && p.end.is_some();
        if !complete(period) || period.is_reversed() {
            continue;
        }
        let earlier = budgets[..b].iter().position(|other| {
            other.kind == budget.kind
                && complete(&other.period)
                && !other.period.is_reversed()
                && other.period.certainly_overlaps(period)
        });
        if let Some(e) = earlier {
            out.warning(
                at().field("period"),
                Code::BudgetOverlap,
                format!(
                    "the {} budget for {period} overlaps budgets[{e}], also {}, for {}: a plan \
                     per period would count both",
                    budget.kind.as_str(),
                    budget.kind.as_str(),
                    budgets[e].period
                ),
            );
        }
    }
}
