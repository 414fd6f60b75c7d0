//! Rules for agreements: parties by kind, dates and amendments.

use super::{Checker, Code, Index, Path};
use crate::model::{AgreementStatus, Dataset};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, agreement) in data.agreements.iter().enumerate() {
        let path = || Path::root("agreements").index(i);
        out.text(|| path().field("title"), &agreement.title, "the title");

        let mut distinct = Vec::with_capacity(agreement.parties.len());
        for (p, party) in agreement.parties.iter().enumerate() {
            let at = path().field("parties").index(p);
            out.reference(
                || at.field("organisation"),
                &party.organisation,
                &index.organisations,
                "organisation",
            );
            if party.roles.is_empty() {
                out.error(
                    at.field("roles"),
                    Code::PartyWithoutRole,
                    "a party needs at least one role",
                );
            }
            if distinct.contains(&party.organisation) {
                out.error(
                    at.field("organisation"),
                    Code::DuplicateParty,
                    "this organisation is already a party; give one party several roles instead",
                );
            } else {
                distinct.push(party.organisation);
            }
        }
        let (min, max) = agreement.kind.party_bounds();
        let count = distinct.len();
        if count < min || max.is_some_and(|max| count > max) {
            let expected = match max {
                Some(max) if max == min => format!("exactly {min}"),
                Some(max) => format!("{min} to {max}"),
                None => format!("at least {min}"),
            };
            out.error(
                path().field("parties"),
                Code::PartyCount,
                format!(
                    "a {} agreement has {expected} distinct parties, this one has {count}",
                    agreement.kind.label()
                ),
            );
        }

        out.period(|| path().field("effective"), &agreement.effective);
        if let (Some(signed), Some(end)) = (agreement.signed, agreement.effective.end)
            && end.is_certainly_before(&signed)
        {
            out.error(
                path().field("signed"),
                Code::SignedAfterEnd,
                format!("signed {signed}, after the agreement ended ({end})"),
            );
        }
        if matches!(
            agreement.status,
            Some(AgreementStatus::Expired | AgreementStatus::Terminated)
        ) && agreement.effective.end.is_none()
        {
            out.warning(
                path().field("effective").field("end"),
                Code::EndedWithoutEndDate,
                "the agreement has ended but its end date is not recorded",
            );
        }
        for (a, amendment) in agreement.amendments.iter().enumerate() {
            let at = path().field("amendments").index(a);
            out.text(
                || at.field("summary"),
                &amendment.summary,
                "the amendment summary",
            );
            if agreement
                .signed
                .is_some_and(|signed| amendment.date.is_certainly_before(&signed))
            {
                out.error(
                    at.field("date"),
                    Code::AmendmentBeforeSigning,
                    format!("amended {} before the agreement was signed", amendment.date),
                );
            }
        }
        for (k, project) in agreement.projects.iter().enumerate() {
            out.reference(
                || path().field("projects").index(k),
                project,
                &index.projects,
                "project",
            );
        }
    }
}
