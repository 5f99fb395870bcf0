//! People: users of an organisation, their roles, their enrolment links and passwords.

pub mod enrolment;
pub mod model;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
