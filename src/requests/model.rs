use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::{
    data_request_attachments, data_request_history, data_request_messages, data_request_responses, data_requests,
};
use crate::domain::text_enum;

text_enum! {
    /// What is asked.
    RequestType {
        SubscriberInfo = "subscriber_info",
        TrafficData = "traffic_data",
        ContentData = "content_data",
        Preservation = "preservation",
        AccountInfo = "account_info",
        TransactionHistory = "transaction_history",
        DomainRegistrationInfo = "domain_registration_info",
        FreezeFunds = "freeze_funds",
    }
}

text_enum! {
    /// e-Evidence data categories.
    DataCategory {
        Subscriber = "subscriber",
        IpIdentification = "ip_identification",
        Traffic = "traffic",
        Content = "content",
    }
}

text_enum! {
    /// How fast: emergency 8 hours, urgent 3 days, routine 10 days.
    Urgency {
        Emergency = "emergency",
        Urgent = "urgent",
        Routine = "routine",
    }
}

impl Urgency {
    pub fn time_allowed(self) -> Duration {
        match self {
            Urgency::Emergency => Duration::hours(8),
            Urgency::Urgent => Duration::days(3),
            Urgency::Routine => Duration::days(10),
        }
    }
}

text_enum! {
    /// Where a request stands.
    RequestStatus {
        PendingValidation = "pending_validation",
        ValidationRejected = "validation_rejected",
        Submitted = "submitted",
        Acknowledged = "acknowledged",
        InProgress = "in_progress",
        ClarificationRequested = "clarification_requested",
        Fulfilled = "fulfilled",
        PartiallyFulfilled = "partially_fulfilled",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// Why an addressee rejects.
    ReasonCode {
        DataNotHeld = "data_not_held",
        NotOurService = "not_our_service",
        RequestIncomplete = "request_incomplete",
        IdentifierInvalid = "identifier_invalid",
        LegalBasisInsufficient = "legal_basis_insufficient",
        ConflictingObligation = "conflicting_obligation",
        TechnicallyImpossible = "technically_impossible",
        Other = "other",
    }
}

/// Which side moves a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Issuer,
    Addressee,
}

impl RequestStatus {
    pub fn is_open(self) -> bool {
        use RequestStatus::*;
        matches!(self, PendingValidation | Submitted | Acknowledged | InProgress | ClarificationRequested)
    }

    /// Where `side` may move a request from here.
    pub fn allowed(self, side: Side) -> Vec<RequestStatus> {
        use RequestStatus::*;
        let mut out = match (self, side) {
            (Submitted, Side::Addressee) => vec![Acknowledged, Rejected],
            (Acknowledged, Side::Addressee) => {
                vec![InProgress, ClarificationRequested, Fulfilled, PartiallyFulfilled, Rejected]
            }
            (InProgress, Side::Addressee) => vec![ClarificationRequested, Fulfilled, PartiallyFulfilled, Rejected],
            (ClarificationRequested, Side::Issuer) => vec![Acknowledged],
            _ => vec![],
        };
        if side == Side::Issuer && self.is_open() {
            out.push(Withdrawn);
        }
        out
    }
}

/// The time allowed to a request of `urgency` received at `received`, unless the issuer asked
/// for a later date.
pub fn deadline(urgency: Urgency, received: DateTime<Utc>, requested: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let by_urgency = received + urgency.time_allowed();
    requested.map_or(by_urgency, |r| r.max(by_urgency))
}

pub const PRESERVATION_DAYS: i64 = 90;
pub const VALIDATION_HOURS: i64 = 48;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_requests)]
pub struct RequestRow {
    pub id: Uuid,
    pub reference: String,
    pub type_: String,
    pub issuer_org_id: Uuid,
    pub issuer_actor_id: Option<Uuid>,
    pub addressee_org_id: Uuid,
    pub case_reference: String,
    pub legal_provision: String,
    pub legal_text: Option<String>,
    pub data_categories: Vec<String>,
    pub urgency: String,
    pub justification: Option<String>,
    pub identifiers: serde_json::Value,
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: Option<DateTime<Utc>>,
    pub report_ids: Vec<Uuid>,
    pub no_customer_notification_until: Option<NaiveDate>,
    pub status: String,
    pub requested_deadline: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub preservation_until: Option<DateTime<Utc>>,
    pub validation_due_at: Option<DateTime<Utc>>,
    pub validated_at: Option<DateTime<Utc>>,
    pub validated_by_org_id: Option<Uuid>,
    pub notices_sent: Vec<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = data_request_history)]
