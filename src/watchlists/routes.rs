use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::Check;
use crate::error::{ApiError, ApiResult};
use crate::http::with_etag;
use crate::AppState;

/// Watchlists belong to organisations that read reports and events.
async fn require(state: &AppState, principal: &Principal, action: &'static str) -> ApiResult<()> {
    audit::require(state, principal, Permission::ReadReports, action).await?;
    audit::require(state, principal, Permission::ReadEvents, action).await
}

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
    responses(
        (status = 201, body = Watchlist),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/watchlists")]
pub async fn create_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateWatchlist>,
) -> ApiResult<HttpResponse> {
    require(&state, &principal, "watchlist.create").await?;
    let mut check = Check::new();
    let name = check.text("name", &body.name, 1, 200);
    let items = check_items(&mut check, "items", &body.items);
    check.finish()?;
    let name = name.ok_or_else(|| ApiError::Internal("validated name missing".into()))?;
    let now = chrono::Utc::now();
    let row = WatchlistRow {
        id: Uuid::now_v7(),
        organization_id: principal.org_id,
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
            Entry::of(&principal, "watchlist.create")
                .object("watchlist", row.id)
                .details(serde_json::json!({"items": added}))
                .write(c)
                .await?;
            Ok::<_, ApiError>(view(row, added as i64, None))
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, watchlist.version, &watchlist))
}

/// Your organisation's watchlists (without their items).
#[utoipa::path(
    tag = "watchlists",
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses(
        (status = 200, body = WatchlistList),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/watchlists")]
pub async fn list_watchlists(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<WatchlistList>> {
    require(&state, &principal, "watchlist.list").await?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, principal.org_id).await?;
    Ok(web::Json(WatchlistList { items: rows.into_iter().map(|(r, n)| view(r, n, None)).collect(), next_cursor: None }))
}

/// One of your watchlists with its items.
#[utoipa::path(
    tag = "watchlists",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses(
        (status = 200, body = Watchlist),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/watchlists/{id}")]
pub async fn get_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&state, &principal, "watchlist.read").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get(&mut conn, principal.org_id, id).await? else {
        return Err(audit::not_visible(&state, &principal, "watchlist.read", "watchlist", id).await);
    };
    let items: Vec<WatchItem> =
        store::items(&mut conn, id).await?.into_iter().map(|(type_, value)| WatchItem { type_, value }).collect();
    let watchlist = view(row, items.len() as i64, Some(items));
    Ok(with_etag(StatusCode::OK, watchlist.version, &watchlist))
}

/// Renames a watchlist, adds and removes items (up to 10,000 of each per call).
#[utoipa::path(
    tag = "watchlists",
    params(("id" = Uuid, Path)),
    request_body = UpdateWatchlist,
    security(("bearer" = []), ("api_key" = ["events:read", "reports:read"])),
    responses(
        (status = 200, body = Watchlist),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/watchlists/{id}")]
pub async fn update_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWatchlist>,
) -> ApiResult<HttpResponse> {
    require(&state, &principal, "watchlist.update").await?;
    let id = id.into_inner();
    let mut check = Check::new();
    let name = body.name.as_deref().and_then(|n| check.text("name", n, 1, 200));
    let add = check_items(&mut check, "add", &body.add);
    let remove = check_items(&mut check, "remove", &body.remove);
    check.finish()?;
    let mut conn = state.pool.get().await?;
    if store::get(&mut conn, principal.org_id, id).await?.is_none() {
        return Err(audit::not_visible(&state, &principal, "watchlist.update", "watchlist", id).await);
    }
    let watchlist = conn
        .transaction(async |c| {
            let removed = store::remove_items(c, id, &remove).await?;
            let added = store::add_items(c, id, &add).await?;
            let row = store::touch(c, id, name.as_deref()).await?;
            Entry::of(&principal, "watchlist.update")
                .object("watchlist", id)
                .details(serde_json::json!({"added": added, "removed": removed}))
                .write(c)
                .await?;
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
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/watchlists/{id}")]
pub async fn delete_watchlist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&state, &principal, "watchlist.delete").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let deleted = conn
        .transaction(async |c| {
            let deleted = store::delete(c, principal.org_id, id).await?;
            if deleted {
                Entry::of(&principal, "watchlist.delete").object("watchlist", id).write(c).await?;
            }
            Ok::<_, ApiError>(deleted)
        })
        .await?;
    if !deleted {
        return Err(audit::not_visible(&state, &principal, "watchlist.delete", "watchlist", id).await);
    }
    Ok(HttpResponse::NoContent().finish())
}
