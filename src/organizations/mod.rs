//! Organisations: the directory of who takes part, their kinds, 24/7 contact points and, for
//! banks, the identifiers fraud alerts are routed by.

pub mod model;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
