//! The console's pages, one file per area.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod case;
pub mod enrol;
pub mod errors;
pub mod integration;
pub mod lookup;
pub mod mules;
pub mod organisation;
pub mod report_new;
pub mod reports;
pub mod request_new;
pub mod requests;
pub mod sign_in;
pub mod trends;
pub mod verify;
pub mod watchlists;
