//! The fraud desk: alerts received and sent (the public sector: all), an alert's page with
//! its outcomes and, for the receiving bank, the outcome form (frozen, returned, moved on with
//! the onward transfers, account unknown, no action); a new alert sent by hand. Every page
//! calls `alerts::service` as the JSON API does; amounts are read in the alert's currency.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::requests::names;
use crate::access::Action;
use crate::alerts::model::*;
use crate::alerts::service;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::money::MoneyInput;
use crate::domain::payment::PaymentId;
use crate::domain::{AlertId, Category, Currency, OrgId, OrgKind, Permission};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::idempotency::Idempotent;

fn name_of(names: &HashMap<OrgId, (String, OrgKind)>, id: Option<OrgId>) -> String {
    id.and_then(|id| names.get(&id)).map(|n| n.0.clone()).unwrap_or_else(|| "—".to_string())
}

/// An account in words: its IBAN, or its number, or a dash.
fn account(a: &Account) -> String {
    a.iban.clone().or_else(|| a.bank_account.clone()).unwrap_or_else(|| "—".to_string())
}

/// A row of a box.
struct Row {
    id: AlertId,
    at: String,
    status: String,
    status_label: String,
    from: String,
    to: String,
    amount: String,
    beneficiary: String,
    category: String,
}

#[derive(Template)]
#[template(path = "console/alerts.html")]
struct ListPage {
    t: Tr,
    chrome: Chrome,
    tabs: Vec<(String, String, bool)>,
    current_box: String,
    rows: Vec<Row>,
    may_send: bool,
    next_cursor: Option<String>,
    /// The filter as typed, carried into the tabs and the next page.
    q: ListQuery,
    /// The filter's query string (without box and cursor), for links.
    filter_query: String,
    statuses: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    banks: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

/// The filter of a box, as the form sends it.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    r#box: Option<String>,
    cursor: Option<String>,
    status: Option<String>,
    category: Option<String>,
    /// First day, `YYYY-MM-DD`, in the reader's zone.
    from: Option<String>,
    /// Last day, included.
    to: Option<String>,
    counterparty: Option<String>,
    /// A UETR or an end-to-end identification.
    payment: Option<String>,
}

impl ListQuery {
    fn get(&self, field: &str) -> &str {
        match field {
            "status" => self.status.as_deref(),
            "category" => self.category.as_deref(),
            "from" => self.from.as_deref(),
            "to" => self.to.as_deref(),
            "counterparty" => self.counterparty.as_deref(),
            "payment" => self.payment.as_deref(),
            _ => None,
        }
        .unwrap_or("")
    }

    /// The filter's fields as a query string.
    fn query_string(&self) -> String {
        ["status", "category", "from", "to", "counterparty", "payment"]
            .iter()
            .filter(|f| !self.get(f).is_empty())
            .map(|f| {
                format!("&{f}={}", url::form_urlencoded::byte_serialize(self.get(f).as_bytes()).collect::<String>())
            })
            .collect()
    }

    /// The API's query, or what to fix (labelled as the form labels the field).
    fn to_api(&self, t: &Tr, r#box: Option<String>) -> (AlertQuery, Vec<(String, String)>) {
        let mut errors = Vec::new();
        let present = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
        let mut day = |value: Option<String>, label: &str, next: bool| {
            let value = value?;
            match t.typed_day(&value) {
                Ok(start) if next => {
                    let following = start.date_naive().checked_add_days(chrono::Days::new(1))?;
                    t.typed_day(&following.format("%Y-%m-%d").to_string()).ok()
                }
                Ok(start) => Some(start),
                Err(key) => {
                    errors.push((t.get(label), t.get(key)));
                    None
                }
            }
        };
        let from = day(present(&self.from), "alerts-filter-from", false);
        let to = day(present(&self.to), "alerts-filter-to", true);
        let (mut uetr, mut end_to_end_id) = (None, None);
        if let Some(p) = present(&self.payment) {
            match PaymentId::recognise(&p) {
                Ok(PaymentId::Uetr(u)) => uetr = Some(u),
                Ok(PaymentId::EndToEnd(e)) => end_to_end_id = Some(e),
                Err(message) => errors.push((t.get("alerts-filter-payment"), message)),
            }
        }
        let query = AlertQuery {
            r#box,
            status: present(&self.status),
            from,
            to,
            amount_min: None,
            amount_max: None,
            beneficiary_iban: None,
            category: present(&self.category),
            counterparty: present(&self.counterparty),
            uetr,
            end_to_end_id,
            limit: Some(50),
            cursor: self.cursor.clone(),
        };
        (query, errors)
    }
}

