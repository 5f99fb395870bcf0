//! Integration tests: the real server over HTTP against a real PostgreSQL.

mod support;

mod alerts;
mod architecture;
mod events;
mod foundation;
mod identity;
mod reports;
mod requests;
mod webhooks;
