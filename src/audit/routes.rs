//! Reading and verifying the audit trail.

use actix_web::{get, web};

use super::model::{
    AuditEvent, AuditHead, AuditPage, AuditPublicKey, AuditQuery, CaseConsultations, ChainVerification,
    ConsultationQuery, ConsultationStatistics, PurposeConsultations, VerifyQuery,
};
use super::store;
use crate::access::{Action, Principal};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied, Missing};
use crate::kernel::AppState;

/// Lists audit rows, newest first. Regulators and platform admins see every organisation's
/// rows; an org_admin sees their own organisation's.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "audit rows, newest first", body = AuditPage), Common, Denied)
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AuditQuery>,
) -> ApiResult<web::Json<AuditPage>> {
    let act = principal.authorize(&state, Action::ReadAudit).await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<i64> = pagination::decode(q.cursor.as_deref())?;
    let only_org = if act.reads_all_audit() { None } else { Some(act.org_id.0) };
    if only_org.is_some_and(|own| q.organization_id.is_some_and(|asked| asked != own)) {
        return Err(ApiError::field("organization_id", "you may read your own organisation's audit rows only"));
    }
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &q, only_org, before, limit).await?;
    let details = serde_json::json!({"rows": rows.len().min(limit as usize)});
    act.entry().details(details).write(&conn).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| r.id);
    Ok(web::Json(AuditPage { items: rows.into_iter().map(AuditEvent::from).collect(), next_cursor }))
}

/// Searches (report queries, look-ups, correlations, exports) over a period, per case and per
/// purpose. Regulators and platform admins see every organisation's; an org_admin their own.
#[utoipa::path(
    tag = "audit",
    params(ConsultationQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "searches per case and per purpose", body = ConsultationStatistics), Common, Denied)
)]
#[get("/statistics/consultations")]
pub async fn get_consultation_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<ConsultationQuery>,
) -> ApiResult<web::Json<ConsultationStatistics>> {
    let act = principal.authorize(&state, Action::ReadConsultationStatistics).await?;
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
    Ok(web::Json(ConsultationStatistics {
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
    }))
}

/// Recomputes the hash chain and says whether it is intact: from the last checkpoint (a
/// verification that found nothing broken), or from the genesis with `full=true` or a head to
/// find (`head_id`, `head_hash`: a signed head you kept, e.g. from the witness file; rows
/// rewritten or deleted up to it are then found). Regulators and platform admins.
#[utoipa::path(
    tag = "audit",
    params(VerifyQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the verification", body = ChainVerification), Common, Denied)
)]
#[get("/audit/verify")]
pub async fn verify_audit(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<VerifyQuery>,
) -> ApiResult<web::Json<ChainVerification>> {
    let act = auditor(&state, principal, Action::VerifyAudit).await?;
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
    Ok(web::Json(ChainVerification {
        ok,
        rows_checked: v.rows_checked,
        first_broken_id: v.broken_at,
        from_id: v.from_id,
        last_id: v.last.as_ref().map(|(id, _)| *id),
        last_hash: v.last.as_ref().map(|(_, h)| hex::encode(h)),
        head_matches: v.head_matches,
    }))
}

/// The chain's head (its newest sealed row), signed now with the platform's Ed25519 key: keep
/// it, and a later `GET /audit/verify?head_id=..&head_hash=..` finds any row up to it that was
/// rewritten or deleted. Regulators and platform admins.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses((status = 200, description = "the signed head", body = AuditHead), Common, Denied, Missing)
)]
#[get("/audit/head")]
pub async fn get_audit_head(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<AuditHead>> {
    let act = auditor(&state, principal, Action::ReadAuditHead).await?;
    let mut conn = state.pool.get().await?;
    let head = super::witness::signed_head(&state, &mut conn).await?.ok_or(ApiError::NotFound)?;
    act.entry().details(serde_json::json!({"head_id": head.id})).write(&conn).await?;
    Ok(web::Json(head))
}

/// The public key that checks signed audit heads (public: it proves, it grants nothing).
#[utoipa::path(
    tag = "audit",
    security(()),
    responses((status = 200, description = "the Ed25519 public key", body = AuditPublicKey), Common)
)]
#[get("/audit/public-key")]
pub async fn get_audit_public_key(state: web::Data<AppState>) -> web::Json<AuditPublicKey> {
    let signer = &state.audit_signer;
    web::Json(AuditPublicKey {
        algorithm: "Ed25519".into(),
        key_id: signer.key_id(),
        public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signer.public_key()),
        public_key_pem: signer.public_key_pem(),
        ephemeral: signer.ephemeral,
    })
}

/// Regulators' and platform admins' actions on the whole trail; others 403 (recorded).
async fn auditor(state: &AppState, principal: Principal, action: Action) -> ApiResult<crate::access::Grant> {
    let act = principal.authorize(state, action).await?;
    if !act.reads_all_audit() {
        return Err(act.refuse(state, "audit", "chain", "regulators and platform admins verify the audit trail").await);
    }
    Ok(act)
}
