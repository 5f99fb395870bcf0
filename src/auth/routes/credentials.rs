//! Login, refresh, logout, who am I.

use actix_web::{get, post, web, HttpResponse};

use crate::access::principal::PrincipalView;
use crate::access::{Action, Principal};
use crate::auth::model::*;
use crate::auth::service;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, JsonBody, Public};
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// Logs a user in: a 15-minute access token and a rotating refresh token. A user with a second
/// factor gets 202 and a `login_token` instead, to complete at `POST /auth/login/second-factor`.
/// After 5 failures for one account within 15 minutes, further attempts get 429 until the
/// window passes.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "logged in", body = TokenResponse),
        (status = 202, description = "the password is right; a second factor is awaited", body = SecondFactorChallenge),
        (status = 401, description = "invalid e-mail or password", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
        Public,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    Ok(match service::login(&state, &meta, &body).await? {
        Login::Tokens(tokens) => HttpResponse::Ok().json(tokens),
        Login::SecondFactor(challenge) => HttpResponse::Accepted().json(challenge),
    })
}

/// Exchanges a refresh token for a new access token and a new refresh token. A refresh token
/// works once: presenting a used one revokes its whole family (a stolen token was replayed).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    security(()),
    responses(
        (status = 200, description = "the next pair", body = TokenResponse),
        (status = 401, description = "unknown, used, revoked or expired refresh token", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
        Public,
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_session(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    Ok(web::Json(service::refresh(&state, &meta, &body.refresh_token).await?))
}

/// Ends the session: the access token is revoked at once, and the refresh token's family (or,
/// without one, every session of the user).
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<LogoutRequest>),
    security(("bearer" = [])),
    responses((status = 204, description = "logged out"), Common, JsonBody)
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
    body: Option<web::Json<LogoutRequest>>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::Logout).await?;
    service::logout(&state, &act, body.and_then(|b| b.into_inner().refresh_token)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who you are: user or API key, organisation, role, scopes and permissions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the caller", body = PrincipalView), Common)
)]
#[get("/me")]
pub async fn get_me(principal: Principal) -> web::Json<PrincipalView> {
    web::Json(PrincipalView::of(&principal))
}
