//! The writes of data requests, each inside its caller's transaction: rows, history, events,
//! audit. `service` runs them; the demo's seed writes with them directly.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::model::*;
use super::policy::{self, Requirement};
use super::rules::{self, Side};
use super::{signed, store, view};
use crate::access::Grant;
use crate::domain::{Check, OrgId, OrgKind, RequestId};
use crate::events::{self, EventType};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::signing::DocumentSigner;
use crate::users::model::OfficerIdentity;
use crate::{organizations, reports};

/// Payload of `request.received`.
fn received(r: &RequestRow) -> serde_json::Value {
    json!({
        "request_id": r.id, "reference": r.reference, "type": r.type_, "urgency": r.urgency,
        "issuer_id": r.issuer_org_id, "deadline": r.deadline,
        "no_customer_notification_until": r.no_customer_notification_until,
    })
}

/// Writes the history row of a change from `before` and tells the other parties.
async fn changed(
    c: &mut Conn,
    act: &Grant,
    before: RequestStatus,
    r: &RequestRow,
    reason: Option<ReasonCode>,
    note: Option<String>,
) -> ApiResult<()> {
    let history = HistoryRow {
        request_id: r.id,
        from_status: Some(before),
        to_status: r.status,
        actor_org_id: act.org_id,
        actor_id: Some(act.actor_id()),
        reason_code: reason,
        note: note.clone(),
        at: Utc::now(),
    };
    store::record(c, &history).await?;
    let payload = json!({
        "request_id": r.id, "reference": r.reference, "from": before, "to": r.status, "reason_code": reason, "note": note,
    });
    for org in rules::parties(r) {
        if org != act.org_id {
            events::emit(c, EventType::RequestStatusChanged, org, &payload).await?;
        }
    }
    Ok(())
}

/// How a request is sent: to whom, about which data, under which validation.
#[derive(Debug)]
pub struct Plan {
    pub addressee: OrgId,
    /// Declared, implied by the type and by the identifiers.
    pub categories: Vec<DataCategory>,
    pub requirement: Requirement,
    /// The validator named, with its kind.
    pub validator: Option<(OrgId, OrgKind)>,
}

/// Checks against the directory what a request names (an active ISP or bank, banks alone
/// freezing funds, whose catalogue does not refuse the type; reports the issuer can see) and
/// decides its validation: the table of the issuer's country (or the EU's across member
/// states), the categories it is about, and the validator it names, of a kind the table allows.
pub async fn plan(
    conn: &mut Conn,
    check: &mut Check,
    act: &Grant,
    body: &CreateRequest,
    input: Option<&RequestInput>,
    tables: &policy::Tables,
) -> ApiResult<Option<Plan>> {
    let kind = body.type_.parse::<RequestType>().ok();
    let addressee = organizations::store::get(conn, body.addressee_id).await?.filter(|o| o.active);
    match (addressee.as_ref().map(|o| o.kind), kind) {
        (None, _) => check.add("addressee_id", "no such active organisation"),
        (Some(to @ (OrgKind::Isp | OrgKind::Bank)), Some(kind)) if !rules::addressed_to(kind).contains(&to) => {
            check.add("addressee_id", format!("a `{kind}` request goes to {}", kinds(rules::addressed_to(kind))))
        }
        (Some(OrgKind::Isp | OrgKind::Bank), _) => {}
        (Some(_), _) => check.add("addressee_id", "requests go to ISPs and banks"),
    }
    if let Some(kind) = kind {
        let catalogue = store::capabilities_of(conn, body.addressee_id).await?;
        if rules::declared_unsupported(catalogue.as_ref(), kind) {
            let message = format!("the addressee declared in its capability catalogue that it cannot answer {kind}");
            check.add("type", message);
        }
    }
    for (i, r) in body.report_ids.iter().enumerate() {
        if reports::store::get_visible(conn, &act.viewer(), (*r).into()).await?.is_none() {
            check.add(format!("report_ids[{i}]"), "no such report visible to you");
        }
    }
    let (Some(input), Some(addressee)) = (input, addressee) else { return Ok(None) };
    let issuer = organizations::store::get(conn, act.org_id).await?.ok_or(ApiError::NotFound)?;
    let table = tables.choose(issuer.country.as_str(), addressee.country.as_str(), addressee.kind);
    let categories = policy::effective_categories(input.kind, &input.categories, &input.identified, addressee.kind);
    let requirement = table.requirement(act.org_kind, input.kind, &categories);
    let validator = match body.validator_id {
        Some(id) => organizations::store::get(conn, id).await?.filter(|o| o.active),
        None => None,
    };
    if body.validator_id.is_some() && validator.is_none() {
        check.add("validator_id", "no such active organisation");
    }
    let validator = validator.map(|v| (v.id, v.kind, v.country));
    if let Err((field, message)) = rules::named_validator(&requirement, act.org_id, &issuer.country, validator.as_ref())
    {
        check.add(field, message);
    }
    let validator = validator.map(|(id, kind, _)| (id, kind));
    Ok(Some(Plan { addressee: addressee.id, categories, requirement, validator }))
}

