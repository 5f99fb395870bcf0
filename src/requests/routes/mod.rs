//! Data request handlers: the providers' capability catalogue, requests, their workflow
//! (transitions, validation, extension), messages, responses and statistics.

mod capabilities;
mod messages;
mod requests;
mod responses;
mod signatures;
mod statistics;
mod workflow;

pub use capabilities::*;
pub use messages::*;
pub use requests::*;
pub use responses::*;
pub use signatures::*;
pub use statistics::*;
pub use workflow::*;
