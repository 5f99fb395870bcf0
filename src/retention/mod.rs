//! Retention: each kind of data is kept for its configured period after its last activity, then
//! deleted by a purge that runs in every instance (one at a time, by advisory lock), leaves a
//! tombstone in the audit trail for each object (what, when, under which rule) and never
//! touches an object under a legal hold. The audit trail's own oldest rows are cut at an anchor
//! the chain then verifies from.

pub mod store;

use serde::Serialize;
use utoipa::ToSchema;

use crate::kernel::audit::Entry;
use crate::kernel::config::Config;
use crate::kernel::db::{self, Conn};
use crate::kernel::error::ApiResult;
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// Most objects of one kind deleted per transaction (a run repeats until none is left).
const BATCH: i64 = 500;

/// The retention periods, in days (0: kept).
#[derive(Clone, Copy, Debug)]
pub struct Periods {
    pub reports: u32,
    pub alerts: u32,
    pub requests: u32,
    pub audit: u32,
    pub events: u32,
}

/// How long an `Idempotency-Key` answers a retry with the first answer (its stored answer holds
/// the data of the call).
pub const IDEMPOTENCY_DAYS: u32 = 30;

impl Periods {
    pub fn of(config: &Config) -> Result<Periods, String> {
        let p = Periods {
            reports: config.retention_reports_days,
            alerts: config.retention_alerts_days,
            requests: config.retention_requests_days,
            audit: config.retention_audit_days,
            events: config.retention_events_days,
        };
        if p.events != 0 && p.events < 7 {
            return Err("CYBERBRIDGE_RETENTION_EVENTS_DAYS: at least 7 (or 0: kept)".into());
        }
        if p.requests != 0 && p.requests < 180 {
            return Err("CYBERBRIDGE_RETENTION_REQUESTS_DAYS: at least 180 (or 0: kept)".into());
        }
        if p.audit != 0 && p.audit < 365 {
            return Err("CYBERBRIDGE_RETENTION_AUDIT_DAYS: at least 365 (or 0: kept)".into());
        }
        Ok(p)
    }
}

/// What one purge deleted.
#[derive(Serialize, ToSchema, Debug, Default, Clone, PartialEq, Eq)]
pub struct Purged {
    pub reports: usize,
    pub traces: usize,
    pub requests: usize,
    pub events: usize,
    pub idempotency_keys: usize,
    pub audit_rows: i64,
}

/// One purge of everything past its period. Returns None when another instance is purging.
pub async fn purge_once(state: &AppState) -> ApiResult<Option<Purged>> {
    let periods = Periods::of(&state.config).map_err(crate::kernel::error::ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    let mut out = Purged::default();
    for kind in [Kind::Reports, Kind::Traces, Kind::Requests] {
        let days = match kind {
            Kind::Reports => periods.reports,
            Kind::Traces => periods.alerts,
            Kind::Requests => periods.requests,
        };
        if days == 0 {
            continue;
        }
        loop {
            // One kind failing (say, a row another rule keeps) does not stop the others.
            let n = match purge_batch(&mut conn, kind, days).await {
                Ok(Some(n)) => n,
                Ok(None) => return Ok(None),
                Err(e) => {
                    tracing::warn!(error = %e, ?kind, "retention purge of one kind failed");
                    break;
                }
            };
            match kind {
                Kind::Reports => out.reports += n,
                Kind::Traces => out.traces += n,
                Kind::Requests => out.requests += n,
            }
            if (n as i64) < BATCH {
                break;
            }
        }
    }
    match purge_copies(&mut conn, periods.events, periods.reports).await {
        Ok(Some((events, keys))) => (out.events, out.idempotency_keys) = (events, keys),
        Ok(None) => return Ok(None),
        Err(e) => tracing::warn!(error = %e, "retention purge of events and idempotency keys failed"),
    }
    if periods.audit != 0 {
        match purge_audit(&mut conn, periods.audit).await {
            Ok(n) => out.audit_rows = n,
            // A period shorter than the owner's floor (set at start) is refused by the database.
            Err(e) => tracing::warn!(error = %e, "retention purge of audit rows refused"),
        }
    }
    Ok(Some(out))
}

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Reports,
    Traces,
    Requests,
}

/// The tombstone of a purged object: which rule, its period, its last activity.
fn tombstone(
    object_type: &'static str,
    id: uuid::Uuid,
    rule: &str,
    days: u32,
    last: chrono::DateTime<chrono::Utc>,
) -> Entry {
    Entry::anonymous(&RequestMeta::default(), "retention.purge")
        .object(object_type, id)
        .details(serde_json::json!({"rule": rule, "retention_days": days, "last_activity": last}))
}

