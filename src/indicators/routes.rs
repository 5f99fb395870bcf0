//! Indicators over HTTP: handlers over `service`.

use actix_web::{get, post, web};

use super::model::*;
use super::service;
use crate::access::{Action, Principal};
use crate::domain::indicator;
use crate::domain::{IndicatorType, PurposeParams};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::{ReadAfter, ReadAfterHeader};
use crate::kernel::http::responses::{Common, Denied, JsonBody};
use crate::kernel::AppState;
use crate::reports::model::ReportPage;

/// Looks up one value: seen or not in the reports visible to you, how often, when, which.
#[utoipa::path(
    tag = "indicators",
    params(LookupItem, PurposeParams, ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "what the reports visible to you say of the value", body = LookupHit), Common, Denied)
)]
#[get("/indicators/lookup")]
pub async fn lookup_indicator(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<LookupItem>,
    purpose: web::Query<PurposeParams>,
    after: ReadAfter,
) -> ApiResult<web::Json<LookupResult>> {
    let act = principal.authorize(&state, Action::LookupIndicators).await?.for_purpose(&state, &purpose)?;
    let item = q.parse().map_err(|f| {
        let field = if f.error.starts_with("unknown value") { "type" } else { "value" };
        ApiError::field(field, f.error)
    })?;
    Ok(web::Json(service::lookup(&state, &act, item, after).await?))
}

/// Looks up to 1,000 values in one call (a payment file screened before release). Each item
/// is answered in order; an invalid item gets an `error`, it does not fail the batch.
#[utoipa::path(
    tag = "indicators",
    request_body = LookupRequest,
    params(ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "one result per item, in order", body = LookupResponse), Common, JsonBody, Denied)
)]
#[post("/indicators/lookup")]
pub async fn lookup_indicators(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<LookupRequest>,
    after: ReadAfter,
) -> ApiResult<web::Json<LookupResponse>> {
    let act = principal.authorize(&state, Action::LookupIndicators).await?.for_purpose(&state, &body.purpose)?;
    Ok(web::Json(LookupResponse { results: service::lookup_batch(&state, &act, &body.items, after).await? }))
}

/// Correlation: every report visible to you that names the value, newest first.
#[utoipa::path(
    tag = "indicators",
    params(("type" = IndicatorType, Path), ("value" = String, Path), CorrelationQuery, PurposeParams, ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "the visible reports naming the value, newest first", body = ReportPage), Common, Denied)
)]
#[get("/indicators/{type}/{value}/reports")]
pub async fn list_indicator_reports(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    q: web::Query<CorrelationQuery>,
    purpose: web::Query<PurposeParams>,
    read_after: ReadAfter,
) -> ApiResult<web::Json<ReportPage>> {
    let act = principal.authorize(&state, Action::CorrelateIndicator).await?.for_purpose(&state, &purpose)?;
    let (t, raw) = path.into_inner();
    Ok(web::Json(service::reports_naming(&state, &act, indicator::from_path(&t, &raw)?, &q, read_after).await?))
}

/// Records a sighting of a value by your organisation: `seen` (with where, when and how many
/// times), `false_positive` or `expired`. Look-ups then count it for everyone (no organisation
/// is named) and show you your latest; each organisation's false positive of the last 90 days
/// takes 25 points off the value's confidence, and two or more make it `disputed`.
#[utoipa::path(
    tag = "indicators",
    params(("type" = IndicatorType, Path), ("value" = String, Path)),
    request_body = SightingInput,
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 201, description = "the sighting", body = Sighting), Common, JsonBody, Denied)
)]
#[post("/indicators/{type}/{value}/sightings")]
pub async fn create_sighting(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<SightingInput>,
) -> ApiResult<actix_web::HttpResponse> {
    let act = principal.authorize(&state, Action::RecordSighting).await?;
    let (t, raw) = path.into_inner();
    let sighting = service::record_sighting(&state, &act, indicator::from_path(&t, &raw)?, &body).await?;
    Ok(actix_web::HttpResponse::Created().json(sighting))
}
