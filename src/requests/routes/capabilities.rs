//! The capability catalogue each ISP and bank publishes.

use actix_web::{get, put, web};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Action, Principal};
use crate::domain::{Check, OrgId, OrgKind, Role};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::organizations::model::Contact;
use crate::requests::model::{DataCategory, RequestType};
use crate::requests::store;

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
#[schema(example = json!({"request_types": [{"type": "subscriber_info", "supported": true, "data_held": ["subscriber", "ip_identification"], "retention": "IP assignment logs: 12 months", "legal_requirements": "A production order citing the IP address, port and time with offset"}, {"type": "content_data", "supported": false}], "emergency_contact": {"name": "NOC 24/7", "email": "noc@isp.example", "phone": "+38344999000"}, "notes": "Requests outside office hours: call the NOC first."}))]
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
    responses((status = 200, description = "the catalogue", body = Capabilities), Common, Missing)
)]
#[get("/organizations/{id}/capabilities")]
pub async fn get_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<OrgId>,
) -> ApiResult<web::Json<serde_json::Value>> {
    let act = principal.authorize(&state, Action::ReadCapabilities).await?;
    let id = id.into_inner();
    if !(act.org_kind.is_public_sector() || act.org_id == id || act.is_platform_admin()) {
        return Err(act.hide(&state, "organization", id).await);
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
    let id = id.into_inner();
    let own_admin = act.org_id == id && act.role == Role::OrgAdmin && act.is_user();
    if !own_admin || !matches!(act.org_kind, OrgKind::Isp | OrgKind::Bank) {
        return Err(act
            .refuse(&state, "organization", id, "an ISP's or bank's org_admin publishes its own catalogue")
            .await);
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
    if let Some(contact) = caps.emergency_contact.parse(&mut check, "emergency_contact") {
        caps.emergency_contact = contact.into();
    }
    check.finish()?;
    let value = serde_json::to_value(&caps).map_err(ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::set_capabilities(c, id, &value).await?;
        act.on("organization", id).write(c).await
    })
    .await?;
    Ok(web::Json(caps))
}
