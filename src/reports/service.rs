//! The writes of a report, each one transaction's work: rows, indicator links, watchlist
//! events and the audit row together.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{IndicatorLink, IndicatorRef, NewReport, Report, ReportChanges, ReportInput, ReportRow};
use super::{store, view};
use crate::access::Grant;
use crate::domain::{Check, IndicatorType, ReportId};
use crate::events::{self, model::IndicatorWithdrawnEvent, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::{organizations, watchlists};

/// Names each entry of `shared_with` (as given) that is not an active organisation.
pub async fn check_directory(conn: &mut Conn, check: &mut Check, given: &[Uuid]) -> ApiResult<()> {
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

/// Creates a report of the caller's organisation.
pub async fn create(c: &mut Conn, act: &Grant, input: ReportInput, now: DateTime<Utc>) -> ApiResult<Report> {
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
pub async fn update(
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
pub async fn withdraw_indicator(
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
