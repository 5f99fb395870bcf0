//! Indicators: the look-up that screens values (a beneficiary IBAN before paying, an IP in an
//! abuse ticket) against visible reports, and the correlation of one value across reports.
//! Their types and normalisation are domain values (`domain::indicator`).

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
