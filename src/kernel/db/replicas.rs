//! Reads on PostgreSQL streaming replicas (`CYBERBRIDGE_REPLICA_URLS`). Read-mostly work
//! (look-ups, report queries and exports, correlation, TAXII pulls, statistics) takes a
//! connection from a replica, round-robin, with a pool per replica per worker; everything
//! else, the audit rows of those reads included, stays on the primary, and so does the event
//! feed (a standby refuses LISTEN).
//!
//! A monitor in each process asks, every [`POLL`], the primary how far it has written its WAL
//! and each replica for what it has replayed. A replica is used while it has replayed what the
//! primary had written `max_lag` ago (so an idle primary does not make a replica look late, and
//! a replica whose stream stopped is seen late even when it replays all it received), while it
//! answers, and while it is not in recovery no more (promoted). Otherwise the primary serves.
//!
//! Read-your-writes: every successful write answers `X-Commit-LSN`, the primary's WAL insert
//! position after it committed; a read that sends it back is served by a replica only once
//! that replica has replayed it, whichever instance served the write.
//!
//! What is hidden stays hidden: a commit that narrows what someone may see (a TLP raised, a
//! report or value withdrawn, an organisation, user or key deactivated) is announced by a
//! database trigger; every instance's listener then raises its [`Floor`] to the primary's WAL
//! position, and no replica serves a read before it has replayed past the floor. While an
//! instance's listener is reconnecting, it cannot know what it missed: the primary serves
//! (fail closed).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{QueryResult, QueryableByName};

use super::{Conn, DbSetupError, Health, Limits, Pool, PooledConn};

/// How often the monitor looks at the primary and the replicas.
pub const POLL: Duration = Duration::from_millis(200);

