use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::Check;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::{with_etag, IfMatch};
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing, Versioned};
use crate::kernel::AppState;

fn view(row: WatchlistRow, item_count: i64, items: Option<Vec<WatchItem>>) -> Watchlist {
    Watchlist {
        id: row.id,
        name: row.name,
        item_count,
        items,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

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
    let mut check = Check::new();
    let name = check.text("name", &body.name, 1, 200);
    let items = check_items(&mut check, "items", &body.items);
    check.finish()?;
    let name = name.ok_or_else(|| ApiError::internal("validated name missing"))?;
    let now = chrono::Utc::now();
    let row = WatchlistRow {
        id: Uuid::now_v7(),
        organization_id: act.org_id,
        name,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut conn = state.pool.get().await?;
    let watchlist = conn
        .transaction(async |c| {
            let row = store::insert(c, &row).await?;
            let added = store::add_items(c, row.id, &items).await?;
            act.on("watchlist", row.id).details(serde_json::json!({"items": added})).write(c).await?;
            Ok::<_, ApiError>(view(row, added as i64, None))
        })
        .await?;
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
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, act.org_id).await?;
    Ok(web::Json(WatchlistList { items: rows.into_iter().map(|(r, n)| view(r, n, None)).collect(), next_cursor: None }))
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
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get(&mut conn, act.org_id, id).await? else {
        return Err(act.hide(&state, "watchlist", id).await);
    };
    let items: Vec<WatchItem> = store::items(&mut conn, id)
        .await?
        .into_iter()
        .map(|(t, value)| WatchItem { type_: t.as_str().to_string(), value })
        .collect();
    let watchlist = view(row, items.len() as i64, Some(items));
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
    let id = id.into_inner();
    let mut check = Check::new();
    let name = body.name.as_deref().and_then(|n| check.text("name", n, 1, 200));
    let add = check_items(&mut check, "add", &body.add);
    let remove = check_items(&mut check, "remove", &body.remove);
    check.finish()?;
    let mut conn = state.pool.get().await?;
    if store::get(&mut conn, act.org_id, id).await?.is_none() {
        return Err(act.hide(&state, "watchlist", id).await);
    }
    let if_match = if_match.required()?;
    let watchlist = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(locked.version)?;
            let removed = store::remove_items(c, id, &remove).await?;
            let added = store::add_items(c, id, &add).await?;
            let row = store::touch(c, id, name.as_deref()).await?;
            act.on("watchlist", id).details(serde_json::json!({"added": added, "removed": removed})).write(c).await?;
            let count = store::items(c, id).await?.len() as i64;
            Ok::<_, ApiError>(view(row, count, None))
        })
        .await?;
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
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let deleted = conn
        .transaction(async |c| {
            let deleted = store::delete(c, act.org_id, id).await?;
            if deleted {
                act.on("watchlist", id).write(c).await?;
            }
            Ok::<_, ApiError>(deleted)
        })
        .await?;
    if !deleted {
        return Err(act.hide(&state, "watchlist", id).await);
    }
    Ok(HttpResponse::NoContent().finish())
}
