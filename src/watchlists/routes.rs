//! Watchlists of an organisation: create, list, read, change, delete (`watchlists::service`).

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;

use super::model::*;
use super::service;
use crate::access::{Action, Principal};
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

/// Creates a watchlist of your organisation with its first items (up to 10,000; ipv4/ipv6
/// entries may be CIDR networks).
#[utoipa::path(
    tag = "watchlists",
    request_body = CreateWatchlist,
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses((status = 201, description = "created", body = Watchlist, headers(("ETag" = String))), Common, JsonBody, Denied)
)]
#[post("/watchlists")]
pub async fn create_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateWatchlist>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateWatchlist).await?;
    let watchlist = service::create(&state, &act, &body).await?;
    Ok(with_etag(StatusCode::CREATED, watchlist.version, &watchlist))
}

/// Your organisation's watchlists (without their items).
#[utoipa::path(
    tag = "watchlists",
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses((status = 200, description = "your watchlists", body = WatchlistList), Common, Denied)
)]
#[get("/watchlists")]
pub async fn list_watchlists(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<WatchlistList>> {
    let act = principal.authorize(&state, Action::ListWatchlists).await?;
    Ok(web::Json(WatchlistList { items: service::list(&state, &act).await?, next_cursor: None }))
}

/// One of your watchlists with its items.
#[utoipa::path(
    tag = "watchlists",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses((status = 200, description = "the watchlist with its items", body = Watchlist, headers(("ETag" = String))), Common, Denied, Missing)
)]
#[get("/watchlists/{id}")]
pub async fn get_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadWatchlist).await?;
    let watchlist = service::read(&state, &act, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, watchlist.version, &watchlist))
}

/// Renames a watchlist, adds and removes items (up to 10,000 of each per call), with
/// `If-Match` (428 without, 412 when stale).
#[utoipa::path(
    tag = "watchlists",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateWatchlist,
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses((status = 200, description = "changed", body = Watchlist, headers(("ETag" = String))), Common, JsonBody, Denied, Missing, Versioned)
)]
#[patch("/watchlists/{id}")]
pub async fn update_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWatchlist>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::UpdateWatchlist).await?;
    let watchlist = service::update(&state, &act, id.into_inner(), if_match, &body).await?;
    Ok(with_etag(StatusCode::OK, watchlist.version, &watchlist))
}

/// Deletes one of your watchlists.
#[utoipa::path(
    tag = "watchlists",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses((status = 204, description = "deleted"), Common, Denied, Missing)
)]
#[delete("/watchlists/{id}")]
pub async fn delete_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::DeleteWatchlist).await?;
    service::delete(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
