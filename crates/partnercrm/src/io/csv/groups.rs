//! Inter-agency groups, their dated memberships and chairs, and notes.

use super::rows::{
    Known, NameIndex, Rows, UniqueIds, choose_id, organisation_index, parse_id, row_content,
};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::ids::IdMap;
use crate::model::record::Record;
use crate::model::*;

/// Reads groups from CSV; `parent` may name a group in `known` or earlier
/// in the same file, or give the id of one anywhere in it. A row with the
/// id (or natural key) of a group in `known` updates it: `name`, `acronym`
/// and `aliases` give its current name (the one the groups table shows),
/// its earlier names stay, and so do its memberships and chairs (which come
/// from memberships files) and the fields of columns the file lacks.
pub fn read_groups(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Group>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Groups)?;
    let mut groups = NameIndex::of("group", &known.groups);
    for id in rows.ids_in(text) {
        groups.insert(id.to_string(), id.into());
    }
    let stored = Known::of(&known.groups);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
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
        let base = stored.base(id, &group);
        if let Some(base) = base {
            let g = &mut group;
            if let Some(current) = current_name(&base.names) {
                let read = g.names.swap_remove(0);
                g.names.clone_from(&base.names);
                let name = &mut g.names[current];
                name.name = read.name;
                if rows.has("acronym") {
                    name.acronym = read.acronym;
                }
                if rows.has("aliases") {
                    name.aliases = read.aliases;
                }
            }
            rows.keep("parent", &mut g.parent, &base.parent);
            rows.keep("from", &mut g.period.start, &base.period.start);
            rows.keep("to", &mut g.period.end, &base.period.end);
            rows.keep("purpose", &mut g.purpose, &base.purpose);
            rows.keep("contact", &mut g.contact, &base.contact);
            // A group's members and chairs come from memberships files.
            g.memberships.clone_from(&base.memberships);
            g.chairs.clone_from(&base.chairs);
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        group.id = choose_id(id, base, &mut seen, &key);
        groups.add(&group);
        out.push(group);
    })?;
    rows.finish(out)
}

/// Where the name [`Group::current_name`] gives is among `names`.
fn current_name(names: &[GroupName]) -> Option<usize> {
    names
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| (n.period.end.is_none(), n.period.start))
        .map(|(at, _)| at)
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
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Memberships)?;
    let mut groups = NameIndex::of("group", &known.groups);
    let mut organisations = organisation_index(&known.organisations);
    let by_id: IdMap<GroupId, &Group> = known.groups.iter().map(|g| (g.id, g)).collect();
    let mut out: Vec<Group> = Vec::new();
    let mut at: IdMap<GroupId, usize> = IdMap::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
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
    })?;
    rows.finish(out)
}

/// Reads notes from CSV, linked to the records their list columns name
/// (contributions by id). A row with the id of a note in `known` updates
/// it: the fields of columns the file lacks stay as stored.
pub fn read_notes(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Note>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Notes)?;
    let mut organisations = organisation_index(&known.organisations);
    let mut people = NameIndex::of("person", &known.people);
    let mut projects = NameIndex::of("project", &known.projects);
    let mut agreements = NameIndex::of("agreement", &known.agreements);
    let mut groups = NameIndex::of("group", &known.groups);
    let stored = Known::of(&known.notes);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
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
            // Contributions have no names: they are given by id.
            contributions: rows
                .parse_list(record, line, "contributions", parse_id)
                .into_iter()
                .map(ContributionId::from_uuid)
                .collect(),
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
        let base = stored.base(id, &note);
        if let Some(base) = base {
            let (n, l) = (&mut note, &base.links);
            rows.keep("title", &mut n.title, &base.title);
            rows.keep("language", &mut n.language, &base.language);
            rows.keep("date", &mut n.date, &base.date);
            rows.keep("place", &mut n.place, &base.place);
            rows.keep(
                "organisations",
                &mut n.links.organisations,
                &l.organisations,
            );
            rows.keep("people", &mut n.links.people, &l.people);
            rows.keep("projects", &mut n.links.projects, &l.projects);
            rows.keep("agreements", &mut n.links.agreements, &l.agreements);
            rows.keep("groups", &mut n.links.groups, &l.groups);
            rows.keep(
                "contributions",
                &mut n.links.contributions,
                &l.contributions,
            );
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        // Notes have no natural key: without an id, the row's content names it.
        note.id = choose_id(id, base, &mut seen, &row_content(record));
        out.push(note);
    })?;
    rows.finish(out)
}
