use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{text_enum, OrgId};
use crate::events::EventType;
use crate::kernel::db::schema::{webhook_attempts, webhook_deliveries, webhooks};

text_enum! {
    /// Where one event's delivery to one endpoint stands.
    DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub outbox_id: i64,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// Body of `POST /webhooks`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.bank-a.example/cyberbridge", "event_types": ["alert.received", "report.indicator_match"]}))]
pub struct CreateWebhook {
    /// https only (http to localhost only with the development flag).
    pub url: String,
    /// Event types to deliver; empty: all.
    #[serde(default)]
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<String>,
}

/// Body of `PATCH /webhooks/{id}`. `{"active": true}` re-enables a disabled endpoint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct UpdateWebhook {
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<EventType>>)]
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// A webhook endpoint. `secret` appears once, in the answer that creates it.
#[derive(Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    /// `whsec_...`: verify each delivery's `webhook-signature` with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub active: bool,
    /// Why it was disabled (deliveries failing for 24 hours).
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    pub fn from_row(r: WebhookRow, show_secret: bool) -> Self {
        Webhook {
            id: r.id,
            url: r.url,
            event_types: r.event_types,
            secret: show_secret.then_some(r.secret),
            active: r.active,
            disabled_reason: r.disabled_reason,
            consecutive_failures: r.consecutive_failures,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Your organisation's webhooks.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    pub next_cursor: Option<String>,
}

/// One attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// One event's delivery to one endpoint.
#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    /// The event id, sent as `webhook-id` on every attempt.
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub log: Vec<Attempt>,
}

impl From<AttemptRow> for Attempt {
    fn from(a: AttemptRow) -> Self {
        Attempt { at: a.at, status: a.status, error: a.error, duration_ms: a.duration_ms }
    }
}

impl Delivery {
    pub fn from_row(d: DeliveryRow, event_id: Uuid, event_type: EventType, log: Vec<Attempt>) -> Self {
        Delivery {
            id: d.id,
            event_id,
            event_type,
            next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            status: d.status,
            attempts: d.attempts,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            log,
        }
    }
}

/// The answer of `POST /webhooks/{id}/test`.
#[derive(Serialize, ToSchema)]
pub struct TestQueued {
    /// The event queued for delivery (`webhook-id` of the delivery).
    pub event_id: Uuid,
}

/// Deliveries of a webhook, newest first.
#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What the worker needs to send one delivery.
#[derive(Queryable, Debug)]
pub struct Due {
    pub delivery_id: Uuid,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub webhook_id: Uuid,
    pub url: String,
    pub secret: String,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub event_created_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}
