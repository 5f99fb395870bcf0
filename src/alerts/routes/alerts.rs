//! Creating, listing and reading alerts.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::access::{Action, Principal};
use crate::alerts::model::*;
use crate::alerts::rules::AlertViewer;
use crate::alerts::{service, store, view};
use crate::domain::AlertId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::with_etag;
use crate::kernel::http::idempotency::Idempotent;
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;

/// Alerts the beneficiary bank of a fraudulent payment, found from the IBAN's country and
/// national bank code (or the BIC); it gets an `alert.received` event at once. No bank found:
/// the alert is kept `unrouted` for the public sector. Send `Idempotency-Key`: a retry with the
/// same key and body answers the first answer and creates nothing.
#[utoipa::path(
    tag = "fraud-alerts",
    request_body = CreateAlert,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe: the first answer is given again")),
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses((status = 201, description = "sent", body = Alert, headers(("ETag" = String))), Common, JsonBody, Denied)
)]
#[post("/fraud-alerts")]
pub async fn create_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateAlert>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateAlert).await?;
    let idem = Idempotent::new(&req, "fraud-alerts", act.org_id, &*body)?;
    let input = body.into_inner().parse()?;
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction(async |c| {
            let new = service::prepare(c, &act, &state.hub.key_cache, input).await?;
            // The alert, its event, its audit row and the idempotent answer: one round trip.
            let c = &*c;
            let (_, answer) =
                tokio::try_join!(service::write(c, &act, &new), idem.record(c, StatusCode::CREATED, &new.alert))?;
            Ok(answer)
        })
        .await;
    Ok(idem.settle(&mut conn, created).await?.respond())
}

/// Alerts you sent or received (`box`), newest first; the public sector sees all, unrouted
/// ones included.
#[utoipa::path(
    tag = "fraud-alerts",
    params(AlertQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "a page of alerts", body = AlertPage), Common, Denied)
)]
#[get("/fraud-alerts")]
pub async fn list_fraud_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AlertQuery>,
) -> ApiResult<web::Json<AlertPage>> {
    let act = principal.authorize(&state, Action::ListAlerts).await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let filter = q.parse()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &AlertViewer::of(&act), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id.0));
    let ids: Vec<AlertId> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let next_hops = store::children_of(&mut conn, &ids).await?;
    act.record_read(&state, None, serde_json::json!({"rows": rows.len()}));
    let items = rows.into_iter().map(|r| view::alert(r, &outcomes, &next_hops)).collect();
    Ok(web::Json(AlertPage { items, next_cursor }))
}

/// One alert with its outcomes.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "the alert", body = Alert, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/fraud-alerts/{id}")]
pub async fn get_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<AlertId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadAlert).await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &AlertViewer::of(&act), id).await? else {
        return Err(act.hide(&state, "fraud_alert", id).await);
    };
    let outcomes = store::outcomes_of(&mut conn, &[id]).await?;
    let next_hops = store::children_of(&mut conn, &[id]).await?;
    act.record_read(&state, Some(("fraud_alert", id.to_string())), serde_json::json!({}));
    let version = row.version;
    Ok(with_etag(StatusCode::OK, version, &view::alert(row, &outcomes, &next_hops)))
}
