//! The new-request form, driven by what the request will meet (`requests::service::outline`):
//! it offers the types the addressee answers and the categories of the type, names the
//! validation the policy table asks for and who may give it, and shows the deadline before the
//! request is sent. htmx redraws those parts when the addressee, type, urgency, categories or
//! identifiers change; without script the "Check" button does the same, and sending checks
//! everything again in `requests::service::issue`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::requests::names;
use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{IndicatorType, OrgId, OrgKind};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::idempotency::Idempotent;
use crate::requests::model::*;
use crate::requests::outline::Outline;
use crate::requests::{policy, rules, service};

/// What the form knows of the validation.
#[derive(PartialEq, Eq)]
enum Validation {
    /// No addressee or type yet: every prosecution office and court is offered.
    Unknown,
    NotNeeded,
    Needed,
}

/// A type of the addressee's catalogue in words.
struct CatalogueRow {
    label: String,
    supported: bool,
    held: String,
    retention: String,
    legal: String,
}

/// The addressee's catalogue in words: its types, its 24/7 contact, its notes.
struct CatalogueView {
    rows: Vec<CatalogueRow>,
    contact: String,
    notes: String,
}

/// The outline in words, as the panel beside the form shows it.
struct OutlineView {
    catalogue: Option<CatalogueView>,
    has_addressee: bool,
    /// What the validation and the deadline will be, one sentence each; empty before an
    /// addressee and a type are chosen.
    lines: Vec<String>,
    /// The rules conflict: the request cannot be sent as it is.
    blocked: bool,
}

#[derive(Template)]
#[template(path = "console/request_new.html")]
struct NewPage {
    t: Tr,
    chrome: Chrome,
    addressees: Vec<(String, String, bool)>,
    types: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    /// The type the categories are shown for.
    categories_for: String,
    urgencies: Vec<(String, String, bool)>,
    id_types: Vec<(String, String)>,
    validation: Validation,
    /// The organisations offered as validator: (id, name, chosen).
    validators: Vec<(String, String, bool)>,
    /// The kinds that may validate, in words.
    validator_kinds: String,
    outline: OutlineView,
    f: Fields,
    errors: Vec<(String, String)>,
    idempotency_key: String,
}

fn options<T: Copy + PartialEq>(
    all: &[T],
    name: impl Fn(T) -> (String, String),
    chosen: &[String],
) -> Vec<(String, String, bool)> {
    all.iter()
        .map(|x| {
            let (value, label) = name(*x);
            let on = chosen.contains(&value);
            (value, label, on)
        })
        .collect()
}

/// The request a form describes, and what of it cannot be read (field, message). Nothing typed
/// is dropped: what cannot be read is named, as the API names it. Times are read in the
/// person's zone.
fn draft(t: &Tr, f: &Fields) -> (CreateRequest, Vec<(String, String)>) {
    let mut local = Vec::new();
    let mut identifiers = Vec::new();
    for i in 0..3 {
        let value = f.get(&format!("identifier_value_{i}"));
        let port = f.opt(&format!("identifier_port_{i}")).map(|p| p.parse::<u16>());
        let observed = f.opt(&format!("identifier_observed_{i}")).map(|o| t.typed_time(&o));
        if let Some(Err(_)) = port {
            local.push((format!("identifiers[{i}].port"), t.get("new-unreadable")));
        }
        if let Some(Err(key)) = observed {
            local.push((format!("identifiers[{i}].observed_at"), t.get(key)));
        }
        if !value.is_empty() {
            identifiers.push(Identifier {
                type_: f.get(&format!("identifier_type_{i}")),
                value,
                port: port.and_then(Result::ok),
                observed_at: observed.and_then(Result::ok).map(|m| m.to_rfc3339()),
            });
        }
    }
    let notify_date = f.opt("no_customer_notification_until").map(|n| n.parse::<chrono::NaiveDate>());
    let validator_id = f.opt("validator_id").map(|v| v.parse::<Uuid>());
    if let Some(Err(_)) = notify_date {
        local.push(("no_customer_notification_until".to_string(), t.get("new-unreadable")));
    }
    if let Some(Err(_)) = validator_id {
        local.push(("validator_id".to_string(), t.get("new-unreadable")));
    }
    let from = f.opt("period_from").map(|m| t.typed_time(&m));
    let to = f.opt("period_to").map(|m| t.typed_time(&m));
    let period = match (from, to) {
        (Some(Ok(from)), Some(Ok(to))) => Some(Period { from, to }),
        (None, None) => None,
        (Some(Err(key)), _) | (_, Some(Err(key))) => {
            local.push(("period".to_string(), t.get(key)));
            None
        }
        _ => {
            local.push(("period".to_string(), t.get("new-period-both")));
            None
        }
    };
    let request = CreateRequest {
        type_: f.get("type"),
        addressee_id: OrgId(f.get("addressee_id").parse::<Uuid>().unwrap_or_default()),
        case_reference: f.get("case_reference"),
        legal_basis: LegalBasis { provision: f.get("legal_provision"), text: f.opt("legal_text") },
        data_categories: f.all("data_categories"),
        urgency: f.opt("urgency").unwrap_or_else(|| Urgency::Routine.as_str().into()),
        justification: f.opt("justification"),
        identifiers,
        period,
        report_ids: Vec::new(),
        no_customer_notification_until: notify_date.and_then(Result::ok),
        deadline: None,
        validator_id: validator_id.and_then(Result::ok).map(OrgId),
    };
    (request, local)
}

