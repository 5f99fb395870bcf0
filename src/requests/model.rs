use crate::users::model::OfficerIdentity;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::indicator::normalize;
use crate::domain::{text_enum, Check, IndicatorType, Invalid, OrgId, RequestId};
use crate::kernel::db::schema::{
    data_request_attachments, data_request_history, data_request_messages, data_request_responses, data_requests,
};

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

/// Validates the identifiers; an IP address must come with the time it was seen, with offset.
fn parse_identifiers(check: &mut Check, items: &[Identifier]) -> (Vec<serde_json::Value>, Vec<(IndicatorType, bool)>) {
    if items.is_empty() {
        check.add("identifiers", "give at least one identifier");
    }
    let mut out = Vec::new();
    let mut identified = Vec::new();
    for (i, id) in items.iter().enumerate() {
        let field = |f: &str| format!("identifiers[{i}].{f}");
        let Some(t) = check.take(&field("type"), id.type_.parse::<IndicatorType>()) else { continue };
        let Some(value) = check.take(&field("value"), normalize(t, &id.value)) else { continue };
        let observed_at = match (&id.observed_at, t) {
            (Some(ts), _) => check.take(
                &field("observed_at"),
                DateTime::parse_from_rfc3339(ts).map_err(|_| {
                    "must be an RFC 3339 time with its UTC offset, e.g. 2026-11-20T10:15:00+01:00".to_string()
                }),
            ),
            (None, IndicatorType::Ipv4 | IndicatorType::Ipv6) => {
                check.add(
                    field("observed_at"),
                    "an IP address identifies a subscriber only with the time it was used: give observed_at with its UTC offset",
                );
                None
            }
            (None, _) => None,
        };
        // A URL whose host is an IP address names that address: asked of a provider, it is
        // identification data like the address itself.
        let by_address = match (t, url::Url::parse(&value).ok().and_then(|u| u.host().map(|h| h.to_owned()))) {
            (IndicatorType::Url, Some(url::Host::Ipv4(_))) => (IndicatorType::Ipv4, true),
            (IndicatorType::Url, Some(url::Host::Ipv6(_))) => (IndicatorType::Ipv6, true),
            _ => (t, observed_at.is_some()),
        };
        identified.push(by_address);
        out.push(serde_json::json!({"type": t, "value": value, "port": id.port, "observed_at": observed_at}));
    }
    (out, identified)
}

impl CreateRequest {
    /// Every field checked into `check`; `None` when a required one failed.
    pub fn parse(&self, check: &mut Check) -> Option<RequestInput> {
        let kind = check.take("type", self.type_.parse::<RequestType>());
        let case_reference = check.text("case_reference", &self.case_reference, 1, 200);
        let legal_provision = check.text("legal_basis.provision", &self.legal_basis.provision, 1, 500);
        let legal_text = check.optional_text("legal_basis.text", self.legal_basis.text.as_deref(), 10_000);
        let urgency = check.take("urgency", self.urgency.parse::<Urgency>());
        let mut categories: Vec<DataCategory> = Vec::new();
        for (i, c) in self.data_categories.iter().enumerate() {
            if let Some(c) = check.take(&format!("data_categories[{i}]"), c.parse::<DataCategory>()) {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
        }
        if self.data_categories.is_empty() {
            check.add("data_categories", "give at least one data category");
        }
        let allowed = kind.and_then(super::policy::allowed_categories);
        for (i, c) in self.data_categories.iter().enumerate() {
            let outside = c.parse::<DataCategory>().ok().filter(|c| allowed.is_some_and(|a| !a.contains(c)));
            if let (Some(c), Some(kind), Some(allowed)) = (outside, kind, allowed) {
                let asks: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                check.add(
                    format!("data_categories[{i}]"),
                    format!("a `{kind}` request does not ask for `{c}` data; it asks for {}", asks.join(", ")),
                );
            }
        }
        let justification = self.justification.as_deref().map(str::trim).filter(|j| !j.is_empty()).map(str::to_string);
        if urgency == Some(Urgency::Emergency) && justification.as_ref().is_none_or(|j| j.chars().count() < 50) {
            check.add(
                "justification",
                "an emergency request needs a justification of at least 50 characters (the threat to life or safety)",
            );
        }
        let (identifiers, identified) = parse_identifiers(check, &self.identifiers);
        if self.period.as_ref().is_some_and(|p| p.from >= p.to) {
            check.add("period.to", "must be after period.from");
        }
        Some(RequestInput {
            kind: kind?,
            case_reference: case_reference?,
            legal_provision: legal_provision?,
            legal_text,
            categories,
            urgency: urgency?,
            justification,
            identifiers: serde_json::Value::Array(identifiers),
            identified,
            period: self.period.as_ref().map(|p| (p.from.with_timezone(&Utc), p.to.with_timezone(&Utc))),
            requested_deadline: self.deadline.map(|d| d.with_timezone(&Utc)),
        })
    }
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

impl Transition {
    /// A rejection needs a reason code and, like a partial fulfilment, a note.
    pub fn parse(&self) -> Result<TransitionInput, Invalid> {
        let mut check = Check::new();
        let to = check.take("to", self.to.parse::<RequestStatus>());
        let reason = check.optional("reason_code", self.reason_code.as_deref(), str::parse);
        let note = check.optional_text("note", self.note.as_deref(), 5000);
        if to == Some(RequestStatus::Rejected) && reason.is_none() {
            check.add("reason_code", "a rejection needs a reason code");
        }
        if matches!(to, Some(RequestStatus::Rejected | RequestStatus::PartiallyFulfilled)) && note.is_none() {
            check.add("note", "say why in a note");
        }
        check.done(|| Some(TransitionInput { to: to?, reason, note }))
    }
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

impl DataRequest {
    pub fn from_rows(r: RequestRow, history: Vec<HistoryRow>) -> Self {
        let now = Utc::now();
        let open = r.status.is_open();
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
            validator_id: r.validator_org_id,
            validation_table: r.validation_table,
            validation_due_at: r.validation_due_at,
            validated_at: r.validated_at,
            sealed_at: r.sealed_at,
            seal_reason: r.seal_reason,
            issuing_officer: r.issuing_officer.and_then(|v| serde_json::from_value(v).ok()),
            validating_officer: r.validating_officer.and_then(|v| serde_json::from_value(v).ok()),
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

impl From<SignedRow> for SignedDocument {
    fn from(r: SignedRow) -> Self {
        SignedDocument {
            id: r.id,
            kind: r.kind,
            object_id: r.object_id,
            payload: r.payload,
            jws: r.jws,
            kid: r.kid,
            created_at: r.created_at,
        }
    }
}

/// The signed documents of a request.
#[derive(Serialize, ToSchema, Debug)]
pub struct SignedDocumentList {
    pub items: Vec<SignedDocument>,
}
