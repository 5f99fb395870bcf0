//! The audit trail's write side: one row per authenticated call that reads or changes data,
//! written in the transaction of the change (or batched, for high-rate reads), sealed into a
//! hash chain later by the audit feature. Every feature writes through `Entry`.

pub mod buffer;
pub mod signer;
pub mod store;

use serde_json::Value;
use uuid::Uuid;

use super::db::Conn;
use super::error::ApiResult;
use super::http::RequestMeta;
use crate::domain::text_enum;

pub use buffer::AuditBuffer;
pub use signer::AuditSigner;

text_enum! {
    /// How an audited call ended.
    AuditOutcome {
        Ok = "ok",
        Denied = "denied",
        Error = "error",
    }
}

/// Who acted: a user or an API key of an organisation, and where the call came from.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub meta: RequestMeta,
}

/// One audit row to write.
#[derive(Clone, Debug)]
pub struct Entry {
    pub actor: Actor,
    pub action: &'static str,
    pub object_type: Option<&'static str>,
    pub object_id: Option<String>,
    pub outcome: AuditOutcome,
    pub details: Value,
    /// Why a search was made (case reference and reason), where stated.
    pub purpose: Option<crate::domain::Purpose>,
    /// When it happened (a buffered entry is written later).
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Entry {
    /// A successful action of `actor`.
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Entry {
            actor,
            action,
            object_type: None,
            object_id: None,
            outcome: AuditOutcome::Ok,
            details: Value::Object(Default::default()),
            purpose: None,
            at: chrono::Utc::now(),
        }
    }

    /// An action by a caller not yet authenticated (a login attempt), or by the operator's CLI.
    pub fn anonymous(meta: &RequestMeta, action: &'static str) -> Self {
        Entry::new(Actor { meta: meta.clone(), ..Actor::default() }, action)
    }

    /// The same entry attributed to a user of an organisation (a login that succeeded).
    pub fn by_user(mut self, user: Uuid, organization: Option<Uuid>) -> Self {
        self.actor.user_id = Some(user);
        self.actor.organization_id = organization.or(self.actor.organization_id);
        self
    }

    pub fn object(mut self, object_type: &'static str, id: impl ToString) -> Self {
        self.object_type = Some(object_type);
        self.object_id = Some(id.to_string());
        self
    }

    pub fn purpose(mut self, purpose: Option<crate::domain::Purpose>) -> Self {
        self.purpose = purpose;
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Writes the row on `conn`, inside whatever transaction is open there (shared: it may be
    /// sent along with other statements).
    pub async fn write(self, conn: &Conn) -> ApiResult<()> {
        store::insert(conn, &self).await
    }
}
