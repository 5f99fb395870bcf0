//! One mule account, and contesting its flag.

use actix_web::{get, post, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::alerts::contest::{AnswerBody, ContestBody, MuleContest};
use crate::alerts::model::MuleAccount;
use crate::alerts::mules;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody, Missing};
use crate::kernel::AppState;

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
    Ok(web::Json(mules::read(&state, &act, &iban).await?))
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
    Ok(HttpResponse::Created().json(mules::contest(&state, &act, &iban, &body).await?))
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
    Ok(web::Json(mules::answer(&state, &act, &iban, &body).await?))
}
