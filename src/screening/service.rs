//! Private screening's operations. Each takes the grant of its action:
//!
//! | function | action | does |
//! |---|---|---|
//! | [`config`] | `ReadPrivateScreeningConfig` | suite, key, signature, set version, quota |
//! | [`tags`] | `SyncPrivateTags` | the caller's tag set, or what changed since a version |
//! | [`evaluate`] | `EvaluatePrivately` | blinded elements evaluated, one batched proof |
//!
//! Only banks and ISPs that search without owing a purpose may: an organisation that owes one
//! for each search uses the audited look-up. [`refresh`] keeps the tags and the sets current
//! (every second, [`spawn`]).

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::access::{Action, Grant};
use crate::domain::OrgKind;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::metrics::Job;
use crate::kernel::oprf::{self, OprfKey, OprfKeys};
use crate::kernel::AppState;

/// Values tagged per statement while a key's tags are computed.
const TAG_BATCH: i64 = 5_000;
/// Values brought up to date per round.
const DIRTY_BATCH: i64 = 5_000;

/// The keys, when the caller may screen privately: a bank or an ISP that owes no purpose.
async fn allowed(state: &AppState, act: &Grant) -> ApiResult<Arc<OprfKeys>> {
    if !matches!(act.org_kind, OrgKind::Bank | OrgKind::Isp) || act.owes_purpose(state) {
        let why = "private screening is for banks and ISPs that search without stating a purpose; \
                   your organisation uses the audited look-up (POST /indicators/lookup)";
        return Err(act.refuse(state, "organization", act.org_id, why).await);
    }
    state
        .oprf
        .clone()
        .ok_or_else(|| ApiError::Busy("private screening is not configured on this platform (no OPRF key)".into()))
}

/// The key clients should use: the current one once every value has its tag under it, else
/// (during a rotation) the previous one while it still is complete.
fn advertised<'a>(keys: &'a OprfKeys, complete: &[String]) -> &'a OprfKey {
    let done = |k: &&OprfKey| complete.iter().any(|c| c == k.key_id());
    std::iter::once(&keys.current).chain(keys.previous.as_ref()).find(done).unwrap_or(&keys.current)
}

fn key_ids(keys: &OprfKeys) -> Vec<&str> {
    keys.all().map(|k| k.key_id()).collect()
}

/// What a client needs: suite, key (signed), tag size, batch limit, the set's version, quota.
pub async fn config(state: &AppState, act: &Grant) -> ApiResult<PrivateScreeningConfig> {
    act.expect(&[Action::ReadPrivateScreeningConfig])?;
    let keys = allowed(state, act).await?;
    let mut conn = state.pool.get().await?;
    let o = store::overview(&mut conn, act.org_id, &key_ids(&keys)).await?;
    drop(conn);
    let key = advertised(&keys, &o.complete);
    let public_key = STANDARD.encode(key.public_key());
    let signed = serde_json::json!({"suite": oprf::SUITE, "key_id": key.key_id(), "public_key": public_key});
    let key_signature = state.signer.sign_detached(&crate::kernel::jcs::canonical(&signed))?;
    let previous_key_id = keys.all().map(|k| k.key_id()).find(|id| *id != key.key_id()).map(String::from);
    act.record_read(state, None, serde_json::json!({"key_id": key.key_id(), "version": o.version}));
    Ok(PrivateScreeningConfig {
        suite: oprf::SUITE.into(),
        key_id: key.key_id().into(),
        public_key,
        tag_bytes: oprf::TAG_BYTES,
        max_batch: oprf::MAX_BATCH,
        version: o.version,
        input: "type || 0x00 || canonical value".into(),
        key_signature,
        previous_key_id,
        quota_per_day: i64::from(state.config.private_screening_quota),
        evaluated_today: o.evaluated_today,
    })
}

/// 409 naming the key to use.
fn unknown_key(key_id: &str, keys: &OprfKeys) -> ApiError {
    ApiError::Conflict(format!(
        "key_id {key_id:?} is not a key of this platform; the current one is {:?} (GET /screening/private/config, \
         then sync the tags again from since=0)",
        keys.current.key_id()
    ))
}

