//! Webhook queries, including the delivery worker's claims (`FOR UPDATE SKIP LOCKED`, so
//! several instances never send the same delivery at once).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{AttemptRow, DeliveryRow, DeliveryStatus, Due, WebhookRow};
use crate::domain::OrgId;
use crate::events::EventType;
use crate::kernel::db::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhooks};
use crate::kernel::db::{self, Conn};
use crate::kernel::error::{ApiError, ApiResult};

pub async fn insert(conn: &mut Conn, row: &WebhookRow) -> ApiResult<WebhookRow> {
    Ok(diesel::insert_into(webhooks::table).values(row).returning(WebhookRow::as_returning()).get_result(conn).await?)
}

pub async fn get(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<Option<WebhookRow>> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::organization_id.eq(org))
        .select(WebhookRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A webhook, locked until the transaction ends.
pub async fn lock(conn: &mut Conn, id: Uuid) -> ApiResult<Option<WebhookRow>> {
    Ok(webhooks::table.find(id).for_update().select(WebhookRow::as_select()).first(conn).await.optional()?)
}

pub async fn list(conn: &mut Conn, org: OrgId) -> ApiResult<Vec<WebhookRow>> {
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
    event_types: Option<&[EventType]>,
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

pub async fn delete(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<bool> {
    Ok(diesel::delete(webhooks::table.filter(webhooks::id.eq(id)).filter(webhooks::organization_id.eq(org)))
        .execute(conn)
        .await?
        > 0)
}

/// Deliveries of a webhook newest first, after the cursor (created_at, id), with the event.
pub async fn deliveries(
    conn: &mut Conn,
    webhook: Uuid,
    status: Option<DeliveryStatus>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<(DeliveryRow, Uuid, EventType)>> {
    let mut q = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select((DeliveryRow::as_select(), outbox_events::event_id, outbox_events::type_))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s));
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

/// Encrypts under the current key the secrets stored before a key was configured and those
/// sealed under the previous key (after a rotation); returns how many, in one transaction.
pub async fn seal_secrets(conn: &mut Conn, secrets: &crate::kernel::secrets::SecretBox) -> ApiResult<usize> {
    if !secrets.encrypts() {
        return Ok(0);
    }
    conn.transaction(async |c| {
        let rows: Vec<(Uuid, String)> =
            webhooks::table.select((webhooks::id, webhooks::secret)).for_update().load(c).await?;
        let mut sealed = 0;
        for (id, stored) in rows.into_iter().filter(|(id, s)| secrets.needs_sealing(id.as_bytes(), s)) {
            let plain = secrets.open(id.as_bytes(), &stored).map_err(ApiError::internal)?;
            diesel::update(webhooks::table.find(id))
                .set(webhooks::secret.eq(secrets.seal(id.as_bytes(), &plain)))
                .execute(c)
                .await?;
            sealed += 1;
        }
        Ok(sealed)
    })
    .await
}

/// Test events queued for `webhook` in the last minute, counted with the endpoint's row locked
/// (parallel test sends queue one after the other).
pub async fn tests_in_last_minute(conn: &mut Conn, webhook: Uuid) -> ApiResult<i64> {
    webhooks::table.find(webhook).select(webhooks::id).for_update().first::<Uuid>(conn).await?;
    Ok(webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .filter(outbox_events::type_.eq(EventType::WebhookTest))
        .filter(webhook_deliveries::created_at.gt(Utc::now() - chrono::Duration::minutes(1)))
        .count()
        .get_result(conn)
        .await?)
}

/// The organisations with an active webhook (whose events may need delivering).
pub async fn subscribed_orgs(conn: &mut Conn) -> ApiResult<std::collections::HashSet<Uuid>> {
    Ok(webhooks::table
        .filter(webhooks::active.eq(true))
        .select(webhooks::organization_id)
        .distinct()
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Claims due deliveries for 60 s and counts the attempt: for each endpoint with nothing
/// claimed (by any instance), its `per_endpoint` oldest due ones; `limit` in all, the oldest
/// first. One instance claims at a time (advisory lock; the others find nothing this round),
/// so an endpoint never has two batches out at once. Deliveries of a disabled endpoint or a
/// deactivated organisation wait (an endpoint enabled again resumes them).
pub async fn claim_due(conn: &mut Conn, limit: i64, per_endpoint: i64) -> ApiResult<Vec<Due>> {
    let ids: Vec<Uuid> = conn
        .transaction(async |c| {
            if !db::try_lock_until_commit(c, db::locks::WEBHOOK_CLAIM).await? {
                return Ok(Vec::new());
            }
            let claimed = diesel::sql_query(
                "WITH endpoints AS (
                     SELECT w.id FROM webhooks w
                     JOIN organizations o ON o.id = w.organization_id AND o.active
                     WHERE w.active
                       AND EXISTS (SELECT 1 FROM webhook_deliveries d
                                   WHERE d.webhook_id = w.id AND d.status = $2 AND d.next_attempt_at <= now())
                       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries b
                                       WHERE b.webhook_id = w.id AND b.status = $2 AND b.claimed_until >= now())),
                 picked AS (
                     SELECT c.id FROM endpoints e
                     CROSS JOIN LATERAL (
                         SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
                         WHERE d.webhook_id = e.id AND d.status = $2 AND d.next_attempt_at <= now()
                           AND (d.claimed_until IS NULL OR d.claimed_until < now())
                         ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) c
                     ORDER BY c.next_attempt_at LIMIT $1)
                 UPDATE webhook_deliveries SET claimed_until = now() + interval '60 seconds', attempts = attempts + 1
                 WHERE id IN (SELECT id FROM picked) AND (claimed_until IS NULL OR claimed_until < now())
                 RETURNING id",
            )
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .bind::<diesel::sql_types::Text, _>(DeliveryStatus::Pending)
            .bind::<diesel::sql_types::BigInt, _>(per_endpoint)
            .load::<ClaimedId>(c)
            .await?;
            Ok::<_, crate::kernel::error::ApiError>(claimed.into_iter().map(|c| c.id).collect())
        })
        .await?;
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

/// The result of one attempt.
pub struct Outcome {
    pub delivery: Uuid,
    pub webhook: Uuid,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    pub delivered: bool,
    /// For a failure: the next attempt, or `None` to give up.
    pub next: Option<DateTime<Utc>>,
}

/// Records a round of attempts in a few statements, whatever its size: the log rows, the
/// delivered, the rescheduled, the given up (whose endpoints are disabled), and the
/// endpoints' failure counters.
pub async fn record(conn: &mut Conn, outcomes: &[Outcome]) -> ApiResult<()> {
    use diesel::sql_types::{Array, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    if outcomes.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        // Deliveries deleted meanwhile (their endpoint was) are left out, not the whole batch.
        "INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms)
         SELECT v.* FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[]) AS v(d, s, e, ms)
         WHERE EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.id = v.d)",
    )
    .bind::<Array<SqlUuid>, _>(outcomes.iter().map(|o| o.delivery).collect::<Vec<_>>())
    .bind::<Array<Nullable<Int4>>, _>(outcomes.iter().map(|o| o.status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(outcomes.iter().map(|o| o.error.clone()).collect::<Vec<_>>())
    .bind::<Array<Int4>, _>(outcomes.iter().map(|o| o.duration_ms).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    let delivered: Vec<&Outcome> = outcomes.iter().filter(|o| o.delivered).collect();
    if !delivered.is_empty() {
        diesel::sql_query(
            "UPDATE webhook_deliveries d SET status = $3, delivered_at = now(), last_status = v.s, last_error = NULL, claimed_until = NULL
             FROM unnest($1::uuid[], $2::int[]) AS v(id, s) WHERE d.id = v.id",
        )
        .bind::<Array<SqlUuid>, _>(delivered.iter().map(|o| o.delivery).collect::<Vec<_>>())
        .bind::<Array<Nullable<Int4>>, _>(delivered.iter().map(|o| o.status).collect::<Vec<_>>())
        .bind::<Text, _>(DeliveryStatus::Delivered)
        .execute(conn)
        .await?;
        let mut hooks: Vec<Uuid> = delivered.iter().map(|o| o.webhook).collect();
        hooks.sort();
        hooks.dedup();
        diesel::update(
            webhooks::table.filter(webhooks::id.eq_any(&hooks)).filter(webhooks::consecutive_failures.ne(0)),
        )
        .set(webhooks::consecutive_failures.eq(0))
        .execute(conn)
        .await?;
    }
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.delivered).collect();
    if failed.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "UPDATE webhook_deliveries d SET status = CASE WHEN v.next IS NULL THEN $5 ELSE $6 END,
             next_attempt_at = coalesce(v.next, d.next_attempt_at), last_status = v.s, last_error = v.e, claimed_until = NULL
         FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::text[]) AS v(id, next, s, e) WHERE d.id = v.id",
    )
    .bind::<Array<SqlUuid>, _>(failed.iter().map(|o| o.delivery).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(failed.iter().map(|o| o.next).collect::<Vec<_>>())
    .bind::<Array<Nullable<Int4>>, _>(failed.iter().map(|o| o.status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(failed.iter().map(|o| o.error.clone()).collect::<Vec<_>>())
    .bind::<Text, _>(DeliveryStatus::Failed)
    .bind::<Text, _>(DeliveryStatus::Pending)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE webhooks w SET consecutive_failures = consecutive_failures + v.n
         FROM (SELECT id, count(*) AS n FROM unnest($1::uuid[]) AS id GROUP BY id) v WHERE w.id = v.id",
    )
    .bind::<Array<SqlUuid>, _>(failed.iter().map(|o| o.webhook).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    for o in failed.iter().filter(|o| o.next.is_none()) {
        let reason = format!("deliveries failed for 24 hours; last error: {}", o.error.as_deref().unwrap_or("unknown"));
        diesel::update(webhooks::table.find(o.webhook))
            .set((webhooks::active.eq(false), webhooks::disabled_reason.eq(reason)))
            .execute(conn)
            .await?;
    }
    Ok(())
}
