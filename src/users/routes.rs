//! People of an organisation: create, list, read, change, set a password.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{rules, store};
use crate::access::four_eyes::{self, Approval, ApprovalAction, Gate};
use crate::access::{password, Action, Grant, Principal};
use crate::domain::{OrgId, OrgKind, Role, UserId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;
use crate::organizations;

/// Refuses a caller who does not administer `org`: 403 inside their own organisation,
/// 404 elsewhere (another organisation's people are not visible).
async fn require_manages(state: &AppState, act: &Grant, org: OrgId) -> ApiResult<()> {
    if rules::manages(act, org) {
        Ok(())
    } else if act.org_id == org {
        Err(act.refuse(state, "organization", org, "only your organisation's org_admin manages its users").await)
    } else {
        Err(act.hide(state, "organization", org).await)
    }
}

/// The user `id` if the caller may see it (themselves, or a user they administer); 404 otherwise.
async fn visible_user(state: &AppState, act: &Grant, id: UserId) -> ApiResult<UserRow> {
    let row = store::get(&mut *state.pool.get().await?, id).await?;
    match row {
        Some(u) if rules::sees(act, u.id, u.organization_id) => Ok(u),
        _ => Err(act.hide(state, "user", id).await),
    }
}

/// Why the caller may not reset `user`'s credentials (password, second factor), if not: a
/// platform admin's (one platform admin would become two), or a public-sector user's from
/// outside their organisation (a platform admin would become an officer). Their own org_admin,
/// or the operator's `cyberbridge admin reset-password`, does it.
async fn shielded(conn: &mut crate::kernel::db::Conn, act: &Grant, user: &UserRow) -> ApiResult<Option<&'static str>> {
    if act.user_id() == Some(user.id) {
        return Ok(None);
    }
    let kind = organizations::store::get(conn, user.organization_id).await?.map(|o| o.kind);
    Ok(if kind == Some(OrgKind::Platform) && user.role == Role::OrgAdmin {
        Some("a platform admin's credentials are reset by the operator (`cyberbridge admin reset-password`)")
    } else if kind.is_some_and(|k| k.is_public_sector()) && act.org_id != user.organization_id {
        Some("a public-sector user's credentials are reset by an org_admin of their organisation, or by the operator")
    } else {
        None
    })
}

/// Creates a user in an organisation (platform admins anywhere; org_admins in their own).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "organisation id")),
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "created", body = User, headers(("ETag" = String))),
        (status = 202, description = "a new platform admin, filed for a second platform admin", body = Approval),
        Common, JsonBody, Denied, Missing, Conflict,
    )
)]
#[post("/organizations/{id}/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    org: web::Path<OrgId>,
    body: web::Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let org = org.into_inner();
    let act = principal.authorize(&state, Action::CreateUser).await?;
    require_manages(&state, &act, org).await?;
    let input = body.parse()?;
    let mut conn = state.pool.get().await?;
    let organization = organizations::store::get(&mut conn, org).await?.ok_or(ApiError::NotFound)?;
    if !organization.active {
        return Err(ApiError::Conflict("the organisation is deactivated: reactivate it before adding people".into()));
    }
    let password_hash = password::hash(&state.hashing, input.password).await?;
    let new = NewUser {
        id: UserId::new(),
        organization_id: org,
        email: input.email,
        name: input.name,
        role: input.role,
        password_hash,
        password_change_required: false,
    };
    // A new platform admin takes a second platform admin (four eyes).
    let grants_powers = organization.kind == OrgKind::Platform && new.role == Role::OrgAdmin;
    let done = conn
        .transaction(async |c| {
            let gate = match grants_powers {
                true => {
                    // The filer's password is not kept: the approver hands the new admin a fresh one.
                    let payload = serde_json::json!({"email": new.email, "name": new.name, "role": new.role});
                    four_eyes::gate(c, &act, ApprovalAction::UserPlatformAdmin, Some(org.0), payload).await?
                }
                false => Gate::Proceed { sole: false },
            };
            if let Gate::Filed(approval) = gate {
                return Ok(Err(approval));
            }
            let row = store::insert(c, &new).await?;
            let details = serde_json::json!({"role": row.role, "four_eyes": gate.flag()});
            act.on("user", row.id).details(details).write(c).await?;
            Ok::<_, ApiError>(Ok(User::from(row)))
        })
        .await?;
    match done {
        Ok(user) => Ok(with_etag(StatusCode::CREATED, user.version, &user)),
        Err(approval) => Ok(HttpResponse::Accepted().json(approval)),
    }
}