fn kinds(list: &[OrgKind]) -> String {
    rules::kinds(list)
}

/// Issues a request: it waits for its validator, or goes out at once.
pub async fn create(
    c: &mut Conn,
    act: &Grant,
    signer: &DocumentSigner,
    officer: &OfficerIdentity,
    input: RequestInput,
    plan: Plan,
    body: &CreateRequest,
) -> ApiResult<DataRequest> {
    let now = Utc::now();
    let start = rules::start(&plan.requirement, input.urgency, now);
    let needed = plan.requirement.needed();
    let row = RequestRow {
        id: RequestId::new(),
        reference: store::next_reference(c).await?,
        type_: input.kind,
        issuer_org_id: act.org_id,
        issuer_actor_id: Some(act.actor_id()),
        addressee_org_id: plan.addressee,
        case_reference: input.case_reference,
        legal_provision: input.legal_provision,
        legal_text: input.legal_text,
        data_categories: plan.categories,
        urgency: input.urgency,
        justification: input.justification,
        identifiers: input.identifiers,
        period_from: input.period.map(|p| p.0),
        period_to: input.period.map(|p| p.1),
        report_ids: body.report_ids.clone(),
        no_customer_notification_until: body.no_customer_notification_until,
        status: start.status,
        requested_deadline: input.requested_deadline,
        received_at: start.goes_out.then_some(now),
        deadline: start.goes_out.then(|| rules::deadline(input.urgency, now, input.requested_deadline)),
        acknowledged_at: None,
        preservation_until: None,
        validation_due_at: start.validation_due_at,
        validated_at: None,
        validated_by_org_id: None,
        notices_sent: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        validator_org_id: plan.validator.filter(|_| needed).map(|v| v.0),
        validation_table: Some(plan.requirement.table.clone()),
        validator_reads_answers: plan
            .validator
            .is_some_and(|(_, k)| needed && plan.requirement.read_answers.contains(&k)),
        sealed_at: None,
        seal_reason: None,
        issuing_officer: Some(json!(officer)),
        validating_officer: None,
    };
    let row = store::insert(c, &row).await?;
    let history = HistoryRow {
        request_id: row.id,
        from_status: None,
        to_status: row.status,
        actor_org_id: act.org_id,
        actor_id: Some(act.actor_id()),
        reason_code: None,
        note: None,
        at: now,
    };
    store::record(c, &history).await?;
    if start.goes_out {
        signed::sign(c, signer, &row, signed::ORDER, None, &signed::order(&row)).await?;
        events::emit(c, EventType::RequestReceived, row.addressee_org_id, &received(&row)).await?;
    }
    if let Some(validator) = row.validator_org_id {
        let payload = json!({
            "request_id": row.id, "reference": row.reference, "type": row.type_, "urgency": row.urgency,
            "issuer_id": row.issuer_org_id, "status": row.status, "validation_due_at": row.validation_due_at,
        });
        events::emit(c, EventType::RequestValidationRequested, validator, &payload).await?;
    }
    let details =
        json!({"status": row.status, "validation_table": row.validation_table, "validator": row.validator_org_id});
    act.on("data_request", row.id).details(details).write(c).await?;
    view::full(c, row, &act.viewer()).await
}

