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
async fn advertised<'a>(conn: &mut crate::kernel::db::Conn, keys: &'a OprfKeys) -> ApiResult<&'a OprfKey> {
    if store::key_complete(conn, keys.current.key_id()).await? {
        return Ok(&keys.current);
    }
    if let Some(previous) = &keys.previous {
        if store::key_complete(conn, previous.key_id()).await? {
            return Ok(previous);
        }
    }
    Ok(&keys.current)
}

/// What a client needs: suite, key (signed), tag size, batch limit, the set's version, quota.
pub async fn config(state: &AppState, act: &Grant) -> ApiResult<PrivateScreeningConfig> {
    act.expect(&[Action::ReadPrivateScreeningConfig])?;
    let keys = allowed(state, act).await?;
    let mut conn = state.pool.get().await?;
    let key = advertised(&mut conn, &keys).await?;
    let version = store::version(&mut conn, act.org_id).await?;
    let evaluated_today = store::usage_today(&mut conn, act.org_id).await?;
    let public_key = STANDARD.encode(key.public_key());
    let signed = serde_json::json!({"suite": oprf::SUITE, "key_id": key.key_id(), "public_key": public_key});
    let key_signature = state.signer.sign_detached(&crate::kernel::jcs::canonical(&signed))?;
    let previous_key_id = keys.all().map(|k| k.key_id()).find(|id| *id != key.key_id()).map(String::from);
    act.record_read(state, None, serde_json::json!({"key_id": key.key_id(), "version": version}));
    Ok(PrivateScreeningConfig {
        suite: oprf::SUITE.into(),
        key_id: key.key_id().into(),
        public_key,
        tag_bytes: oprf::TAG_BYTES,
        max_batch: oprf::MAX_BATCH,
        version,
        input: "type || 0x00 || canonical value".into(),
        key_signature,
        previous_key_id,
        quota_per_day: i64::from(state.config.private_screening_quota),
        evaluated_today,
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

/// The caller's tags under a key: the whole set, or what was added and removed since a version.
pub async fn tags(state: &AppState, act: &Grant, q: &TagQuery) -> ApiResult<TagSet> {
    act.expect(&[Action::SyncPrivateTags])?;
    let keys = allowed(state, act).await?;
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::field("since", "a version from an earlier answer, 0 or more"));
    }
    // A whole set of 10^6 tags is long work (an export's bound, not a look-up's).
    let mut conn = state.long_pool.get().await?;
    let key = match &q.key_id {
        None => advertised(&mut conn, &keys).await?,
        Some(id) => keys.by_id(id).ok_or_else(|| unknown_key(id, &keys))?,
    };
    let key_id = key.key_id().to_string();
    let org = act.org_id;
    // One snapshot: the version and the rows it covers.
    let (version, added, removed, size) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |c| {
            if !store::key_complete(c, &key_id).await? || !store::filled(c, org).await? {
                return Err(ApiError::Busy(
                    "your tag set is still being computed under this key: try again in a minute".into(),
                ));
            }
            let version = store::version(c, org).await?;
            if since > version {
                return Err(ApiError::field(
                    "since",
                    format!("ahead of the set's version {version}: sync again from since=0"),
                ));
            }
            let (added, removed, size) = store::tags(c, org, &key_id, since).await?;
            Ok::<_, ApiError>((version, added, removed, size))
        })
        .await?;
    let n = |b: &[u8]| b.len() / oprf::TAG_BYTES;
    act.record_read(
        state,
        None,
        serde_json::json!({"key_id": key_id, "since": since, "version": version, "added": n(&added), "removed": n(&removed)}),
    );
    Ok(TagSet {
        key_id,
        version,
        since,
        full: since == 0,
        tag_bytes: oprf::TAG_BYTES,
        added: STANDARD.encode(&added),
        removed: STANDARD.encode(&removed),
        size,
    })
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
        store::register_key(&mut conn, key.key_id(), key.public_key()).await?;
        if store::key_complete(&mut conn, key.key_id()).await? {
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

/// Runs [`refresh`] every second (when a key is configured).
pub fn spawn(state: actix_web::web::Data<AppState>) -> Option<tokio::task::JoinHandle<()>> {
    state.oprf.as_ref()?;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let done = refresh(&state).await;
            state.metrics.job(crate::kernel::metrics::Job::PrivateScreening, done.is_ok());
            if let Err(e) = done {
                tracing::warn!(error = %e, "private screening round failed; will retry");
            }
        }
    }))
}
