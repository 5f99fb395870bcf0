//! Fraud alerts' operations, as the JSON API and the console call them. Each takes the grant
//! of its action (`Grant::expect` refuses any other) and typed input, and runs its writes as
//! one transaction (routing, rows, events, audit):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`send`] | `CreateAlert` | the first alert of a new trace, routed; idempotent under a key |
//! | [`list`] | `ListAlerts` | a page of the alerts sent or received (all: the public sector) |
//! | [`read`] | `ReadAlert` | one visible alert with its outcomes |
//! | [`record`] | `RecordOutcome` | what the receiving bank did, with the next hops |
//! | [`trace`] | `ReadTrace` | the money trail of a trace, as the caller may see it |
//! | [`proceeds`] | `ReadProceedsStatistics` | figures per bank over a period |
//!
//! Mule accounts and their contests are in `mules`. [`create`] and [`record_outcome`] are the
//! writes inside a caller's transaction (the demo's seed).

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use uuid::Uuid;

use super::model::*;
use super::rules::{self, AlertViewer};
use super::{store, trace as trail, view};
use crate::access::{Action, Grant};
use crate::domain::instant::PeriodQuery;
use crate::domain::{AlertId, Category, Iban, Money, OrgId, OrgKind};
use crate::events::{self, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::idempotency::{Answer, Idempotent};
use crate::kernel::http::pagination;
use crate::kernel::keycache::KeyCache;
use crate::kernel::AppState;
use crate::organizations;
use crate::statistics::service::ReadScope;

/// Sends the first alert of a new trace, routed to the beneficiary's bank: the alert, its
/// event, its audit row and the idempotent answer in one transaction (one round trip).
pub async fn send(state: &AppState, act: &Grant, body: CreateAlert, idem: &Idempotent) -> ApiResult<Answer> {
    act.expect(&[Action::CreateAlert])?;
    let input = body.parse()?;
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction(async |c| {
            let new = prepare(c, act, &state.hub.key_cache, input).await?;
            let c = &*c;
            let (_, answer) = crate::kernel::db::pipelined(
                write(c, act, &new),
                idem.record(c, actix_web::http::StatusCode::CREATED, &new.alert),
            )
            .await?;
            Ok(answer)
        })
        .await;
    idem.settle(&mut conn, created).await
}

/// A page of the alerts the caller sent or received (the public sector: all), newest first.
pub async fn list(state: &AppState, act: &Grant, q: &AlertQuery) -> ApiResult<AlertPage> {
    act.expect(&[Action::ListAlerts])?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let filter = q.parse()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &AlertViewer::of(act), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id.0));
    let ids: Vec<AlertId> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let next_hops = store::children_of(&mut conn, &ids).await?;
    act.record_read(state, None, serde_json::json!({"rows": rows.len()}));
    let items = rows.into_iter().map(|r| view::alert(r, &outcomes, &next_hops)).collect();
    Ok(AlertPage { items, next_cursor })
}

/// One alert the caller may see (404 otherwise), with its outcomes, and its version (the ETag).
pub async fn read(state: &AppState, act: &Grant, id: AlertId) -> ApiResult<(Alert, i32)> {
    act.expect(&[Action::ReadAlert])?;
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &AlertViewer::of(act), id).await? else {
        return Err(act.hide(state, "fraud_alert", id).await);
    };
    let outcomes = store::outcomes_of(&mut conn, &[id]).await?;
    let next_hops = store::children_of(&mut conn, &[id]).await?;
    act.record_read(state, Some(("fraud_alert", id.to_string())), serde_json::json!({}));
    let version = row.version;
    Ok((view::alert(row, &outcomes, &next_hops), version))
}

/// The receiving bank records what it did (404 when it cannot see the alert, 403 when it sent
/// rather than received it).
pub async fn record(
    state: &AppState,
    act: &Grant,
    id: AlertId,
    if_match: IfMatch,
    body: &CreateOutcome,
) -> ApiResult<Outcome> {
    act.expect(&[Action::RecordOutcome])?;
    let mut conn = state.pool.get().await?;
    match store::get_visible(&mut conn, &AlertViewer::of(act), id).await? {
        None => return Err(act.hide(state, "fraud_alert", id).await),
        Some(a) if a.receiver_org_id != Some(act.org_id) => {
            return Err(act.refuse(state, "fraud_alert", id, "only the receiving bank records outcomes").await)
        }
        Some(_) => {}
    }
    conn.transaction(async |c| record_outcome(c, act, id, if_match, body).await).await
}

