//! Watchlists: values an organisation wants to hear about (its customers' IBANs, its IP ranges,
//! its domains). A new or updated report naming one, and visible to the organisation, puts a
//! `report.indicator_match` event on its feed, matched by index join, not list by list.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
