//! Reports' operations, as the JSON API and the console call them. Each takes the grant of
//! its action (`Grant::expect` refuses any other) and typed input, and runs its writes as one
//! transaction (rows, indicator links, watchlist events and the audit row together):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`submit`] | `CreateReport` | a new report, idempotent under a key |
//! | [`query`] | `QueryReports` | a page of the visible reports, with counts |
//! | [`page`] | `QueryReports`, `CorrelateIndicator` | a page of a filter (correlation) |
//! | [`read`] | `ReadReport` | one visible report (404 otherwise), the read audited |
//! | [`update`] | `UpdateReport` | the reporter's change, with the version read |
//! | [`withdraw`] | `WithdrawIndicator` | the reporter withdraws one of its values |
//! | [`correct`] | `CorrectIndicator` | the reporter corrects one of its values |
//! | [`export`] | `ExportReports` | every page of a query, rendered as the caller asks |
//!
//! [`create`] is the write of a new report inside a caller's transaction (TAXII and the demo).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use uuid::Uuid;

use super::model::*;
use super::parse::{parse_query, parse_reason};
use super::{store, view};
use crate::access::{Action, Grant};
use crate::domain::{Check, IndicatorType, ReportId};
use crate::events::{self, model::IndicatorWithdrawnEvent, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::idempotency::{Answer, Idempotent};
use crate::kernel::http::pagination;
use crate::kernel::AppState;
use crate::{organizations, watchlists};
use diesel_async::AsyncConnection;

/// Submits a report with its indicators (each invalid one named), as one transaction; with an
/// idempotency key, a retry gets the first answer and creates nothing.
pub async fn submit(state: &AppState, act: &Grant, body: &CreateReport, idem: &Idempotent) -> ApiResult<Answer> {
    act.expect(&[Action::CreateReport])?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let input = body.parse(&mut check, now);
    check_directory(&mut conn, &mut check, &body.shared_with).await?;
    let input = check.done(|| input)?;
    let created = conn
        .transaction(async |c| {
            let report = create(c, act, input, now).await?;
            idem.record(c, actix_web::http::StatusCode::CREATED, &report).await
        })
        .await;
    idem.settle(&mut conn, created).await
}

/// A page of the reports visible to the caller matching `q`, with a count when asked for; the
/// search is audited with `query_text` (the query as the caller wrote it) and the value searched.
pub async fn query(
    state: &AppState,
    act: &Grant,
    q: &ReportQuery,
    query_text: &str,
    read_after: ReadAfter,
) -> ApiResult<ReportPage> {
    act.expect(&[Action::QueryReports])?;
    let filter = parse_query(q)?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let count = match q.count.as_deref().map(str::parse::<CountMode>).transpose() {
        Ok(None | Some(CountMode::None)) => None,
        Ok(mode) => mode,
        Err(e) => return Err(ApiError::field("count", e)),
    };
    let page = page(state, act, &filter, after, limit, count, read_after).await?;
    let details = serde_json::json!({"query": query_text, "indicator": searched(&filter), "rows": page.items.len()});
    act.record_read(state, None, details);
    Ok(page)
}

/// A page of the reports visible to the caller that `filter` selects, after `after`; an exact
/// count walks every visible report (long work). The caller audits the read.
pub async fn page(
    state: &AppState,
    act: &Grant,
    filter: &ReportFilter,
    after: Option<ReportCursor>,
    limit: i64,
    count: Option<CountMode>,
    read_after: ReadAfter,
) -> ApiResult<ReportPage> {
    act.expect(&[Action::QueryReports, Action::CorrelateIndicator])?;
    let viewer = act.viewer();
    let (items, next_cursor, total, total_kind) = state
        .read_on(read_after, count == Some(CountMode::Exact), async |conn| {
            let rows = store::list(conn, &viewer, filter, after.as_ref(), limit).await?;
            let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
            let (total, total_kind) = match count {
                Some(mode) => {
                    let (n, exact) = store::count(conn, &viewer, filter, mode == CountMode::Exact).await?;
                    (Some(n), Some(if exact { CountMode::Exact } else { CountMode::Estimate }))
                }
                None => (None, None),
            };
            Ok((view::views(conn, &viewer, rows).await?, next_cursor, total, total_kind))
        })
        .await?;
    Ok(ReportPage { items, next_cursor, total, total_kind })
}

/// One report visible to the caller (404 otherwise, the refusal audited); the read is audited
/// with `details` (the format, when not JSON).
pub async fn read(state: &AppState, act: &Grant, id: ReportId, details: serde_json::Value) -> ApiResult<Report> {
    act.expect(&[Action::ReadReport])?;
    let viewer = act.viewer();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &viewer, id).await? else {
        return Err(act.hide(state, "report", id).await);
    };
    act.record_read(state, Some(("report", id.to_string())), details);
    view::view(&mut conn, &viewer, row).await
}

