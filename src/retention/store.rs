//! The purge's SQL: what is past its period and not held, deleted with everything that hangs
//! on it. Each returns (id, last activity) of what it deleted.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::requests::model::RequestStatus;

#[derive(diesel::QueryableByName, Debug)]
struct Gone {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    last: DateTime<Utc>,
}

/// Of the locked candidates, those still without an active hold: a fresh statement sees a hold
/// committed while the purge waited for the object's lock (a hold locks its object first).
async fn still_unheld(c: &mut Conn, object_type: &str, gone: Vec<Gone>) -> ApiResult<Vec<Gone>> {
    let ids: Vec<Uuid> = gone.iter().map(|g| g.id).collect();
    let held: Vec<IdRow> = diesel::sql_query(
        "SELECT DISTINCT object_id AS id FROM legal_holds WHERE object_type = $1 AND object_id = ANY($2) AND lifted_at IS NULL",
    )
    .bind::<Text, _>(object_type)
    .bind::<Array<SqlUuid>, _>(&ids)
    .load(c)
    .await?;
    Ok(gone.into_iter().filter(|g| !held.iter().any(|h| h.id == g.id)).collect())
}

/// `NOT EXISTS` an active legal hold on (`$type`, `column`).
fn not_held(object_type: &str, column: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.object_type = '{object_type}' AND h.object_id = {column} AND h.lifted_at IS NULL)"
    )
}

async fn exec_ids(c: &mut Conn, sql: &str, ids: &[Uuid]) -> ApiResult<usize> {
    Ok(diesel::sql_query(sql).bind::<Array<SqlUuid>, _>(ids).execute(c).await?)
}

