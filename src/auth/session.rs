//! The steps of a login and a refresh: lockout, failures, issuing a session, rotating it.

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::store;
use crate::domain::{OrgId, OrgKind, Role, UserId};
use crate::kernel::audit::{AuditOutcome, Entry};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::tokens;
use crate::users::model::UserRow;

pub const INVALID_LOGIN: &str = "invalid e-mail or password";
/// How long the second step of a login may wait, and how many codes it may try.
pub const CHALLENGE_TTL_SECS: i64 = 300;
pub const CHALLENGE_TRIES: i32 = 5;

/// The password was right and the user has a second factor: opens the second step of the
/// login; returns its single-use token.
pub async fn challenge(conn: &mut Conn, meta: &RequestMeta, user: &UserRow, now: DateTime<Utc>) -> ApiResult<String> {
    let token = tokens::random_token();
    conn.transaction(async |c| {
        store::insert_challenge(c, &tokens::sha256(&token), user.id.0, now + Duration::seconds(CHALLENGE_TTL_SECS))
            .await?;
        Entry::anonymous(meta, "auth.login_second_factor_awaited")
            .object("user", user.id)
            .by_user(user.id.0, Some(user.organization_id.0))
            .write(c)
            .await
    })
    .await?;
    Ok(token)
}

/// Records a failed login (already counted by `admit`) and answers 401 without saying which
/// part was wrong.
pub async fn fail(conn: &mut Conn, meta: &RequestMeta, email: &str) -> ApiError {
    let recorded = Entry::anonymous(meta, "auth.login_failed")
        .outcome(AuditOutcome::Denied)
        .details(serde_json::json!({"email": email}))
        .write(conn)
        .await;
    match recorded {
        Ok(()) => ApiError::Unauthenticated(INVALID_LOGIN.into()),
        Err(e) => e,
    }
}

/// A session just opened: its id (the `sid` of its access tokens) and its first refresh token,
/// or, for the console, the secret of the browser's cookie and the session's CSRF token.
pub struct Opened {
    pub sid: Uuid,
    pub refresh: String,
    pub csrf: String,
}

/// Opens a session for `user` (after a second factor when `second_factor`): failures cleared,
/// a session with a new refresh-token family; from the console (`meta.console`), a session
/// whose cookie secret is stored hashed instead, with no refresh token.
pub async fn open(
    conn: &mut Conn,
    meta: &RequestMeta,
    user: &UserRow,
    second_factor: bool,
    now: DateTime<Utc>,
) -> ApiResult<Opened> {
    let refresh = tokens::random_token();
    let csrf = tokens::random_token();
    let sid = Uuid::now_v7();
    conn.transaction(async |c| {
        // A person who signed in before, from an address not used in 90 days: a security notice.
        let address = meta.client_addr.as_deref().unwrap_or("unknown");
        let email = user.email.as_str().trim().to_lowercase();
        let new_place =
            user.last_login_at.is_some() && !crate::access::store::known_address(c, &email, address, 90).await?;
        crate::access::guard::succeeded(c, meta, user.email.as_str()).await?;
        if new_place {
            crate::notices::store::insert_for_user(c, user.id.0, sid, "new_address").await?;
        }
        crate::users::store::touch_login(c, user.id).await?;
        store::insert_session(c, sid, user.id.0, meta.client_addr.as_deref(), second_factor).await?;
        if meta.console {
            store::set_console_secret(c, sid, &tokens::sha256(&refresh), &csrf).await?;
        } else {
            let expires = now + Duration::days(tokens::REFRESH_TTL_DAYS);
            store::insert_refresh(c, user.id.0, sid, &tokens::sha256(&refresh), expires).await?;
        }
        Entry::anonymous(meta, "auth.login")
            .object("user", user.id)
            .by_user(user.id.0, Some(user.organization_id.0))
            .details(serde_json::json!({"session_id": sid, "second_factor": second_factor}))
            .write(c)
            .await
    })
    .await?;
    Ok(Opened { sid, refresh, csrf })
}

/// Who a refresh token's session belongs to.
pub struct Holder {
    pub user: UserId,
    /// The session (the refresh-token family).
    pub sid: Uuid,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub role: Role,
    pub password_change_required: bool,
    pub second_factor: bool,
}

impl Holder {
    /// Whether the holder must still enrol a second factor.
    pub fn needs_second_factor(&self, policy: &crate::domain::MfaPolicy) -> bool {
        !self.second_factor && policy.requires(self.org_kind, self.role)
    }
}

/// Exchanges a refresh token for the next one. `Ok(Err(why))`: refused, but what was written
/// (a whole family revoked after a replay) is committed.
pub async fn rotate(
    conn: &mut Conn,
    meta: &RequestMeta,
    presented: &str,
    next: &str,
    now: DateTime<Utc>,
) -> ApiResult<Result<Holder, &'static str>> {
    let hash = tokens::sha256(presented);
    conn.transaction(async |c| {
        let Some(row) = store::lock_refresh(c, &hash).await? else { return Ok(Err("unknown refresh token")) };
        if row.used_at.is_some() || row.revoked_at.is_some() {
            let revoked = store::revoke_family(c, row.family_id).await?;
            Entry::anonymous(meta, "auth.refresh_reuse")
                .outcome(AuditOutcome::Denied)
                .object("user", row.user_id)
                .by_user(row.user_id, None)
                .details(serde_json::json!({"family_revoked": revoked}))
                .write(c)
                .await?;
            return Ok(Err("refresh token already used or revoked; the session was ended"));
        }
        if row.expires_at <= now {
            return Ok(Err("refresh token expired"));
        }
        let Some(who) = crate::access::store::user_principal(c, row.user_id, Uuid::nil(), None).await? else {
            return Ok(Err("unknown user"));
        };
        if !who.user_active || !who.org_active {
            return Ok(Err("the account or its organisation is deactivated"));
        }
        // Sessions opened before sessions were recorded have no row: they go on until they lapse.
        match store::touch_session(c, row.family_id, meta.client_addr.as_deref()).await? {
            None if store::session_exists(c, row.family_id).await? => return Ok(Err("the session was ended")),
            Some(false) if who.second_factor => {
                return Ok(Err("the session was opened without the second factor you now have; log in again"))
            }
            _ => {}
        }
        store::mark_refresh_used(c, row.id).await?;
        let expires = now + Duration::days(tokens::REFRESH_TTL_DAYS);
        store::insert_refresh(c, row.user_id, row.family_id, &tokens::sha256(next), expires).await?;
        Entry::anonymous(meta, "auth.refresh")
            .object("user", row.user_id)
            .by_user(row.user_id, Some(who.org_id.0))
            .write(c)
            .await?;
        Ok::<_, ApiError>(Ok(Holder {
            user: UserId(row.user_id),
            sid: row.family_id,
            org_id: who.org_id,
            org_kind: who.org_kind,
            role: who.role,
            password_change_required: who.password_change_required,
            second_factor: who.second_factor,
        }))
    })
    .await
}
