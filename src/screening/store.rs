//! Private screening's tables: keys' public halves, tags, each organisation's set (versioned),
//! the values waiting for a round, and the daily quota.

use diesel::sql_types::{Array, BigInt, Bool, Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::domain::OrgId;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// The kinds of organisation that may screen privately (their sets are kept).
pub const KINDS: &[&str] = &["bank", "isp"];

/// Whether a value is current for an organisation: a report it may see names it, the link is
/// neither withdrawn nor past its validity. The audited look-up's rule (`indicators::store`),
/// for a bank or an ISP (never public sector). `$ORG` and `$IND` are placeholders.
const SEES: &str = "EXISTS (SELECT 1 FROM report_indicators ri JOIN reports r ON r.id = ri.report_id
                    WHERE ri.indicator_id = $IND AND ri.withdrawn_at IS NULL AND ri.valid_until > now()
                      AND report_visible(r.reporter_org_id, r.shared_with, r.tlp, $ORG, false))";

fn sees(org: &str, indicator: &str) -> String {
    SEES.replace("$ORG", org).replace("$IND", indicator)
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Records a configured key's public half (once) and says whether every value has its tag
/// under it yet. One statement: the insert's snapshot does not see its own row, so exactly one
/// side of the union answers.
pub async fn register_key(conn: &mut Conn, key_id: &str, public_key: &[u8]) -> ApiResult<bool> {
    let c: Complete = diesel::sql_query(
        "WITH new AS (INSERT INTO private_screening_keys (key_id, public_key) VALUES ($1, $2)
                      ON CONFLICT (key_id) DO NOTHING RETURNING complete)
         SELECT complete FROM new UNION ALL SELECT complete FROM private_screening_keys WHERE key_id = $1",
    )
    .bind::<Text, _>(key_id)
    .bind::<Bytea, _>(public_key)
    .get_result(conn)
    .await?;
    Ok(c.complete)
}

#[derive(QueryableByName)]
struct Complete {
    #[diesel(sql_type = Bool)]
    complete: bool,
}

/// Whether every value has its tag under the key.
pub async fn key_complete(conn: &mut Conn, key_id: &str) -> ApiResult<bool> {
    let rows: Vec<Complete> = diesel::sql_query("SELECT complete FROM private_screening_keys WHERE key_id = $1")
        .bind::<Text, _>(key_id)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().is_some_and(|r| r.complete))
}

pub async fn mark_complete(conn: &mut Conn, key_id: &str) -> ApiResult<()> {
    diesel::sql_query("UPDATE private_screening_keys SET complete = true WHERE key_id = $1 AND NOT complete")
        .bind::<Text, _>(key_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A value to tag.
#[derive(QueryableByName, Debug, Clone)]
pub struct Value {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// Up to `limit` IBANs and phone numbers after `after` (by id) without a tag under the key.
pub async fn untagged(conn: &mut Conn, key_id: &str, after: Uuid, limit: i64) -> ApiResult<Vec<Value>> {
    Ok(diesel::sql_query(
        "SELECT i.id, i.type AS kind, i.value FROM indicators i
         WHERE i.type IN ('iban', 'phone') AND i.id > $2
           AND NOT EXISTS (SELECT 1 FROM private_screening_tags t WHERE t.key_id = $1 AND t.indicator_id = i.id)
         ORDER BY i.id LIMIT $3",
    )
    .bind::<Text, _>(key_id)
    .bind::<SqlUuid, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// The values among `ids` (IBANs and phone numbers) without a tag under the key.
pub async fn untagged_among(conn: &mut Conn, key_id: &str, ids: &[Uuid]) -> ApiResult<Vec<Value>> {
    Ok(diesel::sql_query(
        "SELECT i.id, i.type AS kind, i.value FROM indicators i
         WHERE i.id = ANY($2) AND i.type IN ('iban', 'phone')
           AND NOT EXISTS (SELECT 1 FROM private_screening_tags t WHERE t.key_id = $1 AND t.indicator_id = i.id)",
    )
    .bind::<Text, _>(key_id)
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await?)
}

/// Stores tags under a key (one statement).
pub async fn insert_tags(conn: &mut Conn, key_id: &str, ids: &[Uuid], tags: &[Vec<u8>]) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO private_screening_tags (key_id, indicator_id, tag)
         SELECT $1, u.id, u.tag FROM unnest($2::uuid[], $3::bytea[]) AS u(id, tag)
         ON CONFLICT (key_id, indicator_id) DO NOTHING",
    )
    .bind::<Text, _>(key_id)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Bytea>, _>(tags)
    .execute(conn)
    .await?;
    Ok(())
}

/// The set's state row, locked for this round: (version, validity ends collected through);
/// `None` when another instance's round holds it (this one skips its turn).
pub async fn lock_state(conn: &mut Conn) -> ApiResult<Option<(i64, chrono::DateTime<chrono::Utc>)>> {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = BigInt)]
        version: i64,
        #[diesel(sql_type = Timestamptz)]
        expired_through: chrono::DateTime<chrono::Utc>,
    }
    // Short statements over few rows: compiling them (JIT) costs more than running them.
    diesel::sql_query("SET LOCAL jit = off").execute(conn).await?;
    let rows: Vec<S> =
        diesel::sql_query("SELECT version, expired_through FROM private_screening_state FOR UPDATE SKIP LOCKED")
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().map(|s| (s.version, s.expired_through)))
}