/// Whether the caller may open report `id` (a link to it is shown); not a read of it.
pub async fn visible(state: &AppState, act: &Grant, id: ReportId) -> ApiResult<bool> {
    act.expect(&[Action::ReadReport])?;
    Ok(store::get_visible(&mut *state.pool.get().await?, &act.viewer(), id).await?.is_some())
}

/// The reporter's organisation changes its report, with the version it read (`If-Match`
/// required). TLP may only be raised and `shared_with` only widened; `indicators` are added.
pub async fn update(
    state: &AppState,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    body: &UpdateReport,
) -> ApiResult<Report> {
    act.expect(&[Action::UpdateReport])?;
    let mut conn = state.pool.get().await?;
    let Some(current) = store::get_visible(&mut conn, &act.viewer(), id).await? else {
        return Err(act.hide(state, "report", id).await);
    };
    if current.reporter_org_id != act.org_id {
        return Err(act.refuse(state, "report", id, "only the reporting organisation changes a report").await);
    }
    // The rules (TLP only raised, sharing only widened) are checked against `current`; the
    // version named must be that one, and the update re-checks it on the locked row, so a
    // change committed in between (or a version guessed ahead of it) gets 412.
    let if_match = if_match.required()?;
    if_match.check(current.version)?;
    let mut check = Check::new();
    let (changes, indicators) = body.parse(&mut check, &current, Utc::now());
    check_directory(&mut conn, &mut check, body.shared_with.as_deref().unwrap_or_default()).await?;
    check.finish()?;
    conn.transaction(async |c| apply_update(c, act, id, if_match, &changes, &indicators).await).await
}

/// The reporter withdraws `target` from its report, with a reason.
pub async fn withdraw(
    state: &AppState,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    target: (IndicatorType, String),
    body: &WithdrawIndicator,
) -> ApiResult<Report> {
    act.expect(&[Action::WithdrawIndicator])?;
    let mut check = Check::new();
    let reason = parse_reason(&mut check, &body.reason);
    check.finish()?;
    rectify(state, act, id, if_match, target, reason, None).await
}

/// The reporter corrects `target` of its report: withdrawn, and the new value linked.
pub async fn correct(
    state: &AppState,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    target: (IndicatorType, String),
    body: &CorrectIndicator,
) -> ApiResult<Report> {
    act.expect(&[Action::CorrectIndicator])?;
    let mut check = Check::new();
    let (reason, link) = body.parse(&mut check, target.0);
    check.finish()?;
    rectify(state, act, id, if_match, target, reason, link).await
}

/// The reporter's organisation only (others: 404 when they cannot see the report, 403 when they can).
async fn rectify(
    state: &AppState,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    target: (IndicatorType, String),
    reason: String,
    replacement: Option<IndicatorLink>,
) -> ApiResult<Report> {
    let mut conn = state.pool.get().await?;
    let Some(current) = store::get_visible(&mut conn, &act.viewer(), id).await? else {
        return Err(act.hide(state, "report", id).await);
    };
    if current.reporter_org_id != act.org_id {
        return Err(act
            .refuse(state, "report", id, "only the reporting organisation withdraws or corrects its values")
            .await);
    }
    conn.transaction(async |c| withdraw_value(c, act, id, if_match, target, &reason, replacement).await).await
}

