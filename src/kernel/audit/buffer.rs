//! Buffered audit writes for high-rate reads (look-ups, report reads): entries are queued in
//! memory and written at least every 200 ms, when 500 are waiting, and on shutdown. Entries of
//! one principal, action and outcome within a flush are written as one row whose details list
//! each of them with its request id, so a bank screening thousands of values a second adds a
//! few audit rows a second, not thousands, and still records who looked up which value when.
//! Changes are never buffered: their rows go in the change's transaction.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{store, AuditOutcome, Entry};
use crate::kernel::db::Pool;

const FLUSH_EVERY: Duration = Duration::from_millis(200);
const BATCH: usize = 500;

enum Msg {
    Entry(Box<Entry>),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct AuditBuffer {
    tx: mpsc::UnboundedSender<Msg>,
}

impl AuditBuffer {
    /// Starts the writer task on the current runtime.
    pub fn start(pool: Pool) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(pool, rx));
        AuditBuffer { tx }
    }

    pub fn push(&self, entry: Entry) {
        if self.tx.send(Msg::Entry(Box::new(entry))).is_err() {
            tracing::error!("audit writer is gone; an audit entry was lost");
        }
    }

    /// Writes everything queued so far; returns when it is in the database.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn writer(pool: Pool, mut rx: mpsc::UnboundedReceiver<Msg>) {
    let mut pending: Vec<Entry> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Entry(e)) => {
                    pending.push(*e);
                    if pending.len() >= BATCH {
                        write(&pool, &mut pending).await;
                    }
                }
                Some(Msg::Flush(done)) => {
                    write(&pool, &mut pending).await;
                    let _ = done.send(());
                }
                None => {
                    write(&pool, &mut pending).await;
                    return;
                }
            },
            _ = tick.tick() => {
                if !pending.is_empty() {
                    write(&pool, &mut pending).await;
                }
            }
        }
    }
}

async fn write(pool: &Pool, pending: &mut Vec<Entry>) {
    if pending.is_empty() {
        return;
    }
    // On failure keep them and retry at the next tick, up to a bound.
    let rows = merge(pending);
    let result = match pool.get().await {
        Ok(mut conn) => store::insert_many(&mut conn, &rows).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => pending.clear(),
        Err(e) if pending.len() < 100_000 => {
            tracing::warn!(error = %e, queued = pending.len(), "audit batch not written; will retry")
        }
        Err(e) => {
            tracing::error!(error = %e, dropped = pending.len(), "audit batch dropped after repeated failures");
            pending.clear();
        }
    }
}

/// One entry per (principal, organisation, action, outcome, client, object, purpose): several become
/// one whose details hold each one's details with its request id and time. Reads of different
/// objects stay different rows, so "who read report X" finds every read of X by its object.
fn merge(pending: &[Entry]) -> Vec<Entry> {
    type Key<'a> = (
        (Option<uuid::Uuid>, Option<uuid::Uuid>, Option<uuid::Uuid>),
        &'a str,
        AuditOutcome,
        Option<&'a str>,
        (Option<&'a str>, Option<&'a str>),
        Option<&'a crate::domain::Purpose>,
    );
    let mut groups: Vec<(Key<'_>, Vec<&Entry>)> = Vec::new();
    for e in pending {
        let a = &e.actor;
        let key = (
            (a.user_id, a.api_key_id, a.organization_id),
            e.action,
            e.outcome,
            a.meta.client_addr.as_deref(),
            (e.object_type, e.object_id.as_deref()),
            e.purpose.as_ref(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(e),
            None => groups.push((key, vec![e])),
        }
    }
    groups
        .into_iter()
        .map(|(_, list)| match list.as_slice() {
            [one] => (*one).clone(),
            many => {
                let mut merged = many[0].clone();
                merged.actor.meta.request_id = None;
                let items: Vec<serde_json::Value> = many
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "request_id": e.actor.meta.request_id, "at": e.at, "object_type": e.object_type,
                            "object_id": e.object_id, "details": e.details,
                        })
                    })
                    .collect();
                merged.details = serde_json::json!({"merged": items.len(), "entries": items});
                merged
            }
        })
        .collect()
}
