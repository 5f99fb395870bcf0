//! The directory of organisations: register, list, read, change.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};

use super::model::*;
use super::{service, store};
use crate::access::four_eyes::{Approval, Outcome};
use crate::access::{Action, Principal};
use crate::domain::OrgId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

/// Registers an organisation (platform admins only), with its first org_admin when
/// `first_admin` is given (on the organisation's written request, `document_reference`). An
/// organisation of a public-sector kind (law enforcement, prosecution, court, FIU), a regulator,
/// one with bank identifiers, or one with its first org_admin takes a second platform admin: it
/// is filed (202, an approval) and registered when approved (`POST /approvals/{id}/approve`),
/// unless the platform has a single platform admin. The first org_admin's enrolment token is
/// then split: part 1 in the filing's answer, part 2 in the approval's; registered at once, the
/// answer carries the whole link.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "registered (with its first org_admin's enrolment link, shown this once)", body = CreatedOrganization, headers(("ETag" = String))),
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
    Ok(match service::create_organization(&state, &act, &body).await? {
        Outcome::Done(org) => with_etag(StatusCode::CREATED, org.organization.version, &org),
        Outcome::Filed(approval) => HttpResponse::Accepted().json(approval),
    })
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
    Ok(web::Json(service::list(&state, &act, &q).await?))
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
/// stale). Name and contact change at once. `{"active": false}` deactivates it at once (one
/// platform admin's emergency): every login, token and API key of it stops. New
/// `bank_identifiers` (they route money alerts), a new `country` (another legal regime) and
/// `{"active": true}` on a deactivated organisation take a second platform admin: each sent
/// alone, they are filed (202, an approval) and applied when approved, unless the platform has
/// a single platform admin. The kind never changes.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "changed", body = Organization, headers(("ETag" = String))),
        (status = 202, description = "filed for a second platform admin", body = Approval),
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
    Ok(match service::update_organization(&state, &act, id.into_inner(), if_match, &body).await? {
        Outcome::Done(org) => with_etag(StatusCode::OK, org.version, &org),
        Outcome::Filed(approval) => HttpResponse::Accepted().json(approval),
    })
}
