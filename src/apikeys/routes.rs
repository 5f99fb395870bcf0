//! API keys of machine clients: create (shown once), list, revoke.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::ApiKeyId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::{tokens, AppState};

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
    let input = body.parse(act.org_kind, Utc::now(), state.config.client_cert_header.is_some())?;
    let (key, prefix) = tokens::new_api_key();
    let new = NewApiKey {
        id: ApiKeyId::new(),
        organization_id: act.org_id,
        created_by: act.user_id().map(|u| u.0),
        name: input.name,
        prefix,
        key_hash: tokens::sha256(&key),
        scopes: input.scopes,
        expires_at: input.expires_at,
        allowed_networks: input.allowed_networks,
        client_cert_sha256: input.client_cert_sha256,
        standing_case_reference: input.standing_purpose.as_ref().map(|p| p.case_reference.clone()),
        standing_purpose_until: input.standing_purpose.as_ref().map(|p| p.until),
    };
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let row = store::insert(c, &new).await?;
            let details = serde_json::json!({
                "scopes": row.scopes, "allowed_networks": row.allowed_networks,
                "client_certificate_sha256": row.client_cert_sha256, "standing_purpose": row.standing_purpose(),
            });
            act.on("api_key", row.id).details(details).write(c).await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    let standing_purpose = row.standing_purpose();
    Ok(HttpResponse::Created().json(CreatedApiKey {
        id: row.id,
        key,
        prefix: row.prefix,
        name: row.name,
        scopes: row.scopes,
        expires_at: row.expires_at,
        created_at: row.created_at,
        standing_purpose,
        allowed_networks: row.allowed_networks,
        client_certificate_sha256: row.client_cert_sha256,
    }))
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
    let rows = store::list_by_org(&mut *state.pool.get().await?, act.org_id).await?;
    Ok(web::Json(ApiKeyList { items: rows.into_iter().map(ApiKey::from).collect(), next_cursor: None }))
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
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let revoked = conn
        .transaction(async |c| {
            let row = store::revoke(c, act.org_id, id).await?;
            if row.is_some() {
                act.on("api_key", id).write(c).await?;
            }
            Ok::<_, ApiError>(row.is_some())
        })
        .await?;
    if !revoked {
        return Err(act.hide(&state, "api_key", id).await);
    }
    // Other instances learn it from the database's notification; this one at once.
    state.hub.key_cache.clear();
    Ok(HttpResponse::NoContent().finish())
}