pub struct HistoryRow {
    pub request_id: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_org_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_request_messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub author_org_id: Uuid,
    pub author_id: Option<Uuid>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = data_request_responses)]
pub struct ResponseRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub records: serde_json::Value,
    pub author_org_id: Uuid,
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
    pub request_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: Vec<u8>,
    pub content: Vec<u8>,
}

/// A file of a response.
#[derive(Serialize, ToSchema, Debug)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    /// Sniffed from the content, not taken from the sender.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content, also sent with each download.
    pub sha256: String,
}

/// A response of the addressee.
#[derive(Serialize, ToSchema, Debug)]
pub struct Response {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Vec<Object>)]
    pub records: serde_json::Value,
    pub attachments: Vec<Attachment>,
}

/// The legal basis of a request.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct LegalBasis {
    /// The provisions cited, e.g. `CPC art. 123; Budapest Convention art. 18`.
    pub provision: String,
    pub text: Option<String>,
}

/// A targeted identifier: a typed indicator; an IP address also needs the port (optional) and
/// the time it was observed, with its UTC offset.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub type_: String,
    pub value: String,
    pub port: Option<u16>,
    /// RFC 3339 with offset, e.g. `2026-11-20T10:15:00+01:00`.
    pub observed_at: Option<String>,
}

/// A period of data.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Period {
    pub from: DateTime<FixedOffset>,
    pub to: DateTime<FixedOffset>,
}

/// Body of `POST /requests` (send `Idempotency-Key` to make retries safe).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    #[serde(rename = "type")]
    #[schema(value_type = RequestType)]
    pub type_: String,
    pub addressee_id: Uuid,
    pub case_reference: String,
    pub legal_basis: LegalBasis,
    #[schema(value_type = Vec<DataCategory>)]
    pub data_categories: Vec<String>,
    #[schema(value_type = Urgency)]
    pub urgency: String,
    /// Required for emergency (at least 50 characters: the threat to life or safety).
    pub justification: Option<String>,
    pub identifiers: Vec<Identifier>,
    pub period: Option<Period>,
    #[serde(default)]
    pub report_ids: Vec<Uuid>,
    /// The customer must not be told before this date.
    pub no_customer_notification_until: Option<NaiveDate>,
    /// A later deadline than the urgency gives.
    pub deadline: Option<DateTime<FixedOffset>>,
}

/// Body of `POST /requests/{id}/transitions`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    #[schema(value_type = RequestStatus)]
    pub to: String,
    #[schema(value_type = Option<ReasonCode>)]
    pub reason_code: Option<String>,
    pub note: Option<String>,
}

/// Body of `POST /requests/{id}/validate` (prosecution).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// `approve` or `reject`.
    pub decision: String,
    pub note: Option<String>,
}

/// Body of `POST /requests/{id}/messages`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub body: String,
}

/// One step of a request's history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub from: Option<String>,
    pub to: String,
    pub actor_organization_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A message of the clarification thread.
#[derive(Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub author_organization_id: Uuid,
    pub author_id: Option<Uuid>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Messages of a request, oldest first.
#[derive(Serialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<Message>,
    pub next_cursor: Option<String>,
}

