//! Who a token or key belongs to, and the count of attempts to prove a password.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::four_eyes::{ApprovalAction, ApprovalRow};
use crate::domain::{ApiKeyId, OrgId, OrgKind, Role};
use crate::kernel::db::schema::{
    api_keys, approvals, login_addresses, login_guard, organizations, revoked_access_tokens, second_factors, sessions,
    users,
};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::kernel::keycache::ApiKeyRecord;

#[derive(Queryable)]
pub struct UserPrincipalRow {
    pub role: Role,
    pub user_active: bool,
    pub sessions_valid_after: Option<chrono::DateTime<chrono::Utc>>,
    pub password_change_required: bool,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub org_active: bool,
    pub revoked: bool,
    /// The token's session was ended (by its user, a logout, or a reset).
    pub session_ended: bool,
    /// The user has a confirmed second factor.
    pub second_factor: bool,
}

/// The user behind an access token, with its organisation and whether the token was revoked.
pub async fn user_principal(
    conn: &mut Conn,
    user: Uuid,
    jti: Uuid,
    sid: Option<Uuid>,
) -> ApiResult<Option<UserPrincipalRow>> {
    Ok(users::table
        .inner_join(organizations::table)
        .filter(users::id.eq(user))
        .select((
            users::role,
            users::active,
            users::sessions_valid_after,
            users::password_change_required,
            organizations::id,
            organizations::kind,
            organizations::active,
            diesel::dsl::exists(revoked_access_tokens::table.filter(revoked_access_tokens::jti.eq(jti))),
            diesel::dsl::exists(
                sessions::table
                    .filter(sessions::id.eq(sid.unwrap_or_default()))
                    .filter(sessions::ended_at.is_not_null()),
            ),
            diesel::dsl::exists(
                second_factors::table
                    .filter(second_factors::user_id.eq(user))
                    .filter(second_factors::confirmed_at.is_not_null()),
            ),
        ))
        .first(conn)
        .await
        .optional()?)
}

/// A console session found by its cookie's secret, with its person and organisation.
#[derive(Queryable, Debug)]
pub struct ConsoleSessionRow {
    pub sid: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ended: bool,
    pub session_second_factor: bool,
    pub csrf_token: Option<String>,
    pub case_reference: Option<String>,
    pub case_purpose: Option<String>,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub notices_opt_out: bool,
    pub role: Role,
    pub user_active: bool,
    pub sessions_valid_after: Option<DateTime<Utc>>,
    pub password_change_required: bool,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub org_active: bool,
    /// The person has a confirmed second factor now.
    pub second_factor: bool,
}

pub async fn console_session(conn: &mut Conn, secret_hash: &[u8]) -> ApiResult<Option<ConsoleSessionRow>> {
    Ok(sessions::table
        .inner_join(users::table.inner_join(organizations::table))
        .filter(sessions::console_secret_hash.eq(secret_hash))
        .select((
            sessions::id,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::ended_at.is_not_null(),
            sessions::second_factor,
            sessions::csrf_token,
            sessions::case_reference,
            sessions::case_purpose,
            users::id,
            users::name,
            users::email,
            users::locale,
            users::time_zone,
            users::notices_opt_out,
            users::role,
            users::active,
            users::sessions_valid_after,
            users::password_change_required,
            organizations::id,
            organizations::name,
            organizations::kind,
            organizations::active,
            diesel::dsl::exists(
                second_factors::table
                    .filter(second_factors::user_id.eq(users::id))
                    .filter(second_factors::confirmed_at.is_not_null()),
            ),
        ))
        .first(conn)
        .await
        .optional()?)
}

/// Ends a console session that lapsed (idle or too old); records when it was last used otherwise.
pub async fn console_seen(conn: &mut Conn, sid: Uuid, lapsed: Option<&str>) -> ApiResult<()> {
    let open = sessions::table.find(sid).filter(sessions::ended_at.is_null());
    match lapsed {
        Some(reason) => {
            diesel::update(open)
                .set((sessions::ended_at.eq(diesel::dsl::now), sessions::ended_reason.eq(reason)))
                .execute(conn)
                .await?
        }
        None => diesel::update(open).set(sessions::last_seen_at.eq(diesel::dsl::now)).execute(conn).await?,
    };
    Ok(())
}

pub async fn api_key_principal(conn: &mut Conn, hash: &[u8]) -> ApiResult<Option<ApiKeyRecord>> {
    Ok(api_keys::table
        .inner_join(organizations::table)
        .filter(api_keys::key_hash.eq(hash))
        .select((
            api_keys::id,
            api_keys::scopes,
            api_keys::expires_at,
            api_keys::revoked_at,
            api_keys::last_used_at,
            organizations::id,
            organizations::kind,
            organizations::active,
            api_keys::allowed_networks,
            api_keys::client_cert_sha256,
        ))
        .first(conn)
        .await
        .optional()?)
}

pub async fn touch_api_key(conn: &mut Conn, id: ApiKeyId) -> ApiResult<()> {
    diesel::update(api_keys::table.find(id)).set(api_keys::last_used_at.eq(diesel::dsl::now)).execute(conn).await?;
    Ok(())
}

/// An attempt's number in its window, and when the window started.
#[derive(QueryableByName, Debug)]
pub struct Counted {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub window_start: DateTime<Utc>,
}

