use std::collections::HashMap;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::*;
use super::{store, trace};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::{self, Check, OrgKind};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::indicators::normalize::{normalize, IndicatorType};
use crate::reports::model::{check_money, Category, Money};
use crate::{idempotency, pagination, AppState};

/// The idempotency scope of alert creation.
const SCOPE: &str = "fraud-alerts";

fn viewer(p: &Principal) -> AlertViewer {
    AlertViewer { org_id: p.org_id, sees_all: p.org_kind.is_public_sector() || p.org_kind == OrgKind::Platform }
}

/// Normalises an account: an IBAN, or a `COUNTRY:NUMBER` account with a BIC.
fn check_account(check: &mut Check, field: &str, a: &Account, required: bool) -> Option<Account> {
    let iban = a.iban.as_deref().and_then(|i| check.take(&format!("{field}.iban"), normalize(IndicatorType::Iban, i)));
    let bank_account = a
        .bank_account
        .as_deref()
        .and_then(|b| check.take(&format!("{field}.bank_account"), normalize(IndicatorType::BankAccount, b)));
    let bic = a.bic.as_deref().and_then(|b| check.take(&format!("{field}.bic"), normalize(IndicatorType::Bic, b)));
    if a.iban.is_none() && a.bank_account.is_none() {
        if required {
            check.add(field, "give an iban, or a bank_account with its bic");
        }
        return None;
    }
    if a.iban.is_none() && a.bic.is_none() {
        check.add(format!("{field}.bic"), "a bank_account needs the bank's bic");
    }
    Some(Account { iban, bank_account, bic })
}

fn view(row: AlertRow, outcomes: &[OutcomeRow], children: &[AlertRow]) -> ApiResult<Alert> {
    let outcomes = outcomes
        .iter()
        .filter(|o| o.alert_id == row.id)
        .map(|o| {
            Ok(Outcome {
                id: o.id,
                outcome: domain::from_db(&o.outcome)?,
                amount: o.amount_minor.map(|amount_minor| Money { amount_minor, currency: row.currency.clone() }),
                reason: o.reason.clone(),
                // Onward alerts are written in the outcome's transaction: same timestamp.
                onward_alert_ids: if o.outcome == "already_moved" {
                    children
                        .iter()
                        .filter(|c| c.parent_alert_id == Some(row.id) && c.created_at == o.created_at)
                        .map(|c| c.id)
                        .collect()
                } else {
                    Vec::new()
                },
                created_at: o.created_at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Alert {
        id: row.id,
        trace_id: row.trace_id,
        parent_alert_id: row.parent_alert_id,
        hop: row.hop,
        status: row.status,
        sender_id: row.sender_org_id,
        routed_to: row.receiver_org_id,
        victim_account: Account { iban: row.victim_iban, bank_account: None, bic: None },
        beneficiary_account: Account {
            iban: row.beneficiary_iban,
            bank_account: row.beneficiary_account,
            bic: row.beneficiary_bic,
        },
        beneficiary_name: row.beneficiary_name,
        amount: Money { amount_minor: row.amount_minor, currency: row.currency },
        executed_at: row.executed_at,
        payment_reference: row.payment_reference,
        category: row.category,
        bank_case_reference: row.bank_case_reference,
        report_id: row.report_id,
        description: row.description,
        outcomes,
        created_at: row.created_at,
    })
}

/// Payload of `alert.received`.
#[derive(Serialize)]
struct Received<'a> {
    alert_id: Uuid,
    trace_id: Uuid,
    hop: i32,
    sender_id: Uuid,
    beneficiary_iban: Option<&'a str>,
    amount: Money,
    executed_at: DateTime<Utc>,
    category: &'a str,
}

fn received_event(a: &AlertRow) -> Received<'_> {
    Received {
        alert_id: a.id,
        trace_id: a.trace_id,
        hop: a.hop,
        sender_id: a.sender_org_id,
        beneficiary_iban: a.beneficiary_iban.as_deref(),
        amount: Money { amount_minor: a.amount_minor, currency: a.currency.clone() },
        executed_at: a.executed_at,
        category: &a.category,
    }
}

/// Alerts the beneficiary bank of a fraudulent payment, found from the IBAN's country and
/// national bank code (or the BIC); it gets an `alert.received` event at once. No bank found:
/// the alert is kept `unrouted` for the public sector. Send `Idempotency-Key`: a retry with the
/// same key and body answers the first answer and creates nothing.
#[utoipa::path(
    tag = "fraud-alerts",
    request_body = CreateAlert,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses(
        (status = 201, body = Alert),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid, or the key was used with another body", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fraud-alerts")]
