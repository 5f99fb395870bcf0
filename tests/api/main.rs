//! Integration tests: the real server over HTTP against a real PostgreSQL, one module per
//! feature, plus the architecture checks.

mod support;

mod alerts;
mod apikeys;
mod architecture;
mod audit;
mod auth;
mod console;
mod console_alerts;
mod console_forms;
mod console_integration;
mod console_lookup;
mod console_reports;
mod console_trends;
mod docs;
mod events;
mod foundation;
mod identities;
mod indicators;
mod keys;
mod newcomer;
mod noninterference;
mod operations;
mod organizations;
mod powers;
mod privacy;
mod replicas;
mod reports;
mod requests;
mod screening;
mod services;
mod statistics;
mod stix;
mod taxii;
mod users;
mod validation;
mod webhooks;