/// The action of issuing the draft's type, or (no type the caller may issue yet) of the
/// requests the caller may issue.
fn action_for(v: &Visitor, type_: &str) -> Action {
    let caller = &v.session.principal;
    match type_.parse::<RequestType>() {
        Ok(kind) if rules::may_issue(caller, kind) => rules::issuing(kind),
        _ if rules::may_issue(caller, RequestType::SubscriberInfo) => Action::CreateDataRequest,
        _ => Action::CreateFreezeRequest,
    }
}

/// The outline of a draft; a draft naming an addressee but no type it answers (that the
/// caller may issue) is outlined with the first type it does, its own before a preservation.
async fn outline_of(v: &Visitor, draft: &mut CreateRequest) -> ApiResult<Outline> {
    let act = v.authorize(action_for(v, &draft.type_)).await?;
    let outline = service::outline(&v.state, &act, draft).await?;
    // A type of the addressee's own before a preservation, which any addressee answers.
    let first = outline.types.iter().find(|t| **t != RequestType::Preservation).or(outline.types.first());
    match (outline.kind, &outline.addressee, first) {
        (None, Some(_), Some(first)) => {
            draft.type_ = first.as_str().to_string();
            let act = v.authorize(rules::issuing(*first)).await?;
            service::outline(&v.state, &act, draft).await
        }
        _ => Ok(outline),
    }
}

/// The categories ticked: those the person ticked for the type shown (none too), or, for a
/// type not shown before (a new form, another type), its own category.
fn ticks(f: &Fields, outline: &Outline) -> Vec<String> {
    let kind = outline.kind.map_or("", |k| k.as_str());
    let mut ticked: Vec<String> =
        f.all("data_categories").into_iter().filter(|c| outline.categories.iter().any(|a| a.as_str() == c)).collect();
    if f.get("categories_for") != kind && ticked.is_empty() {
        let own = outline.kind.and_then(policy::allowed_categories).and_then(|a| a.first());
        ticked.extend(own.map(|c| c.as_str().to_string()));
    }
    ticked
}

