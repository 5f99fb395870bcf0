//! The second factor's operations: enrolment (a TOTP secret, confirmed with a first code,
//! which hands out ten recovery codes), the second step of a login, new recovery codes. The
//! second step is public (counted by the unauthenticated rate limit); the others take the grant
//! of their action:
//!
//! | function | action | does |
//! |---|---|---|
//! | [`enrol`] | `EnrolSecondFactor` | a new secret, pending in this session |
//! | [`confirm`] | `ConfirmSecondFactor` | active with a first code; other sessions end |
//! | [`renew_recovery_codes`] | `RenewRecoveryCodes` | new recovery codes, with a current code |
//! | [`login_second_factor`] | public | the second step of a login |

use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::service::issue;
use super::{session, store};
use crate::access::totp;
use crate::access::{Action, Credential, Grant};
use crate::domain::UserId;
use crate::kernel::audit::{AuditOutcome, Entry};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::{tokens, AppState};
use crate::{organizations, users};

/// Starts enrolling the caller's second factor: a new TOTP secret, active once confirmed with a
/// code in the same session. 409 while one is enrolled, and while an enrolment started in
/// another session is pending.
pub async fn enrol(state: &AppState, act: &Grant) -> ApiResult<Enrolment> {
    act.expect(&[Action::EnrolSecondFactor])?;
    let user = user_of(act)?;
    let mut conn = state.pool.get().await?;
    let email = users::store::get(&mut conn, user).await?.map(|u| u.email.as_str().to_string()).unwrap_or_default();
    let secret = totp::new_secret();
    let sealed = state.secrets.seal(user.0.as_bytes(), &secret);
    if !store::start_factor(&mut conn, user.0, &sealed, session_of(act)).await? {
        let confirmed = store::factor(&mut conn, user.0).await?.is_some_and(|f| f.confirmed_at.is_some());
        if confirmed {
            return Err(ApiError::Conflict(
                "a second factor is enrolled already; an administrator of your organisation can reset it".into(),
            ));
        }
        return Err(act
            .refuse_with(
                state,
                "user",
                user,
                ApiError::Conflict(
                    "an enrolment started in another session of yours is pending: confirm it there, or log out \
                     there and start again 15 minutes after it began"
                        .into(),
                ),
            )
            .await);
    }
    act.on("user", user).write(&conn).await?;
    Ok(Enrolment {
        otpauth_uri: totp::otpauth_uri(&secret, "cyberbridge", &email),
        secret,
        algorithm: "SHA1",
        digits: totp::DIGITS,
        period: totp::PERIOD,
    })
}

/// Confirms the enrolment with a code of the new secret: active from now on, other sessions
/// end, and ten recovery codes are handed out, once.
pub async fn confirm(state: &AppState, act: &Grant, code: &str) -> ApiResult<RecoveryCodes> {
    act.expect(&[Action::ConfirmSecondFactor])?;
    let user = user_of(act)?;
    check_length(code)?;
    // Sessions opened with the password alone end (one could be an intruder's); this one,
    // which just proved the factor, goes on. One transaction: active with its recovery codes.
    let current = session_of(act);
    let mut conn = state.pool.get().await?;
    let pending = store::factor(&mut conn, user.0).await?.filter(|f| f.confirmed_at.is_none());
    if pending.is_some_and(|f| f.session_id != current) {
        let why = "this enrolment was started in another session: confirm it there";
        return Err(act.refuse_with(state, "user", user, ApiError::Conflict(why.into())).await);
    }
    let confirmed = conn
        .transaction(async |c| {
            if accept_code(state, c, user.0, code, true).await?.is_none() {
                return Ok(None);
            }
            store::end_other_sessions(c, user.0, current, "second_factor_enrolled").await?;
            renew_codes(c, act, user).await.map(Some)
        })
        .await?;
    let Some(codes) = confirmed else {
        act.deny(state, "user", user).await;
        return Err(ApiError::field("code", "is not a current code of the secret being enrolled"));
    };
    Ok(codes)
}