/// A position in the write-ahead log (`pg_lsn`), as PostgreSQL writes it: `16/B374D848`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl std::str::FromStr for Lsn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a WAL position (two hexadecimal numbers: 16/B374D848)");
        let (hi, lo) = s.trim().split_once('/').ok_or_else(bad)?;
        let part = |p: &str| (!p.is_empty() && p.len() <= 8).then(|| u32::from_str_radix(p, 16).ok()).flatten();
        match (part(hi), part(lo)) {
            (Some(hi), Some(lo)) => Ok(Lsn((u64::from(hi) << 32) | u64::from(lo))),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// What the monitor knows of one replica, shared by every worker's pool of it.
#[derive(Debug)]
struct Known {
    /// Its server and database, without credentials, for logs and metrics.
    name: String,
    url: String,
    usable: AtomicBool,
    replayed: AtomicU64,
    /// Reads it answered, for every worker.
    reads: AtomicU64,
    health: Health,
}

/// One replica as `/metrics` shows it.
#[derive(Clone, Debug)]
pub struct ReplicaStatus {
    /// `host:port/database`.
    pub name: String,
    /// Whether it serves reads now.
    pub usable: bool,
    /// Reads it has answered since the process started.
    pub reads: u64,
}

/// The position every replica read must have been replayed to, and whether it can be trusted
/// (this instance's listener hears the announcements). One per process, shared by every worker.
#[derive(Debug, Default)]
pub struct Floor {
    lsn: AtomicU64,
    open: AtomicBool,
}

impl Floor {
    /// A narrowing commit is at or before `lsn`.
    pub fn raise(&self, lsn: Lsn) {
        self.lsn.fetch_max(lsn.0, Ordering::SeqCst);
    }

    /// Whether the listener hears announcements (replicas may serve), or not (the primary does).
    pub fn set_open(&self, open: bool) {
        self.open.store(open, Ordering::SeqCst);
    }

    pub fn lsn(&self) -> Lsn {
        Lsn(self.lsn.load(Ordering::SeqCst))
    }

    fn open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Member {
    known: Arc<Known>,
    pool: Pool,
    /// Connections for long work (the statement timeout instead of the silence bound).
    long: Pool,
}

/// The replicas of this process (or worker): empty when none are configured.
#[derive(Clone, Default)]
pub struct Replicas {
    members: Vec<Member>,
    next: Arc<AtomicUsize>,
    limits: Option<(Limits, Limits)>,
    floor: Arc<Floor>,
}

impl Replicas {
    /// Pools of `size` for each of `urls`, and their monitor, which compares them with `primary`.
    pub fn start(
        urls: &[String],
        primary: Pool,
        size: usize,
        limits: (Limits, Limits),
        max_lag: Duration,
        floor: Arc<Floor>,
    ) -> Result<Replicas, DbSetupError> {
        if urls.is_empty() {
            return Ok(Replicas { floor, ..Replicas::default() });
        }
        let known: Vec<Arc<Known>> = urls
            .iter()
            .map(|url| {
                Arc::new(Known {
                    name: super::connect::server(url),
                    url: url.clone(),
                    usable: AtomicBool::new(false),
                    replayed: AtomicU64::new(0),
                    reads: AtomicU64::new(0),
                    health: Health::of(url),
                })
            })
            .collect();
        for (i, k) in known.iter().enumerate() {
            if known[..i].iter().any(|earlier| earlier.name == k.name) {
                return Err(DbSetupError::Replicas(format!("CYBERBRIDGE_REPLICA_URLS names {} twice", k.name)));
            }
        }
        let members = known
            .iter()
            .map(|k| {
                Ok(Member {
                    known: k.clone(),
                    pool: super::pool(&k.url, size, limits.0)?,
                    long: super::pool(&k.url, size, limits.1)?,
                })
            })
            .collect::<Result<Vec<_>, DbSetupError>>()?;
        tokio::spawn(monitor(primary, members.clone(), max_lag));
        Ok(Replicas { members, next: Arc::default(), limits: Some(limits), floor })
    }

    /// The same replicas with pools of `size` of this worker's own.
    pub fn with_own_pools(&self, size: usize) -> Result<Replicas, DbSetupError> {
        let Some(limits) = self.limits else { return Ok(Replicas::default()) };
        let members = self
            .members
            .iter()
            .map(|m| {
                Ok(Member {
                    known: m.known.clone(),
                    pool: super::pool(&m.known.url, size, limits.0)?,
                    long: super::pool(&m.known.url, size, limits.1)?,
                })
            })
            .collect::<Result<Vec<_>, DbSetupError>>()?;
        Ok(Replicas { members, next: self.next.clone(), limits: self.limits, floor: self.floor.clone() })
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Every pool, for `/metrics`.
    pub fn pools(&self) -> Vec<Pool> {
        self.members.iter().flat_map(|m| [m.pool.clone(), m.long.clone()]).collect()
    }

    /// Whether each replica serves reads now, and how many it has served, for `/metrics`.
    pub fn status(&self) -> Vec<ReplicaStatus> {
        let known = |m: &Member| ReplicaStatus {
            name: m.known.name.clone(),
            usable: m.known.usable.load(Ordering::Relaxed),
            reads: m.known.reads.load(Ordering::Relaxed),
        };
        self.members.iter().map(known).collect()
    }

    /// A connection to a usable replica that has replayed `after` and the visibility floor, the
    /// next in turn, and which replica it is; `None` when there is none, or while the floor
    /// cannot be trusted (the primary serves).
    /// `long`: a connection for long work (bounded by the statement timeout).
    pub async fn get(&self, after: Option<Lsn>, long: bool) -> Option<(PooledConn, usize)> {
        let n = self.members.len();
        if n == 0 || !self.floor.open() {
            return None;
        }
        let after = Some(after.map_or(self.floor.lsn(), |a| a.max(self.floor.lsn())));
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in (0..n).map(|i| (start + i) % n) {
            let k = &self.members[i].known;
            if !k.usable.load(Ordering::Relaxed) || k.health.silent_within(POLL * 5) {
                continue;
            }
            if after.is_some_and(|lsn| lsn.0 > k.replayed.load(Ordering::Relaxed)) {
                continue;
            }
            let pool = if long { &self.members[i].long } else { &self.members[i].pool };
            match pool.get().await {
                Ok(conn) => return Some((conn, i)),
                // Busy (every connection lent within the wait): the next, or the primary, serves.
                Err(deadpool::managed::PoolError::Timeout(deadpool::managed::TimeoutType::Wait)) => {}
                Err(e) => self.failed(i, &e.to_string()),
            }
        }
        None
    }

    /// Replica `i` answered a read.
    pub fn served(&self, i: usize) {
        if let Some(m) = self.members.get(i) {
            m.known.reads.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Replica `i` failed as if gone: skipped until the monitor sees it answer again.
    pub fn failed(&self, i: usize, cause: &str) {
        if let Some(m) = self.members.get(i) {
            if m.known.usable.swap(false, Ordering::Relaxed) {
                tracing::warn!(replica = %m.known.name, cause, "replica failed; reads go to the primary");
            }
        }
    }
}

/// The primary's WAL insert position: the end of every record written so far, a commit just
/// made included (the commit position a write answers).
pub async fn commit_position(conn: &mut Conn) -> QueryResult<Lsn> {
    position(conn, "pg_current_wal_insert_lsn()::text").await
}

/// How far the primary has written its WAL out (what a replica can have received).
async fn written_position(conn: &mut Conn) -> QueryResult<Lsn> {
    position(conn, "pg_current_wal_lsn()::text").await
}

async fn position(conn: &mut Conn, sql: &'static str) -> QueryResult<Lsn> {
    use diesel_async::RunQueryDsl;
    let text: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(sql)).get_result(conn).await?;
    text.parse().map_err(|e: String| diesel::result::Error::DeserializationError(e.into()))
}

#[derive(QueryableByName)]
struct ReplicaState {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    in_recovery: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    replayed: String,
}

async fn replica_state(pool: &Pool) -> Result<(bool, Lsn), String> {
    use diesel_async::RunQueryDsl;
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    // Kept prepared: the monitor asks it every 200 ms.
    let row: ReplicaState = super::prepared_sql(
        "SELECT pg_is_in_recovery() AS in_recovery, coalesce(pg_last_wal_replay_lsn(), '0/0')::text AS replayed",
    )
    .get_result(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    Ok((row.in_recovery, row.replayed.parse()?))
}

/// Marks each replica usable or not, every [`POLL`], for the life of the process.
async fn monitor(primary: Pool, members: Vec<Member>, max_lag: Duration) {
    // Where the primary was, and when, over the last `max_lag`.
    let mut history: VecDeque<(Instant, Lsn)> = VecDeque::new();
    let mut ticker = tokio::time::interval(POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let now = Instant::now();
        let position = match primary.get().await {
            Ok(mut conn) => written_position(&mut conn).await.ok(),
            Err(_) => None,
        };
        if let Some(position) = position {
            history.push_back((now, position));
        }
        // The primary has not answered for longer than the bound: how late the replicas are
        // cannot be told, so none is used (reads go to the primary, or fail with it).
        if history.back().is_none_or(|(at, _)| *at + max_lag < now) {
            for m in &members {
                if m.known.usable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(replica = %m.known.name, "primary not answering the lag check: replica skipped");
                }
            }
            continue;
        }
        // Keep the newest entry at least `max_lag` old, and all younger ones.
        while history.len() > 1 && history[1].0 + max_lag <= now {
            history.pop_front();
        }
        // What a replica no later than `max_lag` must have replayed.
        let Some(&(_, required)) = history.front() else { continue };
        for m in &members {
            let k = &m.known;
            let usable = match replica_state(&m.pool).await {
                Ok((in_recovery, replayed)) => {
                    k.replayed.store(replayed.0, Ordering::Relaxed);
                    if !in_recovery {
                        tracing::warn!(replica = %k.name, "not a standby (promoted?): not used for reads");
                    }
                    in_recovery && replayed >= required
                }
                Err(e) => {
                    tracing::debug!(replica = %k.name, error = %e, "replica does not answer");
                    false
                }
            };
            if usable != k.usable.swap(usable, Ordering::Relaxed) {
                tracing::info!(replica = %k.name, usable, "replica {}", if usable { "serves reads" } else { "skipped" });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lsn;

    #[test]
    fn wal_positions_read_and_print_as_postgresql_writes_them() {
        let lsn: Lsn = "16/B374D848".parse().unwrap();
        assert_eq!(lsn.0, 0x16_B374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert!("0/0".parse::<Lsn>().unwrap() < lsn);
        for bad in ["", "16", "16/", "/1", "G/1", "1/123456789", "1/2/3"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad}");
        }
    }
}
