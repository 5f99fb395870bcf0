//! The request scheduler, in every instance: `request.deadline_near` at 75 % of the time
//! allowed, `request.overdue` past the deadline, `preservation.expiring` 7 days before a
//! preservation ends. Each notice is claimed by one UPDATE that marks it sent, so several
//! instances never send one twice.

use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::model::{Notice, RequestStatus};
use crate::domain::{OrgId, RequestId};
use crate::events::{self, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};

#[derive(diesel::QueryableByName, Debug)]
struct Due {
    #[diesel(sql_type = SqlUuid)]
    id: RequestId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
    #[diesel(sql_type = SqlUuid)]
    issuer_org_id: OrgId,
    #[diesel(sql_type = SqlUuid)]
    addressee_org_id: OrgId,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    preservation_until: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    validation_due_at: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    validator_org_id: Option<OrgId>,
}

/// Claims `notice` for every request matching `condition` (SQL over `data_requests`, where
/// `$2` is the array of open statuses a request out with its addressee can be in).
async fn claim(c: &mut Conn, notice: Notice, condition: &str) -> ApiResult<Vec<Due>> {
    let out_and_open: Vec<RequestStatus> =
        RequestStatus::open().into_iter().filter(|s| *s != RequestStatus::PendingValidation).collect();
    Ok(diesel::sql_query(format!(
        "UPDATE data_requests SET notices_sent = array_append(notices_sent, $1)
         WHERE NOT ($1 = ANY (notices_sent)) AND {condition}
         RETURNING id, reference, issuer_org_id, addressee_org_id, deadline, preservation_until, validation_due_at, validator_org_id"
    ))
    .bind::<Text, _>(notice)
    .bind::<Array<Text>, _>(out_and_open)
    .load(c)
    .await?)
}

/// Sends every notice due now; returns how many.
pub async fn run_once(conn: &mut Conn) -> ApiResult<usize> {
    conn.transaction(async |c| {
        let mut sent = 0;
        let near = claim(
            c,
            Notice::DeadlineNear,
            "status = ANY($2) AND deadline IS NOT NULL AND received_at IS NOT NULL AND now() >= received_at + (deadline - received_at) * 0.75",
        )
        .await?;
        for n in &near {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "deadline": n.deadline});
            events::emit(c, EventType::RequestDeadlineNear, n.addressee_org_id, &payload).await?;
            sent += 1;
        }
        let overdue = claim(c, Notice::Overdue, "status = ANY($2) AND deadline IS NOT NULL AND now() > deadline").await?;
        for n in &overdue {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "deadline": n.deadline});
            events::emit(c, EventType::RequestOverdue, n.addressee_org_id, &payload).await?;
            events::emit(c, EventType::RequestOverdue, n.issuer_org_id, &payload).await?;
            sent += 2;
        }
        let expiring = claim(
            c,
            Notice::Expiring,
            "preservation_until IS NOT NULL AND now() >= preservation_until - interval '7 days' AND now() < preservation_until",
        )
        .await?;
        for n in &expiring {
            let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "preservation_until": n.preservation_until});
            events::emit(c, EventType::PreservationExpiring, n.issuer_org_id, &payload).await?;
            events::emit(c, EventType::PreservationExpiring, n.addressee_org_id, &payload).await?;
            sent += 2;
        }
        // Emergencies that went out before their validation: at 75 % of the 48 hours, and after.
        let unvalidated = "validated_at IS NULL AND validation_due_at IS NOT NULL AND validator_org_id IS NOT NULL";
        for (notice, kind, condition) in [
            (Notice::ValidationNear, EventType::RequestValidationDue, "now() >= validation_due_at - interval '12 hours'"),
            (Notice::ValidationOverdue, EventType::RequestValidationOverdue, "now() > validation_due_at"),
        ] {
            for n in claim(c, notice, &format!("{unvalidated} AND {condition}")).await? {
                let payload = serde_json::json!({"request_id": n.id, "reference": n.reference, "validation_due_at": n.validation_due_at});
                events::emit(c, kind, n.issuer_org_id, &payload).await?;
                if let Some(validator) = n.validator_org_id {
                    events::emit(c, kind, validator, &payload).await?;
                }
                sent += 2;
            }
        }
        Ok::<_, ApiError>(sent)
    })
    .await
}
