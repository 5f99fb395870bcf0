//! The audit trail: one row per authenticated call that reads or changes data, written in the
//! transaction of the change, sealed into a SHA-256 hash chain by a background sealer.

pub mod buffer;
pub mod model;
pub mod routes;
pub mod store;

use serde_json::Value;
use uuid::Uuid;

use crate::auth::{Permission, Principal, RequestMeta};
use crate::db::Conn;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// One audit row to write.
#[derive(Clone, Debug)]
pub struct Entry {
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub action: &'static str,
    pub object_type: Option<&'static str>,
    pub object_id: Option<String>,
    pub outcome: &'static str,
    pub meta: RequestMeta,
    pub details: Value,
    /// When it happened (a buffered entry is written later).
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Entry {
    /// A successful action of `principal`.
    pub fn of(principal: &Principal, action: &'static str) -> Self {
        Entry {
            user_id: principal.user_id(),
            api_key_id: principal.api_key_id(),
            organization_id: Some(principal.org_id),
            action,
            object_type: None,
            object_id: None,
            outcome: "ok",
            meta: principal.meta.clone(),
            details: Value::Object(Default::default()),
            at: chrono::Utc::now(),
        }
    }

    /// An action by a caller not yet authenticated (a login attempt).
    pub fn anonymous(meta: &RequestMeta, action: &'static str) -> Self {
        Entry {
            user_id: None,
            api_key_id: None,
            organization_id: None,
            action,
            object_type: None,
            object_id: None,
            outcome: "ok",
            meta: meta.clone(),
            details: Value::Object(Default::default()),
            at: chrono::Utc::now(),
        }
    }

    pub fn object(mut self, object_type: &'static str, id: impl ToString) -> Self {
        self.object_type = Some(object_type);
        self.object_id = Some(id.to_string());
        self
    }

    pub fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Writes the row on `conn`, inside whatever transaction is open there.
    pub async fn write(self, conn: &mut Conn) -> ApiResult<()> {
        store::insert(conn, &self).await
    }
}

/// Checks `permission`; a refusal is recorded (outcome `denied`) and answered 403.
pub async fn require(
    state: &AppState,
    principal: &Principal,
    permission: Permission,
    action: &'static str,
) -> ApiResult<()> {
    match principal.require(permission) {
        Ok(()) => Ok(()),
        Err(refusal) => {
            record_denied(state, Entry::of(principal, action)).await;
            Err(refusal)
        }
    }
}

/// Records a refused access in a transaction of its own (the refused request writes nothing).
pub async fn record_denied(state: &AppState, entry: Entry) {
    let result = async {
        let mut conn = state.pool.get().await?;
        entry.outcome("denied").write(&mut conn).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not record a denied access");
    }
}

/// Answers 404 for an object the caller may not see, recording the attempt.
pub async fn not_visible(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    object_type: &'static str,
    id: impl ToString,
) -> ApiError {
    record_denied(state, Entry::of(principal, action).object(object_type, id)).await;
    ApiError::NotFound
}
