//! Sessions' operations, as the JSON API and the console call them. The login's two steps and
//! the refresh are public (each counted by the unauthenticated rate limit of the caller's
//! address); the others take the grant of their action (`Grant::expect` refuses any other):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`login`] | public | the password: tokens, or a second factor awaited |
//! | [`refresh`] | public | a refresh token for the next pair |
//! | [`logout`] | `Logout` | ends the session (or every session) of the caller |
//! | [`sessions`] | `ListSessions` | the caller's open sessions |
//! | [`end_session`] | `EndSession` | ends one of them |
//!
//! The second factor's operations are in `factor`.

use chrono::{TimeZone, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{factor, session, store};
use crate::access::{password, Action, Credential, Grant};
use crate::domain::{Purpose, PurposeParams, PurposePolicy, UserId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::{tokens, AppState};
use crate::{organizations, users};

/// The first step of a login. After 5 failures for one account within 15 minutes from one
/// address, further attempts get 429 until the window passes; the attempt is counted before the
/// password is checked.
pub async fn login(state: &AppState, meta: &RequestMeta, body: &LoginRequest) -> ApiResult<Login> {
    match password_step(state, meta, body).await? {
        Step::SecondFactor(challenge) => Ok(Login::SecondFactor(challenge)),
        Step::Open(found) => {
            let (user, org) = *found;
            let now = Utc::now();
            let opened = session::open(&mut *state.pool.get().await?, meta, &user, false, now).await?;
            let enrol = state.mfa_policy.requires(org.kind, user.role);
            Ok(Login::Tokens(issue(state, &user, &org, opened, enrol, now)?))
        }
    }
}

/// What the password step of a login leads to.
pub(super) enum Step {
    /// A code is awaited.
    SecondFactor(SecondFactorChallenge),
    /// The person has no second factor: a session may open.
    Open(Box<(users::model::UserRow, organizations::model::OrgRow)>),
}

/// The password step of a login, for the API and the console alike (rate limit, lockout,
/// audit of failures).
pub(super) async fn password_step(state: &AppState, meta: &RequestMeta, body: &LoginRequest) -> ApiResult<Step> {
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
        crate::access::guard::admit(&mut conn, meta, &email, now).await?;
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
        return Err(session::fail(&mut conn, meta, &email).await);
    };
    if store::factor(&mut conn, user.id.0).await?.is_some_and(|f| f.confirmed_at.is_some()) {
        if let Some(until) = store::code_tries_exhausted(&mut conn, user.id.0).await? {
            return Err(factor::too_many_codes(until));
        }
        let token = session::challenge(&mut conn, meta, &user, now).await?;
        return Ok(Step::SecondFactor(SecondFactorChallenge {
            second_factor_required: true,
            login_token: token,
            methods: vec!["totp", "recovery_code"],
            expires_in: session::CHALLENGE_TTL_SECS,
        }));
    }
    Ok(Step::Open(Box::new((user, org))))
}

/// A sign-in in the console: the same steps as the API's login, but the session's secret goes
/// to the browser's cookie, never a token (`meta.console` must be set).
pub enum SignIn {
    /// Signed in: the cookie's secret and the session's CSRF token.
    Session { secret: String, csrf: String },
    /// The code is awaited: the token of the second step (kept in a cookie of its own).
    Code(String),
}

/// The console's sign-in with e-mail and password (and the code at once, when given).
pub async fn sign_in(
    state: &AppState,
    meta: &RequestMeta,
    body: &LoginRequest,
    code: Option<&str>,
) -> ApiResult<SignIn> {
    debug_assert!(meta.console);
    match password_step(state, meta, body).await? {
        Step::Open(found) => {
            let (user, _) = *found;
            let opened = session::open(&mut *state.pool.get().await?, meta, &user, false, Utc::now()).await?;
            Ok(SignIn::Session { secret: opened.refresh, csrf: opened.csrf })
        }
        Step::SecondFactor(challenge) => match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => Ok(SignIn::Code(challenge.login_token)),
            Some(code) => sign_in_code(state, meta, &challenge.login_token, code).await,
        },
    }
}

/// The console's second step: the code for the token of the first.
pub async fn sign_in_code(state: &AppState, meta: &RequestMeta, login_token: &str, code: &str) -> ApiResult<SignIn> {
    let body = SecondFactorLogin { login_token: login_token.to_string(), code: code.to_string() };
    let (user, _) = factor::code_step(state, meta, &body).await?;
    let opened = session::open(&mut *state.pool.get().await?, meta, &user, true, Utc::now()).await?;
    Ok(SignIn::Session { secret: opened.refresh, csrf: opened.csrf })
}

