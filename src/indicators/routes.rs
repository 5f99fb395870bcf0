use std::collections::HashMap;

use actix_web::{get, post, web};
use diesel_async::AsyncConnection;

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::indicator::normalize;
use crate::domain::{IndicatorType, PurposeParams};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::{ReadAfter, ReadAfterHeader};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody};
use crate::kernel::AppState;
use crate::reports::model::{ReportCursor, ReportFilter, ReportPage};

/// Every organisation's sightings of the values, the caller's own alone, and the caller's own
/// latest, by (type, value).
pub struct Sightings {
    pub summaries: HashMap<(IndicatorType, String), SightingSummary>,
    pub own_summaries: HashMap<(IndicatorType, String), SightingSummary>,
    pub own: HashMap<(IndicatorType, String), Sighting>,
}

impl Sightings {
    /// Both reads sent together (one round trip).
    pub async fn of(conn: &crate::kernel::db::Conn, org: crate::domain::OrgId, values: &[String]) -> ApiResult<Self> {
        let (rows, own) = tokio::try_join!(
            store::sighting_summaries(conn, org, values),
            store::own_latest_sightings(conn, org, values)
        )?;
        let mut summaries = HashMap::new();
        let mut own_summaries = HashMap::new();
        for r in rows {
            let key = (r.type_, r.value);
            summaries.insert(
                key.clone(),
                SightingSummary {
                    seen: r.seen,
                    false_positive: r.false_positive,
                    expired: r.expired,
                    false_positive_organizations: r.false_positive_organizations,
                    first_seen: r.first_seen,
                    last_seen: r.last_seen,
                },
            );
            own_summaries.insert(
                key,
                SightingSummary {
                    seen: r.own_seen,
                    false_positive: r.own_false_positive,
                    expired: r.own_expired,
                    false_positive_organizations: r.own_false_positive_recent,
                    first_seen: r.own_first_seen,
                    last_seen: r.own_last_seen,
                },
            );
        }
        let own = own.into_iter().map(|s| ((s.type_, s.value.clone()), s)).collect();
        Ok(Sightings { summaries, own_summaries, own })
    }

    /// What a caller is told of the value's sightings: every organisation's when it sees a
    /// report naming the value, else its own alone (others' sightings would tell it that a
    /// value it may not see is known).
    fn told(&mut self, key: &(IndicatorType, String), sees_a_report: bool) -> SightingSummary {
        let all = self.summaries.remove(key);
        let own = self.own_summaries.remove(key);
        match sees_a_report {
            true => all.unwrap_or_default(),
            false => own.unwrap_or_default(),
        }
    }
}

/// Confidence points one organisation's false positive (in the last 90 days) takes off a value.
pub const FALSE_POSITIVE_PENALTY: i64 = 25;

