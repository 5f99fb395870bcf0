//! cyberbridge: cybercrime and online-fraud information sharing between law enforcement,
//! ISPs and banks. This crate builds the whole service; `main.rs` only parses the CLI.
//!
//! Layers, each importing only those before it (a test fails on a module cycle):
//! 1. `domain`: value types and pure rules, no I/O;
//! 2. `kernel`: configuration, errors, database, HTTP plumbing, audit writer, shared state;
//! 3. `access`: who is calling and what they may do;
//! 4. the features, one folder each (`reports`, `requests`, `alerts`, ...);
//! 5. `app`: the route table, background work, start-up, the CLI's admin commands.

pub mod domain;
pub mod kernel;

pub mod access;

pub mod alerts;
pub mod apikeys;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod events;
pub mod holds;
pub mod indicators;
pub mod notices;
pub mod organizations;
pub mod reports;
pub mod requests;
pub mod retention;
pub mod screening;
pub mod statistics;
pub mod stix;
pub mod subjects;
pub mod system;
pub mod taxii;
pub mod users;
pub mod watchlists;
pub mod webhooks;

pub mod console;

pub mod app;

pub use app::{build_app, openapi, openapi_json, server};
pub use kernel::{db, AppState, Config};
