//! Interchange: reading and writing data sets in outside formats.
//!
//! A file read into a store names records the store already holds: a CSV
//! cell names an organisation, an IATI activity is a stored project, an
//! exported transaction is a stored contribution. [`known`] is the one
//! answer to what each reader needs of the store for that; the command line
//! and the Python package pass the store and nothing else.

pub mod csv;
pub mod iati;
pub mod json;
pub mod text;
pub mod workbook;

use crate::Result;
use crate::model::{Dataset, RecordKind};
use crate::store::Store;

/// A format the readers take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A `partnercrm/1` JSON document: it carries every id, so it needs
    /// nothing of the store.
    Json,
    /// A CSV file of one kind of record: its cells name stored records,
    /// and a row with a stored record's id updates it
    /// ([`CsvKind::known_kinds`](csv::CsvKind::known_kinds)).
    Csv(csv::CsvKind),
    /// IATI activities: organisations by identifier or name, projects by
    /// IATI identifier, and the contributions, indicators and agreements an
    /// export of the store wrote, so that reading it back changes nothing.
    Iati,
}

impl Format {
    /// The kinds of stored record a reader of this format resolves against.
    pub const fn known_kinds(self) -> &'static [RecordKind] {
        match self {
            Self::Json => &[],
            Self::Csv(kind) => kind.known_kinds(),
            // Every kind: an organisation the file folds into another is
            // moved out of whatever refers to it (see `iati::Import::deletes`).
            Self::Iati => &RecordKind::ALL,
        }
    }
}

/// What readers of `formats` need to know of `store`, read in one snapshot:
/// pass it as the `known` data set of [`csv::read`] or [`iati::read_str`].
pub fn known(store: &Store, formats: &[Format]) -> Result<Dataset> {
    let mut kinds: Vec<RecordKind> = Vec::new();
    for format in formats {
        for kind in format.known_kinds() {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
    }
    // In the data set's order, so the result does not depend on the formats' order.
    kinds.sort_by_key(|k| RecordKind::ALL.iter().position(|a| a == k));
    if kinds.is_empty() {
        return Ok(Dataset::new());
    }
    store.dataset_of(&kinds, None)
}
