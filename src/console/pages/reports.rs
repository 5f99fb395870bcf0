//! Reports in the console: the list the caller may see, with the API's filters and keyset
//! paging (`reports::service::query`, audited as the API's search, with the current case's
//! purpose or the form's where the caller's kind owes one), and a report's page with its
//! indicators (`reports::service::read`: 404 for a report the caller may not see).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::defang;
use crate::domain::{Category, ReportId, Tlp};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::reports::model::{Report, ReportQuery, ReportStatus};
use crate::reports::service;

/// The TLP of a report as its badge shows it: (class, label).
pub fn tlp_badge(tlp: Tlp) -> (String, String) {
    (tlp.as_str().replace('_', "-"), format!("TLP:{}", tlp.as_str().replace('_', "+").to_uppercase()))
}

struct Row {
    id: ReportId,
    reference: String,
    title: String,
    category: String,
    tlp: (String, String),
    reporter: String,
    created: String,
    indicators: usize,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ListPage {
    t: Tr,
    chrome: Chrome,
    q: String,
    categories: Vec<(String, String, bool)>,
    tlps: Vec<(String, String, bool)>,
    statuses: Vec<(String, String, bool)>,
    ask_purpose: bool,
    owed: bool,
    reasons: Vec<(String, String, bool)>,
    case_reference: String,
    rows: Vec<Row>,
    /// The query string of the next page, when there is one.
    next: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Clone, Default)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    tlp: Option<String>,
    status: Option<String>,
    purpose: Option<String>,
    case_reference: Option<String>,
    cursor: Option<String>,
    /// The session's token: a search with filters or a purpose runs only from the console's
    /// own form or links (one from elsewhere fills the form).
    csrf: Option<String>,
}

fn choices<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
    chosen: &Option<String>,
) -> Vec<(String, String, bool)> {
    all.iter().map(|x| (value(*x).to_string(), label(*x), chosen.as_deref() == Some(value(*x)))).collect()
}

#[get("/reports")]
pub async fn list_page(v: Visitor, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let owed = v.state.purpose_policy.requires(v.session.principal.org_kind);
    let purpose = super::case::purpose_of(&v, &q.purpose, &q.case_reference);
    let none = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let mut page = ListPage {
        t,
        chrome: v.chrome("reports"),
        q: q.q.clone().unwrap_or_default(),
        categories: choices(
            Category::ALL,
            |c| c.as_str(),
            |c| t.get(&format!("report-category-{}", c.as_str())),
            &q.category,
        ),
        tlps: choices(Tlp::ALL, |x| x.as_str(), |x| tlp_badge(x).1, &q.tlp),
        statuses: choices(
            ReportStatus::ALL,
            |x| x.as_str(),
            |x| t.get(&format!("report-status-{}", x.as_str())),
            &q.status,
        ),
        ask_purpose: v.session.case.is_none(),
        owed,
        reasons: super::case::reasons(&t, purpose.purpose.as_deref().unwrap_or("")),
        case_reference: purpose.case_reference.clone().unwrap_or_default(),
        rows: Vec::new(),
        next: None,
        error: None,
    };
    let asked = [&q.q, &q.category, &q.tlp, &q.status, &q.purpose, &q.case_reference, &q.cursor]
        .iter()
        .any(|x| x.as_deref().is_some_and(|s| !s.trim().is_empty()));
    let from_the_form = q.csrf.as_deref().is_some_and(|c| v.check_csrf(c).is_ok());
    // Whoever owes a purpose sees the form first, not a refusal; a link from elsewhere fills it.
    if (owed && purpose.purpose.as_deref().is_none_or(str::is_empty)) || (asked && !from_the_form) {
        return site::page(&page);
    }
    let act = match super::case::searching(&v, Action::QueryReports, &purpose).await? {
        Ok(act) => act,
        Err(message) => {
            page.error = Some(message);
            return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let query = ReportQuery {
        q: none(&q.q),
        category: none(&q.category),
        status: none(&q.status),
        tlp: none(&q.tlp),
        limit: Some(50),
        cursor: none(&q.cursor),
        ..ReportQuery::default()
    };
    let mut shown = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", &query.q), ("category", &query.category), ("status", &query.status), ("tlp", &query.tlp)] {
        if let Some(v) = v {
            shown.append_pair(k, v);
        }
    }
    let result = match service::query(&v.state, &act, &query, &shown.finish(), ReadAfter::default()).await {
        Ok(result) => result,
        Err(ApiError::Validation(errors)) => {
            page.error =
                Some(errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "));
            return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e),
    };
    page.rows = result
        .items
        .into_iter()
        .map(|r| Row {
            id: r.id,
            reference: r.reference,
            title: r.title,
            category: t.get(&format!("report-category-{}", r.category.as_str())),
            tlp: tlp_badge(r.tlp),
            reporter: r.reporter.name,
            created: t.when(&r.created_at),
            indicators: r.indicators.len(),
        })
        .collect();
    page.next = result.next_cursor.map(|cursor| {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &q.q),
            ("category", &q.category),
            ("status", &q.status),
            ("tlp", &q.tlp),
            ("purpose", &q.purpose),
            ("case_reference", &q.case_reference),
        ] {
            if let Some(v) = none(v) {
                next.append_pair(k, &v);
            }
        }
        next.append_pair("cursor", &cursor).append_pair("csrf", &v.session.csrf);
        next.finish()
    });
    site::page(&page)
}

/// An indicator of a report, in words.
struct IndicatorLine {
    type_label: String,
    value: String,
    confidence: i16,
    valid_until: String,
    stale: bool,
    withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "console/report.html")]
struct ReportPage {
    t: Tr,
    chrome: Chrome,
    r: Report,
    tlp: (String, String),
    category: String,
    status: String,
    loss: String,
    first_seen: String,
    last_seen: String,
    indicators: Vec<IndicatorLine>,
}

#[get("/reports/{id}")]
pub async fn read_page(v: Visitor, id: web::Path<ReportId>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let act = v.authorize(Action::ReadReport).await?;
    let r = service::read(&v.state, &act, id.into_inner(), serde_json::json!({})).await?;
    let indicators = r
        .indicators
        .iter()
        .map(|i| IndicatorLine {
            type_label: t.get(&format!("indicator-{}", i.type_.as_str())),
            value: defang(&i.value),
            confidence: i.confidence,
            valid_until: t.when(&i.valid_until),
            stale: i.stale,
            withdrawn: i.withdrawn.as_ref().map(|w| format!("{} · {}", t.when(&w.at), w.reason)),
        })
        .collect();
    site::page(&ReportPage {
        t,
        chrome: v.chrome("reports"),
        tlp: tlp_badge(r.tlp),
        category: t.get(&format!("report-category-{}", r.category.as_str())),
        status: t.get(&format!("report-status-{}", r.status.as_str())),
        loss: r.loss.as_ref().map(|m| t.money(m)).unwrap_or_else(|| "—".into()),
        first_seen: t.when_opt(&r.first_seen),
        last_seen: t.when_opt(&r.last_seen),
        indicators,
        r,
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(read_page);
}
