//! One LISTEN connection per instance for PostgreSQL notifications: credential changes (empty
//! the API-key cache) and new outbox events (wake the long-polling readers of that
//! organisation's feed). Reconnects with back-off; while it is down the key cache is off and
//! long-polls fall back to a periodic re-check.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::keycache::KeyCache;

pub const CREDENTIALS: &str = "cyberbridge_credentials";
pub const EVENTS: &str = "cyberbridge_events";

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

    pub fn spawn(&self, url: String) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                if let Err(e) = listen(&hub, &url).await {
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

async fn listen(hub: &Hub, url: &str) -> Result<(), String> {
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    for channel in [CREDENTIALS, EVENTS] {
        diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn).await.map_err(|e| e.to_string())?;
    }
    // Whatever changed while we were not listening is unknown: start with an empty cache.
    hub.key_cache.set_listening(true);
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(n) = stream.next().await {
        let n = n.map_err(|e| e.to_string())?;
        match n.channel.as_str() {
            CREDENTIALS => hub.key_cache.clear(),
            EVENTS => {
                if let Ok(org) = n.payload.parse::<Uuid>() {
                    // No receiver is fine: nobody is long-polling.
                    let _ = hub.events.send(org);
                }
            }
            _ => {}
        }
    }
    Err("notification stream ended".into())
}