/// Lists an organisation's users (platform admins; org_admins of that organisation).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "organisation id"), UserQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "a page of users", body = UserPage), Common, Denied, Missing)
)]
#[get("/organizations/{id}/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    org: web::Path<OrgId>,
    q: web::Query<UserQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let org = org.into_inner();
    let act = principal.authorize(&state, Action::ListUsers).await?;
    require_manages(&state, &act, org).await?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let rows = store::list_by_org(&mut *state.pool.get().await?, org, after, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.email.as_str().to_lowercase(), r.id.0));
    Ok(web::Json(UserPage { items: rows.into_iter().map(User::from).collect(), next_cursor }))
}

/// One user: yourself, or a user of an organisation you administer.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "the user", body = User, headers(("ETag" = String))), Common, Missing)
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadUser).await?;
    let user = User::from(visible_user(&state, &act, *id).await?);
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Changes a user's name, role or active flag, with `If-Match` (428 without, 412 when stale).
/// Members may change their own name only; nobody may demote or deactivate themselves.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "changed", body = User, headers(("ETag" = String))),
        (status = 202, description = "a promotion to platform admin, filed for a second platform admin", body = Approval),
        Common, JsonBody, Denied, Missing, Versioned,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<UserId>,
    body: web::Json<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let act = principal.authorize(&state, Action::UpdateUser).await?;
    let current = visible_user(&state, &act, id).await?;
    if !rules::manages(&act, current.organization_id) && body.administers() {
        return Err(act.refuse(&state, "user", id, "members may change their own name only").await);
    }
    // Officers are accredited by their own organisation's org_admin, never from outside it; an
    // accredited officer's name (which signed orders carry) is changed by that org_admin too.
    if (body.officer.is_some() || body.authorisations.is_some()) && act.org_id != current.organization_id {
        let why = "officers are accredited by an org_admin of their own organisation";
        return Err(act.refuse(&state, "user", id, why).await);
    }
    let accredited = current.may_issue_requests || current.may_validate;
    if accredited
        && body.name.is_some()
        && !(rules::manages(&act, current.organization_id) && act.org_id == current.organization_id)
    {
        let why = "an accredited officer's name is changed by an org_admin of their organisation";
        return Err(act.refuse(&state, "user", id, why).await);
    }
    let if_match = if_match.required()?;
    let mut conn = state.pool.get().await?;
    let org_kind = organizations::store::get(&mut conn, current.organization_id).await?.map(|o| o.kind);
    let in_platform = org_kind == Some(OrgKind::Platform);
    let public_sector = org_kind.is_some_and(|k| k.is_public_sector());
    let changes = body.parse(&current, act.user_id() == Some(id), public_sector)?;
    // Making someone a platform admin (or a platform admin again, by reactivation) takes a
    // second platform admin (four eyes).
    let promotes = changes.role == Some(Role::OrgAdmin) && current.role != Role::OrgAdmin;
    let reactivates =
        changes.active == Some(true) && !current.active && changes.role.unwrap_or(current.role) == Role::OrgAdmin;
    let grants_powers = in_platform && (promotes || reactivates);
    let done = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(locked.version)?;
            let mut details = serde_json::json!({
                "name": body.name.is_some(), "role": changes.role, "active": changes.active,
                "officer": body.officer, "authorisations": body.authorisations,
            });
            if grants_powers {
                let others = body.name.is_some()
                    || body.officer.is_some()
                    || body.authorisations.is_some()
                    || (promotes && body.active.is_some())
                    || (reactivates && !promotes && body.role.is_some());
                if others && four_eyes::needed(c).await? {
                    let field = if promotes { "role" } else { "active" };
                    return Err(ApiError::field(field, "send it alone: it may wait for a second platform admin"));
                }
                let payload = serde_json::json!({"user_id": id, "role": Role::OrgAdmin, "active": true});
                let gate = four_eyes::gate(c, &act, ApprovalAction::UserPlatformAdmin, Some(id.0), payload).await?;
                if let Gate::Filed(approval) = gate {
                    return Ok(Err(approval));
                }
                details["four_eyes"] = gate.flag();
            }
            let row = store::update(c, id, &changes).await?;
            act.on("user", id).details(details).write(c).await?;
            Ok::<_, ApiError>(Ok(User::from(row)))
        })
        .await?;
    match done {
        Ok(user) => Ok(with_etag(StatusCode::OK, user.version, &user)),
        Err(approval) => Ok(HttpResponse::Accepted().json(approval)),
    }
}

