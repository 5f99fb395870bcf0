//! One mule account, and contesting its flag.

use actix_web::{get, post, web, HttpResponse};
use diesel_async::AsyncConnection;

use super::traces::{mule_view, MuleAccount};
use crate::access::{Action, Grant, Principal};
use crate::alerts::contest::{self, AnswerBody, ContestAnswer, ContestBody, MuleContest};
use crate::alerts::rules::AlertViewer;
use crate::alerts::store::{self, Parties};
use crate::domain::{Check, Iban};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing};
use crate::kernel::AppState;

/// The IBAN of the path, and who its alerts involve; 404 unless the caller sees all alerts or
/// sent or received one naming it.
async fn account(state: &AppState, act: &Grant, conn: &mut Conn, raw: &str) -> ApiResult<(String, Parties)> {
    let iban = Iban::parse(raw).map_err(|e| ApiError::field("iban", e))?.into_string();
    let parties = store::parties_naming(conn, &iban).await?;
    let v = AlertViewer::of(act);
    if parties.senders.is_empty() || !(v.sees_all || parties.involves(act.org_id)) {
        return Err(act.hide(state, "mule_account", &iban).await);
    }
    Ok((iban, parties))
}

fn reason(check: &mut Check, value: Option<&str>, required: bool) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty());
    match v {
        None if required => check.add("reason", "is required (1 to 1,000 characters)"),
        Some(v) if v.chars().count() > 1000 => check.add("reason", "at most 1,000 characters"),
        _ => {}
    }
    v.map(str::to_string)
}

/// One account named as beneficiary by fraud alerts: its figures (withdrawn alerts do not
/// count), whether it is flagged, and its latest contest. The public sector sees every
/// account; a bank those its alerts sent or received name.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("iban" = String, Path)),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses((status = 200, description = "the account", body = MuleAccount), Common, Denied, Missing)
)]
#[get("/mule-accounts/{iban}")]
pub async fn get_mule_account(
    state: web::Data<AppState>,
    principal: Principal,
    iban: web::Path<String>,
) -> ApiResult<web::Json<MuleAccount>> {
    let act = principal.authorize(&state, Action::ListMuleAccounts).await?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(&state, &act, &mut conn, &iban).await?;
    let row = store::mule_account(&mut conn, &iban).await?;
    let reader = contest::ContestReader::of(&AlertViewer::of(&act));
    let contests = contest::latest(&mut conn, std::slice::from_ref(&iban), reader).await?;
    act.record_read(&state, Some(("mule_account", iban.clone())), serde_json::json!({}));
    Ok(web::Json(mule_view(iban, row, contests.into_iter().next().map(|(_, c)| c))))
}

/// The bank holding a flagged account contests the flag, with a reason: each bank whose alerts
/// flagged it is asked (`mule_flag.contested`) to confirm or withdraw within
/// `CYBERBRIDGE_CONTEST_DAYS` (silence counts as a withdrawal). 409 when the account is not
/// flagged or a contest is open.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("iban" = String, Path)),
    request_body = ContestBody,
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses((status = 201, description = "the contest", body = MuleContest), Common, JsonBody, Denied, Missing, Conflict)
)]
#[post("/mule-accounts/{iban}/contest")]
pub async fn contest_mule_flag(
    state: web::Data<AppState>,
    principal: Principal,
    iban: web::Path<String>,
    body: web::Json<ContestBody>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ContestMuleFlag).await?;
    let mut check = Check::new();
    let reason = reason(&mut check, Some(&body.reason), true).unwrap_or_default();
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(&state, &act, &mut conn, &iban).await?;
    // The holder as routed by the account's bank code (the latest alert's receiver), not any
    // bank an alert ever reached.
    let holder = store::mule_account(&mut conn, &iban).await?.and_then(|m| m.holder_id);
    if holder != Some(act.org_id) {
        return Err(act
            .refuse(&state, "mule_account", &iban, "only the bank holding the account contests its flag")
            .await);
    }
    let days = state.config.contest_days;
    let view = conn.transaction(async |c| contest::open(c, &act, &iban, &reason, days).await).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A bank whose alerts flagged the account answers the open contest: `confirm`, or `withdraw`
/// (its alerts stop counting towards the flag). The contest closes when every bank asked has
/// answered. 403 when you were not asked, 409 when you answered already or none is open.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("iban" = String, Path)),
    request_body = AnswerBody,
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses((status = 200, description = "the contest", body = MuleContest), Common, JsonBody, Denied, Missing, Conflict)
)]
#[post("/mule-accounts/{iban}/contest/answer")]
pub async fn answer_mule_contest(
    state: web::Data<AppState>,
    principal: Principal,
    iban: web::Path<String>,
    body: web::Json<AnswerBody>,
) -> ApiResult<web::Json<MuleContest>> {
    let act = principal.authorize(&state, Action::AnswerMuleContest).await?;
    let mut check = Check::new();
    let decision = check.take("decision", body.decision.parse::<ContestAnswer>());
    let reason = reason(&mut check, body.reason.as_deref(), false);
    check.finish()?;
    let decision = decision.ok_or_else(|| ApiError::internal("checked"))?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(&state, &act, &mut conn, &iban).await?;
    let view = conn.transaction(async |c| contest::answer(c, &act, &iban, decision, reason.as_deref()).await).await?;
    Ok(web::Json(view))
}
