//! Reading and verifying the audit trail.

use actix_web::{get, web};

use super::model::{
    AuditHead, AuditPage, AuditPublicKey, AuditQuery, ChainVerification, ConsultationQuery, ConsultationStatistics,
    VerifyQuery,
};
use super::service;
use crate::access::{Action, Principal};
use crate::kernel::error::ApiResult;
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
    Ok(web::Json(service::list(&state, &act, &q).await?))
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
    Ok(web::Json(service::consultations(&state, &act, &q).await?))
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
    let act = principal.authorize(&state, Action::VerifyAudit).await?;
    Ok(web::Json(service::verify(&state, &act, &q).await?))
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
    let act = principal.authorize(&state, Action::ReadAuditHead).await?;
    Ok(web::Json(service::head(&state, &act).await?))
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