/// Counts one attempt of `email` from `scope` (an address, or `*`) in a window of `window_secs`
/// (a lapsed window starts again), in one statement: parallel attempts each see their number.
pub async fn count_attempt(conn: &mut Conn, email: &str, scope: &str, window_secs: i64) -> ApiResult<Counted> {
    Ok(diesel::sql_query(
        "INSERT INTO login_guard AS g (email, scope, window_start, attempts) VALUES ($1, $2, now(), 1)
         ON CONFLICT (email, scope) DO UPDATE SET
           attempts = CASE WHEN g.window_start <= now() - make_interval(secs => $3) THEN 1 ELSE g.attempts + 1 END,
           window_start = CASE WHEN g.window_start <= now() - make_interval(secs => $3) THEN now() ELSE g.window_start END
         RETURNING attempts, window_start",
    )
    .bind::<diesel::sql_types::Text, _>(email)
    .bind::<diesel::sql_types::Text, _>(scope)
    .bind::<diesel::sql_types::Double, _>(window_secs as f64)
    .get_result(conn)
    .await?)
}

/// Clears the count of `email` from `scope` (after a success).
pub async fn clear_attempts(conn: &mut Conn, email: &str, scope: &str) -> ApiResult<()> {
    diesel::delete(login_guard::table.filter(login_guard::email.eq(email)).filter(login_guard::scope.eq(scope)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Clears every count of `email` (a password reset by an administrator).
pub async fn clear_account(conn: &mut Conn, email: &str) -> ApiResult<()> {
    diesel::delete(login_guard::table.filter(login_guard::email.eq(email))).execute(conn).await?;
    Ok(())
}

/// Whether `email` logged in successfully from `address` within `days`.
pub async fn known_address(conn: &mut Conn, email: &str, address: &str, days: i64) -> ApiResult<bool> {
    let since = Utc::now() - chrono::Duration::days(days);
    Ok(diesel::select(diesel::dsl::exists(
        login_addresses::table
            .filter(login_addresses::email.eq(email))
            .filter(login_addresses::address.eq(address))
            .filter(login_addresses::last_success_at.gt(since)),
    ))
    .get_result(conn)
    .await?)
}

pub async fn remember_address(conn: &mut Conn, email: &str, address: &str) -> ApiResult<()> {
    diesel::insert_into(login_addresses::table)
        .values((login_addresses::email.eq(email), login_addresses::address.eq(address)))
        .on_conflict((login_addresses::email, login_addresses::address))
        .do_update()
        .set(login_addresses::last_success_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes login counts of windows over a day old and addresses unused for 90 days.
pub async fn purge_lapsed(conn: &mut Conn, now: DateTime<Utc>) -> ApiResult<usize> {
    let counts = diesel::delete(login_guard::table.filter(login_guard::window_start.lt(now - Duration::days(1))))
        .execute(conn)
        .await?;
    let addresses =
        diesel::delete(login_addresses::table.filter(login_addresses::last_success_at.lt(now - Duration::days(90))))
            .execute(conn)
            .await?;
    Ok(counts + addresses)
}

pub async fn insert_approval(
    conn: &mut Conn,
    id: Uuid,
    action: ApprovalAction,
    target: Option<Uuid>,
    payload: &serde_json::Value,
    requested_by: Uuid,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<ApprovalRow> {
    Ok(diesel::insert_into(approvals::table)
        .values((
            approvals::id.eq(id),
            approvals::action.eq(action),
            approvals::target_id.eq(target),
            approvals::payload.eq(payload),
            approvals::requested_by.eq(requested_by),
            approvals::expires_at.eq(expires_at),
        ))
        .returning(ApprovalRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The approval, locked until the transaction ends (one decision, however many admins click).
pub async fn lock_approval(conn: &mut Conn, id: Uuid) -> ApiResult<Option<ApprovalRow>> {
    Ok(approvals::table.find(id).for_update().select(ApprovalRow::as_select()).first(conn).await.optional()?)
}

pub async fn get_approval(conn: &mut Conn, id: Uuid) -> ApiResult<Option<ApprovalRow>> {
    Ok(approvals::table.find(id).select(ApprovalRow::as_select()).first(conn).await.optional()?)
}

/// Approvals, newest first; only those still pending (and unexpired) with `pending_only`.
pub async fn list_approvals(conn: &mut Conn, pending_only: bool, limit: i64) -> ApiResult<Vec<ApprovalRow>> {
    let mut q = approvals::table.select(ApprovalRow::as_select()).into_boxed();
    if pending_only {
        q = q.filter(approvals::status.eq("pending")).filter(approvals::expires_at.gt(diesel::dsl::now));
    }
    Ok(q.order(approvals::requested_at.desc()).limit(limit).load(conn).await?)
}

/// Records the decision on a locked, pending approval.
pub async fn decide_approval(
    conn: &mut Conn,
    id: Uuid,
    approved: bool,
    by: Uuid,
    reason: Option<&str>,
    result: Option<Uuid>,
) -> ApiResult<ApprovalRow> {
    Ok(diesel::update(approvals::table.find(id))
        .set((
            approvals::status.eq(if approved { "approved" } else { "rejected" }),
            approvals::decided_by.eq(by),
            approvals::decided_at.eq(diesel::dsl::now),
            approvals::reason.eq(reason),
            approvals::result_id.eq(result),
        ))
        .returning(ApprovalRow::as_returning())
        .get_result(conn)
        .await?)
}
