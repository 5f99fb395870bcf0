//! One LISTEN connection per instance for PostgreSQL notifications: credential changes (empty
//! the API-key cache) and new outbox events (wake the long-polling readers of that
//! organisation's feed). Reconnects with back-off; while it is down the key cache is off and
//! long-polls fall back to a periodic re-check. A listener only reads, so it could not tell a
//! silent network from a quiet database: it pings every [`PING`], within the statement bound,
//! and a ping unanswered ends it (the cache goes off until it is back).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use uuid::Uuid;

use super::keycache::KeyCache;

pub const CREDENTIALS: &str = "cyberbridge_credentials";
pub const EVENTS: &str = "cyberbridge_events";
/// How often the listener checks that the database still answers.
const PING: Duration = Duration::from_secs(5);

/// Where notifications go.
#[derive(Clone)]
pub struct Hub {
    pub key_cache: Arc<KeyCache>,
    /// The recipient organisation of each new outbox event.
    pub events: broadcast::Sender<Uuid>,
}

impl Hub {
    pub fn new() -> Self {
        Hub { key_cache: Arc::default(), events: broadcast::channel(4096).0 }
    }

    pub fn spawn(&self, url: String, limits: super::db::Limits) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                if let Err(e) = listen(&hub, &url, limits).await {
                    tracing::warn!(error = %e, "notification listener lost; reconnecting");
                }
                hub.key_cache.set_listening(false);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

async fn listen(hub: &Hub, url: &str, limits: super::db::Limits) -> Result<(), String> {
    let health = super::db::Health::of(url);
    let (client, mut notifications) =
        super::db::connect::client(url, limits, &health).await.map_err(|e| e.to_string())?;
    client.batch_execute(&format!("LISTEN {CREDENTIALS}; LISTEN {EVENTS}")).await.map_err(|e| e.to_string())?;
    // Whatever changed while we were not listening is unknown: start with an empty cache.
    hub.key_cache.set_listening(true);
    let mut ping = tokio::time::interval(PING);
    loop {
        tokio::select! {
            n = notifications.recv() => {
                let Some(n) = n else { return Err("notification stream ended".into()) };
                match n.channel() {
                    CREDENTIALS => hub.key_cache.clear(),
                    EVENTS => {
                        if let Ok(org) = n.payload().parse::<Uuid>() {
                            // No receiver is fine: nobody is long-polling.
                            let _ = hub.events.send(org);
                        }
                    }
                    _ => {}
                }
            }
            _ = ping.tick() => {
                client.simple_query("").await.map_err(|e| format!("ping: {e}"))?;
            }
        }
    }
}
