//! Webhook queries, including the delivery worker's claims (`FOR UPDATE SKIP LOCKED`, so
//! several instances never send the same delivery at once).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{AttemptRow, DeliveryRow, Due, WebhookRow};
use crate::db::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhooks};
use crate::db::Conn;
use crate::error::ApiResult;

pub async fn insert(conn: &mut Conn, row: &WebhookRow) -> ApiResult<WebhookRow> {
    Ok(diesel::insert_into(webhooks::table).values(row).returning(WebhookRow::as_returning()).get_result(conn).await?)
}

pub async fn get(conn: &mut Conn, org: Uuid, id: Uuid) -> ApiResult<Option<WebhookRow>> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::organization_id.eq(org))
        .select(WebhookRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn list(conn: &mut Conn, org: Uuid) -> ApiResult<Vec<WebhookRow>> {
    Ok(webhooks::table
        .filter(webhooks::organization_id.eq(org))
        .order(webhooks::id.desc())
        .select(WebhookRow::as_select())
        .load(conn)
        .await?)
}

pub async fn update(
    conn: &mut Conn,
    id: Uuid,
    url: Option<&str>,
    event_types: Option<&[String]>,
    active: Option<bool>,
) -> ApiResult<WebhookRow> {
    let mut row: WebhookRow = diesel::update(webhooks::table.find(id))
        .set((webhooks::version.eq(webhooks::version + 1), webhooks::updated_at.eq(diesel::dsl::now)))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
        .await?;
    if let Some(url) = url {
        row = diesel::update(webhooks::table.find(id))
            .set(webhooks::url.eq(url))
            .returning(WebhookRow::as_returning())
            .get_result(conn)
            .await?;
    }
    if let Some(types) = event_types {
        row = diesel::update(webhooks::table.find(id))
            .set(webhooks::event_types.eq(types))
            .returning(WebhookRow::as_returning())
            .get_result(conn)
            .await?;
    }
    if let Some(active) = active {
        // Re-enabling starts afresh.
        row = diesel::update(webhooks::table.find(id))
            .set((
                webhooks::active.eq(active),
                webhooks::disabled_reason.eq(None::<String>),
                webhooks::consecutive_failures.eq(0),
            ))
            .returning(WebhookRow::as_returning())
            .get_result(conn)
            .await?;
    }
    Ok(row)
}

pub async fn delete(conn: &mut Conn, org: Uuid, id: Uuid) -> ApiResult<bool> {
    Ok(diesel::delete(webhooks::table.filter(webhooks::id.eq(id)).filter(webhooks::organization_id.eq(org)))
        .execute(conn)
        .await?
        > 0)
}

/// Deliveries of a webhook newest first, after the cursor (created_at, id), with the event.
pub async fn deliveries(
    conn: &mut Conn,
    webhook: Uuid,
    status: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<(DeliveryRow, Uuid, String)>> {
    let mut q = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select((DeliveryRow::as_select(), outbox_events::event_id, outbox_events::type_))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s.to_string()));
    }
    if let Some((t, id)) = before {
        q = q.filter(
            webhook_deliveries::created_at
                .lt(t)
                .or(webhook_deliveries::created_at.eq(t).and(webhook_deliveries::id.lt(id))),
        );
    }
    Ok(q.order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .limit(limit + 1)
        .load(conn)
        .await?)
}

pub async fn attempts_of(conn: &mut Conn, deliveries: &[Uuid]) -> ApiResult<Vec<AttemptRow>> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(deliveries))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)
        .await?)
}

/// Makes a delivery of an outbox event to one webhook (the test ping).
pub async fn insert_delivery(conn: &mut Conn, webhook: Uuid, outbox_id: i64) -> ApiResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(Uuid::now_v7()),
            webhook_deliveries::webhook_id.eq(webhook),
            webhook_deliveries::outbox_id.eq(outbox_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims up to `limit` due deliveries for 60 s and counts the attempt.
pub async fn claim_due(conn: &mut Conn, limit: i64) -> ApiResult<Vec<Due>> {
    let ids: Vec<Uuid> = diesel::sql_query(
        "UPDATE webhook_deliveries SET claimed_until = now() + interval '60 seconds', attempts = attempts + 1
         WHERE id IN (SELECT id FROM webhook_deliveries
                      WHERE status = 'pending' AND next_attempt_at <= now()
                        AND (claimed_until IS NULL OR claimed_until < now())
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load::<ClaimedId>(conn)
    .await?
    .into_iter()
    .map(|c| c.id)
    .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            webhook_deliveries::created_at,
            webhooks::id,
            webhooks::url,
            webhooks::secret,
            outbox_events::event_id,
            outbox_events::type_,
            outbox_events::created_at,
            outbox_events::payload,
        ))
        .load(conn)
        .await?)
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

pub async fn log_attempt(
    conn: &mut Conn,
    delivery: Uuid,
    status: Option<i32>,
    error: Option<&str>,
    duration_ms: i32,
) -> ApiResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(delivery),
            webhook_attempts::status.eq(status),
            webhook_attempts::error.eq(error),
            webhook_attempts::duration_ms.eq(duration_ms),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_delivered(conn: &mut Conn, delivery: Uuid, webhook: Uuid, status: i32) -> ApiResult<()> {
    diesel::update(webhook_deliveries::table.find(delivery))
        .set((
            webhook_deliveries::status.eq("delivered"),
            webhook_deliveries::delivered_at.eq(diesel::dsl::now),
            webhook_deliveries::last_status.eq(Some(status)),
            webhook_deliveries::last_error.eq(None::<String>),
            webhook_deliveries::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    diesel::update(webhooks::table.find(webhook)).set(webhooks::consecutive_failures.eq(0)).execute(conn).await?;
    Ok(())
}

/// Schedules the next attempt, or gives up (`failed`) and disables the endpoint with a reason.
pub async fn mark_failed(
    conn: &mut Conn,
    delivery: Uuid,
    webhook: Uuid,
    status: Option<i32>,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    let base = diesel::update(webhook_deliveries::table.find(delivery));
    match next {
        Some(at) => {
            base.set((
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(error),
                webhook_deliveries::claimed_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?
        }
        None => {
            base.set((
                webhook_deliveries::status.eq("failed"),
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(error),
                webhook_deliveries::claimed_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?
        }
    };
    diesel::update(webhooks::table.find(webhook))
        .set(webhooks::consecutive_failures.eq(webhooks::consecutive_failures + 1))
        .execute(conn)
        .await?;
    if next.is_none() {
        diesel::update(webhooks::table.find(webhook))
            .set((
                webhooks::active.eq(false),
                webhooks::disabled_reason.eq(format!("deliveries failed for 24 hours; last error: {error}")),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}
