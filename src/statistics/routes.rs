//! Published statistics tables: the list, and one table over one period in JSON or CSV.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::service::{self, TableAnswer, TableList, TableScope};
use crate::access::{Action, Principal};
use crate::domain::PurposeParams;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Denied, Missing};
use crate::kernel::AppState;

/// The published tables and the closed periods each is frozen for, with their versions.
#[utoipa::path(
    tag = "statistics",
    params(PurposeParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the tables", body = TableList), Common, Denied)
)]
#[get("/statistics/tables")]
pub async fn list_statistics_tables(
    state: web::Data<AppState>,
    principal: Principal,
    purpose: web::Query<PurposeParams>,
) -> ApiResult<web::Json<TableList>> {
    let act = principal.authorize(&state, Action::ReadStatisticsTables).await?.for_purpose(&state, &purpose)?;
    Ok(web::Json(service::list(&state, &act).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableQuery {
    /// A month (`2026-11`) or a quarter (`2026-Q4`), as the table is published.
    pub period: String,
    /// `own`: the caller's organisation's own figures over the period (every TLP, no floor).
    #[serde(default)]
    pub scope: TableScope,
}

/// One table over one closed period, as frozen: JSON, or CSV with `Accept: text/csv`. The
/// floor applied is stated; a withheld figure is absent (never zero) and its reason given.
#[utoipa::path(
    tag = "statistics",
    params(("name" = String, Path, description = "one of the tables `GET /statistics/tables` lists"), TableQuery, PurposeParams),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "the table", content((TableAnswer = "application/json"), (String = "text/csv"))),
        Common, Denied, Missing,
    )
)]
#[get("/statistics/tables/{name}")]
pub async fn get_statistics_table(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    name: web::Path<String>,
    q: web::Query<TableQuery>,
    purpose: web::Query<PurposeParams>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadStatisticsTables).await?.for_purpose(&state, &purpose)?;
    let answer = service::read(&state, &act, &name, &q.period, q.scope).await?;
    let csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.split(',').any(|t| t.trim().starts_with("text/csv")));
    if !csv {
        return Ok(HttpResponse::Ok().json(answer));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-{}.csv\"", answer.table, answer.period),
        ))
        .body(service::csv(&answer).map_err(ApiError::internal)?))
}