/// A trace for the caller: every hop for the public sector, the hops a bank sent or received
/// otherwise (404 when it has none).
pub async fn trace(state: &AppState, act: &Grant, id: AlertId) -> ApiResult<trail::Trace> {
    act.expect(&[Action::ReadTrace])?;
    let v = AlertViewer::of(act);
    let mut conn = state.pool.get().await?;
    let rows = store::trace(&mut conn, id).await?;
    if !rows.iter().any(|r| v.sees(r)) {
        return Err(act.hide(state, "fraud_trace", id).await);
    }
    let ids: Vec<AlertId> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let mut orgs: Vec<OrgId> = rows.iter().flat_map(|r| [Some(r.sender_org_id), r.receiver_org_id]).flatten().collect();
    orgs.sort();
    orgs.dedup();
    let names: HashMap<OrgId, String> =
        organizations::store::summaries(&mut conn, &orgs).await?.into_iter().map(|(id, name, _)| (id, name)).collect();
    act.record_read(state, Some(("fraud_trace", id.to_string())), serde_json::json!({}));
    trail::build(id, &rows, &outcomes, &names, |r| v.sees(r)).ok_or(ApiError::NotFound)
}

/// Proceeds figures per bank over the period (default: the last 30 days): a regulator sees
/// every bank, a bank its own. Per-bank figures go to no one else (issue 30's floor: one bank's
/// row is one contributor): the public sector and the platform get no rows, and read the
/// published tables (`/statistics/tables`) instead.
pub async fn proceeds(state: &AppState, act: &Grant, q: &PeriodQuery) -> ApiResult<ProceedsStatistics> {
    act.expect(&[Action::ReadProceedsStatistics])?;
    if !act.is_regulator_user() {
        act.require(state, crate::domain::Permission::ReadAlerts).await?;
    }
    let (from, to) = q.bounds()?;
    let scope = match act.org_kind {
        OrgKind::Regulator => ReadScope::Supervisor,
        OrgKind::Bank => ReadScope::Own,
        _ => ReadScope::Published,
    };
    let only = (scope == ReadScope::Own).then_some(act.org_id);
    let rows = match scope {
        ReadScope::Published => Vec::new(),
        _ => {
            state
                .read_long(ReadAfter::default(), async |conn| Ok(store::statistics(conn, from, to, only).await?))
                .await?
        }
    };
    Ok(ProceedsStatistics {
        from,
        to,
        scope,
        banks: rows
            .into_iter()
            .map(|r| BankProceeds {
                bank_id: r.bank_id,
                bank: r.bank,
                alerts_sent: r.alerts_sent,
                alerts_received: r.alerts_received,
                median_seconds_to_first_outcome: r.median_seconds_to_first_outcome,
                p90_seconds_to_first_outcome: r.p90_seconds_to_first_outcome,
                amount_reported_minor: r.amount_reported_minor,
                amount_frozen_minor: r.amount_frozen_minor,
                amount_returned_minor: r.amount_returned_minor,
            })
            .collect(),
    })
}

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
    uetr: Option<&'a str>,
    end_to_end_id: Option<&'a str>,
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
            uetr: row.uetr.as_deref(),
            end_to_end_id: row.end_to_end_id.as_deref(),
            category: row.category,
        };
        events::emit(c, EventType::AlertReceived, to, &received).await.map(|_| ())
    };
    crate::kernel::db::pipelined(store::insert(c, row), tell).await?;
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
async fn prepare(c: &mut Conn, act: &Grant, invalidations: &KeyCache, input: AlertInput) -> ApiResult<NewAlert> {
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
        uetr: input.uetr,
        end_to_end_id: input.end_to_end_id,
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
async fn write(c: &Conn, act: &Grant, new: &NewAlert) -> ApiResult<()> {
    let audit = act.on("fraud_alert", new.row.id).details(serde_json::json!({"routed_to": new.row.receiver_org_id}));
    crate::kernel::db::pipelined(store_and_tell(c, &new.row), audit.write(c)).await?;
    Ok(())
}

/// Creates the first alert of a new trace, inside the caller's transaction.
pub async fn create(c: &mut Conn, act: &Grant, invalidations: &KeyCache, input: AlertInput) -> ApiResult<Alert> {
    act.expect(&[Action::CreateAlert])?;
    let new = prepare(c, act, invalidations, input).await?;
    write(c, act, &new).await?;
    Ok(new.alert)
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
    act.expect(&[Action::RecordOutcome])?;
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
        uetr: t.uetr.clone(),
        end_to_end_id: t.end_to_end_id.clone(),
    }
}
