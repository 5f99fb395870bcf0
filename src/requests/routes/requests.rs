//! Issuing, listing and reading requests.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::capabilities::declared_unsupported;
use super::{full, viewer, visible};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::{Check, OrgKind};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::indicators::normalize::{normalize, IndicatorType};
use crate::requests::model::*;
use crate::requests::store;
use crate::{idempotency, pagination, AppState};

/// Validates the identifiers; an IP address must come with the time it was seen, with offset.
fn check_identifiers(check: &mut Check, items: &[Identifier]) -> Vec<serde_json::Value> {
    if items.is_empty() {
        check.add("identifiers", "give at least one identifier");
    }
    let mut out = Vec::new();
    for (i, id) in items.iter().enumerate() {
        let Some(t) = check.take(&format!("identifiers[{i}].type"), id.type_.parse::<IndicatorType>()) else {
            continue;
        };
        let Some(value) = check.take(&format!("identifiers[{i}].value"), normalize(t, &id.value)) else { continue };
        let observed_at = match (&id.observed_at, t) {
            (Some(ts), _) => check.take(
                &format!("identifiers[{i}].observed_at"),
                DateTime::parse_from_rfc3339(ts).map_err(|_| {
                    "must be an RFC 3339 time with its UTC offset, e.g. 2026-11-20T10:15:00+01:00".to_string()
                }),
            ),
            (None, IndicatorType::Ipv4 | IndicatorType::Ipv6) => {
                check.add(
                    format!("identifiers[{i}].observed_at"),
                    "an IP address identifies a subscriber only with the time it was used: give observed_at with its UTC offset",
                );
                None
            }
            (None, _) => None,
        };
        out.push(serde_json::json!({"type": t, "value": value, "port": id.port, "observed_at": observed_at}));
    }
    out
}

