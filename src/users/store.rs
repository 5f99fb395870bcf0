//! User queries.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::enrolment::{self, EnrolmentPurpose};
use super::model::{NewUser, UserChanges, UserRow};
use crate::domain::{OrgId, UserId};
use crate::kernel::db::schema::{enrolments, recovery_codes, refresh_tokens, second_factors, sessions, users};
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

/// What the rules about people need to know of their organisation: its kind, whether it is
/// active, and how many active org_admins it has.
#[derive(Debug, Clone, Copy)]
pub struct OrgFacts {
    pub kind: crate::domain::OrgKind,
    pub active: bool,
    pub active_admins: i64,
}

pub async fn org_facts(conn: &mut Conn, org: OrgId) -> ApiResult<Option<OrgFacts>> {
    use crate::kernel::db::schema::organizations;
    let Some((kind, active)) = organizations::table
        .find(org)
        .select((organizations::kind, organizations::active))
        .first::<(crate::domain::OrgKind, bool)>(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let active_admins = users::table
        .filter(users::organization_id.eq(org))
        .filter(users::role.eq(crate::domain::Role::OrgAdmin))
        .filter(users::active)
        .count()
        .get_result(conn)
        .await?;
    Ok(Some(OrgFacts { kind, active, active_admins }))
}

/// Locks the organisation's row until the transaction ends (two changes to who administers it
/// are decided one after the other).
pub async fn lock_org(conn: &mut Conn, org: OrgId) -> ApiResult<()> {
    use crate::kernel::db::schema::organizations;
    organizations::table.find(org).select(organizations::id).for_update().first::<OrgId>(conn).await?;
    Ok(())
}

/// Whether the user has a confirmed second factor.
pub async fn has_second_factor(conn: &mut Conn, id: UserId) -> ApiResult<bool> {
    Ok(second_factors::table
        .find(id)
        .filter(second_factors::confirmed_at.is_not_null())
        .count()
        .get_result::<i64>(conn)
        .await?
        == 1)
}

/// Takes the user's password away (a reset by link): nobody can log in with it, every session
/// ends. The second factor stays.
pub async fn clear_password(conn: &mut Conn, id: UserId) -> ApiResult<()> {
    set_password(conn, id, "").await
}

/// A stored enrolment link.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = enrolments)]
pub struct EnrolmentRow {
    pub id: Uuid,
    pub user_id: UserId,
    pub purpose: EnrolmentPurpose,
    pub created_by: Option<Uuid>,
    pub approval_id: Option<Uuid>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Stores a new link for `user` under `key`, ending any unused earlier one; returns when it
/// expires.
pub async fn insert_enrolment(
    conn: &mut Conn,
    user: UserId,
    key: &[u8],
    purpose: EnrolmentPurpose,
    created_by: Option<UserId>,
    approval: Option<Uuid>,
) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    revoke_enrolments(conn, user).await?;
    let expires_at = chrono::Utc::now() + chrono::Duration::hours(enrolment::VALID_HOURS);
    diesel::insert_into(enrolments::table)
        .values((
            enrolments::id.eq(Uuid::now_v7()),
            enrolments::user_id.eq(user),
            enrolments::token_hash.eq(key),
            enrolments::purpose.eq(purpose),
            enrolments::created_by.eq(created_by.map(|u| u.0)),
            enrolments::approval_id.eq(approval),
            enrolments::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(expires_at)
}

/// Ends the user's unused links (a newer one, or the account's deactivation).
pub async fn revoke_enrolments(conn: &mut Conn, user: UserId) -> ApiResult<()> {
    diesel::update(
        enrolments::table
            .filter(enrolments::user_id.eq(user))
            .filter(enrolments::redeemed_at.is_null())
            .filter(enrolments::revoked_at.is_null()),
    )
    .set(enrolments::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whose usable link (unused, unrevoked, unexpired) is stored under `key`, if any.
pub async fn usable_enrolment(conn: &mut Conn, key: &[u8]) -> ApiResult<Option<UserId>> {
    Ok(enrolments::table
        .filter(enrolments::token_hash.eq(key))
        .filter(enrolments::redeemed_at.is_null())
        .filter(enrolments::revoked_at.is_null())
        .filter(enrolments::expires_at.gt(diesel::dsl::now))
        .select(enrolments::user_id)
        .first(conn)
        .await
        .optional()?)
}

/// Spends `user`'s usable link stored under `key`, once however many try at the same time;
/// `None` when there is none.
pub async fn redeem_enrolment(conn: &mut Conn, key: &[u8], user: UserId) -> ApiResult<Option<EnrolmentRow>> {
    Ok(diesel::update(
        enrolments::table
            .filter(enrolments::token_hash.eq(key))
            .filter(enrolments::user_id.eq(user))
            .filter(enrolments::redeemed_at.is_null())
            .filter(enrolments::revoked_at.is_null())
            .filter(enrolments::expires_at.gt(diesel::dsl::now)),
    )
    .set(enrolments::redeemed_at.eq(diesel::dsl::now))
    .returning(EnrolmentRow::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Days within which one administrator may not do both halves of an account takeover: reset a
/// person's second factor and send them a password link.
pub const RESET_SEPARATION_DAYS: i64 = 7;

/// Whether `actor` reset `user`'s second factor within `RESET_SEPARATION_DAYS`.
pub async fn reset_second_factor_recently(conn: &mut Conn, user: UserId, actor: Uuid) -> ApiResult<bool> {
    recent_audit(conn, "user.second_factor_reset", user, actor).await
}

/// Whether `actor` sent `user` a password link within `RESET_SEPARATION_DAYS`.
pub async fn sent_password_link_recently(conn: &mut Conn, user: UserId, actor: Uuid) -> ApiResult<bool> {
    recent_audit(conn, "user.enrolment_link", user, actor).await
}

async fn recent_audit(conn: &mut Conn, action: &str, user: UserId, actor: Uuid) -> ApiResult<bool> {
    use crate::kernel::db::schema::audit_events;
    Ok(audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::outcome.eq("ok"))
        .filter(audit_events::object_type.eq("user"))
        .filter(audit_events::object_id.eq(user.0.to_string()))
        .filter(audit_events::user_id.eq(actor))
        .filter(audit_events::at.gt(chrono::Utc::now() - chrono::Duration::days(RESET_SEPARATION_DAYS)))
        .count()
        .get_result::<i64>(conn)
        .await?
        > 0)
}

/// Ends the unused links of every user of `org` (its deactivation).
pub async fn revoke_org_enrolments(conn: &mut Conn, org: OrgId) -> ApiResult<()> {
    diesel::update(
        enrolments::table
            .filter(enrolments::user_id.eq_any(users::table.filter(users::organization_id.eq(org)).select(users::id)))
            .filter(enrolments::redeemed_at.is_null())
            .filter(enrolments::revoked_at.is_null()),
    )
    .set(enrolments::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

/// What a person's preferences are set to.
pub struct PreferencesChange<'a> {
    /// `Some(None)`: back to the browser's language.
    pub locale: Option<Option<&'a str>>,
    /// `Some(None)`: back to the platform's zone.
    pub time_zone: Option<Option<&'a str>>,
    pub opt_out: Option<bool>,
}

/// Sets what `change` names; the preferences after (language, zone, opt-out).
pub async fn set_preferences(
    conn: &mut Conn,
    id: UserId,
    change: PreferencesChange<'_>,
) -> ApiResult<(Option<String>, Option<String>, bool)> {
    if let Some(locale) = change.locale {
        diesel::update(users::table.find(id)).set(users::locale.eq(locale)).execute(conn).await?;
    }
    if let Some(zone) = change.time_zone {
        diesel::update(users::table.find(id)).set(users::time_zone.eq(zone)).execute(conn).await?;
    }
    if let Some(opt_out) = change.opt_out {
        diesel::update(users::table.find(id)).set(users::notices_opt_out.eq(opt_out)).execute(conn).await?;
    }
    Ok(users::table.find(id).select((users::locale, users::time_zone, users::notices_opt_out)).first(conn).await?)
}