/// What a sync reads in its snapshot: the set's version and size; for a whole set, the last
/// snapshot (when there is one) and what changed after it; for a delta, what changed after
/// `since`. Tags unsorted until [`TagRead::answer`].
struct TagRead {
    version: i64,
    size: i64,
    base: Vec<u8>,
    held: Vec<u8>,
    dropped: Vec<u8>,
}

impl TagRead {
    /// (added, removed), sorted: for a whole set, the snapshot with what changed after it.
    fn answer(self, since: i64) -> (Vec<u8>, Vec<u8>) {
        if since == 0 {
            (merged(&self.base, sorted(self.held), &sorted(self.dropped)), Vec::new())
        } else {
            (sorted(self.held), sorted(self.dropped))
        }
    }
}

/// 16-byte tags, sorted.
fn sorted(tags: Vec<u8>) -> Vec<u8> {
    let mut each: Vec<[u8; oprf::TAG_BYTES]> =
        tags.chunks_exact(oprf::TAG_BYTES).filter_map(|c| c.try_into().ok()).collect();
    each.sort_unstable();
    each.concat()
}

/// A sorted set of tags (`base`) with `held` (sorted) in it and `dropped` (sorted) out of it.
fn merged(base: &[u8], held: Vec<u8>, dropped: &[u8]) -> Vec<u8> {
    let dropped: Vec<&[u8]> = dropped.chunks_exact(oprf::TAG_BYTES).collect();
    let mut out = Vec::with_capacity(base.len() + held.len());
    let mut held = held.chunks_exact(oprf::TAG_BYTES).peekable();
    for tag in base.chunks_exact(oprf::TAG_BYTES) {
        while let Some(new) = held.next_if(|h| *h < tag) {
            out.extend_from_slice(new);
        }
        if held.next_if(|h| *h == tag).is_none() && dropped.binary_search(&tag).is_ok() {
            continue;
        }
        out.extend_from_slice(tag);
    }
    held.for_each(|h| out.extend_from_slice(h));
    out
}

/// The caller's tags under a key: the whole set, or what was added and removed since a version.
pub async fn tags(state: &AppState, act: &Grant, q: &TagQuery) -> ApiResult<TagSet> {
    act.expect(&[Action::SyncPrivateTags])?;
    let keys = allowed(state, act).await?;
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::field("since", "a version from an earlier answer, 0 or more"));
    }
    if let Some(id) = q.key_id.as_deref().filter(|id| keys.by_id(id).is_none()) {
        return Err(act.refuse_with(state, "organization", act.org_id, unknown_key(id, &keys)).await);
    }
    // A whole set of 10^6 tags is long work (an export's bound, not a look-up's).
    let mut conn = state.long_pool.get().await?;
    let org = act.org_id;
    let ids = key_ids(&keys);
    // One snapshot: the version and the rows it covers.
    let (key_id, read) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |c| {
            let o = store::overview(c, org, &ids).await?;
            let key = match &q.key_id {
                Some(id) => keys.by_id(id).unwrap_or(&keys.current),
                None => advertised(&keys, &o.complete),
            };
            let key_id = key.key_id().to_string();
            let (Some(size), true) = (o.size, o.complete.contains(&key_id)) else {
                return Err(ApiError::Busy(
                    "your tag set is still being computed under this key: try again in a minute".into(),
                ));
            };
            if since > o.version {
                return Err(ApiError::field(
                    "since",
                    format!("ahead of the set's version {}: sync again from since=0", o.version),
                ));
            }
            let (after, base) = match since {
                0 => store::snapshot(c, org, &key_id).await?.unwrap_or_default(),
                _ => (since, Vec::new()),
            };
            // Without a snapshot, the whole set; else what changed after it (a few thousand).
            let rows = if after == 0 { size } else { 0 };
            let (held, dropped) = store::changes(c, org, &key_id, after, rows).await?;
            Ok::<_, ApiError>((key_id, TagRead { version: o.version, size, base, held, dropped }))
        })
        .await?;
    drop(conn);
    let (version, size) = (read.version, read.size);
    // Sorting and encoding 16 MB is CPU work, off the async workers.
    let (added, removed, n_added, n_removed) = tokio::task::spawn_blocking(move || {
        let (added, removed) = read.answer(since);
        let n = |b: &[u8]| b.len() / oprf::TAG_BYTES;
        (STANDARD.encode(&added), STANDARD.encode(&removed), n(&added), n(&removed))
    })
    .await
    .map_err(ApiError::internal)?;
    act.record_read(
        state,
        None,
        serde_json::json!({"key_id": key_id, "since": since, "version": version, "added": n_added, "removed": n_removed}),
    );
    Ok(TagSet { key_id, version, since, full: since == 0, tag_bytes: oprf::TAG_BYTES, added, removed, size })
}

