//! Typed identifiers. An `InitiativeId` can never be passed where a `UserId` is expected, and no layer
//! passes bare integers across its boundary.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a database key. Only the storage layer and parsers of trusted input call this.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw key, for binding into queries and building URLs.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// An organisation hosted on the hub (a trust, a council, a care provider).
    OrganisationId,
    /// A site (hospital, care home, clinic) of one organisation.
    SiteId,
    /// A unit (ward, team, department) within a site.
    UnitId,
    /// A person with an account.
    UserId,
    /// An idea and everything that grows from it.
    InitiativeId,
    /// A comment on an initiative.
    CommentId,
    /// A personal API token.
    TokenId,
    /// A measure of an initiative.
    MeasureId,
    /// A plan-do-study-act cycle.
    PdsaCycleId,
    /// A phase break on a measure's chart (limits recalculated from there).
    PhaseId,
);
