//! Watchlists' operations, as the JSON API and the console call them. Each takes the grant of
//! its action (`Grant::expect` refuses any other); another organisation's watchlist answers 404
//! (recorded):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`create`] | `CreateWatchlist` | a watchlist with its first items |
//! | [`list`] | `ListWatchlists` | the organisation's watchlists, without items |
//! | [`read`] | `ReadWatchlist` | one with its items |
//! | [`update`] | `UpdateWatchlist` | renames, adds and removes items, at the version read |
//! | [`delete`] | `DeleteWatchlist` | deletes one |

use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::access::{Action, Grant};
use crate::domain::Check;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
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

/// A watchlist of the caller's organisation with its first items (ipv4/ipv6 may be networks).
pub async fn create(state: &AppState, act: &Grant, body: &CreateWatchlist) -> ApiResult<Watchlist> {
    act.expect(&[Action::CreateWatchlist])?;
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
    conn.transaction(async |c| {
        let row = store::insert(c, &row).await?;
        let added = store::add_items(c, row.id, &items).await?;
        act.on("watchlist", row.id).details(serde_json::json!({"items": added})).write(c).await?;
        Ok::<_, ApiError>(view(row, added as i64, None))
    })
    .await
}

/// The organisation's watchlists, without their items.
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<Vec<Watchlist>> {
    act.expect(&[Action::ListWatchlists])?;
    let rows = store::list(&mut *state.pool.get().await?, act.org_id).await?;
    Ok(rows.into_iter().map(|(r, n)| view(r, n, None)).collect())
}

/// One of the organisation's watchlists with its items.
pub async fn read(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<Watchlist> {
    act.expect(&[Action::ReadWatchlist])?;
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get(&mut conn, act.org_id, id).await? else {
        return Err(act.hide(state, "watchlist", id).await);
    };
    let items: Vec<WatchItem> = store::items(&mut conn, id)
        .await?
        .into_iter()
        .map(|(t, value)| WatchItem { type_: t.as_str().to_string(), value })
        .collect();
    Ok(view(row, items.len() as i64, Some(items)))
}

/// Renames, adds and removes items at the version read (`If-Match` required).
pub async fn update(
    state: &AppState,
    act: &Grant,
    id: Uuid,
    if_match: IfMatch,
    body: &UpdateWatchlist,
) -> ApiResult<Watchlist> {
    act.expect(&[Action::UpdateWatchlist])?;
    let mut check = Check::new();
    let name = body.name.as_deref().and_then(|n| check.text("name", n, 1, 200));
    let add = check_items(&mut check, "add", &body.add);
    let remove = check_items(&mut check, "remove", &body.remove);
    check.finish()?;
    let mut conn = state.pool.get().await?;
    if store::get(&mut conn, act.org_id, id).await?.is_none() {
        return Err(act.hide(state, "watchlist", id).await);
    }
    let if_match = if_match.required()?;
    conn.transaction(async |c| {
        let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
        if_match.check(locked.version)?;
        let removed = store::remove_items(c, id, &remove).await?;
        let added = store::add_items(c, id, &add).await?;
        let row = store::touch(c, id, name.as_deref()).await?;
        act.on("watchlist", id).details(serde_json::json!({"added": added, "removed": removed})).write(c).await?;
        let count = store::items(c, id).await?.len() as i64;
        Ok::<_, ApiError>(view(row, count, None))
    })
    .await
}

/// Deletes one of the organisation's watchlists.
pub async fn delete(state: &AppState, act: &Grant, id: Uuid) -> ApiResult<()> {
    act.expect(&[Action::DeleteWatchlist])?;
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
        return Err(act.hide(state, "watchlist", id).await);
    }
    Ok(())
}
