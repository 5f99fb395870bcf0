//! People of an organisation: create (with an enrolment link), list, read, change, reset by a
//! new link, set one's own password; and the owner's redemption of a link.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};

use super::enrolment::EnrolmentLink;
use super::model::*;
use super::service;
use crate::access::four_eyes::{Approval, Outcome};
use crate::access::{Action, Principal};
use crate::domain::{OrgId, UserId};
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing, Public, Versioned};
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// The answer of a change that may have been filed for a second platform admin (202).
fn answer<T: serde::Serialize>(done: Outcome<T>, status: StatusCode, version: impl Fn(&T) -> i32) -> HttpResponse {
    match done {
        Outcome::Done(body) => with_etag(status, version(&body), &body),
        Outcome::Filed(approval) => HttpResponse::Accepted().json(approval),
    }
}

/// Creates a user without a password: the answer carries a single-use enrolment link (72 hours,
/// shown this once) to hand to its owner, who sets their password with it (`POST
/// /auth/enrolment`). An org_admin adds people to their own organisation. A platform admin adds
/// no one to another organisation except its first org_admin (or the replacement of its last),
/// on the organisation's written request (`document_reference`), and a platform admin of its
/// own: both are filed (202) for a second platform admin, and the enrolment token is split
/// between the two (part 1 in this answer, part 2 in the approval's).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "organisation id")),
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "created; the enrolment link is shown this once", body = CreatedUser, headers(("ETag" = String))),
        (status = 202, description = "filed for a second platform admin; part 1 of the enrolment token is shown this once", body = Approval),
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
    let act = principal.authorize(&state, Action::CreateUser).await?;
    let input = body.parse()?;
    let done = service::create_user(&state, &act, org.into_inner(), input).await?;
    Ok(answer(done, StatusCode::CREATED, |u| u.user.version))
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
    let act = principal.authorize(&state, Action::ListUsers).await?;
    Ok(web::Json(service::list_users(&state, &act, org.into_inner(), &q).await?))
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
    let user = service::read_user(&state, &act, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Changes a user's name, role or active flag, or an officer's identity and authorisations,
/// with `If-Match` (428 without, 412 when stale). Members change their own name only; nobody
/// demotes or deactivates themselves. A platform admin only deactivates people of another
/// organisation (never promotes, renames, accredits or reactivates them). Officers are
/// accredited by another org_admin of their organisation, who has a second factor, in an
/// organisation with at least two org_admins. Making someone a platform admin (or one again)
/// is filed for a second platform admin (202).
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
    let act = principal.authorize(&state, Action::UpdateUser).await?;
    let done = service::update_user(&state, &act, id.into_inner(), if_match, &body).await?;
    Ok(answer(done, StatusCode::OK, |u| u.version))
}

/// Resets someone's password by a new enrolment link (72 hours, shown this once, to hand over):
/// their password stops working at once and every session of theirs ends; the second factor
/// stays. An org_admin, for another user of their organisation; a platform admin's credentials
/// are reset by the operator (`cyberbridge admin reset-password`). Also sends a fresh link to
/// someone whose first one expired.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "the enrolment link, shown this once", body = EnrolmentLink),
        Common, Denied, Missing, Conflict,
    )
)]
#[post("/users/{id}/enrolment")]
pub async fn send_enrolment_link(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::SendEnrolmentLink).await?;
    let link = service::send_enrolment_link(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::Created().json(link))
}

/// Sets the password of an enrolment link's owner: the token from the link (both parts, one
/// after the other, when it came from two platform admins) and a password of their own. The
/// link is spent. Then log in (`POST /auth/login`), and enrol a second factor where
/// `second_factor_enrollment_required` says so.
#[utoipa::path(
    tag = "auth",
    request_body = RedeemEnrolment,
    security(()),
    responses(
        (status = 200, description = "the password is set; log in next", body = Enrolled),
        Public, Conflict,
    )
)]
#[post("/auth/enrolment")]
pub async fn redeem_enrolment(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<RedeemEnrolment>,
) -> ApiResult<web::Json<Enrolled>> {
    Ok(web::Json(service::redeem_enrolment(&state, &meta, &body).await?))
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
    let act = principal.authorize(&state, Action::ResetSecondFactor).await?;
    service::reset_second_factor(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets your own password, with the current one. Every session of yours ends, this one too: log
/// in again with the new password. (An administrator resets someone else's with an enrolment
/// link: `POST /users/{id}/enrolment`.)
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = ChangePassword,
    security(("bearer" = [])),
    responses((status = 204, description = "password changed"), Common, JsonBody, Denied, Missing)
)]
#[post("/users/{id}/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<UserId>,
    body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ChangePassword).await?;
    service::change_password(&state, &act, id.into_inner(), &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your own preferences: the language of the console and of notices (`null`: the browser's),
/// and whether e-mail notices come (emergencies and security notices always do). People only.
#[utoipa::path(
    tag = "users",
    request_body = UpdatePreferences,
    security(("bearer" = [])),
    responses((status = 200, description = "the preferences now", body = Preferences), Common, JsonBody, Denied)
)]
#[patch("/me/preferences")]
pub async fn update_preferences(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<UpdatePreferences>,
) -> ApiResult<web::Json<Preferences>> {
    let act = principal.authorize(&state, Action::UpdatePreferences).await?;
    Ok(web::Json(service::update_preferences(&state, &act, &body).await?))
}