/// How an export is written: each page of reports (and whether it is the first) to bytes,
/// then `trailer`; `format` names it in the audit row when it is not CSV.
pub struct Rendering<F> {
    pub render: F,
    pub trailer: Option<Vec<u8>>,
    pub format: Option<&'static str>,
}

/// Every page of the query `q`, 500 reports at a time, as `rendering` writes them. The export
/// is audited before the first page (with the query as the caller wrote it, the value searched
/// and the format); a failed audit write refuses it.
pub async fn export<F>(
    state: Arc<AppState>,
    act: &Grant,
    q: &ReportQuery,
    query_text: &str,
    read_after: ReadAfter,
    rendering: Rendering<F>,
) -> ApiResult<impl Stream<Item = ApiResult<Vec<u8>>>>
where
    F: Fn(&[Report], bool) -> ApiResult<Vec<u8>> + 'static,
{
    act.expect(&[Action::ExportReports])?;
    let filter = parse_query(q)?;
    let mut details = serde_json::json!({"query": query_text, "indicator": searched(&filter)});
    if let Some(format) = rendering.format {
        details["format"] = format.into();
    }
    act.entry().details(details).write(&*state.pool.get().await?).await?;
    Ok(pages(state, read_after, act.viewer(), filter, rendering.render, rendering.trailer))
}

/// The normalised value a query searched for, as its audit row names it (a subject access
/// export finds the consultation by it).
fn searched(filter: &ReportFilter) -> Option<serde_json::Value> {
    filter.indicator.as_ref().map(|(t, v)| serde_json::json!({"type": t, "value": v}))
}

