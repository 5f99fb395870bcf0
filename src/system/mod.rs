//! Operational endpoints: liveness, readiness and metrics.

pub mod routes;
pub mod store;
