//! Rules for notes: quotes need a speaker, and links must resolve.

use super::{Checker, Code, Index, Path};
use crate::model::{Dataset, NoteKind};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, note) in data.notes.iter().enumerate() {
        let path = || Path::root("notes").index(i);
        out.text(|| path().field("text"), &note.text, "the text");
        let links = &note.links;
        let at = path().field("links");
        for (k, id) in links.organisations.iter().enumerate() {
            out.reference(
                || at.field("organisations").index(k),
                id,
                &index.organisations,
                "organisation",
            );
        }
        for (k, id) in links.people.iter().enumerate() {
            out.reference(|| at.field("people").index(k), id, &index.people, "person");
        }
        for (k, id) in links.projects.iter().enumerate() {
            out.reference(
                || at.field("projects").index(k),
                id,
                &index.projects,
                "project",
            );
        }
        for (k, id) in links.agreements.iter().enumerate() {
            out.reference(
                || at.field("agreements").index(k),
                id,
                &index.agreements,
                "agreement",
            );
        }
        for (k, id) in links.contributions.iter().enumerate() {
            out.reference(
                || at.field("contributions").index(k),
                id,
                &index.contributions,
                "contribution",
            );
        }
        for (k, id) in links.groups.iter().enumerate() {
            out.reference(|| at.field("groups").index(k), id, &index.groups, "group");
        }
        if note.kind == NoteKind::Quote && links.people.is_empty() && links.organisations.is_empty()
        {
            out.error(
                at.field("people"),
                Code::QuoteWithoutSpeaker,
                "a quote must be linked to who said it",
            );
        } else if links.is_empty() {
            out.warning(at, Code::UnlinkedNote, "the note is linked to no record");
        }
    }
}