/// The pages of an export, walked one at a time on the long-work pool.
fn pages(
    state: Arc<AppState>,
    read_after: ReadAfter,
    viewer: crate::domain::report::Viewer,
    filter: ReportFilter,
    render: impl Fn(&[Report], bool) -> ApiResult<Vec<u8>> + 'static,
    trailer: Option<Vec<u8>>,
) -> impl Stream<Item = ApiResult<Vec<u8>>> {
    const PAGE: i64 = 500;
    struct Walk {
        state: Arc<AppState>,
        read_after: ReadAfter,
        viewer: crate::domain::report::Viewer,
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
                return w.trailer.take().map(|t| (Ok(t), w));
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
                Ok(bytes) => Some((Ok(bytes), w)),
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

/// Names each entry of `shared_with` (as given) that is not an active organisation.
async fn check_directory(conn: &mut Conn, check: &mut Check, given: &[Uuid]) -> ApiResult<()> {
    let active = organizations::store::active_among(conn, given).await?;
    for (i, id) in given.iter().enumerate() {
        if !active.contains(id) {
            check.add(format!("shared_with[{i}]"), "no such active organisation");
        }
    }
    Ok(())
}

/// The span of time a report's indicators were seen in.
fn seen(
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    (first.unwrap_or(now), last.or(first).unwrap_or(now))
}

/// Links indicators, tells the organisations watching them.
async fn link_values(c: &mut Conn, row: &ReportRow, items: &[IndicatorLink], now: DateTime<Utc>) -> ApiResult<usize> {
    let linked = store::attach_indicators(c, row.id, seen(row.first_seen, row.last_seen, now), items).await?;
    // A widened audience (TLP is only raised, but shared_with may grow) is not re-matched:
    // events follow new indicators.
    watchlists::store::notify_matches(c, row.id, &linked).await?;
    Ok(linked.len())
}

/// Creates a report of the caller's organisation, inside the caller's transaction.
pub async fn create(c: &mut Conn, act: &Grant, input: ReportInput, now: DateTime<Utc>) -> ApiResult<Report> {
    act.expect(&[Action::CreateReport])?;
    let new = NewReport {
        id: ReportId::new(),
        reference: store::next_reference(c).await?,
        reporter_org_id: act.org_id,
        reporter_user_id: act.user_id().map(|u| u.0),
        reporter_api_key_id: act.api_key_id().map(|k| k.0),
        category: input.category,
        title: input.title,
        description: input.description,
        status: input.status,
        tlp: input.tlp,
        shared_with: input.shared_with,
        anonymous: input.anonymous,
        first_seen: input.first_seen,
        last_seen: input.last_seen,
        country: input.country,
        loss_amount_minor: input.loss.as_ref().map(|m| m.amount_minor),
        loss_currency: input.loss.map(|m| m.currency),
        victim_count: input.victim_count,
    };
    let row = store::insert(c, &new).await?;
    link_values(c, &row, &input.indicators, now).await?;
    let details = serde_json::json!({"tlp": row.tlp, "indicators": input.indicators.len()});
    act.on("report", row.id).details(details).write(c).await?;
    view::view(c, &act.viewer(), row).await
}

/// Changes a report, with the version the caller read.
async fn apply_update(
    c: &mut Conn,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    changes: &ReportChanges,
    indicators: &[IndicatorLink],
) -> ApiResult<Report> {
    let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(locked.version)?;
    let row = store::update(c, id, changes).await?;
    let added = link_values(c, &row, indicators, Utc::now()).await?;
    let details = serde_json::json!({"tlp": row.tlp, "indicators_added": added, "version": row.version});
    act.on("report", id).details(details).write(c).await?;
    view::view(c, &act.viewer(), row).await
}

/// Withdraws a value from a report (the reporter's own), or corrects it when `replacement` is
/// given: the old link stays for the record, no look-up or watchlist sees it again, the
/// replacement is linked and matched like any new value, and every organisation whose
/// watchlist matched the old value is told (`indicator.withdrawn`). 404 when the report names
/// no such current value.
async fn withdraw_value(
    c: &mut Conn,
    act: &Grant,
    id: ReportId,
    if_match: IfMatch,
    target: (IndicatorType, String),
    reason: &str,
    replacement: Option<IndicatorLink>,
) -> ApiResult<Report> {
    let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(locked.version)?;
    if replacement.as_ref().is_some_and(|r| r.kind == target.0 && r.value == target.1) {
        return Err(ApiError::field("value", "is the value it corrects"));
    }
    let row = store::update(c, id, &ReportChanges::default()).await?;
    let corrected_to = match &replacement {
        Some(link) => {
            link_values(c, &row, std::slice::from_ref(link), Utc::now()).await?;
            store::indicator_values_by_key(c, link.kind, &link.value).await?
        }
        None => None,
    };
    let by = act.user_id().map(|u| u.0).or(act.api_key_id().map(|k| k.0));
    store::withdraw_link(c, id, (target.0, &target.1), reason, by, corrected_to).await?.ok_or(ApiError::NotFound)?;
    let event = IndicatorWithdrawnEvent {
        report_id: id,
        reference: row.reference.clone(),
        type_: target.0,
        value: target.1.clone(),
        reason: reason.to_string(),
        withdrawn_at: Utc::now(),
        corrected_to: replacement.as_ref().map(|l| IndicatorRef { type_: l.kind, value: l.value.clone() }),
    };
    let payload = serde_json::to_value(&event).map_err(ApiError::internal)?;
    let told: Vec<_> = watchlists::store::matched_orgs(c, id, target.0, &target.1)
        .await?
        .into_iter()
        .map(|org| (org, payload.clone()))
        .collect();
    events::emit_many(c, EventType::IndicatorWithdrawn, &told).await?;
    let details = serde_json::json!({
        "type": target.0, "value": target.1, "reason": reason, "corrected_to": event.corrected_to,
        "organizations_told": told.len(), "version": row.version,
    });
    act.on("report", id).details(details).write(c).await?;
    view::view(c, &act.viewer(), row).await
}
