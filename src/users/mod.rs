//! People: users of an organisation, their roles and passwords.

pub mod model;
pub mod routes;
pub mod rules;
pub mod store;
