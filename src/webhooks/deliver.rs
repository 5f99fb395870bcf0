//! The delivery worker, in every instance: claims due deliveries (`SKIP LOCKED`), POSTs each
//! signed event, logs the attempt, and schedules retries with exponential back-off and jitter
//! for 24 hours. Woken by new outbox events, by recorded outcomes, and every 500 ms for
//! retries that fall due.
//!
//! Each endpoint gets at most `CYBERBRIDGE_WEBHOOK_CONCURRENCY` (4) deliveries in flight (across instances: in-flight
//! claims count), claimed in turn with every other endpoint's, and no delivery waits for
//! another: each is its own task, its outcome recorded in batches as it comes. A slow or
//! hanging receiver holds its own four slots, not the other organisations' deliveries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rand::Rng;
use tokio::sync::{mpsc, Notify, Semaphore};

use super::model::Due;
use super::{client, sign, store};
use crate::kernel::error::{retry_conflicts, ApiResult};
use crate::kernel::metrics::Delivery;
use crate::kernel::AppState;

/// Deliveries claimed and not yet recorded in one instance, all endpoints together.
const IN_FLIGHT: usize = 256;
/// Deliveries claimed for an endpoint at once: this many times its concurrency.
const BATCH_PER_SLOT: i64 = 4;
const TIMEOUT: Duration = Duration::from_secs(10);
const GIVE_UP_AFTER_HOURS: i64 = 24;
const MAX_DELAY_SECS: f64 = 2.0 * 3600.0;

pub fn spawn(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut wake = state.hub.events.subscribe();
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        let recorded = Arc::new(Notify::new());
        let endpoints = Endpoints::default();
        let (outcomes, rx) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(record_outcomes(state.clone(), rx, recorded.clone()));
        let mut subscribed = Subscribed::default();
        loop {
            let started = match dispatch(&state, &slots, &endpoints, &outcomes).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery round failed");
                    0
                }
            };
            if started > 0 && slots.available_permits() > 0 {
                continue;
            }
            // An event wakes the round only when its organisation has a webhook: a bank taking
            // a thousand alerts a second without one must not cost a thousand claims a second.
            // A webhook made since the set was read is served by the 500 ms round meanwhile.
            subscribed.refresh(&state).await;
            let idle = tokio::time::sleep(Duration::from_millis(500));
            tokio::pin!(idle);
            loop {
                tokio::select! {
                    woken = wake.recv() => match woken {
                        Ok(org) if !subscribed.has(org) => continue,
                        _ => break,
                    },
                    _ = recorded.notified() => break,
                    _ = &mut idle => break,
                }
            }
            if recorder.is_finished() {
                return;
            }
        }
    })
}

/// The organisations with an active webhook, read again every 2 s.
#[derive(Default)]
struct Subscribed {
    orgs: Option<std::collections::HashSet<uuid::Uuid>>,
    read_at: Option<Instant>,
}

impl Subscribed {
    async fn refresh(&mut self, state: &AppState) {
        if self.read_at.is_some_and(|at| at.elapsed() < Duration::from_secs(2)) {
            return;
        }
        self.read_at = Some(Instant::now());
        let read = async { store::subscribed_orgs(&mut *state.pool.get().await?).await };
        // Unknown (the database is away): every event wakes the round, as before.
        self.orgs = read.await.ok();
    }

    fn has(&self, org: uuid::Uuid) -> bool {
        self.orgs.as_ref().is_none_or(|orgs| orgs.contains(&org))
    }
}

/// Claims what is due, as many as there are free slots, and starts each delivery as a task of
/// its own; returns how many started.
async fn dispatch(
    state: &web::Data<AppState>,
    slots: &Arc<Semaphore>,
    endpoints: &Endpoints,
    outcomes: &mpsc::UnboundedSender<store::Outcome>,
) -> ApiResult<usize> {
    let free = slots.available_permits();
    if free == 0 {
        return Ok(0);
    }
    let concurrency = state.config.webhook_concurrency.max(1) as usize;
    let batch = concurrency as i64 * BATCH_PER_SLOT;
    let due = store::claim_due(&mut *state.pool.get().await?, free as i64, batch).await?;
    let n = due.len();
    for d in due {
        let Ok(permit) = slots.clone().try_acquire_owned() else { break };
        let endpoint = endpoints.gate(d.webhook_id, concurrency);
        let (state, outcomes) = (state.clone(), outcomes.clone());
        tokio::spawn(async move {
            let turn = endpoint.acquire_owned().await;
            let outcome = attempt(&state, d).await;
            drop((turn, permit));
            let _ = outcomes.send(outcome);
        });
    }
    Ok(n)
}

/// Per endpoint, the permits to send: `CYBERBRIDGE_WEBHOOK_CONCURRENCY` at once.
#[derive(Default)]
struct Endpoints(std::sync::Mutex<std::collections::HashMap<uuid::Uuid, Arc<Semaphore>>>);

impl Endpoints {
    fn gate(&self, webhook: uuid::Uuid, concurrency: usize) -> Arc<Semaphore> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, s| Arc::strong_count(s) > 1);
        }
        map.entry(webhook).or_insert_with(|| Arc::new(Semaphore::new(concurrency))).clone()
    }
}

/// Records outcomes as they come, in batches (one transaction for all that are waiting).
async fn record_outcomes(
    state: web::Data<AppState>,
    mut rx: mpsc::UnboundedReceiver<store::Outcome>,
    recorded: Arc<Notify>,
) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, IN_FLIGHT).await > 0 {
        // A deadlock with a concurrent change (an endpoint deleted) is retried.
        let result = retry_conflicts(|| async {
            let mut conn = state.pool.get().await?;
            conn.transaction(async |c| store::record(c, &batch).await).await
        })
        .await;
        if let Err(e) = result {
            // Not recorded: each is claimed again when its claim lapses (same webhook-id).
            tracing::warn!(error = %e, lost = batch.len(), "recording webhook deliveries failed");
        }
        batch.clear();
        recorded.notify_one();
    }
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
    let secret = state.secrets.open(d.webhook_id.as_bytes(), &d.secret);
    let signed = body.and_then(|body| Ok((sign::signature(&secret?, &id, timestamp, &body)?, body)));
    let result = match (signed, client::check_url(&d.url, allow_internal)) {
        (Ok((signature, body)), Ok(url)) => {
            let headers = [
                ("webhook-id", id.clone()),
                ("webhook-timestamp", timestamp.to_string()),
                ("webhook-signature", signature),
            ];
            match client::WebhookClient::shared(allow_internal) {
                Ok(http) => http.post(&url, &headers, body, TIMEOUT).await,
                Err(e) => Err(e),
            }
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
    state.metrics.delivery(match (delivered, next) {
        (true, _) => Delivery::Delivered,
        (false, Some(_)) => Delivery::Retrying,
        (false, None) => Delivery::GaveUp,
    });
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
