//! The writes of fraud alerts, each one transaction's work: routing, rows, events, audit.

use chrono::{DurationRound, Utc};
use serde::Serialize;

use super::model::*;
use super::rules::{self, AlertViewer};
use super::{store, view};
use crate::access::Grant;
use crate::domain::{AlertId, Category, Iban, Money, OrgId};
use crate::events::{self, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::keycache::KeyCache;

/// Payload of `alert.received`.
#[derive(Serialize)]
struct Received<'a> {
    alert_id: AlertId,
    trace_id: AlertId,
    hop: i32,
    sender_id: OrgId,
    beneficiary_iban: Option<&'a Iban>,
    amount: Money,
    executed_at: chrono::DateTime<Utc>,
    category: Category,
}

/// The alert routed to the bank its beneficiary account belongs to (unrouted when none is);
/// the banks' identifiers from this instance's cache when `invalidations` is given.
async fn routed(c: &mut Conn, row: AlertRow, invalidations: Option<&KeyCache>) -> ApiResult<AlertRow> {
    let (iban, bic) = (row.beneficiary_iban.as_ref(), row.beneficiary_bic.as_ref());
    let routes = match invalidations {
        Some(cache) => super::directory::bank_routes(c, cache, iban, bic).await?,
        None => store::bank_routes(c, iban, bic).await?,
    };
    let receiver = rules::route(iban, bic, &routes);
    Ok(AlertRow { receiver_org_id: receiver, status: AlertStatus::of_new(receiver), ..row })
}

/// Stores a routed alert and tells its bank, the two statements sent together.
async fn store_and_tell(c: &Conn, row: &AlertRow) -> ApiResult<()> {
    let tell = async {
        let Some(to) = row.receiver_org_id else { return Ok(()) };
        let received = Received {
            alert_id: row.id,
            trace_id: row.trace_id,
            hop: row.hop,
            sender_id: row.sender_org_id,
            beneficiary_iban: row.beneficiary_iban.as_ref(),
            amount: Money { amount_minor: row.amount_minor, currency: row.currency.clone() },
            executed_at: row.executed_at,
            category: row.category,
        };
        events::emit(c, EventType::AlertReceived, to, &received).await.map(|_| ())
    };
    tokio::try_join!(store::insert(c, row), tell)?;
    Ok(())
}

/// A new alert, checked and routed, not yet written.
pub struct NewAlert {
    row: AlertRow,
    /// As its sender sees it once written.
    pub alert: Alert,
}

/// Checks and routes the first alert of a new trace ([`write`] stores it); the banks'
/// identifiers come from this instance's cache, valid while `invalidations` says so.
pub async fn prepare(c: &mut Conn, act: &Grant, invalidations: &KeyCache, input: AlertInput) -> ApiResult<NewAlert> {
    if let Some(report) = input.report_id {
        if crate::reports::store::get_visible(c, &act.viewer(), report).await?.is_none() {
            return Err(ApiError::field("report_id", "no such report visible to you"));
        }
    }
    let id = AlertId::new();
    let row = AlertRow {
        id,
        trace_id: id,
        parent_alert_id: None,
        hop: 1,
        sender_org_id: act.org_id,
        receiver_org_id: None,
        status: AlertStatus::Unrouted,
        victim_iban: input.victim.and_then(|v| v.iban),
        beneficiary_iban: input.beneficiary.iban,
        beneficiary_account: input.beneficiary.bank_account,
        beneficiary_bic: input.beneficiary.bic,
        beneficiary_name: input.beneficiary_name,
        amount_minor: input.amount.amount_minor,
        currency: input.amount.currency,
        executed_at: input.executed_at,
        payment_reference: input.payment_reference,
        category: input.category,
        bank_case_reference: input.bank_case_reference,
        report_id: input.report_id,
        description: input.description,
        first_outcome_at: None,
        // As PostgreSQL keeps it (microseconds): the answer is built from this row, not read back.
        created_at: Utc::now().duration_trunc(chrono::TimeDelta::microseconds(1)).unwrap_or_else(|_| Utc::now()),
        version: 1,
    };
    let row = routed(c, row, Some(invalidations)).await?;
    let alert = view::alert(row.clone(), &[], &[]);
    Ok(NewAlert { row, alert })
}

/// Writes a prepared alert: the row, its bank's `alert.received` event and the audit row, sent
/// together (one round trip), on `c` shared so a caller may send its own statements alongside.
pub async fn write(c: &Conn, act: &Grant, new: &NewAlert) -> ApiResult<()> {
    let audit = act.on("fraud_alert", new.row.id).details(serde_json::json!({"routed_to": new.row.receiver_org_id}));
    tokio::try_join!(store_and_tell(c, &new.row), audit.write(c))?;
    Ok(())
}

