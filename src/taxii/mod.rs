//! A TAXII 2.1 server at `/taxii2/`: discovery, one API root, the collections of a caller
//! (reports and indicators visible to them), objects with paging and filters, manifests. The
//! same credentials as the REST API (and HTTP Basic with an API key as password), the same TLP
//! rules, re-checked on every page: `next` is a keyset position, never a grant.

pub mod pages;
pub mod routes;
pub mod service;
pub mod store;

use uuid::Uuid;

/// `application/taxii+json;version=2.1`.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// A collection of the platform (the same three for every caller; what is in them depends on
/// who asks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// Reports visible to the caller, with their indicators.
    Reports,
    /// Indicators of the reports visible to the caller: the feed a bank or ISP screens against.
    Indicators,
    /// Write-only: STIX objects added here become reports of the caller's organisation.
    Submit,
}

impl Collection {
    pub const ALL: [Collection; 3] = [Collection::Reports, Collection::Indicators, Collection::Submit];

    pub fn id(self) -> Uuid {
        match self {
            Collection::Reports => Uuid::from_u128(0x5c1b8e2a_7d4f_4e0b_9a61_3c2f1e0d9b01),
            Collection::Indicators => Uuid::from_u128(0x5c1b8e2a_7d4f_4e0b_9a61_3c2f1e0d9b02),
            Collection::Submit => Uuid::from_u128(0x5c1b8e2a_7d4f_4e0b_9a61_3c2f1e0d9b03),
        }
    }

    pub fn of(id: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.id().to_string() == id)
    }

    pub fn title(self) -> &'static str {
        match self {
            Collection::Reports => "Reports visible to you",
            Collection::Indicators => "Indicators visible to you",
            Collection::Submit => "Submit",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Collection::Reports => "STIX report objects with their indicators, under TLP as the REST API applies it",
            Collection::Indicators => "STIX indicators (patterns) of the reports visible to you: the screening feed",
            Collection::Submit => "Add STIX reports and indicators: they become reports of your organisation (TLP from their markings, AMBER by default)",
        }
    }

    /// Whether an object of this STIX type belongs to the collection.
    pub fn holds(self, stix_type: &str) -> bool {
        match self {
            Collection::Reports => matches!(stix_type, "report" | "indicator"),
            Collection::Indicators => stix_type == "indicator",
            Collection::Submit => false,
        }
    }
}
