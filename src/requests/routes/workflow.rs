//! Moving a request: transitions by the issuer or the addressee, judicial validation, and the
//! extension of a preservation. Each accepts `If-Match` (412 when stale).

use actix_web::{post, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing, Stale};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::service;

fn answer(request: &DataRequest) -> HttpResponse {
    with_etag(actix_web::http::StatusCode::OK, request.version, request)
}

/// Moves a request: the addressee acknowledges, works, asks for clarification, fulfils
/// (fully or partly) or rejects (with a reason code); the issuer answers a clarification or
/// withdraws. Anything else is 409 with the transitions allowed to you from here.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the request you read")),
    request_body = Transition,
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 200, description = "moved", body = DataRequest, headers(("ETag" = String))),
        (status = 409, description = "not allowed from this state for your side; `allowed_transitions` lists what is", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
        Common, JsonBody, Denied, Missing, Stale,
    )
)]
#[post("/requests/{id}/transitions")]
pub async fn transition_request(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<RequestId>,
    body: web::Json<Transition>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::TransitionRequest).await?;
    Ok(answer(&service::transition(&state, &act, id.into_inner(), if_match, &body).await?))
}

/// The named validator's decision (a person of that prosecution office or court): `approve`
/// sends a pending request to the addressee, or confirms an emergency one already out; `reject`
/// stops a pending one. Refusing one that went out first, in any state (even answered), seals
/// its answers (downloads answer 410) and tells the addressee to delete or restrict what it
/// produced.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the request you read")),
    request_body = Validation,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "decided", body = DataRequest, headers(("ETag" = String))),
        Common, JsonBody, Denied, Missing, Conflict, Stale,
    )
)]
#[post("/requests/{id}/validate")]
pub async fn validate_request(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<RequestId>,
    body: web::Json<Validation>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ValidateRequest).await?;
    Ok(answer(&service::validate(&state, &act, id.into_inner(), if_match, &body).await?))
}

/// Extends a preservation by 90 days (issuer).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the request you read")),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 200, description = "extended", body = DataRequest, headers(("ETag" = String))),
        Common, Denied, Missing, Conflict, Stale,
    )
)]
#[post("/requests/{id}/extend")]
pub async fn extend_request(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<RequestId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ExtendRequest).await?;
    Ok(answer(&service::extend(&state, &act, id.into_inner(), if_match).await?))
}
