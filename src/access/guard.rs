//! The count of attempts to prove a password (login, password change): counted before the
//! password is checked, atomically, per account and client address.

use chrono::{DateTime, Duration, Utc};

use super::store;
use crate::kernel::audit::{AuditOutcome, Entry};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;

/// Attempts allowed per account and client address within the window.
pub const MAX_FAILURES: i32 = 5;
/// Attempts allowed per account from all the addresses it never logged in from, together.
pub const MAX_FROM_UNKNOWN: i32 = 20;
pub const LOCKOUT_WINDOW_MINUTES: i64 = 15;
/// How long an address the account logged in from stays known (open when `*` is locked).
pub const KNOWN_ADDRESS_DAYS: i64 = 30;

/// Counts an attempt to prove `email`'s password before it is checked, atomically, per account
/// and client address, and for addresses the account never logged in from, per account: 429
/// once over the limit (the first refusal of a window is recorded in the audit trail, the
/// next ones are counted in the guard, not written one by one). An address the account
/// logged in from within 30 days is not held by the count of unknown addresses, so an
/// attacker cannot lock an officer out of the desk they work from.
pub async fn admit(conn: &mut Conn, meta: &RequestMeta, email: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let email = &email.trim().to_lowercase();
    let window = Duration::minutes(LOCKOUT_WINDOW_MINUTES);
    let address = meta.client_addr.as_deref().unwrap_or("unknown");
    let mut counts =
        vec![(store::count_attempt(conn, email, address, window.num_seconds()).await?, MAX_FAILURES, address)];
    if !store::known_address(conn, email, address, KNOWN_ADDRESS_DAYS).await? {
        counts.push((store::count_attempt(conn, email, "*", window.num_seconds()).await?, MAX_FROM_UNKNOWN, "*"));
    }
    let Some((counted, limit, scope)) = counts.into_iter().find(|(c, limit, _)| c.attempts > *limit) else {
        return Ok(());
    };
    if counted.attempts == limit + 1 {
        Entry::anonymous(meta, "auth.login_locked")
            .outcome(AuditOutcome::Denied)
            .details(serde_json::json!({"email": email, "scope": scope, "until": counted.window_start + window}))
            .write(conn)
            .await?;
    }
    let retry = (counted.window_start + window - now).num_seconds().max(1) as u64;
    Err(ApiError::TooManyRequests {
        detail: format!("too many attempts for this account from here; try again in {retry} s"),
        retry_after_secs: retry,
        limit: limit as u32,
    })
}

/// After a proven password: this address's count is cleared and the address is known.
pub async fn succeeded(conn: &mut Conn, meta: &RequestMeta, email: &str) -> ApiResult<()> {
    // The same key `admit` counted under (stored e-mails keep the case of their local part).
    let email = &email.trim().to_lowercase();
    let address = meta.client_addr.as_deref().unwrap_or("unknown");
    store::clear_attempts(conn, email, address).await?;
    store::remember_address(conn, email, address).await
}
