//! Session queries: refresh tokens, revoked access tokens, and the purge of bookkeeping rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::kernel::db::schema::{
    login_challenges, recovery_codes, refresh_tokens, revoked_access_tokens, second_factors, sessions,
};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh(
    conn: &mut Conn,
    user: Uuid,
    family: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> ApiResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::now_v7()),
            refresh_tokens::family_id.eq(family),
            refresh_tokens::user_id.eq(user),
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The refresh token with this hash, locked until the transaction ends.
pub async fn lock_refresh(conn: &mut Conn, hash: &[u8]) -> ApiResult<Option<RefreshRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .for_update()
        .select(RefreshRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn mark_refresh_used(conn: &mut Conn, id: Uuid) -> ApiResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_family(conn: &mut Conn, family: Uuid) -> ApiResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family_id.eq(family)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?)
}

pub async fn revoke_user_sessions(conn: &mut Conn, user: Uuid) -> ApiResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?)
}

pub async fn revoke_access_token(conn: &mut Conn, jti: Uuid, expires_at: DateTime<Utc>) -> ApiResult<()> {
    diesel::insert_into(revoked_access_tokens::table)
        .values((revoked_access_tokens::jti.eq(jti), revoked_access_tokens::expires_at.eq(expires_at)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes expired bookkeeping rows (revoked access tokens, lapsed login counts, addresses not
/// used for 90 days, refresh tokens).
pub async fn purge_expired(conn: &mut Conn) -> ApiResult<usize> {
    let now = Utc::now();
    let a = diesel::delete(revoked_access_tokens::table.filter(revoked_access_tokens::expires_at.lt(now)))
        .execute(conn)
        .await?;
    let b = crate::access::store::purge_lapsed(conn, now).await?;
    let c =
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now - chrono::Duration::days(1))))
            .execute(conn)
            .await?;
    let d = diesel::delete(login_challenges::table.filter(login_challenges::expires_at.lt(now))).execute(conn).await?;
    let e =
        diesel::delete(sessions::table.filter(
            sessions::last_seen_at.lt(now - chrono::Duration::days(crate::kernel::tokens::REFRESH_TTL_DAYS + 90)),
        ))
        .execute(conn)
        .await?;
    Ok(a + b + c + d + e)
}

/// A session as its user lists it.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_addr: Option<String>,
    pub second_factor: bool,
}

pub async fn insert_session(
    conn: &mut Conn,
    id: Uuid,
    user: Uuid,
    client_addr: Option<&str>,
    second_factor: bool,
) -> ApiResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user),
            sessions::client_addr.eq(client_addr),
            sessions::second_factor.eq(second_factor),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a console session its cookie secret (hashed) and CSRF token.
pub async fn set_console_secret(conn: &mut Conn, id: Uuid, secret_hash: &[u8], csrf: &str) -> ApiResult<()> {
    diesel::update(sessions::table.find(id))
        .set((sessions::console_secret_hash.eq(secret_hash), sessions::csrf_token.eq(csrf)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a refresh of the session: whether it was opened with a second factor, or `None`
/// when it was ended (or never recorded).
pub async fn touch_session(conn: &mut Conn, id: Uuid, client_addr: Option<&str>) -> ApiResult<Option<bool>> {
    Ok(diesel::update(sessions::table.find(id).filter(sessions::ended_at.is_null()))
        .set((sessions::last_seen_at.eq(diesel::dsl::now), sessions::client_addr.eq(client_addr)))
        .returning(sessions::second_factor)
        .get_result(conn)
        .await
        .optional()?)
}

/// The user's open sessions (refreshed within the refresh tokens' lifetime), newest first.
pub async fn open_sessions(conn: &mut Conn, user: Uuid, since: DateTime<Utc>) -> ApiResult<Vec<SessionRow>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::last_seen_at.gt(since))
        .order(sessions::created_at.desc())
        .limit(500)
        .select(SessionRow::as_select())
        .load(conn)
        .await?)
}

