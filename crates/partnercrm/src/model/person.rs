//! People at partners, and what links them to organisations.

use serde::{Deserialize, Serialize};

use super::dates::Period;
use super::ids::{OrganisationId, PersonId};

/// A person: a partner's staff member, an official, or someone a project served.
///
/// Names and contact details are personal data: they can be erased, leaving
/// the record in place so that quotes and affiliations still point somewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Stable identifier.
    pub id: PersonId,
    /// Full name as the source gives it. Empty only once erased.
    pub name: String,
    /// Dated roles at organisations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<Affiliation>,
    /// How to reach the person.
    #[serde(default, skip_serializing_if = "Contact::is_empty")]
    pub contact: Contact,
    /// Free text, e.g. "IDP in the Koosar settlement, Burao".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set when the person's personal data has been erased on request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

impl Person {
    /// A new person with a fresh id.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: PersonId::new(),
            name: name.into(),
            affiliations: Vec::new(),
            contact: Contact::default(),
            description: None,
            erased: false,
        }
    }

    /// Removes the name, contact details and description, keeping the record
    /// (and its affiliations) as a tombstone so that references stay valid.
    pub fn erase(&mut self) {
        self.name.clear();
        self.contact = Contact::default();
        self.description = None;
        self.erased = true;
    }
}

/// A role at an organisation over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Affiliation {
    /// Where.
    pub organisation: OrganisationId,
    /// The job title, e.g. "Head of International Recruitment".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When; open ends when unknown.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
}

/// Contact details: personal data, removed when a person is erased.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Contact {
    /// Whether no detail is recorded.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }
}
