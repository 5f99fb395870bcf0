//! Audit queries: list, seal, verify.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::model::{AuditQuery, AuditRow};
use crate::kernel::db::schema::{audit_anchors, audit_checkpoints, audit_events};
use crate::kernel::db::{self, Conn};
use crate::kernel::error::ApiResult;

/// Rows matching `q`, newest first, after the cursor id; `only_org` restricts to one organisation.
pub async fn list(
    conn: &mut Conn,
    q: &AuditQuery,
    only_org: Option<Uuid>,
    before_id: Option<i64>,
    limit: i64,
) -> ApiResult<Vec<AuditRow>> {
    let mut query = audit_events::table.select(AuditRow::as_select()).into_boxed();
    if let Some(org) = only_org.or(q.organization_id) {
        query = query.filter(audit_events::organization_id.eq(org));
    }
    if let Some(from) = q.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = q.to {
        query = query.filter(audit_events::at.lt(to));
    }
    if let Some(p) = q.principal_id {
        query = query.filter(audit_events::user_id.eq(p).or(audit_events::api_key_id.eq(p)));
    }
    if let Some(a) = &q.action {
        query = query.filter(audit_events::action.eq(a));
    }
    if let Some(t) = &q.object_type {
        query = query.filter(audit_events::object_type.eq(t));
    }
    if let Some(o) = &q.object_id {
        // A row about the object, or a feed pull that served it (its `details.reports`).
        let served =
            diesel::dsl::sql::<diesel::sql_types::Bool>("(action = 'taxii.read' AND (details -> 'reports') ? ")
                .bind::<diesel::sql_types::Text, _>(o.clone())
                .sql(")");
        query = query.filter(audit_events::object_id.eq(o).or(served));
    }
    if let Some(c) = &q.case_reference {
        query = query.filter(audit_events::case_reference.eq(c));
    }
    if let Some(p) = &q.purpose {
        query = query.filter(audit_events::purpose.eq(p));
    }
    if let Some(id) = before_id {
        query = query.filter(audit_events::id.lt(id));
    }
    Ok(query.order(audit_events::id.desc()).limit(limit + 1).load(conn).await?)
}

/// The audit actions that are searches: each must state its purpose where required.
pub const SEARCH_ACTIONS: &[&str] =
    &["report.query", "report.export", "indicator.lookup", "indicator.correlate", "taxii.read"];

#[derive(QueryableByName, Debug)]
pub struct CaseCount {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub organization_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub case_reference: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub consultations: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub first_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub last_at: DateTime<Utc>,
}

#[derive(QueryableByName, Debug)]
pub struct PurposeCount {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub purpose: Option<crate::domain::PurposeReason>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub consultations: i64,
}

