//! Applying an approved change, by the same parsing and queries as the request would have
//! used had it needed no second admin.

use serde_json::Value;
use uuid::Uuid;

use crate::access::four_eyes::{ApprovalAction, ApprovalRow};
use crate::access::password;
use crate::domain::{Email, OrgId, Role, UserId};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::tokens;
use crate::organizations::model::{CreateOrganization, UpdateOrganization};
use crate::users::model::{NewUser, UserChanges};
use crate::{organizations, users};

/// What an approved change made: the organisation or user, and for a platform admin the
/// one-time password the approver hands over.
pub struct Applied {
    pub id: Uuid,
    pub initial_password: Option<String>,
}

/// Makes the change.
pub async fn apply(conn: &mut Conn, row: &ApprovalRow) -> ApiResult<Applied> {
    let id = make(conn, row).await?;
    if row.action != ApprovalAction::UserPlatformAdmin {
        return Ok(Applied { id, initial_password: None });
    }
    // A platform admin made by approval starts with credentials nobody had before: a new
    // password (shown once, to the approver, to be changed at the first login), no second
    // factor, no session. Whoever filed it, or held the account before, holds none of them.
    let password = tokens::random_token();
    let hash = password::hash_offline(password.clone()).await?;
    users::store::reset_credentials(conn, UserId(id), &hash).await?;
    Ok(Applied { id, initial_password: Some(password) })
}

async fn make(conn: &mut Conn, row: &ApprovalRow) -> ApiResult<Uuid> {
    let stored = |what: &str| ApiError::internal(format!("approval {}: stored {what} unreadable", row.id));
    match row.action {
        ApprovalAction::OrganizationCreate => {
            let body: CreateOrganization = serde_json::from_value(row.payload.clone()).map_err(|_| stored("body"))?;
            let (new, ids) = body.parse()?;
            let org = organizations::store::insert(conn, &new).await?;
            organizations::store::set_bank_identifiers(conn, org.id, &ids).await?;
            Ok(org.id.0)
        }
        ApprovalAction::OrganizationBankIdentifiers => {
            let id = OrgId(row.target_id.ok_or_else(|| stored("target"))?);
            let org = organizations::store::lock(conn, id).await?.ok_or(ApiError::NotFound)?;
            let body: UpdateOrganization = serde_json::from_value(row.payload.clone()).map_err(|_| stored("body"))?;
            let (changes, ids) = body.parse(org.kind)?;
            organizations::store::update(conn, id, &changes).await?;
            organizations::store::set_bank_identifiers(conn, id, &ids.unwrap_or_default()).await?;
            Ok(id.0)
        }
        ApprovalAction::UserPlatformAdmin => match row.payload.get("user_id").and_then(Value::as_str) {
            Some(user) => {
                let id = UserId(user.parse().map_err(|_| stored("user"))?);
                users::store::lock(conn, id).await?.ok_or(ApiError::NotFound)?;
                let changes = UserChanges { role: Some(Role::OrgAdmin), active: Some(true), ..Default::default() };
                Ok(users::store::update(conn, id, &changes).await?.id.0)
            }
            None => {
                let text =
                    |k: &str| row.payload.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| stored(k));
                let new = NewUser {
                    id: UserId::new(),
                    organization_id: OrgId(row.target_id.ok_or_else(|| stored("target"))?),
                    email: Email::parse(&text("email")?).map_err(|_| stored("email"))?,
                    name: text("name")?,
                    role: Role::OrgAdmin,
                    // Replaced at once by the fresh password (`apply`).
                    password_hash: String::new(),
                    password_change_required: true,
                };
                Ok(users::store::insert(conn, &new).await?.id.0)
            }
        },
    }
}
