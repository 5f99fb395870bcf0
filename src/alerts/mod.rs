//! Fraud alerts and proceeds tracing: a defrauded customer's bank alerts the beneficiary bank,
//! found from the IBAN's bank code; its outcomes (frozen, returned, moved on) form the money
//! trail, hop by hop, that investigators read as a trace.

pub mod contest;
pub mod directory;
pub mod model;
pub mod mules;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
pub mod trace;
pub mod view;
