//! Session queries: refresh tokens, revoked access tokens, and the purge of bookkeeping rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::kernel::db::schema::{refresh_tokens, revoked_access_tokens};
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
    Ok(a + b + c)
}
