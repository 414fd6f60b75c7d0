//! Typed record identifiers: one UUID v7 newtype per entity, so an agreement id
//! can never be passed where an organisation id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