/// Evaluates up to `max_batch` blinded elements under the named key, counted against the
/// organisation's daily quota; the audit row records how many, never which.
pub async fn evaluate(state: &AppState, act: &Grant, body: &EvaluateRequest) -> ApiResult<EvaluateResponse> {
    act.expect(&[Action::EvaluatePrivately])?;
    let keys = allowed(state, act).await?;
    let n = body.blinded.len();
    if n == 0 || n > oprf::MAX_BATCH {
        return Err(ApiError::field(
            "blinded",
            format!("1 to {} blinded elements per call (this one has {n}); split the batch", oprf::MAX_BATCH),
        ));
    }
    let mut elements = Vec::with_capacity(n);
    for (i, text) in body.blinded.iter().enumerate() {
        let element = STANDARD.decode(text.trim()).ok().and_then(|b| oprf::blinded_element(&b));
        match element {
            Some(e) => elements.push(e),
            None => {
                return Err(ApiError::field(
                    format!("blinded[{i}]"),
                    "not a blinded element: 32 bytes, base64, a ristretto255 encoding other than the identity",
                ))
            }
        }
    }
    if keys.by_id(&body.key_id).is_none() {
        return Err(act.refuse_with(state, "organization", act.org_id, unknown_key(&body.key_id, &keys)).await);
    }
    let quota = i64::from(state.config.private_screening_quota);
    let mut conn = state.pool.get().await?;
    let counted = conn
        .transaction(async |c| {
            let Some(total) = store::count_usage(c, act.org_id, n as i64, quota).await? else {
                return Ok(None);
            };
            let details = serde_json::json!({"values": n, "key_id": body.key_id, "evaluated_today": total});
            act.entry().details(details).write(c).await?;
            Ok::<_, ApiError>(Some(total))
        })
        .await?;
    drop(conn);
    if counted.is_none() {
        act.deny(state, "organization", act.org_id).await;
        let now = chrono::Utc::now();
        let midnight = (now.date_naive() + chrono::Days::new(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "your organisation's private screening quota is {quota} values a day (UTC); these {n} would pass it. \
                 It starts again at midnight UTC; the audited look-up is not counted against it"
            ),
            retry_after_secs: (midnight - now).num_seconds().max(1) as u64,
            limit: state.config.private_screening_quota,
        });
    }
    let key_id = body.key_id.clone();
    let (evaluated, proof) = tokio::task::spawn_blocking(move || {
        let key = keys.by_id(&key_id).ok_or_else(|| ApiError::internal("the key went away"))?;
        key.evaluate(&elements).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(EvaluateResponse {
        key_id: body.key_id.clone(),
        evaluated: evaluated.iter().map(|e| STANDARD.encode(e)).collect(),
        proof: STANDARD.encode(proof),
    })
}

/// What a round did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Round {
    /// Tags computed.
    pub tagged: usize,
    /// Set entries added and removed, organisations filled.
    pub added: i64,
    pub removed: i64,
    pub filled: usize,
}

/// Tags the values under the key, off the async workers, and stores them.
async fn tag(
    conn: &mut crate::kernel::db::Conn,
    keys: &Arc<OprfKeys>,
    key_id: &str,
    values: Vec<store::Value>,
) -> ApiResult<usize> {
    if values.is_empty() {
        return Ok(0);
    }
    let (keys, id) = (keys.clone(), key_id.to_string());
    let (ids, tags) = tokio::task::spawn_blocking(move || {
        let key = keys.by_id(&id).ok_or_else(|| ApiError::internal("no such key"))?;
        let mut tags = Vec::with_capacity(values.len());
        for v in &values {
            tags.push(key.tag(&oprf::input(&v.kind, &v.value)).map_err(ApiError::internal)?.to_vec());
        }
        Ok::<_, ApiError>((values.iter().map(|v| v.id).collect::<Vec<Uuid>>(), tags))
    })
    .await
    .map_err(ApiError::internal)??;
    store::insert_tags(conn, key_id, &ids, &tags).await?;
    Ok(ids.len())
}

