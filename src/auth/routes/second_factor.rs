//! The second factor: enrolment (a TOTP secret, confirmed with a first code, which hands out
//! ten recovery codes), the second step of a login, new recovery codes.

use actix_web::{post, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::auth::factor;
use crate::auth::model::*;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Conflict, JsonBody, Public};
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// Starts enrolling your second factor: a new TOTP secret, active once confirmed with a code
/// (`POST /me/second-factor/confirm`) in the same session. 409 while one is enrolled (an
/// administrator of your organisation resets it, `DELETE /users/{id}/second-factor`), and while
/// an enrolment started in another session is pending (confirm it there; once that session
/// has ended, a new one may start 15 minutes after it began).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 201, description = "the secret, shown once", body = Enrolment), Common, Conflict)
)]
#[post("/me/second-factor")]
pub async fn enrol_second_factor(state: web::Data<AppState>, principal: Principal) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::EnrolSecondFactor).await?;
    Ok(HttpResponse::Created().json(factor::enrol(&state, &act).await?))
}

/// Confirms the enrolment with a code of the new secret: the second factor is active from now
/// on (every later login asks for it), and ten recovery codes are handed out, once.
#[utoipa::path(
    tag = "auth",
    request_body = CodeBody,
    security(("bearer" = [])),
    responses((status = 200, description = "active; the recovery codes", body = RecoveryCodes), Common, JsonBody, Conflict)
)]
#[post("/me/second-factor/confirm")]
pub async fn confirm_second_factor(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CodeBody>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let act = principal.authorize(&state, Action::ConfirmSecondFactor).await?;
    Ok(web::Json(factor::confirm(&state, &act, &body.code).await?))
}

/// New recovery codes (the old ones stop working), with a current TOTP code.
#[utoipa::path(
    tag = "auth",
    request_body = CodeBody,
    security(("bearer" = [])),
    responses((status = 200, description = "the new recovery codes", body = RecoveryCodes), Common, JsonBody)
)]
#[post("/me/second-factor/recovery-codes")]
pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CodeBody>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let act = principal.authorize(&state, Action::RenewRecoveryCodes).await?;
    Ok(web::Json(factor::renew_recovery_codes(&state, &act, &body.code).await?))
}

/// The second step of a login: the `login_token` of the 202 answer and a TOTP code (or a
/// recovery code, which is then spent). Five tries per login token; then log in again.
#[utoipa::path(
    tag = "auth",
    request_body = SecondFactorLogin,
    security(()),
    responses(
        (status = 200, description = "logged in", body = TokenResponse),
        (status = 401, description = "wrong code, or the login token is unknown, used, expired or out of tries", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
        Public,
    )
)]
#[post("/auth/login/second-factor")]
pub async fn login_second_factor(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<SecondFactorLogin>,
) -> ApiResult<web::Json<TokenResponse>> {
    Ok(web::Json(factor::login_second_factor(&state, &meta, &body).await?))
}
