//! Agreements in force, expiring, or by kind and party.
//!
//! An agreement is in force on a day when its effective period covers the
//! day. With no effective dates recorded, it counts from its signing (if
//! known) unless its status says it has ended or not yet begun.
//!
//! ```
//! use chrono::NaiveDate;
//! use partnercrm::model::AgreementKind;
//! use partnercrm::query::agreements;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let day = NaiveDate::from_ymd_opt(2007, 6, 1).unwrap();
//! assert_eq!(agreements::active_on(&data, day).len(), 3);
//! assert_eq!(agreements::by_kind_and_party(&data, Some(AgreementKind::Trilateral), None).len(), 2);
//! # Ok::<(), partnercrm::Error>(())
//! ```

use chrono::{Days, NaiveDate};

use crate::model::{Agreement, AgreementKind, AgreementStatus, Dataset, OrganisationId, Period};

/// Whether `agreement` is in force on `day`.
pub fn in_force(agreement: &Agreement, day: NaiveDate) -> bool {
    if !agreement.effective.is_open() {
        return agreement.effective.contains(day);
    }
    let not_ended = !matches!(
        agreement.status,
        Some(
            AgreementStatus::Expired
                | AgreementStatus::Terminated
                | AgreementStatus::Draft
                | AgreementStatus::Negotiating
        )
    );
    not_ended
        && agreement
            .signed
            .is_some_and(|signed| Period::from(signed).contains(day))
}

/// Agreements in force on `day`.
pub fn active_on(data: &Dataset, day: NaiveDate) -> Vec<&Agreement> {
    data.agreements
        .iter()
        .filter(|a| in_force(a, day))
        .collect()
}

/// Agreements in force on `day` whose recorded end falls within `days` days after it.
pub fn expiring_within(data: &Dataset, day: NaiveDate, days: u32) -> Vec<&Agreement> {
    let horizon = day
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    data.agreements
        .iter()
        .filter(|a| in_force(a, day) && a.effective.end.is_some_and(|end| end.latest() <= horizon))
        .collect()
}

/// Agreements of a kind, with a party, or both (`None` matches any).
pub fn by_kind_and_party(
    data: &Dataset,
    kind: Option<AgreementKind>,
    party: Option<OrganisationId>,
) -> Vec<&Agreement> {
    data.agreements
        .iter()
        .filter(|a| kind.is_none_or(|k| a.kind == k) && party.is_none_or(|p| a.has_party(p)))
        .collect()
}

/// A data set holding just these agreements, for tables.
pub fn subset(agreements: &[&Agreement]) -> Dataset {
    Dataset {
        agreements: agreements.iter().map(|a| (*a).clone()).collect(),
        ..Dataset::default()
    }
}
