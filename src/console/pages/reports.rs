//! Reports in the console: the list the caller may see, with the API's filters and keyset
//! paging (`reports::service::query`, audited as the API's search, with the current case's
//! purpose or the form's where the caller's kind owes one), and a report's page with its
//! indicators (`reports::service::read`: 404 for a report the caller may not see).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::{defang, Fields};
use crate::domain::{Category, IndicatorType, ReportId, Tlp};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::etag::IfMatch;
use crate::reports::model::{CorrectIndicator, Report, ReportQuery, ReportStatus, WithdrawIndicator};
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
    /// The query string of the downloads of this filter, once it ran.
    export: Option<String>,
    may_create: bool,
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
        export: None,
        may_create: v.session.principal.can(crate::domain::Permission::SubmitReports),
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
    let query = q.api_query();
    let result = match service::query(&v.state, &act, &query, &shown(&query), ReadAfter::default()).await {
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
    page.export = Some(q.export_query(&v.session.csrf));
    site::page(&page)
}

impl ListQuery {
    /// The API's query of this filter (50 a page).
    fn api_query(&self) -> ReportQuery {
        let none = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        ReportQuery {
            q: none(&self.q),
            category: none(&self.category),
            status: none(&self.status),
            tlp: none(&self.tlp),
            limit: Some(50),
            cursor: none(&self.cursor),
            ..ReportQuery::default()
        }
    }

    /// The query string of a download of this filter (every page), with the session's token.
    fn export_query(&self, csrf: &str) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("category", &self.category),
            ("status", &self.status),
            ("tlp", &self.tlp),
            ("purpose", &self.purpose),
            ("case_reference", &self.case_reference),
        ] {
            if let Some(v) = v.as_deref().filter(|s| !s.trim().is_empty()) {
                out.append_pair(k, v);
            }
        }
        out.append_pair("csrf", csrf);
        out.finish()
    }
}

/// The query as the audit row records it (the API's parameters the filter set).
fn shown(query: &ReportQuery) -> String {
    let mut shown = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", &query.q), ("category", &query.category), ("status", &query.status), ("tlp", &query.tlp)] {
        if let Some(v) = v {
            shown.append_pair(k, v);
        }
    }
    shown.finish()
}

/// Every report of the list's filter as CSV or one STIX 2.1 bundle, streamed: the API's export
/// (`ExportReports`, audited with its format), from the console's own link only (the
/// session's token), under the same purpose as the list.
#[get("/reports/export.{format}")]
pub async fn export(v: Visitor, format: web::Path<String>, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    let stix = match format.as_str() {
        "csv" => false,
        "stix" => true,
        _ => return Err(ApiError::NotFound),
    };
    v.check_csrf(q.csrf.as_deref().unwrap_or_default())?;
    let purpose = super::case::purpose_of(&v, &q.purpose, &q.case_reference);
    let act = match super::case::searching(&v, Action::ExportReports, &purpose).await? {
        Ok(act) => act,
        Err(message) => return Err(ApiError::field("purpose", message)),
    };
    let query = ReportQuery { limit: None, cursor: None, ..q.api_query() };
    let text = shown(&query);
    let state = v.state.clone().into_inner();
    if stix {
        let pages = crate::stix::service::export(state, &act, &query, &text, ReadAfter::default()).await?;
        return Ok(HttpResponse::Ok()
            .content_type(crate::stix::STIX_MEDIA_TYPE)
            .insert_header(("Content-Disposition", "attachment; filename=\"reports.stix.json\""))
            .streaming(futures_util::TryStreamExt::map_ok(pages, web::Bytes::from)));
    }
    let render = |reports: &[Report], first| crate::reports::csv::render(reports, first).map_err(ApiError::internal);
    let rendering = service::Rendering { render, trailer: None, format: None };
    let pages = service::export(state, &act, &query, &text, ReadAfter::default(), rendering).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"reports.csv\""))
        .streaming(futures_util::TryStreamExt::map_ok(pages, web::Bytes::from)))
}