/// Marks the values whose links' validity ended since `through`; returns the new `through`.
pub async fn mark_expired(
    conn: &mut Conn,
    through: chrono::DateTime<chrono::Utc>,
) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Timestamptz)]
        now: chrono::DateTime<chrono::Utc>,
    }
    let t: T = diesel::sql_query(
        "WITH marked AS (
            INSERT INTO private_screening_dirty (indicator_id)
            SELECT DISTINCT ri.indicator_id FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
             WHERE ri.valid_until > $1 AND ri.valid_until <= now() AND i.type IN ('iban', 'phone')
            ON CONFLICT DO NOTHING)
         UPDATE private_screening_state SET expired_through = now() RETURNING expired_through AS now",
    )
    .bind::<Timestamptz, _>(through)
    .get_result(conn)
    .await?;
    Ok(t.now)
}

/// Takes up to `limit` values waiting for a round (gone from the queue when the round commits).
/// In the queue's key order from `after`: a queue drained from its front leaves dead entries
/// there, which a scan from the start would walk again each round.
pub async fn take_dirty(conn: &mut Conn, after: Uuid, limit: i64) -> ApiResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct D {
        #[diesel(sql_type = SqlUuid)]
        indicator_id: Uuid,
    }
    let rows: Vec<D> = diesel::sql_query(
        "DELETE FROM private_screening_dirty WHERE indicator_id IN
            (SELECT indicator_id FROM private_screening_dirty WHERE indicator_id > $1
              ORDER BY indicator_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING indicator_id",
    )
    .bind::<SqlUuid, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|d| d.indicator_id).collect())
}

/// Banks and ISPs whose set was never filled.
pub async fn unfilled(conn: &mut Conn) -> ApiResult<Vec<OrgId>> {
    #[derive(QueryableByName)]
    struct O {
        #[diesel(sql_type = SqlUuid)]
        id: OrgId,
    }
    let rows: Vec<O> = diesel::sql_query(
        "SELECT o.id FROM organizations o
         WHERE o.kind = ANY($1) AND o.active
           AND NOT EXISTS (SELECT 1 FROM private_screening_filled f WHERE f.organization_id = o.id)",
    )
    .bind::<Array<Text>, _>(KINDS)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|o| o.id).collect())
}

