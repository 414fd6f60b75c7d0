//! What every kind of record has in common: a kind, an id, a natural key,
//! and references to other records.
//!
//! The store uses this to treat the eight kinds alike: to name them, to key
//! them, and to know which records a record points at.

use std::fmt;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::*;

/// The kinds of record.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An [`Organisation`].
    Organisation,
    /// A [`Person`].
    Person,
    /// An [`Agreement`].
    Agreement,
    /// A [`Contribution`].
    Contribution,
    /// A [`Project`].
    Project,
    /// An [`Indicator`].
    Indicator,
    /// A [`Group`].
    Group,
    /// A [`Note`].
    Note,
}

impl RecordKind {
    /// Every kind, in the order a data set lists them.
    pub const ALL: [RecordKind; 8] = [
        Self::Organisation,
        Self::Person,
        Self::Agreement,
        Self::Contribution,
        Self::Project,
        Self::Indicator,
        Self::Group,
        Self::Note,
    ];

    /// The singular name, e.g. `"organisation"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Person => "person",
            Self::Agreement => "agreement",
            Self::Contribution => "contribution",
            Self::Project => "project",
            Self::Indicator => "indicator",
            Self::Group => "group",
            Self::Note => "note",
        }
    }

    /// The collection's name in a data set, e.g. `"organisations"`.
    pub const fn collection(&self) -> &'static str {
        match self {
            Self::Organisation => "organisations",
            Self::Person => "people",
            Self::Agreement => "agreements",
            Self::Contribution => "contributions",
            Self::Project => "projects",
            Self::Indicator => "indicators",
            Self::Group => "groups",
            Self::Note => "notes",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id of a record of any kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct RecordRef {
    /// Which kind.
    pub kind: RecordKind,
    /// Its id.
    pub id: Uuid,
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// A kind of record.
pub trait Record:
    Clone + fmt::Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Which kind this is.
    const KIND: RecordKind;
    /// Its typed id.
    type Id: Copy
        + Eq
        + Hash
        + Ord
        + fmt::Display
        + fmt::Debug
        + From<Uuid>
        + Into<RecordRef>
        + Send
        + Sync;

    /// The record's id.
    fn id(&self) -> Self::Id;

    /// The id as a plain UUID.
    fn uuid(&self) -> Uuid;

    /// The key two records describing the same thing share, if the kind has
    /// one: an organisation's IATI org-id or name, a project's title. A store
    /// keeps at most one record per natural key, so the same data imported
    /// twice under different ids is refused rather than duplicated.
    fn natural_key(&self) -> Option<String>;

    /// A display name: the name or title.
    fn label(&self) -> &str;

    /// Every name the record answers to in lookups; acronyms and aliases too.
    fn names(&self) -> Vec<&str> {
        vec![self.label()]
    }

    /// The external identifiers it is also found by: an organisation's
    /// (`XM-DAC-47066`); no other kind has any.
    fn identifiers(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Every record this one refers to, with the field that refers.
    fn references(&self) -> Vec<(&'static str, RecordRef)>;

    /// This kind's collection in a data set.
    fn collection(data: &Dataset) -> &Vec<Self>;

    /// This kind's collection in a data set, for changing.
    fn collection_mut(data: &mut Dataset) -> &mut Vec<Self>;
}

/// Folds a name for comparison: case and runs of white space do not count.
pub(crate) fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The record with every reference to a key of `moved` pointing at its
/// value instead: what folding one record into another does to the records
/// that refer to it. Ids are UUIDs, so in the record's JSON form they appear
/// only as references, or as its own id, which moves too if it is a key
/// (a record given a new id).
pub(crate) fn redirect<T: Record>(
    record: &T,
    moved: &crate::model::ids::IdMap<Uuid, Uuid>,
) -> crate::Result<T> {
    fn walk(value: &mut serde_json::Value, moved: &crate::model::ids::IdMap<Uuid, Uuid>) {
        match value {
            serde_json::Value::String(s) => {
                if let Some(to) = Uuid::parse_str(s).ok().and_then(|id| moved.get(&id)) {
                    *s = to.to_string();
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, moved)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, moved)),
            _ => {}
        }
    }
    let error = |e: serde_json::Error| crate::Error::Parse {
        what: "record",
        input: record.label().to_owned(),
        reason: e.to_string(),
    };
    let mut value = serde_json::to_value(record).map_err(error)?;
    walk(&mut value, moved);
    serde_json::from_value(value).map_err(error)
}

/// Points every reference in `data` to a key of `moved` at its value, and
/// adds to `data`, so redirected, each record of `known` that refers to one
/// and that `data` does not hold already.
pub(crate) fn redirect_all(
    data: &mut Dataset,
    known: &Dataset,
    moved: &crate::model::ids::IdMap<Uuid, Uuid>,
) -> crate::Result<()> {
    if moved.is_empty() {
        return Ok(());
    }
    let refers =
        |refs: Vec<(&'static str, RecordRef)>| refs.iter().any(|(_, r)| moved.contains_key(&r.id));
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            let held: crate::model::ids::IdSet<Uuid> =
                T::collection(data).iter().map(|r| r.uuid()).collect();
            for record in T::collection_mut(data).iter_mut() {
                if refers(record.references()) {
                    *record = redirect(record, moved)?;
                }
            }
            for record in T::collection(known) {
                if !held.contains(&record.uuid()) && refers(record.references()) {
                    let redirected = redirect(record, moved)?;
                    T::collection_mut(data).push(redirected);
                }
            }
        });
    }
    Ok(())
}

