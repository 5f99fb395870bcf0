//! cyberbridge: cybercrime and online-fraud information sharing between law enforcement,
//! ISPs and banks. This crate builds the whole service; `main.rs` only parses the CLI.

pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod metrics;
pub mod openapi;
pub mod server;
pub mod system;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use utoipa_actix_web::AppExt;

pub use config::Config;

/// What every handler shares: the pool, the configuration and the metrics registry.
pub struct AppState {
    pub pool: db::Pool,
    pub config: Arc<Config>,
    pub metrics: metrics::Metrics,
}

impl AppState {
    pub fn new(pool: db::Pool, config: Config) -> web::Data<AppState> {
        web::Data::new(AppState { pool, config: Arc::new(config), metrics: metrics::Metrics::default() })
    }
}

/// Registers every documented route. Used both to serve and to print the OpenAPI document,
/// so the two cannot drift apart.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(system::routes::get_healthz)
        .service(system::routes::get_readyz)
        .service(system::routes::get_metrics);
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .configure(routes)
        .split_for_parts()
        .1
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
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .configure(routes)
        .split_for_parts();
    app.app_data(state)
        .app_data(web::JsonConfig::default().limit(body_limit).error_handler(http::json_error))
        .app_data(web::PayloadConfig::default().limit(body_limit))
        .app_data(web::PathConfig::default().error_handler(http::path_error))
        .app_data(web::QueryConfig::default().error_handler(http::query_error))
        .service(utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", api))
        .default_service(web::to(http::fallback))
        .wrap(middleware::from_fn(http::request_context))
}
