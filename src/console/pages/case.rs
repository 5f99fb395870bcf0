//! The current case: a purpose and a case reference chosen once in the header, which the
//! console carries into its searches and requests (`auth::service::choose_case`). Where the
//! caller's kind owes a purpose for every search (`CYBERBRIDGE_PURPOSE_REQUIRED`), the header
//! asks for one.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::{Action, Grant};
use crate::auth::service;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{PurposeParams, PurposeReason};
use crate::kernel::error::{ApiError, ApiResult};

#[derive(Template)]
#[template(path = "console/case.html")]
struct CasePage {
    t: Tr,
    chrome: Chrome,
    /// (value, label, chosen) of each reason a person may give.
    reasons: Vec<(String, String, bool)>,
    case_reference: String,
    next: String,
    owed: bool,
    errors: Vec<(String, String)>,
}

/// The reasons a person gives for a search (a key's standing feed is not one).
pub fn reasons(t: &Tr, chosen: &str) -> Vec<(String, String, bool)> {
    PurposeReason::ALL
        .iter()
        .filter(|r| **r != PurposeReason::StandingFeed)
        .map(|r| (r.as_str().to_string(), t.get(&format!("purpose-{}", r.as_str())), r.as_str() == chosen))
        .collect()
}

fn case_page(
    v: &Visitor,
    reason: &str,
    case_reference: String,
    next: String,
    errors: Vec<(String, String)>,
) -> CasePage {
    let t = v.tr;
    CasePage {
        t,
        chrome: v.chrome("case").back_to(&next),
        reasons: reasons(&t, reason),
        case_reference,
        next,
        owed: v.state.purpose_policy.requires(v.session.principal.org_kind),
        errors,
    }
}

/// The purpose a search states: the current case's, else what the search form says.
pub fn purpose_of(v: &Visitor, purpose: &Option<String>, case_reference: &Option<String>) -> PurposeParams {
    match &v.session.case {
        Some(case) => PurposeParams {
            purpose: Some(case.reason.as_str().to_string()),
            case_reference: Some(case.case_reference.clone()),
        },
        None => PurposeParams { purpose: purpose.clone(), case_reference: case_reference.clone() },
    }
}

/// The grant of a search with its purpose, or what the page says of a purpose missing or wrong.
pub async fn searching(v: &Visitor, action: Action, purpose: &PurposeParams) -> ApiResult<Result<Grant, String>> {
    let t = v.tr;
    match v.authorize(action).await?.for_purpose(&v.state, purpose) {
        Ok(act) => Ok(Ok(act)),
        Err(ApiError::Validation(errors)) => {
            let label = |f: &str| if f == "purpose" { t.get("case-purpose") } else { t.get("col-case") };
            Ok(Err(errors.iter().map(|e| format!("{}: {}", label(&e.field), e.message)).collect::<Vec<_>>().join("; ")))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Back {
    next: Option<String>,
}

#[get("/case")]
pub async fn case_form(v: Visitor, q: web::Query<Back>) -> ApiResult<HttpResponse> {
    let (reason, reference) = match &v.session.case {
        Some(c) => (c.reason.as_str().to_string(), c.case_reference.clone()),
        None => (String::new(), String::new()),
    };
    site::page(&case_page(&v, &reason, reference, site::safe_next(q.next.as_deref()), Vec::new()))
}

/// Sets the current case, or clears it (`clear`), and goes back where the person was.
#[post("/case")]
pub async fn choose(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let next = site::safe_next(f.opt("next").as_deref());
    let clear = f.opt("clear").is_some();
    let params = if clear {
        PurposeParams::default()
    } else {
        PurposeParams { purpose: Some(f.get("purpose")), case_reference: Some(f.get("case_reference")) }
    };
    let act = v.authorize(Action::UpdatePreferences).await?;
    match service::choose_case(&v.state, &act, &params).await {
        Ok(_) => Ok(site::see(&next)),
        Err(ApiError::Validation(errors)) => {
            let t = v.tr;
            let errors = errors
                .into_iter()
                .map(|e| {
                    let label = if e.field == "purpose" { t.get("case-purpose") } else { t.get("col-case") };
                    (label, e.message)
                })
                .collect();
            let page = case_page(&v, &f.get("purpose"), f.get("case_reference"), next, errors);
            site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(case_form).service(choose);
}
