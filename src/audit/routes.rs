//! Reading and verifying the audit trail.

use actix_web::{get, web};

use super::model::{AuditEvent, AuditPage, AuditQuery, ChainVerification};
use super::store;
use crate::access::{Action, Principal};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Denied};
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
    act.entry().details(details).write(&mut conn).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| r.id);
    Ok(web::Json(AuditPage { items: rows.into_iter().map(AuditEvent::from).collect(), next_cursor }))
}

/// Recomputes the hash chain over every sealed audit row and says whether it is intact.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses((status = 200, description = "the verification", body = ChainVerification), Common, Denied)
)]
#[get("/audit/verify")]
pub async fn verify_audit(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<ChainVerification>> {
    let act = principal.authorize(&state, Action::VerifyAudit).await?;
    if !act.reads_all_audit() {
        return Err(act
            .refuse(&state, "audit", "chain", "regulators and platform admins verify the audit trail")
            .await);
    }
    let mut conn = state.pool.get().await?;
    let (ok, rows_checked, first_broken_id) = store::verify(&mut conn).await?;
    act.entry().details(serde_json::json!({"ok": ok, "rows_checked": rows_checked})).write(&mut conn).await?;
    Ok(web::Json(ChainVerification { ok, rows_checked, first_broken_id }))
}
