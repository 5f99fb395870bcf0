//! Sessions of people: login (with lockout), rotating refresh tokens, logout, who am I.

pub mod routes;
pub mod session;
pub mod store;