#[get("/alerts")]
pub async fn list_page(v: Visitor, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let q = q.into_inner();
    let bank = v.session.principal.org_kind == OrgKind::Bank;
    let boxes: Vec<&str> = if bank { vec!["received", "sent"] } else { vec!["all"] };
    let chosen = q.r#box.as_deref().filter(|b| boxes.contains(b)).unwrap_or(boxes[0]).to_string();
    let act = v.authorize(Action::ListAlerts).await?;
    let (query, mut errors) = q.to_api(&t, (chosen != "all").then(|| chosen.clone()));
    let page = if errors.is_empty() {
        match service::list(&v.state, &act, &query).await {
            Ok(page) => page,
            Err(ApiError::Validation(list)) => {
                errors.extend(list.into_iter().map(|e| (e.field, e.message)));
                crate::alerts::model::AlertPage { items: Vec::new(), next_cursor: None }
            }
            Err(e) => return Err(e),
        }
    } else {
        crate::alerts::model::AlertPage { items: Vec::new(), next_cursor: None }
    };
    let names = names(&v).await?;
    let rows = page
        .items
        .into_iter()
        .map(|a| Row {
            id: a.id,
            at: t.when(&a.executed_at),
            status: a.status.as_str().to_string(),
            status_label: t.get(&format!("alert-status-{}", a.status.as_str())),
            from: name_of(&names, Some(a.sender_id)),
            to: name_of(&names, a.routed_to),
            amount: t.money(&a.amount),
            beneficiary: account(&a.beneficiary_account),
            category: t.get(&format!("report-category-{}", a.category.as_str())),
        })
        .collect();
    let tabs = boxes.iter().map(|b| (b.to_string(), t.get(&format!("alerts-box-{b}")), *b == chosen)).collect();
    let mut banks: Vec<(String, String)> = names
        .iter()
        .filter(|(id, (_, kind))| *kind == OrgKind::Bank && **id != v.session.principal.org_id)
        .map(|(id, (name, _))| (id.to_string(), name.clone()))
        .collect();
    banks.sort_by(|a, b| a.1.cmp(&b.1));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    site::page_with(
        status,
        &ListPage {
            t,
            chrome: v.chrome("alerts"),
            tabs,
            current_box: chosen,
            rows,
            may_send: v.session.principal.can(Permission::PostAlerts),
            next_cursor: page.next_cursor,
            filter_query: q.query_string(),
            statuses: AlertStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), t.get(&format!("alert-status-{}", s.as_str()))))
                .collect(),
            categories: Category::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), t.get(&format!("report-category-{}", c.as_str()))))
                .collect(),
            banks,
            errors,
            q,
        },
    )
}

/// An outcome in words.
struct OutcomeLine {
    kind: String,
    amount: String,
    reason: String,
    at: String,
    onward: Vec<AlertId>,
}

#[derive(Template)]
#[template(path = "console/alert.html")]
struct AlertPage {
    t: Tr,
    chrome: Chrome,
    a: Alert,
    version: i32,
    status_label: String,
    from: String,
    to: String,
    amount: String,
    executed: String,
    victim: String,
    beneficiary: String,
    category: String,
    /// The linked report, when the caller may open it.
    report: Option<(crate::domain::ReportId, String)>,
    outcomes: Vec<OutcomeLine>,
    /// The caller received it: the outcome form.
    may_record: bool,
    outcome_kinds: Vec<(String, String)>,
    f: Fields,
    errors: Vec<(String, String)>,
    notice: Option<String>,
}