/// Searches over [from, to) per (organisation, case) and per purpose; a merged row counts each
/// search it holds.
pub async fn consultations(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only_org: Option<Uuid>,
) -> ApiResult<(Vec<CaseCount>, Vec<PurposeCount>)> {
    use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    const SEARCHES: &str = "SELECT * , coalesce((details->>'merged')::bigint, 1) AS n FROM audit_events
        WHERE at >= $1 AND at < $2 AND action = ANY($3) AND outcome = 'ok' AND ($4::uuid IS NULL OR organization_id = $4)";
    let actions: Vec<&str> = SEARCH_ACTIONS.to_vec();
    let by_case = diesel::sql_query(format!(
        "SELECT organization_id, case_reference, sum(n)::bigint AS consultations, min(at) AS first_at, max(at) AS last_at
         FROM ({SEARCHES}) s WHERE case_reference IS NOT NULL
         GROUP BY organization_id, case_reference ORDER BY sum(n) DESC, case_reference LIMIT 1000"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Array<Text>, _>(&actions)
    .bind::<Nullable<SqlUuid>, _>(only_org)
    .load(conn)
    .await?;
    let by_purpose = diesel::sql_query(format!(
        "SELECT purpose, sum(n)::bigint AS consultations FROM ({SEARCHES}) s GROUP BY purpose ORDER BY purpose NULLS LAST"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Array<Text>, _>(&actions)
    .bind::<Nullable<SqlUuid>, _>(only_org)
    .load(conn)
    .await?;
    Ok((by_case, by_purpose))
}

/// The text a row's hash covers: every column but the hash, in a fixed layout (the purpose
/// only where a row has one, so rows written before it existed keep their hashes).
fn canonical(r: &AuditRow) -> String {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(|x| x.to_string()).unwrap_or_default()
    }
    let mut text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        r.id,
        r.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        opt(&r.user_id),
        opt(&r.api_key_id),
        opt(&r.organization_id),
        r.action,
        opt(&r.object_type),
        opt(&r.object_id),
        r.outcome,
        opt(&r.client_addr),
        opt(&r.request_id),
        r.details
    );
    if r.case_reference.is_some() || r.purpose.is_some() {
        text.push_str(&format!("\n{}\n{}", opt(&r.case_reference), opt(&r.purpose)));
    }
    text
}

pub fn chain_hash(previous: &[u8], row: &AuditRow) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(canonical(row).as_bytes());
    h.finalize().to_vec()
}

pub const GENESIS: [u8; 32] = [0; 32];
pub const SEAL_BATCH: i64 = 5000;

/// Seals unsealed rows in id order. A row is sealed only when no transaction that began
/// before it was written is still open, so a row with a smaller id can no longer appear
/// (ids are taken in transactions that may commit out of order). One sealer at a time
/// across instances (advisory lock). Returns how many rows were sealed.
pub async fn seal_pending(conn: &mut Conn) -> ApiResult<usize> {
    conn.transaction(async |c| {
        let locked: bool = db::try_lock_until_commit(c, db::locks::AUDIT_SEALER).await?;
        if !locked {
            return Ok(0);
        }
        let horizon: DateTime<Utc> = db::commit_horizon(c).await?;
        let sealed_head: Option<Vec<u8>> = audit_events::table
            .filter(audit_events::hash.is_not_null())
            .order(audit_events::id.desc())
            .select(audit_events::hash.assume_not_null())
            .first(c)
            .await
            .optional()?;
        // Every sealed row purged: the chain goes on from the anchor.
        let mut previous = match sealed_head {
            Some(h) => h,
            None => anchor(c).await?.map_or_else(|| GENESIS.to_vec(), |(_, h)| h),
        };
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::hash.is_null())
            .order(audit_events::id.asc())
            .limit(SEAL_BATCH)
            .select(AuditRow::as_select())
            .load(c)
            .await?;
        let mut ids = Vec::new();
        let mut hashes = Vec::new();
        for row in rows.iter().take_while(|r| r.at < horizon) {
            let hash = chain_hash(&previous, row);
            ids.push(row.id);
            hashes.push(hash.clone());
            previous = hash;
        }
        let sealed = ids.len();
        if sealed > 0 {
            // One statement for the whole batch, through the owner's function: the service role
            // may not update audit rows itself.
            diesel::select(
                diesel::dsl::sql::<diesel::sql_types::Integer>("audit_seal(")
                    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(ids)
                    .sql(", ")
                    .bind::<diesel::sql_types::Array<diesel::sql_types::Bytea>, _>(hashes)
                    .sql(")"),
            )
            .get_result::<i32>(c)
            .await?;
        }
        Ok(sealed)
    })
    .await
}

/// Where the chain starts once its oldest rows were purged: the last purged row (id, hash).
pub async fn anchor(conn: &mut Conn) -> ApiResult<Option<(i64, Vec<u8>)>> {
    Ok(audit_anchors::table
        .order(audit_anchors::id.desc())
        .select((audit_anchors::id, audit_anchors::hash))
        .first(conn)
        .await
        .optional()?)
}

/// The newest sealed row: (id, hash).
pub async fn head(conn: &mut Conn) -> ApiResult<Option<(i64, Vec<u8>)>> {
    Ok(audit_events::table
        .filter(audit_events::hash.is_not_null())
        .order(audit_events::id.desc())
        .select((audit_events::id, audit_events::hash.assume_not_null()))
        .first(conn)
        .await
        .optional()?)
}