fn outline_view(t: &Tr, o: &Outline) -> OutlineView {
    let catalogue = o.catalogue.as_ref().map(|c| CatalogueView {
        rows: c
            .request_types
            .iter()
            .map(|r| CatalogueRow {
                label: t.get(&format!("type-{}", r.type_)),
                supported: r.supported,
                held: r.data_held.iter().map(|d| t.get(&format!("category-{d}"))).collect::<Vec<_>>().join(", "),
                retention: r.retention.clone().unwrap_or_default(),
                legal: r.legal_requirements.clone().unwrap_or_default(),
            })
            .collect(),
        contact: format!("{}, {}, {}", c.emergency_contact.name, c.emergency_contact.email, c.emergency_contact.phone),
        notes: c.notes.clone().unwrap_or_default(),
    });
    let mut lines = Vec::new();
    let mut blocked = false;
    if let (Some(req), Some(addressee), Some(start)) = (&o.requirement, &o.addressee, &o.start) {
        let kinds = kinds(t, &req.validators);
        let table = req.table.as_str();
        if req.conflict {
            blocked = true;
            lines.push(t.get("outline-conflict"));
        } else if req.needed() {
            lines.push(t.args2("outline-validation-needed", ("table", &table), ("kinds", &kinds)));
            if req.read_answers.iter().any(|k| req.validators.contains(k)) {
                lines.push(t.get("outline-validator-reads"));
            }
            if o.validators.is_empty() {
                lines.push(t.get("outline-no-validators"));
            }
        } else {
            lines.push(t.args2("outline-validation-none", ("table", &table), ("addressee", &addressee.name)));
        }
        if let Some(due) = start.validation_due_at {
            lines.push(t.arg("outline-emergency-first", "due", t.when(&due)));
        }
        match o.deadline {
            Some(deadline) => lines.push(t.args2(
                "outline-deadline-now",
                ("addressee", &addressee.name),
                ("deadline", &t.when(&deadline)),
            )),
            None if !blocked => {
                let allowed = t.get(&format!("allowed-{}", o.urgency.as_str()));
                lines.push(t.args2("outline-deadline-later", ("addressee", &addressee.name), ("allowed", &allowed)))
            }
            None => {}
        }
    }
    OutlineView { catalogue, has_addressee: o.addressee.is_some(), lines, blocked }
}

/// Kinds of organisation in words: `prosecution or court`.
fn kinds(t: &Tr, list: &[OrgKind]) -> String {
    list.iter().map(|k| t.get(&format!("kind-{}", k.as_str()))).collect::<Vec<_>>().join(&t.get("or"))
}

async fn new_page(v: &Visitor, f: Fields, errors: Vec<(String, String)>) -> ApiResult<NewPage> {
    let t = v.tr;
    let (mut request, _) = draft(&t, &f);
    let mut outline = outline_of(v, &mut request).await?;
    // The outline is of the categories the form shows ticked.
    let ticked = ticks(&f, &outline);
    if ticked != request.data_categories {
        request.data_categories = ticked.clone();
        outline = outline_of(v, &mut request).await?;
    }
    let names = names(v).await?;
    let mut orgs: Vec<(OrgId, String, OrgKind)> = names.iter().map(|(id, (n, k))| (*id, n.clone(), *k)).collect();
    orgs.sort_by_key(|o| o.1.to_lowercase());
    let label = |name: &str, kind: OrgKind| format!("{name} ({})", t.get(&format!("kind-{}", kind.as_str())));
    let chosen_validator = f.get("validator_id");
    let addressees = orgs
        .iter()
        .filter(|o| matches!(o.2, OrgKind::Isp | OrgKind::Bank))
        .map(|o| (o.0.to_string(), label(&o.1, o.2), outline.addressee.as_ref().is_some_and(|a| a.id == o.0)))
        .collect();
    // Before the validation is known every prosecution office and court is offered; the one
    // organisation that may give it is suggested.
    let (validation, validators, validator_kinds) = match &outline.requirement {
        None => {
            let all = orgs
                .iter()
                .filter(|o| matches!(o.2, OrgKind::Prosecution | OrgKind::Court))
                .map(|o| (o.0.to_string(), label(&o.1, o.2), o.0.to_string() == chosen_validator))
                .collect();
            (Validation::Unknown, all, kinds(&t, &[OrgKind::Prosecution, OrgKind::Court]))
        }
        Some(req) if !req.needed() => (Validation::NotNeeded, Vec::new(), String::new()),
        Some(req) => {
            let only = outline.validators.len() == 1;
            let offered = outline
                .validators
                .iter()
                .map(|o| (o.id.to_string(), label(&o.name, o.kind), only || o.id.to_string() == chosen_validator))
                .collect();
            (Validation::Needed, offered, kinds(&t, &req.validators))
        }
    };
    let types = options(
        &outline.types,
        |x| (x.as_str().into(), t.get(&format!("type-{}", x.as_str()))),
        &[request.type_.clone()],
    );
    let kind = outline.kind.map_or("", |k| k.as_str());
    let categories =
        options(&outline.categories, |x| (x.as_str().into(), t.get(&format!("category-{}", x.as_str()))), &ticked);
    let urgencies = options(
        Urgency::ALL,
        |x| (x.as_str().into(), t.get(&format!("urgency-{}", x.as_str()))),
        &[request.urgency.clone()],
    );
    let id_types = IndicatorType::ALL.iter().map(|x| (x.as_str().to_string(), x.as_str().to_string())).collect();
    let idempotency_key = f.opt("idempotency_key").unwrap_or_else(|| Uuid::new_v4().to_string());
    Ok(NewPage {
        t,
        chrome: v.chrome("requests"),
        addressees,
        types,
        categories,
        categories_for: kind.to_string(),
        urgencies,
        id_types,
        validation,
        validators,
        validator_kinds,
        outline: outline_view(&t, &outline),
        f,
        errors,
        idempotency_key,
    })
}

