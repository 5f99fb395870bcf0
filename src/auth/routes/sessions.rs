//! The sessions a user has open (one per login, on any device) and ending one of them: its
//! refresh tokens are revoked and its access tokens refused at once.

use actix_web::{delete, get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access::{Action, Credential, Grant, Principal};
use crate::auth::store;
use crate::domain::UserId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Missing};
use crate::kernel::{tokens, AppState};

/// A session: a login and the refreshes that followed it.
#[derive(Serialize, ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Its last refresh (or the login).
    pub last_seen_at: DateTime<Utc>,
    /// Where its last login or refresh came from.
    pub client_addr: Option<String>,
    /// Opened with a second factor.
    pub second_factor: bool,
    /// The session of the token that asks.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<Session>,
}

fn caller(act: &Grant) -> ApiResult<(UserId, Option<Uuid>)> {
    match act.credential {
        Credential::User { user_id, sid, .. } => Ok((user_id, sid)),
        Credential::ApiKey { .. } => {
            Err(ApiError::Forbidden("API keys have no sessions; revoke the key instead".into()))
        }
    }
}

/// Your open sessions, newest first.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "the sessions", body = SessionList), Common)
)]
#[get("/me/sessions")]
pub async fn list_sessions(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<SessionList>> {
    let act = principal.authorize(&state, Action::ListSessions).await?;
    let (user, current) = caller(&act)?;
    let since = Utc::now() - chrono::Duration::days(tokens::REFRESH_TTL_DAYS);
    let rows = store::open_sessions(&mut *state.pool.get().await?, user.0, since).await?;
    let items = rows
        .into_iter()
        .map(|r| Session {
            current: Some(r.id) == current,
            id: r.id,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            client_addr: r.client_addr,
            second_factor: r.second_factor,
        })
        .collect();
    Ok(web::Json(SessionList { items }))
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
    let (user, _) = caller(&act)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let ended = diesel_async::AsyncConnection::transaction(&mut *conn, async |c| {
        let ended = store::end_session(c, user.0, id, "ended_by_user").await?;
        if ended {
            act.on("session", id).write(c).await?;
        }
        Ok::<_, ApiError>(ended)
    })
    .await?;
    if !ended {
        return Err(act.hide(&state, "session", id).await);
    }
    Ok(HttpResponse::NoContent().finish())
}
