//! Data requests: law enforcement and prosecutors ask ISPs and banks for data (subscriber,
//! traffic, content, account and transaction data), for preservation and for freezes; the
//! addressee answers through a state machine with deadlines, messages and judicial validation.

pub mod model;
pub mod outline;
pub mod parse;
pub mod policy;
pub mod routes;
pub mod rows;
pub mod rules;
pub mod scheduler;
pub mod service;
pub mod signed;
pub mod store;
pub mod upload;
pub mod view;
pub mod writes;
