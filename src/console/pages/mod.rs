//! The console's pages, one file per area.

pub mod account;
pub mod enrol;
pub mod errors;
pub mod organisation;
pub mod requests;
pub mod sign_in;
pub mod verify;
