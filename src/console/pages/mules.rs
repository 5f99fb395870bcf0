//! Mule accounts in the console: the accounts flagged by alerts of two or more banks that the
//! caller may see (`alerts::mules::list`: the public sector all; a bank those it holds or
//! alerted on), and an account's page with its latest contest and the caller's part in it: the
//! holding bank contests the flag, each bank asked answers before the deadline
//! (`alerts::mules::contest`, `answer`, as the API). A bank reads its own answer and the others
//! only counted.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::requests::names;
use crate::access::Action;
use crate::alerts::contest::{AnswerBody, ContestBody, ContestStatus, MuleContest};
use crate::alerts::model::MuleAccount;
use crate::alerts::mules;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{OrgId, OrgKind, Permission};
use crate::kernel::error::{ApiError, ApiResult};

/// An account as a row of the list.
struct Row {
    iban: String,
    banks: i64,
    alerts: i64,
    holder: String,
    last: String,
    state: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "console/mules.html")]
struct ListPage {
    t: Tr,
    chrome: Chrome,
    rows: Vec<Row>,
}

fn holder_name(names: &HashMap<OrgId, (String, OrgKind)>, id: Option<OrgId>) -> String {
    id.and_then(|id| names.get(&id)).map(|n| n.0.clone()).unwrap_or_else(|| "—".to_string())
}

/// Where an account stands, in words: flagged, contested (until when), or the contest's end.
fn state_of(t: &Tr, m: &MuleAccount) -> (String, String) {
    match &m.contest {
        Some(c) if c.status == ContestStatus::Open => (t.get("mule-contested"), t.when(&c.deadline)),
        Some(c) => (t.get(&format!("mule-contest-{}", c.status.as_str())), String::new()),
        None if m.flagged => (t.get("mule-flagged"), String::new()),
        None => (t.get("mule-not-flagged"), String::new()),
    }
}

#[get("/mules")]
pub async fn list_page(v: Visitor) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let act = v.authorize(Action::ListMuleAccounts).await?;
    let list = mules::list(&v.state, &act).await?;
    let names = names(&v).await?;
    let rows = list
        .items
        .iter()
        .map(|m| {
            let (state, deadline) = state_of(&t, m);
            Row {
                iban: m.iban.clone(),
                banks: m.sending_banks,
                alerts: m.alerts,
                holder: holder_name(&names, m.holder_id),
                last: m.last_alert_at.as_ref().map(|at| t.when(at)).unwrap_or_default(),
                state,
                deadline,
            }
        })
        .collect();
    site::page(&ListPage { t, chrome: v.chrome("alerts"), rows })
}

/// An answer of a contest, in words.
struct AnswerLine {
    bank: String,
    decision: String,
    reason: String,
    at: String,
}

#[derive(Template)]
#[template(path = "console/mule.html")]
struct AccountPage {
    t: Tr,
    chrome: Chrome,
    m: MuleAccount,
    holder: String,
    first: String,
    last: String,
    state: String,
    deadline: String,
    answers: Vec<AnswerLine>,
    contested_at: String,
    /// How the banks asked stand, counted.
    tally: String,
    /// The caller holds the account, it is flagged, and no contest is open: the contest form.
    may_contest: bool,
    /// The caller's bank was asked and has not answered: the answer form.
    may_answer: bool,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
}

async fn account_page(
    v: &Visitor,
    iban: &str,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
) -> ApiResult<AccountPage> {
    let t = v.tr;
    let act = v.authorize(Action::ListMuleAccounts).await?;
    let m = mules::read(&v.state, &act, iban).await?;
    let names = names(v).await?;
    let me = v.session.principal.org_id;
    let desk = v.session.principal.can(Permission::PostAlerts);
    let open: Option<&MuleContest> = m.contest.as_ref().filter(|c| c.status == ContestStatus::Open);
    let (state, deadline) = state_of(&t, &m);
    let answers = m
        .contest
        .iter()
        .flat_map(|c| c.answers.iter())
        .map(|a| AnswerLine {
            bank: holder_name(&names, Some(a.organization_id)),
            decision: a
                .decision
                .map(|d| t.get(&format!("mule-answer-{}", d.as_str())))
                .unwrap_or_else(|| t.get("mule-answer-pending")),
            reason: a.reason.clone().unwrap_or_default(),
            at: a.answered_at.as_ref().map(|at| t.when(at)).unwrap_or_default(),
        })
        .collect();
    let contested_at = m.contest.as_ref().map(|c| t.when(&c.contested_at)).unwrap_or_default();
    let tally = m
        .contest
        .as_ref()
        .map(|c| {
            let n = &c.tally;
            t.args(
                "mule-tally-text",
                &[
                    ("asked", n.asked.to_string()),
                    ("confirmed", n.confirmed.to_string()),
                    ("withdrawn", n.withdrawn.to_string()),
                    ("lapsed", n.lapsed.to_string()),
                    ("pending", n.pending.to_string()),
                ],
            )
        })
        .unwrap_or_default();
    Ok(AccountPage {
        contested_at,
        tally,
        t,
        chrome: v.chrome("alerts"),
        holder: holder_name(&names, m.holder_id),
        first: m.first_alert_at.as_ref().map(|at| t.when(at)).unwrap_or_default(),
        last: m.last_alert_at.as_ref().map(|at| t.when(at)).unwrap_or_default(),
        may_contest: desk && m.flagged && m.holder_id == Some(me) && open.is_none(),
        may_answer: desk
            && open.is_some_and(|c| c.answers.iter().any(|a| a.organization_id == me && a.decision.is_none())),
        state,
        deadline,
        answers,
        m,
        notice,
        errors,
        f,
    })
}

#[get("/mules/{iban}")]
pub async fn read_page(v: Visitor, iban: web::Path<String>, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&account_page(&v, &iban, notice, Vec::new(), Fields(Vec::new())).await?)
}

/// The holding bank contests the flag (`contest`), or a bank asked answers (`answer`).
#[post("/mules/{iban}")]
pub async fn contest_form(v: Visitor, iban: web::Path<String>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let result = if f.get("form") == "answer" {
        let act = v.authorize(Action::AnswerMuleContest).await?;
        let body = AnswerBody { decision: f.get("decision"), reason: f.opt("reason") };
        mules::answer(&v.state, &act, &iban, &body).await.map(|_| "contest_answered")
    } else {
        let act = v.authorize(Action::ContestMuleFlag).await?;
        mules::contest(&v.state, &act, &iban, &ContestBody { reason: f.get("reason") }).await.map(|_| "contested")
    };
    match result {
        Ok(done) => {
            // The account as kept (the service parsed it): never the path as typed.
            let canonical = crate::domain::Iban::parse(&iban).map_err(|e| ApiError::field("iban", e))?;
            Ok(site::see(&format!("/console/mules/{}?done={done}", canonical.as_str())))
        }
        Err(ApiError::Validation(list)) => {
            let label = |field: &str| match field {
                "reason" => t.get("mule-reason"),
                "decision" => t.get("mule-decision"),
                other => other.to_string(),
            };
            let errors = list.into_iter().map(|e| (label(&e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&v, &iban, None, errors, f).await?)
        }
        Err(ApiError::Conflict(message)) => {
            let errors = vec![(t.get("mule-contest"), message)];
            site::page_with(StatusCode::CONFLICT, &account_page(&v, &iban, None, errors, f).await?)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(read_page).service(contest_form);
}