/// Creates the first alert of a new trace.
pub async fn create(c: &mut Conn, act: &Grant, invalidations: &KeyCache, input: AlertInput) -> ApiResult<Alert> {
    let new = prepare(c, act, invalidations, input).await?;
    write(c, act, &new).await?;
    Ok(new.alert)
}

/// The alert the caller received, to record an outcome on: 404 when not visible, 403 when it
/// was sent, not received, by the caller.
pub enum Receivable {
    Yes(Box<AlertRow>),
    NotVisible,
    NotReceiver,
}

pub async fn receivable(c: &mut Conn, act: &Grant, id: AlertId) -> ApiResult<Receivable> {
    Ok(match store::get_visible(c, &AlertViewer::of(act), id).await? {
        None => Receivable::NotVisible,
        Some(a) if a.receiver_org_id != Some(act.org_id) => Receivable::NotReceiver,
        Some(a) => Receivable::Yes(Box::new(a)),
    })
}

/// Records what the receiving bank did: the outcome row, the next hops (routed and announced
/// like the first alert), an `alert.outcome` event for every earlier sender, the audit row.
pub async fn record_outcome(
    c: &mut Conn,
    act: &Grant,
    id: AlertId,
    if_match: IfMatch,
    body: &CreateOutcome,
) -> ApiResult<Outcome> {
    let alert = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(alert.version)?;
    let input = body.parse(&alert.currency)?;
    let earlier = store::outcomes_of(c, &[id]).await?;
    let next_hops = store::children_of(c, &[id]).await?;
    let field = if input.transfers.is_empty() { "amount" } else { "onward_transfers" };
    rules::check_allocation(alert.amount_minor, rules::allocated(&earlier, &next_hops), input.adding(), field)?;
    let now = Utc::now();
    let amount_minor = input.amount_minor.or((!input.transfers.is_empty()).then_some(input.adding()));
    let row = OutcomeRow {
        id: uuid::Uuid::now_v7(),
        alert_id: id,
        outcome: input.kind,
        amount_minor,
        reason: input.reason.clone(),
        created_by: Some(act.actor_id()),
        created_at: now,
    };
    store::insert_outcome(c, &row).await?;
    store::mark_acted(c, id).await?;
    let mut onward = Vec::new();
    for t in &input.transfers {
        let next = next_hop(&alert, act.org_id, t, now);
        let next = routed(c, next, None).await?;
        store_and_tell(c, &next).await?;
        onward.push(next.id);
    }
    let amount = amount_minor.map(|m| Money { amount_minor: m, currency: alert.currency.clone() });
    let payload = serde_json::json!({
        "alert_id": id, "trace_id": alert.trace_id, "hop": alert.hop, "outcome": input.kind,
        "amount": amount, "onward_alert_ids": onward, "by": act.org_id,
    });
    let trail = store::trace(c, alert.trace_id).await?;
    for org in rules::upstream_senders(&trail, &alert, act.org_id) {
        events::emit(c, EventType::AlertOutcome, org, &payload).await?;
    }
    let details = serde_json::json!({"outcome": input.kind, "amount_minor": amount_minor, "onward": onward});
    act.on("fraud_alert", id).details(details).write(c).await?;
    Ok(Outcome {
        id: row.id,
        outcome: input.kind,
        amount,
        reason: row.reason,
        onward_alert_ids: onward,
        created_at: now,
    })
}

/// The alert of a transfer onward out of `from`'s beneficiary account.
fn next_hop(from: &AlertRow, sender: OrgId, t: &Transfer, now: chrono::DateTime<Utc>) -> AlertRow {
    AlertRow {
        id: AlertId::new(),
        trace_id: from.trace_id,
        parent_alert_id: Some(from.id),
        hop: from.hop + 1,
        sender_org_id: sender,
        receiver_org_id: None,
        status: AlertStatus::Unrouted,
        victim_iban: from.beneficiary_iban.clone(),
        beneficiary_iban: Some(t.iban.clone()),
        beneficiary_account: None,
        beneficiary_bic: None,
        beneficiary_name: None,
        amount_minor: t.amount_minor,
        currency: from.currency.clone(),
        executed_at: t.executed_at,
        payment_reference: None,
        category: from.category,
        bank_case_reference: None,
        report_id: from.report_id,
        description: None,
        first_outcome_at: None,
        created_at: now,
        version: 1,
    }
}
