//! The audit trail as the JSON API and the console read it:
//!
//! | function | action | who |
//! |---|---|---|
//! | [`list`] | `ReadAudit` | regulators and platform admins every organisation's rows, an org_admin its own |
//! | [`consultations`] | `ReadConsultationStatistics` | the same |
//! | [`verify`] | `VerifyAudit` | regulators and platform admins |
//! | [`head`] | `ReadAuditHead` | regulators and platform admins |

use super::model::{
    AuditEvent, AuditHead, AuditPage, AuditQuery, CaseConsultations, ChainVerification, ConsultationQuery,
    ConsultationStatistics, PurposeConsultations, VerifyQuery,
};
use super::store;
use crate::access::{Action, Grant};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::pagination;
use crate::kernel::AppState;

/// Audit rows, newest first: every organisation's for regulators and platform admins, the
/// caller's own for an org_admin (422 for another's).
pub async fn list(state: &AppState, act: &Grant, q: &AuditQuery) -> ApiResult<AuditPage> {
    act.expect(&[Action::ReadAudit])?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<i64> = pagination::decode(q.cursor.as_deref())?;
    let only_org = if act.reads_all_audit() { None } else { Some(act.org_id.0) };
    if only_org.is_some_and(|own| q.organization_id.is_some_and(|asked| asked != own)) {
        return Err(ApiError::field("organization_id", "you may read your own organisation's audit rows only"));
    }
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, q, only_org, before, limit).await?;
    let details = serde_json::json!({"rows": rows.len().min(limit as usize)});
    act.entry().details(details).write(&conn).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| r.id);
    Ok(AuditPage { items: rows.into_iter().map(AuditEvent::from).collect(), next_cursor })
}

/// Searches per case and per purpose over a period (default: the last 30 days).
pub async fn consultations(state: &AppState, act: &Grant, q: &ConsultationQuery) -> ApiResult<ConsultationStatistics> {
    act.expect(&[Action::ReadConsultationStatistics])?;
    let only_org = if act.reads_all_audit() { q.organization_id } else { Some(act.org_id.0) };
    if !act.reads_all_audit() && q.organization_id.is_some_and(|asked| asked != act.org_id.0) {
        return Err(ApiError::field("organization_id", "you may read your own organisation's figures only"));
    }
    let to = q.to.map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
    let from = q.from.map_or(to - chrono::Duration::days(30), |t| t.with_timezone(&chrono::Utc));
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    let mut conn = state.long_pool.get().await?;
    let (cases, purposes) = store::consultations(&mut conn, from, to, only_org).await?;
    act.entry().details(serde_json::json!({"from": from, "to": to, "organization_id": only_org})).write(&conn).await?;
    Ok(ConsultationStatistics {
        from,
        to,
        by_case: cases
            .into_iter()
            .map(|c| CaseConsultations {
                organization_id: c.organization_id,
                case_reference: c.case_reference,
                consultations: c.consultations,
                first_at: c.first_at,
                last_at: c.last_at,
            })
            .collect(),
        by_purpose: purposes
            .into_iter()
            .map(|p| PurposeConsultations { purpose: p.purpose, consultations: p.consultations })
            .collect(),
    })
}

/// Recomputes the hash chain (from the last checkpoint, from the genesis with `full`, or
/// against a kept head) and says whether it is intact.
pub async fn verify(state: &AppState, act: &Grant, q: &VerifyQuery) -> ApiResult<ChainVerification> {
    act.expect(&[Action::VerifyAudit])?;
    auditor(state, act).await?;
    let head = match (q.head_id, q.head_hash.as_deref()) {
        (None, None) => None,
        (Some(id), Some(hash)) => {
            Some((id, hex::decode(hash).map_err(|_| ApiError::field("head_hash", "must be hex"))?))
        }
        (None, Some(_)) => return Err(ApiError::field("head_id", "is required with head_hash")),
        (Some(_), None) => return Err(ApiError::field("head_hash", "is required with head_id")),
    };
    // Long work: a full verification reads the whole chain.
    let mut conn = state.long_pool.get().await?;
    let v = store::verify(&mut conn, q.full.unwrap_or(false), head).await?;
    let ok = v.broken_at.is_none() && v.head_matches != Some(false);
    let details =
        serde_json::json!({"ok": ok, "rows_checked": v.rows_checked, "from_id": v.from_id, "head_id": q.head_id});
    act.entry().details(details).write(&conn).await?;
    Ok(ChainVerification {
        ok,
        rows_checked: v.rows_checked,
        first_broken_id: v.broken_at,
        from_id: v.from_id,
        last_id: v.last.as_ref().map(|(id, _)| *id),
        last_hash: v.last.as_ref().map(|(_, h)| hex::encode(h)),
        head_matches: v.head_matches,
    })
}

/// The chain's head, signed now (404 before any row is sealed).
pub async fn head(state: &AppState, act: &Grant) -> ApiResult<AuditHead> {
    act.expect(&[Action::ReadAuditHead])?;
    auditor(state, act).await?;
    let mut conn = state.pool.get().await?;
    let head = super::witness::signed_head(state, &mut conn).await?.ok_or(ApiError::NotFound)?;
    act.entry().details(serde_json::json!({"head_id": head.id})).write(&conn).await?;
    Ok(head)
}

/// Regulators' and platform admins' actions on the whole trail; others 403 (recorded).
pub async fn auditor(state: &AppState, act: &Grant) -> ApiResult<()> {
    if !act.reads_all_audit() {
        return Err(act.refuse(state, "audit", "chain", "regulators and platform admins verify the audit trail").await);
    }
    Ok(())
}
