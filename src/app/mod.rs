//! The assembly: the route table (served and printed as OpenAPI from one list), start-up and
//! background work, the first platform admin, the CLI's admin commands.

pub mod admin;
pub mod bootstrap;
pub mod demo;
pub mod openapi;
pub mod restore;
pub mod server;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use utoipa_actix_web::AppExt;

use crate::kernel::{http, AppState};
use crate::{
    alerts, apikeys, approvals, audit, auth, events, holds, indicators, organizations, reports, requests, stix,
    subjects, system, users,
};
use crate::{statistics, watchlists, webhooks};

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
                .service(auth::routes::login_second_factor)
                .service(users::routes::redeem_enrolment)
                .service(auth::routes::enrol_second_factor)
                .service(auth::routes::confirm_second_factor)
                .service(auth::routes::renew_recovery_codes)
                .service(auth::routes::list_sessions)
                .service(auth::routes::end_session)
                .service(users::routes::update_preferences)
                .service(users::routes::reset_second_factor)
                .service(approvals::routes::list_approvals)
                .service(approvals::routes::get_approval)
                .service(approvals::routes::approve)
                .service(approvals::routes::reject)
                .service(organizations::routes::create_organization)
                .service(organizations::routes::list_organizations)
                .service(organizations::routes::get_organization)
                .service(organizations::routes::update_organization)
                .service(users::routes::create_user)
                .service(users::routes::list_users)
                .service(users::routes::get_user)
                .service(users::routes::update_user)
                .service(users::routes::change_password)
                .service(users::routes::send_enrolment_link)
                .service(apikeys::routes::create_api_key)
                .service(apikeys::routes::list_api_keys)
                .service(apikeys::routes::revoke_api_key)
                .service(reports::routes::export_reports)
                .service(stix::routes::export_reports_stix)
                .service(reports::routes::create_report)
                .service(reports::routes::list_reports)
                .service(reports::routes::get_report)
                .service(stix::routes::get_report_stix)
                .service(stix::routes::get_extension_definitions)
                .service(stix::routes::get_sco_schema)
                .service(reports::routes::update_report)
                .service(reports::routes::withdraw_indicator)
                .service(reports::routes::correct_indicator)
                .service(indicators::routes::lookup_indicator)
                .service(indicators::routes::lookup_indicators)
                .service(indicators::routes::list_indicator_reports)
                .service(indicators::routes::create_sighting)
                .service(crate::screening::routes::get_private_screening_config)
                .service(crate::screening::routes::get_private_tags)
                .service(crate::screening::routes::evaluate_private)
                .service(watchlists::routes::create_watchlist)
                .service(watchlists::routes::list_watchlists)
                .service(watchlists::routes::get_watchlist)
                .service(watchlists::routes::update_watchlist)
                .service(watchlists::routes::delete_watchlist)
                .service(events::routes::list_events)
                .service(webhooks::routes::create_webhook)
                .service(webhooks::routes::list_webhooks)
                .service(webhooks::routes::update_webhook)
                .service(webhooks::routes::get_webhook)
                .service(webhooks::routes::delete_webhook)
                .service(webhooks::routes::list_webhook_deliveries)
                .service(webhooks::routes::test_webhook)
                .service(requests::routes::get_capabilities)
                .service(requests::routes::list_signed_documents)
                .service(requests::routes::get_signing_keys)
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
                .service(requests::routes::list_request_responses)
                .service(requests::routes::get_request_attachment)
                .service(requests::routes::get_request_statistics)
                .service(alerts::routes::create_fraud_alert)
                .service(alerts::routes::list_fraud_alerts)
                .service(alerts::routes::get_fraud_alert)
                .service(alerts::routes::create_fraud_alert_outcome)
                .service(alerts::routes::get_fraud_trace)
                .service(alerts::routes::get_fraud_trace_graph)
                .service(alerts::routes::list_mule_accounts)
                .service(alerts::routes::get_mule_account)
                .service(alerts::routes::contest_mule_flag)
                .service(alerts::routes::answer_mule_contest)
                .service(alerts::routes::get_proceeds_statistics)
                .service(statistics::routes::list_statistics_tables)
                .service(statistics::routes::get_statistics_table)
                .service(audit::routes::verify_audit)
                .service(audit::routes::get_audit_head)
                .service(audit::routes::get_audit_public_key)
                .service(audit::routes::list_audit)
                .service(audit::routes::get_consultation_statistics)
                .service(holds::routes::create_legal_hold)
                .service(holds::routes::list_legal_holds)
                .service(holds::routes::lift_legal_hold)
                .service(subjects::routes::export_subject),
        );
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::finish(App::new().into_utoipa_app().openapi(openapi::base()).configure(routes).split_for_parts().1)
}

/// The OpenAPI document as the pretty JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    // Serialising a document of plain maps and strings cannot fail.
    let mut json = serde_json::to_string_pretty(&openapi()).unwrap_or_default();
    json.push('\n');
    json
}

/// A redirect to the console (`/console/`).
async fn to_console() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Found().insert_header((actix_web::http::header::LOCATION, "/console/")).finish()
}

/// A redirect to Swagger UI (`/docs/`).
async fn to_docs() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Found().insert_header((actix_web::http::header::LOCATION, "/docs/")).finish()
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
    // With `CYBERBRIDGE_DOCS=off` Swagger UI answers 404 (`docs_headers`); the document stays.
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
        .configure(crate::taxii::routes::configure)
        .configure(crate::console::configure)
        // Where a newcomer types first: the console (people) and the API documentation.
        .route("/", web::get().to(to_console))
        .route("/docs", web::get().to(to_docs))
        .default_service(web::to(http::fallback))
        .wrap(middleware::from_fn(crate::console::site::docs_headers))
        .wrap(middleware::from_fn(http::request_context))
}
