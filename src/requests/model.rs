//! Data requests on the wire: their kinds and states, bodies and answers, queries. The rows
//! they are stored as are in `rows` (re-exported here), their parsing in `parse`, the answers
//! built from rows in `view`.

pub use super::rows::*;
use crate::users::model::OfficerIdentity;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{text_enum, IndicatorType, OrgId, RequestId};
use crate::organizations::model::Contact;

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
        /// Account movements (banks).
        Transaction = "transaction",
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

impl RequestStatus {
    /// Not yet fulfilled, rejected, withdrawn or refused validation.
    pub fn is_open(self) -> bool {
        use RequestStatus::*;
        matches!(self, PendingValidation | Submitted | Acknowledged | InProgress | ClarificationRequested)
    }

    pub fn open() -> Vec<RequestStatus> {
        RequestStatus::ALL.iter().copied().filter(|s| s.is_open()).collect()
    }

    /// Answered with data.
    pub fn fulfilled() -> Vec<RequestStatus> {
        vec![RequestStatus::Fulfilled, RequestStatus::PartiallyFulfilled]
    }

    /// Answered: with data or with a rejection.
    pub fn answered() -> Vec<RequestStatus> {
        vec![RequestStatus::Fulfilled, RequestStatus::PartiallyFulfilled, RequestStatus::Rejected]
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

text_enum! {
    /// A notice the scheduler sends once per request.
    Notice {
        DeadlineNear = "deadline_near",
        Overdue = "overdue",
        Expiring = "expiring",
        ValidationNear = "validation_near",
        ValidationOverdue = "validation_overdue",
    }
}

text_enum! {
    /// A validator's decision.
    Decision {
        Approve = "approve",
        Reject = "reject",
    }
}

text_enum! {
    /// Whose requests a list shows.
    RequestBox {
        Issued = "issued",
        Received = "received",
        /// Named to you for validation and not yet decided (prosecutors, courts).
        ToValidate = "to_validate",
    }
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

/// The responses to a request.
#[derive(Serialize, ToSchema, Debug)]
pub struct ResponseList {
    pub items: Vec<Response>,
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
    #[schema(value_type = IndicatorType)]
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
#[schema(example = json!({"type": "subscriber_info", "addressee_id": "0193a7c2-5e4f-7a10-9d2b-2c1f3e4d5a6b",
    "case_reference": "PR-2026-1187", "legal_basis": {"provision": "CPC art. 123; Budapest Convention art. 18",
    "text": "Production order for subscriber information"}, "data_categories": ["subscriber"], "urgency": "routine",
    "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}],
    "no_customer_notification_until": "2027-06-01"}))]
pub struct CreateRequest {
    #[serde(rename = "type")]
    #[schema(value_type = RequestType)]
    pub type_: String,
    pub addressee_id: OrgId,
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
    /// The prosecution office or court that validates the request, when the validation table
    /// asks for one (it sees the request, and nobody else of its kind does).
    pub validator_id: Option<OrgId>,
}

/// A new request, parsed (the addressee, its catalogue and the linked reports are checked
/// against the database by the caller).
#[derive(Debug)]
pub struct RequestInput {
    pub kind: RequestType,
    pub case_reference: String,
    pub legal_provision: String,
    pub legal_text: Option<String>,
    pub categories: Vec<DataCategory>,
    pub urgency: Urgency,
    pub justification: Option<String>,
    pub identifiers: serde_json::Value,
    /// Each identifier's type and whether it came with the time it was observed.
    pub identified: Vec<(IndicatorType, bool)>,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub requested_deadline: Option<DateTime<Utc>>,
}

/// A transition, parsed.
pub struct TransitionInput {
    pub to: RequestStatus,
    pub reason: Option<ReasonCode>,
    pub note: Option<String>,
}

/// Body of `POST /requests/{id}/transitions`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "rejected", "reason_code": "data_not_held", "note": "Assignment logs for that day were not kept."}))]
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
#[schema(example = json!({"decision": "approve", "note": "Necessary and proportionate for case PR-2026-1187"}))]
pub struct Validation {
    #[schema(value_type = Decision)]
    pub decision: String,
    /// The reasons; required to refuse (a refusal after the request went out seals its answers
    /// with them).
    pub note: Option<String>,
}

/// Body of `POST /requests/{id}/messages`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Which port range do you need for 192.0.2.10?"}))]
pub struct NewMessage {
    pub body: String,
    /// The organisation it goes to, one the request lets you write to: for the issuer, the
    /// validator it named or (once the request reached it) the addressee; for the others, the
    /// issuer. Default: the addressee once the request reached it, else the validator.
    pub to: Option<OrgId>,
}

/// One step of a request's history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub from: Option<RequestStatus>,
    pub to: RequestStatus,
    pub actor_organization_id: OrgId,
    pub actor_id: Option<Uuid>,
    pub reason_code: Option<ReasonCode>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A message of the clarification thread.
