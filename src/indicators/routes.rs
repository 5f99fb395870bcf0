use std::collections::HashMap;

use actix_web::{get, post, web};

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::indicator::normalize;
use crate::domain::{IndicatorType, PurposeParams};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody};
use crate::kernel::AppState;
use crate::reports::model::{ReportCursor, ReportFilter, ReportPage};

/// Answers each item from the visible reports naming it: hits grouped per (type, value),
/// newest first.
fn answer(items: Vec<Result<(IndicatorType, String), LookupFailure>>, hits: Vec<HitRow>) -> Vec<LookupResult> {
    let mut grouped: HashMap<(IndicatorType, String), Vec<HitRow>> = HashMap::new();
    for h in hits {
        grouped.entry((h.type_, h.value.clone())).or_default().push(h);
    }
    let now = chrono::Utc::now();
    items
        .into_iter()
        .map(|item| {
            let (t, value) = match item {
                Ok(v) => v,
                Err(failure) => return LookupResult::Failure(failure),
            };
            let mut rows: Vec<&HitRow> =
                grouped.get(&(t, value.clone())).map(|v| v.iter().collect()).unwrap_or_default();
            // Current sightings first, each group newest first.
            rows.sort_by(|a, b| {
                (a.valid_until <= now)
                    .cmp(&(b.valid_until <= now))
                    .then(b.created_at.cmp(&a.created_at))
                    .then(b.report_id.cmp(&a.report_id))
            });
            let current = rows.iter().filter(|r| r.valid_until > now).count();
            let first_seen = rows.iter().map(|r| r.first_seen.unwrap_or(r.created_at)).min();
            let last_seen = rows.iter().map(|r| r.last_seen.or(r.first_seen).unwrap_or(r.created_at)).max();
            let reports = rows
                .iter()
                .take(MAX_REFS)
                .map(|r| ReportRef {
                    id: r.report_id,
                    category: r.category,
                    tlp: r.tlp,
                    confidence: r.confidence,
                    valid_until: r.valid_until,
                    stale: r.valid_until <= now,
                })
                .collect();
            LookupResult::Hit(LookupHit {
                type_: t,
                value,
                seen: current > 0,
                stale: current == 0 && !rows.is_empty(),
                report_count: current,
                stale_report_count: rows.len() - current,
                confidence: rows.iter().filter(|r| r.valid_until > now).map(|r| r.confidence).max(),
                first_seen,
                last_seen,
                reports,
            })
        })
        .collect()
}

fn parse_item(item: &LookupItem) -> Result<(IndicatorType, String), LookupFailure> {
    let fail = |error: String| LookupFailure { type_: item.type_.clone(), value: item.value.clone(), error };
    let t = item.type_.parse::<IndicatorType>().map_err(fail)?;
    normalize(t, &item.value).map(|v| (t, v)).map_err(fail)
}

/// Looks up one value: seen or not in the reports visible to you, how often, when, which.
#[utoipa::path(
    tag = "indicators",
    params(LookupItem, PurposeParams),
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "what the reports visible to you say of the value", body = LookupHit), Common, Denied)
)]
#[get("/indicators/lookup")]
pub async fn lookup_indicator(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<LookupItem>,
    purpose: web::Query<PurposeParams>,
) -> ApiResult<web::Json<LookupResult>> {
    let act = principal.authorize(&state, Action::LookupIndicators).await?.for_purpose(&state, &purpose)?;
    let (t, value) = parse_item(&q).map_err(|f| {
        let field = if f.error.starts_with("unknown value") { "type" } else { "value" };
        ApiError::field(field, f.error)
    })?;
    let hits = {
        let mut conn = state.pool.get().await?;
        store::lookup(&mut conn, &act.viewer(), std::slice::from_ref(&value)).await?
    };
    act.record_read(&state, None, serde_json::json!({"type": t, "value": value}));
    let mut results = answer(vec![Ok((t, value))], hits);
    results.pop().map(web::Json).ok_or_else(|| ApiError::internal("no look-up result"))
}

/// Looks up to 1,000 values in one call (a payment file screened before release). Each item
/// is answered in order; an invalid item gets an `error`, it does not fail the batch.
#[utoipa::path(
    tag = "indicators",
    request_body = LookupRequest,
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "one result per item, in order", body = LookupResponse), Common, JsonBody, Denied)
)]
#[post("/indicators/lookup")]
pub async fn lookup_indicators(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<LookupRequest>,
) -> ApiResult<web::Json<LookupResponse>> {
    let act = principal.authorize(&state, Action::LookupIndicators).await?.for_purpose(&state, &body.purpose)?;
    if body.items.len() > MAX_BATCH {
        return Err(ApiError::field("items", format!("at most {MAX_BATCH} items per call; split the batch")));
    }
    let items: Vec<_> = body.items.iter().map(parse_item).collect();
    let mut values: Vec<String> = items.iter().filter_map(|i| i.as_ref().ok().map(|(_, v)| v.clone())).collect();
    values.sort();
    values.dedup();
    let hits = if values.is_empty() {
        Vec::new()
    } else {
        let mut conn = state.pool.get().await?;
        store::lookup(&mut conn, &act.viewer(), &values).await?
    };
    let looked_up: Vec<String> =
        items.iter().filter_map(|i| i.as_ref().ok()).map(|(t, v)| format!("{t}:{v}")).collect();
    act.record_read(&state, None, serde_json::json!({"items": body.items.len(), "values": looked_up}));
    Ok(web::Json(LookupResponse { results: answer(items, hits) }))
}

/// Correlation: every report visible to you that names the value, newest first.
#[utoipa::path(
    tag = "indicators",
    params(("type" = IndicatorType, Path), ("value" = String, Path), CorrelationQuery, PurposeParams),
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
) -> ApiResult<web::Json<ReportPage>> {
    let act = principal.authorize(&state, Action::CorrelateIndicator).await?.for_purpose(&state, &purpose)?;
    let (t, raw) = path.into_inner();
    let t: IndicatorType = t.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = normalize(t, &raw).map_err(|e| ApiError::field("value", e))?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let filter = ReportFilter { indicator: Some((t, value.clone())), descending: true, ..Default::default() };
    let viewer = act.viewer();
    let mut conn = state.pool.get().await?;
    let rows = crate::reports::store::list(&mut conn, &viewer, &filter, after.as_ref(), limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
    act.record_read(&state, None, serde_json::json!({"type": t, "value": value}));
    let items = crate::reports::view::views(&mut conn, &viewer, rows).await?;
    Ok(web::Json(ReportPage { items, next_cursor, total: None, total_kind: None }))
}
