//! Who a token or key belongs to.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::domain::{ApiKeyId, OrgId, OrgKind, Role};
use crate::kernel::db::schema::{api_keys, organizations, revoked_access_tokens, users};
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
}

/// The user behind an access token, with its organisation and whether the token was revoked.
pub async fn user_principal(conn: &mut Conn, user: Uuid, jti: Uuid) -> ApiResult<Option<UserPrincipalRow>> {
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
        ))
        .first(conn)
        .await
        .optional()?)
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
        ))
        .first(conn)
        .await
        .optional()?)
}

pub async fn touch_api_key(conn: &mut Conn, id: ApiKeyId) -> ApiResult<()> {
    diesel::update(api_keys::table.find(id)).set(api_keys::last_used_at.eq(diesel::dsl::now)).execute(conn).await?;
    Ok(())
}