/// New recovery codes (the old ones stop working), with a current TOTP code.
pub async fn renew_recovery_codes(state: &AppState, act: &Grant, code: &str) -> ApiResult<RecoveryCodes> {
    act.expect(&[Action::RenewRecoveryCodes])?;
    let user = user_of(act)?;
    check_length(code)?;
    let mut conn = state.pool.get().await?;
    if totp::is_recovery_code(code) || accept_code(state, &mut conn, user.0, code, false).await?.is_none() {
        act.deny(state, "user", user).await;
        return Err(ApiError::field("code", "is not a current code of your authenticator"));
    }
    renew_codes(&mut conn, act, user).await
}

/// The second step of a login: the login token of the first step and a TOTP code (or a
/// recovery code, then spent). Five tries per login token.
pub async fn login_second_factor(
    state: &AppState,
    meta: &RequestMeta,
    body: &SecondFactorLogin,
) -> ApiResult<TokenResponse> {
    let (user, org) = code_step(state, meta, body).await?;
    let now = Utc::now();
    let opened = session::open(&mut *state.pool.get().await?, meta, &user, true, now).await?;
    issue(state, &user, &org, opened, false, now)
}

/// The code step of a login, for the API and the console alike: the token is spent and the
/// person known once the code is right.
pub(super) async fn code_step(
    state: &AppState,
    meta: &RequestMeta,
    body: &SecondFactorLogin,
) -> ApiResult<(users::model::UserRow, organizations::model::OrgRow)> {
    state.auth_limiter.check(meta.address_key())?;
    check_length(&body.code)?;
    if body.login_token.len() > 128 {
        return Err(ApiError::field("login_token", "must be at most 128 characters"));
    }
    let hash = tokens::sha256(body.login_token.trim());
    let mut conn = state.pool.get().await?;
    // The try is counted before the code is checked: parallel guesses get five in all.
    let Some(user_id) = store::try_challenge(&mut conn, &hash, session::CHALLENGE_TRIES).await? else {
        return Err(ApiError::Unauthenticated(
            "the login token is unknown, used, expired or out of tries; log in again".into(),
        ));
    };
    let user = users::store::get(&mut conn, UserId(user_id)).await?.filter(|u| u.active);
    let org = match &user {
        Some(u) => organizations::store::get(&mut conn, u.organization_id).await?.filter(|o| o.active),
        None => None,
    };
    let (Some(user), Some(org)) = (user, org) else {
        return Err(ApiError::Unauthenticated("the account or its organisation is deactivated".into()));
    };
    let method = accept_code(state, &mut conn, user_id, &body.code, false).await?;
    let Some(method) = method else {
        Entry::anonymous(meta, "auth.second_factor_failed")
            .outcome(AuditOutcome::Denied)
            .object("user", user.id)
            .by_user(user_id, Some(org.id.0))
            .write(&conn)
            .await?;
        if used_already(state, &mut conn, user_id, &body.code).await? {
            return Err(ApiError::Unauthenticated(
                "this code was used already (each code works once): wait for the next one, at most 30 seconds".into(),
            ));
        }
        return Err(ApiError::Unauthenticated("wrong code".into()));
    };
    if !store::consume_challenge(&mut conn, &hash).await? {
        return Err(ApiError::Unauthenticated("the login token was used already; log in again".into()));
    }
    if method == "recovery_code" {
        let left = store::unused_recovery_codes(&mut conn, user_id).await?;
        Entry::anonymous(meta, "auth.recovery_code_used")
            .object("user", user.id)
            .by_user(user_id, Some(org.id.0))
            .details(serde_json::json!({"recovery_codes_left": left}))
            .write(&conn)
            .await?;
    }
    Ok((user, org))
}

