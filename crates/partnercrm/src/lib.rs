//! partnercrm: a partnership CRM for international organisations.
//!
//! It models the partners of an organisation such as IOM, and everything
//! that links them: agreements, contributions, projects and their outcomes,
//! inter-agency groups, people and notes. It checks the data with rules an
//! analyst would expect and reports every problem at once.
//!
//! Data flows one way: [`io`] reads documents into the [`model`], [`validate`]
//! checks it, and [`query`] answers questions about it.
//!
//! # A quick tour
//!
//! ```
//! use partnercrm::model::*;
//!
//! let mut data = Dataset::new();
//! let iom = Organisation::new("International Organization for Migration", OrganisationKind::UnAgency);
//! let chevron = Organisation::new("Chevron", OrganisationKind::PrivateCompany);
//!
//! let mut gift = Contribution::new(ContributionKind::Cash, chevron.id, iom.id);
//! gift.value = ContributionValue::actual(Money::parse("400000", "USD")?);
//! gift.date = Some("2008-05".parse()?);
//!
//! data.organisations.extend([iom, chevron]);
//! data.contributions.push(gift);
//! assert!(data.validate().is_clean());
//!
//! // An amount may not be zero, and a donor cannot give to itself.
//! let donor = data.organisations[1].id;
//! let mut bad = Contribution::new(ContributionKind::Cash, donor, donor);
//! bad.value = ContributionValue::actual(Money::parse("0", "JPY")?);
//! bad.date = Some("2009".parse()?);
//! data.contributions.push(bad);
//!
//! // Every problem at once, each with a stable code and a path.
//! let report = data.validate();
//! let found: Vec<String> = report.errors().map(|p| format!("{} {}", p.path, p.code)).collect();
//! assert_eq!(found, [
//!     "contributions[1].recipient contribution.self_donation",
//!     "contributions[1].value money.not_positive",
//! ]);
//! # Ok::<(), partnercrm::Error>(())
//! ```

pub mod error;
pub mod io;
pub mod model;
pub mod progress;
pub mod query;
pub mod store;
pub mod synthetic;
pub mod validate;

pub use error::{Error, Result};
pub use model::Dataset;
pub use validate::{Problem, Report, Severity};

// The README's examples are tests too, so the README cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
