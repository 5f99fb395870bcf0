//! Traces, their graph, mule accounts and proceeds statistics.

use super::*;

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
