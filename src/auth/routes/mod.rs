//! Handlers of people's sessions: login (with its second step), refresh, logout, who am I; the
//! second factor's enrolment; the sessions a user lists and ends.

mod credentials;
mod second_factor;
mod sessions;

pub use credentials::*;
pub use second_factor::*;
pub use sessions::*;
