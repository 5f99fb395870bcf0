//! A new report in the console: its facts, then its indicators added one row at a time, each
//! checked as the API checks it (`CreateReport::parse`, the same function `reports::service::
//! submit` runs) with its message beside the field and the value as it will be kept; *Submit*
//! calls `reports::service::submit` under the page's idempotency key (a double click makes one
//! report). The reporter's own report page then offers to withdraw or correct each value.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use super::reports::tlp_badge;
use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::indicator::{normalize, recognise};
use crate::domain::money::MoneyInput;
use crate::domain::{Category, Check, Currency, IndicatorType, Tlp};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::idempotency::Idempotent;
use crate::reports::model::{CreateReport, IndicatorInput};
use crate::reports::service;

/// Most indicator rows a form holds (more: the API, or a second report).
const MAX_ROWS: usize = 50;

/// Roles a value commonly plays (the API takes any word of letters, digits and `_`).
const ROLES: [&str; 9] = [
    "beneficiary_account",
    "victim_account",
    "phishing_url",
    "phishing_site",
    "sender_email",
    "scam_phone",
    "c2_server",
    "wallet",
    "malware_hash",
];

/// One indicator row as the form shows it.
struct IndicatorRow {
    n: usize,
    kind: String,
    value: String,
    role: String,
    confidence: String,
    /// The value as it will be kept (once it reads).
    kept: Option<String>,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/report_new.html")]
struct NewPage {
    t: Tr,
    chrome: Chrome,
    f: Fields,
    categories: Vec<(String, String)>,
    tlps: Vec<(String, String, String)>,
    types: Vec<(String, String)>,
    roles: Vec<&'static str>,
    /// Organisations to share with by name: (id, name, chosen).
    organisations: Vec<(String, String, bool)>,
    rows: Vec<IndicatorRow>,
    may_add: bool,
    errors: Vec<(String, String)>,
    idempotency_key: String,
}

async fn new_page(
    v: &Visitor,
    f: Fields,
    rows: Vec<IndicatorRow>,
    errors: Vec<(String, String)>,
) -> ApiResult<NewPage> {
    let t = v.tr;
    let chosen = f.all("shared_with");
    let mut organisations: Vec<(String, String, bool)> = super::requests::names(v)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != v.session.principal.org_id)
        .map(|(id, (name, _))| (id.to_string(), name, chosen.contains(&id.to_string())))
        .collect();
    organisations.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(NewPage {
        organisations,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), t.get(&format!("report-category-{}", c.as_str()))))
            .collect(),
        tlps: Tlp::ALL
            .iter()
            .map(|x| (x.as_str().to_string(), tlp_badge(*x).1, t.get(&format!("tlp-{}", x.as_str().replace('_', "-")))))
            .collect(),
        types: IndicatorType::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), t.get(&format!("indicator-{}", k.as_str()))))
            .collect(),
        roles: ROLES.to_vec(),
        may_add: rows.len() < MAX_ROWS,
        idempotency_key: f.opt("idempotency_key").unwrap_or_else(|| Uuid::new_v4().to_string()),
        chrome: v.chrome("reports"),
        t,
        f,
        rows,
        errors,
    })
}

fn empty_row(n: usize) -> IndicatorRow {
    IndicatorRow {
        n,
        kind: String::new(),
        value: String::new(),
        role: String::new(),
        confidence: String::new(),
        kept: None,
        errors: Vec::new(),
    }
}

#[get("/reports/new")]
pub async fn new_form(v: Visitor) -> ApiResult<HttpResponse> {
    v.authorize(Action::CreateReport).await?;
    site::page(&new_page(&v, Fields(Vec::new()), vec![empty_row(0)], Vec::new()).await?)
}