/// Moves a request, by `side`, if the state machine allows it from where it is now.
pub async fn transition(
    c: &mut Conn,
    act: &Grant,
    side: Side,
    id: RequestId,
    if_match: IfMatch,
    t: TransitionInput,
) -> ApiResult<DataRequest> {
    let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(r.version)?;
    let from = r.status;
    let allowed = rules::allowed(from, side);
    if !allowed.contains(&t.to) {
        return Err(ApiError::InvalidTransition {
            detail: format!("a request in `{from}` cannot be moved to `{}` by the {}", t.to, side.name()),
            allowed: allowed.iter().map(|s| s.as_str().to_string()).collect(),
        });
    }
    let now = Utc::now();
    if from == RequestStatus::Submitted && t.to == RequestStatus::Acknowledged {
        r.acknowledged_at = Some(now);
        if r.type_ == RequestType::Preservation {
            r.preservation_until = Some(now + Duration::days(rules::PRESERVATION_DAYS));
        }
    }
    r.status = t.to;
    let r = store::save(c, &r).await?;
    changed(c, act, from, &r, t.reason, t.note).await?;
    act.on("data_request", id).details(json!({"from": from, "to": r.status})).write(c).await?;
    view::full(c, r, &act.viewer()).await
}

/// A validator's decision: by which officer, which way, with which reasons (for the issuer).
pub struct Decided {
    pub officer: OfficerIdentity,
    pub approve: bool,
    pub note: Option<String>,
}

/// A prosecutor's decision on a request that awaits one.
pub async fn validate(
    c: &mut Conn,
    act: &Grant,
    signer: &DocumentSigner,
    id: RequestId,
    if_match: IfMatch,
    decided_by: Decided,
) -> ApiResult<DataRequest> {
    let Decided { officer, approve, note } = decided_by;
    let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(r.version)?;
    if !rules::awaits_validation(&r) {
        return Err(ApiError::InvalidTransition {
            detail: "this request awaits no validation".into(),
            allowed: vec![],
        });
    }
    let now = Utc::now();
    let before = r.status;
    r.validated_at = Some(now);
    r.validated_by_org_id = Some(act.org_id);
    r.validating_officer = Some(json!(&officer));
    let decided = rules::validated(before, r.received_at.is_some(), approve);
    if let Some(status) = decided.status {
        r.status = status;
    }
    if decided.reaches {
        r.received_at = Some(now);
        r.deadline = Some(rules::deadline(r.urgency, now, r.requested_deadline));
    }
    // The decision is in the history everyone on the request reads; the validator's reasons go
    // to the issuer alone, as a message.
    let decision = if approve { "validation approved" } else { "validation refused" };
    if decided.seals {
        r.sealed_at = Some(now);
        r.seal_reason = Some(format!("{decision} on {}", now.format("%Y-%m-%d")));
    }
    let r = store::save(c, &r).await?;
    signed::sign(c, signer, &r, signed::VALIDATION, None, &signed::validation(&r, act, approve, now)).await?;
    changed(c, act, before, &r, None, Some(decision.to_string())).await?;
    if let Some(reasons) = note {
        write_message(c, act, &r, r.issuer_org_id, format!("{decision}: {reasons}")).await?;
    }
    if decided.reaches {
        signed::sign(c, signer, &r, signed::ORDER, None, &signed::order(&r)).await?;
        events::emit(c, EventType::RequestReceived, r.addressee_org_id, &received(&r)).await?;
    }
    if decided.seals {
        // The regulation's rule: what was obtained under a refused validation is deleted or
        // restricted. The addressee is told to do so for what it produced.
        let payload = json!({
            "request_id": r.id, "reference": r.reference, "sealed_at": r.sealed_at, "reason": r.seal_reason,
            "instruction": "delete or restrict the data produced for this request",
        });
        for org in [r.addressee_org_id, r.issuer_org_id] {
            events::emit(c, EventType::RequestSealed, org, &payload).await?;
        }
    }
    let details = json!({"approve": approve, "from": before, "to": r.status, "sealed": decided.seals});
    act.on("data_request", id).details(details).write(c).await?;
    view::full(c, r, &act.viewer()).await
}

