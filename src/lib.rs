//! cyberbridge: cybercrime and online-fraud information sharing between law enforcement,
//! ISPs and banks. This crate builds the whole service; `main.rs` only parses the CLI.

pub mod admin;
pub mod alerts;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod indicators;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod organizations;
pub mod pagination;
pub mod reports;
pub mod requests;
pub mod server;
pub mod system;
pub mod users;
pub mod watchlists;
pub mod webhooks;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use utoipa_actix_web::AppExt;

pub use config::Config;

/// What every handler shares: the pool, the configuration, the token keys, the rate limiter
/// and the metrics registry.
///
/// Each HTTP worker thread gets its own copy with a pool of its own (`with_own_pool`), so that
/// a request's queries run on connections driven by the same thread: sharing one pool across
/// workers costs a cross-thread wake-up per query (measured: 6,000 -> 10,600 look-ups/s).
/// Everything else is shared.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::Pool,
    pub config: Arc<Config>,
    pub metrics: Arc<metrics::Metrics>,
    pub jwt: Arc<auth::tokens::JwtKeys>,
    pub limiter: Arc<auth::ratelimit::RateLimiter>,
    /// Every pool of this process (the shared one and each worker's), for `/metrics`.
    pub pools: Arc<std::sync::Mutex<Vec<db::Pool>>>,
    /// Batched audit rows of high-rate reads.
    pub audit: audit::buffer::AuditBuffer,
    /// PostgreSQL notifications: the API-key cache and the event wake-ups.
    pub hub: listen::Hub,
}

impl AppState {
    /// Builds the state; the JWT key comes from the configuration or, when unset, from the
    /// database (made once, shared by every instance).
    pub async fn build(pool: db::Pool, config: Config) -> Result<web::Data<AppState>, server::StartError> {
        let secret = match &config.jwt_secret {
            Some(s) => s.clone(),
            None => {
                let mut conn = pool.get().await.map_err(|e| server::StartError::Setup(format!("database: {e}")))?;
                auth::store::setting_or_insert(&mut conn, "jwt_secret", auth::tokens::random_token)
                    .await
                    .map_err(|e| server::StartError::Setup(format!("JWT key: {e}")))?
            }
        };
        let jwt = auth::tokens::JwtKeys::new(secret.as_bytes()).map_err(server::StartError::Setup)?;
        let limiter = auth::ratelimit::RateLimiter::new(config.rate_limit, config.rate_burst);
        let audit = audit::buffer::AuditBuffer::start(pool.clone());
        let hub = listen::Hub::new();
        if let Some(url) = &config.database_url {
            hub.spawn(url.clone());
        }
        Ok(web::Data::new(AppState {
            pools: Arc::new(std::sync::Mutex::new(vec![pool.clone()])),
            pool,
            config: Arc::new(config),
            metrics: Arc::default(),
            jwt: Arc::new(jwt),
            limiter: Arc::new(limiter),
            audit,
            hub,
        }))
    }
}

impl AppState {
    /// A copy for one HTTP worker, with a pool of `size` connections of its own.
    pub fn with_own_pool(&self, size: usize) -> AppState {
        let url = self.config.database_url.clone().unwrap_or_default();
        match db::pool(&url, size, self.config.pool_timeout()) {
            Ok(pool) => {
                if let Ok(mut pools) = self.pools.lock() {
                    pools.push(pool.clone());
                }
                AppState { pool, ..self.clone() }
            }
            Err(e) => {
                tracing::warn!(error = %e, "worker pool not built; sharing the main pool");
                self.clone()
            }
        }
    }
}

/// Registers every documented route. Used both to serve and to print the OpenAPI document,
/// so the two cannot drift apart.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(system::routes::get_healthz)
        .service(system::routes::get_readyz)
        .service(system::routes::get_metrics)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .service(auth::routes::login)
                .service(auth::routes::refresh_session)
                .service(auth::routes::logout)
                .service(auth::routes::get_me)
                .service(organizations::routes::create_organization)
                .service(organizations::routes::list_organizations)
                .service(organizations::routes::get_organization)
                .service(organizations::routes::update_organization)
                .service(users::routes::create_user)
                .service(users::routes::list_users)
                .service(users::routes::get_user)
                .service(users::routes::update_user)
                .service(users::routes::change_password)
                .service(apikeys::routes::create_api_key)
                .service(apikeys::routes::list_api_keys)
                .service(apikeys::routes::revoke_api_key)
                .service(reports::routes::export_reports)
                .service(reports::routes::create_report)
                .service(reports::routes::list_reports)
                .service(reports::routes::get_report)
                .service(reports::routes::update_report)
                .service(indicators::routes::lookup_indicator)
                .service(indicators::routes::lookup_indicators)
                .service(indicators::routes::list_indicator_reports)
                .service(watchlists::routes::create_watchlist)
                .service(watchlists::routes::list_watchlists)
                .service(watchlists::routes::get_watchlist)
                .service(watchlists::routes::update_watchlist)
                .service(watchlists::routes::delete_watchlist)
                .service(events::routes::list_events)
                .service(webhooks::routes::create_webhook)
                .service(webhooks::routes::list_webhooks)
                .service(webhooks::routes::update_webhook)
                .service(webhooks::routes::delete_webhook)
                .service(webhooks::routes::list_webhook_deliveries)
                .service(webhooks::routes::test_webhook)
                .service(requests::routes::get_capabilities)
                .service(requests::routes::put_capabilities)
                .service(requests::routes::create_request)
                .service(requests::routes::list_requests)
                .service(requests::routes::get_request)
                .service(requests::routes::transition_request)
                .service(requests::routes::validate_request)
                .service(requests::routes::extend_request)
                .service(requests::routes::create_request_message)
                .service(requests::routes::list_request_messages)
                .service(requests::routes::create_request_response)
                .service(requests::routes::get_request_attachment)
                .service(requests::routes::get_request_statistics)
                .service(alerts::routes::create_fraud_alert)
                .service(alerts::routes::list_fraud_alerts)
                .service(alerts::routes::get_fraud_alert)
                .service(alerts::routes::create_fraud_alert_outcome)
                .service(alerts::routes::get_fraud_trace)
                .service(alerts::routes::get_fraud_trace_graph)
                .service(alerts::routes::list_mule_accounts)
                .service(alerts::routes::get_proceeds_statistics)
                .service(audit::routes::verify_audit)
                .service(audit::routes::list_audit),
        );
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new().into_utoipa_app().openapi(openapi::base()).configure(routes).split_for_parts().1
}

/// The OpenAPI document as the pretty JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = serde_json::to_string_pretty(&openapi()).unwrap_or_default();
    json.push('\n');
    json
}

/// The complete application, as served and as tested.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let body_limit = state.config.body_limit;
    // Swagger UI and the served spec go first: the /api/v1 scope would otherwise take their path.
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi_service(|_| utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi()))
        .configure(routes)
        .split_for_parts();
    app.app_data(state)
        .app_data(web::JsonConfig::default().limit(body_limit).error_handler(http::json_error))
        .app_data(web::PayloadConfig::default().limit(body_limit))
        .app_data(web::PathConfig::default().error_handler(http::path_error))
        .app_data(web::QueryConfig::default().error_handler(http::query_error))
        .default_service(web::to(http::fallback))
        .wrap(middleware::from_fn(http::request_context))
}
