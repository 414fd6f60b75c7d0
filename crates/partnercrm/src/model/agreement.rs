//! Agreements: MoUs and bilateral, trilateral and multilateral accords.

use serde::{Deserialize, Serialize};

use super::dates::{PartialDate, Period};
use super::ids::{AgreementId, OrganisationId, ProjectId};

/// A signed (or planned) agreement between organisations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// Stable identifier.
    pub id: AgreementId,
    /// A short title.
    pub title: String,
    /// The form of agreement; it fixes how many parties there must be.
    pub kind: AgreementKind,
    /// The organisations bound by it, each in one or more roles.
    pub parties: Vec<Party>,
    /// When it was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<PartialDate>,
    /// When it is in force.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub effective: Period,
    /// Where it stands; `None` when the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AgreementStatus>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Changes made after signing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Amendment>,
    /// Projects carried out under it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectId>,
}

impl Agreement {
    /// A new agreement with a fresh id and no parties yet.
    pub fn new(title: impl Into<String>, kind: AgreementKind) -> Self {
        Self {
            id: AgreementId::new(),
            title: title.into(),
            kind,
            parties: Vec::new(),
            signed: None,
            effective: Period::OPEN,
            status: None,
            purpose: None,
            amendments: Vec::new(),
            projects: Vec::new(),
        }
    }

    /// Adds a party in the given roles.
    pub fn with_party(mut self, organisation: OrganisationId, roles: &[PartyRole]) -> Self {
        self.parties.push(Party {
            organisation,
            roles: roles.to_vec(),
        });
        self
    }

    /// Whether `organisation` is a party.
    pub fn has_party(&self, organisation: OrganisationId) -> bool {
        self.parties.iter().any(|p| p.organisation == organisation)
    }
}

/// The form of an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    /// A memorandum of understanding.
    Mou,
    /// Exactly two parties.
    Bilateral,
    /// Exactly three parties.
    Trilateral,
    /// Four or more parties.
    Multilateral,
    /// A framework under which further agreements are made.
    Framework,
    /// A funding (donor) agreement.
    Funding,
    /// Anything else, such as a partnership with an association.
    Other,
}

impl AgreementKind {
    /// The number of distinct parties this kind requires, as (minimum, maximum).
    pub const fn party_bounds(&self) -> (usize, Option<usize>) {
        match self {
            Self::Bilateral => (2, Some(2)),
            Self::Trilateral => (3, Some(3)),
            Self::Multilateral => (4, None),
            Self::Mou | Self::Framework | Self::Funding | Self::Other => (2, None),
        }
    }

    /// A label for reports.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Mou => "MoU",
            Self::Bilateral => "bilateral",
            Self::Trilateral => "trilateral",
            Self::Multilateral => "multilateral",
            Self::Framework => "framework",
            Self::Funding => "funding",
            Self::Other => "other",
        }
    }
}

/// An organisation bound by an agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Who.
    pub organisation: OrganisationId,
    /// In what capacity; at least one.
    pub roles: Vec<PartyRole>,
}

/// The capacity in which an organisation is party to an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// Signs the agreement.
    Signatory,
    /// Provides funds or goods.
    Donor,
    /// Carries out the work.
    Implementer,
    /// A government taking part as the host or counterpart state.
    GovernmentCounterpart,
    /// Receives the benefit.
    Beneficiary,
}

/// Where an agreement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Being written.
    Draft,
    /// Under negotiation.
    Negotiating,
    /// In force.
    Active,
    /// Ran to its end.
    Expired,
    /// Ended early.
    Terminated,
}

/// A change to an agreement after signing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// When it was made.
    pub date: PartialDate,
    /// What it changed.
    pub summary: String,
}
