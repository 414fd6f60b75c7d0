//! Rules for people and their affiliations.

use super::{Checker, Index, Path};
use crate::model::Dataset;

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, person) in data.people.iter().enumerate() {
        let path = || Path::root("people").index(i);
        // An erased person keeps no name: that is the point of erasure.
        if !person.erased {
            out.text(|| path().field("name"), &person.name, "the name");
        }
        for (a, affiliation) in person.affiliations.iter().enumerate() {
            let at = path().field("affiliations").index(a);
            out.reference(
                || at.field("organisation"),
                &affiliation.organisation,
                &index.organisations,
                "organisation",
            );
            out.period(|| at.field("period"), &affiliation.period);
        }
    }
}
