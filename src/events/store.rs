//! Outbox queries.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::EventType;
use crate::domain::OrgId;
use crate::kernel::db::schema::outbox_events;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn insert(
    conn: &Conn,
    kind: EventType,
    recipient: OrgId,
    payload: &serde_json::Value,
) -> ApiResult<(i64, Uuid)> {
    Ok(diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_id.eq(Uuid::new_v4()),
            outbox_events::type_.eq(kind),
            outbox_events::recipient_org_id.eq(recipient),
            outbox_events::payload.eq(payload),
        ))
        .returning((outbox_events::id, outbox_events::event_id))
        .get_result(&mut &*conn)
        .await?)
}

pub async fn insert_many(conn: &Conn, kind: EventType, events: &[(OrgId, serde_json::Value)]) -> ApiResult<usize> {
    let rows: Vec<_> = events
        .iter()
        .map(|(recipient, payload)| {
            (
                outbox_events::event_id.eq(Uuid::new_v4()),
                outbox_events::type_.eq(kind),
                outbox_events::recipient_org_id.eq(*recipient),
                outbox_events::payload.eq(payload),
            )
        })
        .collect();
    Ok(diesel::insert_into(outbox_events::table).values(&rows).execute(&mut &*conn).await?)
}

#[derive(Queryable, Debug)]
pub struct EventRow {
    pub id: i64,
    pub event_id: Uuid,
    pub type_: EventType,
    pub payload: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// `org`'s events after `after`, oldest first, up to the commit horizon (an event whose
/// predecessor may still commit is held back, so a cursor never skips one).
pub async fn feed(
    conn: &mut Conn,
    org: OrgId,
    after: i64,
    types: &[EventType],
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    let horizon = crate::kernel::db::commit_horizon(conn).await?;
    let mut q = outbox_events::table
        .filter(outbox_events::recipient_org_id.eq(org))
        .filter(outbox_events::id.gt(after))
        .filter(outbox_events::created_at.lt(horizon))
        .select((
            outbox_events::id,
            outbox_events::event_id,
            outbox_events::type_,
            outbox_events::payload,
            outbox_events::created_at,
        ))
        .into_boxed();
    if !types.is_empty() {
        q = q.filter(outbox_events::type_.eq_any(types.to_vec()));
    }
    Ok(q.order(outbox_events::id).limit(limit).load(conn).await?)
}
