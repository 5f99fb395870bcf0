//! The writes of a report, each one transaction's work: rows, indicator links, watchlist
//! events and the audit row together.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{IndicatorLink, NewReport, Report, ReportChanges, ReportInput, ReportRow};
use super::{store, view};
use crate::access::Grant;
use crate::domain::{Check, ReportId};
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
async fn link(c: &mut Conn, row: &ReportRow, items: &[IndicatorLink], now: DateTime<Utc>) -> ApiResult<usize> {
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
    link(c, &row, &input.indicators, now).await?;
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
    let added = link(c, &row, indicators, Utc::now()).await?;
    let details = serde_json::json!({"tlp": row.tlp, "indicators_added": added, "version": row.version});
    act.on("report", id).details(details).write(c).await?;
    view::view(c, &act.viewer(), row).await
}