async fn alert_page(
    v: &Visitor,
    id: AlertId,
    f: Fields,
    errors: Vec<(String, String)>,
    notice: Option<String>,
) -> ApiResult<AlertPage> {
    let t = v.tr;
    let act = v.authorize(Action::ReadAlert).await?;
    let (a, version) = service::read(&v.state, &act, id).await?;
    let names = names(v).await?;
    // Only for whoever may read reports at all: asking otherwise would record a refusal.
    let report = match a.report_id.filter(|_| v.session.principal.can(Permission::ReadReports)) {
        Some(id) => match v.authorize(Action::ReadReport).await {
            Ok(act) if crate::reports::service::visible(&v.state, &act, id).await? => {
                Some((id, t.get("alert-report-open")))
            }
            _ => None,
        },
        None => None,
    };
    let outcomes = a
        .outcomes
        .iter()
        .map(|o| OutcomeLine {
            kind: t.get(&format!("outcome-{}", o.outcome.as_str())),
            amount: o.amount.as_ref().map(|m| t.money(m)).unwrap_or_default(),
            reason: o.reason.clone().unwrap_or_default(),
            at: t.when(&o.created_at),
            onward: o.onward_alert_ids.clone(),
        })
        .collect();
    Ok(AlertPage {
        t,
        chrome: v.chrome("alerts"),
        version,
        status_label: t.get(&format!("alert-status-{}", a.status.as_str())),
        from: name_of(&names, Some(a.sender_id)),
        to: name_of(&names, a.routed_to),
        amount: t.money(&a.amount),
        executed: t.when(&a.executed_at),
        victim: account(&a.victim_account),
        beneficiary: account(&a.beneficiary_account),
        category: t.get(&format!("report-category-{}", a.category.as_str())),
        report,
        outcomes,
        may_record: a.routed_to == Some(v.session.principal.org_id) && v.session.principal.can(Permission::PostAlerts),
        outcome_kinds: OutcomeKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), t.get(&format!("outcome-{}", k.as_str()))))
            .collect(),
        a,
        f,
        errors,
        notice,
    })
}

#[get("/alerts/{id}")]
pub async fn read_page(v: Visitor, id: web::Path<AlertId>, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&alert_page(&v, id.into_inner(), Fields(Vec::new()), Vec::new(), notice).await?)
}

/// An amount typed in `currency`, or the field's error.
fn typed_amount(
    t: &Tr,
    currency: &Currency,
    text: &str,
    field: &str,
    errors: &mut Vec<(String, String)>,
) -> Option<MoneyInput> {
    match currency.minor_units(text, t.decimal_mark()) {
        Ok(amount_minor) => Some(MoneyInput { amount_minor, currency: currency.to_string() }),
        Err(message) => {
            errors.push((t.get(field), message));
            None
        }
    }
}

/// What the receiving bank did, checked as the API checks it.
#[post("/alerts/{id}/outcomes")]
pub async fn outcome_form(v: Visitor, id: web::Path<AlertId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let t = v.tr;
    let read = v.authorize(Action::ReadAlert).await?;
    let (alert, alert_version) = service::read(&v.state, &read, id).await?;
    let currency = alert.amount.currency.clone();
    let mut errors = Vec::new();
    let amount = f.opt("amount").and_then(|a| typed_amount(&t, &currency, &a, "field-amount", &mut errors));
    let moved = f.get("outcome") == OutcomeKind::AlreadyMoved.as_str();
    if moved && amount.is_some() {
        errors.push((t.get("field-amount"), t.get("alert-amount-not-moved")));
    }
    let mut onward = Vec::new();
    for i in 0..3 {
        let typed = ["onward_iban", "onward_amount", "onward_executed", "onward_uetr", "onward_e2e"]
            .map(|n| f.opt(&format!("{n}_{i}")));
        if typed.iter().all(Option::is_none) {
            continue;
        }
        let label = t.arg("alert-onward", "n", i + 1);
        if !moved {
            errors.push((label, t.get("alert-onward-only-moved")));
            continue;
        }
        let Some(iban) = f.opt(&format!("onward_iban_{i}")) else {
            errors.push((label, t.get("alert-onward-iban-missing")));
            continue;
        };
        let amount = typed_amount(&t, &currency, &f.get(&format!("onward_amount_{i}")), "field-amount", &mut errors);
        let executed = match t.typed_time(&f.get(&format!("onward_executed_{i}"))) {
            Ok(at) => Some(at),
            Err(key) => {
                errors.push((format!("{label} · {}", t.get("field-executed")), t.get(key)));
                None
            }
        };
        if let (Some(amount), Some(executed_at)) = (amount, executed) {
            onward.push(OnwardTransfer {
                beneficiary_account: Account { iban: Some(iban), bank_account: None, bic: None },
                amount,
                executed_at,
                uetr: f.opt(&format!("onward_uetr_{i}")),
                end_to_end_id: f.opt(&format!("onward_e2e_{i}")),
            });
        }
    }
    if !errors.is_empty() {
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &alert_page(&v, id, f, errors, None).await?);
    }
    let body = CreateOutcome { outcome: f.get("outcome"), amount, onward_transfers: onward, reason: f.opt("reason") };
    // The version the page was drawn at: an outcome recorded meanwhile is not overwritten.
    // (Whoever did not receive the alert is refused by the service first.)
    let receiver = alert.routed_to == Some(v.session.principal.org_id);
    let Some(version) = f.get("version").parse::<i32>().ok().or((!receiver).then_some(alert_version)) else {
        let errors = vec![(t.get("alert-outcome"), t.get("alert-reload"))];
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &alert_page(&v, id, f, errors, None).await?);
    };
    let act = v.authorize(Action::RecordOutcome).await?;
    match service::record(&v.state, &act, id, IfMatch(Some(version)), &body).await {
        Ok(_) => Ok(site::see(&format!("/console/alerts/{id}?done=outcome"))),
        Err(ApiError::Validation(list)) => {
            let errors = list.into_iter().map(|e| (field_label(&t, &e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &alert_page(&v, id, f, errors, None).await?)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "console/alert_new.html")]
struct NewPage {
    t: Tr,
    chrome: Chrome,
    categories: Vec<(String, String, bool)>,
    f: Fields,
    errors: Vec<(String, String)>,
    idempotency_key: String,
}

fn new_page(v: &Visitor, f: Fields, errors: Vec<(String, String)>) -> NewPage {
    let t = v.tr;
    let chosen = f.get("category");
    NewPage {
        t,
        chrome: v.chrome("alerts"),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), t.get(&format!("report-category-{}", c.as_str())), c.as_str() == chosen))
            .collect(),
        idempotency_key: f.opt("idempotency_key").unwrap_or_else(|| Uuid::new_v4().to_string()),
        f,
        errors,
    }
}

