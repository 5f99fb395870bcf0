//! The look-up: one field that takes any value (an IBAN, IP, domain, URL, e-mail, phone,
//! wallet, hash, ...), its type recognised (`domain::indicator::recognise`) or chosen, looked
//! up in the reports the caller may see (`indicators::service::lookup`, audited as the API's),
//! with the purpose of the current case where the caller's kind owes one. A sighting or a
//! false positive is recorded from the answer (`indicators::service::record_sighting`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::{defang, Fields};
use crate::domain::indicator::{normalize, recognise};
use crate::domain::IndicatorType;
use crate::indicators::model::{LookupHit, LookupResult, SightingInput};
use crate::indicators::service;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;

/// A report naming the value, in words.
struct ReportLine {
    id: crate::domain::ReportId,
    tlp: String,
    tlp_label: String,
    category: String,
    confidence: i16,
    valid_until: String,
    stale: bool,
}

/// The answer, in words.
struct Answer {
    type_: String,
    type_label: String,
    /// As the platform stores it (for the sighting form).
    value: String,
    /// Defanged, for reading.
    shown: String,
    seen: bool,
    stale: bool,
    confidence: Option<i16>,
    disputed: bool,
    reports: Vec<ReportLine>,
    sightings: String,
    own: Option<String>,
}

#[derive(Template)]
#[template(path = "console/lookup.html")]
struct LookupPage {
    t: Tr,
    chrome: Chrome,
    value: String,
    /// (value, label, chosen) of each type, after "recognise".
    types: Vec<(String, String, bool)>,
    /// The caller states a purpose here (no current case); `owed`: its kind must.
    ask_purpose: bool,
    owed: bool,
    reasons: Vec<(String, String, bool)>,
    /// The purpose the search states (the sighting form carries it back).
    purpose: String,
    case_reference: String,
    error: Option<String>,
    answer: Option<Answer>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LookupQuery {
    value: Option<String>,
    r#type: Option<String>,
    purpose: Option<String>,
    case_reference: Option<String>,
    done: Option<String>,
    /// The session's token: only a search sent from the console's own form runs (a link from
    /// elsewhere fills the form, it does not search under a purpose someone else chose).
    csrf: Option<String>,
}

/// The value as typed, recognised or read as the type chosen; the message why not.
fn typed(t: &Tr, value: &str, chosen: &str) -> Result<(IndicatorType, String), String> {
    match chosen.parse::<IndicatorType>() {
        Ok(kind) => normalize(kind, value).map(|v| (kind, v)),
        Err(_) => recognise(value).ok_or_else(|| t.get("lookup-unrecognised")),
    }
}

fn answer(t: &Tr, hit: LookupHit) -> Answer {
    let s = &hit.sightings;
    let sightings =
        t.args2("lookup-sightings", ("seen", &t.number(s.seen)), ("false", &t.number(s.false_positive_organizations)));
    Answer {
        type_: hit.type_.as_str().to_string(),
        type_label: t.get(&format!("indicator-{}", hit.type_.as_str())),
        shown: defang(&hit.value),
        value: hit.value,
        seen: hit.seen,
        stale: hit.stale,
        confidence: hit.confidence,
        disputed: hit.disputed,
        reports: hit
            .reports
            .into_iter()
            .map(|r| ReportLine {
                id: r.id,
                tlp: super::reports::tlp_badge(r.tlp).0,
                tlp_label: super::reports::tlp_badge(r.tlp).1,
                category: t.get(&format!("report-category-{}", r.category.as_str())),
                confidence: r.confidence,
                valid_until: t.when(&r.valid_until),
                stale: r.stale,
            })
            .collect(),
        sightings,
        own: hit.own_latest_sighting.map(|o| {
            t.args2(
                "lookup-own",
                ("kind", &t.get(&format!("sighting-{}", o.kind.as_str()))),
                ("at", &t.when(&o.created_at)),
            )
        }),
    }
}

#[get("/lookup")]
pub async fn lookup_page(v: Visitor, q: web::Query<LookupQuery>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let value = q.value.clone().unwrap_or_default();
    let chosen = q.r#type.clone().unwrap_or_default();
    let owed = v.state.purpose_policy.requires(v.session.principal.org_kind);
    // The current case's purpose, else what the form states.
    let purpose = super::case::purpose_of(&v, &q.purpose, &q.case_reference);
    let mut page = LookupPage {
        t,
        chrome: v.chrome("lookup"),
        types: IndicatorType::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), t.get(&format!("indicator-{}", k.as_str())), k.as_str() == chosen))
            .collect(),
        ask_purpose: v.session.case.is_none(),
        owed,
        reasons: super::case::reasons(&t, purpose.purpose.as_deref().unwrap_or("")),
        purpose: purpose.purpose.clone().unwrap_or_default(),
        case_reference: purpose.case_reference.clone().unwrap_or_default(),
        value: value.clone(),
        error: None,
        answer: None,
        notice: site::done_notice(&t, q.done.as_deref()),
    };
    let from_the_form = q.csrf.as_deref().is_some_and(|c| v.check_csrf(c).is_ok());
    if value.trim().is_empty() || !from_the_form {
        return site::page(&page);
    }
    let item = match typed(&t, &value, &chosen) {
        Ok(item) => item,
        Err(message) => {
            page.error = Some(message);
            return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let act = match super::case::searching(&v, Action::LookupIndicators, &purpose).await? {
        Ok(act) => act,
        Err(message) => {
            page.error = Some(message);
            return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match service::lookup(&v.state, &act, item, ReadAfter::default()).await? {
        LookupResult::Hit(hit) => page.answer = Some(answer(&t, hit)),
        LookupResult::Failure(f) => page.error = Some(f.error),
    }
    site::page(&page)
}

/// A sighting (`seen`) or a false positive of a value the person looked up; back to its answer.
#[post("/lookup/sightings")]
pub async fn sighting(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let kind = f.get("type").parse::<IndicatorType>().map_err(|e| ApiError::field("type", e))?;
    let purpose = (f.get("purpose"), f.get("case_reference"));
    let value = normalize(kind, &f.get("value")).map_err(|e| ApiError::field("value", e))?;
    let input = SightingInput {
        kind: f.get("kind"),
        source: None,
        count: None,
        first_seen: None,
        last_seen: None,
        note: f.opt("note"),
    };
    let act = v.authorize(Action::RecordSighting).await?;
    service::record_sighting(&v.state, &act, (kind, value.clone()), &input).await?;
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    // Back to the answer, searched again under the same purpose.
    back.append_pair("type", kind.as_str())
        .append_pair("value", &value)
        .append_pair("purpose", &purpose.0)
        .append_pair("case_reference", &purpose.1)
        .append_pair("csrf", &v.session.csrf)
        .append_pair("done", "sighting");
    Ok(site::see(&format!("/console/lookup?{}", back.finish())))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(lookup_page).service(sighting);
}
