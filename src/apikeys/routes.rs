//! API keys of machine clients: create (shown once), list, revoke.

use actix_web::{delete, get, post, web, HttpResponse};

use super::model::*;
use super::service;
use crate::access::{Action, Principal};
use crate::domain::ApiKeyId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;

/// Creates an API key for your organisation (org_admins). The key is in the answer once.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    security(("bearer" = [])),
    responses((status = 201, description = "created; `key` is shown this once", body = CreatedApiKey), Common, JsonBody, Denied)
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateApiKey).await?;
    Ok(HttpResponse::Created().json(service::create(&state, &act, &body).await?))
}

/// Lists your organisation's API keys (org_admins); never the keys themselves.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    responses((status = 200, description = "the keys, newest first", body = ApiKeyList), Common, Denied)
)]
#[get("/api-keys")]
pub async fn list_api_keys(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<ApiKeyList>> {
    let act = principal.authorize(&state, Action::ListApiKeys).await?;
    Ok(web::Json(ApiKeyList { items: service::list(&state, &act).await?, next_cursor: None }))
}

/// Revokes one of your organisation's API keys at once (org_admins).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "revoked"), Common, Denied, Missing)
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ApiKeyId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::RevokeApiKey).await?;
    service::revoke(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
