//! API key queries.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::{ApiKeyRow, NewApiKey};
use crate::domain::{ApiKeyId, OrgId};
use crate::kernel::db::schema::api_keys;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn insert(conn: &mut Conn, key: &NewApiKey) -> ApiResult<ApiKeyRow> {
    Ok(diesel::insert_into(api_keys::table).values(key).returning(ApiKeyRow::as_returning()).get_result(conn).await?)
}

pub async fn list_by_org(conn: &mut Conn, org: OrgId) -> ApiResult<Vec<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::organization_id.eq(org))
        .order(api_keys::id.desc())
        .select(ApiKeyRow::as_select())
        .load(conn)
        .await?)
}

/// Revokes a key of `org`; `None` when `org` has no such key.
pub async fn revoke(conn: &mut Conn, org: OrgId, id: ApiKeyId) -> ApiResult<Option<ApiKeyRow>> {
    Ok(diesel::update(api_keys::table.filter(api_keys::id.eq(id)).filter(api_keys::organization_id.eq(org)))
        .set(api_keys::revoked_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
            "coalesce(revoked_at, now())",
        )))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// A key's standing purpose (case, until), if it has one.
pub async fn standing_purpose(
    conn: &mut Conn,
    id: ApiKeyId,
) -> ApiResult<Option<(String, chrono::DateTime<chrono::Utc>)>> {
    Ok(api_keys::table
        .find(id)
        .select((api_keys::standing_case_reference, api_keys::standing_purpose_until))
        .first::<(Option<String>, Option<chrono::DateTime<chrono::Utc>>)>(conn)
        .await
        .optional()?
        .and_then(|(case, until)| Some((case?, until?))))
}
