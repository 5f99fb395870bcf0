//! Indicators' operations, as the JSON API and the console call them. Each takes the grant of
//! its action (`Grant::expect` refuses any other):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`lookup`] | `LookupIndicators` | one value: seen or not in the visible reports, sightings |
//! | [`lookup_batch`] | `LookupIndicators` | up to 1,000 values, each answered in order |
//! | [`reports_naming`] | `CorrelateIndicator` | the visible reports naming a value |
//! | [`record_sighting`] | `RecordSighting` | the caller's organisation saw a value (or not) |
//!
//! [`Sightings`] is what each caller is told of sightings, for the look-up and STIX bundles.

use std::collections::HashMap;

use diesel_async::AsyncConnection;

use super::model::*;
use super::store;
use crate::access::{Action, Grant};
use crate::domain::IndicatorType;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::pagination;
use crate::kernel::AppState;
use crate::reports::model::{ReportCursor, ReportFilter, ReportPage};

/// Looks up one value in the reports visible to the caller; the look-up is audited.
pub async fn lookup(
    state: &AppState,
    act: &Grant,
    (t, value): (IndicatorType, String),
    after: ReadAfter,
) -> ApiResult<LookupResult> {
    act.expect(&[Action::LookupIndicators])?;
    let (viewer, values) = (act.viewer(), std::slice::from_ref(&value));
    let (hits, sightings) = state
        .read(after, async |conn| {
            // The look-up and the sightings: one round trip.
            tokio::try_join!(store::lookup(conn, &viewer, values), Sightings::of(conn, act.org_id, values))
        })
        .await?;
    let details = serde_json::json!({"type": t, "value": value});
    let mut results = answer(vec![Ok((t, value))], hits, sightings);
    let result = results.pop().ok_or_else(|| ApiError::internal("no look-up result"))?;
    // The outcome goes with the audit row: the published share of look-ups that found
    // something is counted from it (never which value was found, beyond this row).
    act.record_read(state, None, with_outcome(details, std::slice::from_ref(&result)));
    Ok(result)
}

/// Audit details with the look-up's outcome: how many values were found as current.
fn with_outcome(mut details: serde_json::Value, results: &[LookupResult]) -> serde_json::Value {
    let found = results.iter().filter(|r| matches!(r, LookupResult::Hit(h) if h.seen)).count();
    details["found"] = found.into();
    details
}

/// Looks up at most [`MAX_BATCH`] items in one call: each answered in order, an invalid one
/// with its error; the values looked up are audited.
pub async fn lookup_batch(
    state: &AppState,
    act: &Grant,
    items: &[LookupItem],
    after: ReadAfter,
) -> ApiResult<Vec<LookupResult>> {
    act.expect(&[Action::LookupIndicators])?;
    if items.len() > MAX_BATCH {
        return Err(ApiError::field("items", format!("at most {MAX_BATCH} items per call; split the batch")));
    }
    let parsed: Vec<_> = items.iter().map(LookupItem::parse).collect();
    let mut values: Vec<String> = parsed.iter().filter_map(|i| i.as_ref().ok().map(|(_, v)| v.clone())).collect();
    values.sort();
    values.dedup();
    let (hits, sightings) = if values.is_empty() {
        (Vec::new(), Sightings::default())
    } else {
        let viewer = act.viewer();
        state
            .read(after, async |conn| {
                tokio::try_join!(store::lookup(conn, &viewer, &values), Sightings::of(conn, act.org_id, &values))
            })
            .await?
    };
    let looked_up: Vec<String> =
        parsed.iter().filter_map(|i| i.as_ref().ok()).map(|(t, v)| format!("{t}:{v}")).collect();
    let results = answer(parsed, hits, sightings);
    let details = serde_json::json!({"items": items.len(), "values": looked_up});
    act.record_read(state, None, with_outcome(details, &results));
    Ok(results)
}

/// Correlation: a page of the reports visible to the caller that name the value, newest
/// first; audited with the value.
pub async fn reports_naming(
    state: &AppState,
    act: &Grant,
    (t, value): (IndicatorType, String),
    q: &CorrelationQuery,
    read_after: ReadAfter,
) -> ApiResult<ReportPage> {
    act.expect(&[Action::CorrelateIndicator])?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let filter = ReportFilter { indicator: Some((t, value.clone())), descending: true, ..Default::default() };
    let page = crate::reports::service::page(state, act, &filter, after, limit, None, read_after).await?;
    act.record_read(state, None, serde_json::json!({"type": t, "value": value}));
    Ok(page)
}

/// Records a sighting by the caller's organisation (audited with the value).
pub async fn record_sighting(
    state: &AppState,
    act: &Grant,
    (t, value): (IndicatorType, String),
    body: &SightingInput,
) -> ApiResult<Sighting> {
    act.expect(&[Action::RecordSighting])?;
    let new = body.parse(t, value)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        let s = store::insert_sighting(c, act.org_id, act.actor_id(), &new).await?;
        let details = serde_json::json!({"type": t, "value": s.value, "kind": s.kind, "count": s.count});
        act.on("sighting", s.id).details(details).write(c).await?;
        Ok::<_, ApiError>(s)
    })
    .await
}

/// Every organisation's sightings of the values, the caller's own alone, and the caller's own
/// latest, by (type, value).
#[derive(Default)]
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
