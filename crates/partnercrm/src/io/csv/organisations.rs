//! Organisations and the people who work at them.

use super::rows::{
    Known, Rows, UniqueIds, add_organisation, choose_id, organisation_index, parse_bool,
};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::record::Record;
use crate::model::*;
use crate::validate::Code;

/// Reads organisations from CSV; `parent` may name an organisation in
/// `known` or earlier in the same file, or give the id of one anywhere in
/// it. A row with the id (or, without one, the natural key) of an
/// organisation in `known` updates it: the fields of columns the file
/// lacks, and those no column holds (names in other languages,
/// constituents, identifiers other than the IATI org-id), stay as stored.
pub fn read_organisations(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Organisation>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Organisations)?;
    let mut index = organisation_index(&known.organisations);
    for id in rows.ids_in(text) {
        index.insert(id.to_string(), id.into());
    }
    let stored = Known::of(&known.organisations);
    let mut out: Vec<Organisation> = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
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
        let iati = rows.cell(record, "iati_org_id");
        org.identifiers = iati.map(|v| vec![Identifier::iati(v)]).unwrap_or_default();
        org.website = rows.text(record, "website");
        org.description = rows.text(record, "description");
        let key = org.natural_key().unwrap_or_default();
        let base = stored.base(id, &org);
        if let Some(base) = base {
            rows.keep("acronym", &mut org.acronym, &base.acronym);
            rows.keep("aliases", &mut org.aliases, &base.aliases);
            rows.keep("country", &mut org.country, &base.country);
            rows.keep("parent", &mut org.parent, &base.parent);
            rows.keep("website", &mut org.website, &base.website);
            rows.keep("description", &mut org.description, &base.description);
            org.name_narratives.clone_from(&base.name_narratives);
            org.constituents.clone_from(&base.constituents);
            org.identifiers = identifiers(&base.identifiers, rows.has("iati_org_id"), iati);
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        org.id = choose_id(id, base, &mut seen, &key);
        add_organisation(&mut index, &org);
        out.push(org);
    })?;
    rows.finish(out)
}

/// A stored organisation's identifiers, with its IATI org-id replaced,
/// added or removed as the file's `iati_org_id` column says.
fn identifiers(stored: &[Identifier], has_column: bool, iati: Option<&str>) -> Vec<Identifier> {
    let mut identifiers = stored.to_vec();
    if !has_column {
        return identifiers;
    }
    let at = identifiers
        .iter()
        .position(|i| i.scheme == IdentifierScheme::IatiOrgId);
    match (at, iati) {
        (Some(at), Some(value)) if identifiers[at].value != value => {
            identifiers[at].value = value.to_owned();
        }
        (Some(_), Some(_)) => {}
        (Some(at), None) => {
            identifiers.remove(at);
        }
        (None, Some(value)) => identifiers.push(Identifier::iati(value)),
        (None, None) => {}
    }
    identifiers
}

/// Reads people, each with at most one affiliation, from CSV. A row with
/// the id (or natural key) of a person in `known` updates them: its
/// affiliation is added to theirs, or updates theirs at the same
/// organisation, and the fields of columns the file lacks stay as stored.
/// `erased` is `true` only for a person whose personal data was erased
/// (as the people table says); erasing is not done by import.
pub fn read_people(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Person>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::People)?;
    let mut organisations = organisation_index(&known.organisations);
    let stored = Known::of(&known.people);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
        let erased = rows.parse(record, line, "erased", parse_bool);
        let tombstone = id.and_then(|id| stored.get(id)).filter(|p| p.erased);
        let name = match tombstone {
            Some(_) => None,
            None => rows.required(record, line, "name"),
        };
        let organisation = rows.reference(&mut organisations, record, line, "organisation");
        let period = rows.period(record, line, "from", "to");
        match (tombstone, erased) {
            (None, Some(true)) => rows.problem(
                line,
                "erased",
                Code::CsvInvalidValue,
                "only a person already erased reads as erased: erase a person with \
                 `erase-person` (Store::erase_person), not by import"
                    .to_owned(),
            ),
            (Some(_), Some(false)) => rows.problem(
                line,
                "erased",
                Code::CsvInvalidValue,
                "the person was erased: their personal data cannot be restored".to_owned(),
            ),
            (Some(_), _) => {
                for column in ["name", "email", "phone", "description"] {
                    if rows.cell(record, column).is_some() {
                        rows.problem(
                            line,
                            column,
                            Code::CsvInvalidValue,
                            "the person was erased: their personal data cannot be restored"
                                .to_owned(),
                        );
                    }
                }
            }
            (None, _) => {}
        }
        if rows.problems.len() > before || (name.is_none() && tombstone.is_none()) {
            return;
        }
        let affiliation = organisation.map(|organisation| Affiliation {
            organisation,
            title: rows.text(record, "title"),
            period,
        });
        let mut person = match tombstone {
            Some(erased) => erased.clone(),
            None => {
                let mut person = Person::new(name.unwrap_or_default());
                person.contact.email = rows.text(record, "email");
                person.contact.phone = rows.text(record, "phone");
                person.description = rows.text(record, "description");
                person.affiliations.extend(affiliation.clone());
                person
            }
        };
        let key = person.natural_key().unwrap_or_default();
        let base = stored.base(id, &person);
        if let Some(base) = base {
            rows.keep("email", &mut person.contact.email, &base.contact.email);
            rows.keep("phone", &mut person.contact.phone, &base.contact.phone);
            rows.keep("description", &mut person.description, &base.description);
            person.affiliations = base.affiliations.clone();
            if let Some(new) = affiliation {
                match person
                    .affiliations
                    .iter_mut()
                    .find(|a| a.organisation == new.organisation)
                {
                    Some(old) => {
                        if rows.has("title") {
                            old.title = new.title;
                        }
                        if rows.has("from") {
                            old.period.start = new.period.start;
                        }
                        if rows.has("to") {
                            old.period.end = new.period.end;
                        }
                    }
                    None => person.affiliations.push(new),
                }
            }
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        person.id = choose_id(id, base, &mut seen, &key);
        out.push(person);
    })?;
    rows.finish(out)
}
