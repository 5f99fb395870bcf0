//! Four eyes on granting powers. Registering an organisation of a public-sector kind or a
//! regulator, registering or changing a bank's identifiers (they route money alerts), and making
//! someone a platform admin wait for a second platform admin: the change is filed as pending,
//! visible to every platform admin, and expires after 72 hours. While the platform has a single
//! platform admin (a fresh install) that admin acts alone, and the audit row says so.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{store, Grant};
use crate::domain::text_enum;
use crate::kernel::db::{self, Conn};
use crate::kernel::error::{ApiError, ApiResult};

pub const EXPIRES_AFTER_HOURS: i64 = 72;

text_enum! {
    /// A change that takes two platform admins.
    ApprovalAction {
        /// Registering an organisation of a public-sector kind, a regulator, or one with bank identifiers.
        OrganizationCreate = "organization.create",
        /// Replacing a bank's identifiers.
        OrganizationBankIdentifiers = "organization.bank_identifiers",
        /// Making a user a platform admin.
        UserPlatformAdmin = "user.platform_admin",
    }
}

text_enum! {
    /// Where an approval stands (`expired`: pending past its 72 hours).
    ApprovalStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        Expired = "expired",
    }
}

/// A pending (or decided) change, as stored.
#[derive(diesel::Queryable, diesel::Selectable, Debug, Clone)]
#[diesel(table_name = crate::kernel::db::schema::approvals)]
pub struct ApprovalRow {
    pub id: Uuid,
    pub action: ApprovalAction,
    pub target_id: Option<Uuid>,
    pub payload: Value,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub result_id: Option<Uuid>,
}

impl ApprovalRow {
    pub fn status_at(&self, now: DateTime<Utc>) -> ApprovalStatus {
        match self.status.as_str() {
            "approved" => ApprovalStatus::Approved,
            "rejected" => ApprovalStatus::Rejected,
            _ if self.expires_at <= now => ApprovalStatus::Expired,
            _ => ApprovalStatus::Pending,
        }
    }
}

/// A change waiting for (or decided by) a second platform admin.
#[derive(Serialize, ToSchema, Debug)]
pub struct Approval {
    pub id: Uuid,
    pub action: ApprovalAction,
    /// The organisation or user it concerns, when it exists already.
    pub target_id: Option<Uuid>,
    /// What was asked, as it will be applied (never a password or its hash).
    #[schema(value_type = Object)]
    pub change: Value,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: ApprovalStatus,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The organisation or user made or changed, once approved.
    pub result_id: Option<Uuid>,
    /// In the approval's answer only, for a platform admin made or restored: the one-time
    /// password to hand over (changed at the first login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

impl Approval {
    pub fn of(row: ApprovalRow, now: DateTime<Utc>) -> Self {
        let mut change = row.payload.clone();
        if let Some(map) = change.as_object_mut() {
            map.remove("password_hash");
        }
        Approval {
            id: row.id,
            status: row.status_at(now),
            action: row.action,
            target_id: row.target_id,
            change,
            requested_by: row.requested_by,
            requested_at: row.requested_at,
            expires_at: row.expires_at,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            reason: row.reason,
            result_id: row.result_id,
            initial_password: None,
        }
    }
}

/// What the caller's change may do now.
pub enum Gate {
    /// Go ahead; `sole` when it is so only because the platform has one platform admin (to
    /// be flagged in the audit row).
    Proceed { sole: bool },
    /// Filed: it waits for a second platform admin.
    Filed(Box<Approval>),
}

impl Gate {
    /// The audit detail of a change made alone.
    pub fn flag(&self) -> Value {
        match self {
            Gate::Proceed { sole: true } => serde_json::json!("sole_platform_admin"),
            _ => Value::Null,
        }
    }
}

/// Whether changes that grant powers wait for a second platform admin: once the platform has
/// had two platform admins, always (deactivating or demoting the others does not bring back
/// acting alone).
pub async fn needed(conn: &mut Conn) -> ApiResult<bool> {
    Ok(db::setting(conn, FOUR_EYES_SETTING).await?.is_some())
}

/// Set (to when) the first time the platform had two platform admins, by a trigger on `users`
/// (migration 000023) whoever adds them; the API may not remove it.
const FOUR_EYES_SETTING: &str = "four_eyes_since";

/// Files `action` (its `payload`, already validated) for a second platform admin, or lets it
/// proceed while the caller is the platform's only platform admin. Only platform admins make
/// these changes; in the caller's transaction.
pub async fn gate(
    conn: &mut Conn,
    act: &Grant,
    action: ApprovalAction,
    target: Option<Uuid>,
    payload: Value,
) -> ApiResult<Gate> {
    let requester = act
        .user_id()
        .filter(|_| act.is_platform_admin())
        .ok_or_else(|| ApiError::Forbidden("only platform admins grant these powers".into()))?;
    if !needed(conn).await? {
        return Ok(Gate::Proceed { sole: true });
    }
    let now = Utc::now();
    let row = store::insert_approval(
        conn,
        Uuid::now_v7(),
        action,
        target,
        &payload,
        requester.0,
        now + Duration::hours(EXPIRES_AFTER_HOURS),
    )
    .await?;
    act.entry_as("approval.request")
        .object("approval", row.id)
        .details(serde_json::json!({
            "action": action, "target_id": target,
        }))
        .write(conn)
        .await?;
    Ok(Gate::Filed(Box::new(Approval::of(row, now))))
}