/// Resets a member's second factor (a lost authenticator): it and the recovery codes are
/// removed and every session of the member ends; the member enrols again at the next login.
/// Org_admins for their organisation's users, platform admins for anyone; never one's own
/// (another administrator resets yours).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "reset"), Common, Denied, Missing)
)]
#[delete("/users/{id}/second-factor")]
pub async fn reset_second_factor(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let act = principal.authorize(&state, Action::ResetSecondFactor).await?;
    let user = visible_user(&state, &act, id).await?;
    if !rules::manages(&act, user.organization_id) || act.user_id() == Some(id) {
        return Err(act
            .refuse(&state, "user", id, "another administrator of the organisation resets a second factor")
            .await);
    }
    if let Some(why) = shielded(&mut *state.pool.get().await?, &act, &user).await? {
        return Err(act.refuse(&state, "user", id, why).await);
    }
    let mut conn = state.pool.get().await?;
    let removed = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if let Some(why) = shielded(c, &act, &locked).await? {
                return Err(ApiError::Forbidden(why.into()));
            }
            let removed = store::delete_second_factor(c, id).await?;
            act.on("user", id).details(serde_json::json!({"had_second_factor": removed})).write(c).await?;
            Ok::<_, ApiError>(removed)
        })
        .await?;
    if !removed {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a new password. Your own needs `current_password`; an administrator resetting a user
/// they manage does not. Every session (refresh token) of the user ends.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = ChangePassword,
    security(("bearer" = [])),
    responses((status = 204, description = "password changed"), Common, JsonBody, Missing)
)]
#[post("/users/{id}/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<UserId>,
    body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let act = principal.authorize(&state, Action::ChangePassword).await?;
    let user = visible_user(&state, &act, id).await?;
    password::check_new(&body.new_password).map_err(|m| ApiError::field("new_password", m))?;
    if let Some(why) = shielded(&mut *state.pool.get().await?, &act, &user).await? {
        return Err(act.refuse(&state, "user", id, why).await);
    }
    if act.user_id() == Some(id) {
        // The current password is guessed as a login is: counted before it is checked.
        let email = user.email.as_str().to_lowercase();
        crate::access::guard::admit(&mut *state.pool.get().await?, &act.meta, &email, chrono::Utc::now()).await?;
        let current = body.current_password.clone().unwrap_or_default();
        if !password::verify(&state.hashing, current, Some(user.password_hash.clone())).await? {
            act.deny(&state, "user", id).await;
            return Err(ApiError::field("current_password", "is not your current password"));
        }
        crate::access::guard::succeeded(&mut *state.pool.get().await?, &act.meta, &email).await?;
    }
    let hash = password::hash(&state.hashing, body.new_password.clone()).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        // Checked again on the locked row: an approval may have made them a platform admin
        // while the hash was computed.
        let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
        if let Some(why) = shielded(c, &act, &locked).await? {
            return Err(ApiError::Forbidden(why.into()));
        }
        store::set_password(c, id, &hash).await?;
        act.on("user", id).write(c).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