pub async fn create_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateAlert>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::PostAlerts, "alert.create").await?;
    let key = idempotency::key(&req)?;
    let mut check = Check::new();
    let victim = check_account(&mut check, "victim_account", &body.victim_account, false);
    let beneficiary = check_account(&mut check, "beneficiary_account", &body.beneficiary_account, true);
    let amount = check_money(&mut check, "amount", &body.amount);
    if body.amount.amount_minor == 0 {
        check.add("amount.amount_minor", "must be more than zero");
    }
    let category = check.take("category", body.category.parse::<Category>());
    let text = |check: &mut Check, field: &str, v: &Option<String>, max: usize| {
        v.as_deref().and_then(|t| check.text(field, t, 1, max))
    };
    let beneficiary_name = text(&mut check, "beneficiary_name", &body.beneficiary_name, 200);
    let payment_reference = text(&mut check, "payment_reference", &body.payment_reference, 200);
    let bank_case_reference = text(&mut check, "bank_case_reference", &body.bank_case_reference, 200);
    let description = text(&mut check, "description", &body.description, 5000);
    check.finish()?;
    let (Some(beneficiary), Some(amount), Some(category)) = (beneficiary, amount, category) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let request_hash = idempotency::hash(&serde_json::to_value(&*body).map_err(ApiError::internal)?);
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction(async |c| {
            let receiver = store::route(c, beneficiary.iban.as_deref(), beneficiary.bic.as_deref()).await?;
            let id = Uuid::now_v7();
            let row = store::insert(
                c,
                &AlertRow {
                    id,
                    trace_id: id,
                    parent_alert_id: None,
                    hop: 1,
                    sender_org_id: principal.org_id,
                    receiver_org_id: receiver,
                    status: if receiver.is_some() { "routed" } else { "unrouted" }.into(),
                    victim_iban: victim.and_then(|v| v.iban),
                    beneficiary_iban: beneficiary.iban,
                    beneficiary_account: beneficiary.bank_account,
                    beneficiary_bic: beneficiary.bic,
                    beneficiary_name,
                    amount_minor: amount.amount_minor,
                    currency: amount.currency,
                    executed_at: body.executed_at.with_timezone(&Utc),
                    payment_reference,
                    category: category.as_str().into(),
                    bank_case_reference,
                    report_id: body.report_id,
                    description,
                    first_outcome_at: None,
                    created_at: Utc::now(),
                },
            )
            .await?;
            if let Some(to) = receiver {
                events::emit(c, EventType::AlertReceived, to, &received_event(&row)).await?;
            }
            Entry::of(&principal, "alert.create")
                .object("fraud_alert", row.id)
                .details(serde_json::json!({"routed_to": receiver}))
                .write(c)
                .await?;
            let answer = serde_json::to_value(view(row, &[], &[])?).map_err(ApiError::internal)?;
            if let Some(k) = &key {
                idempotency::record(c, principal.org_id, SCOPE, k, &request_hash, 201, &answer).await?;
            }
            Ok::<_, ApiError>((201, answer))
        })
        .await;
    let (status, answer) = match (created, &key) {
        (Ok(done), _) => done,
        // The key was taken: a retry, or a duplicate that lost the race. Answer the first answer.
        (Err(ApiError::Conflict(why)), Some(k)) => {
            idempotency::stored(&mut conn, principal.org_id, SCOPE, k, &request_hash)
                .await?
                .ok_or(ApiError::Conflict(why))?
        }
        (Err(e), _) => return Err(e),
    };
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .json(answer))
}