/// An indicator of a report, in words.
struct IndicatorLine {
    type_label: String,
    /// The type and the value as kept (the withdraw and correct forms name them).
    kind: String,
    raw: String,
    /// Its withdraw or correct form failed: shown open, as typed.
    open: bool,
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
    /// The caller's organisation reported it: each value may be withdrawn or corrected.
    mine: bool,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    /// The fields of the failed withdraw or correct form, as typed.
    f: Fields,
}

async fn report_page(
    v: &Visitor,
    id: ReportId,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    failed: Option<(String, String)>,
    f: Fields,
) -> ApiResult<ReportPage> {
    let t = v.tr;
    let act = v.authorize(Action::ReadReport).await?;
    let r = service::read(&v.state, &act, id, serde_json::json!({})).await?;
    let indicators = r
        .indicators
        .iter()
        .map(|i| IndicatorLine {
            type_label: t.get(&format!("indicator-{}", i.type_.as_str())),
            kind: i.type_.as_str().to_string(),
            raw: i.value.clone(),
            open: failed.as_ref().is_some_and(|(k, x)| k == i.type_.as_str() && *x == i.value),
            value: defang(&i.value),
            confidence: i.confidence,
            valid_until: t.when(&i.valid_until),
            stale: i.stale,
            withdrawn: i.withdrawn.as_ref().map(|w| format!("{} · {}", t.when(&w.at), w.reason)),
        })
        .collect();
    Ok(ReportPage {
        t,
        chrome: v.chrome("reports"),
        mine: r.reporter.organization_id == Some(v.session.principal.org_id),
        notice,
        errors,
        f,
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

#[get("/reports/{id}")]
pub async fn read_page(v: Visitor, id: web::Path<ReportId>, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&report_page(&v, id.into_inner(), notice, Vec::new(), None, Fields(Vec::new())).await?)
}

/// The reporter withdraws one of its values with a reason, or corrects it (a new value given):
/// `reports::service::withdraw` or `correct`, at the version the page was drawn at.
#[post("/reports/{id}/indicators")]
pub async fn rectify_form(v: Visitor, id: web::Path<ReportId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let t = v.tr;
    let target = (f.get("type"), f.get("value"));
    let Ok(kind) = target.0.parse::<IndicatorType>() else { return Err(ApiError::NotFound) };
    let Ok(version) = f.get("version").parse::<i32>() else {
        let errors = vec![(t.get("report-rectify"), t.get("alert-reload"))];
        let page = report_page(&v, id, None, errors, Some(target), f).await?;
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let reason = f.get("reason");
    // The button pressed decides: a correction without its value is refused, never read as a
    // withdrawal.
    let correcting = f.get("action") == "correct";
    if correcting && f.opt("new_value").is_none() {
        let errors = vec![(t.get("report-correct-value"), t.get("report-correct-missing"))];
        let page = report_page(&v, id, None, errors, Some(target), f).await?;
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let done = if correcting { "corrected" } else { "withdrawn" };
    let result = match f.opt("new_value").filter(|_| correcting) {
        Some(value) => {
            let act = v.authorize(Action::CorrectIndicator).await?;
            let body = CorrectIndicator { type_: None, value, reason, role: None, confidence: None, valid_until: None };
            service::correct(&v.state, &act, id, IfMatch(Some(version)), (kind, target.1.clone()), &body).await
        }
        None => {
            let act = v.authorize(Action::WithdrawIndicator).await?;
            let body = WithdrawIndicator { reason };
            service::withdraw(&v.state, &act, id, IfMatch(Some(version)), (kind, target.1.clone()), &body).await
        }
    };
    match result {
        Ok(_) => Ok(site::see(&format!("/console/reports/{id}?done={done}"))),
        Err(ApiError::Validation(list)) => {
            let label = |field: &str| match field {
                "reason" => t.get("report-reason"),
                "value" | "type" => t.get("report-correct-value"),
                other => other.to_string(),
            };
            let errors = list.into_iter().map(|e| (label(&e.field), e.message)).collect();
            let page = report_page(&v, id, None, errors, Some(target), f).await?;
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ApiError::PreconditionFailed(_)) => {
            let errors = vec![(t.get("report-rectify"), t.get("alert-reload"))];
            let page = report_page(&v, id, None, errors, Some(target), f).await?;
            site::page_with(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(export).service(read_page).service(rectify_form);
}
