use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{HoldObject, HoldRow};
use crate::domain::report::Viewer;
use crate::domain::OrgId;
use crate::kernel::db::schema::{data_requests, fraud_alerts, legal_holds, reports};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// Whether the object exists and is the viewer's to hold: a report it may see, any trace (the
/// public sector reads every trace), a request it issued or validates. The object is locked
/// (shared) until the transaction ends, so a purge that has not deleted it yet waits and then
/// sees the hold.
pub async fn lock_holdable(conn: &mut Conn, v: &Viewer, object: HoldObject, id: Uuid) -> ApiResult<bool> {
    Ok(match object {
        HoldObject::Report => reports::table
            .filter(reports::id.eq(crate::domain::ReportId(id)))
            .filter(crate::reports::store::visible_to(v))
            .for_share()
            .select(reports::id)
            .first::<crate::domain::ReportId>(conn)
            .await
            .optional()?
            .is_some(),
        HoldObject::Trace => {
            v.public_sector
                && !fraud_alerts::table
                    .filter(fraud_alerts::trace_id.eq(id))
                    .for_share()
                    .select(fraud_alerts::id)
                    .load::<crate::domain::AlertId>(conn)
                    .await?
                    .is_empty()
        }
        HoldObject::DataRequest => data_requests::table
            .filter(data_requests::id.eq(id))
            .filter(data_requests::issuer_org_id.eq(v.org_id).or(data_requests::validator_org_id.eq(v.org_id)))
            .for_share()
            .select(data_requests::id)
            .first::<Uuid>(conn)
            .await
            .optional()?
            .is_some(),
    })
}

pub async fn insert(conn: &mut Conn, row: &HoldRow) -> ApiResult<HoldRow> {
    Ok(diesel::insert_into(legal_holds::table).values(row).returning(HoldRow::as_returning()).get_result(conn).await?)
}

/// A hold of `org` (others' holds are not theirs to see or lift), locked.
pub async fn lock_own(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<Option<HoldRow>> {
    Ok(legal_holds::table
        .filter(legal_holds::id.eq(id))
        .filter(legal_holds::organization_id.eq(org))
        .for_update()
        .select(HoldRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn lift(conn: &mut Conn, id: Uuid, by: Option<Uuid>, reason: &str) -> ApiResult<HoldRow> {
    Ok(diesel::update(legal_holds::table.find(id))
        .set((
            legal_holds::lifted_at.eq(diesel::dsl::now),
            legal_holds::lifted_by.eq(by),
            legal_holds::lift_reason.eq(reason),
        ))
        .returning(HoldRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Holds, newest first (ids are time-ordered), of one organisation or all.
pub async fn list(
    conn: &mut Conn,
    org: Option<OrgId>,
    object: Option<(Option<HoldObject>, Option<Uuid>)>,
    active: Option<bool>,
    before: Option<Uuid>,
    limit: i64,
) -> ApiResult<Vec<HoldRow>> {
    let mut q = legal_holds::table.select(HoldRow::as_select()).into_boxed();
    if let Some(org) = org {
        q = q.filter(legal_holds::organization_id.eq(org));
    }
    if let Some((t, id)) = object {
        if let Some(t) = t {
            q = q.filter(legal_holds::object_type.eq(t));
        }
        if let Some(id) = id {
            q = q.filter(legal_holds::object_id.eq(id));
        }
    }
    match active {
        Some(true) => q = q.filter(legal_holds::lifted_at.is_null()),
        Some(false) => q = q.filter(legal_holds::lifted_at.is_not_null()),
        None => {}
    }
    if let Some(b) = before {
        q = q.filter(legal_holds::id.lt(b));
    }
    Ok(q.order(legal_holds::id.desc()).limit(limit + 1).load(conn).await?)
}

/// Active holds on any of the objects (for the subject access export).
pub async fn on_objects(conn: &mut Conn, ids: &[Uuid]) -> ApiResult<Vec<HoldRow>> {
    Ok(legal_holds::table
        .filter(legal_holds::object_id.eq_any(ids))
        .order(legal_holds::id)
        .select(HoldRow::as_select())
        .load(conn)
        .await?)
}
