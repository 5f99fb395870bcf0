//! Legal holds: law enforcement and prosecution keep an object of their case (a report, a
//! fraud alert's trace, a data request) past its retention period until they lift the hold.

pub mod model;
pub mod routes;
pub mod store;
