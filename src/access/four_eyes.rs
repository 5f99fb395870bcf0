//! Four eyes on granting powers. Registering an organisation of a public-sector kind or a
//! regulator (or any organisation with its first org_admin), registering or changing a bank's
//! identifiers (they route money alerts), an organisation's first or replacement org_admin,
//! moving an organisation to another country, reactivating one, and making someone a platform
//! admin wait for a second platform admin: the change is filed as pending, visible to every
//! platform admin, and expires after 72 hours. While the platform has a single platform admin
//! (a fresh install) that admin acts alone, and the audit row says so.
//!
//! An account made this way reaches its owner by an enrolment token split between the two
//! admins (`users::enrolment`): the filer sees the first part in the filing's answer, the
//! approver the second in the approval's.

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
        /// An organisation's first org_admin, or the replacement of its last one (on the
        /// organisation's written request).
        OrganizationOrgAdmin = "organization.org_admin",
        /// Moving an organisation to another country (another legal regime).
        OrganizationCountry = "organization.country",
        /// Reactivating a deactivated organisation.
        OrganizationReactivate = "organization.reactivate",
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
    /// What was asked, as it will be applied (never a token, a password or their hashes).
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
    /// In the filing's answer only, when the change makes an account: the first part of its
    /// enrolment token, for the filer to hand to the account's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolment_token_part_1: Option<String>,
    /// In the approval's answer only, when the change made an account: the second part of its
    /// enrolment token, for the approver to hand to the account's owner, who redeems both parts
    /// together (part 1, then part 2, as one string) at `POST /api/v1/auth/enrolment` within
    /// 72 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolment_token_part_2: Option<String>,
}

/// The key of a payload under which what must not be shown is kept (the hash of a token's
/// first part); never part of an approval's `change`.
pub const SECRET_KEY: &str = "_secret";

impl Approval {
    pub fn of(row: ApprovalRow, now: DateTime<Utc>) -> Self {
        let change = filed_body(&row);
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
            enrolment_token_part_1: None,
            enrolment_token_part_2: None,
        }
    }
}

/// What a change that may need a second platform admin came to.
pub enum Outcome<T> {
    /// Made now.
    Done(T),
    /// Filed: it waits for a second platform admin.
    Filed(Box<Approval>),
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

/// `gate` for a change that makes an account: when filed, the approval keeps the hash of the
/// first part of the account's enrolment token and the filer's answer shows that part, once.
/// `first_part` is `users::enrolment::first_part()` (token part, hex hash of it).
pub async fn gate_account(
    conn: &mut Conn,
    act: &Grant,
    action: ApprovalAction,
    target: Option<Uuid>,
    mut payload: Value,
    first_part: (String, String),
) -> ApiResult<Gate> {
    let (part, hash) = first_part;
    if let Some(map) = payload.as_object_mut() {
        map.insert(SECRET_KEY.into(), serde_json::json!({"enrolment_part_1": hash}));
    }
    Ok(match gate(conn, act, action, target, payload).await? {
        Gate::Filed(mut approval) => {
            approval.enrolment_token_part_1 = Some(part);
            Gate::Filed(approval)
        }
        proceed => proceed,
    })
}

/// The change as filed, without what is kept hidden (to parse it as the request's body): the
/// first part's hash, and a password hash approvals filed before enrolment links kept.
pub fn filed_body(row: &ApprovalRow) -> Value {
    let mut body = row.payload.clone();
    if let Some(map) = body.as_object_mut() {
        map.remove(SECRET_KEY);
        map.remove("password_hash");
    }
    body
}

/// The hash of the first part of an enrolment token that a filed change keeps.
pub fn first_part_hash(row: &ApprovalRow) -> Option<&str> {
    row.payload.get(SECRET_KEY)?.get("enrolment_part_1")?.as_str()
}
