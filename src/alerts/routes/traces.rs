//! Traces, their graph, mule accounts and proceeds statistics.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{Action, Grant, Principal};
use crate::alerts::contest::{self, ContestStatus, MuleContest};
use crate::alerts::rules::AlertViewer;
use crate::alerts::{store, trace};
use crate::domain::{text_enum, AlertId, OrgId, OrgKind};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::responses::{Common, Denied, Missing};
use crate::kernel::AppState;
use crate::organizations;

/// Loads a trace for the caller: every hop for the public sector, the hops a bank sent or
/// received otherwise (404 when it has none).
async fn load_trace(state: &AppState, act: &Grant, id: AlertId) -> ApiResult<trace::Trace> {
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
    trace::build(id, &rows, &outcomes, &names, |r| v.sees(r)).ok_or(ApiError::NotFound)
}

/// The money trail of an original alert: per hop the banks, accounts, amounts received, frozen,
/// returned and moved on, and times; with totals over the whole trail.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path, description = "trace id (the original alert's id)")),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "the trail", body = trace::Trace), Common, Denied, Missing)
)]
#[get("/fraud-traces/{id}")]
pub async fn get_fraud_trace(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<AlertId>,
) -> ApiResult<web::Json<trace::Trace>> {
    let act = principal.authorize(&state, Action::ReadTrace).await?;
    Ok(web::Json(load_trace(&state, &act, id.into_inner()).await?))
}

text_enum! {
    /// How a graph is written: `json` (default) or Graphviz `dot`.
    GraphFormat {
        Json = "json",
        Dot = "dot",
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    #[param(value_type = Option<GraphFormat>)]
    pub format: Option<String>,
}

/// The trail as accounts (nodes) and transfers (edges), as JSON or Graphviz DOT.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path), GraphQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, description = "accounts and transfers: JSON, or Graphviz DOT with `format=dot`",
            content((trace::Graph = "application/json"), (String = "text/vnd.graphviz"))),
        Common, Denied, Missing,
    )
)]
#[get("/fraud-traces/{id}/graph")]
pub async fn get_fraud_trace_graph(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<AlertId>,
    q: web::Query<GraphQuery>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadTrace).await?;
    let graph = trace::graph(&load_trace(&state, &act, id.into_inner()).await?);
    match q.format.as_deref().map(str::parse).transpose().map_err(|e| ApiError::field("format", e))? {
        None | Some(GraphFormat::Json) => Ok(HttpResponse::Ok().json(graph)),
        Some(GraphFormat::Dot) => {
            Ok(HttpResponse::Ok().content_type("text/vnd.graphviz; charset=utf-8").body(trace::dot(&graph)))
        }
    }
}

/// A likely mule account.
#[derive(Serialize, ToSchema, Debug)]
pub struct MuleAccount {
    pub iban: String,
    /// Different banks whose alerts named it as beneficiary.
    pub sending_banks: i64,
    pub alerts: i64,
    /// The bank holding it, as routed.
    pub holder_id: Option<OrgId>,
    pub first_alert_at: Option<DateTime<Utc>>,
    pub last_alert_at: Option<DateTime<Utc>>,
    /// Two or more banks' alerts (not withdrawn) name it.
    pub flagged: bool,
    /// Its latest contest is open: the holder disputes the flag.
    pub contested: bool,
    /// The latest contest of the flag, open or closed.
    pub contest: Option<MuleContest>,
}

/// The view of an account from its figures (none: no alert counts any more) and latest contest.
pub fn mule_view(iban: String, row: Option<store::MuleRow>, contest: Option<MuleContest>) -> MuleAccount {
    MuleAccount {
        iban,
        sending_banks: row.as_ref().map_or(0, |r| r.sending_banks),
        alerts: row.as_ref().map_or(0, |r| r.alerts),
        holder_id: row.as_ref().and_then(|r| r.holder_id),
        first_alert_at: row.as_ref().map(|r| r.first_alert_at),
        last_alert_at: row.as_ref().map(|r| r.last_alert_at),
        flagged: row.as_ref().is_some_and(|r| r.sending_banks >= crate::alerts::contest::FLAG_THRESHOLD),
        contested: contest.as_ref().is_some_and(|c| c.status == ContestStatus::Open),
        contest,
    }
}

/// Likely mule accounts.
#[derive(Serialize, ToSchema)]
pub struct MuleAccountList {
    pub items: Vec<MuleAccount>,
    pub next_cursor: Option<String>,
}

/// IBANs named as beneficiary by alerts of two or more different sending banks: likely mule
/// accounts (alerts withdrawn after a contest do not count), each with its latest contest. The
/// public sector sees all; a bank those it holds.
#[utoipa::path(
    tag = "fraud-alerts",
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "likely mule accounts", body = MuleAccountList), Common, Denied)
)]
#[get("/mule-accounts")]
pub async fn list_mule_accounts(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<MuleAccountList>> {
    let act = principal.authorize(&state, Action::ListMuleAccounts).await?;
    let v = AlertViewer::of(&act);
    // Grouped over every alert: long work.
    let mut conn = state.long_pool.get().await?;
    let rows = store::mule_accounts(&mut conn, (!v.sees_all).then_some(v.org_id)).await?;
    let ibans: Vec<String> = rows.iter().map(|r| r.iban.clone()).collect();
    let reader = contest::ContestReader::of(&v);
    let mut contests: HashMap<String, MuleContest> =
        contest::latest(&mut conn, &ibans, reader).await?.into_iter().collect();
    act.record_read(&state, None, serde_json::json!({"rows": rows.len()}));
    Ok(web::Json(MuleAccountList {
        items: rows
            .into_iter()
            .map(|r| {
                let c = contests.remove(&r.iban);
                mule_view(r.iban.clone(), Some(r), c)
            })
            .collect(),
        next_cursor: None,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Start of the period (default: 30 days ago).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<FixedOffset>>,
    /// End of the period (default: now).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<FixedOffset>>,
}

/// Proceeds statistics of one bank over the period.
#[derive(Serialize, ToSchema)]
pub struct BankProceeds {
    pub bank_id: OrgId,
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
    responses((status = 200, description = "figures per bank", body = ProceedsStatistics), Common, Denied)
)]
#[get("/statistics/proceeds")]
pub async fn get_proceeds_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<StatsQuery>,
) -> ApiResult<web::Json<ProceedsStatistics>> {
    let act = principal.authorize(&state, Action::ReadProceedsStatistics).await?;
    if !act.is_regulator_user() {
        act.require(&state, crate::domain::Permission::ReadAlerts).await?;
    }
    let to = q.to.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let from = q.from.map_or(to - Duration::days(30), |t| t.with_timezone(&Utc));
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    let only = (act.org_kind == OrgKind::Bank).then_some(act.org_id);
    let rows =
        state.read_long(ReadAfter::default(), async |conn| Ok(store::statistics(conn, from, to, only).await?)).await?;
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
