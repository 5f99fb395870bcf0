//! Webhook endpoints of an organisation: register, list, change, delete, delivery log, test.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{client, sign, store};
use crate::access::{Action, Grant, Principal};
use crate::domain::Check;
use crate::events::{self, EventType};
use crate::kernel::error::{retry_conflicts, ApiError, ApiResult};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

fn parse_types(check: &mut Check, types: &[String]) -> Vec<EventType> {
    let mut out: Vec<EventType> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if let Some(t) = check.take(&format!("event_types[{i}]"), t.parse::<EventType>()) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// A webhook of the caller's organisation, or 404 (recorded).
async fn own(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<WebhookRow> {
    match store::get(&mut *state.pool.get().await?, act.org_id, id).await? {
        Some(row) => Ok(row),
        None => Err(act.hide(state, "webhook", id).await),
    }
}

/// Registers an HTTPS endpoint for your organisation's events. The answer holds the signing
/// `secret`, shown this once.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 201, description = "registered; `secret` is shown this once", body = Webhook), Common, JsonBody, Denied)
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateWebhook).await?;
    let mut check = Check::new();
    let url = check.take("url", client::check_url(&body.url, state.config.allow_http_webhooks).map(|u| u.to_string()));
    let event_types = parse_types(&mut check, &body.event_types);
    let url = check.done(|| url)?;
    let now = Utc::now();
    let (id, secret) = (Uuid::now_v7(), sign::new_secret());
    let row = WebhookRow {
        id,
        organization_id: act.org_id,
        url,
        event_types,
        secret: state.secrets.seal(id.as_bytes(), &secret),
        active: true,
        disabled_reason: None,
        consecutive_failures: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let row = store::insert(c, &row).await?;
            act.on("webhook", row.id).details(serde_json::json!({"url": row.url})).write(c).await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    let mut hook = Webhook::from_row(row, false);
    hook.secret = Some(secret);
    Ok(with_etag(StatusCode::CREATED, hook.version, &hook))
}

/// Your organisation's webhooks, with their state (never the secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 200, description = "your webhooks", body = WebhookList), Common, Denied)
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<WebhookList>> {
    let act = principal.authorize(&state, Action::ListWebhooks).await?;
    let rows = store::list(&mut *state.pool.get().await?, act.org_id).await?;
    Ok(web::Json(WebhookList {
        items: rows.into_iter().map(|r| Webhook::from_row(r, false)).collect(),
        next_cursor: None,
    }))
}

/// One of your organisation's webhooks, with its `ETag` for a change (never the secret).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 200, description = "the webhook", body = Webhook, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ListWebhooks).await?;
    let hook = Webhook::from_row(own(&state, &act, id.into_inner()).await?, false);
    Ok(with_etag(StatusCode::OK, hook.version, &hook))
}

/// Changes a webhook's URL or event types, or (re-)enables or disables it, with `If-Match`
/// (428 without, 412 when stale).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateWebhook,
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 200, description = "changed", body = Webhook, headers(("ETag" = String))),
        Common, JsonBody, Denied, Missing, Versioned,
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::UpdateWebhook).await?;
    let id = id.into_inner();
    own(&state, &act, id).await?;
    let if_match = if_match.required()?;
    let mut check = Check::new();
    let url = check.optional("url", body.url.as_deref(), |u| {
        client::check_url(u, state.config.allow_http_webhooks).map(|u| u.to_string())
    });
    let types = body.event_types.as_deref().map(|t| parse_types(&mut check, t));
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(locked.version)?;
            let row = store::update(c, id, url.as_deref(), types.as_deref(), body.active).await?;
            act.on("webhook", id).details(serde_json::json!({"active": row.active})).write(c).await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    let hook = Webhook::from_row(row, false);
    Ok(with_etag(StatusCode::OK, hook.version, &hook))
}

/// Deletes a webhook and its delivery log.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 204, description = "deleted"), Common, Denied, Missing)
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::DeleteWebhook).await?;
    let id = id.into_inner();
    // The delete takes the endpoint's deliveries, which the delivery worker may be recording:
    // if the two collide (a deadlock, one of them aborted), try again.
    let deleted = retry_conflicts(|| async {
        let mut conn = state.pool.get().await?;
        conn.transaction(async |c| {
            let deleted = store::delete(c, act.org_id, id).await?;
            if deleted {
                act.on("webhook", id).write(c).await?;
            }
            Ok::<_, ApiError>(deleted)
        })
        .await
    })
    .await?;
    if !deleted {
        return Err(act.hide(&state, "webhook", id).await);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of a webhook: each event's delivery with every attempt.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), DeliveryQuery),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 200, description = "deliveries, newest first", body = DeliveryPage), Common, Denied, Missing)
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryQuery>,
) -> ApiResult<web::Json<DeliveryPage>> {
    let act = principal.authorize(&state, Action::ListWebhookDeliveries).await?;
    let id = id.into_inner();
    own(&state, &act, id).await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let status =
        q.status.as_deref().map(str::parse::<DeliveryStatus>).transpose().map_err(|e| ApiError::field("status", e))?;
    let mut conn = state.pool.get().await?;
    let rows = store::deliveries(&mut conn, id, status, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |(d, _, _)| (d.created_at, d.id));
    let ids: Vec<Uuid> = rows.iter().map(|(d, _, _)| d.id).collect();
    let mut attempts = store::attempts_of(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|(d, event_id, event_type)| {
            let log = attempts.extract_if(.., |a| a.delivery_id == d.id).map(Attempt::from).collect();
            Delivery::from_row(d, event_id, event_type, log)
        })
        .collect();
    Ok(web::Json(DeliveryPage { items, next_cursor }))
}

/// Test sends an endpoint takes per minute (429 beyond).
const TESTS_PER_MINUTE: i64 = 6;

/// Sends a `webhook.test` event to this endpoint only, to check the receiver and its
/// signature verification; at most 6 per endpoint and minute.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses((status = 202, description = "queued; see the delivery log", body = TestQueued), Common, Denied, Missing)
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::TestWebhook).await?;
    let id = id.into_inner();
    own(&state, &act, id).await?;
    let mut conn = state.pool.get().await?;
    let event_id = conn
        .transaction(async |c| {
            if store::tests_in_last_minute(c, id).await? >= TESTS_PER_MINUTE {
                return Err(ApiError::TooManyRequests {
                    detail: format!("at most {TESTS_PER_MINUTE} test sends per endpoint and minute"),
                    retry_after_secs: 60,
                    limit: TESTS_PER_MINUTE as u32,
                });
            }
            let payload = serde_json::json!({"webhook_id": id});
            let (outbox_id, event_id) = events::emit(c, EventType::WebhookTest, act.org_id, &payload).await?;
            store::insert_delivery(c, id, outbox_id).await?;
            act.on("webhook", id).write(c).await?;
            Ok::<_, ApiError>(event_id)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(TestQueued { event_id }))
}