/// The form, empty but for the current case's reference, or with what the query names
/// (`addressee_id`, `type`).
#[get("/requests/new")]
pub async fn new_form(v: Visitor, q: web::Query<Vec<(String, String)>>) -> ApiResult<HttpResponse> {
    let mut fields: Vec<(String, String)> =
        q.into_inner().into_iter().filter(|(k, _)| matches!(k.as_str(), "addressee_id" | "type")).collect();
    if let Some(case) = &v.session.case {
        fields.push(("case_reference".into(), case.case_reference.clone()));
    }
    site::page(&new_page(&v, Fields(fields), Vec::new()).await?)
}

/// The form again with what it would meet (the "Check" button, and htmx as fields change).
#[post("/requests/new")]
pub async fn check_form(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    site::page(&new_page(&v, f, Vec::new()).await?)
}

#[post("/requests")]
pub async fn issue_form(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let (input, mut local) = draft(&t, &f);
    if f.get("addressee_id").parse::<Uuid>().is_err() {
        local.insert(0, ("addressee_id".to_string(), t.get("new-pick-addressee")));
    }
    let Ok(kind) = input.type_.parse::<RequestType>() else {
        local.push(("type".to_string(), t.get("new-pick-type")));
        let errors = local.into_iter().map(|(field, message)| (field_label(&t, &field), message)).collect();
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?);
    };
    if !local.is_empty() {
        let errors = local.into_iter().map(|(field, message)| (field_label(&t, &field), message)).collect();
        return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?);
    }
    let act = v.authorize(rules::issuing(kind)).await?;
    let key = f.opt("idempotency_key").filter(|k| k.len() <= 200);
    let idem = || Idempotent::with_key(key.clone(), "requests", act.org_id, &input);
    match service::issue(&v.state, &act, &input, idem).await {
        Ok(answer) => {
            let id = answer.body["id"].as_str().unwrap_or_default().to_string();
            Ok(site::see(&format!("/console/requests/{id}?done=issued")))
        }
        Err(ApiError::Validation(errors)) => {
            let errors = errors.into_iter().map(|e| (field_label(&t, &e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?)
        }
        Err(e) => Err(e),
    }
}

/// A field of the request as the form labels it (`identifiers[1].value` is "Identifier 2 ·
/// Value"); a field the form does not show keeps the API's name.
fn field_label(t: &Tr, field: &str) -> String {
    if let Some(rest) = field.strip_prefix("identifiers[") {
        if let Some((n, part)) = rest.split_once("].") {
            let label = match part {
                "type" => t.get("field-identifier-type"),
                "value" => t.get("field-identifier-value"),
                "port" => t.get("field-port"),
                "observed_at" => t.get("field-observed"),
                other => other.to_string(),
            };
            let n = n.parse::<usize>().map_or(0, |n| n + 1);
            return format!("{} · {label}", t.arg("new-identifier", "n", n));
        }
    }
    let key = match field {
        "addressee_id" => "field-addressee",
        "type" => "field-type",
        "case_reference" => "field-case",
        "legal_basis.provision" => "field-provision",
        "legal_basis.text" => "field-legal-text",
        "data_categories" => "request-categories",
        "urgency" => "col-urgency",
        "justification" => "field-justification",
        "period" | "period.from" | "period.to" => "request-period",
        "validator_id" => "request-validator",
        "no_customer_notification_until" => "request-no-notification",
        _ => return field.to_string(),
    };
    t.get(key)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(new_form).service(check_form).service(issue_form);
}
