//! Issuing, listing and reading requests.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::{viewer, visible};
use crate::access::{Action, Principal};
use crate::domain::{Check, RequestId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::with_etag;
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::{policy, rules, service, store, view};
use crate::users::model::OfficerAuthorisation;

/// Issues a data, preservation or freeze request to an ISP or bank. Where the validation table
/// asks for it (a police request for traffic or content data needs a prosecutor at home; across
/// EU member states see README), the request names its validator in `validator_id` and waits
/// in `pending_validation`, unseen by the addressee; an emergency the table lets go first goes
/// out at once and must be validated within 48 hours.
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
    let officer = super::officer(&state, &act, OfficerAuthorisation::IssueDataRequests).await?;
    let idem = Idempotent::new(&req, "requests", act.org_id, &*body)?;
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let input = body.parse(&mut check);
    let tables = policy::Tables::configured(state.config.validation_tables.as_deref()).map_err(ApiError::internal)?;
    let plan = service::plan(&mut conn, &mut check, &act, &body, input.as_ref(), &tables).await?;
    let (input, plan) = check.done(|| input.zip(plan))?;
    let created = conn
        .transaction(async |c| {
            let request = service::create(c, &act, &state.signer, &officer, input, plan, &body).await?;
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
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    act.entry().details(serde_json::json!({"rows": rows.len(), "ids": ids})).write(&conn).await?;
    let items = view::summaries(&mut conn, rows, &act.viewer()).await?;
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
                    w.trim_end_matches('d')
                        .parse::<i64>()
                        .ok()
                        .filter(|d| (0..=3650).contains(d))
                        .ok_or_else(|| "days from 0 to 3650, e.g. 7d".to_string())
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
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({})).await?;
    let request = view::full(&mut conn, row, &act.viewer()).await?;
    Ok(with_etag(StatusCode::OK, request.version, &request))
}
