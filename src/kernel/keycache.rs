//! A per-instance cache of API-key look-ups, the hot path of machine clients. It is only used
//! while this instance listens on PostgreSQL's `cyberbridge_credentials` channel (see
//! `super::notify`), which triggers notify on any change to a key's validity or its
//! organisation's status; each notification empties the cache, and the changing instance
//! empties its own at once. An entry also expires after 30 s, and a key's expiry time is
//! checked on every use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::domain::{ApiKeyId, OrgId, OrgKind, Scope};

/// What authenticating an API key needs to know, as read from the database and cached.
#[derive(diesel::Queryable, Clone, Debug)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub org_active: bool,
    /// CIDR networks the key is valid from (empty: anywhere).
    pub allowed_networks: Vec<String>,
    /// The client certificate the key is bound to (lower-case hex SHA-256).
    pub client_cert_sha256: Option<String>,
}

impl ApiKeyRecord {
    /// Why the key may not be used from where this request came, if it may not.
    pub fn refuses(&self, meta: &crate::kernel::http::RequestMeta) -> Option<&'static str> {
        if !self.allowed_networks.is_empty() {
            let ip = meta.client_addr.as_deref().and_then(|a| a.parse::<std::net::IpAddr>().ok());
            let inside = ip.is_some_and(|ip| {
                self.allowed_networks
                    .iter()
                    .filter_map(|n| crate::domain::Network::parse(n).ok())
                    .any(|n| n.contains(ip))
            });
            if !inside {
                return Some("the API key is not valid from this address");
            }
        }
        if let Some(bound) = &self.client_cert_sha256 {
            if meta.client_cert.as_deref() != Some(bound.as_str()) {
                return Some("the API key is bound to a client certificate that this request did not present");
            }
        }
        None
    }
}

const TTL: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 100_000;
const VOUCHED_TTL: Duration = Duration::from_secs(86_400);

#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<Vec<u8>, (ApiKeyRecord, Instant)>>,
    /// Hashes no key has: `ApiKey <anything>` costs one query per 30 s, not one per request.
    misses: Mutex<HashMap<Vec<u8>, Instant>>,
    /// Hashes that were a valid key within a day: kept through invalidations (they grant
    /// nothing, they only spare a known client the per-address budget of unknown keys).
    vouched: Mutex<HashMap<Vec<u8>, Instant>>,
    /// Bumped on every invalidation, so a look-up that raced one is not cached.
    generation: AtomicU64,
    listening: AtomicBool,
    /// This cache among the process's (tests run several servers in one process).
    instance: Instance,
}

#[derive(Debug)]
struct Instance(u64);

impl Default for Instance {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Instance(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl KeyCache {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, hash: &[u8]) -> Option<ApiKeyRecord> {
        if !self.listening.load(Ordering::SeqCst) {
            return None;
        }
        let map = self.entries.lock().ok()?;
        map.get(hash).filter(|(_, at)| at.elapsed() < TTL).map(|(row, _)| row.clone())
    }

    /// Caches `row` if nothing was invalidated since `generation` was read.
    pub fn put(&self, hash: Vec<u8>, row: ApiKeyRecord, generation: u64) {
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
        if let Ok(mut misses) = self.misses.lock() {
            misses.clear();
        }
    }

    /// Which of the process's caches this is: caches kept beside it are keyed by it.
    pub fn instance(&self) -> u64 {
        self.instance.0
    }

    /// Whether entries may be trusted: this instance listens to the invalidations.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Whether `hash` was looked up recently and no key had it.
    pub fn known_miss(&self, hash: &[u8]) -> bool {
        self.listening.load(Ordering::SeqCst)
            && self.misses.lock().is_ok_and(|m| m.get(hash).is_some_and(|at| at.elapsed() < TTL))
    }

    /// Remembers that no key has `hash` (unless something changed since `generation`).
    pub fn put_miss(&self, hash: Vec<u8>, generation: u64) {
        if !self.listening.load(Ordering::SeqCst) || self.generation() != generation {
            return;
        }
        let Ok(mut misses) = self.misses.lock() else { return };
        if misses.len() >= MAX_ENTRIES {
            misses.retain(|_, at| at.elapsed() < TTL);
            if misses.len() >= MAX_ENTRIES {
                misses.clear();
            }
        }
        misses.insert(hash, Instant::now());
    }

    /// Whether `hash` was a valid key within a day (whatever happened since).
    pub fn vouched(&self, hash: &[u8]) -> bool {
        self.vouched.lock().is_ok_and(|m| m.get(hash).is_some_and(|at| at.elapsed() < VOUCHED_TTL))
    }

    pub fn vouch(&self, hash: &[u8]) {
        let Ok(mut map) = self.vouched.lock() else { return };
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, at| at.elapsed() < VOUCHED_TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(hash.to_vec(), Instant::now());
    }

    /// Turned on while this instance listens for changes (see `super::notify`), off otherwise.
    pub fn set_listening(&self, on: bool) {
        self.clear();
        self.listening.store(on, Ordering::SeqCst);
    }
}
