//! Projects and programmes, with their places, partners and parent projects.

use serde::{Deserialize, Serialize};

use super::budget::Budget;
use super::codes::{CountryCode, SectorCode};
use super::dates::Period;
use super::ids::{OrganisationId, ProjectId};
use super::narrative::Narrative;

/// A project or programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Stable identifier.
    pub id: ProjectId,
    /// The title in use.
    pub title: String,
    /// The IATI activity identifier, e.g. `XM-DAC-47066-DP.2154`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iati_identifier: Option<String>,
    /// The title in every language the source gives, when it gives more
    /// than `title` alone or names its language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title_narratives: Vec<Narrative>,
    /// A short form, e.g. "SACTAP".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// Other titles, e.g. in another language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The description in every language the source gives, as for
    /// `title_narratives`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description_narratives: Vec<Narrative>,
    /// Countries it works in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<CountryCode>,
    /// Places within those countries, e.g. "Lampedusa".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// Free-text themes, e.g. "counter-trafficking".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
    /// OECD DAC sectors, for IATI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<SectorCode>,
    /// Sectors under other vocabularies, as IATI publishers give them: SDG
    /// goals and targets, humanitarian clusters, their own lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_sectors: Vec<Sector>,
    /// When it runs.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
    /// Where it stands, as IATI's ActivityStatus has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
    /// The office that leads it, e.g. IOM Pakistan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_office: Option<OrganisationId>,
    /// Organisations taking part, in IATI roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<ProjectPartner>,
    /// What its publisher plans to spend, period by period (IATI's
    /// `budget`), in the order the source gives them. Plans, not
    /// contributions: no total of contributions counts them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<Budget>,
    /// The programme this project belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ProjectId>,
}

impl Project {
    /// A new project with a fresh id.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            id: ProjectId::new(),
            title: title.into(),
            iati_identifier: None,
            title_narratives: Vec::new(),
            acronym: None,
            aliases: Vec::new(),
            description: None,
            description_narratives: Vec::new(),
            countries: Vec::new(),
            places: Vec::new(),
            themes: Vec::new(),
            sectors: Vec::new(),
            other_sectors: Vec::new(),
            period: Period::OPEN,
            status: None,
            lead_office: None,
            partners: Vec::new(),
            budgets: Vec::new(),
            parent: None,
        }
    }
}

/// A sector under an IATI SectorVocabulary other than the OECD DAC 5-digit
/// list, written `vocabulary:code` (`7:3` is SDG goal 3, `10:Health` the
/// health cluster).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sector {
    /// The IATI SectorVocabulary code, e.g. `"7"` for SDG goals.
    pub vocabulary: String,
    /// The code within that vocabulary, as the publisher wrote it.
    pub code: String,
}

/// The IATI SectorVocabulary codelist: code and English name. `1` (the DAC
/// 5-digit list) is what [`Project::sectors`] holds.
pub const SECTOR_VOCABULARIES: &[(&str, &str)] = &[
    ("1", "OECD DAC CRS Purpose Codes (5 digit)"),
    ("2", "OECD DAC CRS Purpose Codes (3 digit)"),
    ("3", "Classification of the Functions of Government (UN)"),
    (
        "4",
        "Statistical classification of economic activities in the European Community",
    ),
    ("5", "National Taxonomy of Exempt Entities (USA)"),
    ("6", "AidData"),
    ("7", "Sustainable Development Goals (SDG)"),
    ("8", "Sustainable Development Goals (SDG) Target"),
    ("9", "Sustainable Development Goals (SDG) Indicator"),
    (
        "10",
        "Humanitarian Global Clusters (Inter-Agency Standing Committee)",
    ),
    (
        "11",
        "North American Industry Classification System (NAICS)",
    ),
    ("12", "UN System Function"),
    ("98", "Reporting Organisation 2"),
    ("99", "Reporting Organisation"),
];

impl Sector {
    /// The English name of the vocabulary, if it is one of IATI's.
    pub fn vocabulary_name(&self) -> Option<&'static str> {
        SECTOR_VOCABULARIES
            .iter()
            .find(|(code, _)| *code == self.vocabulary)
            .map(|(_, name)| *name)
    }
}

impl std::fmt::Display for Sector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.vocabulary, self.code)
    }
}

impl std::str::FromStr for Sector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (vocabulary, code) = text
            .split_once(':')
            .map(|(v, c)| (v.trim(), c.trim()))
            .filter(|(v, c)| !v.is_empty() && !c.is_empty())
            .ok_or_else(|| {
                format!("{text:?} is not a sector as vocabulary:code, e.g. 7:3 for SDG goal 3")
            })?;
        let sector = Self {
            vocabulary: vocabulary.to_owned(),
            code: code.to_owned(),
        };
        if sector.vocabulary_name().is_none() {
            return Err(format!(
                "{vocabulary:?} is not an IATI SectorVocabulary code (1-12, 98, 99)"
            ));
        }
        Ok(sector)
    }
}

impl Serialize for Sector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An organisation taking part in a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectPartner {
    /// Who.
    pub organisation: OrganisationId,
    /// In what role.
    pub role: ProjectRole,
    /// When, if not for the whole project: Save the Children joined Praesidium in 2008.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
}

/// A partner's role in a project: IATI's OrganisationRole codelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    /// Provides the money (IATI 1).
    Funding,
    /// Answers for the activity (IATI 2).
    Accountable,
    /// Manages the funds on the funder's behalf (IATI 3).
    Extending,
    /// Carries out the work (IATI 4).
    Implementing,
}

impl ProjectRole {
    /// The IATI OrganisationRole code.
    pub const fn iati_code(&self) -> u8 {
        match self {
            Self::Funding => 1,
            Self::Accountable => 2,
            Self::Extending => 3,
            Self::Implementing => 4,
        }
    }
}

/// Where a project stands: IATI's ActivityStatus codelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Being designed (IATI 1).
    Pipeline,
    /// Under way (IATI 2).
    Implementation,
    /// Work done, accounts open (IATI 3).
    Finalisation,
    /// Finished (IATI 4).
    Closed,
    /// Stopped early (IATI 5).
    Cancelled,
    /// Paused (IATI 6).
    Suspended,
}

impl ProjectStatus {
    /// The IATI ActivityStatus code.
    pub const fn iati_code(&self) -> u8 {
        match self {
            Self::Pipeline => 1,
            Self::Implementation => 2,
            Self::Finalisation => 3,
            Self::Closed => 4,
            Self::Cancelled => 5,
            Self::Suspended => 6,
        }
    }
}
