//! Sessions of people: login (with lockout and a second factor), rotating refresh tokens,
//! logout, who am I, the sessions a user lists and ends.

pub mod factor;
pub mod model;
pub mod routes;
pub mod service;
pub mod session;
pub mod store;
