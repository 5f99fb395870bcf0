//! The kernel: what every feature stands on and that knows no feature. Configuration, the
//! one error type, the database (pool, schema, local cluster, locks), HTTP plumbing
//! (middleware, request metadata, ETags, pagination, idempotency, rate limit, shared OpenAPI
//! responses), metrics, PostgreSQL notifications, token keys, where the signing and sealing keys come from, the audit trail's write side and
//! the shared application state. It imports the domain's value types and nothing above.

pub mod audit;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod jcs;
pub mod keycache;
pub mod keys;
pub mod metrics;
pub mod notify;
pub mod oprf;
pub mod secrets;
pub mod signing;
pub mod state;
pub mod tokens;

pub use config::Config;
pub use error::{ApiError, ApiResult};
pub use state::AppState;
