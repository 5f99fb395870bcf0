use actix_web::{get, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::{Check, OrgKind};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::pagination;
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing};
use crate::kernel::AppState;

fn text(check: &mut Check, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        check.add(field, format!("from 1 to {max} printable characters"));
    }
    v.to_string()
}

/// Law enforcement and prosecution put an object of their case under a legal hold: a report
/// they may see, a fraud alert's trace, or a data request they issued or validate. It is then
/// kept past its retention period until they lift the hold. Audited.
#[utoipa::path(
    tag = "data-protection",
    request_body = CreateHold,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the hold", body = LegalHold), Common, JsonBody, Denied)
)]
#[post("/legal-holds")]
pub async fn create_legal_hold(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateHold>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::CreateLegalHold).await?;
    if !matches!(act.org_kind, OrgKind::LawEnforcement | OrgKind::Prosecution) {
        return Err(act.refuse(&state, "legal_hold", "new", "law enforcement and prosecution set legal holds").await);
    }
    let mut check = Check::new();
    let object = check.take("object_type", body.object_type.parse::<HoldObject>());
    let case_reference = text(&mut check, "case_reference", &body.case_reference, 100);
    let reason = text(&mut check, "reason", &body.reason, 1000);
    check.finish()?;
    let object = object.ok_or_else(|| ApiError::internal("checked"))?;
    let mut conn = state.pool.get().await?;
    let row = HoldRow {
        id: Uuid::now_v7(),
        object_type: object,
        object_id: body.object_id,
        organization_id: act.org_id,
        case_reference,
        reason,
        created_by: Some(act.actor_id()),
        created_at: chrono::Utc::now(),
        lifted_at: None,
        lifted_by: None,
        lift_reason: None,
    };
    let viewer = act.viewer();
    let hold = conn
        .transaction(async |c| {
            if !store::lock_holdable(c, &viewer, object, body.object_id).await? {
                return Err(ApiError::field("object_id", format!("no such {object} of yours to hold")));
            }
            let hold = store::insert(c, &row).await?;
            let details = serde_json::json!({"object_type": object, "object_id": body.object_id, "case_reference": hold.case_reference});
            act.on("legal_hold", hold.id).details(details).write(c).await?;
            Ok::<_, ApiError>(hold)
        })
        .await?;
    Ok(HttpResponse::Created().json(LegalHold::from(hold)))
}

/// Your organisation's legal holds, newest first; regulators and platform admins see all.
#[utoipa::path(
    tag = "data-protection",
    params(HoldQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "legal holds", body = HoldPage), Common, Denied)
)]
#[get("/legal-holds")]
pub async fn list_legal_holds(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<HoldQuery>,
) -> ApiResult<web::Json<HoldPage>> {
    let act = principal.authorize(&state, Action::ListLegalHolds).await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<Uuid> = pagination::decode(q.cursor.as_deref())?;
    let object = q
        .object_type
        .as_deref()
        .map(str::parse::<HoldObject>)
        .transpose()
        .map_err(|e| ApiError::field("object_type", e))?;
    let org = if act.reads_all_audit() { None } else { Some(act.org_id) };
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, org, Some((object, q.object_id)), q.active, before, limit).await?;
    act.record_read(&state, None, serde_json::json!({"rows": rows.len().min(limit as usize)}));
    let (rows, next_cursor) = pagination::page(rows, limit, |r| r.id);
    Ok(web::Json(HoldPage { items: rows.into_iter().map(LegalHold::from).collect(), next_cursor }))
}

/// Lifts a hold of your organisation, with a reason (the object's retention period applies
/// again): its creator or an org_admin. Another organisation's hold: 404. Lifting twice: 409.
#[utoipa::path(
    tag = "data-protection",
    params(("id" = Uuid, Path)),
    request_body = LiftHold,
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "lifted", body = LegalHold),
        Common, JsonBody, Denied, Missing, Conflict,
    )
)]
#[post("/legal-holds/{id}/lift")]
pub async fn lift_legal_hold(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<LiftHold>,
) -> ApiResult<web::Json<LegalHold>> {
    let act = principal.authorize(&state, Action::LiftLegalHold).await?;
    let id = id.into_inner();
    let mut check = Check::new();
    let reason = text(&mut check, "reason", &body.reason, 1000);
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let Some(hold) = store::lock_own(&mut conn, act.org_id, id).await? else {
        return Err(act.hide(&state, "legal_hold", id).await);
    };
    let own = hold.created_by == Some(act.actor_id());
    let org_admin = act.is_user() && act.role == crate::domain::Role::OrgAdmin;
    if !(own || org_admin) {
        return Err(act.refuse(&state, "legal_hold", id, "a hold is lifted by whoever set it or an org_admin").await);
    }
    let lifted = conn
        .transaction(async |c| {
            let Some(hold) = store::lock_own(c, act.org_id, id).await? else { return Ok(None) };
            if hold.lifted_at.is_some() {
                return Err(ApiError::Conflict("the hold is already lifted".into()));
            }
            let hold = store::lift(c, id, Some(act.actor_id()), &reason).await?;
            let details =
                serde_json::json!({"object_type": hold.object_type, "object_id": hold.object_id, "reason": reason});
            act.on("legal_hold", id).details(details).write(c).await?;
            Ok::<_, ApiError>(Some(hold))
        })
        .await?;
    match lifted {
        Some(hold) => Ok(web::Json(LegalHold::from(hold))),
        None => Err(act.hide(&state, "legal_hold", id).await),
    }
}
