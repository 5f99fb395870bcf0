use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, TimeZone, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{password, store, tokens, Credential, Principal, PrincipalView, RequestMeta};
use crate::audit::Entry;
use crate::error::{ApiError, ApiResult};
use crate::{users, AppState};

/// Failed logins allowed per account within `LOCKOUT_WINDOW_MINUTES`.
pub const MAX_FAILURES: i64 = 5;
pub const LOCKOUT_WINDOW_MINUTES: i64 = 15;

/// Body of `POST /auth/login`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Tokens of a session.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`, valid 15 minutes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single use, valid 30 days: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
}

/// Body of `POST /auth/refresh`.
#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Body of `POST /auth/logout` (optional).
#[derive(Deserialize, ToSchema, Default)]
pub struct LogoutRequest {
    /// The session's refresh token: its family is revoked. Without it, every session of the user ends.
    pub refresh_token: Option<String>,
}

const INVALID_LOGIN: &str = "invalid e-mail or password";

/// Logs a user in: a 15-minute access token and a rotating refresh token. After 5 failures
/// for one account within 15 minutes, further attempts get 429 until the window passes.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many failed attempts", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let email = body.email.trim().to_lowercase();
    let now = Utc::now();
    let window = Duration::minutes(LOCKOUT_WINDOW_MINUTES);
    let mut conn = state.pool.get().await?;
    let (failures, oldest) = store::failures_since(&mut conn, &email, now - window).await?;
    if failures >= MAX_FAILURES {
        let retry = oldest.map(|o| (o + window - now).num_seconds().max(1)).unwrap_or(60) as u64;
        Entry::anonymous(&meta, "auth.login_locked")
            .outcome("denied")
            .details(serde_json::json!({"email": email}))
            .write(&mut conn)
            .await?;
        return Err(ApiError::TooManyRequests {
            detail: format!("too many failed logins for this account; try again in {retry} s"),
            retry_after_secs: retry,
            limit: MAX_FAILURES as u32,
        });
    }
    let target = match users::store::by_email(&mut conn, &email).await? {
        Some(user) => {
            let org = crate::organizations::store::get(&mut conn, user.organization_id).await?;
            Some((user, org))
        }
        None => None,
    };
    let stored_hash = target.as_ref().map(|(u, _)| u.password_hash.clone());
    let password_ok = password::verify(body.password.clone(), stored_hash).await;
    let account = target.filter(|(u, org)| password_ok && u.active && org.as_ref().is_some_and(|o| o.active));
    let Some((user, Some(org))) = account else {
        conn.transaction(async |c| {
            store::record_failure(c, &email).await?;
            Entry::anonymous(&meta, "auth.login_failed")
                .outcome("denied")
                .details(serde_json::json!({"email": email}))
                .write(c)
                .await
        })
        .await?;
        return Err(ApiError::Unauthenticated(INVALID_LOGIN.into()));
    };
    let refresh = tokens::random_token();
    conn.transaction(async |c| {
        store::clear_failures(c, &email).await?;
        users::store::touch_login(c, user.id).await?;
        store::insert_refresh(
            c,
            user.id,
            Uuid::now_v7(),
            &tokens::sha256(&refresh),
            now + Duration::days(tokens::REFRESH_TTL_DAYS),
        )
        .await?;
        let mut entry = Entry::anonymous(&meta, "auth.login").object("user", user.id);
        entry.user_id = Some(user.id);
        entry.organization_id = Some(org.id);
        entry.write(c).await
    })
    .await?;
    let (access, _) = state.jwt.issue(user.id, org.id, &org.kind, &user.role, now)?;
    Ok(web::Json(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL_SECS,
        refresh_token: refresh,
    }))
}

/// Exchanges a refresh token for a new access token and a new refresh token. A refresh token
/// works once: presenting a used one revokes its whole family (a stolen token was replayed).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_session(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let hash = tokens::sha256(body.refresh_token.trim());
    let now = Utc::now();
    let next = tokens::random_token();
    let mut conn = state.pool.get().await?;
    // Ok(Err(..)): refused, but what was written (a revoked family) is committed.
    let outcome = conn
        .transaction(async |c| {
            let Some(row) = store::lock_refresh(c, &hash).await? else {
                return Ok(Err("unknown refresh token"));
            };
            if row.used_at.is_some() || row.revoked_at.is_some() {
                let revoked = store::revoke_family(c, row.family_id).await?;
                let mut entry =
                    Entry::anonymous(&meta, "auth.refresh_reuse").outcome("denied").object("user", row.user_id);
                entry.user_id = Some(row.user_id);
                entry.details = serde_json::json!({"family_revoked": revoked});
                entry.write(c).await?;
                return Ok(Err("refresh token already used or revoked; the session was ended"));
            }
            if row.expires_at <= now {
                return Ok(Err("refresh token expired"));
            }
            let Some(who) = store::user_principal(c, row.user_id, Uuid::nil()).await? else {
                return Ok(Err("unknown user"));
            };
            if !who.user_active || !who.org_active {
                return Ok(Err("the account or its organisation is deactivated"));
            }
            store::mark_refresh_used(c, row.id).await?;
            store::insert_refresh(
                c,
                row.user_id,
                row.family_id,
                &tokens::sha256(&next),
                now + Duration::days(tokens::REFRESH_TTL_DAYS),
            )
            .await?;
            let mut entry = Entry::anonymous(&meta, "auth.refresh").object("user", row.user_id);
            entry.user_id = Some(row.user_id);
            entry.organization_id = Some(who.org_id);
            entry.write(c).await?;
            Ok::<_, ApiError>(Ok((row.user_id, who)))
        })
        .await?;
    let (user, who) = outcome.map_err(|why| ApiError::Unauthenticated(why.into()))?;
    let (access, _) = state.jwt.issue(user, who.org_id, &who.org_kind, &who.role, now)?;
    Ok(web::Json(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL_SECS,
        refresh_token: next,
    }))
}

/// Ends the session: the access token is revoked at once, and the refresh token's family (or,
/// without one, every session of the user).
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<LogoutRequest>),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "logged out"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
    body: Option<web::Json<LogoutRequest>>,
) -> ApiResult<HttpResponse> {
    let Credential::User { user_id, jti, exp } = principal.credential else {
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
                .filter(|r| r.user_id == user_id)
                .map(|r| r.family_id),
            None => None,
        };
        match own_family {
            Some(family) => store::revoke_family(c, family).await?,
            None => store::revoke_user_sessions(c, user_id).await?,
        };
        Entry::of(&principal, "auth.logout").object("user", user_id).write(c).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who you are: user or API key, organisation, role, scopes and permissions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = PrincipalView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn get_me(principal: Principal) -> web::Json<PrincipalView> {
    web::Json(PrincipalView {
        kind: if principal.user_id().is_some() { "user" } else { "api_key" },
        user_id: principal.user_id(),
        api_key_id: principal.api_key_id(),
        organization_id: principal.org_id,
        organization_kind: principal.org_kind,
        role: principal.role,
        scopes: match &principal.credential {
            Credential::ApiKey { scopes, .. } => Some(scopes.clone()),
            Credential::User { .. } => None,
        },
        permissions: principal.permissions(),
    })
}
