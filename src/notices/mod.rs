//! Notices to people: when a data request reaches an organisation's desk (an emergency above
//! all), a validation is asked for or due, a deadline nears or passes, a message or an answer
//! arrives, a fraud alert reaches a bank or an outcome is recorded along a trail it sent on, or
//! someone signs in from an address not seen before. A notice says what happened, the
//! request's reference (an alert's or a trail's: `A-`/`T-` and the end of its id) and deadline,
//! and links to the console: never case content (no account, no amount).
//!
//! Notices are written with the event they come from, in its transaction (`on_event`), one per
//! person of the receiving organisation (the issuing officer alone on the issuer's side); a
//! unique key makes two notices of one event to one person impossible. `console::mail` sends them by
//! SMTP from this outbox, retrying; without SMTP the console lists the same notices and the log
//! says e-mail is off. People may opt out of e-mail, except for emergencies and security notices.

pub mod store;

use crate::domain::OrgId;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// The kind of notice an event gives, by the event's type as the feed names it (`None`: none;
/// the events feature calls in, so this one does not import it).
pub fn kind_of(event: &str) -> Option<&'static str> {
    Some(match event {
        "request.received" => "request_received",
        "request.validation_requested" => "validation_requested",
        "request.validation_due" => "validation_due",
        "request.validation_overdue" => "validation_overdue",
        "request.deadline_near" => "deadline_near",
        "request.overdue" => "overdue",
        "preservation.expiring" => "preservation_expiring",
        "request.message" => "message",
        "request.response" => "answered",
        "alert.received" => "alert_received",
        "alert.outcome" => "alert_outcome",
        _ => return None,
    })
}

/// Every kind, with the security notice of a sign-in from a new address.
pub const KINDS: [&str; 12] = [
    "request_received",
    "validation_requested",
    "validation_due",
    "validation_overdue",
    "deadline_near",
    "overdue",
    "preservation_expiring",
    "message",
    "answered",
    "alert_received",
    "alert_outcome",
    "new_address",
];

/// The console page a notice links to: its request's, its alert's (an outcome's: the trail's,
/// which every bank on it may open), or the account page.
pub fn console_path(kind: &str, request_id: Option<uuid::Uuid>, alert_id: Option<uuid::Uuid>) -> String {
    match (request_id, alert_id) {
        (Some(id), _) => format!("/console/requests/{id}"),
        (None, Some(id)) if kind == "alert_outcome" => format!("/console/traces/{id}"),
        (None, Some(id)) => format!("/console/alerts/{id}"),
        (None, None) => "/console/account".to_string(),
    }
}

/// A short name for an alert or a trail: a letter and the last 8 hexadecimal digits of its id
/// (the random end of a UUID v7, not its time).
fn short(letter: char, id: uuid::Uuid) -> String {
    let hex = id.simple().to_string();
    format!("{letter}-{}", &hex[hex.len() - 8..])
}

/// Writes the notices of an event just written (`events::emit` calls it, in its transaction).
pub async fn on_event(
    conn: &Conn,
    kind: &str,
    event_id: uuid::Uuid,
    recipient: OrgId,
    payload: &serde_json::Value,
) -> ApiResult<()> {
    let Some(notice) = kind_of(kind) else { return Ok(()) };
    let request_id = payload["request_id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    // An alert's notice names it (an outcome's: its trail, which every earlier bank may open,
    // not the later hop, which it may not); its accounts and amounts stay in the console.
    let id_of = |key: &str| payload[key].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    let alert_id = if notice == "alert_outcome" { id_of("trace_id") } else { id_of("alert_id") };
    let alert_reference = alert_id.map(|id| short(if notice == "alert_outcome" { 'T' } else { 'A' }, id));
    let deadline = ["deadline", "validation_due_at", "preservation_until"]
        .iter()
        .find_map(|k| payload[*k].as_str().and_then(|s| s.parse::<chrono::DateTime<chrono::Utc>>().ok()));
    let emergency = payload["urgency"] == "emergency";
    let row = store::NewNotice {
        event_id,
        kind: notice,
        reference: payload["reference"].as_str().or(alert_reference.as_deref()),
        request_id,
        alert_id,
        deadline,
        always: emergency,
    };
    store::insert_for_org(conn, &row, recipient).await
}

/// The caller's notices of the last fortnight, newest first (`Action::ReadMe`: about oneself).
pub async fn mine(state: &crate::kernel::AppState, act: &crate::access::Grant) -> ApiResult<Vec<store::Listed>> {
    act.expect(&[crate::access::Action::ReadMe])?;
    let Some(user) = act.user_id() else { return Ok(Vec::new()) };
    let since = chrono::Utc::now() - chrono::Duration::days(14);
    store::latest(&mut *state.pool.get().await?, user.0, since, 8).await
}