/// A data request as its issuer, addressee or validating prosecutor sees it.
#[derive(Serialize, ToSchema)]
pub struct DataRequest {
    pub id: Uuid,
    /// e.g. `REQ-2026-000017`.
    pub reference: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub issuer_id: Uuid,
    pub addressee_id: Uuid,
    pub case_reference: String,
    pub legal_basis: LegalBasis,
    pub data_categories: Vec<String>,
    pub urgency: String,
    pub justification: Option<String>,
    #[schema(value_type = Vec<Identifier>)]
    pub identifiers: serde_json::Value,
    pub period: Option<Period>,
    pub report_ids: Vec<Uuid>,
    /// The customer must not be told before this date.
    pub no_customer_notification_until: Option<NaiveDate>,
    /// When the addressee got it.
    pub received_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// For preservation: data kept until then (90 days from acknowledgement, extendable).
    pub preservation_until: Option<DateTime<Utc>>,
    /// Emergency requests for traffic or content data must be validated within 48 hours.
    pub validation_due_at: Option<DateTime<Utc>>,
    pub validation_overdue: bool,
    pub validated_at: Option<DateTime<Utc>>,
    pub history: Vec<HistoryEntry>,
    /// The addressee's responses (records and attachments).
    pub responses: Vec<Response>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DataRequest {
    pub fn from_rows(r: RequestRow, history: Vec<HistoryRow>) -> Self {
        let now = Utc::now();
        let open = r.status.parse::<RequestStatus>().is_ok_and(|s| s.is_open());
        DataRequest {
            id: r.id,
            reference: r.reference,
            type_: r.type_,
            overdue: open && r.deadline.is_some_and(|d| d < now),
            validation_overdue: r.validated_at.is_none() && r.validation_due_at.is_some_and(|d| d < now),
            status: r.status,
            issuer_id: r.issuer_org_id,
            addressee_id: r.addressee_org_id,
            case_reference: r.case_reference,
            legal_basis: LegalBasis { provision: r.legal_provision, text: r.legal_text },
            data_categories: r.data_categories,
            urgency: r.urgency,
            justification: r.justification,
            identifiers: r.identifiers,
            period: r
                .period_from
                .zip(r.period_to)
                .map(|(f, t)| Period { from: f.fixed_offset(), to: t.fixed_offset() }),
            report_ids: r.report_ids,
            no_customer_notification_until: r.no_customer_notification_until,
            received_at: r.received_at,
            deadline: r.deadline,
            preservation_until: r.preservation_until,
            validation_due_at: r.validation_due_at,
            validated_at: r.validated_at,
            history: history
                .into_iter()
                .map(|h| HistoryEntry {
                    from: h.from_status,
                    to: h.to_status,
                    actor_organization_id: h.actor_org_id,
                    actor_id: h.actor_id,
                    reason_code: h.reason_code,
                    note: h.note,
                    at: h.at,
                })
                .collect(),
            responses: Vec::new(),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `issued` or `received` (default: both).
    pub r#box: Option<String>,
    #[param(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<RequestType>)]
    pub r#type: Option<String>,
    #[param(value_type = Option<Urgency>)]
    pub urgency: Option<String>,
    /// Only open requests past their deadline.
    pub overdue: Option<bool>,
    /// Preservations expiring within this many days (`7d` or `7`).
    pub expiring_within: Option<String>,
    pub case_reference: Option<String>,
    /// Only requests to this organisation.
    pub addressee_id: Option<Uuid>,
    /// Only requests from this organisation.
    pub issuer_id: Option<Uuid>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of requests, newest first.
#[derive(Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<DataRequest>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_move_requests_only_where_allowed() {
        use RequestStatus::*;
        assert_eq!(Submitted.allowed(Side::Addressee), [Acknowledged, Rejected]);
        assert_eq!(Submitted.allowed(Side::Issuer), [Withdrawn]);
        assert_eq!(ClarificationRequested.allowed(Side::Issuer), [Acknowledged, Withdrawn]);
        assert!(Fulfilled.allowed(Side::Issuer).is_empty() && Fulfilled.allowed(Side::Addressee).is_empty());
        let received = Utc::now();
        assert_eq!(deadline(Urgency::Emergency, received, None), received + Duration::hours(8));
        let later = received + Duration::days(30);
        assert_eq!(deadline(Urgency::Routine, received, Some(later)), later);
        assert_eq!(deadline(Urgency::Routine, received, Some(received)), received + Duration::days(10));
    }
}