/// Alerts you sent or received (`box`), newest first; the public sector sees all, unrouted
/// ones included.
#[utoipa::path(
    tag = "fraud-alerts",
    params(AlertQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = AlertPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-alerts")]
pub async fn list_fraud_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AlertQuery>,
) -> ApiResult<web::Json<AlertPage>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "alert.list").await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut check = Check::new();
    let r#box = match q.r#box.as_deref() {
        None => AlertBox::Both,
        Some("sent") => AlertBox::Sent,
        Some("received") => AlertBox::Received,
        Some(_) => {
            check.add("box", "sent or received");
            AlertBox::Both
        }
    };
    if q.status.as_deref().is_some_and(|s| !["routed", "unrouted", "acted"].contains(&s)) {
        check.add("status", "one of routed, unrouted, acted");
    }
    let beneficiary_iban =
        q.beneficiary_iban.as_deref().and_then(|i| check.take("beneficiary_iban", normalize(IndicatorType::Iban, i)));
    check.finish()?;
    let filter = store::ListFilter {
        r#box,
        status: q.status.clone(),
        from: q.from.map(|t| t.with_timezone(&Utc)),
        to: q.to.map(|t| t.with_timezone(&Utc)),
        amount_min: q.amount_min,
        amount_max: q.amount_max,
        beneficiary_iban,
    };
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer(&principal), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id));
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let children = store::children_of(&mut conn, &ids).await?;
    state.audit.push(Entry::of(&principal, "alert.list").details(serde_json::json!({"rows": rows.len()})));
    let items = rows.into_iter().map(|r| view(r, &outcomes, &children)).collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(AlertPage { items, next_cursor }))
}

/// One alert with its outcomes.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = Alert),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-alerts/{id}")]
pub async fn get_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Alert>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "alert.read").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &viewer(&principal), id).await? else {
        return Err(audit::not_visible(&state, &principal, "alert.read", "fraud_alert", id).await);
    };
    let outcomes = store::outcomes_of(&mut conn, &[id]).await?;
    let children = store::children_of(&mut conn, &[id]).await?;
    state.audit.push(Entry::of(&principal, "alert.read").object("fraud_alert", id));
    Ok(web::Json(view(row, &outcomes, &children)?))
}

