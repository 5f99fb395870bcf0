use std::time::{Duration, Instant};

use actix_web::{get, web};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::model::{Event, EventPage, EventQuery};
use super::{store, EventType};
use crate::access::{Action, Principal};
use crate::domain::{Check, OrgId};
use crate::kernel::error::ApiResult;
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied};
use crate::kernel::AppState;

const MAX_WAIT: Duration = Duration::from_secs(60);
/// While long-polling, the feed is re-read at least this often, for events held back behind
/// an open transaction and for when the notification listener is reconnecting.
const RECHECK: Duration = Duration::from_secs(1);

fn parse_wait(check: &mut Check, raw: Option<&str>) -> Duration {
    let Some(raw) = raw else { return Duration::ZERO };
    let digits = raw.trim().trim_end_matches('s');
    match digits.parse::<u64>() {
        Ok(n) if Duration::from_secs(n) <= MAX_WAIT => Duration::from_secs(n),
        _ => {
            check.add("wait", "seconds from 0 to 60, e.g. 30s");
            Duration::ZERO
        }
    }
}

/// Returns when an event for `org` is announced (or announcements were missed).
async fn announced(rx: &mut broadcast::Receiver<Uuid>, org: OrgId) {
    loop {
        match rx.recv().await {
            Ok(o) if org == o => return,
            Ok(_) => continue,
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

/// Your organisation's events in order, for systems that pull. With `wait`, an empty answer
/// is held until an event arrives (PostgreSQL LISTEN/NOTIFY) or the time is up.
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    security(("bearer" = []), ("api_key" = ["events:read"])),
    responses((status = 200, description = "events after the cursor, oldest first", body = EventPage), Common, Denied)
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<EventQuery>,
) -> ApiResult<web::Json<EventPage>> {
    let act = principal.authorize(&state, Action::ReadEvents).await?;
    let limit = pagination::limit(q.limit)?;
    let after: i64 = pagination::decode_param("after", q.after.as_deref())?.unwrap_or(0);
    let (types, wait) = q.parse()?;
    let rows = wait_for_feed(&state, act.org_id, after, &types, limit, wait).await?;
    let next = rows.last().map_or(after, |r| r.id);
    if !rows.is_empty() {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
        act.record_read(&state, None, serde_json::json!({"events": ids}));
    }
    let items = rows
        .into_iter()
        .map(|r| Event { id: r.event_id, type_: r.type_, created_at: r.created_at, data: r.payload })
        .collect();
    Ok(web::Json(EventPage { items, next_cursor: Some(pagination::encode(&next)) }))
}

impl EventQuery {
    /// The event types to keep and how long to wait for one.
    fn parse(&self) -> Result<(Vec<EventType>, Duration), crate::domain::Invalid> {
        let mut check = Check::new();
        let types = self
            .types
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .filter_map(|t| check.take("types", t.parse::<EventType>()))
            .collect();
        let wait = parse_wait(&mut check, self.wait.as_deref());
        check.finish()?;
        Ok((types, wait))
    }
}

/// The feed after `after`; with nothing there yet, waits up to `wait` for an event of `org`.
async fn wait_for_feed(
    state: &AppState,
    org: OrgId,
    after: i64,
    types: &[EventType],
    limit: i64,
    wait: Duration,
) -> ApiResult<Vec<store::EventRow>> {
    let deadline = Instant::now() + wait;
    // Subscribed before the first read, so an event committed in between still wakes us.
    let mut rx = state.hub.events.subscribe();
    loop {
        let rows = store::feed(&mut *state.pool.get().await?, org, after, types, limit).await?;
        let now = Instant::now();
        if !rows.is_empty() || now >= deadline {
            return Ok(rows);
        }
        let _ = tokio::time::timeout((deadline - now).min(RECHECK), announced(&mut rx, org)).await;
    }
}
