//! Reports: submit, query, read, change, export.

use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;

use super::model::*;
use super::{csv, service, store, view};
use crate::access::{Action, Principal};
use crate::domain::report::Viewer;
use crate::domain::{Check, IndicatorType, PurposeParams, ReportId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::{ReadAfter, ReadAfterHeader};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::pagination;
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
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let input = body.parse(&mut check, now);
    service::check_directory(&mut conn, &mut check, &body.shared_with).await?;
    let input = check.done(|| input)?;
    let created = conn
        .transaction(async |c| {
            let report = service::create(c, &act, input, now).await?;
            idem.record(c, StatusCode::CREATED, &report).await
        })
        .await;
    let answer = idem.settle(&mut conn, created).await?;
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
    let filter = parse_query(&q)?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let count = match q.count.as_deref().map(str::parse::<CountMode>).transpose() {
        Ok(None | Some(CountMode::None)) => None,
        Ok(mode) => mode,
        Err(e) => return Err(ApiError::field("count", e)),
    };
    let viewer = act.viewer();
    // An exact count walks every visible report: long work.
    let (items, next_cursor, total, total_kind) = state
        .read_on(read_after, count == Some(CountMode::Exact), async |conn| {
            let rows = store::list(conn, &viewer, &filter, after.as_ref(), limit).await?;
            let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
            let (total, total_kind) = match count {
                Some(mode) => {
                    let (n, exact) = store::count(conn, &viewer, &filter, mode == CountMode::Exact).await?;
                    (Some(n), Some(if exact { CountMode::Exact } else { CountMode::Estimate }))
                }
                None => (None, None),
            };
            Ok((view::views(conn, &viewer, rows).await?, next_cursor, total, total_kind))
        })
        .await?;
    let details = serde_json::json!({"query": req.query_string(), "indicator": searched(&filter), "rows": items.len()});
    act.record_read(&state, None, details);
    Ok(web::Json(ReportPage { items, next_cursor, total, total_kind }))
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
    let id = id.into_inner();
    let viewer = act.viewer();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &viewer, id).await? else {
        return Err(act.hide(&state, "report", id).await);
    };
    act.record_read(&state, Some(("report", id.to_string())), serde_json::json!({}));
    let report = view::view(&mut conn, &viewer, row).await?;
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
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(current) = store::get_visible(&mut conn, &act.viewer(), id).await? else {
        return Err(act.hide(&state, "report", id).await);
    };
    if current.reporter_org_id != act.org_id {
        return Err(act.refuse(&state, "report", id, "only the reporting organisation changes a report").await);
    }
    // The rules (TLP only raised, sharing only widened) are checked against `current`; the
    // version named must be that one, and the update re-checks it on the locked row, so a
    // change committed in between (or a version guessed ahead of it) gets 412.
    let if_match = if_match.required()?;
    if_match.check(current.version)?;
    let mut check = Check::new();
    let (changes, indicators) = body.parse(&mut check, &current, Utc::now());
    service::check_directory(&mut conn, &mut check, body.shared_with.as_deref().unwrap_or_default()).await?;
    check.finish()?;
    let report =
        conn.transaction(async |c| service::update(c, &act, id, if_match, &changes, &indicators).await).await?;
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
    let filter = parse_query(&q)?;
    let details = serde_json::json!({"query": req.query_string(), "indicator": searched(&filter)});
    act.entry().details(details).write(&*state.pool.get().await?).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"reports.csv\""))
        .streaming(export_stream(
            state.into_inner(),
            read_after,
            act.viewer(),
            filter,
            |reports, first| csv::render(reports, first).map_err(ApiError::internal),
            None,
        )))
}

/// The normalised value a query searched for, as its audit row names it (a subject access
/// export finds the consultation by it).
fn searched(filter: &ReportFilter) -> Option<serde_json::Value> {
    filter.indicator.as_ref().map(|(t, v)| serde_json::json!({"type": t, "value": v}))
}