#[derive(Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub author_organization_id: OrgId,
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
    pub id: RequestId,
    /// e.g. `REQ-2026-000017`.
    pub reference: String,
    #[serde(rename = "type")]
    pub type_: RequestType,
    pub status: RequestStatus,
    pub issuer_id: OrgId,
    pub addressee_id: OrgId,
    pub case_reference: String,
    pub legal_basis: LegalBasis,
    pub data_categories: Vec<DataCategory>,
    pub urgency: Urgency,
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
    /// The organisation that validates it, if the validation table asks for one.
    pub validator_id: Option<OrgId>,
    /// The validation table that decided whether it needs one (`domestic:XK`, `eu-e-evidence`).
    pub validation_table: Option<String>,
    /// An emergency request that went out before its validation must be validated by then.
    pub validation_due_at: Option<DateTime<Utc>>,
    pub validation_overdue: bool,
    pub validated_at: Option<DateTime<Utc>>,
    /// A refused validation seals what the addressee answered: the answers are no longer
    /// served, and the addressee is told to delete or restrict what it produced.
    pub sealed_at: Option<DateTime<Utc>>,
    pub seal_reason: Option<String>,
    /// The accredited officer who issued it, as they were then (the addressee verifies the
    /// requester's authority).
    pub issuing_officer: Option<OfficerIdentity>,
    /// The prosecutor or judge who validated it, as they were then.
    pub validating_officer: Option<OfficerIdentity>,
    pub history: Vec<HistoryEntry>,
    /// The addressee's responses (records and attachments), to whoever may read them; never
    /// once sealed.
    pub responses: Vec<Response>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `issued` or `received` (default: both).
    #[param(value_type = Option<RequestBox>)]
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

/// A document the platform signed for the parties of a request.
#[derive(Serialize, ToSchema, Debug)]
pub struct SignedDocument {
    pub id: Uuid,
    /// `order` (as it reached the addressee), `validation` (a validator's decision) or `response`.
    pub kind: String,
    /// The response, for a `response`.
    pub object_id: Option<Uuid>,
    /// The signed text: the document's RFC 8785 canonical JSON, exactly as signed.
    pub payload: String,
    /// Detached compact JWS (EdDSA): `header..signature`; put BASE64URL(payload) between the dots to verify.
    pub jws: String,
    /// The signing key's id in the JWKS (`GET /signing-keys`).
    pub kid: String,
    pub created_at: DateTime<Utc>,
}

/// The signed documents of a request.
#[derive(Serialize, ToSchema, Debug)]
pub struct SignedDocumentList {
    pub items: Vec<SignedDocument>,
}

/// What a provider says about one request type.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct TypeCapability {
    #[serde(rename = "type")]
    #[schema(value_type = RequestType)]
    pub type_: String,
    pub supported: bool,
    /// Data categories held for it.
    #[serde(default)]
    #[schema(value_type = Vec<DataCategory>)]
    pub data_held: Vec<String>,
    /// e.g. `IP assignment logs: 12 months`.
    pub retention: Option<String>,
    /// What a request must contain or cite.
    pub legal_requirements: Option<String>,
}

/// A provider's catalogue (CoE guidelines: providers say what they can provide and how).
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"request_types": [{"type": "subscriber_info", "supported": true, "data_held": ["subscriber", "ip_identification"], "retention": "IP assignment logs: 12 months", "legal_requirements": "A production order citing the IP address, port and time with offset"}, {"type": "content_data", "supported": false}], "emergency_contact": {"name": "NOC 24/7", "email": "noc@isp.example", "phone": "+38344999000"}, "notes": "Requests outside office hours: call the NOC first."}))]
pub struct Capabilities {
    pub request_types: Vec<TypeCapability>,
    /// The 24/7 contact for emergencies.
    pub emergency_contact: Contact,
    pub notes: Option<String>,
}

/// A count of requests with one value of a dimension.
#[derive(Serialize, ToSchema)]
pub struct Count {
    pub value: String,
    pub count: i64,
}

/// Figures of one addressee.
#[derive(Serialize, ToSchema)]
pub struct AddresseeFigures {
    pub addressee_id: OrgId,
    pub addressee: String,
    pub received: i64,
    pub median_seconds_to_acknowledge: Option<f64>,
    pub p90_seconds_to_acknowledge: Option<f64>,
    pub median_seconds_to_fulfil: Option<f64>,
    pub p90_seconds_to_fulfil: Option<f64>,
    /// Of the requests answered (fulfilled, partly, rejected), the share answered in time.
    pub share_answered_within_deadline: Option<f64>,
}

/// `GET /statistics/requests`.
#[derive(Serialize, ToSchema)]
pub struct RequestStatistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `supervisor` (a regulator: every request), `own` (the requests the organisation issued
    /// or received) or `published` (a platform admin: no figures; across organisations only
    /// supervisors read them).
    pub scope: crate::statistics::service::ReadScope,
    pub by_type: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_urgency: Vec<Count>,
    pub by_addressee: Vec<AddresseeFigures>,
}

/// A JSON Web Key Set (RFC 7517).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"}]}))]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<serde_json::Value>,
}
