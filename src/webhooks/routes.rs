//! Webhook endpoints of an organisation: register, list, change, delete, delivery log, test.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;

use super::model::*;
use super::service;
use crate::access::{Action, Principal};
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

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
    let hook = service::create(&state, &act, &body).await?;
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
    Ok(web::Json(WebhookList { items: service::list(&state, &act).await?, next_cursor: None }))
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
    let hook = service::read(&state, &act, id.into_inner()).await?;
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
    let hook = service::update(&state, &act, id.into_inner(), if_match, &body).await?;
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
    service::delete(&state, &act, id.into_inner()).await?;
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
    Ok(web::Json(service::deliveries(&state, &act, id.into_inner(), &q).await?))
}

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
    Ok(HttpResponse::Accepted().json(service::test(&state, &act, id.into_inner()).await?))
}