/// Ends one session of `user` and revokes its refresh tokens; false when it is not theirs or
/// already ended.
pub async fn end_session(conn: &mut Conn, user: Uuid, id: Uuid, reason: &str) -> ApiResult<bool> {
    let n = diesel::update(
        sessions::table.find(id).filter(sessions::user_id.eq(user)).filter(sessions::ended_at.is_null()),
    )
    .set((sessions::ended_at.eq(diesel::dsl::now), sessions::ended_reason.eq(reason)))
    .execute(conn)
    .await?;
    if n == 1 {
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(id))
                .filter(refresh_tokens::user_id.eq(user))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    }
    Ok(n == 1)
}

/// A user's TOTP factor: the sealed secret, whether confirmed, the last step accepted.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = second_factors)]
pub struct FactorRow {
    pub secret: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_step: i64,
    /// While pending: the session that started the enrolment (only it confirms it).
    pub session_id: Option<Uuid>,
}

pub async fn factor(conn: &mut Conn, user: Uuid) -> ApiResult<Option<FactorRow>> {
    Ok(second_factors::table.find(user).select(FactorRow::as_select()).first(conn).await.optional()?)
}

/// Starts (or restarts) an enrolment in `session`: a new secret, not active until confirmed in
/// that session. Refused (false) while a confirmed factor exists, and while an enrolment
/// started by another session is pending: until that session has ended and
/// `PENDING_BINDING_MINUTES` have passed since the start (a stolen password must not replace the
/// owner's pending secret, even by ending the owner's session first).
/// Minutes a pending enrolment stays its session's after that session ended.
pub const PENDING_BINDING_MINUTES: i32 = 15;

pub async fn start_factor(conn: &mut Conn, user: Uuid, sealed_secret: &str, session: Option<Uuid>) -> ApiResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO second_factors (user_id, secret, session_id) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = 0, \
           session_id = EXCLUDED.session_id \
         WHERE second_factors.confirmed_at IS NULL \
           AND (second_factors.session_id IS NOT DISTINCT FROM EXCLUDED.session_id \
                OR second_factors.session_id IS NULL \
                OR (second_factors.created_at < now() - make_interval(mins => $4) \
                    AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = second_factors.session_id AND s.ended_at IS NULL)))",
    )
    .bind::<diesel::sql_types::Uuid, _>(user)
    .bind::<diesel::sql_types::Text, _>(sealed_secret)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(session)
    .bind::<diesel::sql_types::Integer, _>(PENDING_BINDING_MINUTES)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Takes TOTP step `step` for the user, confirming the factor if `confirm`; false when that
/// step or a later one was taken already (a code is used once, even by parallel requests).
pub async fn take_step(conn: &mut Conn, user: Uuid, step: i64, confirm: bool) -> ApiResult<bool> {
    let target = second_factors::table.find(user).filter(second_factors::last_step.lt(step));
    let n = if confirm {
        diesel::update(target.filter(second_factors::confirmed_at.is_null()))
            .set((second_factors::last_step.eq(step), second_factors::confirmed_at.eq(diesel::dsl::now)))
            .execute(conn)
            .await?
    } else {
        diesel::update(target.filter(second_factors::confirmed_at.is_not_null()))
            .set(second_factors::last_step.eq(step))
            .execute(conn)
            .await?
    };
    Ok(n == 1)
}

/// Replaces the user's recovery codes.
pub async fn replace_recovery_codes(conn: &mut Conn, user: Uuid, hashes: &[Vec<u8>]) -> ApiResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn).await?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|h| {
            (recovery_codes::id.eq(Uuid::now_v7()), recovery_codes::user_id.eq(user), recovery_codes::code_hash.eq(h))
        })
        .collect();
    diesel::insert_into(recovery_codes::table).values(&rows).execute(conn).await?;
    Ok(())
}

