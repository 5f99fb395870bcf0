//! Creating, listing and reading alerts.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::access::{Action, Principal};
use crate::alerts::model::*;
use crate::alerts::service;
use crate::domain::AlertId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::with_etag;
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;

/// Alerts the beneficiary bank of a fraudulent payment, found from the IBAN's country and
/// national bank code (or the BIC); it gets an `alert.received` event at once. No bank found:
/// the alert is kept `unrouted` for the public sector. Send `Idempotency-Key`: a retry with the
/// same key and body answers the first answer and creates nothing.
#[utoipa::path(
    tag = "fraud-alerts",
    request_body = CreateAlert,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe: the first answer is given again")),
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses((status = 201, description = "sent", body = Alert, headers(("ETag" = String))), Common, JsonBody, Denied)
)]
#[post("/fraud-alerts")]
pub async fn create_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateAlert>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateAlert).await?;
    let idem = Idempotent::new(&req, "fraud-alerts", act.org_id, &*body)?;
    Ok(service::send(&state, &act, body.into_inner(), &idem).await?.respond())
}

/// Alerts you sent or received (`box`), newest first; the public sector sees all, unrouted
/// ones included.
#[utoipa::path(
    tag = "fraud-alerts",
    params(AlertQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "a page of alerts", body = AlertPage), Common, Denied)
)]
#[get("/fraud-alerts")]
pub async fn list_fraud_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AlertQuery>,
) -> ApiResult<web::Json<AlertPage>> {
    let act = principal.authorize(&state, Action::ListAlerts).await?;
    Ok(web::Json(service::list(&state, &act, &q).await?))
}

/// One alert with its outcomes.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "the alert", body = Alert, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/fraud-alerts/{id}")]
pub async fn get_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<AlertId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadAlert).await?;
    let (alert, version) = service::read(&state, &act, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, version, &alert))
}