/// The page's label of a field the API names.
fn field_label(t: &Tr, field: &str) -> String {
    let key = match field {
        "category" => "col-category",
        "title" => "reports-col-title",
        "description" => "report-description",
        "tlp" => "report-tlp",
        "first_seen" => "report-first-seen",
        "last_seen" => "report-last-seen",
        "country" => "report-country",
        "loss" | "loss.amount_minor" | "loss.currency" => "report-loss",
        "victim_count" => "report-victims",
        f if f == "shared_with" || f.starts_with("shared_with[") => "report-shared-with",
        "indicators" => "reports-col-indicators",
        _ => return field.to_string(),
    };
    t.get(key)
}

/// The form read: the body the API would get, the rows as shown (`rows[i]` is row `i`), which
/// row each of the body's indicators came from, and the errors of the fields the page itself
/// reads (times, amounts, numbers).
struct Read {
    report: CreateReport,
    rows: Vec<IndicatorRow>,
    from_row: Vec<usize>,
    errors: Vec<(String, String)>,
}

fn read(t: &Tr, f: &Fields) -> Read {
    let mut errors = Vec::new();
    let mut time = |name: &str, label: &str| {
        let text = f.opt(name)?;
        t.typed_time(&text).map_err(|key| errors.push((t.get(label), t.get(key)))).ok()
    };
    let first_seen = time("first_seen", "report-first-seen");
    let last_seen = time("last_seen", "report-last-seen");
    let loss = f.opt("loss").and_then(|text| {
        let currency = match Currency::parse(&f.get("currency")) {
            Ok(c) => c,
            Err(message) => {
                errors.push((t.get("field-currency"), message));
                return None;
            }
        };
        match currency.minor_units(&text, t.decimal_mark()) {
            Ok(amount_minor) => Some(MoneyInput { amount_minor, currency: currency.to_string() }),
            Err(message) => {
                errors.push((t.get("report-loss"), message));
                None
            }
        }
    });
    let victim_count = f.opt("victim_count").and_then(|n| {
        n.parse::<i32>().map_err(|_| errors.push((t.get("report-victims"), t.get("report-whole-number")))).ok()
    });
    let count = f.get("rows").parse::<usize>().unwrap_or(1).clamp(1, MAX_ROWS);
    let mut rows = Vec::new();
    let mut indicators = Vec::new();
    let mut from_row = Vec::new();
    for n in 0..count {
        let mut row = IndicatorRow {
            n,
            kind: f.get(&format!("ind_type_{n}")),
            value: f.get(&format!("ind_value_{n}")),
            role: f.get(&format!("ind_role_{n}")),
            confidence: f.get(&format!("ind_confidence_{n}")),
            kept: None,
            errors: Vec::new(),
        };
        if !row.value.is_empty() {
            // "Recognise": the type the look-up would read the value as.
            let kind = if row.kind.is_empty() {
                match recognise(&row.value) {
                    Some((kind, _)) => Some(kind.as_str().to_string()),
                    // Shaped as an IBAN but not one: its own message (a check digit, a length).
                    None if iban_shaped(&row.value) => Some(IndicatorType::Iban.as_str().to_string()),
                    None => {
                        row.errors.push(t.get("report-indicator-unrecognised"));
                        None
                    }
                }
            } else {
                Some(row.kind.clone())
            };
            let confidence = match row.confidence.as_str() {
                "" => Some(None),
                c => match c.parse::<i64>() {
                    Ok(c) => Some(Some(c)),
                    Err(_) => {
                        row.errors.push(format!("{}: {}", t.get("col-confidence"), t.get("report-whole-number")));
                        None
                    }
                },
            };
            if let (Some(kind), Some(confidence)) = (kind, confidence) {
                if let Ok(k) = kind.parse::<IndicatorType>() {
                    row.kept = normalize(k, &row.value).ok();
                }
                indicators.push(IndicatorInput {
                    type_: kind,
                    value: row.value.clone(),
                    role: Some(row.role.clone()).filter(|r| !r.is_empty()),
                    confidence,
                    valid_until: None,
                });
                from_row.push(n);
            }
        }
        rows.push(row);
    }
    let body = CreateReport {
        category: f.get("category"),
        title: f.get("title"),
        description: f.get("description"),
        tlp: f.get("tlp"),
        // Ids come from the directory list (the API checks each against the directory).
        shared_with: f.all("shared_with").iter().filter_map(|id| id.parse().ok()).collect(),
        anonymous: f.get("anonymous") == "on",
        status: None,
        first_seen,
        last_seen,
        country: f.opt("country"),
        loss,
        victim_count,
        indicators,
    };
    Read { report: body, rows, from_row, errors }
}

