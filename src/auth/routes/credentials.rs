//! Login, refresh, logout, who am I.

use actix_web::{get, post, web, HttpResponse};
use chrono::{TimeZone, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::principal::PrincipalView;
use crate::access::{password, Action, Credential, Principal};
use crate::auth::{session, store};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, JsonBody, Public};
use crate::kernel::http::RequestMeta;
use crate::kernel::{tokens, AppState};
use crate::{organizations, users};

/// Body of `POST /auth/login`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "ana@bank-a.example", "password": "a long passphrase of words"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Tokens of a session.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...", "token_type": "Bearer", "expires_in": 900, "refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE", "password_change_required": false, "second_factor_enrollment_required": false}))]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`, valid 15 minutes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single use, valid 30 days: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// The password was generated for you: set your own (`POST /users/{id}/password`) before
    /// anything else answers.
    pub password_change_required: bool,
    /// Your role or organisation needs a second factor and you have none: enrol one
    /// (`POST /me/second-factor`) before anything else answers.
    pub second_factor_enrollment_required: bool,
}

/// The first step of a login went through; the second factor is awaited.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"second_factor_required": true, "login_token": "Zk9yX3RoZV9zZWNvbmRfc3RlcA", "methods": ["totp", "recovery_code"], "expires_in": 300}))]
pub struct SecondFactorChallenge {
    /// Always true.
    pub second_factor_required: bool,
    /// Send it with a code to `POST /auth/login/second-factor`: single use, 5 tries, 5 minutes.
    pub login_token: String,
    /// What the code may be: a 6-digit TOTP code, or one of the recovery codes.
    pub methods: Vec<&'static str>,
    pub expires_in: i64,
}

/// Body of `POST /auth/refresh`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE"}))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Body of `POST /auth/logout` (optional).
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE"}))]
pub struct LogoutRequest {
    /// The session's refresh token: its family is revoked. Without it, every session of the user ends.
    pub refresh_token: Option<String>,
}

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
    state.auth_limiter.check(meta.address_key())?;
    let email = body.email.trim().to_lowercase();
    let mut check = crate::domain::Check::new();
    if email.chars().count() > 254 {
        check.add("email", "must be at most 254 characters");
    }
    if body.password.chars().count() > password::MAX_LENGTH {
        check.add("password", format!("must be at most {} characters", password::MAX_LENGTH));
    }
    check.finish()?;
    let now = Utc::now();
    // The hashing slot first: a 503 for want of one must not count as an attempt.
    let slot = password::permit(&state.hashing).await?;
    let (user, org) = {
        let mut conn = state.pool.get().await?;
        crate::access::guard::admit(&mut conn, &meta, &email, now).await?;
        let user = users::store::by_email(&mut conn, &email).await?;
        let org = match &user {
            Some(u) => organizations::store::get(&mut conn, u.organization_id).await?,
            None => None,
        };
        (user, org)
    };
    // No connection is held while the hash waits for its permit and is computed.
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = password::verify_holding(slot, body.password.clone(), stored).await?;
    let mut conn = state.pool.get().await?;
    let (Some(user), Some(org)) = (user.filter(|u| password_ok && u.active), org.filter(|o| o.active)) else {
        return Err(session::fail(&mut conn, &meta, &email).await);
    };
    if store::factor(&mut conn, user.id.0).await?.is_some_and(|f| f.confirmed_at.is_some()) {
        if let Some(until) = store::code_tries_exhausted(&mut conn, user.id.0).await? {
            return Err(super::second_factor::too_many_codes(until));
        }
        let token = session::challenge(&mut conn, &meta, &user, now).await?;
        return Ok(HttpResponse::Accepted().json(SecondFactorChallenge {
            second_factor_required: true,
            login_token: token,
            methods: vec!["totp", "recovery_code"],
            expires_in: session::CHALLENGE_TTL_SECS,
        }));
    }
    let opened = session::open(&mut conn, &meta, &user, false, now).await?;
    let enrol = state.mfa_policy.requires(org.kind, user.role);
    Ok(HttpResponse::Ok().json(issue(&state, &user, &org, opened, enrol, now)?))
}

/// The tokens of a session just opened.
pub(super) fn issue(
    state: &AppState,
    user: &users::model::UserRow,
    org: &organizations::model::OrgRow,
    opened: session::Opened,
    enrol: bool,
    now: chrono::DateTime<Utc>,
) -> ApiResult<TokenResponse> {
    let (access, _) = state.jwt.issue(user.id.0, org.id.0, org.kind, user.role, opened.sid, now)?;
    Ok(tokens_of(access, opened.refresh, user.password_change_required, enrol))
}

fn tokens_of(
    access_token: String,
    refresh_token: String,
    password_change_required: bool,
    enrol: bool,
) -> TokenResponse {
    TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL_SECS,
        refresh_token,
        password_change_required,
        second_factor_enrollment_required: enrol,
    }
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
    state.auth_limiter.check(meta.address_key())?;
    let now = Utc::now();
    let next = tokens::random_token();
    let mut conn = state.pool.get().await?;
    let holder = session::rotate(&mut conn, &meta, body.refresh_token.trim(), &next, now)
        .await?
        .map_err(|why| ApiError::Unauthenticated(why.into()))?;
    let (access, _) = state.jwt.issue(holder.user.0, holder.org_id.0, holder.org_kind, holder.role, holder.sid, now)?;
    let enrol = holder.needs_second_factor(&state.mfa_policy);
    Ok(web::Json(tokens_of(access, next, holder.password_change_required, enrol)))
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
    let Credential::User { user_id, jti, exp, sid } = act.credential else {
        return Err(ApiError::BadRequest("API keys do not log out; revoke the key instead".into()));
    };
    let refresh = body.and_then(|b| b.into_inner().refresh_token);
    let expires = Utc.timestamp_opt(exp, 0).single().unwrap_or_else(Utc::now);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::revoke_access_token(c, jti, expires).await?;
        let own_family = match &refresh {
            Some(token) => store::lock_refresh(c, &tokens::sha256(token.trim()))
                .await?
                .filter(|r| r.user_id == user_id.0)
                .map(|r| r.family_id),
            None => None,
        };
        match own_family {
            Some(family) => {
                store::end_session(c, user_id.0, family, "logout").await?;
            }
            None => {
                store::revoke_user_sessions(c, user_id.0).await?;
                users::store::end_sessions(c, user_id, "logout").await?;
            }
        };
        if let Some(sid) = sid {
            store::end_session(c, user_id.0, sid, "logout").await?;
        }
        act.on("user", user_id).write(c).await
    })
    .await?;
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
