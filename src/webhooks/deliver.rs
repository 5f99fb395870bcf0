//! The delivery worker, in every instance: claims due deliveries (`SKIP LOCKED`), POSTs each
//! signed event, logs the attempt, and schedules retries with exponential back-off and jitter
//! for 24 hours. Woken by new outbox events, and every 500 ms for retries that fall due.

use std::time::{Duration, Instant};

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rand::Rng;

use super::model::Due;
use super::{client, sign, store};
use crate::kernel::error::ApiResult;
use crate::kernel::AppState;

const BATCH: i64 = 200;
const TIMEOUT: Duration = Duration::from_secs(10);
const GIVE_UP_AFTER_HOURS: i64 = 24;
const MAX_DELAY_SECS: f64 = 2.0 * 3600.0;

pub fn spawn(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wake = state.hub.events.subscribe();
        loop {
            let sent = match run_once(&state).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery round failed");
                    0
                }
            };
            if sent as i64 == BATCH {
                continue;
            }
            tokio::select! {
                _ = wake.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    })
}

/// Sends every delivery due now (up to one batch, concurrently); returns how many.
pub async fn run_once(state: &AppState) -> ApiResult<usize> {
    let due = {
        let mut conn = state.pool.get().await?;
        store::claim_due(&mut conn, BATCH).await?
    };
    let n = due.len();
    let outcomes = futures_util::future::join_all(due.into_iter().map(|d| attempt(state, d))).await;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| store::record(c, &outcomes).await).await?;
    Ok(n)
}

/// When to try again after `attempts` failed ones, or `None` past 24 hours.
fn next_attempt(created_at: DateTime<Utc>, attempts: i32, base_ms: u64) -> Option<DateTime<Utc>> {
    let exp = 4f64.powi(attempts.saturating_sub(1).min(12));
    let secs = (base_ms as f64 / 1000.0 * exp).min(MAX_DELAY_SECS);
    let jitter = rand::rng().random_range(0.8..1.2);
    let at = Utc::now() + chrono::Duration::milliseconds((secs * jitter * 1000.0) as i64);
    (at < created_at + chrono::Duration::hours(GIVE_UP_AFTER_HOURS)).then_some(at)
}

/// Sends one delivery; a claimed delivery not recorded (crash) is retried when its claim lapses.
async fn attempt(state: &AppState, d: Due) -> store::Outcome {
    let allow_internal = state.config.allow_http_webhooks;
    let body = serde_json::to_vec(&serde_json::json!({
        "type": d.event_type, "timestamp": d.event_created_at, "data": d.payload,
    }))
    .map_err(|e| format!("cannot encode the event: {e}"));
    let id = d.event_id.to_string();
    let timestamp = Utc::now().timestamp();
    let started = Instant::now();
    let signed = body.and_then(|body| Ok((sign::signature(&d.secret, &id, timestamp, &body)?, body)));
    let result = match (signed, client::check_url(&d.url, allow_internal)) {
        (Ok((signature, body)), Ok(url)) => {
            let headers = [
                ("webhook-id", id.clone()),
                ("webhook-timestamp", timestamp.to_string()),
                ("webhook-signature", signature),
            ];
            client::post(&url, &headers, &body, allow_internal, TIMEOUT).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    let (status, error, delivered) = match result {
        Ok(code) if (200..300).contains(&code) => (Some(i32::from(code)), None, true),
        Ok(code) => (Some(i32::from(code)), Some(format!("HTTP {code}")), false),
        Err(e) => (None, Some(e), false),
    };
    let next =
        if delivered { None } else { next_attempt(d.created_at, d.attempts, state.config.webhook_retry_base_ms) };
    store::Outcome { delivery: d.delivery_id, webhook: d.webhook_id, status, error, duration_ms, delivered, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_and_stops_after_a_day() {
        let now = Utc::now();
        let first = next_attempt(now, 1, 5000).unwrap();
        let third = next_attempt(now, 3, 5000).unwrap();
        assert!(first - now < chrono::Duration::seconds(7));
        assert!(third - now > chrono::Duration::seconds(60));
        assert!(next_attempt(now - chrono::Duration::hours(23), 12, 5000).is_none());
    }
}
