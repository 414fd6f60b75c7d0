//! Organisations: partners, donors, agencies and the offices inside them.

use serde::{Deserialize, Serialize};

use super::codes::CountryCode;
use super::ids::OrganisationId;
use super::narrative::Narrative;

/// An organisation: a UN agency, an NGO, a company, a government, a country office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Stable identifier.
    pub id: OrganisationId,
    /// The name in use, e.g. "International Organization for Migration".
    pub name: String,
    /// The name in every language the source gives, when it gives more
    /// than `name` alone or names its language (IATI narratives).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name_narratives: Vec<Narrative>,
    /// A short form, e.g. "IOM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// Other names the organisation is known by, in any language
    /// (sources mix "Weltbank" and "World Bank").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What sort of organisation it is.
    pub kind: OrganisationKind,
    /// Where it is based, or the country a country office serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// The organisation this one is part of: IOM for IOM Colombia,
    /// Dow Chemical for the Dow Chemical Foundation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<OrganisationId>,
    /// For a body listed as one that stands for several, such as
    /// "the UN regional commissions", the organisations it stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constituents: Vec<OrganisationId>,
    /// Identifiers in external registries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// The organisation's web site, as the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Free text: what it does, as the source describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Organisation {
    /// A new organisation with a fresh id and no optional details.
    pub fn new(name: impl Into<String>, kind: OrganisationKind) -> Self {
        Self {
            id: OrganisationId::new(),
            name: name.into(),
            name_narratives: Vec::new(),
            acronym: None,
            aliases: Vec::new(),
            kind,
            country: None,
            parent: None,
            constituents: Vec::new(),
            identifiers: Vec::new(),
            website: None,
            description: None,
        }
    }

    /// Every name this organisation answers to: name, acronym and aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.acronym.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
    }

    /// Whether `name` is this organisation's name, acronym or an alias,
    /// ignoring case.
    pub fn answers_to(&self, name: &str) -> bool {
        let wanted = name.to_lowercase();
        self.names().any(|n| n.to_lowercase() == wanted)
    }

    /// The identifier an IATI file names this organisation by: its IATI
    /// org-id, else a legacy one (retired list, CRS channel code, unlisted
    /// reference), in that order of preference.
    pub fn iati_reference(&self) -> Option<&Identifier> {
        IdentifierScheme::IATI_REFERENCES
            .iter()
            .find_map(|scheme| self.identifiers.iter().find(|i| &i.scheme == scheme))
    }

    /// Which end of a transaction this organisation stands in for when it is
    /// one a source leaves unnamed ([`IdentifierScheme::NotStated`]);
    /// `None` for every organisation that is named.
    pub fn not_stated(&self) -> Option<TransactionEnd> {
        self.identifiers
            .iter()
            .filter(|i| i.scheme == IdentifierScheme::NotStated)
            .find_map(|i| TransactionEnd::of_not_stated(&i.value))
    }

    /// The IATI organisation identifier, if it has one.
    pub fn iati_org_id(&self) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|i| i.scheme == IdentifierScheme::IatiOrgId)
            .map(|i| i.value.as_str())
    }
}

/// What sort of organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// A UN agency, fund, programme or related organisation.
    UnAgency,
    /// Another intergovernmental organisation, such as the World Bank.
    Igo,
    /// A non-governmental or civil-society organisation.
    NgoCso,
    /// A company.
    PrivateCompany,
    /// A foundation, including a company's charitable foundation.
    Foundation,
    /// A national or local government, or one of its agencies.
    Government,
    /// A university or research institute.
    Academic,
    /// A broadcaster, publisher or production house.
    Media,
    /// A membership association, such as an industry body.
    Association,
    /// A country or regional office of a larger organisation.
    CountryOffice,
    /// Anything else.
    Other,
}

impl OrganisationKind {
    /// Every kind, in declaration order.
    pub const ALL: [OrganisationKind; 11] = [
        Self::UnAgency,
        Self::Igo,
        Self::NgoCso,
        Self::PrivateCompany,
        Self::Foundation,
        Self::Government,
        Self::Academic,
        Self::Media,
        Self::Association,
        Self::CountryOffice,
        Self::Other,
    ];