/// Issues a data, preservation or freeze request to an ISP or bank. A law-enforcement request
/// for traffic or content data waits in `pending_validation` for a prosecutor, unless it is an
/// emergency: then it goes out at once and must be validated within 48 hours.
#[utoipa::path(
    tag = "requests",
    request_body = CreateRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 201, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateRequest>,
) -> ApiResult<HttpResponse> {
    let kind = body.type_.parse::<RequestType>().map_err(|e| ApiError::field("type", e))?;
    let permission =
        if kind == RequestType::FreezeFunds { Permission::IssueFreezeRequests } else { Permission::IssueDataRequests };
    audit::require(&state, &principal, permission, "request.create").await?;
    let key = idempotency::key(&req)?;
    let request_hash = idempotency::hash(&serde_json::to_value(&*body).map_err(ApiError::internal)?);
    let mut conn = state.pool.get().await?;
    let addressee = crate::organizations::store::get(&mut conn, body.addressee_id).await?.filter(|o| o.active);
    let mut check = Check::new();
    match addressee.as_ref().map(|o| o.kind.as_str()) {
        None => check.add("addressee_id", "no such active organisation"),
        Some("bank") => {}
        Some("isp") if kind != RequestType::FreezeFunds => {}
        Some("isp") => check.add("addressee_id", "freeze requests go to banks"),
        Some(_) => check.add("addressee_id", "requests go to ISPs and banks"),
    }
    let catalogue = store::capabilities_of(&mut conn, body.addressee_id).await?;
    if declared_unsupported(catalogue.as_ref(), kind) {
        check.add("type", format!("the addressee declared in its capability catalogue that it cannot answer {kind}"));
    }
    let case_reference = check.text("case_reference", &body.case_reference, 1, 200);
    let provision = check.text("legal_basis.provision", &body.legal_basis.provision, 1, 500);
    let legal_text = body.legal_basis.text.as_deref().and_then(|t| check.text("legal_basis.text", t, 1, 10_000));
    let urgency = check.take("urgency", body.urgency.parse::<Urgency>());
    let mut categories: Vec<DataCategory> = Vec::new();
    for (i, c) in body.data_categories.iter().enumerate() {
        if let Some(c) = check.take(&format!("data_categories[{i}]"), c.parse::<DataCategory>()) {
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
    }
    if body.data_categories.is_empty() {
        check.add("data_categories", "give at least one data category");
    }
    let justification = body.justification.as_deref().map(str::trim).filter(|j| !j.is_empty()).map(str::to_string);
    if urgency == Some(Urgency::Emergency) && justification.as_ref().is_none_or(|j| j.chars().count() < 50) {
        check.add(
            "justification",
            "an emergency request needs a justification of at least 50 characters (the threat to life or safety)",
        );
    }
    let identifiers = check_identifiers(&mut check, &body.identifiers);
    if let Some(p) = &body.period {
        if p.from >= p.to {
            check.add("period.to", "must be after period.from");
        }
    }
    for (i, r) in body.report_ids.iter().enumerate() {
        let seen =
            crate::reports::store::get_visible(&mut conn, &crate::reports::model::Viewer::of(&principal), *r).await?;
        if seen.is_none() {
            check.add(format!("report_ids[{i}]"), "no such report visible to you");
        }
    }
    check.finish()?;
    let (Some(case_reference), Some(provision), Some(urgency)) = (case_reference, provision, urgency) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let now = Utc::now();
    let needs_validation = principal.org_kind == OrgKind::LawEnforcement
        && categories.iter().any(|c| matches!(c, DataCategory::Traffic | DataCategory::Content));
    let emergency = urgency == Urgency::Emergency;
    let goes_out = !needs_validation || emergency;
    let requested_deadline = body.deadline.map(|d| d.with_timezone(&Utc));
    let mut row = RequestRow {
        id: Uuid::now_v7(),
        reference: String::new(),
        type_: kind.as_str().into(),
        issuer_org_id: principal.org_id,
        issuer_actor_id: principal.user_id().or(principal.api_key_id()),
        addressee_org_id: body.addressee_id,
        case_reference,
        legal_provision: provision,
        legal_text,
        data_categories: categories.iter().map(|c| c.as_str().to_string()).collect(),
        urgency: urgency.as_str().into(),
        justification,
        identifiers: serde_json::Value::Array(identifiers),
        period_from: body.period.as_ref().map(|p| p.from.with_timezone(&Utc)),
        period_to: body.period.as_ref().map(|p| p.to.with_timezone(&Utc)),
        report_ids: body.report_ids.clone(),
        no_customer_notification_until: body.no_customer_notification_until,
        status: if goes_out { RequestStatus::Submitted } else { RequestStatus::PendingValidation }.as_str().into(),
        requested_deadline,
        received_at: goes_out.then_some(now),
        deadline: goes_out.then(|| deadline(urgency, now, requested_deadline)),
        acknowledged_at: None,
        preservation_until: None,
        validation_due_at: (needs_validation && emergency).then(|| now + Duration::hours(VALIDATION_HOURS)),
        validated_at: None,
        validated_by_org_id: None,
        notices_sent: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let created = conn
        .transaction(async |c| {
            row.reference = store::next_reference(c).await?;
            let row = store::insert(c, &row).await?;
            store::record(
                c,
                &HistoryRow {
                    request_id: row.id,
                    from_status: None,
                    to_status: row.status.clone(),
                    actor_org_id: principal.org_id,
                    actor_id: principal.user_id().or(principal.api_key_id()),
                    reason_code: None,
                    note: None,
                    at: now,
                },
            )
            .await?;
            if goes_out {
                events::emit(c, EventType::RequestReceived, row.addressee_org_id, &received(&row)).await?;
            }
            Entry::of(&principal, "request.create")
                .object("data_request", row.id)
                .details(serde_json::json!({"status": row.status}))
                .write(c)
                .await?;
            let answer = serde_json::to_value(full(c, row).await?).map_err(ApiError::internal)?;
            if let Some(k) = &key {
                idempotency::record(c, principal.org_id, IDEMPOTENCY_SCOPE, k, &request_hash, 201, &answer).await?;
            }
            Ok::<_, ApiError>((201, answer))
        })
        .await;
    let (_, request) =
        idempotency::settle(&mut conn, principal.org_id, IDEMPOTENCY_SCOPE, key.as_deref(), &request_hash, created)
            .await?;
    Ok(HttpResponse::Created().json(request))
}

const IDEMPOTENCY_SCOPE: &str = "requests";

/// Payload of `request.received`.
pub(super) fn received(r: &RequestRow) -> serde_json::Value {
    serde_json::json!({
        "request_id": r.id, "reference": r.reference, "type": r.type_, "urgency": r.urgency,
        "issuer_id": r.issuer_org_id, "deadline": r.deadline,
        "no_customer_notification_until": r.no_customer_notification_until,
    })
}

/// Requests you issued or received (`box`), newest first, with filters for status, type,
/// urgency, overdue ones and preservations expiring soon.
#[utoipa::path(
    tag = "requests",
    params(RequestQuery),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, body = RequestPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<RequestQuery>,
) -> ApiResult<web::Json<RequestPage>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.list").await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut check = Check::new();
    let issued = match q.r#box.as_deref() {
        None => None,
        Some("issued") => Some(true),
        Some("received") => Some(false),
        Some(_) => {
            check.add("box", "issued or received");
            None
        }
    };
    let status = q.status.as_deref().and_then(|s| check.take("status", s.parse::<RequestStatus>()));
    let type_ = q.r#type.as_deref().and_then(|s| check.take("type", s.parse::<RequestType>()));
    let urgency = q.urgency.as_deref().and_then(|s| check.take("urgency", s.parse::<Urgency>()));
    let expiring = q.expiring_within.as_deref().and_then(|w| {
        check.take("expiring_within", w.trim_end_matches('d').parse::<i64>().map_err(|_| "days, e.g. 7d".to_string()))
    });
    check.finish()?;
    let filter = store::ListFilter {
        issued,
        status: status.map(|s| s.as_str().into()),
        type_: type_.map(|s| s.as_str().into()),
        urgency: urgency.map(|s| s.as_str().into()),
        overdue: q.overdue.unwrap_or(false),
        expiring_before: expiring.map(|d| Utc::now() + Duration::days(d)),
        case_reference: q.case_reference.clone(),
        addressee_id: q.addressee_id,
        issuer_id: q.issuer_id,
    };
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer(&principal), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id));
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut history = store::history(&mut conn, &ids).await?;
    state.audit.push(Entry::of(&principal, "request.list").details(serde_json::json!({"rows": rows.len()})));
    let items = rows
        .into_iter()
        .map(|r| {
            let mine = history.extract_if(.., |h| h.request_id == r.id).collect();
            DataRequest::from_rows(r, mine)
        })
        .collect();
    Ok(web::Json(RequestPage { items, next_cursor }))
}

/// One request with its history, if you issued it, received it, or validate it.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DataRequest>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.read").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let row = visible(&state, &mut conn, &principal, id, "request.read").await?;
    state.audit.push(Entry::of(&principal, "request.read").object("data_request", id));
    Ok(web::Json(full(&mut conn, row).await?))
}
