//! Traces, their graph, mule accounts and proceeds statistics.

use actix_web::{get, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::alerts::model::{GraphFormat, GraphQuery, MuleAccountList, ProceedsStatistics};
use crate::alerts::{mules, service, trace};
use crate::domain::instant::PeriodQuery;
use crate::domain::AlertId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Denied, Missing};
use crate::kernel::AppState;

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
    Ok(web::Json(service::trace(&state, &act, id.into_inner()).await?))
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
    let graph = trace::graph(&service::trace(&state, &act, id.into_inner()).await?);
    match q.format.as_deref().map(str::parse).transpose().map_err(|e| ApiError::field("format", e))? {
        None | Some(GraphFormat::Json) => Ok(HttpResponse::Ok().json(graph)),
        Some(GraphFormat::Dot) => {
            Ok(HttpResponse::Ok().content_type("text/vnd.graphviz; charset=utf-8").body(trace::dot(&graph)))
        }
    }
}

/// IBANs named as beneficiary by alerts of two or more different sending banks: likely mule
/// accounts (alerts withdrawn after a contest do not count), each with its latest contest. The
/// public sector sees all; a bank those it holds and those its own (counting) alerts named.
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
    Ok(web::Json(mules::list(&state, &act).await?))
}

/// Alerts sent and received, time from alert to first outcome, and amounts reported, frozen and
/// returned, per bank, over a period. Regulators, the public sector and the platform see every
/// bank; a bank its own figures.
#[utoipa::path(
    tag = "fraud-alerts",
    params(PeriodQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "figures per bank", body = ProceedsStatistics), Common, Denied)
)]
#[get("/statistics/proceeds")]
pub async fn get_proceeds_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<PeriodQuery>,
) -> ApiResult<web::Json<ProceedsStatistics>> {
    let act = principal.authorize(&state, Action::ReadProceedsStatistics).await?;
    Ok(web::Json(service::proceeds(&state, &act, &q).await?))
}
