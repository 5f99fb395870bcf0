//! Issuing, listing and reading requests.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::with_etag;
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::{rules, service};

/// Issues a data, preservation or freeze request to an ISP or bank. Where the validation table
/// asks for it (a police request for traffic or content data needs a prosecutor at home; across
/// EU member states see README), the request names its validator in `validator_id` and waits
/// in `pending_validation`, unseen by the addressee; an emergency the table lets go first goes
/// out at once and must be validated within 48 hours.
#[utoipa::path(
    tag = "requests",
    request_body = CreateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe: the first answer is given again")),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses((status = 201, description = "issued", body = DataRequest, headers(("ETag" = String))), Common, JsonBody, Denied)
)]
#[post("/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateRequest>,
) -> ApiResult<HttpResponse> {
    let kind = body.type_.parse::<RequestType>().map_err(|e| ApiError::field("type", e))?;
    let act = principal.authorize(&state, rules::issuing(kind)).await?;
    let idem = || Idempotent::new(&req, "requests", act.org_id, &*body);
    Ok(service::issue(&state, &act, &body, idem).await?.respond())
}

/// Requests you issued or received (`box`), newest first, with filters for status, type,
/// urgency, overdue ones and preservations expiring soon.
#[utoipa::path(
    tag = "requests",
    params(RequestQuery),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "a page of requests", body = RequestPage), Common, Denied)
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<RequestQuery>,
) -> ApiResult<web::Json<RequestPage>> {
    let act = principal.authorize(&state, Action::ListRequests).await?;
    Ok(web::Json(service::list(&state, &act, &q).await?))
}

/// One request with its history, if you issued it, received it, or validate it.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the request", body = DataRequest, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadRequest).await?;
    let request = service::read(&state, &act, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, request.version, &request))
}