#[get("/alerts/new")]
pub async fn new_form(v: Visitor) -> ApiResult<HttpResponse> {
    v.authorize(Action::CreateAlert).await?;
    site::page(&new_page(&v, Fields(Vec::new()), Vec::new()))
}

/// A new alert sent by hand: routed as the API routes it, one alert however often the form is
/// sent (its idempotency key is the page's).
#[post("/alerts")]
pub async fn send_form(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let mut errors = Vec::new();
    let currency = match Currency::parse(&f.get("currency")) {
        Ok(c) => Some(c),
        Err(message) => {
            errors.push((t.get("field-currency"), message));
            None
        }
    };
    let amount = currency.as_ref().and_then(|c| typed_amount(&t, c, &f.get("amount"), "field-amount", &mut errors));
    let executed = match t.typed_time(&f.get("executed_at")) {
        Ok(at) => Some(at),
        Err(key) => {
            errors.push((t.get("field-executed"), t.get(key)));
            None
        }
    };
    let (Some(amount), Some(executed_at)) = (amount, executed) else {
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors));
    };
    let input = CreateAlert {
        victim_account: Account { iban: f.opt("victim_iban"), bank_account: None, bic: None },
        beneficiary_account: Account { iban: f.opt("beneficiary_iban"), bank_account: None, bic: None },
        beneficiary_name: f.opt("beneficiary_name"),
        amount,
        executed_at,
        payment_reference: f.opt("payment_reference"),
        uetr: f.opt("uetr"),
        end_to_end_id: f.opt("end_to_end_id"),
        category: f.get("category"),
        bank_case_reference: f.opt("bank_case_reference"),
        report_id: None,
        description: f.opt("description"),
    };
    let act = v.authorize(Action::CreateAlert).await?;
    let key = f.opt("idempotency_key").filter(|k| k.len() <= 200);
    let idem = Idempotent::with_key(key, "fraud-alerts", act.org_id, &input)?;
    match service::send(&v.state, &act, input, &idem).await {
        Ok(answer) => {
            let id = answer.body["id"].as_str().unwrap_or_default().to_string();
            Ok(site::see(&format!("/console/alerts/{id}?done=alert_sent")))
        }
        Err(ApiError::Validation(list)) => {
            let errors = list.into_iter().map(|e| (field_label(&t, &e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors))
        }
        Err(e) => Err(e),
    }
}

