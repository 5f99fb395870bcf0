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
    let values: Vec<IdRow> = diesel::sql_query("SELECT DISTINCT indicator_id AS id FROM report_indicators WHERE report_id = ANY($1)")
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

/// Closed requests unchanged since `cutoff`: files, responses, messages, history, signed
/// documents (through the owner's function), the requests.
pub async fn purge_requests(c: &mut Conn, cutoff: DateTime<Utc>, limit: i64) -> ApiResult<Vec<(Uuid, DateTime<Utc>)>> {
    let closed: Vec<RequestStatus> = RequestStatus::ALL.iter().copied().filter(|s| !s.is_open()).collect();
    let gone: Vec<Gone> = diesel::sql_query(format!(
        "SELECT r.id, r.updated_at AS last FROM data_requests r
         WHERE r.status = ANY($3) AND r.updated_at < $1 AND {}
         ORDER BY r.updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        not_held("data_request", "r.id")
    ))
    .bind::<Timestamptz, _>(cutoff)
    .bind::<BigInt, _>(limit)
    .bind::<Array<Text>, _>(closed)
    .load(c)
    .await?;
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

/// The owner's `audit_purge`: sealed rows before `before`, never younger than a year.
pub async fn purge_audit(c: &mut Conn, before: DateTime<Utc>) -> ApiResult<i64> {
    let n: Count =
        diesel::sql_query("SELECT audit_purge($1) AS n").bind::<Timestamptz, _>(before).get_result(c).await?;
    Ok(n.n)
}
