//! Webhooks' operations, as the JSON API and the console call them. Each takes the grant of its
//! action (`Grant::expect` refuses any other); another organisation's webhook answers 404
//! (recorded):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`create`] | `CreateWebhook` | registers an endpoint; the signing secret shown this once |
//! | [`list`], [`read`] | `ListWebhooks` | the organisation's endpoints, never the secret |
//! | [`update`] | `UpdateWebhook` | URL, event types, (re-)enabling, at the version read |
//! | [`delete`] | `DeleteWebhook` | the endpoint and its delivery log |
//! | [`deliveries`] | `ListWebhookDeliveries` | the delivery log with every attempt |
//! | [`test`] | `TestWebhook` | a `webhook.test` event to this endpoint only, 6 a minute |

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{client, sign, store};
use crate::access::{Action, Grant};
use crate::domain::Check;
use crate::events::{self, EventType};
use crate::kernel::error::{retry_conflicts, ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::pagination;
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

/// Registers an endpoint; the answer holds the signing secret, this once.
pub async fn create(state: &AppState, act: &Grant, body: &CreateWebhook) -> ApiResult<Webhook> {
    act.expect(&[Action::CreateWebhook])?;
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
    Ok(hook)
}

/// The organisation's endpoints with their state.
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<Vec<Webhook>> {
    act.expect(&[Action::ListWebhooks])?;
    let rows = store::list(&mut *state.pool.get().await?, act.org_id).await?;
    Ok(rows.into_iter().map(|r| Webhook::from_row(r, false)).collect())
}

/// One of the organisation's endpoints.
pub async fn read(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<Webhook> {
    act.expect(&[Action::ListWebhooks])?;
    Ok(Webhook::from_row(own(state, act, id).await?, false))
}

/// Changes an endpoint at the version read (`If-Match` required).
pub async fn update(
    state: &AppState,
    act: &Grant,
    id: Uuid,
    if_match: IfMatch,
    body: &UpdateWebhook,
) -> ApiResult<Webhook> {
    act.expect(&[Action::UpdateWebhook])?;
    own(state, act, id).await?;
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
    Ok(Webhook::from_row(row, false))
}

/// Deletes an endpoint and its delivery log.
pub async fn delete(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<()> {
    act.expect(&[Action::DeleteWebhook])?;
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
        return Err(act.hide(state, "webhook", id).await);
    }
    Ok(())
}

/// The delivery log of an endpoint, newest first, each with every attempt.
pub async fn deliveries(state: &AppState, act: &Grant, id: Uuid, q: &DeliveryQuery) -> ApiResult<DeliveryPage> {
    act.expect(&[Action::ListWebhookDeliveries])?;
    own(state, act, id).await?;
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
    Ok(DeliveryPage { items, next_cursor })
}

/// Test sends an endpoint takes per minute (429 beyond).
const TESTS_PER_MINUTE: i64 = 6;

/// Queues a `webhook.test` event for this endpoint only.
pub async fn test(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<TestQueued> {
    act.expect(&[Action::TestWebhook])?;
    own(state, act, id).await?;
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
    Ok(TestQueued { event_id })
}
