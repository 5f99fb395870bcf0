//! Issuing, listing and reading requests.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::capabilities::declared_unsupported;
use super::{viewer, visible};
use crate::access::{Action, Principal};
use crate::domain::{Check, OrgKind, RequestId};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::with_etag;
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::{rules, service, store, view};
use crate::{organizations, reports};

/// Checks against the directory what a request names: an active ISP or bank (banks alone
/// freeze funds) whose catalogue does not refuse the type, and reports the issuer can see.
async fn check_references(
    conn: &mut Conn,
    check: &mut Check,
    body: &CreateRequest,
    viewer: &crate::domain::report::Viewer,
) -> ApiResult<()> {
    let kind = body.type_.parse::<RequestType>().ok();
    let addressee = organizations::store::get(conn, body.addressee_id).await?.filter(|o| o.active);
    match (addressee.map(|o| o.kind), kind) {
        (None, _) => check.add("addressee_id", "no such active organisation"),
        (Some(OrgKind::Isp), Some(RequestType::FreezeFunds)) => {
            check.add("addressee_id", "freeze requests go to banks")
        }
        (Some(OrgKind::Isp | OrgKind::Bank), _) => {}
        (Some(_), _) => check.add("addressee_id", "requests go to ISPs and banks"),
    }
    if let Some(kind) = kind {
        let catalogue = store::capabilities_of(conn, body.addressee_id).await?;
        if declared_unsupported(catalogue.as_ref(), kind) {
            check.add(
                "type",
                format!("the addressee declared in its capability catalogue that it cannot answer {kind}"),
            );
        }
    }
    for (i, r) in body.report_ids.iter().enumerate() {
        if reports::store::get_visible(conn, viewer, (*r).into()).await?.is_none() {
            check.add(format!("report_ids[{i}]"), "no such report visible to you");
        }
    }
    Ok(())
}

/// Issues a data, preservation or freeze request to an ISP or bank. A law-enforcement request
/// for traffic or content data waits in `pending_validation` for a prosecutor, unless it is an
/// emergency: then it goes out at once and must be validated within 48 hours.
#[utoipa::path(
    tag = "requests",
    request_body = CreateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe: the first answer is given again")),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses((status = 201, description = "issued", body = DataRequest, headers(("ETag" = String))), Common, JsonBody, Denied)
)]
#[post("/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateRequest>,
) -> ApiResult<HttpResponse> {
    let kind = body.type_.parse::<RequestType>().map_err(|e| ApiError::field("type", e))?;
    let act = principal.authorize(&state, rules::issuing(kind)).await?;
    let idem = Idempotent::new(&req, "requests", act.org_id, &*body)?;
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let input = body.parse(&mut check);
    check_references(&mut conn, &mut check, &body, &act.viewer()).await?;
    let input = check.done(|| input)?;
    let created = conn
        .transaction(async |c| {
            let request = service::create(c, &act, input, body.addressee_id, &body).await?;
            idem.record(c, StatusCode::CREATED, &request).await
        })
        .await;
    Ok(idem.settle(&mut conn, created).await?.respond())
}

/// Requests you issued or received (`box`), newest first, with filters for status, type,
/// urgency, overdue ones and preservations expiring soon.
#[utoipa::path(
    tag = "requests",
    params(RequestQuery),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "a page of requests", body = RequestPage), Common, Denied)
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<RequestQuery>,
) -> ApiResult<web::Json<RequestPage>> {
    let act = principal.authorize(&state, Action::ListRequests).await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let filter = q.parse()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer(&act), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id.0));
    let ids: Vec<RequestId> = rows.iter().map(|r| r.id).collect();
    let mut history = store::history(&mut conn, &ids).await?;
    act.record_read(&state, None, serde_json::json!({"rows": rows.len()}));
    let items = rows
        .into_iter()
        .map(|r| {
            let mine = history.extract_if(.., |h| h.request_id == r.id).collect();
            view::summary(r, mine)
        })
        .collect();
    Ok(web::Json(RequestPage { items, next_cursor }))
}

impl RequestQuery {
    fn parse(&self) -> Result<store::ListFilter, crate::domain::Invalid> {
        let mut check = Check::new();
        let filter = store::ListFilter {
            r#box: check.optional("box", self.r#box.as_deref(), str::parse),
            status: check.optional("status", self.status.as_deref(), str::parse),
            type_: check.optional("type", self.r#type.as_deref(), str::parse),
            urgency: check.optional("urgency", self.urgency.as_deref(), str::parse),
            overdue: self.overdue.unwrap_or(false),
            expiring_before: check
                .optional("expiring_within", self.expiring_within.as_deref(), |w| {
                    w.trim_end_matches('d').parse::<i64>().map_err(|_| "days, e.g. 7d".to_string())
                })
                .map(|d| Utc::now() + Duration::days(d)),
            case_reference: self.case_reference.clone(),
            addressee_id: self.addressee_id.map(Into::into),
            issuer_id: self.issuer_id.map(Into::into),
        };
        check.finish()?;
        Ok(filter)
    }
}

/// One request with its history, if you issued it, received it, or validate it.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the request", body = DataRequest, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadRequest).await?;
    let id = id.into_inner();
    let row = visible(&state, &act, id).await?;
    act.record_read(&state, Some(("data_request", id.to_string())), serde_json::json!({}));
    let request = view::full(&mut *state.pool.get().await?, row).await?;
    Ok(with_etag(StatusCode::OK, request.version, &request))
}