/// Every page of the query, rendered by `render` (the page, whether it is the first), one page of
/// 500 at a time, then `trailer`.
pub fn export_stream(
    state: std::sync::Arc<AppState>,
    read_after: ReadAfter,
    viewer: Viewer,
    filter: ReportFilter,
    render: impl Fn(&[Report], bool) -> Result<Vec<u8>, ApiError> + 'static,
    trailer: Option<Vec<u8>>,
) -> impl futures_util::Stream<Item = Result<web::Bytes, ApiError>> {
    const PAGE: i64 = 500;
    struct Walk {
        state: std::sync::Arc<AppState>,
        read_after: ReadAfter,
        viewer: Viewer,
        filter: ReportFilter,
        after: Option<ReportCursor>,
        first: bool,
        done: bool,
        trailer: Option<Vec<u8>>,
    }
    let render = std::rc::Rc::new(render);
    let walk = Walk { state, read_after, viewer, filter, after: None, first: true, done: false, trailer };
    futures_util::stream::unfold(walk, move |mut w| {
        let render = render.clone();
        async move {
            if w.done {
                return w.trailer.take().map(|t| (Ok(web::Bytes::from(t)), w));
            }
            let page = w
                .state
                .read_long(w.read_after, async |conn| {
                    let rows = store::list(conn, &w.viewer, &w.filter, w.after.as_ref(), PAGE).await?;
                    let (rows, next) = pagination::page(rows, PAGE, |r| w.filter.cursor_after(r));
                    Ok((view::views(conn, &w.viewer, rows).await?, next))
                })
                .await;
            let chunk = page.and_then(|(reports, next)| {
                w.after = next.and_then(|n| pagination::decode::<ReportCursor>(Some(&n)).ok().flatten());
                w.done = w.after.is_none();
                render(&reports, w.first)
            });
            w.first = false;
            match chunk {
                Ok(bytes) => Some((Ok(web::Bytes::from(bytes)), w)),
                Err(e) => {
                    // The status line is gone already: end the stream, the client sees a truncated body.
                    tracing::error!(error = %e, "export failed mid-stream");
                    w.done = true;
                    w.trailer = None;
                    Some((Err(e), w))
                }
            }
        }
    })
}

/// The path of one value of a report.
type ValuePath = web::Path<(ReportId, String, String)>;

/// Parses `{type}/{value}` of a report's value.
fn parse_value_path(t: &str, raw: &str) -> ApiResult<(IndicatorType, String)> {
    let t: IndicatorType = t.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = crate::domain::indicator::normalize(t, raw).map_err(|e| ApiError::field("value", e))?;
    Ok((t, value))
}

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
    let target = parse_value_path(&t, &raw)?;
    let mut check = Check::new();
    let reason = parse_reason(&mut check, &body.reason);
    check.finish()?;
    rectify(&state, &act, id, if_match, target, reason, None).await
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
    let target = parse_value_path(&t, &raw)?;
    let mut check = Check::new();
    let (reason, link) = body.parse(&mut check, target.0);
    check.finish()?;
    rectify(&state, &act, id, if_match, target, reason, link).await
}

/// The reporter's organisation only (others: 404 when they cannot see the report, 403 when they can).
async fn rectify(
    state: &AppState,
    act: &crate::access::Grant,
    id: ReportId,
    if_match: IfMatch,
    target: (IndicatorType, String),
    reason: String,
    replacement: Option<crate::reports::model::IndicatorLink>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let Some(current) = store::get_visible(&mut conn, &act.viewer(), id).await? else {
        return Err(act.hide(state, "report", id).await);
    };
    if current.reporter_org_id != act.org_id {
        return Err(act
            .refuse(state, "report", id, "only the reporting organisation withdraws or corrects its values")
            .await);
    }
    let report = conn
        .transaction(async |c| service::withdraw_indicator(c, act, id, if_match, target, &reason, replacement).await)
        .await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}
