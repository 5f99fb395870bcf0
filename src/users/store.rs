//! User queries.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{NewUser, UserChanges, UserRow};
use crate::domain::{OrgId, UserId};
use crate::kernel::db::schema::{recovery_codes, refresh_tokens, second_factors, sessions, users};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn insert(conn: &mut Conn, user: &NewUser) -> ApiResult<UserRow> {
    Ok(diesel::insert_into(users::table).values(user).returning(UserRow::as_returning()).get_result(conn).await?)
}

pub async fn get(conn: &mut Conn, id: UserId) -> ApiResult<Option<UserRow>> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn).await.optional()?)
}

pub async fn lock(conn: &mut Conn, id: UserId) -> ApiResult<Option<UserRow>> {
    Ok(users::table.find(id).for_update().select(UserRow::as_select()).first(conn).await.optional()?)
}

pub async fn by_email(conn: &mut Conn, email: &str) -> ApiResult<Option<UserRow>> {
    Ok(users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email)
                .sql(")"),
        )
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Users of an organisation by e-mail, after the cursor (lower-cased e-mail, id).
pub async fn list_by_org(
    conn: &mut Conn,
    org: OrgId,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<UserRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text, Uuid as SqlUuid};
    let mut q = users::table.filter(users::organization_id.eq(org)).select(UserRow::as_select()).into_boxed();
    if let Some((email, id)) = after {
        q = q.filter(
            sql::<Bool>("(lower(email), id) > (").bind::<Text, _>(email).sql(", ").bind::<SqlUuid, _>(id).sql(")"),
        );
    }
    Ok(q.order((sql::<Text>("lower(email)"), users::id)).limit(limit + 1).load(conn).await?)
}

pub async fn update(conn: &mut Conn, id: UserId, changes: &UserChanges) -> ApiResult<UserRow> {
    Ok(diesel::update(users::table.find(id))
        .set((changes, users::version.eq(users::version + 1), users::updated_at.eq(diesel::dsl::now)))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sets a new password hash and ends every session of the user: refresh tokens revoked, access
/// tokens issued before now refused.
pub async fn set_password(conn: &mut Conn, id: UserId, hash: &str) -> ApiResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_change_required.eq(false),
            users::sessions_valid_after.eq(diesel::dsl::now),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    end_sessions(conn, id, "password_changed").await
}

/// Marks every open session of the user ended (its access tokens are refused from now on).
pub async fn end_sessions(conn: &mut Conn, id: UserId, reason: &str) -> ApiResult<()> {
    diesel::update(sessions::table.filter(sessions::user_id.eq(id)).filter(sessions::ended_at.is_null()))
        .set((sessions::ended_at.eq(diesel::dsl::now), sessions::ended_reason.eq(reason)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the user's second factor and recovery codes (an administrator's reset) and ends
/// every session of the user; false when there was none.
pub async fn delete_second_factor(conn: &mut Conn, id: UserId) -> ApiResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(id))).execute(conn).await?;
    let removed = diesel::delete(second_factors::table.find(id)).execute(conn).await? == 1;
    diesel::update(users::table.find(id)).set(users::sessions_valid_after.eq(diesel::dsl::now)).execute(conn).await?;
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    end_sessions(conn, id, "second_factor_reset").await?;
    Ok(removed)
}

/// Gives a user fresh credentials: a new password to be changed at the first login, no second
/// factor, every session ended.
pub async fn reset_credentials(conn: &mut Conn, id: UserId, hash: &str) -> ApiResult<()> {
    set_password(conn, id, hash).await?;
    diesel::update(users::table.find(id)).set(users::password_change_required.eq(true)).execute(conn).await?;
    delete_second_factor(conn, id).await?;
    Ok(())
}

pub async fn touch_login(conn: &mut Conn, id: UserId) -> ApiResult<()> {
    diesel::update(users::table.find(id)).set(users::last_login_at.eq(diesel::dsl::now)).execute(conn).await?;
    Ok(())
}
