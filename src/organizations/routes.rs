use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::{self, Check, OrgKind};
use crate::error::{ApiError, ApiResult};
use crate::http::{check_version, if_match, with_etag};
use crate::{pagination, AppState};

/// Registers an organisation (platform admins only).
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Organization, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "name or bank identifier taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateOrganization>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageOrganizations, "organization.create").await?;
    let (new, ids) = body.parse()?;
    let mut conn = state.pool.get().await?;
    let org = conn
        .transaction(async |c| {
            let row = store::insert(c, &new).await?;
            let id_rows = store::set_bank_identifiers(c, row.id, &ids).await?;
            Entry::of(&principal, "organization.create").object("organization", row.id).write(c).await?;
            Organization::from_rows(row, id_rows)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, org.version, &org))
}

/// The directory of organisations, by name: readable by every authenticated caller, so that
/// investigators find whom to address. Deactivated ones are listed to platform admins only.
#[utoipa::path(
    tag = "organizations",
    params(OrganizationQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = OrganizationPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<OrganizationQuery>,
) -> ApiResult<web::Json<OrganizationPage>> {
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut check = Check::new();
    let kind = q.kind.as_deref().and_then(|k| check.take("kind", k.parse::<OrgKind>()));
    let country = q.country.as_deref().and_then(|c| check.take("country", domain::country(c)));
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(
        &mut conn,
        principal.is_platform_admin(),
        kind.map(|k| k.as_str()),
        country.as_deref(),
        after,
        limit,
    )
    .await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.name.to_lowercase(), r.id));
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut bank_ids = store::bank_identifiers_of(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let mine = bank_ids.extract_if(.., |b| b.organization_id == row.id).collect();
            Organization::from_rows(row, mine)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(OrganizationPage { items, next_cursor }))
}

/// One organisation of the directory.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = Organization, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = store::get(&mut conn, *id)
        .await?
        .filter(|o| o.active || principal.is_platform_admin())
        .ok_or(ApiError::NotFound)?;
    let ids = store::bank_identifiers_of(&mut conn, &[row.id]).await?;
    let org = Organization::from_rows(row, ids)?;
    Ok(with_etag(StatusCode::OK, org.version, &org))
}

/// Changes an organisation (platform admins only). `{"active": false}` deactivates it: every
/// login, token and API key of it stops at once. Send `If-Match` with the ETag to avoid
/// overwriting a concurrent change (412 when stale).
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Organization, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UpdateOrganization>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ManageOrganizations, "organization.update").await?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let org = conn
        .transaction(async |c| {
            let current = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            check_version(expected, current.version)?;
            let kind: OrgKind = domain::from_db(&current.kind)?;
            let mut check = Check::new();
            let mut changes = OrgChanges {
                name: body.name.as_deref().and_then(|n| check.text("name", n, 1, 200)),
                country: body.country.as_deref().and_then(|c| check.take("country", domain::country(c))),
                active: body.active,
                ..Default::default()
            };
            if let Some(contact) = body.contact.as_ref().and_then(|c| check_contact(&mut check, c)) {
                changes.contact_name = Some(contact.name);
                changes.contact_email = Some(contact.email);
                changes.contact_phone = Some(contact.phone);
            }
            if kind == OrgKind::Platform && body.active == Some(false) {
                check.add("active", "the platform organisation cannot be deactivated");
            }
            let ids = body.bank_identifiers.as_deref().map(|list| check_bank_identifiers(&mut check, Some(kind), list));
            check.finish()?;
            let row = store::update(c, id, &changes).await?;
            let id_rows = match ids {
                Some(list) => store::set_bank_identifiers(c, id, &list).await?,
                None => store::bank_identifiers_of(c, &[id]).await?,
            };
            Entry::of(&principal, "organization.update")
                .object("organization", id)
                .details(serde_json::json!({
                    "name": body.name.is_some(), "country": body.country.is_some(), "contact": body.contact.is_some(),
                    "bank_identifiers": body.bank_identifiers.is_some(), "active": body.active,
                }))
                .write(c)
                .await?;
            Organization::from_rows(row, id_rows)
        })
        .await?;
    if body.active.is_some() {
        state.hub.key_cache.clear();
    }
    Ok(with_etag(StatusCode::OK, org.version, &org))
}
