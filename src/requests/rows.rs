//! Data requests as stored: one row per request, its history, messages, responses, attachments
//! and signed documents.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::model::*;
use crate::domain::{OrgId, RequestId};
use crate::kernel::db::schema::{
    data_request_attachments, data_request_history, data_request_messages, data_request_responses, data_requests,
};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_requests)]
pub struct RequestRow {
    pub id: RequestId,
    pub reference: String,
    pub type_: RequestType,
    pub issuer_org_id: OrgId,
    pub issuer_actor_id: Option<Uuid>,
    pub addressee_org_id: OrgId,
    pub case_reference: String,
    pub legal_provision: String,
    pub legal_text: Option<String>,
    pub data_categories: Vec<DataCategory>,
    pub urgency: Urgency,
    pub justification: Option<String>,
    pub identifiers: serde_json::Value,
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: Option<DateTime<Utc>>,
    pub report_ids: Vec<Uuid>,
    pub no_customer_notification_until: Option<NaiveDate>,
    pub status: RequestStatus,
    pub requested_deadline: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub preservation_until: Option<DateTime<Utc>>,
    pub validation_due_at: Option<DateTime<Utc>>,
    pub validated_at: Option<DateTime<Utc>>,
    pub validated_by_org_id: Option<OrgId>,
    pub notices_sent: Vec<Notice>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The organisation the issuer named to validate it, when the table asks for one.
    pub validator_org_id: Option<OrgId>,
    /// The validation table that decided (`domestic:XK`, `eu-e-evidence`).
    pub validation_table: Option<String>,
    pub validator_reads_answers: bool,
    /// Set when a validation was refused after the request went out: its answers are sealed.
    pub sealed_at: Option<DateTime<Utc>>,
    pub seal_reason: Option<String>,
    pub issuing_officer: Option<serde_json::Value>,
    pub validating_officer: Option<serde_json::Value>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = data_request_history)]
pub struct HistoryRow {
    pub request_id: RequestId,
    pub from_status: Option<RequestStatus>,
    pub to_status: RequestStatus,
    pub actor_org_id: OrgId,
    pub actor_id: Option<Uuid>,
    pub reason_code: Option<ReasonCode>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_request_messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub request_id: RequestId,
    pub author_org_id: OrgId,
    pub author_id: Option<Uuid>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub recipient_org_id: Option<OrgId>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_request_responses)]
pub struct ResponseRow {
    pub id: Uuid,
    pub request_id: RequestId,
    pub records: serde_json::Value,
    pub author_org_id: OrgId,
    pub author_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An attachment without its content.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = data_request_attachments)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub response_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: Vec<u8>,
}

#[derive(Insertable)]
#[diesel(table_name = data_request_attachments)]
pub struct NewAttachment {
    pub id: Uuid,
    pub response_id: Uuid,
    pub request_id: RequestId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: Vec<u8>,
}

/// A signed document as stored.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = crate::kernel::db::schema::signed_documents)]
pub struct SignedRow {
    pub id: Uuid,
    pub kind: String,
    pub object_id: Option<Uuid>,
    pub payload: String,
    pub jws: String,
    pub kid: String,
    pub created_at: DateTime<Utc>,
}
