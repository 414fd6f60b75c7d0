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
            period: Period::OPEN,
            status: None,
            lead_office: None,
            partners: Vec::new(),
            budgets: Vec::new(),
            parent: None,
        }
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