/// Records what the receiving bank did. Several outcomes may follow each other (part frozen,
/// the rest moved on); frozen + returned + moved on never exceed the amount received (422).
/// Each onward transfer becomes the next hop's alert, routed and announced like the first.
/// The sender and every earlier bank of the trace get an `alert.outcome` event.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    request_body = CreateOutcome,
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses(
        (status = 201, body = Outcome),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "only the receiving bank records outcomes", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fraud-alerts/{id}/outcomes")]
pub async fn create_fraud_alert_outcome(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<CreateOutcome>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::PostAlerts, "alert.outcome").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(alert) = store::get_visible(&mut conn, &viewer(&principal), id).await? else {
        return Err(audit::not_visible(&state, &principal, "alert.outcome", "fraud_alert", id).await);
    };
    if alert.receiver_org_id != Some(principal.org_id) {
        audit::record_denied(&state, Entry::of(&principal, "alert.outcome").object("fraud_alert", id)).await;
        return Err(ApiError::Forbidden("only the receiving bank records outcomes".into()));
    }
    let mut check = Check::new();
    let kind = check.take("outcome", body.kind());
    let reason = body.reason.as_deref().and_then(|r| check.text("reason", r, 1, 2000));
    let same_currency = |check: &mut Check, field: &str, m: &Money| -> Option<i64> {
        let m = check_money(check, field, m)?;
        if m.amount_minor == 0 {
            check.add(format!("{field}.amount_minor"), "must be more than zero");
            return None;
        }
        if m.currency != alert.currency {
            check.add(format!("{field}.currency"), format!("must be the alert's currency, {}", alert.currency));
            return None;
        }
        Some(m.amount_minor)
    };
    let mut amount = None;
    let mut transfers: Vec<(String, i64, DateTime<Utc>)> = Vec::new();
    match kind {
        Some(OutcomeKind::FundsFrozen | OutcomeKind::FundsReturned) => match &body.amount {
            Some(m) => amount = same_currency(&mut check, "amount", m),
            None => check.add("amount", "required for this outcome"),
        },
        Some(OutcomeKind::AlreadyMoved) => {
            if body.onward_transfers.is_empty() {
                check.add("onward_transfers", "give at least one onward transfer");
            }
            for (i, t) in body.onward_transfers.iter().enumerate() {
                let field = format!("onward_transfers[{i}]");
                let account =
                    check_account(&mut check, &format!("{field}.beneficiary_account"), &t.beneficiary_account, true);
                let minor = same_currency(&mut check, &format!("{field}.amount"), &t.amount);
                match (account.and_then(|a| a.iban), minor) {
                    (Some(iban), Some(minor)) => transfers.push((iban, minor, t.executed_at.with_timezone(&Utc))),
                    (None, Some(_)) => {
                        check.add(format!("{field}.beneficiary_account.iban"), "onward transfers are traced by IBAN")
                    }
                    _ => {}
                }
            }
        }
        Some(OutcomeKind::NoAction) if reason.is_none() => check.add("reason", "required for no_action"),
        _ => {}
    }
    check.finish()?;
    let kind = kind.ok_or_else(|| ApiError::Internal("validated outcome missing".into()))?;
    let outcome = conn
        .transaction(async |c| {
            let alert = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            // What this hop already accounted for: frozen, returned, moved on.
            let earlier = store::outcomes_of(c, &[id]).await?;
            let children = store::children_of(c, &[id]).await?;
            let allocated: i64 = earlier.iter().filter(|o| o.outcome != "already_moved").filter_map(|o| o.amount_minor).sum::<i64>()
                + children.iter().map(|ch| ch.amount_minor).sum::<i64>();
            let adding = amount.unwrap_or(0) + transfers.iter().map(|t| t.1).sum::<i64>();
            if allocated + adding > alert.amount_minor {
                let field = if transfers.is_empty() { "amount" } else { "onward_transfers" };
                return Err(ApiError::field(
                    field,
                    format!(
                        "frozen, returned and moved on would reach {} but {} was received at this hop ({} already accounted for)",
                        allocated + adding,
                        alert.amount_minor,
                        allocated
                    ),
                ));
            }
            let now = Utc::now();
            let row = OutcomeRow {
                id: Uuid::now_v7(),
                alert_id: id,
                outcome: kind.as_str().into(),
                amount_minor: amount.or((!transfers.is_empty()).then_some(adding)),
                reason: reason.clone(),
                created_by: principal.user_id().or(principal.api_key_id()),
                created_at: now,
            };
            store::insert_outcome(c, &row).await?;
            store::mark_acted(c, id).await?;
            let mut onward = Vec::new();
            for (iban, minor, executed_at) in &transfers {
                let receiver = store::route(c, Some(iban), None).await?;
                let next = store::insert(
                    c,
                    &AlertRow {
                        id: Uuid::now_v7(),
                        trace_id: alert.trace_id,
                        parent_alert_id: Some(alert.id),
                        hop: alert.hop + 1,
                        sender_org_id: principal.org_id,
                        receiver_org_id: receiver,
                        status: if receiver.is_some() { "routed" } else { "unrouted" }.into(),
                        victim_iban: alert.beneficiary_iban.clone(),
                        beneficiary_iban: Some(iban.clone()),
                        beneficiary_account: None,
                        beneficiary_bic: None,
                        beneficiary_name: None,
                        amount_minor: *minor,
                        currency: alert.currency.clone(),
                        executed_at: *executed_at,
                        payment_reference: None,
                        category: alert.category.clone(),
                        bank_case_reference: None,
                        report_id: alert.report_id,
                        description: None,
                        first_outcome_at: None,
                        created_at: now,
                    },
                )
                .await?;
                if let Some(to) = receiver {
                    events::emit(c, EventType::AlertReceived, to, &received_event(&next)).await?;
                }
                onward.push(next.id);
            }
            // The sender of this hop and of every earlier one hear of it.
            let trail = store::trace(c, alert.trace_id).await?;
            let mut tell: Vec<Uuid> = Vec::new();
            let mut at = Some(&alert);
            while let Some(hop) = at {
                if hop.sender_org_id != principal.org_id && !tell.contains(&hop.sender_org_id) {
                    tell.push(hop.sender_org_id);
                }
                at = hop.parent_alert_id.and_then(|p| trail.iter().find(|t| t.id == p));
            }
            let payload = serde_json::json!({
                "alert_id": id, "trace_id": alert.trace_id, "hop": alert.hop, "outcome": kind,
                "amount": row.amount_minor.map(|m| Money { amount_minor: m, currency: alert.currency.clone() }),
                "onward_alert_ids": onward, "by": principal.org_id,
            });
            for org in tell {
                events::emit(c, EventType::AlertOutcome, org, &payload).await?;
            }
            Entry::of(&principal, "alert.outcome")
                .object("fraud_alert", id)
                .details(serde_json::json!({"outcome": kind, "amount_minor": row.amount_minor, "onward": onward}))
                .write(c)
                .await?;
            Ok(Outcome {
                id: row.id,
                outcome: kind,
                amount: row.amount_minor.map(|m| Money { amount_minor: m, currency: alert.currency.clone() }),
                reason: row.reason,
                onward_alert_ids: onward,
                created_at: row.created_at,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(outcome))
}

/// Loads a trace for the caller: every hop for the public sector, the hops a bank sent or
/// received otherwise (404 when it has none).
async fn load_trace(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    action: &'static str,
) -> ApiResult<trace::Trace> {
    let v = viewer(principal);
    let mut conn = state.pool.get().await?;
    let rows = store::trace(&mut conn, id).await?;
    let sees = |r: &AlertRow| v.sees_all || r.sender_org_id == v.org_id || r.receiver_org_id == Some(v.org_id);
    if !rows.iter().any(sees) {
        return Err(audit::not_visible(state, principal, action, "fraud_trace", id).await);
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let mut orgs: Vec<Uuid> = rows.iter().flat_map(|r| [Some(r.sender_org_id), r.receiver_org_id]).flatten().collect();
    orgs.sort();
    orgs.dedup();
    let names: HashMap<Uuid, String> = store::names(&mut conn, &orgs).await?.into_iter().collect();
    state.audit.push(Entry::of(principal, action).object("fraud_trace", id));
    Ok(trace::build(id, &rows, &outcomes, &names, sees))
}

/// The money trail of an original alert: per hop the banks, accounts, amounts received, frozen,
/// returned and moved on, and times; with totals over the whole trail.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path, description = "trace id (the original alert's id)")),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = trace::Trace),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-traces/{id}")]
pub async fn get_fraud_trace(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<trace::Trace>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "trace.read").await?;
    Ok(web::Json(load_trace(&state, &principal, id.into_inner(), "trace.read").await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// `json` (default) or `dot` (Graphviz).
    pub format: Option<String>,
}

/// The trail as accounts (nodes) and transfers (edges), as JSON or Graphviz DOT.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path), GraphQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = trace::Graph),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-traces/{id}/graph")]
pub async fn get_fraud_trace_graph(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<GraphQuery>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ReadAlerts, "trace.read").await?;
    let graph = trace::graph(&load_trace(&state, &principal, id.into_inner(), "trace.read").await?);
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok().json(graph)),
        "dot" => Ok(HttpResponse::Ok().content_type("text/vnd.graphviz; charset=utf-8").body(trace::dot(&graph))),
        _ => Err(ApiError::field("format", "json or dot")),
    }
}

/// A likely mule account.
#[derive(Serialize, ToSchema)]
pub struct MuleAccount {
    pub iban: String,
    /// Different banks whose alerts named it as beneficiary.
    pub sending_banks: i64,
    pub alerts: i64,
    /// The bank holding it, as routed.
    pub holder_id: Option<Uuid>,
    pub first_alert_at: DateTime<Utc>,
    pub last_alert_at: DateTime<Utc>,
}

/// Likely mule accounts.
#[derive(Serialize, ToSchema)]
pub struct MuleAccountList {
    pub items: Vec<MuleAccount>,
    pub next_cursor: Option<String>,
}

/// IBANs named as beneficiary by alerts of two or more different sending banks: likely mule
/// accounts. The public sector sees all; a bank those it holds.
#[utoipa::path(
    tag = "fraud-alerts",
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = MuleAccountList),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/mule-accounts")]
pub async fn list_mule_accounts(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<MuleAccountList>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "mule.list").await?;
    let v = viewer(&principal);
    let mut conn = state.pool.get().await?;
    let rows = store::mule_accounts(&mut conn, (!v.sees_all).then_some(v.org_id)).await?;
    state.audit.push(Entry::of(&principal, "mule.list").details(serde_json::json!({"rows": rows.len()})));
    Ok(web::Json(MuleAccountList {
        items: rows
            .into_iter()
            .map(|r| MuleAccount {
                iban: r.iban,
                sending_banks: r.sending_banks,
                alerts: r.alerts,
                holder_id: r.holder_id,
                first_alert_at: r.first_alert_at,
                last_alert_at: r.last_alert_at,
            })
            .collect(),
        next_cursor: None,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Start of the period (default: 30 days ago).
    pub from: Option<DateTime<FixedOffset>>,
    /// End of the period (default: now).
    pub to: Option<DateTime<FixedOffset>>,
}

/// Proceeds statistics of one bank over the period.
#[derive(Serialize, ToSchema)]
pub struct BankProceeds {
    pub bank_id: Uuid,
    pub bank: String,
    pub alerts_sent: i64,
    pub alerts_received: i64,
    pub median_seconds_to_first_outcome: Option<f64>,
    pub p90_seconds_to_first_outcome: Option<f64>,
    pub amount_reported_minor: i64,
    pub amount_frozen_minor: i64,
    pub amount_returned_minor: i64,
}

/// `GET /statistics/proceeds`.
#[derive(Serialize, ToSchema)]
pub struct ProceedsStatistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub banks: Vec<BankProceeds>,
}

/// Alerts sent and received, time from alert to first outcome, and amounts reported, frozen and
/// returned, per bank, over a period. Regulators, the public sector and the platform see every
/// bank; a bank its own figures.
#[utoipa::path(
    tag = "fraud-alerts",
    params(StatsQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = ProceedsStatistics),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statistics/proceeds")]
pub async fn get_proceeds_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<StatsQuery>,
) -> ApiResult<web::Json<ProceedsStatistics>> {
    let regulator = principal.org_kind == OrgKind::Regulator && principal.user_id().is_some();
    if !regulator {
        audit::require(&state, &principal, Permission::ReadAlerts, "statistics.proceeds").await?;
    }
    let to = q.to.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let from = q.from.map_or(to - Duration::days(30), |t| t.with_timezone(&Utc));
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    let only = (principal.org_kind == OrgKind::Bank).then_some(principal.org_id);
    let mut conn = state.pool.get().await?;
    let rows = store::statistics(&mut conn, from, to, only).await?;
    Ok(web::Json(ProceedsStatistics {
        from,
        to,
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
    }))
}
