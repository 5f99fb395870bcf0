//! Who is calling and what they may do: the `Principal` extractor (user token or API key),
//! the table of actions (audit name and permission of each), and the one call a handler makes
//! to authorize, record a refusal and get what its audited write needs. Object-level rules
//! (own organisation, request side, visibility) are named functions of each feature's
//! `rules` module.

pub mod action;
pub mod four_eyes;
pub mod guard;
pub mod password;
pub mod principal;
pub mod store;
pub mod totp;

pub use action::{Action, Alone, Grant, Need};
pub use principal::{Credential, Principal};
