//! The operations on organisations that change them, each taking the `Grant` of its action:
//! - `create_organization` (`Action::CreateOrganization`): registers one, with its first
//!   org_admin; what grants powers is filed for a second platform admin;
//! - `update_organization` (`Action::UpdateOrganization`): name and contact at once, a
//!   deactivation at once, new bank identifiers, a country move or a reactivation filed.
//!
//! `register` is the step approvals share.

use diesel_async::AsyncConnection;
use serde_json::json;

use super::model::*;
use super::{rules, store};
use crate::access::four_eyes::{self, ApprovalAction, Gate, Outcome};
use crate::access::{Action, Grant};
use crate::domain::{OrgId, OrgKind, Role};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::pagination;
use crate::kernel::AppState;
use crate::users;
use crate::users::service::Token;

/// A page of the directory (`Action::ReadOrganizations`), by name; deactivated organisations
/// only for platform admins.
pub async fn list(state: &AppState, act: &Grant, q: &OrganizationQuery) -> ApiResult<OrganizationPage> {
    act.expect(&[Action::ReadOrganizations])?;
    let filter = q.parse()?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, uuid::Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, act.is_platform_admin(), &filter, after, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.name.to_lowercase(), r.id.0));
    let ids: Vec<OrgId> = rows.iter().map(|r| r.id).collect();
    let mut bank_ids = store::bank_identifiers_of(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let mine = bank_ids.extract_if(.., |b| b.organization_id == row.id).collect();
            Organization::from_rows(row, mine)
        })
        .collect();
    Ok(OrganizationPage { items, next_cursor })
}

/// Inserts the organisation, its bank identifiers and its first org_admin (with the enrolment
/// link `token` makes), writing the org_admin's audit row as `act`'s step.
pub async fn register(
    conn: &mut Conn,
    input: OrgInput,
    by: Option<crate::domain::UserId>,
    token: Token<'_>,
) -> ApiResult<(Organization, Option<users::model::CreatedUser>)> {
    let row = store::insert(conn, &input.new).await?;
    let id_rows = store::set_bank_identifiers(conn, row.id, &input.ids).await?;
    let first = match input.first_admin {
        Some((email, name)) => {
            let (user, link) =
                users::service::make_account(conn, row.id, email, name, Role::OrgAdmin, by, token).await?;
            Some(users::model::CreatedUser { user: users::model::User::from(user), enrolment: link })
        }
        None => None,
    };
    Ok((Organization::from_rows(row, id_rows), first))
}

/// Registers an organisation (platform admins only). An organisation of a public-sector kind,
/// a regulator, one with bank identifiers, or one with its first org_admin is filed for a
/// second platform admin (unless the platform has a single one).
pub async fn create_organization(
    state: &AppState,
    act: &Grant,
    body: &CreateOrganization,
) -> ApiResult<Outcome<CreatedOrganization>> {
    act.expect(&[Action::CreateOrganization])?;
    let input = body.parse()?;
    let kind = input.new.kind;
    let with_admin = input.first_admin.is_some();
    let grants_powers = kind.is_public_sector() || kind == OrgKind::Regulator || !input.ids.is_empty() || with_admin;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        let gate = match (grants_powers, with_admin) {
            (false, _) => Gate::Proceed { sole: false },
            (true, false) => {
                let payload = serde_json::to_value(body).map_err(ApiError::internal)?;
                four_eyes::gate(c, act, ApprovalAction::OrganizationCreate, None, payload).await?
            }
            (true, true) => {
                let payload = serde_json::to_value(body).map_err(ApiError::internal)?;
                let first = users::enrolment::first_part();
                four_eyes::gate_account(c, act, ApprovalAction::OrganizationCreate, None, payload, first).await?
            }
        };
        if let Gate::Filed(approval) = gate {
            return Ok(Outcome::Filed(approval));
        }
        let reference = input.document_reference.clone();
        let (organization, first_admin) = register(c, input, act.user_id(), Token::Whole).await?;
        let details = json!({"four_eyes": gate.flag(), "document_reference": reference});
        act.on("organization", organization.id).details(details.clone()).write(c).await?;
        if let Some(admin) = &first_admin {
            let details = json!({"role": Role::OrgAdmin, "first_admin": true, "four_eyes": gate.flag(),
                                 "document_reference": reference, "enrolment_link": true});
            act.entry_as("user.create").object("user", admin.user.id).details(details).write(c).await?;
        }
        Ok::<_, ApiError>(Outcome::Done(CreatedOrganization { organization, first_admin }))
    })
    .await
}

/// Changes an organisation (platform admins only). Name and contact change at once, and so does
/// a deactivation (an emergency); new bank identifiers, a move to another country and a
/// reactivation are filed for a second platform admin, each sent alone.
pub async fn update_organization(
    state: &AppState,
    act: &Grant,
    id: OrgId,
    if_match: IfMatch,
    body: &UpdateOrganization,
) -> ApiResult<Outcome<Organization>> {
    act.expect(&[Action::UpdateOrganization])?;
    let mut conn = state.pool.get().await?;
    let done = conn
        .transaction(async |c| {
            let current = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(current.version)?;
            let (changes, ids) = body.parse(current.kind)?;
            let mut details = body.touched();
            let power = rules::power(&current, &changes, ids.is_some())
                .map_err(|field| ApiError::field(field, "send it alone: it waits for a second platform admin"))?;
            if let Some((field, action)) = power {
                if body.given().len() > 1 && four_eyes::needed(c).await? {
                    return Err(ApiError::field(field, "send it alone: it may wait for a second platform admin"));
                }
                let payload = serde_json::to_value(body).map_err(ApiError::internal)?;
                let gate = four_eyes::gate(c, act, action, Some(id.0), payload).await?;
                if let Gate::Filed(approval) = gate {
                    return Ok(Outcome::Filed(approval));
                }
                details["four_eyes"] = gate.flag();
            }
            let row = store::update(c, id, &changes).await?;
            if changes.active == Some(false) {
                // Its people's unused links end with it (a reactivation does not bring them back).
                users::store::revoke_org_enrolments(c, id).await?;
            }
            let id_rows = match ids {
                Some(list) => store::set_bank_identifiers(c, id, &list).await?,
                None => store::bank_identifiers_of(c, &[id]).await?,
            };
            act.on("organization", id).details(details).write(c).await?;
            Ok::<_, ApiError>(Outcome::Done(Organization::from_rows(row, id_rows)))
        })
        .await?;
    // Keys and alert routes depend on these: this instance's caches go at once.
    if body.active.is_some() || body.bank_identifiers.is_some() {
        state.hub.key_cache.clear();
    }
    Ok(done)
}

/// Applies a filed change to an organisation (bank identifiers, country, reactivation), as
/// `update_organization` would have.
pub async fn apply_update(conn: &mut Conn, id: OrgId, body: &UpdateOrganization) -> ApiResult<OrgId> {
    let org = store::lock(conn, id).await?.ok_or(ApiError::NotFound)?;
    let (changes, ids) = body.parse(org.kind)?;
    store::update(conn, id, &changes).await?;
    if let Some(list) = ids {
        store::set_bank_identifiers(conn, id, &list).await?;
    }
    Ok(id)
}
