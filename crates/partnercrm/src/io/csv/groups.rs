//! Inter-agency groups, their dated memberships and chairs, and notes.

use super::rows::{Index, Rows, UniqueIds, organisation_index, row_content};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::ids::IdMap;
use crate::model::record::Record;
use crate::model::*;

/// Reads groups from CSV; `parent` may name a group in `known` or earlier
/// in the same file.
pub fn read_groups(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Group>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Groups.required_columns())?;
    let mut groups = Index::of("group", &known.groups);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let name = rows.required(record, line, "name");
        let kind: Option<GroupKind> = match rows.required(record, line, "kind") {
            Some(_) => rows.choice(record, line, "kind", "kind of group"),
            None => None,
        };
        let parent = rows.reference(&mut groups, record, line, "parent");
        let period = rows.period(record, line, "from", "to");
        let (Some(name), Some(kind)) = (name, kind) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let mut group = Group::new(kind, name);
        if let Some(first) = group.names.first_mut() {
            first.acronym = rows.text(record, "acronym");
            first.aliases = rows.list(record, "aliases");
        }
        group.parent = parent;
        group.period = period;
        group.purpose = rows.text(record, "purpose");
        group.contact = rows.text(record, "contact");
        let key = group.natural_key().unwrap_or_default();
        let existing = known
            .groups
            .iter()
            .find(|g| g.natural_key().as_deref() == Some(&key));
        match existing {
            Some(existing) => {
                // A group's members and chairs come from memberships files.
                group.id = existing.id;
                group.memberships = existing.memberships.clone();
                group.chairs = existing.chairs.clone();
            }
            None => group.id = seen.content_id("group", &key).into(),
        }
        groups.add(&group);
        out.push(group);
    });
    rows.finish(out)
}

/// Which kind of place a row of a memberships file gives.
#[derive(Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Seat {
    Member,
    Chair,
    CoChair,
}

/// Reads dated memberships and chair terms of groups in `known` from CSV,
/// returning those groups with the rows' memberships and chairs added. A
/// row that repeats one the group has changes nothing.
pub fn read_memberships(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Group>> {
    let (mut reader, mut rows) =
        Rows::open(text, options, CsvKind::Memberships.required_columns())?;
    let mut groups = Index::of("group", &known.groups);
    let mut organisations = organisation_index(&known.organisations);
    let by_id: IdMap<GroupId, &Group> = known.groups.iter().map(|g| (g.id, g)).collect();
    let mut out: Vec<Group> = Vec::new();
    let mut at: IdMap<GroupId, usize> = IdMap::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let group = match rows.required(record, line, "group") {
            Some(_) => rows.reference(&mut groups, record, line, "group"),
            None => None,
        };
        let organisation = match rows.required(record, line, "organisation") {
            Some(_) => rows.reference(&mut organisations, record, line, "organisation"),
            None => None,
        };
        let seat: Seat = rows
            .choice(record, line, "role", "role (member, chair or co_chair)")
            .unwrap_or(Seat::Member);
        let period = rows.period(record, line, "from", "to");
        let (Some(group), Some(organisation)) = (group, organisation) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let Some(&original) = by_id.get(&group) else {
            return;
        };
        let index = *at.entry(group).or_insert_with(|| {
            out.push(original.clone());
            out.len() - 1
        });
        let group = &mut out[index];
        match seat {
            Seat::Member => {
                let membership = Membership {
                    organisation,
                    period,
                };
                if !group.memberships.contains(&membership) {
                    group.memberships.push(membership);
                }
            }
            Seat::Chair | Seat::CoChair => {
                let role = match seat {
                    Seat::CoChair => ChairRole::CoChair,
                    _ => ChairRole::Chair,
                };
                let term = ChairTerm {
                    organisation,
                    role,
                    period,
                };
                if !group.chairs.contains(&term) {
                    group.chairs.push(term);
                }
            }
        }
    });
    rows.finish(out)
}

/// Reads notes from CSV, linked to the records their list columns name.
pub fn read_notes(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Note>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Notes.required_columns())?;
    let mut organisations = organisation_index(&known.organisations);
    let mut people = Index::of("person", &known.people);
    let mut projects = Index::of("project", &known.projects);
    let mut agreements = Index::of("agreement", &known.agreements);
    let mut groups = Index::of("group", &known.groups);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let kind: Option<NoteKind> = match rows.required(record, line, "kind") {
            Some(_) => rows.choice(record, line, "kind", "kind of note"),
            None => None,
        };
        let text = rows.required(record, line, "text");
        let date = rows.date(record, line, "date");
        let links = Links {
            organisations: rows.references(&mut organisations, record, line, "organisations"),
            people: rows.references(&mut people, record, line, "people"),
            projects: rows.references(&mut projects, record, line, "projects"),
            agreements: rows.references(&mut agreements, record, line, "agreements"),
            contributions: Vec::new(),
            groups: rows.references(&mut groups, record, line, "groups"),
        };
        let (Some(kind), Some(text)) = (kind, text) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let mut note = Note::new(kind, text);
        note.title = rows.text(record, "title");
        note.language = rows.text(record, "language");
        note.date = date;
        note.place = rows.text(record, "place");
        note.links = links;
        // Notes have no natural key: the row's content names it.
        note.id = seen.content_id("note", &row_content(record)).into();
        out.push(note);
    });
    rows.finish(out)
}