/// Rows after `after`, sealed or not, in id order, a page at a time (a verification that
/// changes nothing: `cyberbridge admin verify-restore`).
pub async fn rows_after(conn: &mut Conn, after: i64, limit: i64) -> ApiResult<Vec<AuditRow>> {
    Ok(audit_events::table
        .filter(audit_events::id.gt(after))
        .order(audit_events::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
        .await?)
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct Verified {
    pub broken_at: Option<i64>,
    pub rows_checked: i64,
    pub from_id: Option<i64>,
    pub last: Option<(i64, Vec<u8>)>,
    pub head_matches: Option<bool>,
}

/// Recomputes the chain: from the last checkpoint (whose row must still carry its hash), or from
/// the genesis (the anchor, once old rows were purged) when `full` or when a `head` (id, hash)
/// is to be found in it. A verification that
/// finds nothing broken leaves a checkpoint where it ended.
pub async fn verify(conn: &mut Conn, full: bool, head: Option<(i64, Vec<u8>)>) -> ApiResult<Verified> {
    let mut out = Verified::default();
    let mut previous = GENESIS.to_vec();
    let mut after = 0i64;
    if let Some((id, hash)) = anchor(conn).await? {
        (previous, after, out.from_id) = (hash, id, Some(id));
    }
    if !full && head.is_none() {
        let checkpoint: Option<(i64, Vec<u8>)> = audit_checkpoints::table
            .order(audit_checkpoints::id.desc())
            .select((audit_checkpoints::id, audit_checkpoints::hash))
            .first(conn)
            .await
            .optional()?;
        // A checkpoint at or below the anchor belongs to rows purged since.
        let anchor_id = anchor(conn).await?.map_or(0, |(id, _)| id);
        if let Some((id, hash)) = checkpoint.filter(|(id, _)| *id > anchor_id) {
            let stored: Option<Option<Vec<u8>>> =
                audit_events::table.find(id).select(audit_events::hash).first(conn).await.optional()?;
            if stored.flatten().as_deref() != Some(hash.as_slice()) {
                out.broken_at = Some(id);
                out.from_id = Some(id);
                return Ok(out);
            }
            (previous, after, out.from_id) = (hash, id, Some(id));
        }
    }
    loop {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::hash.is_not_null())
            .filter(audit_events::id.gt(after))
            .order(audit_events::id.asc())
            .limit(5000)
            .select(AuditRow::as_select())
            .load(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            out.rows_checked += 1;
            let expected = chain_hash(&previous, row);
            if row.hash.as_deref() != Some(expected.as_slice()) {
                out.broken_at = Some(row.id);
                return Ok(out);
            }
            if let Some((id, hash)) = &head {
                if *id == row.id {
                    out.head_matches = Some(*hash == expected);
                }
            }
            previous = expected;
        }
        out.last = Some((after, previous.clone()));
    }
    if head.is_some() && out.head_matches.is_none() {
        out.head_matches = Some(false);
    }
    match &out.last {
        // A checkpoint only where everything up to it verified (the head too, when given).
        Some((id, hash)) if out.head_matches != Some(false) => {
            diesel::insert_into(audit_checkpoints::table)
                .values((audit_checkpoints::id.eq(id), audit_checkpoints::hash.eq(hash)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        Some(_) => {}
        None => out.last = out.from_id.map(|from| (from, previous)),
    }
    Ok(out)
}

/// A change that granted powers without a second person, read back from the audit trail with
/// what the tables say of its object now (`cyberbridge admin audit-powers`).
#[derive(QueryableByName, Debug)]
pub struct PowerFinding {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub finding: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub audit_id: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub actor: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub object_type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub object_id: Option<String>,
    /// What the tables say of the object now.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub now: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub details: String,
}

/// Users, roles and accreditations in other organisations made by a platform admin alone,
/// credentials of other organisations' users reset by a platform admin, self-accredited officers
/// (and officers accredited by an account they made), and organisations moved or reactivated
/// without an approval, oldest first. Changes made through an approval are `approval.decide`
/// rows and never listed.
pub async fn powers_findings(conn: &mut Conn) -> ApiResult<Vec<PowerFinding>> {
    Ok(diesel::sql_query(
        "WITH platform AS (SELECT id FROM organizations WHERE kind = 'platform'), \
         rows AS ( \
           SELECT CASE WHEN a.details ->> 'four_eyes' = 'sole_platform_admin' \
                       THEN 'user created in another organisation by the platform''s only platform admin' \
                       ELSE 'user created in another organisation by a platform admin alone' END AS finding, a.* \
             FROM audit_events a LEFT JOIN users u ON u.id::text = a.object_id \
            WHERE a.action = 'user.create' AND a.outcome = 'ok' AND a.object_type = 'user' \
              AND a.organization_id IN (SELECT id FROM platform) \
              AND u.organization_id IS DISTINCT FROM (SELECT id FROM platform) \
           UNION ALL \
           SELECT 'role, reactivation or officer accreditation in another organisation by a platform admin alone', a.* \
             FROM audit_events a LEFT JOIN users u ON u.id::text = a.object_id \
            WHERE a.action = 'user.update' AND a.outcome = 'ok' AND a.object_type = 'user' \
              AND a.organization_id IN (SELECT id FROM platform) \
              AND u.organization_id IS DISTINCT FROM (SELECT id FROM platform) \
              AND (jsonb_typeof(a.details -> 'role') = 'string' OR a.details -> 'active' = 'true'::jsonb \
                   OR jsonb_typeof(a.details -> 'officer') = 'object' \
                   OR jsonb_array_length(CASE WHEN jsonb_typeof(a.details -> 'authorisations') = 'array' \
                                              THEN a.details -> 'authorisations' ELSE '[]'::jsonb END) > 0) \
           UNION ALL \
           SELECT 'password or second factor of a user of another organisation reset by a platform admin', a.* \
             FROM audit_events a LEFT JOIN users u ON u.id::text = a.object_id \
            WHERE a.action IN ('user.password', 'user.second_factor_reset', 'user.enrolment_link') \
              AND a.outcome = 'ok' AND a.object_type = 'user' \
              AND a.organization_id IN (SELECT id FROM platform) \
              AND u.organization_id IS DISTINCT FROM (SELECT id FROM platform) \
           UNION ALL \
           SELECT 'self-accredited officer', a.* \
             FROM audit_events a \
            WHERE a.action = 'user.update' AND a.outcome = 'ok' AND a.object_type = 'user' \
              AND a.user_id::text = a.object_id \
              AND (jsonb_typeof(a.details -> 'officer') = 'object' \
                   OR jsonb_array_length(CASE WHEN jsonb_typeof(a.details -> 'authorisations') = 'array' \
                                              THEN a.details -> 'authorisations' ELSE '[]'::jsonb END) > 0) \
           UNION ALL \
           SELECT 'officer accredited by an org_admin whose account the officer made (review: a colleague or a second account?)', a.* \
             FROM audit_events a \
            WHERE a.action = 'user.update' AND a.outcome = 'ok' AND a.object_type = 'user' \
              AND a.user_id::text <> a.object_id \
              AND (jsonb_typeof(a.details -> 'officer') = 'object' \
                   OR jsonb_array_length(CASE WHEN jsonb_typeof(a.details -> 'authorisations') = 'array' \
                                              THEN a.details -> 'authorisations' ELSE '[]'::jsonb END) > 0) \
              AND EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = a.user_id AND e.created_by::text = a.object_id) \
           UNION ALL \
           SELECT CASE WHEN a.details -> 'country' = 'true'::jsonb \
                       THEN 'organisation''s country set without an approval (it may have moved)' \
                       ELSE 'organisation reactivated without an approval' END, a.* \
             FROM audit_events a \
            WHERE a.action = 'organization.update' AND a.outcome = 'ok' \
              AND (a.details -> 'country' = 'true'::jsonb OR a.details -> 'active' = 'true'::jsonb) \
         ) \
         SELECT r.finding, r.id AS audit_id, r.at, r.user_id AS actor, r.object_type, r.object_id, \
                coalesce( \
                  (SELECT format('user %s of %s (%s): %s, %s%s', u.email, o.name, o.kind, u.role, \
                                 CASE WHEN u.active THEN 'active' ELSE 'deactivated' END, \
                                 CASE WHEN u.may_issue_requests OR u.may_validate \
                                      THEN ', authorised to ' || concat_ws(' and ', \
                                           CASE WHEN u.may_issue_requests THEN 'issue' END, \
                                           CASE WHEN u.may_validate THEN 'validate' END) ELSE '' END) \
                     FROM users u JOIN organizations o ON o.id = u.organization_id \
                    WHERE r.object_type = 'user' AND u.id::text = r.object_id), \
                  (SELECT format('organisation %s (%s) in %s, %s', o.name, o.kind, o.country, \
                                 CASE WHEN o.active THEN 'active' ELSE 'deactivated' END) \
                     FROM organizations o WHERE r.object_type = 'organization' AND o.id::text = r.object_id), \
                  'gone') AS now, \
                r.details::text AS details \
           FROM rows r ORDER BY r.id",
    )
    .load(conn)
    .await?)
}