async fn renew_codes(conn: &mut Conn, act: &Grant, user: UserId) -> ApiResult<RecoveryCodes> {
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    store::replace_recovery_codes(conn, user.0, &hashes).await?;
    act.on("user", user).write(conn).await?;
    Ok(RecoveryCodes { recovery_codes: codes })
}

fn user_of(act: &Grant) -> ApiResult<UserId> {
    act.user_id().ok_or_else(|| ApiError::Forbidden("API keys have no second factor; this is for people".into()))
}

fn check_length(code: &str) -> ApiResult<()> {
    if code.chars().count() > 32 {
        return Err(ApiError::field("code", "must be at most 32 characters"));
    }
    Ok(())
}

/// How a code was accepted, if it was: a TOTP code of the factor (taken once: its time step
/// is recorded), or an unused recovery code (spent). `confirming`: the code must be of the
/// factor being enrolled (and confirms it); recovery codes do not count then.
async fn accept_code(
    state: &AppState,
    conn: &mut Conn,
    user: Uuid,
    code: &str,
    confirming: bool,
) -> ApiResult<Option<&'static str>> {
    if !confirming {
        // Counted before it is checked, across login tokens: ten an hour.
        if let Some((tries, until)) = store::count_code_try(conn, user).await? {
            if tries > store::CODE_TRIES_PER_HOUR {
                return Err(too_many_codes(until));
            }
        }
    }
    let accepted = verify_code(state, conn, user, code, confirming).await?;
    if accepted.is_some() && !confirming {
        store::clear_code_tries(conn, user).await?;
    }
    Ok(accepted)
}

/// 429 until the hour of tries is over.
pub(super) fn too_many_codes(until: chrono::DateTime<Utc>) -> ApiError {
    let secs = (until - Utc::now()).num_seconds().max(1) as u64;
    ApiError::TooManyRequests {
        detail: "too many codes tried for this second factor; try again later".into(),
        retry_after_secs: secs,
        limit: store::CODE_TRIES_PER_HOUR as u32,
    }
}

async fn verify_code(
    state: &AppState,
    conn: &mut Conn,
    user: Uuid,
    code: &str,
    confirming: bool,
) -> ApiResult<Option<&'static str>> {
    if !confirming && totp::is_recovery_code(code) {
        let spent = store::use_recovery_code(conn, user, &totp::recovery_hash(code)).await?;
        return Ok(spent.then_some("recovery_code"));
    }
    let Some(factor) = store::factor(conn, user).await? else { return Ok(None) };
    if factor.confirmed_at.is_none() != confirming {
        return Ok(None);
    }
    let secret = state.secrets.open(user.as_bytes(), &factor.secret).map_err(ApiError::internal)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let Some(step) = totp::accepts(&secret, code, now, factor.last_step.max(0) as u64).map_err(ApiError::internal)?
    else {
        return Ok(None);
    };
    Ok(store::take_step(conn, user, step as i64, confirming).await?.then_some("totp"))
}

/// The session of the caller's access token.
fn session_of(act: &Grant) -> Option<Uuid> {
    match act.credential {
        Credential::User { sid, .. } => sid,
        Credential::ApiKey { .. } => None,
    }
}

/// Whether `code` is a current code of the user's factor whose time step was taken already (a
/// code typed twice, or the one that just confirmed the enrolment). Checked after a refusal
/// only, to say why.
async fn used_already(state: &AppState, conn: &mut Conn, user: Uuid, code: &str) -> ApiResult<bool> {
    let Some(factor) = store::factor(conn, user).await? else { return Ok(false) };
    if factor.confirmed_at.is_none() || totp::is_recovery_code(code) {
        return Ok(false);
    }
    let secret = state.secrets.open(user.as_bytes(), &factor.secret).map_err(ApiError::internal)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let matched = totp::accepts(&secret, code, now, 0).map_err(ApiError::internal)?;
    Ok(matched.is_some_and(|step| step <= factor.last_step.max(0) as u64))
}