/// Uses a recovery code once; false when it is unknown or used.
pub async fn use_recovery_code(conn: &mut Conn, user: Uuid, hash: &[u8]) -> ApiResult<bool> {
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

pub async fn unused_recovery_codes(conn: &mut Conn, user: Uuid) -> ApiResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// Opens the second step of a login.
pub async fn insert_challenge(conn: &mut Conn, hash: &[u8], user: Uuid, expires_at: DateTime<Utc>) -> ApiResult<()> {
    diesel::insert_into(login_challenges::table)
        .values((
            login_challenges::token_hash.eq(hash),
            login_challenges::user_id.eq(user),
            login_challenges::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts one try of a challenge before its code is checked, atomically: the user it is for,
/// while it is unused, unexpired and within its tries (parallel tries cannot exceed them).
pub async fn try_challenge(conn: &mut Conn, hash: &[u8], max_tries: i32) -> ApiResult<Option<Uuid>> {
    Ok(diesel::update(
        login_challenges::table
            .find(hash)
            .filter(login_challenges::used_at.is_null())
            .filter(login_challenges::expires_at.gt(diesel::dsl::now))
            .filter(login_challenges::attempts.lt(max_tries)),
    )
    .set(login_challenges::attempts.eq(login_challenges::attempts + 1))
    .returning(login_challenges::user_id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Uses the challenge up; false when another request did first.
pub async fn consume_challenge(conn: &mut Conn, hash: &[u8]) -> ApiResult<bool> {
    let n = diesel::update(login_challenges::table.find(hash).filter(login_challenges::used_at.is_null()))
        .set(login_challenges::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn session_exists(conn: &mut Conn, id: Uuid) -> ApiResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(sessions::table.find(id))).get_result(conn).await?)
}

/// Codes a second factor may be tried with per hour, across login tokens.
pub const CODE_TRIES_PER_HOUR: i32 = 10;

/// Counts one code tried against the user's second factor before it is checked; the tries in
/// the current hour (the first try after an hour starts a new one) and when that hour ends.
pub async fn count_code_try(conn: &mut Conn, user: Uuid) -> ApiResult<Option<(i32, DateTime<Utc>)>> {
    #[derive(QueryableByName)]
    struct Tries {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        code_tries: i32,
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        until: DateTime<Utc>,
    }
    let row: Option<Tries> = diesel::sql_query(
        "UPDATE second_factors SET \
           code_tries = CASE WHEN code_tries_since > now() - interval '1 hour' THEN code_tries + 1 ELSE 1 END, \
           code_tries_since = CASE WHEN code_tries_since > now() - interval '1 hour' THEN code_tries_since ELSE now() END \
         WHERE user_id = $1 RETURNING code_tries, code_tries_since + interval '1 hour' AS until",
    )
    .bind::<diesel::sql_types::Uuid, _>(user)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| (r.code_tries, r.until)))
}

/// When the user's second factor opens again, if its tries of this hour are used up.
pub async fn code_tries_exhausted(conn: &mut Conn, user: Uuid) -> ApiResult<Option<DateTime<Utc>>> {
    let row: Option<(i32, Option<DateTime<Utc>>)> = second_factors::table
        .find(user)
        .select((second_factors::code_tries, second_factors::code_tries_since))
        .first(conn)
        .await
        .optional()?;
    let now = Utc::now();
    Ok(row.and_then(|(tries, since)| {
        let until = since? + chrono::Duration::hours(1);
        (tries >= CODE_TRIES_PER_HOUR && until > now).then_some(until)
    }))
}

/// A right code clears the count.
pub async fn clear_code_tries(conn: &mut Conn, user: Uuid) -> ApiResult<()> {
    diesel::update(second_factors::table.find(user)).set(second_factors::code_tries.eq(0)).execute(conn).await?;
    Ok(())
}

/// Ends every session of the user but `keep`, and revokes their refresh tokens (a second
/// factor was just confirmed: sessions opened with the password alone end).
pub async fn end_other_sessions(conn: &mut Conn, user: Uuid, keep: Option<Uuid>, reason: &str) -> ApiResult<usize> {
    let keep = keep.unwrap_or_default();
    let ended: Vec<Uuid> = diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::ended_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set((sessions::ended_at.eq(diesel::dsl::now), sessions::ended_reason.eq(reason)))
    .returning(sessions::id)
    .get_results(conn)
    .await?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::family_id.ne(keep))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    diesel::update(sessions::table.find(keep)).set(sessions::second_factor.eq(true)).execute(conn).await?;
    Ok(ended.len())
}

/// Sets (or, with `None`, clears) a console session's current case: its reference and purpose.
pub async fn set_console_case(conn: &mut Conn, sid: Uuid, case: Option<(&str, &str)>) -> ApiResult<()> {
    diesel::update(sessions::table.find(sid).filter(sessions::ended_at.is_null()))
        .set((sessions::case_reference.eq(case.map(|c| c.0)), sessions::case_purpose.eq(case.map(|c| c.1))))
        .execute(conn)
        .await?;
    Ok(())
}
