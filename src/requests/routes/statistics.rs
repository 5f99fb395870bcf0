//! Request statistics.

use actix_web::{get, web};

use crate::access::{Action, Principal};
use crate::domain::instant::PeriodQuery;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Denied};
use crate::kernel::AppState;
use crate::requests::model::RequestStatistics;
use crate::requests::service;

/// Counts by type, status and urgency; times to acknowledge and to fulfil; share answered
/// within the deadline, per addressee. Regulators and platform admins see all requests; any
/// other organisation the requests it issued or received.
#[utoipa::path(
    tag = "requests",
    params(PeriodQuery),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the figures", body = RequestStatistics), Common, Denied)
)]
#[get("/statistics/requests")]
pub async fn get_request_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<PeriodQuery>,
) -> ApiResult<web::Json<RequestStatistics>> {
    let act = principal.authorize(&state, Action::ReadRequestStatistics).await?;
    Ok(web::Json(service::statistics(&state, &act, &q).await?))
}