/// The boilerplate every kind shares: id access and the collection.
macro_rules! record_basics {
    ($kind:ident, $id:ty, $collection:ident) => {
        const KIND: RecordKind = RecordKind::$kind;
        type Id = $id;

        fn id(&self) -> $id {
            self.id
        }

        fn uuid(&self) -> Uuid {
            *self.id.as_uuid()
        }

        fn collection(data: &Dataset) -> &Vec<Self> {
            &data.$collection
        }

        fn collection_mut(data: &mut Dataset) -> &mut Vec<Self> {
            &mut data.$collection
        }
    };
}

macro_rules! id_into_ref {
    ($($kind:ident: $id:ty),*) => {
        $(impl From<$id> for RecordRef {
            fn from(id: $id) -> Self {
                RecordRef { kind: RecordKind::$kind, id: *id.as_uuid() }
            }
        })*
    };
}

id_into_ref!(
    Organisation: OrganisationId,
    Person: PersonId,
    Agreement: AgreementId,
    Contribution: ContributionId,
    Project: ProjectId,
    Indicator: IndicatorId,
    Group: GroupId,
    Note: NoteId
);

impl Record for Organisation {
    record_basics!(Organisation, OrganisationId, organisations);

    fn natural_key(&self) -> Option<String> {
        // An IATI org-id is the most stable name an organisation has; the
        // older forms publishers write stand in for it, each in its own
        // namespace so `41114` the channel and an org-id never collide.
        Some(match self.iati_reference() {
            Some(i) => format!("{}:{}", i.scheme.key_prefix().unwrap_or("id"), i.value),
            None => format!("name:{}", fold(&self.name)),
        })
    }

    fn label(&self) -> &str {
        &self.name
    }

    fn names(&self) -> Vec<&str> {
        Organisation::names(self).collect()
    }

    fn identifiers(&self) -> Vec<&str> {
        self.identifiers.iter().map(|i| i.value.as_str()).collect()
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let mut refs: Vec<_> = self.parent.iter().map(|&p| ("parent", p.into())).collect();
        refs.extend(
            self.constituents
                .iter()
                .map(|&c| ("constituents", c.into())),
        );
        refs
    }
}

impl Record for Person {
    record_basics!(Person, PersonId, people);

    fn natural_key(&self) -> Option<String> {
        // Namesakes at different organisations are different people; an
        // erased person has no name left to key on.
        if self.erased {
            return None;
        }
        let first_organisation = self
            .affiliations
            .first()
            .map(|a| a.organisation.to_string())
            .unwrap_or_default();
        Some(format!("{}|{first_organisation}", fold(&self.name)))
    }

    fn label(&self) -> &str {
        &self.name
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        self.affiliations
            .iter()
            .map(|a| ("affiliations", a.organisation.into()))
            .collect()
    }
}

impl Record for Agreement {
    record_basics!(Agreement, AgreementId, agreements);

    fn natural_key(&self) -> Option<String> {
        let signed = self.signed.map(|d| d.to_string()).unwrap_or_default();
        Some(format!(
            "{}|{}|{signed}",
            self.kind.label(),
            fold(&self.title)
        ))
    }

    fn label(&self) -> &str {
        &self.title
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let mut refs: Vec<_> = self
            .parties
            .iter()
            .map(|p| ("parties", p.organisation.into()))
            .collect();
        refs.extend(self.projects.iter().map(|&p| ("projects", p.into())));
        refs
    }
}

impl Record for Contribution {
    record_basics!(Contribution, ContributionId, contributions);

    /// Contributions have none: two equal gifts on one day are two gifts.
    fn natural_key(&self) -> Option<String> {
        None
    }

    fn label(&self) -> &str {
        self.description.as_deref().unwrap_or(self.kind.label())
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let mut refs = vec![
            ("donor", self.donor.into()),
            ("recipient", self.recipient.into()),
        ];
        refs.extend(self.project.map(|p| ("project", p.into())));
        refs.extend(self.agreement.map(|a| ("agreement", a.into())));
        refs.extend(
            self.allocations
                .iter()
                .map(|a| ("allocations", a.project.into())),
        );
        refs
    }
}

