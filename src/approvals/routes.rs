//! Pending changes that take two platform admins: list, read, approve, reject.

use actix_web::{get, post, web};
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::apply::apply;
use crate::access::four_eyes::{Approval, ApprovalStatus};
use crate::access::{store, Action, Grant, Principal};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing};
use crate::kernel::AppState;

#[derive(Deserialize, IntoParams)]
pub struct ApprovalQuery {
    /// `pending` (default): what waits for a decision; `all`: the last 500, decided or not.
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalList {
    pub items: Vec<Approval>,
}

/// Body of `POST /approvals/{id}/reject`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"reason": "No mandate letter from the ministry on file"}))]
pub struct Rejection {
    pub reason: String,
}

fn platform_admin(act: &Grant) -> ApiResult<Uuid> {
    act.user_id()
        .filter(|_| act.is_platform_admin())
        .map(|u| u.0)
        .ok_or_else(|| ApiError::Forbidden("only platform admins see and decide these changes".into()))
}

/// Changes waiting for a second platform admin (platform admins only).
#[utoipa::path(
    tag = "approvals",
    params(ApprovalQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "newest first", body = ApprovalList), Common, Denied)
)]
#[get("/approvals")]
pub async fn list_approvals(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<ApprovalQuery>,
) -> ApiResult<web::Json<ApprovalList>> {
    let act = principal.authorize(&state, Action::ListApprovals).await?;
    platform_admin(&act)?;
    let pending_only = match q.status.as_deref() {
        None | Some("pending") => true,
        Some("all") => false,
        Some(_) => return Err(ApiError::field("status", "must be `pending` or `all`")),
    };
    let rows = store::list_approvals(&mut *state.pool.get().await?, pending_only, 500).await?;
    let now = Utc::now();
    Ok(web::Json(ApprovalList { items: rows.into_iter().map(|r| Approval::of(r, now)).collect() }))
}

/// One change and where it stands.
#[utoipa::path(
    tag = "approvals",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "the approval", body = Approval), Common, Denied, Missing)
)]
#[get("/approvals/{id}")]
pub async fn get_approval(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Approval>> {
    let act = principal.authorize(&state, Action::ListApprovals).await?;
    platform_admin(&act)?;
    let row = store::get_approval(&mut *state.pool.get().await?, *id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(Approval::of(row, Utc::now())))
}

/// Approves a change: a platform admin other than the one who asked makes it now, and both are
/// in the audit row. 409 when it is no longer pending (decided, or past its 72 hours). An
/// account made or restored this way (an organisation's first org_admin, a platform admin) has
/// no password: the answer carries part 2 of its enrolment token (the filer was shown part 1),
/// the only time it is shown; its owner redeems both together within 72 hours.
#[utoipa::path(
    tag = "approvals",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "approved and applied", body = Approval), Common, Denied, Missing, Conflict)
)]
#[post("/approvals/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Approval>> {
    let act = principal.authorize(&state, Action::DecideApproval).await?;
    let me = platform_admin(&act)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let approval = conn
        .transaction(async |c| {
            let row = store::lock_approval(c, id).await?.ok_or(ApiError::NotFound)?;
            pending(&row, Utc::now())?;
            if row.requested_by == me {
                return Err(ApiError::Forbidden("a second platform admin approves; not the one who asked".into()));
            }
            let applied = apply(c, &row, crate::domain::UserId(me)).await?;
            let decided = store::decide_approval(c, id, true, me, None, Some(applied.id)).await?;
            act.on("approval", id)
                .details(serde_json::json!({
                    "action": row.action, "requested_by": row.requested_by, "approved_by": me, "result_id": applied.id,
                }))
                .write(c)
                .await?;
            let mut approval = Approval::of(decided, Utc::now());
            approval.enrolment_token_part_2 = applied.enrolment_token_part_2;
            Ok::<_, ApiError>(approval)
        })
        .await?;
    // An applied change may move bank identifiers or an organisation's status: this instance's
    // caches of keys and routes go at once (the others' with the database's notification).
    state.hub.key_cache.clear();
    Ok(web::Json(approval))
}

/// Rejects a change, with a reason (the admin who asked may withdraw it the same way).
#[utoipa::path(
    tag = "approvals",
    params(("id" = Uuid, Path)),
    request_body = Rejection,
    security(("bearer" = [])),
    responses((status = 200, description = "rejected", body = Approval), Common, JsonBody, Denied, Missing, Conflict)
)]
#[post("/approvals/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<Rejection>,
) -> ApiResult<web::Json<Approval>> {
    let act = principal.authorize(&state, Action::DecideApproval).await?;
    let me = platform_admin(&act)?;
    let mut check = crate::domain::Check::new();
    let reason = check.text("reason", &body.reason, 1, 2000);
    check.finish()?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let approval = conn
        .transaction(async |c| {
            let row = store::lock_approval(c, id).await?.ok_or(ApiError::NotFound)?;
            pending(&row, Utc::now())?;
            let decided = store::decide_approval(c, id, false, me, reason.as_deref(), None).await?;
            act.on("approval", id)
                .details(serde_json::json!({"action": row.action, "requested_by": row.requested_by, "rejected_by": me}))
                .write(c)
                .await?;
            Ok::<_, ApiError>(Approval::of(decided, Utc::now()))
        })
        .await?;
    Ok(web::Json(approval))
}

fn pending(row: &crate::access::four_eyes::ApprovalRow, now: chrono::DateTime<Utc>) -> ApiResult<()> {
    match row.status_at(now) {
        ApprovalStatus::Pending => Ok(()),
        other => Err(ApiError::Conflict(format!("this change is {other}; only a pending one is decided"))),
    }
}
