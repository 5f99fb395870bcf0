use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::domain::OrgId;
use crate::kernel::db::schema::taxii_status;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = taxii_status)]
pub struct StatusRow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub total_count: i32,
    pub successes: serde_json::Value,
    pub failures: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn insert(conn: &mut Conn, row: &StatusRow) -> ApiResult<()> {
    diesel::insert_into(taxii_status::table).values(row).execute(conn).await?;
    Ok(())
}

/// A status of the organisation (another's is not found).
pub async fn get(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<Option<StatusRow>> {
    Ok(taxii_status::table
        .filter(taxii_status::id.eq(id))
        .filter(taxii_status::organization_id.eq(org))
        .select(StatusRow::as_select())
        .first(conn)
        .await
        .optional()?)
}