/// One batch of one kind, in one transaction under the purge lock; None: the lock is taken.
async fn purge_batch(conn: &mut Conn, kind: Kind, days: u32) -> ApiResult<Option<usize>> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        if !db::try_lock_until_commit(c, db::locks::RETENTION).await? {
            return Ok(None);
        }
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        let (object_type, rule, gone) = match kind {
            Kind::Reports => {
                ("report", "reports: days after the last change", store::purge_reports(c, cutoff, BATCH).await?)
            }
            Kind::Traces => (
                "trace",
                "fraud alerts: days after the trace's last hop or outcome",
                store::purge_traces(c, cutoff, BATCH).await?,
            ),
            Kind::Requests => (
                "data_request",
                "closed data requests: days after closing",
                store::purge_requests(c, cutoff, BATCH).await?,
            ),
        };
        let stones: Vec<Entry> = gone.iter().map(|(id, last)| tombstone(object_type, *id, rule, days, *last)).collect();
        if !stones.is_empty() {
            crate::kernel::audit::store::insert_many(c, &stones).await?;
        }
        Ok(Some(gone.len()))
    })
    .await
}

/// Copies deleted per kind and transaction: each statement stays well within the statement
/// bound whatever the backlog (an alert a millisecond leaves millions of answers a day).
const COPIES_BATCH: i64 = 10_000;

/// Events past their period (with their webhook deliveries) and stored idempotent answers past
/// `IDEMPOTENCY_DAYS`: copies of data made to deliver it. Batches of [`COPIES_BATCH`] per kind,
/// one transaction and one tombstone per kind each, until none is left.
async fn purge_copies(conn: &mut Conn, event_days: u32, report_days: u32) -> ApiResult<Option<(usize, usize)>> {
    let (mut events, mut keys) = (0, 0);
    loop {
        let Some((e, k, s)) = purge_copies_batch(conn, event_days, report_days).await? else {
            return Ok((events + keys > 0).then_some((events, keys)));
        };
        events += e;
        keys += k;
        if [e, k, s].iter().all(|n| (*n as i64) < COPIES_BATCH) {
            return Ok(Some((events, keys)));
        }
    }
}

async fn purge_copies_batch(
    conn: &mut Conn,
    event_days: u32,
    report_days: u32,
) -> ApiResult<Option<(usize, usize, usize)>> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        if !db::try_lock_until_commit(c, db::locks::RETENTION).await? {
            return Ok(None);
        }
        let now = chrono::Utc::now();
        let events = if event_days == 0 {
            (0, None)
        } else {
            store::purge_events(c, now - chrono::Duration::days(i64::from(event_days)), COPIES_BATCH).await?
        };
        let keys = store::purge_idempotency(c, now - chrono::Duration::days(i64::from(IDEMPOTENCY_DAYS)), COPIES_BATCH)
            .await?;
        // Sightings are kept as long as the reports they speak of.
        let sightings = if report_days == 0 {
            0
        } else {
            store::purge_sightings(c, now - chrono::Duration::days(i64::from(report_days)), COPIES_BATCH).await?
        };
        let mut stones = Vec::new();
        if let (n @ 1.., Some(last)) = events {
            stones.push(
                Entry::anonymous(&RequestMeta::default(), "retention.purge").object("outbox_events", last).details(
                    serde_json::json!({"rule": "events: days after written", "retention_days": event_days, "rows": n, "up_to_id": last}),
                ),
            );
        }
        if keys > 0 {
            stones.push(Entry::anonymous(&RequestMeta::default(), "retention.purge").object("idempotency_keys", "stored answers").details(
                serde_json::json!({"rule": "idempotent answers: days after the first call", "retention_days": IDEMPOTENCY_DAYS, "rows": keys}),
            ));
        }
        if sightings > 0 {
            stones.push(Entry::anonymous(&RequestMeta::default(), "retention.purge").object("sightings", "recorded").details(
                serde_json::json!({"rule": "sightings: days after recorded", "retention_days": report_days, "rows": sightings}),
            ));
        }
        if !stones.is_empty() {
            crate::kernel::audit::store::insert_many(c, &stones).await?;
        }
        Ok(Some((events.0, keys, sightings)))
    })
    .await
}

/// Cuts the audit rows older than the period (sealed ones, a prefix of the chain) at an anchor;
/// the owner's `audit_purge` records the cut itself and refuses anything younger than the floor
/// the owner set at start (`set_audit_floor`).
async fn purge_audit(conn: &mut Conn, days: u32) -> ApiResult<i64> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        if !db::try_lock_until_commit(c, db::locks::RETENTION).await? {
            return Ok(0);
        }
        store::purge_audit(c, days).await
    })
    .await
}

/// Runs the purge every `CYBERBRIDGE_PURGE_INTERVAL` seconds (the background loop calls it).
pub async fn tick(state: &AppState) {
    let purged = purge_once(state).await;
    // Another instance holding the purge lock (`None`) is not a failure of this one.
    state.metrics.job(crate::kernel::metrics::Job::RetentionPurge, purged.is_ok());
    match purged {
        Ok(Some(p)) if p != Purged::default() => tracing::info!(?p, "retention purge"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "retention purge failed; will retry"),
    }
}