/// Signs the console's session out (the cookie stops working at once).
pub async fn sign_out(state: &AppState, act: &Grant) -> ApiResult<()> {
    act.expect(&[Action::Logout])?;
    let (user, sid) = caller(act)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        if let Some(sid) = sid {
            store::end_session(c, user.0, sid, "logout").await?;
        }
        act.on("user", user).write(c).await
    })
    .await
}

/// Chooses the console session's current case (a purpose and a case reference, both or
/// neither; neither clears it), which its pages carry into searches and requests. Checked as
/// a search's purpose is (422 naming the field), audited.
pub async fn choose_case(state: &AppState, act: &Grant, params: &PurposeParams) -> ApiResult<Option<Purpose>> {
    act.expect(&[Action::UpdatePreferences])?;
    let (user, sid) = caller(act)?;
    let Some(sid) = sid else { return Err(ApiError::Forbidden("a current case belongs to a browser session".into())) };
    let case = PurposePolicy::default().check(act.org_kind, params).map_err(|e| ApiError::Validation(vec![e]))?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::set_console_case(c, sid, case.as_ref().map(|p| (p.case_reference.as_str(), p.reason.as_str()))).await?;
        act.on("user", user).details(serde_json::json!({"session": sid, "current_case": case})).write(c).await?;
        Ok(case)
    })
    .await
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

/// A refresh token for a new access token and a new refresh token; a used one revokes its
/// whole family (a stolen token was replayed).
pub async fn refresh(state: &AppState, meta: &RequestMeta, refresh_token: &str) -> ApiResult<TokenResponse> {
    state.auth_limiter.check(meta.address_key())?;
    let now = Utc::now();
    let next = tokens::random_token();
    let mut conn = state.pool.get().await?;
    let holder = session::rotate(&mut conn, meta, refresh_token.trim(), &next, now)
        .await?
        .map_err(|why| ApiError::Unauthenticated(why.into()))?;
    let (access, _) = state.jwt.issue(holder.user.0, holder.org_id.0, holder.org_kind, holder.role, holder.sid, now)?;
    let enrol = holder.needs_second_factor(&state.mfa_policy);
    Ok(tokens_of(access, next, holder.password_change_required, enrol))
}

/// Ends the caller's session: the access token at once, and the refresh token's family (or,
/// without one, every session of the user).
pub async fn logout(state: &AppState, act: &Grant, refresh: Option<String>) -> ApiResult<()> {
    act.expect(&[Action::Logout])?;
    let Credential::User { user_id, jti, exp, sid } = act.credential else {
        return Err(ApiError::BadRequest("API keys do not log out; revoke the key instead".into()));
    };
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
    .await
}

/// The caller's open sessions, newest first.
pub async fn sessions(state: &AppState, act: &Grant) -> ApiResult<SessionList> {
    act.expect(&[Action::ListSessions])?;
    let (user, current) = caller(act)?;
    let since = Utc::now() - chrono::Duration::days(tokens::REFRESH_TTL_DAYS);
    let rows = store::open_sessions(&mut *state.pool.get().await?, user.0, since).await?;
    let items = rows
        .into_iter()
        .map(|r| Session {
            current: Some(r.id) == current,
            id: r.id,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            client_addr: r.client_addr,
            second_factor: r.second_factor,
        })
        .collect();
    Ok(SessionList { items })
}

/// Ends one of the caller's sessions: its refresh token stops working and its access tokens
/// are refused from the next request on (404 for a session not the caller's).
pub async fn end_session(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<()> {
    act.expect(&[Action::EndSession])?;
    let (user, _) = caller(act)?;
    let mut conn = state.pool.get().await?;
    let ended = conn
        .transaction(async |c| {
            let ended = store::end_session(c, user.0, id, "ended_by_user").await?;
            if ended {
                act.on("session", id).write(c).await?;
            }
            Ok::<_, ApiError>(ended)
        })
        .await?;
    if !ended {
        return Err(act.hide(state, "session", id).await);
    }
    Ok(())
}

fn caller(act: &Grant) -> ApiResult<(UserId, Option<Uuid>)> {
    match act.credential {
        Credential::User { user_id, sid, .. } => Ok((user_id, sid)),
        Credential::ApiKey { .. } => {
            Err(ApiError::Forbidden("API keys have no sessions; revoke the key instead".into()))
        }
    }
}
