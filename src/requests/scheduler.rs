//! The request scheduler, in every instance: `request.deadline_near` at 75 % of the time
//! allowed, `request.overdue` past the deadline, `preservation.expiring` 7 days before a
//! preservation ends. Each notice is claimed by one UPDATE that marks it sent, so several
//! instances never send one twice.

use diesel::sql_types::{Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::Conn;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};

#[derive(diesel::QueryableByName, Debug)]
struct Notice {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
    #[diesel(sql_type = SqlUuid)]
    issuer_org_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    addressee_org_id: Uuid,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    preservation_until: Option<chrono::DateTime<chrono::Utc>>,
}

const OPEN: &str = "('submitted', 'acknowledged', 'in_progress', 'clarification_requested')";

async fn claim(c: &mut Conn, notice: &str, condition: &str) -> ApiResult<Vec<Notice>> {
    Ok(diesel::sql_query(format!(
        "UPDATE data_requests SET notices_sent = array_append(notices_sent, '{notice}')
         WHERE NOT ('{notice}' = ANY (notices_sent)) AND {condition}
         RETURNING id, reference, issuer_org_id, addressee_org_id, deadline, preservation_until"
    ))
    .load(c)
    .await?)
}

/// Sends every notice due now; returns how many.
pub async fn run_once(conn: &mut Conn) -> ApiResult<usize> {
    conn.transaction(async |c| {
        let mut sent = 0;
        let near = claim(
            c,
            "deadline_near",
            &format!("status IN {OPEN} AND deadline IS NOT NULL AND received_at IS NOT NULL AND now() >= received_at + (deadline - received_at) * 0.75"),
        )
        .await?;
        for n in &near {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "deadline": n.deadline});
            events::emit(c, EventType::RequestDeadlineNear, n.addressee_org_id, &payload).await?;
            sent += 1;
        }
        let overdue = claim(c, "overdue", &format!("status IN {OPEN} AND deadline IS NOT NULL AND now() > deadline")).await?;
        for n in &overdue {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "deadline": n.deadline});
            events::emit(c, EventType::RequestOverdue, n.addressee_org_id, &payload).await?;
            events::emit(c, EventType::RequestOverdue, n.issuer_org_id, &payload).await?;
            sent += 2;
        }
        let expiring = claim(
            c,
            "expiring",
            "preservation_until IS NOT NULL AND now() >= preservation_until - interval '7 days' AND now() < preservation_until",
        )
        .await?;
        for n in &expiring {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "preservation_until": n.preservation_until});
            events::emit(c, EventType::PreservationExpiring, n.issuer_org_id, &payload).await?;
            events::emit(c, EventType::PreservationExpiring, n.addressee_org_id, &payload).await?;
            sent += 2;
        }
        Ok::<_, ApiError>(sent)
    })
    .await
}
