use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{text_enum, OrgId};
use crate::kernel::db::schema::legal_holds;

text_enum! {
    /// What a legal hold keeps.
    HoldObject {
        Report = "report",
        /// A fraud alert's trace (every hop and outcome), by its trace id.
        Trace = "trace",
        DataRequest = "data_request",
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = legal_holds)]
pub struct HoldRow {
    pub id: Uuid,
    pub object_type: HoldObject,
    pub object_id: Uuid,
    pub organization_id: OrgId,
    pub case_reference: String,
    pub reason: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<Uuid>,
    pub lift_reason: Option<String>,
}

/// A legal hold: the object is kept past its retention period while the hold is active.
#[derive(Serialize, ToSchema, Debug)]
pub struct LegalHold {
    pub id: Uuid,
    pub object_type: HoldObject,
    pub object_id: Uuid,
    /// The organisation that set it (and alone lifts it).
    pub organization_id: OrgId,
    pub case_reference: String,
    pub reason: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub active: bool,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<Uuid>,
    pub lift_reason: Option<String>,
}

impl From<HoldRow> for LegalHold {
    fn from(r: HoldRow) -> Self {
        LegalHold {
            id: r.id,
            object_type: r.object_type,
            object_id: r.object_id,
            organization_id: r.organization_id,
            case_reference: r.case_reference,
            reason: r.reason,
            created_by: r.created_by,
            created_at: r.created_at,
            active: r.lifted_at.is_none(),
            lifted_at: r.lifted_at,
            lifted_by: r.lifted_by,
            lift_reason: r.lift_reason,
        }
    }
}

/// Body of `POST /legal-holds`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"object_type": "report", "object_id": "0193a7c2-5e4f-7a10-9d2b-2c1f3e4d5a6b", "case_reference": "CASE-2026-17", "reason": "Evidence in proceedings before the Basic Court"}))]
pub struct CreateHold {
    #[schema(value_type = HoldObject)]
    pub object_type: String,
    pub object_id: Uuid,
    /// Up to 100 characters.
    pub case_reference: String,
    /// 1 to 1,000 characters.
    pub reason: String,
}

/// Body of `POST /legal-holds/{id}/lift`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Judgment final; the evidence is no longer needed"}))]
pub struct LiftHold {
    /// 1 to 1,000 characters.
    pub reason: String,
}

#[derive(Deserialize, IntoParams, Debug)]
#[into_params(parameter_in = Query)]
pub struct HoldQuery {
    #[param(value_type = Option<HoldObject>)]
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    /// Only active (true) or lifted (false) holds.
    pub active: Option<bool>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of legal holds, newest first.
#[derive(Serialize, ToSchema)]
pub struct HoldPage {
    pub items: Vec<LegalHold>,
    pub next_cursor: Option<String>,
}
