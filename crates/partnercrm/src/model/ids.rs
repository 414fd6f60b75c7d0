//! Typed record identifiers: one UUID v7 newtype per entity, so an agreement id
//! can never be passed where an organisation id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A hasher for maps keyed by record ids. UUID v7's low 64 bits are random,
/// so they are already a good hash; SipHash's protection against chosen keys
/// buys nothing here and costs a third of a million-record validation.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Fold in 8 bytes at a time; a UUID arrives as one 16-byte write.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, value: usize) {
        // Length prefixes carry no information for fixed-size ids.
        self.0 ^= value as u64;
    }
}

/// Builds [`IdHasher`]s.
pub type BuildIdHasher = std::hash::BuildHasherDefault<IdHasher>;

/// A map keyed by record ids.
pub type IdMap<K, V> = std::collections::HashMap<K, V, BuildIdHasher>;

/// A set of record ids.
pub type IdSet<K> = std::collections::HashSet<K, BuildIdHasher>;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh id. UUID v7 ids sort by creation time, which keeps
            /// B-tree indexes append-mostly.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID, e.g. one read back from storage.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

typed_id!(
    /// Identifies an [`Organisation`](crate::model::Organisation).
    OrganisationId
);
typed_id!(
    /// Identifies a [`Person`](crate::model::Person).
    PersonId
);
typed_id!(
    /// Identifies an [`Agreement`](crate::model::Agreement).
    AgreementId
);
typed_id!(
    /// Identifies a [`Contribution`](crate::model::Contribution).
    ContributionId
);
typed_id!(
    /// Identifies a [`Project`](crate::model::Project).
    ProjectId
);
typed_id!(
    /// Identifies an [`Indicator`](crate::model::Indicator).
    IndicatorId
);
typed_id!(
    /// Identifies a [`Group`](crate::model::Group).
    GroupId
);
typed_id!(
    /// Identifies a [`Note`](crate::model::Note).
    NoteId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_v7_and_ordered() {
        let a = OrganisationId::new();
        let b = OrganisationId::new();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn parses_and_displays_round_trip() {
        let id = ProjectId::new();
        let parsed: ProjectId = id.to_string().parse().expect("valid uuid");
        assert_eq!(id, parsed);
        assert!("not-a-uuid".parse::<ProjectId>().is_err());
    }

    #[test]
    fn serialises_as_plain_string() {
        let id = NoteId::new();
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{id}\""));
    }
}
