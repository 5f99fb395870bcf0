//! Indicators: normalised observables shared by reports, and the look-up that screens values
//! (a beneficiary IBAN before paying, an IP in an abuse ticket) against visible reports.

pub mod model;
pub mod normalize;
pub mod routes;
pub mod store;
