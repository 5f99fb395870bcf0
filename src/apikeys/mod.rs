//! API keys: credentials of machine clients (a bank's payment system), owned by an
//! organisation, scoped, optionally expiring; only their SHA-256 is stored.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
