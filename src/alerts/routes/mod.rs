//! Fraud alert handlers, split by action: alerts (create, list, get), outcomes, traces
//! (trace, graph, mule accounts, statistics).

mod alerts;
mod contests;
mod outcomes;
mod traces;

pub use alerts::*;
pub use contests::*;
pub use outcomes::*;
pub use traces::*;