/// The page's label of a field the API names (an onward transfer's with its number).
fn field_label(t: &Tr, field: &str) -> String {
    let (prefix, field) = match field.strip_prefix("onward_transfers[").and_then(|r| r.split_once("].")) {
        Some((n, rest)) => (Some(t.arg("alert-onward", "n", n.parse::<usize>().map_or(0, |n| n + 1))), rest),
        None => (None, field),
    };
    let key = match field {
        "beneficiary_account" | "beneficiary_account.iban" => "col-beneficiary",
        "victim_account" | "victim_account.iban" => "alert-victim",
        "beneficiary_name" => "alert-beneficiary-name",
        "amount" | "amount.amount_minor" => "field-amount",
        "amount.currency" => "field-currency",
        "executed_at" => "field-executed",
        "category" => "col-category",
        "payment_reference" => "alert-payment-reference",
        "uetr" => "alert-uetr",
        "end_to_end_id" => "alert-end-to-end",
        "bank_case_reference" => "alert-bank-case",
        "description" => "alert-description",
        "outcome" => "alert-outcome",
        "reason" => "alert-reason",
        _ => "",
    };
    let label = if key.is_empty() { field.to_string() } else { t.get(key) };
    match prefix {
        Some(p) => format!("{p} · {label}"),
        None => label,
    }
}

/// A hop of the trail, as the table beside the picture lists it.
struct HopLine {
    alert_id: AlertId,
    hop: i32,
    from: String,
    to: String,
    received: String,
    executed: String,
    at: String,
    uetr: Option<String>,
    end_to_end_id: Option<String>,
    frozen: String,
    returned: String,
    moved_on: String,
}

#[derive(Template)]
#[template(path = "console/trace.html")]
struct TracePage {
    t: Tr,
    chrome: Chrome,
    id: AlertId,
    /// The picture (`console::picture`, every label escaped there).
    picture: String,
    hops: Vec<HopLine>,
    totals: String,
}

/// The trail of an alert as the caller may see it (`alerts::service::trace`): 404 when it sees
/// no hop of it.
async fn trail(v: &Visitor, id: AlertId) -> ApiResult<crate::alerts::trace::Trace> {
    let act = v.authorize(Action::ReadTrace).await?;
    service::trace(&v.state, &act, id).await
}

#[get("/traces/{id}")]
pub async fn trace_page(v: Visitor, id: web::Path<AlertId>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let trace = trail(&v, id.into_inner()).await?;
    let money = |minor: i64| {
        if minor == 0 {
            String::new()
        } else {
            t.money(&crate::domain::Money { amount_minor: minor, currency: trace.totals.currency.clone() })
        }
    };
    let totals = &trace.totals;
    let whole = |minor: i64| t.money(&crate::domain::Money { amount_minor: minor, currency: totals.currency.clone() });
    let totals = t.args(
        "trace-totals",
        &[
            ("loss", whole(totals.original_loss_minor)),
            ("frozen", whole(totals.frozen_minor)),
            ("returned", whole(totals.returned_minor)),
            ("open", whole(totals.unaccounted_minor)),
        ],
    );
    let hops = trace
        .hops
        .iter()
        .map(|h| HopLine {
            alert_id: h.alert_id,
            hop: h.hop,
            from: h.sender.clone(),
            to: h.receiver.clone().unwrap_or_else(|| t.get("alert-status-unrouted")),
            received: t.money(&h.received),
            executed: t.when(&h.executed_at),
            at: t.when(&h.received_at),
            uetr: h.uetr.clone(),
            end_to_end_id: h.end_to_end_id.clone(),
            frozen: money(h.frozen_minor),
            returned: money(h.returned_minor),
            moved_on: money(h.moved_on_minor),
        })
        .collect();
    let drawn = trace.hops.len() <= crate::console::picture::MAX_HOPS;
    let picture =
        if drawn { crate::console::picture::svg(&t, &trace, v.session.principal.org_id) } else { String::new() };
    site::page(&TracePage { t, chrome: v.chrome("alerts"), id: trace.id, picture, hops, totals })
}

/// The picture alone, as a download (never rendered by the console's origin as a page).
#[get("/traces/{id}/picture.svg")]
pub async fn trace_picture(v: Visitor, id: web::Path<AlertId>) -> ApiResult<HttpResponse> {
    let trace = trail(&v, id.into_inner()).await?;
    if trace.hops.len() > crate::console::picture::MAX_HOPS {
        return Err(ApiError::NotFound);
    }
    let picture = crate::console::picture::svg(&v.tr, &trace, v.session.principal.org_id);
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"trace-{}.svg\"", trace.id)))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .body(picture))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(new_form)
        .service(send_form)
        .service(read_page)
        .service(outcome_form)
        .service(trace_page)
        .service(trace_picture);
}
