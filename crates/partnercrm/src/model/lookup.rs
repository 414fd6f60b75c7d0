//! Finding a record by what a user calls it, by the store's rule.
//!
//! A record answers to each of its [`Record::names`] (name or title,
//! acronym, aliases) and [`Record::identifiers`], compared after
//! [`fold`]ing: case and runs of white space do not count. The store
//! indexes exactly these folded names, so a data set and a store find the
//! same records for the same text. The Python binding and the command
//! line resolve every parameter that names a record here.

use uuid::Uuid;

use super::record::fold;
use super::{Dataset, Record};
use crate::{Error, Result};

/// Whether `record` answers to `folded`, a [`fold`]ed name: one of its
/// names or identifiers, whole.
pub fn answers_to<T: Record>(record: &T, folded: &str) -> bool {
    record
        .names()
        .into_iter()
        .chain(record.identifiers())
        .any(|n| fold(n) == folded)
}

/// Whether one of `record`'s names or identifiers holds `folded`, a
/// [`fold`]ed part of a name: `"chevron corp"` is part of "Chevron
/// Corporation". What `find` searches by.
pub fn has_part<T: Record>(record: &T, folded: &str) -> bool {
    record
        .names()
        .into_iter()
        .chain(record.identifiers())
        .any(|n| fold(n).contains(folded))
}

impl Dataset {
    /// The one record of kind `T` that `text` names: its id, or a name,
    /// acronym, alias or identifier only it answers to.
    ///
    /// # Errors
    /// [`Error::NoSuchName`] when none answers, and
    /// [`Error::AmbiguousName`], listing every candidate, when several do.
    pub fn resolve<T: Record>(&self, text: &str) -> Result<&T> {
        let records = T::collection(self);
        if let Ok(id) = Uuid::parse_str(text.trim())
            && let Some(found) = records.iter().find(|r| r.uuid() == id)
        {
            return Ok(found);
        }
        let folded = fold(text);
        let found: Vec<&T> = records.iter().filter(|r| answers_to(*r, &folded)).collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::NoSuchName {
                kind: T::KIND,
                name: text.to_owned(),
            }),
            many => Err(Error::AmbiguousName {
                kind: T::KIND,
                name: text.to_owned(),
                candidates: many
                    .iter()
                    .map(|r| (r.label().to_owned(), r.uuid()))
                    .collect(),
            }),
        }
    }

    /// Every record of kind `T` that one of whose names or identifiers
    /// holds `text`, ignoring case: whole matches first, then partial ones,
    /// each in the data set's order.
    pub fn find<T: Record>(&self, text: &str) -> Vec<&T> {
        let folded = fold(text);
        if folded.is_empty() {
            return Vec::new();
        }
        let records = T::collection(self);
        let whole = records.iter().filter(|r| answers_to(*r, &folded));
        let partial = records
            .iter()
            .filter(|r| !answers_to(*r, &folded) && has_part(*r, &folded));
        whole.chain(partial).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identifier, Organisation, OrganisationKind};

    fn data() -> Dataset {
        let mut chevron =
            Organisation::new("Chevron Corporation", OrganisationKind::PrivateCompany);
        chevron.acronym = Some("CVX".into());
        let mut iom = Organisation::new(
            "International Organization for Migration",
            OrganisationKind::Igo,
        );
        iom.acronym = Some("IOM".into());
        iom.identifiers.push(Identifier::iati("XM-DAC-47066"));
        let twin = Organisation::new("IOM", OrganisationKind::CountryOffice);
        let mut data = Dataset::new();
        data.organisations = vec![chevron, iom, twin];
        data
    }

    #[test]
    fn resolves_by_id_name_acronym_and_identifier_ignoring_case_and_spaces() {
        let data = data();
        let chevron = data.organisations[0].id;
        for text in [
            chevron.to_string().as_str(),
            "chevron  corporation",
            "cvx",
            " Chevron Corporation ",
        ] {
            assert_eq!(
                data.resolve::<Organisation>(text).map(|o| o.id).ok(),
                Some(chevron),
                "{text}"
            );
        }
        let iom = data.organisations[1].id;
        assert_eq!(
            data.resolve::<Organisation>("xm-dac-47066")
                .map(|o| o.id)
                .ok(),
            Some(iom)
        );
    }

    #[test]
    fn an_ambiguous_name_lists_every_candidate_and_an_unknown_one_says_so() {
        let data = data();
        let error = data.resolve::<Organisation>("iom").err();
        let Some(Error::AmbiguousName { candidates, .. }) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            candidates
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>(),
            ["International Organization for Migration", "IOM"]
        );
        assert!(
            error
                .map(|e| e.to_string())
                .unwrap_or_default()
                .starts_with(
                    "\"iom\" names 2 organisations: International Organization for Migration ("
                )
        );
        assert!(matches!(
            data.resolve::<Organisation>("Shell"),
            Err(Error::NoSuchName { .. })
        ));
    }

    #[test]
    fn find_matches_parts_of_names_whole_matches_first() {
        let data = data();
        let names = |text| {
            data.find::<Organisation>(text)
                .iter()
                .map(|o| o.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("chevron corp"), ["Chevron Corporation"]);
        assert_eq!(
            names("IOM"),
            ["International Organization for Migration", "IOM"]
        );
        assert_eq!(
            names("migration"),
            ["International Organization for Migration"]
        );
        assert!(names("  ").is_empty());
    }
}
