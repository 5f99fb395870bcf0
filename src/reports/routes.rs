//! Reports: submit, query, read, change, export.

use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;

use super::model::*;
use super::{csv, service};
use crate::access::{Action, Principal};
use crate::domain::{indicator, IndicatorType, PurposeParams, ReportId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::{ReadAfter, ReadAfterHeader};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing, Stale, Versioned};
use crate::kernel::AppState;

/// Submits a report with its indicators (normalised; an invalid one is named:
/// `indicators[3].value: IBAN checksum failed`). With `Idempotency-Key`, a retry answers the
/// first answer and creates nothing.
#[utoipa::path(
    tag = "reports",
    request_body = CreateReport,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe: the first answer is given again")),
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 201, description = "submitted", body = Report, headers(("ETag" = String), ("Location" = String))),
        Common, JsonBody, Denied,
    )
)]
#[post("/reports")]
pub async fn create_report(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateReport>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateReport).await?;
    let idem = Idempotent::new(&req, "reports", act.org_id, &*body)?;
    let answer = service::submit(&state, &act, &body, &idem).await?;
    let location = format!("/api/v1/reports/{}", answer.body["id"].as_str().unwrap_or_default());
    let mut res = answer.respond();
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    Ok(res)
}

/// Queries the reports visible to you: filters, free text, sort, keyset pagination, counts.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery, PurposeParams, ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "a page of reports", body = ReportPage), Common, Denied)
)]
#[get("/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
    purpose: web::Query<PurposeParams>,
    read_after: ReadAfter,
) -> ApiResult<web::Json<ReportPage>> {
    let act = principal.authorize(&state, Action::QueryReports).await?.for_purpose(&state, &purpose)?;
    Ok(web::Json(service::query(&state, &act, &q, req.query_string(), read_after).await?))
}

/// One report, if visible to you (404 otherwise).
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "the report", body = Report, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ReportId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadReport).await?;
    let report = service::read(&state, &act, id.into_inner(), serde_json::json!({})).await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}

/// Changes a report (reporter's organisation only), with `If-Match` (428 without, 412 when
/// stale). TLP may only be raised and `shared_with` only widened; `indicators` are added.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateReport,
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 200, description = "changed", body = Report, headers(("ETag" = String))),
        Common, JsonBody, Denied, Missing, Versioned,
    )
)]
#[patch("/reports/{id}")]
pub async fn update_report(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<ReportId>,
    body: web::Json<UpdateReport>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::UpdateReport).await?;
    let report = service::update(&state, &act, id.into_inner(), if_match, &body).await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}

/// The same query as `GET /reports`, every page, as CSV (streamed). Cells that spreadsheets
/// would evaluate as formulas are prefixed with `'`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery, PurposeParams, ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "the reports as CSV", content_type = "text/csv", body = String), Common, Denied)
)]
#[get("/reports/export.csv")]
pub async fn export_reports(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
    purpose: web::Query<PurposeParams>,
    read_after: ReadAfter,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ExportReports).await?.for_purpose(&state, &purpose)?;
    let render = |reports: &[Report], first| csv::render(reports, first).map_err(ApiError::internal);
    let rendering = service::Rendering { render, trailer: None, format: None };
    let pages = service::export(state.into_inner(), &act, &q, req.query_string(), read_after, rendering).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"reports.csv\""))
        .streaming(pages.map_ok(web::Bytes::from)))
}

/// The path of one value of a report.
type ValuePath = web::Path<(ReportId, String, String)>;

/// The reporter withdraws a value of its report, with a reason: no look-up, correlation or
/// watchlist sees it again (the reporter keeps the record), and the organisations whose
/// watchlists matched it get `indicator.withdrawn`. `If-Match` accepted (412 when stale).
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path), ("type" = IndicatorType, Path), ("value" = String, Path),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = WithdrawIndicator,
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 200, description = "withdrawn; the report", body = Report, headers(("ETag" = String))),
        Common, JsonBody, Denied, Missing, Stale,
    )
)]
#[post("/reports/{id}/indicators/{type}/{value}/withdraw")]
pub async fn withdraw_indicator(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    path: ValuePath,
    body: web::Json<WithdrawIndicator>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::WithdrawIndicator).await?;
    let (id, t, raw) = path.into_inner();
    let report = service::withdraw(&state, &act, id, if_match, indicator::from_path(&t, &raw)?, &body).await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}

/// The reporter corrects a value of its report: the old one is withdrawn (as above, the event
/// names the correction) and the new one linked and matched against watchlists.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path), ("type" = IndicatorType, Path), ("value" = String, Path),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = CorrectIndicator,
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 200, description = "corrected; the report", body = Report, headers(("ETag" = String))),
        Common, JsonBody, Denied, Missing, Stale,
    )
)]
#[post("/reports/{id}/indicators/{type}/{value}/correct")]
pub async fn correct_indicator(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    path: ValuePath,
    body: web::Json<CorrectIndicator>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CorrectIndicator).await?;
    let (id, t, raw) = path.into_inner();
    let report = service::correct(&state, &act, id, if_match, indicator::from_path(&t, &raw)?, &body).await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}