impl Record for Project {
    record_basics!(Project, ProjectId, projects);

    fn natural_key(&self) -> Option<String> {
        // An IATI activity identifier is unique by the standard's rules;
        // publishers reuse titles ("Assessing the impact of COVID-19").
        Some(match &self.iati_identifier {
            Some(identifier) => format!("iati:{identifier}"),
            None => fold(&self.title),
        })
    }

    fn label(&self) -> &str {
        &self.title
    }

    fn names(&self) -> Vec<&str> {
        std::iter::once(self.title.as_str())
            .chain(self.acronym.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
            .collect()
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let mut refs: Vec<_> = self
            .lead_office
            .iter()
            .map(|&o| ("lead_office", o.into()))
            .collect();
        refs.extend(
            self.partners
                .iter()
                .map(|p| ("partners", p.organisation.into())),
        );
        refs.extend(self.parent.map(|p| ("parent", p.into())));
        refs
    }
}

impl Record for Indicator {
    record_basics!(Indicator, IndicatorId, indicators);

    fn natural_key(&self) -> Option<String> {
        Some(format!("{}|{}", self.project, fold(&self.title)))
    }

    fn label(&self) -> &str {
        &self.title
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        vec![("project", self.project.into())]
    }
}

impl Record for Group {
    record_basics!(Group, GroupId, groups);

    fn natural_key(&self) -> Option<String> {
        let parent = self.parent.map(|p| p.to_string()).unwrap_or_default();
        self.names
            .first()
            .map(|n| format!("{parent}|{}", fold(&n.name)))
    }

    fn label(&self) -> &str {
        self.current_name()
    }

    fn names(&self) -> Vec<&str> {
        self.names
            .iter()
            .flat_map(|n| {
                std::iter::once(n.name.as_str())
                    .chain(n.acronym.as_deref())
                    .chain(n.aliases.iter().map(String::as_str))
            })
            .collect()
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let mut refs: Vec<_> = self.parent.iter().map(|&p| ("parent", p.into())).collect();
        refs.extend(
            self.memberships
                .iter()
                .map(|m| ("memberships", m.organisation.into())),
        );
        refs.extend(
            self.chairs
                .iter()
                .map(|c| ("chairs", c.organisation.into())),
        );
        refs
    }
}

impl Record for Note {
    record_basics!(Note, NoteId, notes);

    /// Notes have none: the same words may be noted twice on purpose.
    fn natural_key(&self) -> Option<String> {
        None
    }

    fn label(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.text)
    }

    fn references(&self) -> Vec<(&'static str, RecordRef)> {
        let links = &self.links;
        let mut refs: Vec<(&'static str, RecordRef)> = Vec::new();
        refs.extend(
            links
                .organisations
                .iter()
                .map(|&id| ("links.organisations", id.into())),
        );
        refs.extend(links.people.iter().map(|&id| ("links.people", id.into())));
        refs.extend(
            links
                .projects
                .iter()
                .map(|&id| ("links.projects", id.into())),
        );
        refs.extend(
            links
                .agreements
                .iter()
                .map(|&id| ("links.agreements", id.into())),
        );
        refs.extend(
            links
                .contributions
                .iter()
                .map(|&id| ("links.contributions", id.into())),
        );
        refs.extend(links.groups.iter().map(|&id| ("links.groups", id.into())));
        refs
    }
}

/// Runs `$body` with the type `$t` bound to the record type of a
/// [`RecordKind`], for code generic over [`Record`] that starts from a kind
/// known only at run time:
///
/// ```
/// use partnercrm::model::{Record, RecordKind};
/// let kind = RecordKind::Project;
/// let name = partnercrm::with_record_kind!(kind, T => std::any::type_name::<T>());
/// assert!(name.ends_with("Project"));
/// ```
#[macro_export]
macro_rules! with_record_kind {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            $crate::model::RecordKind::Organisation => {
                type $t = $crate::model::Organisation;
                $body
            }
            $crate::model::RecordKind::Person => {
                type $t = $crate::model::Person;
                $body
            }
            $crate::model::RecordKind::Agreement => {
                type $t = $crate::model::Agreement;
                $body
            }
            $crate::model::RecordKind::Contribution => {
                type $t = $crate::model::Contribution;
                $body
            }
            $crate::model::RecordKind::Project => {
                type $t = $crate::model::Project;
                $body
            }
            $crate::model::RecordKind::Indicator => {
                type $t = $crate::model::Indicator;
                $body
            }
            $crate::model::RecordKind::Group => {
                type $t = $crate::model::Group;
                $body
            }
            $crate::model::RecordKind::Note => {
                type $t = $crate::model::Note;
                $body
            }
        }
    };
}
