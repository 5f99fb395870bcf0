//! Reports: one cybercrime or online-fraud case as one organisation saw it, with its
//! indicators, shared under TLP 2.0 rules.

pub mod csv;
pub mod model;
pub mod parse;
pub mod routes;
pub mod service;
pub mod store;
pub mod view;