/// Answers each item from the visible reports naming it: hits grouped per (type, value),
/// newest first, with the sightings of the value.
fn answer(
    items: Vec<Result<(IndicatorType, String), LookupFailure>>,
    hits: Vec<HitRow>,
    mut sightings: Sightings,
) -> Vec<LookupResult> {
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
            let key = (t, value.clone());
            let summary = sightings.told(&key, !rows.is_empty());
            let penalty = FALSE_POSITIVE_PENALTY * summary.false_positive_organizations;
            LookupResult::Hit(LookupHit {
                type_: t,
                value,
                disputed: summary.false_positive_organizations >= 2,
                own_latest_sighting: sightings.own.remove(&key),
                seen: current > 0,
                stale: current == 0 && !rows.is_empty(),
                report_count: current,
                stale_report_count: rows.len() - current,
                confidence: rows
                    .iter()
                    .filter(|r| r.valid_until > now)
                    .map(|r| r.confidence)
                    .max()
                    .map(|c| (i64::from(c) - penalty).max(0) as i16),
                sightings: summary,
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
    let (t, value) = parse_item(&q).map_err(|f| {
        let field = if f.error.starts_with("unknown value") { "type" } else { "value" };
        ApiError::field(field, f.error)
    })?;
    let (viewer, values) = (act.viewer(), std::slice::from_ref(&value));
    let (hits, sightings) = state
        .read(after, async |conn| {
            // The look-up and the sightings: one round trip.
            tokio::try_join!(store::lookup(conn, &viewer, values), Sightings::of(conn, act.org_id, values))
        })
        .await?;
    act.record_read(&state, None, serde_json::json!({"type": t, "value": value}));
    let mut results = answer(vec![Ok((t, value))], hits, sightings);
    results.pop().map(web::Json).ok_or_else(|| ApiError::internal("no look-up result"))
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
    if body.items.len() > MAX_BATCH {
        return Err(ApiError::field("items", format!("at most {MAX_BATCH} items per call; split the batch")));
    }
    let items: Vec<_> = body.items.iter().map(parse_item).collect();
    let mut values: Vec<String> = items.iter().filter_map(|i| i.as_ref().ok().map(|(_, v)| v.clone())).collect();
    values.sort();
    values.dedup();
    let (hits, sightings) = if values.is_empty() {
        (Vec::new(), Sightings { summaries: HashMap::new(), own_summaries: HashMap::new(), own: HashMap::new() })
    } else {
        let viewer = act.viewer();
        state
            .read(after, async |conn| {
                tokio::try_join!(store::lookup(conn, &viewer, &values), Sightings::of(conn, act.org_id, &values))
            })
            .await?
    };
    let looked_up: Vec<String> =
        items.iter().filter_map(|i| i.as_ref().ok()).map(|(t, v)| format!("{t}:{v}")).collect();
    act.record_read(&state, None, serde_json::json!({"items": body.items.len(), "values": looked_up}));
    Ok(web::Json(LookupResponse { results: answer(items, hits, sightings) }))
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
    let t: IndicatorType = t.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = normalize(t, &raw).map_err(|e| ApiError::field("value", e))?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let filter = ReportFilter { indicator: Some((t, value.clone())), descending: true, ..Default::default() };
    let viewer = act.viewer();
    let (items, next_cursor) = state
        .read(read_after, async |conn| {
            let rows = crate::reports::store::list(conn, &viewer, &filter, after.as_ref(), limit).await?;
            let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
            Ok((crate::reports::view::views(conn, &viewer, rows).await?, next_cursor))
        })
        .await?;
    act.record_read(&state, None, serde_json::json!({"type": t, "value": value}));
    Ok(web::Json(ReportPage { items, next_cursor, total: None, total_kind: None }))
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
    let t: IndicatorType = t.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = normalize(t, &raw).map_err(|e| ApiError::field("value", e))?;
    let new = parse_sighting(&body, t, value)?;
    let mut conn = state.pool.get().await?;
    let sighting = conn
        .transaction(async |c| {
            let s = store::insert_sighting(c, act.org_id, act.actor_id(), &new).await?;
            let details = serde_json::json!({"type": t, "value": s.value, "kind": s.kind, "count": s.count});
            act.on("sighting", s.id).details(details).write(c).await?;
            Ok::<_, ApiError>(s)
        })
        .await?;
    Ok(actix_web::HttpResponse::Created().json(sighting))
}

fn parse_sighting(b: &SightingInput, t: IndicatorType, value: String) -> ApiResult<store::NewSighting> {
    let mut check = crate::domain::Check::new();
    let kind = check.take("kind", b.kind.parse::<SightingKind>());
    let source = match b.source.as_deref() {
        None => Some(SightingSource::Other),
        Some(s) => check.take("source", s.parse::<SightingSource>()),
    };
    let count = b.count.unwrap_or(1);
    if !(1..=1_000_000).contains(&count) {
        check.add("count", "from 1 to 1,000,000");
    }
    let now = chrono::Utc::now();
    let first_seen = b.first_seen.map_or(now, |t| t.with_timezone(&chrono::Utc));
    let last_seen = b.last_seen.map_or(first_seen, |t| t.with_timezone(&chrono::Utc));
    if last_seen < first_seen {
        check.add("last_seen", "must not be before first_seen");
    }
    if last_seen > now + chrono::Duration::minutes(5) {
        check.add("last_seen", "must not be in the future");
    }
    let note = b.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        check.add("note", "at most 1,000 characters");
    }
    check.finish()?;
    Ok(store::NewSighting {
        kind_of_value: t,
        value,
        kind: kind.ok_or_else(|| ApiError::internal("checked"))?,
        source: source.ok_or_else(|| ApiError::internal("checked"))?,
        count: count as i32,
        first_seen,
        last_seen,
        note,
    })
}
