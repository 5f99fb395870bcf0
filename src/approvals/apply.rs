//! Applying an approved change, by the same parsing and queries as the request would have
//! used had it needed no second admin. An account made here gets the second part of its split
//! enrolment token, shown to the approver.

use serde_json::Value;
use uuid::Uuid;

use crate::access::four_eyes::{self, ApprovalAction, ApprovalRow};
use crate::domain::{Email, OrgId, Role, UserId};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::organizations::model::{CreateOrganization, UpdateOrganization};
use crate::users::enrolment::EnrolmentPurpose;
use crate::users::model::UserChanges;
use crate::users::service::Token;
use crate::{organizations, users};

/// What an approved change made: the organisation or user, and for an account the second part
/// of its enrolment token, for the approver to hand over.
pub struct Applied {
    pub id: Uuid,
    pub enrolment_token_part_2: Option<String>,
}

/// Makes the change, as `approver`.
pub async fn apply(conn: &mut Conn, row: &ApprovalRow, approver: UserId) -> ApiResult<Applied> {
    let stored = |what: &str| ApiError::internal(format!("approval {}: stored {what} unreadable", row.id));
    let token = || -> ApiResult<Token<'_>> {
        let first_hash = four_eyes::first_part_hash(row).ok_or_else(|| stored("enrolment part"))?;
        Ok(Token::SecondPart { first_hash, approval: row.id })
    };
    let text = |k: &str| row.payload.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| stored(k));
    let done = |id: Uuid, part: Option<String>| Applied { id, enrolment_token_part_2: part };
    match row.action {
        ApprovalAction::OrganizationCreate => {
            let body: CreateOrganization =
                serde_json::from_value(four_eyes::filed_body(row)).map_err(|_| stored("body"))?;
            let input = body.parse()?;
            let token = if input.first_admin.is_some() { token()? } else { Token::Whole };
            let (org, first) = organizations::service::register(conn, input, Some(approver), token).await?;
            Ok(done(org.id.0, first.map(|f| f.enrolment.token)))
        }
        ApprovalAction::OrganizationBankIdentifiers
        | ApprovalAction::OrganizationCountry
        | ApprovalAction::OrganizationReactivate => {
            let id = OrgId(row.target_id.ok_or_else(|| stored("target"))?);
            let body: UpdateOrganization =
                serde_json::from_value(four_eyes::filed_body(row)).map_err(|_| stored("body"))?;
            Ok(done(organizations::service::apply_update(conn, id, &body).await?.0, None))
        }
        ApprovalAction::OrganizationOrgAdmin => {
            let org = OrgId(row.target_id.ok_or_else(|| stored("target"))?);
            // Locked: two such approvals decided at once must not both find it without one.
            organizations::store::lock(conn, org).await?.ok_or(ApiError::NotFound)?;
            let facts = users::store::org_facts(conn, org).await?.ok_or(ApiError::NotFound)?;
            if !facts.active {
                return Err(ApiError::Conflict("the organisation is deactivated: reactivate it first".into()));
            }
            if facts.active_admins > 0 {
                return Err(ApiError::Conflict(
                    "the organisation has an org_admin now: its own org_admins add people; reject this".into(),
                ));
            }
            let email = Email::parse(&text("email")?).map_err(|_| stored("email"))?;
            let (user, link) =
                users::service::make_account(conn, org, email, text("name")?, Role::OrgAdmin, Some(approver), token()?)
                    .await?;
            Ok(done(user.id.0, Some(link.token)))
        }
        ApprovalAction::UserPlatformAdmin => match row.payload.get("user_id").and_then(Value::as_str) {
            Some(user) => {
                // A promotion or reactivation: the account starts with credentials nobody had
                // before (no password, no second factor, no session) and a new split link;
                // whoever filed it, or held the account before, holds none of them.
                let id = UserId(user.parse().map_err(|_| stored("user"))?);
                users::store::lock(conn, id).await?.ok_or(ApiError::NotFound)?;
                let changes = UserChanges { role: Some(Role::OrgAdmin), active: Some(true), ..Default::default() };
                users::store::update(conn, id, &changes).await?;
                users::store::clear_password(conn, id).await?;
                users::store::delete_second_factor(conn, id).await?;
                let link =
                    users::service::issue_link(conn, id, EnrolmentPurpose::Reset, Some(approver), token()?).await?;
                Ok(done(id.0, Some(link.token)))
            }
            None => {
                let org = OrgId(row.target_id.ok_or_else(|| stored("target"))?);
                let email = Email::parse(&text("email")?).map_err(|_| stored("email"))?;
                let (user, link) = users::service::make_account(
                    conn,
                    org,
                    email,
                    text("name")?,
                    Role::OrgAdmin,
                    Some(approver),
                    token()?,
                )
                .await?;
                Ok(done(user.id.0, Some(link.token)))
            }
        },
    }
}
