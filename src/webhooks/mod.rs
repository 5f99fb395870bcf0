//! Webhooks: each organisation's HTTPS endpoints, signed deliveries of its events (Standard
//! Webhooks), retried with back-off for 24 hours, with a delivery log.

pub mod client;
pub mod deliver;
pub mod model;
pub mod routes;
pub mod service;
pub mod sign;
pub mod store;
