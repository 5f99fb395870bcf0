use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::audit::{self, Entry};
use crate::auth::{password, Permission, Principal};
use crate::domain::{self, Check, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::{check_version, if_match, with_etag};
use crate::{organizations, pagination, AppState};

/// Whether the caller administers the users of `org`: a platform admin, or an org_admin of it.
fn manages(principal: &Principal, org: Uuid) -> bool {
    principal.is_platform_admin() || (principal.can(Permission::ManageUsers) && principal.org_id == org)
}

/// Refuses a caller who does not administer `org`: 403 inside their own organisation,
/// 404 elsewhere (another organisation's people are not visible).
async fn require_manages(state: &AppState, principal: &Principal, org: Uuid, action: &'static str) -> ApiResult<()> {
    if manages(principal, org) {
        Ok(())
    } else if principal.org_id == org {
        audit::record_denied(state, Entry::of(principal, action).object("organization", org)).await;
        Err(ApiError::Forbidden("only your organisation's org_admin manages its users".into()))
    } else {
        Err(audit::not_visible(state, principal, action, "organization", org).await)
    }
}

/// Creates a user in an organisation (platform admins anywhere; org_admins in their own).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "organisation id")),
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, body = User, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "e-mail taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{id}/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    org: web::Path<Uuid>,
    body: web::Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let org = org.into_inner();
    require_manages(&state, &principal, org, "user.create").await?;
    let mut check = Check::new();
    let email = check.take("email", domain::email(&body.email));
    let name = check.text("name", &body.name, 1, 200);
    let role = check.take("role", body.role.parse::<Role>());
    check.take("password", password::check_new(&body.password));
    check.finish()?;
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let mut conn = state.pool.get().await?;
    organizations::store::get(&mut conn, org).await?.filter(|o| o.active).ok_or(ApiError::NotFound)?;
    let password_hash = password::hash(body.password.clone()).await?;
    let new =
        NewUser { id: Uuid::now_v7(), organization_id: org, email, name, role: role.as_str().into(), password_hash };
    let user = conn
        .transaction(async |c| {
            let row = store::insert(c, &new).await?;
            Entry::of(&principal, "user.create")
                .object("user", row.id)
                .details(serde_json::json!({"role": row.role}))
                .write(c)
                .await?;
            User::from_row(row)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, user.version, &user))
}

/// Lists an organisation's users (platform admins; org_admins of that organisation).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "organisation id"), UserQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UserPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    org: web::Path<Uuid>,
    q: web::Query<UserQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let org = org.into_inner();
    require_manages(&state, &principal, org, "user.list").await?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_by_org(&mut conn, org, after, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.email.to_lowercase(), r.id));
    let items = rows.into_iter().map(User::from_row).collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(UserPage { items, next_cursor }))
}

/// Loads a user the caller may see (themselves, or a user they administer); 404 otherwise.
async fn visible_user(
    state: &AppState,
    principal: &Principal,
    row: Option<UserRow>,
    id: Uuid,
    action: &'static str,
) -> ApiResult<UserRow> {
    match row {
        Some(u) if principal.user_id() == Some(u.id) || manages(principal, u.organization_id) => Ok(u),
        _ => Err(audit::not_visible(state, principal, action, "user", id).await),
    }
}

/// One user: yourself, or a user of an organisation you administer.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = User, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let row = store::get(&mut conn, id).await?;
    let user = User::from_row(visible_user(&state, &principal, row, id, "user.read").await?)?;
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Changes a user's name, role or active flag. Members may change their own name only;
/// nobody may demote or deactivate themselves.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, body = User, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = if_match(&req)?;
    let mut conn = state.pool.get().await?;
    let current = store::get(&mut conn, id).await?;
    let current = visible_user(&state, &principal, current, id, "user.update").await?;
    let is_self = principal.user_id() == Some(id);
    if !manages(&principal, current.organization_id) && (body.role.is_some() || body.active.is_some()) {
        audit::record_denied(&state, Entry::of(&principal, "user.update").object("user", id)).await;
        return Err(ApiError::Forbidden("members may change their own name only".into()));
    }
    let mut check = Check::new();
    let changes = UserChanges {
        name: body.name.as_deref().and_then(|n| check.text("name", n, 1, 200)),
        role: body.role.as_deref().and_then(|r| check.take("role", r.parse::<Role>())).map(|r| r.as_str().to_string()),
        active: body.active,
    };
    if is_self && changes.role.as_deref().is_some_and(|r| r != current.role) {
        check.add("role", "you cannot change your own role");
    }
    if is_self && body.active == Some(false) {
        check.add("active", "you cannot deactivate yourself");
    }
    check.finish()?;
    let user = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            check_version(expected, locked.version)?;
            let row = store::update(c, id, &changes).await?;
            Entry::of(&principal, "user.update")
                .object("user", id)
                .details(
                    serde_json::json!({"name": body.name.is_some(), "role": changes.role, "active": changes.active}),
                )
                .write(c)
                .await?;
            User::from_row(row)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Sets a new password. Your own needs `current_password`; an administrator resetting a user
/// they manage does not. Every session (refresh token) of the user ends.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = ChangePassword,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "password changed"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let row = store::get(&mut conn, id).await?;
    let user = visible_user(&state, &principal, row, id, "user.password").await?;
    let mut check = Check::new();
    check.take("new_password", password::check_new(&body.new_password));
    check.finish()?;
    if principal.user_id() == Some(id) {
        let current = body.current_password.clone().unwrap_or_default();
        if !password::verify(current, Some(user.password_hash.clone())).await {
            audit::record_denied(&state, Entry::of(&principal, "user.password").object("user", id)).await;
            return Err(ApiError::field("current_password", "is not your current password"));
        }
    }
    let hash = password::hash(body.new_password.clone()).await?;
    conn.transaction(async |c| {
        store::set_password(c, id, &hash).await?;
        Entry::of(&principal, "user.password").object("user", id).write(c).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
