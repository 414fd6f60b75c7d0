//! The partnership domain model: one file per entity, plus the value types
//! they share ([`money`], [`dates`], [`ids`], [`codes`]) and the exact
//! arithmetic every total goes through ([`exact`], which also gives the
//! bounds of a stored amount).
//!
//! Records refer to each other by typed id. A [`Dataset`] holds a whole
//! collection of records; it is what validation checks and what the JSON
//! document carries.

pub mod agreement;
pub mod budget;
pub mod codes;
pub mod contribution;
pub mod dates;
pub mod exact;
pub mod group;
pub mod ids;
pub mod indicator;
pub mod lookup;
pub mod money;
pub mod narrative;
pub mod note;
pub mod organisation;
pub mod person;
pub mod project;
pub mod record;
pub mod variant;

use serde::{Deserialize, Serialize};

pub use agreement::{Agreement, AgreementKind, AgreementStatus, Amendment, Party, PartyRole};
pub use budget::{Budget, BudgetKind, BudgetStatus};
pub use codes::{CountryCode, SectorCode};
pub use contribution::{
    Allocation, Contribution, ContributionKind, ContributionValue, Payment, apportion, split,
};
pub use dates::{PartialDate, Period, Precision};
pub use group::{ChairRole, ChairTerm, Group, GroupKind, GroupName, Membership};
pub use ids::{
    AgreementId, ContributionId, GroupId, IndicatorId, NoteId, OrganisationId, PersonId, ProjectId,
};
pub use indicator::{Aggregation, Indicator, Measure, Observation, Qualifier};
pub use money::{Currency, Money};
pub use narrative::Narrative;
pub use note::{Links, Note, NoteKind};
pub use organisation::{
    Identifier, IdentifierScheme, Organisation, OrganisationKind, TransactionEnd,
};
pub use person::{Affiliation, Contact, Person};
pub use project::{
    Project, ProjectPartner, ProjectRole, ProjectStatus, SECTOR_VOCABULARIES, Sector,
};
pub use record::{Record, RecordKind, RecordRef};
pub use variant::Named;

/// A whole partnership data set: every record, of every kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// The document format version, written first in every JSON document.
    pub format: Format,
    /// What the data set is, e.g. "IOM partnerships".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where its facts come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Organisations and their offices.
    #[serde(default)]
    pub organisations: Vec<Organisation>,
    /// People.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Agreements.
    #[serde(default)]
    pub agreements: Vec<Agreement>,
    /// Contributions.
    #[serde(default)]
    pub contributions: Vec<Contribution>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Outcome indicators.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Notes.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// The version of the JSON document format.
///
/// A reader refuses versions it does not know rather than guess at them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// The first version, written `"partnercrm/1"`.
    #[default]
    #[serde(rename = "partnercrm/1")]
    V1,
}

impl Format {
    /// How the version is written in a document.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::V1 => "partnercrm/1",
        }
    }
}

impl Dataset {
    /// An empty data set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The organisation with this id.
    pub fn organisation(&self, id: OrganisationId) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.id == id)
    }

    /// The first organisation whose name, acronym or alias is `name`, ignoring case.
    pub fn organisation_named(&self, name: &str) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.answers_to(name))
    }

    /// The organisation with this external identifier, e.g. `XM-DAC-47066`.
    pub fn organisation_by_identifier(&self, value: &str) -> Option<&Organisation> {
        self.organisations
            .iter()
            .find(|o| o.identifiers.iter().any(|i| i.value == value))
    }

    /// The person with this id.
    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// The agreement with this id.
    pub fn agreement(&self, id: AgreementId) -> Option<&Agreement> {
        self.agreements.iter().find(|a| a.id == id)
    }

    /// The contribution with this id.
    pub fn contribution(&self, id: ContributionId) -> Option<&Contribution> {
        self.contributions.iter().find(|c| c.id == id)
    }

    /// The project with this id.
    pub fn project(&self, id: ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    /// The first project whose title, acronym or alias is `name`, ignoring case.
    pub fn project_named(&self, name: &str) -> Option<&Project> {
        let wanted = name.to_lowercase();
        self.projects.iter().find(|p| {
            std::iter::once(&p.title)
                .chain(p.acronym.as_ref())
                .chain(&p.aliases)
                .any(|n| n.to_lowercase() == wanted)
        })
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: IndicatorId) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The group with this id.
    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The first group that has ever gone by `name` (or its acronym), ignoring case.
    pub fn group_named(&self, name: &str) -> Option<&Group> {
        let wanted = name.to_lowercase();
        self.groups.iter().find(|g| {
            g.names.iter().any(|n| {
                n.name.to_lowercase() == wanted
                    || n.acronym
                        .as_ref()
                        .is_some_and(|a| a.to_lowercase() == wanted)
            })
        })
    }

    /// The note with this id.
    pub fn note(&self, id: NoteId) -> Option<&Note> {
        self.notes.iter().find(|n| n.id == id)
    }

    /// Total number of records of every kind.
    pub fn len(&self) -> usize {
        self.organisations.len()
            + self.people.len()
            + self.agreements.len()
            + self.contributions.len()
            + self.projects.len()
            + self.indicators.len()
            + self.groups.len()
            + self.notes.len()
    }

    /// Whether the data set holds no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `other`'s records, replacing those with the same id: what a
    /// store's [`Batch::upsert_all`](crate::store::Batch::upsert_all) does,
    /// in memory.
    pub fn upsert_all(&mut self, other: Dataset) {
        fn upsert<T: Record>(into: &mut Vec<T>, from: Vec<T>) {
            let at: ids::IdMap<T::Id, usize> =
                into.iter().enumerate().map(|(i, r)| (r.id(), i)).collect();
            for record in from {
                match at.get(&record.id()) {
                    Some(&i) => into[i] = record,
                    None => into.push(record),
                }
            }
        }
        upsert(&mut self.organisations, other.organisations);
        upsert(&mut self.people, other.people);
        upsert(&mut self.agreements, other.agreements);
        upsert(&mut self.contributions, other.contributions);
        upsert(&mut self.projects, other.projects);
        upsert(&mut self.indicators, other.indicators);
        upsert(&mut self.groups, other.groups);
        upsert(&mut self.notes, other.notes);
    }

    /// Checks every rule and returns every problem found.
    pub fn validate(&self) -> crate::validate::Report {
        crate::validate::validate(self)
    }
}