/// Two letters, two digits, then 11 to 30 letters or digits (spaces aside): meant as an IBAN.
fn iban_shaped(value: &str) -> bool {
    let v: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    (15..=34).contains(&v.len())
        && v[..2].iter().all(char::is_ascii_alphabetic)
        && v[2..4].iter().all(char::is_ascii_digit)
        && v[4..].iter().all(char::is_ascii_alphanumeric)
}

/// Puts each of the API's errors beside its row (`indicators[i].…`) or at the top, labelled.
fn place(
    t: &Tr,
    list: Vec<crate::domain::FieldError>,
    rows: &mut [IndicatorRow],
    from_row: &[usize],
) -> Vec<(String, String)> {
    let mut top = Vec::new();
    for e in list {
        let row = e
            .field
            .strip_prefix("indicators[")
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(i, part)| Some((*from_row.get(i.parse::<usize>().ok()?)?, part.to_string())));
        match row {
            Some((n, part)) => {
                let label = match part.as_str() {
                    "value" => t.get("report-value"),
                    "type" => t.get("lookup-type"),
                    "role" => t.get("report-role"),
                    "confidence" => t.get("col-confidence"),
                    other => other.to_string(),
                };
                rows[n].kept = None;
                rows[n].errors.push(format!("{label}: {}", e.message));
            }
            None => top.push((field_label(t, &e.field), e.message)),
        }
    }
    top
}

/// *Add another indicator* (every row checked, one more row) and *Submit the report*.
#[post("/reports/new")]
pub async fn submit_form(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::CreateReport).await?;
    let t = v.tr;
    let Read { report, mut rows, from_row, mut errors } = read(&t, &f);
    let mut check = Check::new();
    let _ = report.parse(&mut check, Utc::now());
    let checked = check.finish().err().map(|e| e.0).unwrap_or_default();
    let adding = f.get("action") == "add";
    if adding {
        // Only the indicators are judged while adding: the rest is not finished yet.
        let of_rows = checked.into_iter().filter(|e| e.field.starts_with("indicators[")).collect();
        place(&t, of_rows, &mut rows, &from_row);
        if rows.iter().all(|r| r.errors.is_empty()) && rows.len() < MAX_ROWS {
            rows.push(empty_row(rows.len()));
        }
        return site::page(&new_page(&v, f, rows, errors).await?);
    }
    errors.extend(place(&t, checked, &mut rows, &from_row));
    if !errors.is_empty() || rows.iter().any(|r| !r.errors.is_empty()) {
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, rows, errors).await?);
    }
    let key = f.opt("idempotency_key").filter(|k| k.len() <= 200);
    let idem = Idempotent::with_key(key, "reports", act.org_id, &report)?;
    match service::submit(&v.state, &act, &report, &idem).await {
        Ok(answer) => {
            let id = answer.body["id"].as_str().unwrap_or_default().to_string();
            Ok(site::see(&format!("/console/reports/{id}?done=report_sent")))
        }
        // This form was sent before and then changed: that report stands; a fresh key makes
        // the changed form a new one, if the person sends it again.
        Err(ApiError::Validation(list)) if list.iter().any(|e| e.field == "Idempotency-Key") => {
            let errors = vec![(t.get("report-new-title"), t.get("report-resent"))];
            let f = Fields(f.0.into_iter().filter(|(k, _)| k != "idempotency_key").collect());
            site::page_with(StatusCode::CONFLICT, &new_page(&v, f, rows, errors).await?)
        }
        Err(ApiError::Validation(list)) => {
            let errors = place(&t, list, &mut rows, &from_row);
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, rows, errors).await?)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(new_form).service(submit_form);
}
