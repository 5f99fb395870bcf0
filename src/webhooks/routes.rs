use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{client, sign, store};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::Check;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::http::with_etag;
use crate::{pagination, AppState};

fn check_types(check: &mut Check, types: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if let Some(t) = check.take(&format!("event_types[{i}]"), t.parse::<EventType>()) {
            if !out.iter().any(|o| o == t.as_str()) {
                out.push(t.as_str().to_string());
            }
        }
    }
    out
}

/// A webhook of the caller's organisation, or 404 (recorded).
async fn own(state: &AppState, principal: &Principal, id: Uuid, action: &'static str) -> ApiResult<WebhookRow> {
    let mut conn = state.pool.get().await?;
    match store::get(&mut conn, principal.org_id, id).await? {
        Some(row) => Ok(row),
        None => Err(audit::not_visible(state, principal, action, "webhook", id).await),
    }
}

/// Registers an HTTPS endpoint for your organisation's events. The answer holds the signing
/// `secret`, shown this once.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 201, body = Webhook),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.create").await?;
    let mut check = Check::new();
    let url = check.take("url", client::check_url(&body.url, state.config.allow_http_webhooks).map(|u| u.to_string()));
    let event_types = check_types(&mut check, &body.event_types);
    check.finish()?;
    let url = url.ok_or_else(|| ApiError::Internal("validated url missing".into()))?;
    let now = Utc::now();
    let row = WebhookRow {
        id: Uuid::now_v7(),
        organization_id: principal.org_id,
        url,
        event_types,
        secret: sign::new_secret(),
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
            Entry::of(&principal, "webhook.create")
                .object("webhook", row.id)
                .details(serde_json::json!({"url": row.url}))
                .write(c)
                .await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(Webhook::from_row(row, true)))
}

/// Your organisation's webhooks, with their state (never the secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 200, body = WebhookList),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<WebhookList>> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.list").await?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, principal.org_id).await?;
    Ok(web::Json(WebhookList {
        items: rows.into_iter().map(|r| Webhook::from_row(r, false)).collect(),
        next_cursor: None,
    }))
}

/// Changes a webhook's URL or event types, or (re-)enables or disables it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    request_body = UpdateWebhook,
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 200, body = Webhook),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.update").await?;
    let id = id.into_inner();
    own(&state, &principal, id, "webhook.update").await?;
    let mut check = Check::new();
    let url = body
        .url
        .as_deref()
        .and_then(|u| check.take("url", client::check_url(u, state.config.allow_http_webhooks).map(|u| u.to_string())));
    let types = body.event_types.as_deref().map(|t| check_types(&mut check, t));
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let row = store::update(c, id, url.as_deref(), types.as_deref(), body.active).await?;
            Entry::of(&principal, "webhook.update")
                .object("webhook", id)
                .details(serde_json::json!({"active": row.active}))
                .write(c)
                .await?;
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
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.delete").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let deleted = conn
        .transaction(async |c| {
            let deleted = store::delete(c, principal.org_id, id).await?;
            if deleted {
                Entry::of(&principal, "webhook.delete").object("webhook", id).write(c).await?;
            }
            Ok::<_, ApiError>(deleted)
        })
        .await?;
    if !deleted {
        return Err(audit::not_visible(&state, &principal, "webhook.delete", "webhook", id).await);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of a webhook: each event's delivery with every attempt.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), DeliveryQuery),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryQuery>,
) -> ApiResult<web::Json<DeliveryPage>> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.deliveries").await?;
    let id = id.into_inner();
    own(&state, &principal, id, "webhook.deliveries").await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    if q.status.as_deref().is_some_and(|s| !["pending", "delivered", "failed"].contains(&s)) {
        return Err(ApiError::field("status", "one of pending, delivered, failed"));
    }
    let mut conn = state.pool.get().await?;
    let rows = store::deliveries(&mut conn, id, q.status.as_deref(), before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |(d, _, _)| (d.created_at, d.id));
    let ids: Vec<Uuid> = rows.iter().map(|(d, _, _)| d.id).collect();
    let mut attempts = store::attempts_of(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|(d, event_id, event_type)| Delivery {
            id: d.id,
            event_id,
            event_type,
            next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
            status: d.status,
            attempts: d.attempts,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            log: attempts
                .extract_if(.., |a| a.delivery_id == d.id)
                .map(|a| Attempt { at: a.at, status: a.status, error: a.error, duration_ms: a.duration_ms })
                .collect(),
        })
        .collect();
    Ok(web::Json(DeliveryPage { items, next_cursor }))
}

/// Sends a `webhook.test` event to this endpoint only, to check the receiver and its
/// signature verification.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["webhooks:manage"])),
    responses(
        (status = 202, description = "queued; see the delivery log"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageWebhooks, "webhook.test").await?;
    let id = id.into_inner();
    own(&state, &principal, id, "webhook.test").await?;
    let mut conn = state.pool.get().await?;
    let event_id = conn
        .transaction(async |c| {
            let (outbox_id, event_id) =
                events::emit(c, EventType::WebhookTest, principal.org_id, &serde_json::json!({"webhook_id": id}))
                    .await?;
            store::insert_delivery(c, id, outbox_id).await?;
            Entry::of(&principal, "webhook.test").object("webhook", id).write(c).await?;
            Ok::<_, ApiError>(event_id)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({"event_id": event_id})))
}