/// Fills an organisation's set with every value it would find, at version `v`, except the
/// values still waiting for a round: those may have no tag yet, and come as later additions.
pub async fn fill(conn: &mut Conn, org: OrgId, v: i64) -> ApiResult<u64> {
    let n = diesel::sql_query(format!(
        "INSERT INTO private_screening_members (organization_id, indicator_id, added)
         SELECT $1, i.id, $2 FROM indicators i
          WHERE i.type IN ('iban', 'phone') AND {}
            AND NOT EXISTS (SELECT 1 FROM private_screening_dirty q WHERE q.indicator_id = i.id)
         ON CONFLICT (organization_id, indicator_id) DO UPDATE SET added = EXCLUDED.added, removed = NULL
            WHERE private_screening_members.removed IS NOT NULL",
        sees("$1", "i.id")
    ))
    .bind::<SqlUuid, _>(org)
    .bind::<BigInt, _>(v)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO private_screening_filled (organization_id, version, size)
         SELECT $1, $2, count(*) FROM private_screening_members WHERE organization_id = $1 AND removed IS NULL",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<BigInt, _>(v)
    .execute(conn)
    .await?;
    Ok(n as u64)
}

/// Brings every filled set up to date for the values `ids` at version `v`: a value an
/// organisation would now find is added (again), one it would not is removed; each set's size
/// follows. (added, removed)
pub async fn apply(conn: &mut Conn, ids: &[Uuid], v: i64) -> ApiResult<(i64, i64)> {
    #[derive(QueryableByName)]
    struct R {
        #[diesel(sql_type = BigInt)]
        added: i64,
        #[diesel(sql_type = BigInt)]
        removed: i64,
    }
    // Each step an index probe per value (`LATERAL ... OFFSET 0`, as the look-up does): planned
    // as joins, a round hashed every link and every set entry (2 s for 5,000 values at 10^6).
    let r: R = diesel::sql_query(format!(
        "WITH d AS (SELECT DISTINCT unnest($1::uuid[]) AS indicator_id),
         want AS (
            SELECT f.organization_id, d.indicator_id FROM d
            CROSS JOIN LATERAL (SELECT i.id FROM indicators i WHERE i.id = d.indicator_id
                                AND i.type IN ('iban', 'phone') OFFSET 0) i
            CROSS JOIN private_screening_filled f
            CROSS JOIN LATERAL (SELECT 1 AS seen WHERE {} OFFSET 0) v),
         added AS (
            INSERT INTO private_screening_members (organization_id, indicator_id, added)
            SELECT organization_id, indicator_id, $2 FROM want
            ON CONFLICT (organization_id, indicator_id) DO UPDATE SET added = EXCLUDED.added, removed = NULL
               WHERE private_screening_members.removed IS NOT NULL
            RETURNING organization_id),
         current AS (
            SELECT x.organization_id, x.indicator_id FROM d
            CROSS JOIN LATERAL (SELECT y.organization_id, y.indicator_id FROM private_screening_members y
                                WHERE y.indicator_id = d.indicator_id AND y.removed IS NULL OFFSET 0) x),
         gone AS (SELECT organization_id, indicator_id FROM current
                  EXCEPT SELECT organization_id, indicator_id FROM want),
         removed AS (
            UPDATE private_screening_members m SET removed = $2
              FROM gone g WHERE m.organization_id = g.organization_id AND m.indicator_id = g.indicator_id
            RETURNING m.organization_id),
         sized AS (
            UPDATE private_screening_filled f SET size = f.size + c.n
              FROM (SELECT organization_id, sum(n) AS n
                      FROM (SELECT organization_id, 1 AS n FROM added
                            UNION ALL SELECT organization_id, -1 FROM removed) x
                     GROUP BY organization_id) c
             WHERE f.organization_id = c.organization_id
            RETURNING 1)
         -- (a data-modifying WITH runs whether or not it is read)
         SELECT (SELECT count(*) FROM added) AS added, (SELECT count(*) FROM removed) AS removed",
        sees("f.organization_id", "d.indicator_id")
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<BigInt, _>(v)
    .get_result(conn)
    .await?;
    Ok((r.added, r.removed))
}

pub async fn set_version(conn: &mut Conn, v: i64) -> ApiResult<()> {
    diesel::sql_query("UPDATE private_screening_state SET version = $1").bind::<BigInt, _>(v).execute(conn).await?;
    Ok(())
}

/// An organisation's set as its callers and the snapshots need it, in one statement.
#[derive(QueryableByName)]
pub struct Overview {
    /// Which of the keys asked about have every value's tag.
    #[diesel(sql_type = Array<Text>)]
    pub complete: Vec<String>,
    /// The round that last changed the set (rounds that changed only others' sets do not move
    /// it, so polling tells nothing of them).
    #[diesel(sql_type = BigInt)]
    pub version: i64,
    /// The set's size, once it has been filled.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub size: Option<i64>,
    /// Values the organisation had evaluated today (UTC).
    #[diesel(sql_type = BigInt)]
    pub evaluated_today: i64,
}

pub async fn overview(conn: &mut Conn, org: OrgId, key_ids: &[&str]) -> ApiResult<Overview> {
    Ok(diesel::sql_query(
        "SELECT ARRAY(SELECT key_id FROM private_screening_keys WHERE complete AND key_id = ANY($2)) AS complete,
                (SELECT coalesce(max(greatest(added, coalesce(removed, 0))), 0)::bigint
                   FROM private_screening_members WHERE organization_id = $1) AS version,
                (SELECT size FROM private_screening_filled WHERE organization_id = $1) AS size,
                (SELECT coalesce(sum(evaluated), 0)::bigint FROM private_screening_usage
                  WHERE organization_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date) AS evaluated_today",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Array<Text>, _>(key_ids)
    .get_result(conn)
    .await?)
}

/// Tags (16 bytes each, concatenated, in no order) of the organisation's entries under a key
/// that changed after version `after`: those it holds, and those it no longer holds. With
/// `after` = 0, the whole set (and nothing removed). `rows` says about how many entries the
/// read covers (it picks the plan). Within a transaction (it sets its plan).
pub async fn changes(
    conn: &mut Conn,
    org: OrgId,
    key_id: &str,
    after: i64,
    rows: i64,
) -> ApiResult<(Vec<u8>, Vec<u8>)> {
    #[derive(QueryableByName)]
    struct C {
        #[diesel(sql_type = Nullable<Bytea>)]
        held: Option<Vec<u8>>,
        #[diesel(sql_type = Nullable<Bytea>)]
        dropped: Option<Vec<u8>>,
    }
    // Plans that hold without fresh statistics (a bulk load outruns the analyzer): a few
    // entries probe each one's tag (LATERAL ... OFFSET 0; driven from the tags, 1,000 changes
    // read all 10^6 of the key's: 2.3 s); many hash both sides (per-entry probes: 3.4 s at
    // 10^6; hashed: 1.5 s). Unordered: the service sorts quicker.
    let (nestloop, tags) = if rows > HASHED_FROM {
        ("off", "JOIN private_screening_tags t ON t.key_id = $2 AND t.indicator_id = m.indicator_id")
    } else {
        (
            "on",
            "CROSS JOIN LATERAL (SELECT t.tag FROM private_screening_tags t
                                 WHERE t.key_id = $2 AND t.indicator_id = m.indicator_id OFFSET 0) t",
        )
    };
    diesel::sql_query(format!("SET LOCAL enable_nestloop = {nestloop}")).execute(conn).await?;
    diesel::sql_query("SET LOCAL jit = off").execute(conn).await?;
    let c: C = diesel::sql_query(format!(
        "SELECT string_agg(t.tag, ''::bytea) FILTER (WHERE m.removed IS NULL) AS held,
                string_agg(t.tag, ''::bytea) FILTER (WHERE m.removed IS NOT NULL) AS dropped
           FROM private_screening_members m {tags}
          WHERE m.organization_id = $1 AND greatest(m.added, coalesce(m.removed, 0)) > $3
            AND (m.removed IS NULL OR $3 > 0)"
    ))
    .bind::<SqlUuid, _>(org)
    .bind::<Text, _>(key_id)
    .bind::<BigInt, _>(after)
    .get_result(conn)
    .await?;
    Ok((c.held.unwrap_or_default(), c.dropped.unwrap_or_default()))
}

/// From how many entries a read of tags hashes rather than probes.
const HASHED_FROM: i64 = 50_000;

/// Counts a set's size again from its entries, between two rounds (the state row's lock
/// held till the transaction ends; a count taken after it is exact). Within a transaction.
pub async fn recount_size(conn: &mut Conn, org: OrgId) -> ApiResult<()> {
    diesel::sql_query("SELECT 1 FROM private_screening_state FOR UPDATE").execute(conn).await?;
    diesel::sql_query(
        "UPDATE private_screening_filled SET size = (SELECT count(*) FROM private_screening_members
                                                      WHERE organization_id = $1 AND removed IS NULL)
          WHERE organization_id = $1",
    )
    .bind::<SqlUuid, _>(org)
    .execute(conn)
    .await?;
    Ok(())
}

/// An organisation's whole set under a key at a version: (version, tags sorted and concatenated).
pub async fn snapshot(conn: &mut Conn, org: OrgId, key_id: &str) -> ApiResult<Option<(i64, Vec<u8>)>> {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = BigInt)]
        version: i64,
        #[diesel(sql_type = Bytea)]
        tags: Vec<u8>,
    }
    let rows: Vec<S> = diesel::sql_query(
        "SELECT version, tags FROM private_screening_snapshots WHERE organization_id = $1 AND key_id = $2",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Text, _>(key_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|s| (s.version, s.tags)))
}

