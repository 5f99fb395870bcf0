//! The backlogs `/metrics` reads from the database (at most every 10 seconds per instance): one
//! statement over partial indexes (unanswered requests by deadline, pending deliveries,
//! unsealed audit rows), bounded by the ordinary requests' statement timeout. The counts grow
//! with the backlogs, which the alerts keep small.

use diesel::sql_types::{Array, BigInt, Double, Text};
use diesel_async::RunQueryDsl;

use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::kernel::metrics::Backlogs;
use crate::requests::model::RequestStatus;

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    overdue: i64,
    #[diesel(sql_type = BigInt)]
    due_4h: i64,
    #[diesel(sql_type = BigInt)]
    due_24h: i64,
    #[diesel(sql_type = BigInt)]
    pending: i64,
    #[diesel(sql_type = Double)]
    oldest_pending: f64,
    #[diesel(sql_type = BigInt)]
    unsealed: i64,
    #[diesel(sql_type = Double)]
    oldest_unsealed: f64,
}

pub async fn backlogs(conn: &mut Conn) -> ApiResult<Backlogs> {
    // Out with the addressee and not answered: what the request scheduler warns about.
    let waiting: Vec<RequestStatus> =
        RequestStatus::open().into_iter().filter(|s| *s != RequestStatus::PendingValidation).collect();
    let row: Row = diesel::sql_query(
        "WITH due AS (SELECT deadline FROM data_requests
                       WHERE deadline IS NOT NULL AND deadline <= now() + interval '24 hours' AND status = ANY($1))
         SELECT (SELECT count(*) FROM due WHERE deadline <= now()) AS overdue,
                (SELECT count(*) FROM due WHERE deadline > now() AND deadline <= now() + interval '4 hours') AS due_4h,
                (SELECT count(*) FROM due WHERE deadline > now()) AS due_24h,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
                coalesce((SELECT extract(epoch FROM now() - created_at)::float8 FROM webhook_deliveries
                           WHERE status = 'pending' ORDER BY created_at LIMIT 1), 0) AS oldest_pending,
                (SELECT count(*) FROM audit_events WHERE hash IS NULL) AS unsealed,
                coalesce((SELECT extract(epoch FROM now() - at)::float8 FROM audit_events
                           WHERE hash IS NULL ORDER BY id LIMIT 1), 0) AS oldest_unsealed",
    )
    .bind::<Array<Text>, _>(waiting)
    .get_result(conn)
    .await?;
    Ok(Backlogs {
        requests_overdue: row.overdue,
        requests_due_4h: row.due_4h,
        requests_due_24h: row.due_24h,
        webhook_pending: row.pending,
        webhook_oldest_pending_seconds: row.oldest_pending,
        audit_unsealed: row.unsealed,
        audit_oldest_unsealed_seconds: row.oldest_unsealed,
    })
}
