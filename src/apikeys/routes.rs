use actix_web::{delete, get, post, web, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::audit::{self, Entry};
use crate::auth::{tokens, Permission, Principal, Scope};
use crate::domain::Check;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Creates an API key for your organisation (org_admins). The key is in the answer once.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageApiKeys, "apikey.create").await?;
    let mut check = Check::new();
    let name = check.text("name", &body.name, 1, 100);
    if body.scopes.is_empty() {
        check.add("scopes", "give at least one scope");
    }
    let mut scopes: Vec<String> = Vec::new();
    for (i, s) in body.scopes.iter().enumerate() {
        match s.parse::<Scope>() {
            Err(e) => check.add(format!("scopes[{i}]"), e),
            Ok(scope) if !scope.allowed_for_kind(principal.org_kind) => check
                .add(format!("scopes[{i}]"), format!("a {} organisation may not hold `{scope}`", principal.org_kind)),
            Ok(scope) if !scopes.iter().any(|x| x == scope.as_str()) => scopes.push(scope.as_str().into()),
            Ok(_) => {}
        }
    }
    if body.expires_at.is_some_and(|e| e <= Utc::now()) {
        check.add("expires_at", "must be in the future");
    }
    check.finish()?;
    let name = name.ok_or_else(|| ApiError::Internal("validated name missing".into()))?;
    let (key, prefix) = tokens::new_api_key();
    let new = NewApiKey {
        id: Uuid::now_v7(),
        organization_id: principal.org_id,
        created_by: principal.user_id(),
        name,
        prefix,
        key_hash: tokens::sha256(&key),
        scopes,
        expires_at: body.expires_at,
    };
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let row = store::insert(c, &new).await?;
            Entry::of(&principal, "apikey.create")
                .object("api_key", row.id)
                .details(serde_json::json!({"scopes": row.scopes}))
                .write(c)
                .await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        id: row.id,
        key,
        prefix: row.prefix,
        name: row.name,
        scopes: row.scopes,
        expires_at: row.expires_at,
        created_at: row.created_at,
    }))
}

/// Lists your organisation's API keys (org_admins); never the keys themselves.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApiKeyList),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<ApiKeyList>> {
    audit::require(&state, &principal, Permission::ManageApiKeys, "apikey.list").await?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_by_org(&mut conn, principal.org_id).await?;
    Ok(web::Json(ApiKeyList { items: rows.into_iter().map(ApiKey::from).collect(), next_cursor: None }))
}

/// Revokes one of your organisation's API keys at once (org_admins).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageApiKeys, "apikey.revoke").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let revoked = conn
        .transaction(async |c| {
            let row = store::revoke(c, principal.org_id, id).await?;
            if row.is_some() {
                Entry::of(&principal, "apikey.revoke").object("api_key", id).write(c).await?;
            }
            Ok::<_, ApiError>(row.is_some())
        })
        .await?;
    if !revoked {
        return Err(audit::not_visible(&state, &principal, "apikey.revoke", "api_key", id).await);
    }
    // Other instances learn it from the database's notification; this one at once.
    state.hub.key_cache.clear();
    Ok(HttpResponse::NoContent().finish())
}
