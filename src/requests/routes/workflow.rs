//! Moving a request: transitions by the issuer or the addressee, judicial validation, and the
//! extension of a preservation.

use actix_web::{post, web};
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::requests::received;
use super::{full, visible};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::db::Conn;
use crate::domain::{from_db, Check, OrgKind};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::requests::model::*;
use crate::requests::store;
use crate::AppState;

/// The caller's side of the request, if it may act on it.
fn side(principal: &Principal, r: &RequestRow) -> Option<Side> {
    if principal.org_id == r.issuer_org_id
        && (principal.can(Permission::IssueDataRequests) || principal.can(Permission::IssueFreezeRequests))
    {
        Some(Side::Issuer)
    } else if principal.org_id == r.addressee_org_id && principal.can(Permission::AnswerRequests) {
        Some(Side::Addressee)
    } else {
        None
    }
}

/// Writes the history row and tells the other side.
async fn changed(
    c: &mut Conn,
    principal: &Principal,
    before: &str,
    r: &RequestRow,
    reason: Option<String>,
    note: Option<String>,
) -> ApiResult<()> {
    store::record(
        c,
        &HistoryRow {
            request_id: r.id,
            from_status: Some(before.to_string()),
            to_status: r.status.clone(),
            actor_org_id: principal.org_id,
            actor_id: principal.user_id().or(principal.api_key_id()),
            reason_code: reason.clone(),
            note: note.clone(),
            at: Utc::now(),
        },
    )
    .await?;
    let payload = serde_json::json!({
        "request_id": r.id, "reference": r.reference, "from": before, "to": r.status, "reason_code": reason, "note": note,
    });
    for org in [r.issuer_org_id, r.addressee_org_id] {
        if org != principal.org_id && !(org == r.addressee_org_id && r.received_at.is_none()) {
            events::emit(c, EventType::RequestStatusChanged, org, &payload).await?;
        }
    }
    Ok(())
}

/// Moves a request: the addressee acknowledges, works, asks for clarification, fulfils
/// (fully or partly) or rejects (with a reason code); the issuer answers a clarification or
/// withdraws. Anything else is 409 with the transitions allowed to you from here.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = Transition,
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 200, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "not allowed from this state for your side; `allowed_transitions` lists what is", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/transitions")]
pub async fn transition_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<Transition>,
) -> ApiResult<web::Json<DataRequest>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.transition").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let current = visible(&state, &mut conn, &principal, id, "request.transition").await?;
    let Some(side) = side(&principal, &current) else {
        audit::record_denied(&state, Entry::of(&principal, "request.transition").object("data_request", id)).await;
        return Err(ApiError::Forbidden("only the issuer and the addressee move a request".into()));
    };
    let mut check = Check::new();
    let to = check.take("to", body.to.parse::<RequestStatus>());
    let reason = body.reason_code.as_deref().and_then(|r| check.take("reason_code", r.parse::<ReasonCode>()));
    let note = body.note.as_deref().and_then(|n| check.text("note", n, 1, 5000));
    if to == Some(RequestStatus::Rejected) && reason.is_none() {
        check.add("reason_code", "a rejection needs a reason code");
    }
    if matches!(to, Some(RequestStatus::Rejected | RequestStatus::PartiallyFulfilled)) && note.is_none() {
        check.add("note", "say why in a note");
    }
    check.finish()?;
    let to = to.ok_or_else(|| ApiError::Internal("validated status missing".into()))?;
    let request = conn
        .transaction(async |c| {
            let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            let from: RequestStatus = from_db(&r.status)?;
            let allowed = from.allowed(side);
            if !allowed.contains(&to) {
                return Err(ApiError::InvalidTransition {
                    detail: format!(
                        "a request in `{from}` cannot be moved to `{to}` by the {}",
                        if side == Side::Issuer { "issuer" } else { "addressee" }
                    ),
                    allowed: allowed.iter().map(|s| s.as_str().to_string()).collect(),
                });
            }
            let now = Utc::now();
            if from == RequestStatus::Submitted && to == RequestStatus::Acknowledged {
                r.acknowledged_at = Some(now);
                if r.type_ == RequestType::Preservation.as_str() {
                    r.preservation_until = Some(now + Duration::days(PRESERVATION_DAYS));
                }
            }
            let before = std::mem::replace(&mut r.status, to.as_str().to_string());
            let r = store::save(c, &r).await?;
            changed(c, &principal, &before, &r, reason.map(|x| x.as_str().to_string()), note.clone()).await?;
            Entry::of(&principal, "request.transition")
                .object("data_request", id)
                .details(serde_json::json!({"from": before, "to": r.status}))
                .write(c)
                .await?;
            full(c, r).await
        })
        .await?;
    Ok(web::Json(request))
}

