//! The documents the platform signs for the parties of a request: the order as it reaches the
//! addressee, a validator's decision, and each response. Each is a JSON object of a named
//! `type`, canonicalised (RFC 8785) and signed (a detached JWS, `kernel::signing`); the exact
//! text and the signature are stored, so that an ISP or a bank can check years later what was
//! ordered, by whom, under which validation, and what was answered.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::model::{RequestRow, ResponseRow};
use super::store;
use super::upload::StoredFile;
use crate::access::Grant;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::kernel::jcs;
use crate::kernel::signing::DocumentSigner;

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| json!(t.to_rfc3339_opts(SecondsFormat::Micros, true))).unwrap_or(Value::Null)
}

/// The order as it goes out to the addressee.
pub fn order(r: &RequestRow) -> Value {
    json!({
        "type": "cyberbridge.order/v1",
        "request_id": r.id,
        "reference": r.reference,
        "request_type": r.type_,
        "issuer": {"organization_id": r.issuer_org_id, "actor_id": r.issuer_actor_id, "officer": r.issuing_officer},
        "addressee_id": r.addressee_org_id,
        "case_reference": r.case_reference,
        "legal_basis": {"provision": r.legal_provision, "text": r.legal_text},
        "data_categories": r.data_categories,
        "urgency": r.urgency,
        "justification": r.justification,
        "identifiers": r.identifiers,
        "period": {"from": time(r.period_from), "to": time(r.period_to)},
        "no_customer_notification_until": r.no_customer_notification_until,
        "deadline": time(r.deadline),
        "validation": {
            "table": r.validation_table, "validator_id": r.validator_org_id,
            "validated_at": time(r.validated_at), "validated_by": r.validated_by_org_id,
            "officer": r.validating_officer,
        },
        "issued_at": time(Some(r.created_at)),
        "sent_at": time(r.received_at),
    })
}

/// A validator's decision on a request (its reasons go to the issuer alone, and are not in it).
pub fn validation(r: &RequestRow, act: &Grant, approve: bool, at: DateTime<Utc>) -> Value {
    json!({
        "type": "cyberbridge.validation/v1",
        "request_id": r.id,
        "reference": r.reference,
        "decision": if approve { "approve" } else { "reject" },
        "validator": {"organization_id": act.org_id, "actor_id": act.actor_id(), "officer": r.validating_officer},
        "validation_table": r.validation_table,
        "decided_at": time(Some(at)),
    })
}

/// A response, with each file by its SHA-256.
pub fn response(r: &RequestRow, resp: &ResponseRow, files: &[StoredFile]) -> Value {
    let attachments: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
                "sha256": hex::encode(&f.sha256),
            })
        })
        .collect();
    json!({
        "type": "cyberbridge.response/v1",
        "request_id": r.id,
        "reference": r.reference,
        "response_id": resp.id,
        "author": {"organization_id": resp.author_org_id, "actor_id": resp.author_id},
        "records": resp.records,
        "attachments": attachments,
        "created_at": time(Some(resp.created_at)),
    })
}

/// The kinds of signed document.
pub const ORDER: &str = "order";
pub const VALIDATION: &str = "validation";
pub const RESPONSE: &str = "response";

/// Canonicalises, signs and stores `document` of the request, in the caller's transaction.
pub async fn sign(
    c: &mut Conn,
    signer: &DocumentSigner,
    r: &RequestRow,
    kind: &'static str,
    object_id: Option<Uuid>,
    document: &Value,
) -> ApiResult<()> {
    let payload = jcs::canonical(document);
    let jws = signer.sign_detached(&payload)?;
    store::record_signing_key(c, signer.kid(), signer.public_key()).await?;
    store::insert_signed(c, r.id, kind, object_id, &payload, &jws, signer.kid()).await
}
