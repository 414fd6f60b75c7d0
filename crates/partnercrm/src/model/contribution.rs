//! Contributions: cash, in-kind gifts, services, and pledges with their payments.

use serde::{Deserialize, Serialize};

use super::dates::{PartialDate, Period};
use super::ids::{AgreementId, ContributionId, OrganisationId, ProjectId};
use super::money::Money;

/// Something given by a donor to a recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// Stable identifier.
    pub id: ContributionId,
    /// What form it took.
    pub kind: ContributionKind,
    /// Who gave it.
    pub donor: OrganisationId,
    /// Who received it, often a country office.
    pub recipient: OrganisationId,
    /// What it was worth, if known.
    #[serde(default)]
    pub value: ContributionValue,
    /// When it was given, if a single date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// The span it was given over, e.g. 2004 to 2005.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
    /// The project it is earmarked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectId>,
    /// The agreement it was given under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<AgreementId>,
    /// What was given or what it paid for, e.g. "boat ambulances".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Payments made against a pledge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
}

impl Contribution {
    /// A new contribution of unknown value with a fresh id.
    pub fn new(kind: ContributionKind, donor: OrganisationId, recipient: OrganisationId) -> Self {
        Self {
            id: ContributionId::new(),
            kind,
            donor,
            recipient,
            value: ContributionValue::Unknown,
            date: None,
            period: Period::OPEN,
            project: None,
            agreement: None,
            description: None,
            payments: Vec::new(),
        }
    }

    /// The date to count it on: its date, else the start of its period.
    pub fn effective_date(&self) -> Option<PartialDate> {
        self.date.or(self.period.start)
    }
}

/// The form a contribution took.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// Money paid.
    Cash,
    /// Goods given, such as medicines or housing units.
    InKind,
    /// A promise of money, paid through [`Payment`]s.
    Pledge,
    /// Work or advice given, such as media advice or airtime.
    Services,
}

impl ContributionKind {
    /// A label for reports.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::InKind => "in-kind",
            Self::Pledge => "pledge",
            Self::Services => "services",
        }
    }
}

/// What a contribution was worth.
///
/// An unknown amount is unknown: it is never zero, so no total can quietly
/// absorb it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum ContributionValue {
    /// The source gives no amount.
    #[default]
    Unknown,
    /// The amount paid or pledged.
    Actual {
        /// The amount.
        #[serde(flatten)]
        money: Money,
    },
    /// An estimate, as for goods given in kind.
    Estimated {
        /// The estimated amount.
        #[serde(flatten)]
        money: Money,
    },
}

impl ContributionValue {
    /// An actual amount.
    pub const fn actual(money: Money) -> Self {
        Self::Actual { money }
    }

    /// The amount, actual or estimated, if any.
    pub const fn money(&self) -> Option<&Money> {
        match self {
            Self::Unknown => None,
            Self::Actual { money } | Self::Estimated { money } => Some(money),
        }
    }
}

/// A payment made against a pledge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// When it was paid.
    pub date: PartialDate,
    /// How much.
    pub amount: Money,
}
