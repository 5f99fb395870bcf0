//! The hand-written part of the OpenAPI document: info, tags and shared components.
//! Paths come from the handlers' `#[utoipa::path]` annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cyberbridge",
        description = "Cybercrime and online-fraud information sharing between law enforcement, prosecutors, \
FIUs, ISPs and banks: reports and indicators, screening look-ups, data requests, fraud alerts and proceeds tracing. \
Errors are RFC 9457 `application/problem+json`.",
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags((name = "system", description = "Health, readiness and metrics")),
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