/// Keeps private screening current: every configured key's tags computed (all values, once),
/// then the values changed since the last round (new, withdrawn, expired, TLP or sharing
/// changed) brought up to date in every set, and new banks' and ISPs' sets filled, under the
/// next version. Safe in several instances at once (the state row's lock orders the rounds).
pub async fn refresh(state: &AppState) -> ApiResult<Round> {
    let Some(keys) = state.oprf.clone() else { return Ok(Round::default()) };
    // Long work: a round over a bulk load runs past the ordinary statement bound.
    let mut conn = state.long_pool.get().await?;
    let mut round = Round::default();
    for key in keys.all() {
        if store::register_key(&mut conn, key.key_id(), key.public_key()).await? {
            continue;
        }
        let mut after = Uuid::nil();
        loop {
            let batch = store::untagged(&mut conn, key.key_id(), after, TAG_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            round.tagged += tag(&mut conn, &keys, key.key_id(), batch).await?;
        }
        store::mark_complete(&mut conn, key.key_id()).await?;
        tracing::info!(
            key_id = key.key_id(),
            tagged = round.tagged,
            "private screening: every value tagged under the key"
        );
    }
    // Through the queue in key order; back to its start once a batch comes back short.
    let mut after = Uuid::nil();
    loop {
        let (step, more) = conn
            .transaction(async |c| {
                let Some((version, through)) = store::lock_state(c).await? else {
                    return Ok((Round::default(), None));
                };
                store::mark_expired(c, through).await?;
                let dirty = store::take_dirty(c, after, DIRTY_BATCH).await?;
                let unfilled = store::unfilled(c).await?;
                let mut step = Round::default();
                if dirty.is_empty() && unfilled.is_empty() {
                    return Ok::<_, ApiError>((step, None));
                }
                for key in keys.all() {
                    let missing = store::untagged_among(c, key.key_id(), &dirty).await?;
                    step.tagged += tag(c, &keys, key.key_id(), missing).await?;
                }
                let v = version + 1;
                if !dirty.is_empty() {
                    (step.added, step.removed) = store::apply(c, &dirty, v).await?;
                }
                for org in &unfilled {
                    step.added += store::fill(c, *org, v).await? as i64;
                }
                step.filled = unfilled.len();
                store::set_version(c, v).await?;
                let full = dirty.len() as i64 == DIRTY_BATCH;
                Ok((step, full.then(|| dirty.iter().max().copied()).flatten()))
            })
            .await?;
        round.tagged += step.tagged;
        round.added += step.added;
        round.removed += step.removed;
        round.filled += step.filled;
        match more {
            Some(last) => after = last,
            None => return Ok(round),
        }
    }
}

/// Entries changed since a set's snapshot before it is built again: a whole set is the
/// snapshot merged with at most about this many changes (a few milliseconds).
const SNAPSHOT_SLACK: i64 = 10_000;

/// Builds the snapshots whole-set syncs start from: for every complete key, each filled set
/// that has none or [`SNAPSHOT_SLACK`] changes since its own. Returns how many were built.
/// Reads that find none are still right, only slower (the whole set from its entries). A set
/// that fails is logged and left for the next pass; the others are still built.
pub async fn snapshots(state: &AppState) -> ApiResult<usize> {
    let Some(keys) = state.oprf.clone() else { return Ok(0) };
    let mut conn = state.long_pool.get().await?;
    let (mut built, mut failed) = (0, None);
    for key in keys.all() {
        let key_id = key.key_id();
        if !store::key_complete(&mut conn, key_id).await? {
            continue;
        }
        for org in store::stale_snapshots(&mut conn, key_id, SNAPSHOT_SLACK).await? {
            match snapshot(&mut conn, org, key_id).await {
                Ok(()) => built += 1,
                Err(e) => {
                    tracing::warn!(error = %e, %org, key_id, "private screening: a set's snapshot failed; next pass");
                    failed = Some(e);
                }
            }
        }
    }
    failed.map_or(Ok(built), Err)
}

/// Builds one set's snapshot under a key. When its count differs from the set's kept size
/// (an instance of an earlier release ran a round), the size is counted again.
async fn snapshot(conn: &mut crate::kernel::db::Conn, org: crate::domain::OrgId, key_id: &str) -> ApiResult<()> {
    let (version, kept, held) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |c| {
            let o = store::overview(c, org, &[key_id]).await?;
            let kept = o.size.unwrap_or_default();
            let (held, _) = store::changes(c, org, key_id, 0, kept).await?;
            Ok::<_, ApiError>((o.version, kept, held))
        })
        .await?;
    let tags = tokio::task::spawn_blocking(move || sorted(held)).await.map_err(ApiError::internal)?;
    store::save_snapshot(conn, org, key_id, version, &tags).await?;
    let counted = (tags.len() / oprf::TAG_BYTES) as i64;
    if counted != kept {
        tracing::warn!(%org, kept, counted, "private screening: a set's kept size differs from its count; counting again");
        conn.transaction(async |c| store::recount_size(c, org).await).await?;
    }
    Ok(())
}