    /// A label for reports.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::UnAgency => "UN agency",
            Self::Igo => "intergovernmental organisation",
            Self::NgoCso => "NGO / civil society",
            Self::PrivateCompany => "private company",
            Self::Foundation => "foundation",
            Self::Government => "government",
            Self::Academic => "academic",
            Self::Media => "media",
            Self::Association => "association",
            Self::CountryOffice => "country office",
            Self::Other => "other",
        }
    }

    /// The closest IATI OrganisationType code. A country office takes its
    /// parent's type in IATI, so it has none of its own here.
    pub const fn iati_organisation_type(&self) -> Option<&'static str> {
        match self {
            Self::UnAgency | Self::Igo => Some("40"),
            Self::NgoCso => Some("21"),
            Self::PrivateCompany | Self::Media => Some("70"),
            Self::Foundation => Some("60"),
            Self::Government => Some("10"),
            Self::Academic => Some("80"),
            Self::Association => Some("90"),
            Self::CountryOffice => None,
            Self::Other => Some("90"),
        }
    }
}

/// An identifier in an external registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// The registry.
    pub scheme: IdentifierScheme,
    /// The identifier, e.g. `XM-DAC-47066`.
    pub value: String,
}

impl Identifier {
    /// An IATI organisation identifier (org-id.guide), e.g. `XM-DAC-47066`.
    pub fn iati(value: impl Into<String>) -> Self {
        Self {
            scheme: IdentifierScheme::IatiOrgId,
            value: value.into(),
        }
    }

    /// The mark of the organisation that stands in for the one an IATI
    /// activity's transactions leave unnamed at `end`: `receiver:` or
    /// `provider:` and the activity identifier.
    pub fn not_stated(end: TransactionEnd, activity: &str) -> Self {
        Self {
            scheme: IdentifierScheme::NotStated,
            value: format!("{}:{activity}", end.as_str()),
        }
    }
}

/// An end of a transaction: who gives, or who receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionEnd {
    /// The organisation money comes from (IATI `provider-org`).
    Provider,
    /// The organisation money goes to (IATI `receiver-org`).
    Receiver,
}

impl TransactionEnd {
    /// `"provider"` or `"receiver"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Receiver => "receiver",
        }
    }

    /// The end a [`IdentifierScheme::NotStated`] value names.
    fn of_not_stated(value: &str) -> Option<Self> {
        match value.split_once(':')?.0 {
            "provider" => Some(Self::Provider),
            "receiver" => Some(Self::Receiver),
            _ => None,
        }
    }
}

/// Which registry an [`Identifier`] comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierScheme {
    /// An IATI organisation identifier: a registration agency prefix from
    /// org-id.guide, a hyphen, and the identifier in that registry.
    IatiOrgId,
    /// An identifier from IATI's OrganisationIdentifier list, retired in 1.04
    /// and still written by publishers: `DE-1`, `FR-3`, `SE-6`.
    RetiredOrgId,
    /// An OECD DAC CRS channel code naming one organisation, e.g. `41114`
    /// (UNDP, whose org-id is `XM-DAC-41114`).
    CrsChannelCode,
    /// An organisation reference an IATI file uses that no list holds, such
    /// as `US-GOV-1` or `DAC-1601`: kept as the publisher wrote it.
    IatiReference,
    /// No registry's: marks an organisation that stands in for one a source
    /// leaves unnamed, so that what it gave or received is still held. An
    /// IATI transaction without `receiver-org` (or `provider-org`), whose
    /// activity has no single other implementing (or funding) organisation
    /// to take its place, is given one per activity and end, valued
    /// `receiver:<activity identifier>` (or `provider:…`, see
    /// [`Identifier::not_stated`]) and named `Receiver not stated in
    /// <activity identifier>`. An IATI export leaves the element out again,
    /// and reading it back finds the same organisation.
    NotStated,
    /// Any other registry, named by the caller.
    Other(String),
}

impl IdentifierScheme {
    /// The schemes an IATI `@ref` may be read as, most authoritative first.
    pub const IATI_REFERENCES: [IdentifierScheme; 4] = [
        Self::IatiOrgId,
        Self::RetiredOrgId,
        Self::CrsChannelCode,
        Self::IatiReference,
    ];

    /// The prefix of an organisation's natural key when this scheme names it,
    /// e.g. `iati` for `iati:XM-DAC-47066`; `None` for schemes that do not.
    pub const fn key_prefix(&self) -> Option<&'static str> {
        match self {
            Self::IatiOrgId => Some("iati"),
            Self::RetiredOrgId => Some("iati-retired"),
            Self::CrsChannelCode => Some("crs"),
            Self::IatiReference => Some("iati-ref"),
            Self::NotStated | Self::Other(_) => None,
        }
    }
}
