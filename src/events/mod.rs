//! Events: written to the outbox in the transaction of the change that causes them, announced
//! once it committed (`kernel::notify`), read by each organisation as a feed (cursor,
//! long-poll). Adding an event type is one line in `EventType` plus its payload type.

pub mod model;
pub mod routes;
pub mod store;

use serde::Serialize;
use uuid::Uuid;

use crate::domain::{text_enum, OrgId};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};

text_enum! {
    /// What happened.
    EventType {
        ReportIndicatorMatch = "report.indicator_match",
        WebhookTest = "webhook.test",
        AlertReceived = "alert.received",
        AlertOutcome = "alert.outcome",
        RequestReceived = "request.received",
        RequestStatusChanged = "request.status_changed",
        RequestMessage = "request.message",
        RequestResponse = "request.response",
        RequestDeadlineNear = "request.deadline_near",
        RequestOverdue = "request.overdue",
        PreservationExpiring = "preservation.expiring",
        /// A request names you as its validator: decide it (`POST /requests/{id}/validate`).
        RequestValidationRequested = "request.validation_requested",
        /// An emergency request that went out first: 36 of its 48 hours for validation are gone.
        RequestValidationDue = "request.validation_due",
        /// Its 48 hours for validation are over and it is not validated.
        RequestValidationOverdue = "request.validation_overdue",
        /// A refused validation sealed the answers: delete or restrict what was produced.
        RequestSealed = "request.sealed",
        /// A reporter withdrew (or corrected) a value of a report that matched your watchlist.
        IndicatorWithdrawn = "indicator.withdrawn",
        /// A bank contests the mule flag of an account your alerts named: confirm or withdraw
        /// (`POST /mule-accounts/{iban}/contest/answer`) before the deadline.
        MuleFlagContested = "mule_flag.contested",
        /// A contest of a mule flag ended (every sending bank answered, or the deadline passed).
        MuleFlagContestClosed = "mule_flag.contest_closed",
        /// To the platform organisation: an account two platform admins made (an organisation's
        /// first org_admin, a platform admin) was enrolled by its owner with both token parts.
        AccountEnrolled = "user.enrolled",
    }
}

/// Writes one event for `recipient` on `conn`, inside the caller's transaction; returns its
/// outbox position and its event id.
pub async fn emit(conn: &Conn, kind: EventType, recipient: OrgId, payload: &impl Serialize) -> ApiResult<(i64, Uuid)> {
    let payload = serde_json::to_value(payload).map_err(ApiError::internal)?;
    let written = store::insert(conn, kind, recipient, &payload).await?;
    crate::notices::on_event(conn, kind.as_str(), written.1, recipient, &payload).await?;
    crate::kernel::notify::written_for(conn, &[recipient.0]).await?;
    Ok(written)
}

/// Writes one event of `kind` per (recipient, payload), in one statement; returns how many.
pub async fn emit_many(conn: &Conn, kind: EventType, events: &[(OrgId, serde_json::Value)]) -> ApiResult<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let written = store::insert_many(conn, kind, events).await?;
    let orgs: Vec<Uuid> = events.iter().map(|(org, _)| org.0).collect();
    crate::kernel::notify::written_for(conn, &orgs).await?;
    Ok(written)
}