/// How often the snapshots are looked over (seconds).
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// Runs [`refresh`] every second and [`snapshots`] every [`SNAPSHOT_INTERVAL`] (when a key is
/// configured), each in its own task: building a snapshot of 10^6 tags never holds up a round.
pub fn spawn(state: actix_web::web::Data<AppState>) -> Option<[tokio::task::JoinHandle<()>; 2]> {
    state.oprf.as_ref()?;
    Some([
        every(state.clone(), Duration::from_secs(1), Job::PrivateScreening),
        every(state, Duration::from_secs(SNAPSHOT_INTERVAL), Job::PrivateScreeningSnapshots),
    ])
}

fn every(state: actix_web::web::Data<AppState>, period: Duration, job: Job) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let done = match job {
                Job::PrivateScreeningSnapshots => snapshots(&state).await.map(drop),
                _ => refresh(&state).await.map(drop),
            };
            state.metrics.job(job, done.is_ok());
            if let Err(e) = done {
                tracing::warn!(error = %e, ?job, "private screening: a background step failed; will retry");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{merged, sorted};

    type Tag = [u8; 16];

    fn bytes<'a>(tags: impl IntoIterator<Item = &'a Tag>) -> Vec<u8> {
        tags.into_iter().flatten().copied().collect()
    }

    /// A snapshot merged with what changed after it is the set itself: checked against a
    /// model over random sets where changes add, drop, re-add and drop what was never there.
    #[test]
    fn a_snapshot_merged_with_later_changes_is_the_set() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // Small tag space (first byte only varies) so that changes hit snapshot entries.
        let tag = |n: &mut dyn FnMut() -> u64| -> Tag {
            let mut t = [7u8; 16];
            t[0] = (n() % 64) as u8;
            t
        };
        for round in 0..500 {
            let base: BTreeSet<Tag> = (0..next() % 40).map(|_| tag(&mut next)).collect();
            let mut now = base.clone();
            let (mut held, mut dropped) = (BTreeSet::new(), BTreeSet::new());
            for _ in 0..next() % 40 {
                let t = tag(&mut next);
                if next() % 2 == 0 {
                    now.insert(t);
                    dropped.remove(&t);
                    held.insert(t);
                } else {
                    now.remove(&t);
                    held.remove(&t);
                    dropped.insert(t);
                }
            }
            // Changes come unordered from the database.
            let shuffled = |s: &BTreeSet<Tag>| {
                let mut v: Vec<Tag> = s.iter().copied().collect();
                v.reverse();
                bytes(&v)
            };
            let out = merged(&bytes(&base), sorted(shuffled(&held)), &sorted(shuffled(&dropped)));
            assert_eq!(out, bytes(&now), "round {round}");
        }
    }

    #[test]
    fn sorting_keeps_whole_tags() {
        let tags: Vec<Tag> = (0..=255u8).rev().map(|i| [i; 16]).collect();
        let mut expected = tags.clone();
        expected.sort();
        assert_eq!(sorted(bytes(&tags)), bytes(&expected));
    }
}
