//! Notes: events, awards, quotes, meetings and other dated facts, linked to
//! whatever they concern.

use serde::{Deserialize, Serialize};

use super::dates::PartialDate;
use super::ids::{
    AgreementId, ContributionId, GroupId, NoteId, OrganisationId, PersonId, ProjectId,
};

/// A dated note linked to any records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Stable identifier.
    pub id: NoteId,
    /// What sort of note.
    pub kind: NoteKind,
    /// A headline, e.g. "Nansen Refugee Award 2012".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text; for a quote, the words as said.
    pub text: String,
    /// The language of the text, as an ISO 639-1 code such as "de".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// When it happened or was said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// Where it happened, e.g. "Galkayo, Puntland".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The records it concerns.
    #[serde(default, skip_serializing_if = "Links::is_empty")]
    pub links: Links,
}

impl Note {
    /// A new note with a fresh id and no links.
    pub fn new(kind: NoteKind, text: impl Into<String>) -> Self {
        Self {
            id: NoteId::new(),
            kind,
            title: None,
            text: text.into(),
            language: None,
            date: None,
            place: None,
            links: Links::default(),
        }
    }
}

/// What sort of note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Something that happened: a campaign, a launch, a disaster.
    Event,
    /// An award given.
    Award,
    /// Words someone said; linked to the person or organisation who said them.
    Quote,
    /// A meeting.
    Meeting,
    /// A publication, film or study.
    Publication,
    /// A statement of policy or approach.
    Statement,
    /// Anything else worth keeping.
    Other,
}

/// The records a note concerns. For a quote, the people (or, failing a
/// named person, the organisations) linked are the speakers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// Organisations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<OrganisationId>,
    /// People.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<PersonId>,
    /// Projects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectId>,
    /// Agreements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<AgreementId>,
    /// Contributions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributions: Vec<ContributionId>,
    /// Groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupId>,
}

impl Links {
    /// Whether nothing is linked.
    pub fn is_empty(&self) -> bool {
        self.organisations.is_empty()
            && self.people.is_empty()
            && self.projects.is_empty()
            && self.agreements.is_empty()
            && self.contributions.is_empty()
            && self.groups.is_empty()
    }
}
