//! The directory of organisations: register, list, read, change.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::access::four_eyes::{self, Approval, ApprovalAction, Gate};
use crate::access::{Action, Principal};
use crate::domain::{OrgId, OrgKind};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

/// Registers an organisation (platform admins only). An organisation of a public-sector kind
/// (law enforcement, prosecution, court, FIU), a regulator, or one with bank identifiers takes
/// a second platform admin: it is filed (202, an approval) and registered when approved
/// (`POST /approvals/{id}/approve`), unless the platform has a single platform admin.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "registered", body = Organization, headers(("ETag" = String))),
        (status = 202, description = "filed for a second platform admin", body = Approval),
        Common, JsonBody, Denied, Conflict,
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateOrganization>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateOrganization).await?;
    let (new, ids) = body.parse()?;
    let mut conn = state.pool.get().await?;
    let grants_powers = new.kind.is_public_sector() || new.kind == OrgKind::Regulator || !ids.is_empty();
    let done = conn
        .transaction(async |c| {
            let gate = match grants_powers {
                true => {
                    let payload = serde_json::to_value(&*body).map_err(ApiError::internal)?;
                    four_eyes::gate(c, &act, ApprovalAction::OrganizationCreate, None, payload).await?
                }
                false => Gate::Proceed { sole: false },
            };
            if let Gate::Filed(approval) = gate {
                return Ok(Err(approval));
            }
            let row = store::insert(c, &new).await?;
            let id_rows = store::set_bank_identifiers(c, row.id, &ids).await?;
            act.on("organization", row.id).details(serde_json::json!({"four_eyes": gate.flag()})).write(c).await?;
            Ok::<_, ApiError>(Ok(Organization::from_rows(row, id_rows)))
        })
        .await?;
    match done {
        Ok(org) => Ok(with_etag(StatusCode::CREATED, org.version, &org)),
        Err(approval) => Ok(HttpResponse::Accepted().json(approval)),
    }
}

/// The directory of organisations, by name: readable by every authenticated caller, so that
/// investigators find whom to address. Deactivated ones are listed to platform admins only.
#[utoipa::path(
    tag = "organizations",
    params(OrganizationQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of the directory", body = OrganizationPage), Common)
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<OrganizationQuery>,
) -> ApiResult<web::Json<OrganizationPage>> {
    let act = principal.authorize(&state, Action::ReadOrganizations).await?;
    let filter = q.parse()?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = pagination::decode(q.cursor.as_deref())?;
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
    Ok(web::Json(OrganizationPage { items, next_cursor }))
}

/// One organisation of the directory.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the organisation", body = Organization, headers(("ETag" = String))), Common, Missing)
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<OrgId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadOrganizations).await?;
    let mut conn = state.pool.get().await?;
    let row =
        store::get(&mut conn, *id).await?.filter(|o| o.active || act.is_platform_admin()).ok_or(ApiError::NotFound)?;
    let ids = store::bank_identifiers_of(&mut conn, &[row.id]).await?;
    let org = Organization::from_rows(row, ids);
    Ok(with_etag(StatusCode::OK, org.version, &org))
}

/// Changes an organisation (platform admins only), with `If-Match` (428 without, 412 when
/// stale). `{"active": false}` deactivates it: every login, token and API key of it stops at once.
/// New `bank_identifiers` (they route money alerts) take a second platform admin: sent alone,
/// they are filed (202, an approval) and applied when approved, unless the platform has a
/// single platform admin.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "changed", body = Organization, headers(("ETag" = String))),
        (status = 202, description = "new bank identifiers filed for a second platform admin", body = Approval),
        Common, JsonBody, Denied, Missing, Conflict, Versioned,
    )
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<OrgId>,
    body: web::Json<UpdateOrganization>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::UpdateOrganization).await?;
    let if_match = if_match.required()?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let done = conn
        .transaction(async |c| {
            let current = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(current.version)?;
            let (changes, ids) = body.parse(current.kind)?;
            let mut details = body.touched();
            if ids.is_some() {
                if body.touches_more_than_bank_identifiers() && four_eyes::needed(c).await? {
                    return Err(ApiError::field(
                        "bank_identifiers",
                        "send new bank identifiers alone: they may wait for a second platform admin",
                    ));
                }
                let payload = serde_json::json!({"bank_identifiers": body.bank_identifiers});
                let gate =
                    four_eyes::gate(c, &act, ApprovalAction::OrganizationBankIdentifiers, Some(id.0), payload).await?;
                if let Gate::Filed(approval) = gate {
                    return Ok(Err(approval));
                }
                details["four_eyes"] = gate.flag();
            }
            let row = store::update(c, id, &changes).await?;
            let id_rows = match ids {
                Some(list) => store::set_bank_identifiers(c, id, &list).await?,
                None => store::bank_identifiers_of(c, &[id]).await?,
            };
            act.on("organization", id).details(details).write(c).await?;
            Ok::<_, ApiError>(Ok(Organization::from_rows(row, id_rows)))
        })
        .await?;
    // Keys and alert routes depend on these: this instance's caches go at once.
    if body.active.is_some() || body.bank_identifiers.is_some() {
        state.hub.key_cache.clear();
    }
    match done {
        Ok(org) => Ok(with_etag(StatusCode::OK, org.version, &org)),
        Err(approval) => Ok(HttpResponse::Accepted().json(approval)),
    }
}
