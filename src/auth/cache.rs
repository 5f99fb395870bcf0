//! A per-instance cache of API-key look-ups, the hot path of machine clients. It is only used
//! while this instance listens on PostgreSQL's `cyberbridge_credentials` channel, which
//! triggers notify on any change to a key's validity or its organisation's status; each
//! notification empties the cache, and the changing instance empties its own at once. An
//! entry also expires after 30 s, and a key's expiry time is checked on every use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;

use super::store::ApiKeyPrincipalRow;

const TTL: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 100_000;
pub const CHANNEL: &str = "cyberbridge_credentials";

#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<Vec<u8>, (ApiKeyPrincipalRow, Instant)>>,
    /// Bumped on every invalidation, so a look-up that raced one is not cached.
    generation: AtomicU64,
    listening: AtomicBool,
}

impl KeyCache {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, hash: &[u8]) -> Option<ApiKeyPrincipalRow> {
        if !self.listening.load(Ordering::SeqCst) {
            return None;
        }
        let map = self.entries.lock().ok()?;
        map.get(hash).filter(|(_, at)| at.elapsed() < TTL).map(|(row, _)| row.clone())
    }

    /// Caches `row` if nothing was invalidated since `generation` was read.
    pub fn put(&self, hash: Vec<u8>, row: ApiKeyPrincipalRow, generation: u64) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut map) = self.entries.lock() else { return };
        if self.generation() != generation {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(hash, (row, Instant::now()));
    }

    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }

    /// Listens for credential changes on its own connection, reconnecting with back-off;
    /// the cache is off while not listening.
    pub fn spawn_listener(self: &Arc<Self>, url: String) {
        let cache = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                match listen(&cache, &url).await {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "credential change listener lost; API-key cache off until it reconnects")
                    }
                }
                cache.listening.store(false, Ordering::SeqCst);
                cache.clear();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
    }
}

async fn listen(cache: &KeyCache, url: &str) -> Result<(), String> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).await.map_err(|e| e.to_string())?;
    // Whatever changed while we were not listening is unknown: start empty.
    cache.clear();
    cache.listening.store(true, Ordering::SeqCst);
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(n) = stream.next().await {
        n.map_err(|e| e.to_string())?;
        cache.clear();
    }
    Err("notification stream ended".into())
}
