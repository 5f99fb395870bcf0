//! The clarification thread between the issuer and the addressee.

use actix_web::{get, post, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::service;

/// Posts a message to the other side of the request: the validator, while the request waits for
/// its validation; the addressee, once it reached it (a validator writes to the issuer).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = NewMessage,
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses((status = 201, description = "posted", body = Message), Common, JsonBody, Denied, Missing)
)]
#[post("/requests/{id}/messages")]
pub async fn create_request_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
    body: web::Json<NewMessage>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::PostRequestMessage).await?;
    Ok(HttpResponse::Created().json(service::post_message(&state, &act, id.into_inner(), &body).await?))
}

/// The messages of a request, oldest first.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the thread, oldest first", body = MessageList), Common, Denied, Missing)
)]
#[get("/requests/{id}/messages")]
pub async fn list_request_messages(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<web::Json<MessageList>> {
    let act = principal.authorize(&state, Action::ListRequestMessages).await?;
    Ok(web::Json(service::messages(&state, &act, id.into_inner()).await?))
}
