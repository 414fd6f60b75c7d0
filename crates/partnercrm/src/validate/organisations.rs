//! Rules for organisations: names, offices, identifiers and the parent chain.

use std::collections::HashMap;

use super::{Checker, Code, Index, Path, records_in_cycles};
use crate::model::codes::iati_org_id_agency;
use crate::model::{Dataset, IdentifierScheme, OrganisationKind};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut identifiers: HashMap<(&IdentifierScheme, &str), usize> = HashMap::new();

    for (i, org) in data.organisations.iter().enumerate() {
        let path = || Path::root("organisations").index(i);
        out.text(|| path().field("name"), &org.name, "the name");

        if let Some(parent) = &org.parent {
            out.reference(
                || path().field("parent"),
                parent,
                &index.organisations,
                "organisation",
            );
        }
        if org.kind == OrganisationKind::CountryOffice {
            if org.parent.is_none() {
                out.error(
                    path().field("parent"),
                    Code::OfficeWithoutParent,
                    format!("country office {:?} names no parent organisation", org.name),
                );
            }
            if org.country.is_none() {
                out.error(
                    path().field("country"),
                    Code::OfficeWithoutCountry,
                    format!("country office {:?} names no country", org.name),
                );
            }
        }
        for (c, constituent) in org.constituents.iter().enumerate() {
            let at = path().field("constituents").index(c);
            if *constituent == org.id {
                out.error(
                    at,
                    Code::SelfConstituent,
                    format!("{:?} lists itself as a constituent", org.name),
                );
            } else {
                out.reference(|| at, constituent, &index.organisations, "organisation");
            }
        }

        for (k, identifier) in org.identifiers.iter().enumerate() {
            let at = path().field("identifiers").index(k);
            out.text(|| at.field("value"), &identifier.value, "the identifier");
            if identifier.scheme == IdentifierScheme::IatiOrgId && !identifier.value.is_empty() {
                match iati_org_id_agency(&identifier.value) {
                    None => out.error(
                        at.field("value"),
                        Code::InvalidIdentifier,
                        format!(
                            "{:?} is not an IATI organisation identifier: it must start with a \
                             registration agency code from org-id.guide, e.g. XM-DAC-47066",
                            identifier.value
                        ),
                    ),
                    Some(agency) if !agency.active => out.warning(
                        at.field("value"),
                        Code::WithdrawnRegistrationAgency,
                        format!(
                            "registration agency {} ({}) has been withdrawn",
                            agency.code, agency.name
                        ),
                    ),
                    Some(_) => {}
                }
            }
            let first = *identifiers
                .entry((&identifier.scheme, &identifier.value))
                .or_insert(i);
            {
                if first != i {
                    out.error(
                        at.field("value"),
                        Code::SharedIdentifier,
                        format!(
                            "identifier {:?} also belongs to organisations[{first}] ({:?})",
                            identifier.value, data.organisations[first].name
                        ),
                    );
                }
            }
        }

        // An import resolves organisations by name, so a name two records answer to is ambiguous.
        let mut own = Vec::new();
        for name in org.names() {
            let key = name.trim().to_lowercase();
            if key.is_empty() || own.contains(&key) {
                continue;
            }
            own.push(key.clone());
            if let Some(&first) = names.get(&key) {
                out.warning(
                    path(),
                    Code::SharedName,
                    format!(
                        "{name:?} also names organisations[{first}] ({:?}); lookups by this name are ambiguous",
                        data.organisations[first].name
                    ),
                );
            } else {
                names.insert(key, i);
            }
        }
    }

    let parent_of = |i: usize| {
        data.organisations[i]
            .parent
            .and_then(|p| index.organisations.get(&p).copied())
    };
    for i in records_in_cycles(data.organisations.len(), parent_of) {
        out.error(
            Path::root("organisations").index(i).field("parent"),
            Code::OrganisationParentCycle,
            format!(
                "{:?} is its own ancestor through its parent chain",
                data.organisations[i].name
            ),
        );
    }
}
