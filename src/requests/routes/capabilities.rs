//! The capability catalogue each ISP and bank publishes.

use actix_web::{get, put, web};

use crate::access::{Action, Principal};
use crate::domain::OrgId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::Capabilities;
use crate::requests::service;

/// An organisation's capability catalogue: readable by the public sector and the organisation.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the catalogue", body = Capabilities), Common, Missing)
)]
#[get("/organizations/{id}/capabilities")]
pub async fn get_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<OrgId>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let act = principal.authorize(&state, Action::ReadCapabilities).await?;
    Ok(web::Json(service::capabilities(&state, &act, id.into_inner()).await?))
}

/// Publishes your organisation's catalogue (ISPs and banks, org_admins).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = Capabilities,
    security(("bearer" = [])),
    responses((status = 200, description = "published", body = Capabilities), Common, JsonBody, Denied)
)]
#[put("/organizations/{id}/capabilities")]
pub async fn put_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<OrgId>,
    body: web::Json<Capabilities>,
) -> ApiResult<web::Json<Capabilities>> {
    let act = principal.authorize(&state, Action::UpdateCapabilities).await?;
    Ok(web::Json(service::publish_capabilities(&state, &act, id.into_inner(), body.into_inner()).await?))
}
