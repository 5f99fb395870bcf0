use std::collections::HashMap;

use actix_web::{get, post, web};

use super::model::*;
use super::normalize::{normalize, IndicatorType};
use super::store;
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::from_db;
use crate::error::{ApiError, ApiResult};
use crate::reports::model::{ReportCursor, ReportFilter, ReportPage, Viewer};
use crate::{pagination, AppState};

/// Answers each item from the visible reports naming it: hits grouped per (type, value),
/// newest first.
fn answer(
    items: Vec<Result<(IndicatorType, String), LookupFailure>>,
    hits: Vec<HitRow>,
) -> ApiResult<Vec<LookupResult>> {
    let mut grouped: HashMap<(String, String), Vec<HitRow>> = HashMap::new();
    for h in hits {
        grouped.entry((h.type_.clone(), h.value.clone())).or_default().push(h);
    }
    items
        .into_iter()
        .map(|item| {
            let (t, value) = match item {
                Ok(v) => v,
                Err(failure) => return Ok(LookupResult::Failure(failure)),
            };
            let mut rows: Vec<&HitRow> =
                grouped.get(&(t.as_str().to_string(), value.clone())).map(|v| v.iter().collect()).unwrap_or_default();
            rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.report_id.cmp(&a.report_id)));
            let first_seen = rows.iter().map(|r| r.first_seen.unwrap_or(r.created_at)).min();
            let last_seen = rows.iter().map(|r| r.last_seen.or(r.first_seen).unwrap_or(r.created_at)).max();
            let reports = rows
                .iter()
                .take(MAX_REFS)
                .map(|r| Ok(ReportRef { id: r.report_id, category: from_db(&r.category)?, tlp: from_db(&r.tlp)? }))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(LookupResult::Hit(LookupHit {
                type_: t,
                value,
                seen: !rows.is_empty(),
                report_count: rows.len(),
                first_seen,
                last_seen,
                reports,
            }))
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
    params(LookupItem),
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses(
        (status = 200, body = LookupHit),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "the value is not valid for its type", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/indicators/lookup")]
pub async fn lookup_indicator(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<LookupItem>,
) -> ApiResult<web::Json<LookupResult>> {
    audit::require(&state, &principal, Permission::LookupIndicators, "indicator.lookup").await?;
    let (t, value) = parse_item(&q).map_err(|f| {
        let field = if f.error.starts_with("unknown value") { "type" } else { "value" };
        ApiError::field(field, f.error)
    })?;
    let hits = {
        let mut conn = state.pool.get().await?;
        store::lookup(&mut conn, &Viewer::of(&principal), std::slice::from_ref(&value)).await?
    };
    state.audit.push(Entry::of(&principal, "indicator.lookup").details(serde_json::json!({"type": t, "value": value})));
    let mut results = answer(vec![Ok((t, value))], hits)?;
    results.pop().map(web::Json).ok_or_else(|| ApiError::Internal("no look-up result".into()))
}

/// Looks up to 1,000 values in one call (a payment file screened before release). Each item
/// is answered in order; an invalid item gets an `error`, it does not fail the batch.
#[utoipa::path(
    tag = "indicators",
    request_body = LookupRequest,
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses(
        (status = 200, body = LookupResponse),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "more than 1,000 items", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/indicators/lookup")]
pub async fn lookup_indicators(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<LookupRequest>,
) -> ApiResult<web::Json<LookupResponse>> {
    audit::require(&state, &principal, Permission::LookupIndicators, "indicator.lookup").await?;
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
        store::lookup(&mut conn, &Viewer::of(&principal), &values).await?
    };
    let looked_up: Vec<String> =
        items.iter().filter_map(|i| i.as_ref().ok()).map(|(t, v)| format!("{t}:{v}")).collect();
    state.audit.push(
        Entry::of(&principal, "indicator.lookup")
            .details(serde_json::json!({"items": body.items.len(), "values": looked_up})),
    );
    Ok(web::Json(LookupResponse { results: answer(items, hits)? }))
}

/// Correlation: every report visible to you that names the value, newest first.
#[utoipa::path(
    tag = "indicators",
    params(("type" = IndicatorType, Path), ("value" = String, Path), CorrelationQuery),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses(
        (status = 200, body = ReportPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/indicators/{type}/{value}/reports")]
pub async fn list_indicator_reports(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    q: web::Query<CorrelationQuery>,
) -> ApiResult<web::Json<ReportPage>> {
    audit::require(&state, &principal, Permission::ReadReports, "indicator.correlate").await?;
    let (t, raw) = path.into_inner();
    let t: IndicatorType = t.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = normalize(t, &raw).map_err(|e| ApiError::field("value", e))?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let filter = ReportFilter { indicator: Some((t, value.clone())), descending: true, ..Default::default() };
    let viewer = Viewer::of(&principal);
    let mut conn = state.pool.get().await?;
    let rows = crate::reports::store::list(&mut conn, &viewer, &filter, after.as_ref(), limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
    state
        .audit
        .push(Entry::of(&principal, "indicator.correlate").details(serde_json::json!({"type": t, "value": value})));
    let items = crate::reports::view::views(&mut conn, &viewer, rows).await?;
    Ok(web::Json(ReportPage { items, next_cursor, total: None, total_kind: None }))
}
