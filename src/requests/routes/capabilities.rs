//! The capability catalogue each ISP and bank publishes.

use actix_web::{get, put, web};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::domain::{Check, OrgKind, Role};
use crate::error::{ApiError, ApiResult};
use crate::organizations::model::{check_contact, Contact};
use crate::requests::model::{DataCategory, RequestType};
use crate::requests::store;
use crate::AppState;

/// What a provider says about one request type.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct TypeCapability {
    #[serde(rename = "type")]
    #[schema(value_type = RequestType)]
    pub type_: String,
    pub supported: bool,
    /// Data categories held for it.
    #[serde(default)]
    #[schema(value_type = Vec<DataCategory>)]
    pub data_held: Vec<String>,
    /// e.g. `IP assignment logs: 12 months`.
    pub retention: Option<String>,
    /// What a request must contain or cite.
    pub legal_requirements: Option<String>,
}

/// A provider's catalogue (CoE guidelines: providers say what they can provide and how).
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    pub request_types: Vec<TypeCapability>,
    /// The 24/7 contact for emergencies.
    pub emergency_contact: Contact,
    pub notes: Option<String>,
}

/// An organisation's capability catalogue: readable by the public sector and the organisation.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, body = Capabilities),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no catalogue, or not visible to you", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/capabilities")]
pub async fn get_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let id = id.into_inner();
    if !(principal.org_kind.is_public_sector() || principal.org_id == id || principal.is_platform_admin()) {
        return Err(audit::not_visible(&state, &principal, "capabilities.read", "organization", id).await);
    }
    let mut conn = state.pool.get().await?;
    store::capabilities_of(&mut conn, id).await?.map(web::Json).ok_or(ApiError::NotFound)
}

/// Publishes your organisation's catalogue (ISPs and banks, org_admins).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = Capabilities,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Capabilities),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/organizations/{id}/capabilities")]
pub async fn put_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<Capabilities>,
) -> ApiResult<web::Json<Capabilities>> {
    let id = id.into_inner();
    let own_admin = principal.org_id == id && principal.role == Role::OrgAdmin && principal.user_id().is_some();
    if !own_admin || !matches!(principal.org_kind, OrgKind::Isp | OrgKind::Bank) {
        audit::record_denied(&state, Entry::of(&principal, "capabilities.update").object("organization", id)).await;
        return Err(ApiError::Forbidden("an ISP's or bank's org_admin publishes its own catalogue".into()));
    }
    let mut check = Check::new();
    let mut caps = body.into_inner();
    for (i, t) in caps.request_types.iter_mut().enumerate() {
        if let Some(kind) = check.take(&format!("request_types[{i}].type"), t.type_.parse::<RequestType>()) {
            t.type_ = kind.as_str().into();
        }
        for (j, c) in t.data_held.iter().enumerate() {
            check.take(&format!("request_types[{i}].data_held[{j}]"), c.parse::<DataCategory>());
        }
    }
    if let Some(contact) = check_contact(&mut check, &caps.emergency_contact) {
        caps.emergency_contact = contact;
    }
    check.finish()?;
    let value = serde_json::to_value(&caps).map_err(ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::set_capabilities(c, id, &value).await?;
        Entry::of(&principal, "capabilities.update").object("organization", id).write(c).await
    })
    .await?;
    Ok(web::Json(caps))
}

/// Whether the addressee declared it cannot answer `kind`.
pub(super) fn declared_unsupported(catalogue: Option<&serde_json::Value>, kind: RequestType) -> bool {
    catalogue
        .and_then(|c| c["request_types"].as_array())
        .is_some_and(|types| types.iter().any(|t| t["type"] == kind.as_str() && t["supported"] == false))
}