/// Reports unchanged since `cutoff`: their links (and values no other report names), the link
/// of alerts to them, the reports.
pub async fn purge_reports(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<Vec<(Uuid, DateTime<Utc>)>> {
    let gone: Vec<Gone> = diesel::sql_query(format!(
        "SELECT r.id, r.updated_at AS last FROM reports r
         WHERE r.updated_at < $1 AND {}
         ORDER BY r.updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        not_held("report", "r.id")
    ))
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .load(c)
    .await?;
    let gone = still_unheld(c, "report", gone).await?;
    let ids: Vec<Uuid> = gone.iter().map(|g| g.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    exec_ids(c, "UPDATE fraud_alerts SET report_id = NULL WHERE report_id = ANY($1)", &ids).await?;
    exec_ids(
        c,
        "UPDATE indicators i SET report_count = greatest(i.report_count - l.n, 0)
         FROM (SELECT indicator_id, count(*)::int AS n FROM report_indicators
               WHERE report_id = ANY($1) AND withdrawn_at IS NULL GROUP BY indicator_id) l
         WHERE i.id = l.indicator_id",
        &ids,
    )
    .await?;
    let values: Vec<IdRow> =
        diesel::sql_query("SELECT DISTINCT indicator_id AS id FROM report_indicators WHERE report_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(&ids)
            .load(c)
            .await?;
    exec_ids(c, "DELETE FROM reports WHERE id = ANY($1)", &ids).await?;
    let values: Vec<Uuid> = values.into_iter().map(|v| v.id).collect();
    exec_ids(
        c,
        "DELETE FROM indicators i WHERE i.id = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM report_indicators ri WHERE ri.indicator_id = i.id)
           AND NOT EXISTS (SELECT 1 FROM report_indicators ri WHERE ri.corrected_to = i.id)",
        &values,
    )
    .await?;
    Ok(gone.into_iter().map(|g| (g.id, g.last)).collect())
}

#[derive(diesel::QueryableByName, Debug)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Traces whose last hop or outcome is before `cutoff`: every outcome and hop.
pub async fn purge_traces(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<Vec<(Uuid, DateTime<Utc>)>> {
    let gone: Vec<Gone> = diesel::sql_query(format!(
        "SELECT t.trace_id AS id, max(t.last) AS last FROM (
             SELECT a.trace_id, a.created_at AS last FROM fraud_alerts a
             UNION ALL
             SELECT a.trace_id, o.created_at FROM fraud_alert_outcomes o JOIN fraud_alerts a ON a.id = o.alert_id
         ) t
         GROUP BY t.trace_id
         HAVING max(t.last) < $1 AND {}
         ORDER BY max(t.last) LIMIT $2",
        not_held("trace", "t.trace_id")
    ))
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .load(c)
    .await?;
    // Lock the hops (a hold locks them too), then re-check holds and the cutoff afresh.
    let candidates: Vec<Uuid> = gone.iter().map(|g| g.id).collect();
    exec_ids(c, "SELECT id FROM fraud_alerts WHERE trace_id = ANY($1) FOR UPDATE", &candidates).await?;
    let recent: Vec<IdRow> = diesel::sql_query(
        "SELECT DISTINCT a.trace_id AS id FROM fraud_alerts a
         WHERE a.trace_id = ANY($1) AND (a.created_at >= $2
               OR EXISTS (SELECT 1 FROM fraud_alert_outcomes o WHERE o.alert_id = a.id AND o.created_at >= $2))",
    )
    .bind::<Array<SqlUuid>, _>(&candidates)
    .bind::<Timestamptz, _>(cutoff)
    .load(c)
    .await?;
    let gone: Vec<Gone> = gone.into_iter().filter(|g| !recent.iter().any(|r| r.id == g.id)).collect();
    let gone = still_unheld(c, "trace", gone).await?;
    let ids: Vec<Uuid> = gone.iter().map(|g| g.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    exec_ids(
        c,
        "DELETE FROM fraud_alert_outcomes WHERE alert_id IN (SELECT id FROM fraud_alerts WHERE trace_id = ANY($1))",
        &ids,
    )
    .await?;
    exec_ids(c, "DELETE FROM fraud_alerts WHERE trace_id = ANY($1)", &ids).await?;
    Ok(gone.into_iter().map(|g| (g.id, g.last)).collect())
}

/// Closed requests unchanged since `cutoff` whose evidence the owner's rule lets go
/// (`request_evidence_expired`: no audited step or lifted hold within 180 days): files,
/// responses, messages, history, signed documents (through the owner's function), the requests.
pub async fn purge_requests(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<Vec<(Uuid, DateTime<Utc>)>> {
    let closed: Vec<RequestStatus> = RequestStatus::ALL.iter().copied().filter(|s| !s.is_open()).collect();
    let gone: Vec<Gone> = diesel::sql_query(format!(
        "SELECT r.id, r.updated_at AS last FROM data_requests r
         WHERE r.status = ANY($3) AND r.updated_at < $1 AND {}
           AND NOT EXISTS (SELECT 1 FROM signed_documents s
                           WHERE s.request_id = r.id AND s.created_at >= now() - interval '180 days')
           AND request_evidence_expired(r.id)
         ORDER BY r.updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        not_held("data_request", "r.id")
    ))
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .bind::<Array<Text>, _>(closed)
    .load(c)
    .await?;
    let gone = still_unheld(c, "data_request", gone).await?;
    let ids: Vec<Uuid> = gone.iter().map(|g| g.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    for sql in [
        "DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM data_request_attachments WHERE request_id = ANY($1))",
        "DELETE FROM data_request_attachments WHERE request_id = ANY($1)",
        "DELETE FROM data_request_responses WHERE request_id = ANY($1)",
        "DELETE FROM data_request_messages WHERE request_id = ANY($1)",
        "DELETE FROM data_request_history WHERE request_id = ANY($1)",
        "SELECT purge_signed_documents($1)",
        "DELETE FROM data_requests WHERE id = ANY($1)",
    ] {
        exec_ids(c, sql, &ids).await?;
    }
    Ok(gone.into_iter().map(|g| (g.id, g.last)).collect())
}

#[derive(diesel::QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The owner's `audit_purge`: sealed rows older than `days`, never younger than the owner's
/// floor (the cut-off is taken from the database's clock, the one the floor is checked by).
pub async fn purge_audit(c: &mut Conn, days: u32) -> ApiResult<i64> {
    let n: Count = diesel::sql_query("SELECT audit_purge(now() - make_interval(days => $1)) AS n")
        .bind::<diesel::sql_types::Integer, _>(days as i32)
        .get_result(c)
        .await?;
    Ok(n.n)
}

/// Sets the floor `audit_purge` keeps audit rows for (None: for ever). Only the owner may.
pub async fn set_audit_floor(c: &mut Conn, days: Option<u32>) -> ApiResult<()> {
    diesel::sql_query("UPDATE audit_retention SET min_days = $1")
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Integer>, _>(days.map(|d| d as i32))
        .execute(c)
        .await?;
    Ok(())
}

#[derive(diesel::QueryableByName, Debug)]
struct Deleted {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    last: Option<i64>,
}

/// Up to `limit` events written before `cutoff`, oldest first, with their webhook deliveries
/// (and attempts): (how many, the highest id).
pub async fn purge_events(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<(usize, Option<i64>)> {
    let d: Deleted = diesel::sql_query(
        "WITH gone AS (SELECT id FROM outbox_events WHERE created_at < $1 ORDER BY id LIMIT $2),
              deliveries AS (DELETE FROM webhook_deliveries WHERE outbox_id IN (SELECT id FROM gone)),
              events AS (DELETE FROM outbox_events WHERE id IN (SELECT id FROM gone) RETURNING id)
         SELECT count(*) AS n, max(id) AS last FROM events",
    )
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .get_result(c)
    .await?;
    Ok((d.n as usize, d.last))
}

/// Up to `limit` stored idempotent answers of calls made before `cutoff`.
pub async fn purge_idempotency(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<usize> {
    delete_before(c, "idempotency_keys", cutoff, limit).await
}

/// Up to `limit` sightings recorded before `cutoff`.
pub async fn purge_sightings(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<usize> {
    delete_before(c, "sightings", cutoff, limit).await
}

/// Up to `limit` rows of `table` created before `cutoff`.
async fn delete_before(c: &mut Conn, table: &'static str, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<usize> {
    Ok(diesel::sql_query(format!(
        "DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE created_at < $1 LIMIT $2)"
    ))
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .execute(c)
    .await?)
}
