//! The hand-written part of the OpenAPI document: info, tags and shared components.
//! Paths come from the handlers' `#[utoipa::path]` annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cyberbridge",
        description = "Cybercrime and online-fraud information sharing between law enforcement, prosecutors, \
FIUs, ISPs and banks: reports and indicators, screening look-ups, data requests, fraud alerts and proceeds tracing. \
Errors are RFC 9457 `application/problem+json`.",
    ),
    servers((url = "/", description = "The server this document was read from")),
    components(schemas(
        crate::kernel::error::Problem,
        crate::domain::FieldError,
        // Enums named only by query parameters, whose schemas utoipa does not collect.
        crate::alerts::model::AlertBox,
        crate::alerts::routes::GraphFormat,
        crate::requests::model::RequestBox,
        crate::domain::PurposeReason,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness and metrics"),
        (name = "auth", description = "Login (with a second factor), token refresh, logout, sessions, who am I"),
        (name = "organizations", description = "The directory of participating organisations"),
        (name = "users", description = "People of an organisation"),
        (name = "api-keys", description = "Credentials of machine clients"),
        (name = "approvals", description = "Changes that grant powers, waiting for a second platform admin"),
        (name = "reports", description = "Cybercrime and fraud reports under TLP 2.0"),
        (name = "indicators", description = "Screening look-ups and correlation of observables"),
        (name = "watchlists", description = "Values your organisation wants to hear about"),
        (name = "events", description = "Your organisation's event feed (outbox), with long-poll"),
        (name = "webhooks", description = "Signed HTTPS deliveries of your events (Standard Webhooks)"),
        (name = "requests", description = "Data, preservation and freeze requests to ISPs and banks"),
        (name = "fraud-alerts", description = "Bank-to-bank fraud alerts, outcomes, traces of the proceeds, mule accounts, statistics"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "stix-taxii", description = "STIX 2.1 exports of reports, the platform's STIX extensions"),
        (name = "data-protection", description = "Legal holds, mule-flag contests, subject access"),
    ),
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.extend(crate::kernel::http::responses::components());
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/login (15 minutes)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`ApiKey cbk_...`: a key from POST /api/v1/api-keys, for machine clients",
            ))),
        );
    }
}

/// What is done to the document once every path is in: operations marked `security(())`
/// (health, readiness, metrics, login, refresh) are public, written as an empty requirement
/// list, which says so explicitly.
pub fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let public = |security: &[utoipa::openapi::security::SecurityRequirement]| {
        security.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    };
    for item in openapi.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            if op.security.as_deref().is_some_and(public) {
                op.security = Some(Vec::new());
            }
        }
    }
    openapi
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
