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

use super::db::{BindMore, Conn, Pool};
use super::keycache::KeyCache;

pub const CREDENTIALS: &str = "cyberbridge_credentials";
pub const EVENTS: &str = "cyberbridge_events";
/// A commit narrowed what someone may see (migration 000032's triggers).
pub const VISIBILITY: &str = "cyberbridge_visibility";
/// How often the listener checks that the database still answers.
const PING: Duration = Duration::from_secs(5);

/// Where notifications go.
#[derive(Clone)]
pub struct Hub {
    pub key_cache: Arc<KeyCache>,
    /// The recipient organisation of each new outbox event.
    pub events: broadcast::Sender<Uuid>,
    /// How far a replica must have replayed to serve a read (narrowing commits raise it).
    pub floor: Arc<super::db::replicas::Floor>,
    /// Set on shutdown: the listener's connection closing then is no loss.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Hub {
    pub fn new() -> Self {
        Hub {
            key_cache: Arc::default(),
            events: broadcast::channel(4096).0,
            floor: Arc::default(),
            stopping: Arc::default(),
        }
    }

    /// The process is stopping: the listener ends without a warning.
    pub fn stopping(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn spawn(&self, url: String, limits: super::db::Limits) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                if let Err(e) = listen(&hub, &url, limits).await {
                    if hub.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    tracing::warn!(error = %e, "notification listener lost; reconnecting");
                }
                hub.key_cache.set_listening(false);
                hub.floor.set_open(false);
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
    client
        .batch_execute(&format!("LISTEN {CREDENTIALS}; LISTEN {EVENTS}; LISTEN {VISIBILITY}"))
        .await
        .map_err(|e| e.to_string())?;
    // Whatever changed while we were not listening is unknown: start with an empty cache, and
    // with replicas serving only what they replayed past the primary's position now.
    hub.key_cache.set_listening(true);
    raise_floor(hub, &client).await?;
    hub.floor.set_open(true);
    let mut ping = tokio::time::interval(PING);
    loop {
        tokio::select! {
            n = notifications.recv() => {
                let Some(n) = n else { return Err("notification stream ended".into()) };
                match n.channel() {
                    CREDENTIALS => hub.key_cache.clear(),
                    VISIBILITY => {
                        // Closed until raised: no replica read in between.
                        hub.floor.set_open(false);
                        raise_floor(hub, &client).await?;
                        hub.floor.set_open(true);
                    }
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

/// Raises the visibility floor to the primary's WAL position now (after the commit a
/// notification announced: it is delivered once that commit is done).
async fn raise_floor(hub: &Hub, client: &tokio_postgres::Client) -> Result<(), String> {
    let rows = client
        .simple_query("SELECT pg_current_wal_insert_lsn()::text")
        .await
        .map_err(|e| format!("visibility floor: {e}"))?;
    for row in rows {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = row {
            if let Some(lsn) = row.get(0).and_then(|t| t.parse::<super::db::replicas::Lsn>().ok()) {
                hub.floor.raise(lsn);
            }
        }
    }
    Ok(())
}

tokio::task_local! {
    /// The organisations that events were written for during the current request.
    static WRITTEN_FOR: std::cell::RefCell<Vec<Uuid>>;
}

/// Runs a request's handler, collecting the organisations its events were written for: they
/// are announced once the handler is done (its transactions committed), by [`Announcer`].
pub async fn collecting<T>(handler: impl std::future::Future<Output = T>) -> (T, Vec<Uuid>) {
    WRITTEN_FOR
        .scope(std::cell::RefCell::new(Vec::new()), async {
            let out = handler.await;
            (out, WRITTEN_FOR.with(|w| w.take()))
        })
        .await
}

/// An event for `org` was written in the transaction open on `conn`. In a request, the
/// announcement waits for the request's end; elsewhere (background jobs) it is a NOTIFY in the
/// transaction, delivered at its commit. A transaction that rolls back after announcing
/// only wakes readers that find nothing.
pub async fn written_for(conn: &Conn, orgs: &[Uuid]) -> diesel::QueryResult<()> {
    if WRITTEN_FOR.try_with(|w| w.borrow_mut().extend_from_slice(orgs)).is_ok() {
        return Ok(());
    }
    notify_events(conn, orgs).await
}

/// `NOTIFY cyberbridge_events, '<org>'` for each organisation, in one statement.
async fn notify_events(conn: &Conn, orgs: &[Uuid]) -> diesel::QueryResult<()> {
    use diesel_async::RunQueryDsl;
    let orgs: Vec<String> = orgs.iter().map(Uuid::to_string).collect();
    // Kept prepared: the announcer sends it once per batch, for the life of the process.
    super::db::prepared_sql("SELECT pg_notify('cyberbridge_events', o) FROM unnest($1::text[]) AS o")
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&orgs)
        .execute(&mut &*conn)
        .await
        .map(|_| ())
}

/// Announces events after their transaction committed: each request's organisations go to one
/// task that sends whatever has queued up in one statement, so the notification lock and its
/// commit's flush are taken once per batch, not in every writing transaction.
#[derive(Clone)]
pub struct Announcer(tokio::sync::mpsc::UnboundedSender<Vec<Uuid>>);

impl Announcer {
    pub fn start(pool: Pool) -> Announcer {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<Uuid>>();
        tokio::spawn(async move {
            while let Some(mut orgs) = rx.recv().await {
                while let Ok(more) = rx.try_recv() {
                    orgs.extend(more);
                }
                orgs.sort_unstable();
                orgs.dedup();
                let sent = async {
                    let conn = pool.get().await.map_err(|e| e.to_string())?;
                    notify_events(&conn, &orgs).await.map_err(|e| e.to_string())
                };
                // Readers re-check on their own within a second: a lost announcement delays, never loses.
                if let Err(e) = sent.await {
                    tracing::warn!(error = %e, "could not announce new events");
                }
            }
        });
        Announcer(tx)
    }

    pub fn announce(&self, orgs: Vec<Uuid>) {
        if !orgs.is_empty() {
            let _ = self.0.send(orgs);
        }
    }
}
