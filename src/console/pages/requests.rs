//! Data requests in the console: the boxes (received, issued, to validate), a request's page
//! with what the caller may do there, the new-request form, the printable signed order, and
//! attachment downloads. Every page calls `requests::service` as the JSON API does.

use std::collections::HashMap;

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::{deadline_badge, defang, Fields};
use crate::domain::{OrgId, OrgKind, RequestId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::idempotency::Idempotent;
use crate::organizations::model::OrganizationQuery;
use crate::requests::model::*;
use crate::requests::rules::{self, Side};
use crate::requests::{service, upload};

/// The directory's names (the pages name organisations, the API gives ids).
async fn names(v: &Visitor) -> ApiResult<HashMap<OrgId, (String, OrgKind)>> {
    let act = v.authorize(Action::ReadOrganizations).await?;
    let q = OrganizationQuery { kind: None, country: None, limit: Some(500), cursor: None };
    let page = crate::organizations::service::list(&v.state, &act, &q).await?;
    Ok(page.items.into_iter().map(|o| (o.id, (o.name, o.kind))).collect())
}

fn name_of(names: &HashMap<OrgId, (String, OrgKind)>, id: OrgId) -> String {
    names.get(&id).map(|n| n.0.clone()).unwrap_or_else(|| id.to_string())
}

/// The boxes a kind of organisation works in, the first its default.
fn boxes(kind: OrgKind) -> Vec<RequestBox> {
    match kind {
        OrgKind::Isp | OrgKind::Bank => vec![RequestBox::Received],
        OrgKind::Prosecution | OrgKind::Court => vec![RequestBox::ToValidate, RequestBox::Issued],
        _ => vec![RequestBox::Issued],
    }
}

/// A row of a box.
pub struct Row {
    id: RequestId,
    reference: String,
    type_label: String,
    status_label: String,
    urgency: String,
    urgency_label: String,
    counterpart: String,
    case_reference: String,
    badge: (String, String),
}

#[derive(Template)]
#[template(path = "console/requests.html")]
struct ListPage {
    t: Tr,
    chrome: Chrome,
    tabs: Vec<(String, String, bool)>,
    rows: Vec<Row>,
    may_issue: bool,
    next_cursor: Option<String>,
    current_box: String,
    /// The person's latest notices: (words, link, when).
    notices: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    r#box: Option<String>,
    cursor: Option<String>,
}

#[get("/requests")]
pub async fn list_page(v: Visitor, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    // Nothing else answers until they have: their account page says what to do.
    if v.session.principal.must_enrol_second_factor || v.session.principal.must_change_password {
        return Ok(site::see("/console/account"));
    }
    let t = v.tr;
    let kind = v.session.principal.org_kind;
    let mine = boxes(kind);
    let chosen =
        q.r#box.as_deref().and_then(|b| b.parse::<RequestBox>().ok()).filter(|b| mine.contains(b)).unwrap_or(mine[0]);
    let act = v.authorize(Action::ListRequests).await?;
    let query = RequestQuery {
        r#box: Some(chosen.as_str().to_string()),
        status: None,
        r#type: None,
        urgency: None,
        overdue: None,
        expiring_within: None,
        case_reference: None,
        addressee_id: None,
        issuer_id: None,
        limit: Some(50),
        cursor: q.cursor.clone(),
    };
    let page = service::list(&v.state, &act, &query).await?;
    let names = names(&v).await?;
    let now = Utc::now();
    let mut items = page.items;
    // Open emergencies first, then by deadline; the rest as listed (newest first).
    items.sort_by_key(|r| {
        let open = r.status.is_open();
        (!(open && r.urgency == Urgency::Emergency), !open, r.deadline.unwrap_or(DateTime::<Utc>::MAX_UTC))
    });
    let rows = items
        .into_iter()
        .map(|r| Row {
            id: r.id,
            reference: r.reference,
            type_label: t.get(&format!("type-{}", r.type_.as_str())),
            status_label: t.get(&format!("status-{}", r.status.as_str())),
            urgency: r.urgency.as_str().to_string(),
            urgency_label: t.get(&format!("urgency-{}", r.urgency.as_str())),
            counterpart: if chosen == RequestBox::Received {
                name_of(&names, r.issuer_id)
            } else {
                name_of(&names, r.addressee_id)
            },
            case_reference: r.case_reference,
            badge: deadline_badge(&t, r.deadline.or(r.validation_due_at), r.status.is_open(), now),
        })
        .collect();
    let tabs =
        mine.iter().map(|b| (b.as_str().to_string(), t.get(&format!("box-{}", b.as_str())), *b == chosen)).collect();
    let may_issue = v.session.principal.can(crate::domain::Permission::IssueDataRequests);
    let notices = crate::notices::mine(&v.state, &v.authorize(Action::ReadMe).await?)
        .await?
        .into_iter()
        .map(|n| {
            let words = t.arg(&format!("notice-{}", n.kind), "reference", n.reference.unwrap_or_default());
            let link =
                n.request_id.map(|id| format!("/console/requests/{id}")).unwrap_or_else(|| "/console/account".into());
            (words, link, t.when(&n.created_at))
        })
        .collect();
    site::page(&ListPage {
        notices,
        t,
        chrome: v.chrome("requests"),
        tabs,
        rows,
        may_issue,
        next_cursor: page.next_cursor,
        current_box: chosen.as_str().to_string(),
    })
}

/// What a request's page offers the caller.
struct Offer {
    transitions: Vec<(String, String)>,
    /// Refusing is among the steps (it takes a reason code).
    may_refuse: bool,
    validate: bool,
    respond: bool,
    extend: bool,
    message: bool,
    reason_codes: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/request.html")]
struct RequestPage {
    t: Tr,
    chrome: Chrome,
    r: DataRequest,
    type_label: String,
    status_label: String,
    urgency_label: String,
    categories: String,
    issuer: String,
    addressee: String,
    validator: String,
    badge: (String, String),
    identifiers: Vec<(String, String, String)>,
    history: Vec<(String, String, String, String)>,
    messages: Vec<(String, String, String)>,
    responses: Vec<ResponseView>,
    offer: Offer,
    notice: Option<String>,
}

struct ResponseView {
    at: String,
    records: String,
    files: Vec<Attachment>,
}

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

#[get("/requests/{id}")]
pub async fn request_page(v: Visitor, id: web::Path<RequestId>, flash: web::Query<Flash>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let id = id.into_inner();
    let act = v.authorize(Action::ReadRequest).await?;
    let r = service::read(&v.state, &act, id).await?;
    let thread = match v.authorize(Action::ListRequestMessages).await {
        Ok(act) => service::messages(&v.state, &act, id).await.map(|m| m.items).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let names = names(&v).await?;
    let p = &v.session.principal;
    let side = if p.org_id == r.issuer_id
        && (p.can(crate::domain::Permission::IssueDataRequests)
            || p.can(crate::domain::Permission::IssueFreezeRequests))
    {
        Some(Side::Issuer)
    } else if p.org_id == r.addressee_id && p.can(crate::domain::Permission::AnswerRequests) {
        Some(Side::Addressee)
    } else {
        None
    };
    let transitions: Vec<(String, String)> = side
        .map(|s| rules::allowed(r.status, s))
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.as_str().to_string(), t.get(&format!("to-{}", s.as_str()))))
        .collect();
    let offer = Offer {
        may_refuse: transitions.iter().any(|(to, _)| to == "rejected"),
        transitions,
        validate: r.status == RequestStatus::PendingValidation && r.validator_id == Some(p.org_id)
            || (r.validator_id == Some(p.org_id) && r.validated_at.is_none() && r.validation_due_at.is_some()),
        respond: side == Some(Side::Addressee)
            && matches!(r.status, RequestStatus::Acknowledged | RequestStatus::InProgress),
        extend: side == Some(Side::Issuer) && r.type_ == RequestType::Preservation && r.preservation_until.is_some(),
        message: r.status.is_open() || r.status == RequestStatus::PendingValidation,
        reason_codes: ReasonCode::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), t.get(&format!("reason-{}", c.as_str()))))
            .collect(),
    };
    let identifiers = r
        .identifiers
        .as_array()
        .map(|list| {
            list.iter()
                .map(|i| {
                    let port = i["port"].as_u64().map(|p| format!(":{p}")).unwrap_or_default();
                    (
                        i["type"].as_str().unwrap_or("").to_string(),
                        format!("{}{port}", defang(i["value"].as_str().unwrap_or(""))),
                        i["observed_at"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let history = r
        .history
        .iter()
        .map(|h| {
            (
                t.when(&h.at),
                t.get(&format!("status-{}", h.to.as_str())),
                name_of(&names, h.actor_organization_id),
                h.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    let messages = thread
        .into_iter()
        .map(|m| (t.when(&m.created_at), name_of(&names, m.author_organization_id), m.body))
        .collect();
    let responses = r
        .responses
        .iter()
        .map(|resp| ResponseView {
            at: t.when(&resp.created_at),
            records: serde_json::to_string_pretty(&resp.records).unwrap_or_default(),
            files: resp.attachments.iter().map(|a| Attachment { ..clone_attachment(a) }).collect(),
        })
        .collect();
    let page = RequestPage {
        t,
        chrome: v.chrome("requests"),
        type_label: t.get(&format!("type-{}", r.type_.as_str())),
        status_label: t.get(&format!("status-{}", r.status.as_str())),
        urgency_label: t.get(&format!("urgency-{}", r.urgency.as_str())),
        categories: r
            .data_categories
            .iter()
            .map(|c| t.get(&format!("category-{}", c.as_str())))
            .collect::<Vec<_>>()
            .join(", "),
        issuer: name_of(&names, r.issuer_id),
        addressee: name_of(&names, r.addressee_id),
        validator: r.validator_id.map(|o| name_of(&names, o)).unwrap_or_default(),
        badge: deadline_badge(&t, r.deadline.or(r.validation_due_at), r.status.is_open(), Utc::now()),
        identifiers,
        history,
        messages,
        responses,
        offer,
        notice: site::done_notice(&t, flash.done.as_deref()),
        r,
    };
    site::page(&page)
}

fn clone_attachment(a: &Attachment) -> Attachment {
    Attachment {
        id: a.id,
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
    }
}

fn version(f: &Fields) -> IfMatch {
    IfMatch(f.get("version").parse().ok())
}

fn back(id: RequestId, done: &str) -> HttpResponse {
    site::see(&format!("/console/requests/{id}?done={done}"))
}

#[post("/requests/{id}/transition")]
pub async fn transition_form(v: Visitor, id: web::Path<RequestId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let act = v.authorize(Action::TransitionRequest).await?;
    let input = Transition { to: f.get("to"), reason_code: f.opt("reason_code"), note: f.opt("note") };
    service::transition(&v.state, &act, id, version(&f), &input).await?;
    Ok(back(id, "moved"))
}

#[post("/requests/{id}/validate")]
pub async fn validate_form(v: Visitor, id: web::Path<RequestId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let act = v.authorize(Action::ValidateRequest).await?;
    let input = Validation { decision: f.get("decision"), note: f.opt("note") };
    service::validate(&v.state, &act, id, version(&f), &input).await?;
    Ok(back(id, "validated"))
}

#[post("/requests/{id}/extend")]
pub async fn extend_form(v: Visitor, id: web::Path<RequestId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let act = v.authorize(Action::ExtendRequest).await?;
    service::extend(&v.state, &act, id, version(&f)).await?;
    Ok(back(id, "extended"))
}

#[post("/requests/{id}/messages")]
pub async fn message_form(v: Visitor, id: web::Path<RequestId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let id = id.into_inner();
    let act = v.authorize(Action::PostRequestMessage).await?;
    service::post_message(&v.state, &act, id, &NewMessage { body: f.get("body"), to: None }).await?;
    Ok(back(id, "message"))
}

/// The answer: records typed as lines and files, streamed to the chunked store as they arrive
/// (checked before anything of the body is read; the form's token is its first part).
#[post("/requests/{id}/responses")]
pub async fn respond_form(
    v: Visitor,
    id: web::Path<RequestId>,
    form: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let act = v.authorize(Action::RespondToRequest).await?;
    // The token is the form's first part, checked before anything else of the body is read.
    let first = upload::FirstPart(&v.session.csrf);
    let upload = service::receive(&v.state, &act, id, form, upload::CONSOLE_FIELDS, Some(first)).await?;
    service::respond(&v.state, &act, id, upload).await?;
    Ok(back(id, "answered"))
}

/// A file of an answer: always a download (`Content-Disposition: attachment`), in a sandbox
/// should a browser render it anyway, with its SHA-256.
#[get("/requests/{id}/attachments/{aid}")]
pub async fn attachment_download(v: Visitor, path: web::Path<(RequestId, Uuid)>) -> ApiResult<HttpResponse> {
    let act = v.authorize(Action::DownloadAttachment).await?;
    let (id, aid) = path.into_inner();
    let (meta, chunks) = service::attachment(&v.state, &act, id, aid).await?;
    let ascii: String =
        meta.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded =
        url::form_urlencoded::byte_serialize(meta.filename.as_bytes()).collect::<String>().replace('+', "%20");
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("Content-Security-Policy", "sandbox"))
        .insert_header(("X-Content-SHA256", hex::encode(&meta.sha256)))
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")))
        .body(actix_web::body::SizedStream::new(meta.size as u64, chunks.map_ok(web::Bytes::from))))
}

/// A signed document as the printable page shows it.
struct DocView {
    kind: String,
    at: String,
    key_id: String,
    sha256: String,
    payload: String,
    verified: bool,
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    t: Tr,
    chrome: Chrome,
    r: DataRequest,
    issuer: String,
    addressee: String,
    validator: String,
    type_label: String,
    docs: Vec<DocView>,
}

/// The signed order, decisions and answers, with their hashes and whether each signature
/// verifies against the platform's published keys: a page to print.
#[get("/requests/{id}/order")]
pub async fn order_page(v: Visitor, id: web::Path<RequestId>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let id = id.into_inner();
    let act = v.authorize(Action::ReadRequest).await?;
    let r = service::read(&v.state, &act, id).await?;
    let docs = service::signed_documents(&v.state, &act, id).await?;
    let keys = service::signing_keys(&v.state)?;
    let names = names(&v).await?;
    let docs = docs
        .items
        .into_iter()
        .map(|d| DocView {
            kind: t.get(&format!("document-{}", d.kind)),
            at: t.when(&d.created_at),
            verified: service::verify_document(&keys, &d.payload, &d.jws).is_ok(),
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(d.payload.as_bytes())),
            payload: serde_json::from_str::<serde_json::Value>(&d.payload)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(d.payload),
            key_id: d.kid,
        })
        .collect();
    site::page(&OrderPage {
        t,
        chrome: v.chrome("requests"),
        issuer: name_of(&names, r.issuer_id),
        addressee: name_of(&names, r.addressee_id),
        validator: r.validator_id.map(|o| name_of(&names, o)).unwrap_or_default(),
        type_label: t.get(&format!("type-{}", r.type_.as_str())),
        docs,
        r,
    })
}

#[derive(Template)]
#[template(path = "console/request_new.html")]
struct NewPage {
    t: Tr,
    chrome: Chrome,
    addressees: Vec<(String, String, bool)>,
    validators: Vec<(String, String, bool)>,
    types: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    urgencies: Vec<(String, String, bool)>,
    id_types: Vec<(String, String)>,
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

async fn new_page(v: &Visitor, f: Fields, errors: Vec<(String, String)>) -> ApiResult<NewPage> {
    let t = v.tr;
    let names = names(v).await?;
    let mut orgs: Vec<(OrgId, String, OrgKind)> = names.iter().map(|(id, (n, k))| (*id, n.clone(), *k)).collect();
    orgs.sort_by_key(|o| o.1.to_lowercase());
    let pick = |kinds: &[OrgKind], field: &str| -> Vec<(String, String, bool)> {
        let chosen = f.get(field);
        orgs.iter()
            .filter(|o| kinds.contains(&o.2))
            .map(|o| {
                (
                    o.0.to_string(),
                    format!("{} ({})", o.1, t.get(&format!("kind-{}", o.2.as_str()))),
                    o.0.to_string() == chosen,
                )
            })
            .collect()
    };
    let addressees = pick(&[OrgKind::Isp, OrgKind::Bank], "addressee_id");
    let validators = pick(&[OrgKind::Prosecution, OrgKind::Court], "validator_id");
    let types =
        options(RequestType::ALL, |x| (x.as_str().into(), t.get(&format!("type-{}", x.as_str()))), &[f.get("type")]);
    let categories = options(
        DataCategory::ALL,
        |x| (x.as_str().into(), t.get(&format!("category-{}", x.as_str()))),
        &f.all("data_categories"),
    );
    let urgency = f.opt("urgency").unwrap_or_else(|| "routine".into());
    let urgencies =
        options(Urgency::ALL, |x| (x.as_str().into(), t.get(&format!("urgency-{}", x.as_str()))), &[urgency]);
    let id_types =
        crate::domain::IndicatorType::ALL.iter().map(|x| (x.as_str().to_string(), x.as_str().to_string())).collect();
    let idempotency_key = f.opt("idempotency_key").unwrap_or_else(|| Uuid::new_v4().to_string());
    Ok(NewPage {
        t,
        chrome: v.chrome("requests"),
        addressees,
        validators,
        types,
        categories,
        urgencies,
        id_types,
        f,
        errors,
        idempotency_key,
    })
}

#[get("/requests/new")]
pub async fn new_form(v: Visitor) -> ApiResult<HttpResponse> {
    site::page(&new_page(&v, Fields(Vec::new()), Vec::new()).await?)
}

/// A `datetime-local` value (`2026-12-07T10:15`, taken as UTC) or a full RFC 3339 time.
fn moment(value: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(value).ok().or_else(|| {
        let with_seconds = if value.len() == 16 { format!("{value}:00") } else { value.to_string() };
        chrono::NaiveDateTime::parse_from_str(&with_seconds, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|n| n.and_utc().fixed_offset())
    })
}

#[post("/requests")]
pub async fn issue_form(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let mut local = Vec::new();
    let addressee = f.get("addressee_id").parse::<Uuid>();
    if addressee.is_err() {
        local.push(("addressee_id".to_string(), t.get("new-pick-addressee")));
    }
    // Nothing typed is dropped: what cannot be read is named, as the API names it.
    let mut unreadable = |field: &str, value: Option<String>, ok: bool| {
        if value.is_some() && !ok {
            local.push((field.to_string(), t.get("new-unreadable")));
        }
    };
    let mut identifiers = Vec::new();
    for i in 0..3 {
        let value = f.get(&format!("identifier_value_{i}"));
        let port = f.opt(&format!("identifier_port_{i}"));
        let observed = f.opt(&format!("identifier_observed_{i}"));
        let parsed_port = port.as_deref().map(str::parse::<u16>);
        let parsed_observed = observed.as_deref().map(moment);
        unreadable(&format!("identifiers[{i}].port"), port.clone(), !matches!(parsed_port, Some(Err(_))));
        unreadable(&format!("identifiers[{i}].observed_at"), observed.clone(), !matches!(parsed_observed, Some(None)));
        if !value.is_empty() {
            identifiers.push(Identifier {
                type_: f.get(&format!("identifier_type_{i}")),
                value,
                port: parsed_port.and_then(Result::ok),
                observed_at: parsed_observed.flatten().map(|m| m.to_rfc3339()),
            });
        }
    }
    let from = f.opt("period_from");
    let to = f.opt("period_to");
    let period = match (from.as_deref().map(moment), to.as_deref().map(moment)) {
        (Some(Some(from)), Some(Some(to))) => Some(Period { from, to }),
        (None, None) => None,
        _ => {
            local.push(("period".to_string(), t.get("new-period-both")));
            None
        }
    };
    let notify = f.opt("no_customer_notification_until");
    let notify_date = notify.as_deref().map(str::parse::<chrono::NaiveDate>);
    let validator = f.opt("validator_id");
    let validator_id = validator.as_deref().map(str::parse::<Uuid>);
    let mut unreadable = |field: &str, value: Option<String>, ok: bool| {
        if value.is_some() && !ok {
            local.push((field.to_string(), t.get("new-unreadable")));
        }
    };
    unreadable("no_customer_notification_until", notify, !matches!(notify_date, Some(Err(_))));
    unreadable("validator_id", validator, !matches!(validator_id, Some(Err(_))));
    if !local.is_empty() {
        let errors = local.into_iter().map(|(field, message)| (field_label(&t, &field), message)).collect();
        return site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?);
    }
    let input = CreateRequest {
        type_: f.get("type"),
        addressee_id: OrgId(addressee.unwrap_or_default()),
        case_reference: f.get("case_reference"),
        legal_basis: LegalBasis { provision: f.get("legal_provision"), text: f.opt("legal_text") },
        data_categories: f.all("data_categories"),
        urgency: f.get("urgency"),
        justification: f.opt("justification"),
        identifiers,
        period,
        report_ids: Vec::new(),
        no_customer_notification_until: notify_date.and_then(Result::ok),
        deadline: None,
        validator_id: validator_id.and_then(Result::ok).map(OrgId),
    };
    let kind = match input.type_.parse::<RequestType>() {
        Ok(k) => k,
        Err(_) => {
            let errors = vec![("type".to_string(), v.tr.get("new-pick-type"))];
            return site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?);
        }
    };
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
            site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &new_page(&v, f, errors).await?)
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

/// A type of the catalogue as the form's panel shows it.
struct CatalogueRow {
    label: String,
    supported: bool,
    held: String,
    retention: String,
    legal: String,
}

struct CatalogueView {
    request_types: Vec<CatalogueRow>,
    contact: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "console/catalogue.html")]
struct CataloguePanel {
    t: Tr,
    caps: Option<CatalogueView>,
}

#[derive(Deserialize)]
pub struct CatalogueQuery {
    addressee_id: Option<String>,
}

/// The addressee's catalogue beside the request form (htmx fetches it when the addressee
/// changes; without script the form works as it is): what it answers, holds and keeps, what a
/// request must cite, its 24/7 contact. The API's `GET /organizations/{id}/capabilities`.
#[get("/requests/new/catalogue")]
pub async fn catalogue_panel(v: Visitor, q: web::Query<CatalogueQuery>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let Some(id) = q.addressee_id.as_deref().and_then(|a| a.parse::<Uuid>().ok()) else {
        return Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(""));
    };
    let act = v.authorize(Action::ReadCapabilities).await?;
    let caps = match service::capabilities(&v.state, &act, OrgId(id)).await {
        Ok(value) => serde_json::from_value::<Capabilities>(value).ok(),
        Err(ApiError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let caps = caps.map(|c| CatalogueView {
        request_types: c
            .request_types
            .into_iter()
            .map(|r| CatalogueRow {
                label: t.get(&format!("type-{}", r.type_)),
                supported: r.supported,
                held: r.data_held.iter().map(|d| t.get(&format!("category-{d}"))).collect::<Vec<_>>().join(", "),
                retention: r.retention.unwrap_or_default(),
                legal: r.legal_requirements.unwrap_or_default(),
            })
            .collect(),
        contact: format!("{}, {}, {}", c.emergency_contact.name, c.emergency_contact.email, c.emergency_contact.phone),
        notes: c.notes.unwrap_or_default(),
    });
    site::page(&CataloguePanel { t, caps })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(catalogue_panel)
        .service(new_form)
        .service(issue_form)
        .service(request_page)
        .service(transition_form)
        .service(validate_form)
        .service(extend_form)
        .service(message_form)
        .service(respond_form)
        .service(attachment_download)
        .service(order_page);
}
