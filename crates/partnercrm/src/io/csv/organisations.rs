//! Organisations and the people who work at them.

use super::rows::{Rows, UniqueIds, add_organisation, known_id, organisation_index};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::record::Record;
use crate::model::*;

/// Reads organisations from CSV; `parent` may name an organisation in
/// `known` or earlier in the same file.
pub fn read_organisations(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Organisation>> {
    let (mut reader, mut rows) =
        Rows::open(text, options, CsvKind::Organisations.required_columns())?;
    let mut index = organisation_index(&known.organisations);
    let mut out: Vec<Organisation> = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let name = rows.required(record, line, "name");
        let kind: Option<OrganisationKind> = match rows.required(record, line, "kind") {
            Some(_) => rows.choice(record, line, "kind", "kind of organisation"),
            None => None,
        };
        let country = rows.parse(record, line, "country", |t| t.parse::<CountryCode>());
        let parent = rows.reference(&mut index, record, line, "parent");
        let (Some(name), Some(kind)) = (name, kind) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let mut org = Organisation::new(name, kind);
        org.acronym = rows.text(record, "acronym");
        org.aliases = rows.list(record, "aliases");
        org.country = country;
        org.parent = parent;
        org.identifiers = rows
            .cell(record, "iati_org_id")
            .map(|v| vec![Identifier::iati(v)])
            .unwrap_or_default();
        org.website = rows.text(record, "website");
        org.description = rows.text(record, "description");
        // An organisation already known by its natural key keeps its id.
        let key = org.natural_key().unwrap_or_default();
        org.id = known_id(&known.organisations, &key)
            .unwrap_or_else(|| seen.content_id("organisation", &key).into());
        add_organisation(&mut index, &org);
        out.push(org);
    });
    rows.finish(out)
}

/// Reads people, each with at most one affiliation, from CSV.
pub fn read_people(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Person>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::People.required_columns())?;
    let mut organisations = organisation_index(&known.organisations);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let name = rows.required(record, line, "name");
        let organisation = rows.reference(&mut organisations, record, line, "organisation");
        let period = rows.period(record, line, "from", "to");
        let Some(name) = name else { return };
        if rows.problems.len() > before {
            return;
        }
        let mut person = Person::new(name);
        if let Some(organisation) = organisation {
            person.affiliations.push(Affiliation {
                organisation,
                title: rows.text(record, "title"),
                period,
            });
        }
        person.contact.email = rows.text(record, "email");
        person.contact.phone = rows.text(record, "phone");
        person.description = rows.text(record, "description");
        let key = person.natural_key().unwrap_or_default();
        person.id =
            known_id(&known.people, &key).unwrap_or_else(|| seen.content_id("person", &key).into());
        out.push(person);
    });
    rows.finish(out)
}