/// Filled organisations whose set under the key has no snapshot yet, or `slack` entries or more
/// changed since it.
pub async fn stale_snapshots(conn: &mut Conn, key_id: &str, slack: i64) -> ApiResult<Vec<OrgId>> {
    #[derive(QueryableByName)]
    struct O {
        #[diesel(sql_type = SqlUuid)]
        id: OrgId,
    }
    let rows: Vec<O> = diesel::sql_query(
        "SELECT f.organization_id AS id FROM private_screening_filled f
         LEFT JOIN private_screening_snapshots s ON s.organization_id = f.organization_id AND s.key_id = $1
         WHERE s.version IS NULL
            OR (SELECT count(*) FROM (SELECT 1 FROM private_screening_members m
                 WHERE m.organization_id = f.organization_id
                   AND greatest(m.added, coalesce(m.removed, 0)) > s.version LIMIT $2) c) >= $2",
    )
    .bind::<Text, _>(key_id)
    .bind::<BigInt, _>(slack)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|o| o.id).collect())
}

/// Keeps a snapshot unless one of a later version is already there (another instance's).
pub async fn save_snapshot(conn: &mut Conn, org: OrgId, key_id: &str, version: i64, tags: &[u8]) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO private_screening_snapshots (organization_id, key_id, version, size, tags)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (organization_id, key_id) DO UPDATE
            SET version = EXCLUDED.version, size = EXCLUDED.size, tags = EXCLUDED.tags, built_at = now()
          WHERE private_screening_snapshots.version < EXCLUDED.version",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Text, _>(key_id)
    .bind::<BigInt, _>(version)
    .bind::<BigInt, _>((tags.len() / crate::kernel::oprf::TAG_BYTES) as i64)
    .bind::<Bytea, _>(tags)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts `n` values against the organisation's quota for today (UTC): the day's total, or
/// `None` when it would pass `quota` (nothing counted).
pub async fn count_usage(conn: &mut Conn, org: OrgId, n: i64, quota: i64) -> ApiResult<Option<i64>> {
    let rows: Vec<N> = diesel::sql_query(
        "INSERT INTO private_screening_usage (organization_id, day, evaluated)
         SELECT $1, (now() AT TIME ZONE 'UTC')::date, $2 WHERE $2 <= $3
         ON CONFLICT (organization_id, day) DO UPDATE SET evaluated = private_screening_usage.evaluated + EXCLUDED.evaluated
            WHERE private_screening_usage.evaluated + EXCLUDED.evaluated <= $3
         RETURNING evaluated AS n",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<BigInt, _>(n)
    .bind::<BigInt, _>(quota)
    .load(conn)
    .await?;
    Ok(<[N]>::first(&rows).map(|r| r.n))
}
