use actix_web::{get, web};

use super::model::{AuditEvent, AuditPage, AuditQuery, ChainVerification};
use super::{store, Entry};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, ApiResult};
use crate::{pagination, AppState};

/// Lists audit rows, newest first. Regulators and platform admins see every organisation's
/// rows; an org_admin sees their own organisation's.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AuditQuery>,
) -> ApiResult<web::Json<AuditPage>> {
    super::require(&state, &principal, Permission::ReadAudit, "audit.read").await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<i64> = pagination::decode(q.cursor.as_deref())?;
    let only_org = if principal.reads_all_audit() { None } else { Some(principal.org_id) };
    if only_org.is_some_and(|own| q.organization_id.is_some_and(|asked| asked != own)) {
        return Err(ApiError::field("organization_id", "you may read your own organisation's audit rows only"));
    }
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &q, only_org, before, limit).await?;
    Entry::of(&principal, "audit.read")
        .details(serde_json::json!({"rows": rows.len().min(limit as usize)}))
        .write(&mut conn)
        .await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| r.id);
    Ok(web::Json(AuditPage { items: rows.into_iter().map(AuditEvent::from).collect(), next_cursor }))
}

/// Recomputes the hash chain over every sealed audit row and says whether it is intact.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChainVerification),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/verify")]
pub async fn verify_audit(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<ChainVerification>> {
    super::require(&state, &principal, Permission::ReadAudit, "audit.verify").await?;
    let mut conn = state.pool.get().await?;
    let (ok, rows_checked, first_broken_id) = store::verify(&mut conn).await?;
    Entry::of(&principal, "audit.verify")
        .details(serde_json::json!({"ok": ok, "rows_checked": rows_checked}))
        .write(&mut conn)
        .await?;
    Ok(web::Json(ChainVerification { ok, rows_checked, first_broken_id }))
}
