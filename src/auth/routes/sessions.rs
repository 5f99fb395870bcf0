//! The sessions a user has open (one per login, on any device) and ending one of them: its
//! refresh tokens are revoked and its access tokens refused at once.

use actix_web::{delete, get, web, HttpResponse};
use uuid::Uuid;

use crate::access::{Action, Principal};
use crate::auth::model::SessionList;
use crate::auth::service;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Missing};
use crate::kernel::AppState;

/// Your open sessions, newest first.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "the sessions", body = SessionList), Common)
)]
#[get("/me/sessions")]
pub async fn list_sessions(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<SessionList>> {
    let act = principal.authorize(&state, Action::ListSessions).await?;
    Ok(web::Json(service::sessions(&state, &act).await?))
}

/// Ends one of your sessions (a device lost, a login not yours): its refresh token stops
/// working and its access tokens are refused from the next request on.
#[utoipa::path(
    tag = "auth",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "ended"), Common, Missing)
)]
#[delete("/me/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::EndSession).await?;
    service::end_session(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