/// A prosecutor's decision on a law-enforcement request for traffic or content data:
/// `approve` sends a pending request to the addressee (or confirms an emergency one already
/// out); `reject` stops it (an emergency one already out is withdrawn).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = Validation,
    security(("bearer" = [])),
    responses(
        (status = 200, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/validate")]
pub async fn validate_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<Validation>,
) -> ApiResult<web::Json<DataRequest>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.validate").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    visible(&state, &mut conn, &principal, id, "request.validate").await?;
    if principal.org_kind != OrgKind::Prosecution || principal.user_id().is_none() {
        audit::record_denied(&state, Entry::of(&principal, "request.validate").object("data_request", id)).await;
        return Err(ApiError::Forbidden("a prosecutor validates requests".into()));
    }
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError::field("decision", "approve or reject")),
    };
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let request = conn
        .transaction(async |c| {
            let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            let from: RequestStatus = from_db(&r.status)?;
            let awaiting = from == RequestStatus::PendingValidation
                || (r.validation_due_at.is_some() && r.validated_at.is_none() && from.is_open());
            if !awaiting {
                return Err(ApiError::InvalidTransition {
                    detail: "this request awaits no validation".into(),
                    allowed: vec![],
                });
            }
            let now = Utc::now();
            let before = r.status.clone();
            r.validated_at = Some(now);
            r.validated_by_org_id = Some(principal.org_id);
            let mut reached = false;
            if approve && from == RequestStatus::PendingValidation {
                let urgency: Urgency = from_db(&r.urgency)?;
                r.status = RequestStatus::Submitted.as_str().into();
                r.received_at = Some(now);
                r.deadline = Some(deadline(urgency, now, r.requested_deadline));
                reached = true;
            } else if !approve {
                r.status = if from == RequestStatus::PendingValidation {
                    RequestStatus::ValidationRejected
                } else {
                    RequestStatus::Withdrawn
                }
                .as_str()
                .into();
            }
            let r = store::save(c, &r).await?;
            let decision = if approve { "validation approved" } else { "validation refused" };
            let note = Some(note.map_or(decision.to_string(), |n| format!("{decision}: {n}")));
            changed(c, &principal, &before, &r, None, note).await?;
            if reached {
                events::emit(c, EventType::RequestReceived, r.addressee_org_id, &received(&r)).await?;
            }
            Entry::of(&principal, "request.validate")
                .object("data_request", id)
                .details(serde_json::json!({"approve": approve}))
                .write(c)
                .await?;
            full(c, r).await
        })
        .await?;
    Ok(web::Json(request))
}

/// Extends a preservation by 90 days (issuer).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 200, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/extend")]
pub async fn extend_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DataRequest>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.extend").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let current = visible(&state, &mut conn, &principal, id, "request.extend").await?;
    if side(&principal, &current) != Some(Side::Issuer) {
        audit::record_denied(&state, Entry::of(&principal, "request.extend").object("data_request", id)).await;
        return Err(ApiError::Forbidden("the issuer extends a preservation".into()));
    }
    let request = conn
        .transaction(async |c| {
            let mut r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            let Some(until) = r.preservation_until.filter(|_| r.type_ == RequestType::Preservation.as_str()) else {
                return Err(ApiError::InvalidTransition {
                    detail: "only an acknowledged preservation can be extended".into(),
                    allowed: vec![],
                });
            };
            let base = until.max(Utc::now());
            r.preservation_until = Some(base + Duration::days(PRESERVATION_DAYS));
            r.notices_sent.retain(|n| n != "expiring");
            let r = store::save(c, &r).await?;
            let note = r.preservation_until.map(|u| format!("preservation extended to {}", u.to_rfc3339()));
            let status = r.status.clone();
            changed(c, &principal, &status, &r, None, note).await?;
            Entry::of(&principal, "request.extend").object("data_request", id).write(c).await?;
            full(c, r).await
        })
        .await?;
    Ok(web::Json(request))
}