/// Extends an acknowledged preservation by 90 days.
pub async fn extend(c: &mut Conn, act: &Grant, id: RequestId, if_match: IfMatch) -> ApiResult<DataRequest> {
    let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    if_match.check(r.version)?;
    let open = r.status.is_open() && r.sealed_at.is_none();
    let Some(until) = r.preservation_until.filter(|_| r.type_ == RequestType::Preservation && open) else {
        return Err(ApiError::InvalidTransition {
            detail: "only an acknowledged preservation still open (not withdrawn, closed or sealed) can be extended"
                .into(),
            allowed: vec![],
        });
    };
    r.preservation_until = Some(rules::extended(until, Utc::now()));
    r.notices_sent.retain(|n| *n != Notice::Expiring);
    let r = store::save(c, &r).await?;
    let note = r.preservation_until.map(|u| format!("preservation extended to {}", u.to_rfc3339()));
    changed(c, act, r.status, &r, None, note).await?;
    act.on("data_request", id).write(c).await?;
    view::full(c, r, &act.viewer()).await
}

/// Posts a message on `r` to `to`, one of its parties (`rules::message_to`).
pub async fn post_message(c: &mut Conn, act: &Grant, r: &RequestRow, to: OrgId, text: String) -> ApiResult<MessageRow> {
    let saved = write_message(c, act, r, to, text).await?;
    act.on("data_request", r.id).write(c).await?;
    Ok(saved)
}

/// Stores a message and tells its recipient.
async fn write_message(c: &mut Conn, act: &Grant, r: &RequestRow, to: OrgId, text: String) -> ApiResult<MessageRow> {
    let row = MessageRow {
        id: Uuid::now_v7(),
        request_id: r.id,
        author_org_id: act.org_id,
        author_id: Some(act.actor_id()),
        body: text,
        created_at: Utc::now(),
        recipient_org_id: Some(to),
    };
    let saved = store::insert_message(c, &row).await?;
    let payload = json!({"request_id": r.id, "reference": r.reference, "message_id": saved.id});
    events::emit(c, EventType::RequestMessage, to, &payload).await?;
    Ok(saved)
}

/// Stores a response of the addressee with its attachments (content type sniffed, SHA-256
/// kept) and tells the issuer.
/// 409 unless the request is where a response goes (checked before an upload is read, and
/// again on the locked row).
pub fn takes_response(r: &RequestRow) -> ApiResult<()> {
    if rules::takes_response(r.status) && r.sealed_at.is_none() {
        return Ok(());
    }
    Err(ApiError::InvalidTransition {
        detail: format!("a request in `{}` takes no response; acknowledge it first", r.status),
        allowed: vec![],
    })
}

pub async fn respond(
    c: &mut Conn,
    act: &Grant,
    signer: &DocumentSigner,
    id: RequestId,
    upload: super::upload::Upload,
    now: DateTime<Utc>,
) -> ApiResult<DataRequest> {
    let r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
    takes_response(&r)?;
    let response = ResponseRow {
        id: Uuid::now_v7(),
        request_id: id,
        records: upload.records.unwrap_or(serde_json::Value::Array(vec![])),
        author_org_id: act.org_id,
        author_id: Some(act.actor_id()),
        created_at: now,
    };
    store::insert_response(c, &response).await?;
    signed::sign(c, signer, &r, signed::RESPONSE, Some(response.id), &signed::response(&r, &response, &upload.files))
        .await?;
    let mut hashes = Vec::new();
    for file in upload.files {
        hashes.push(hex::encode(&file.sha256));
        let attachment = NewAttachment {
            id: file.id,
            response_id: response.id,
            request_id: id,
            filename: file.filename,
            content_type: file.content_type.to_string(),
            size: file.size,
            sha256: file.sha256,
        };
        store::insert_attachment(c, &attachment).await?;
    }
    let payload = json!({"request_id": id, "reference": r.reference, "response_id": response.id});
    events::emit(c, EventType::RequestResponse, r.issuer_org_id, &payload).await?;
    let details = json!({"response_id": response.id, "attachments_sha256": hashes});
    act.on("data_request", id).details(details).write(c).await?;
    view::full(c, r, &act.viewer()).await
}
