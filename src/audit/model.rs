use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::kernel::audit::AuditOutcome;
use crate::kernel::db::schema::audit_events;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: AuditOutcome,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
    pub hash: Option<Vec<u8>>,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user who acted, if a user.
    pub user_id: Option<Uuid>,
    /// The API key that acted, if a machine client.
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// What was done, e.g. `auth.login`, `user.create`, `apikey.revoke`.
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: AuditOutcome,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Hex SHA-256 chain hash, once sealed.
    pub hash: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            at: r.at,
            user_id: r.user_id,
            api_key_id: r.api_key_id,
            organization_id: r.organization_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            outcome: r.outcome,
            client_addr: r.client_addr,
            request_id: r.request_id,
            details: r.details,
            hash: r.hash.map(hex::encode),
        }
    }
}

/// Filters of the audit query.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Rows at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Rows before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only this organisation's rows (regulators and platform admins; others see their own only).
    pub organization_id: Option<Uuid>,
    /// Only rows of this user or API key.
    pub principal_id: Option<Uuid>,
    /// Only this action, e.g. `auth.login_failed`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of audit rows, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

/// The result of recomputing the hash chain.
#[derive(Serialize, ToSchema)]
pub struct ChainVerification {
    /// Whether every sealed row's hash matches its content and predecessor.
    pub ok: bool,
    /// Sealed rows checked.
    pub rows_checked: i64,
    /// The first row whose hash does not match, if any.
    pub first_broken_id: Option<i64>,
}
