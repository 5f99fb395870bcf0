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
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::IfMatch;
use crate::organizations::model::OrganizationQuery;
use crate::requests::model::*;
use crate::requests::rules::{self, Side};
use crate::requests::{service, upload};

/// The directory's names (the pages name organisations, the API gives ids).
pub(super) async fn names(v: &Visitor) -> ApiResult<HashMap<OrgId, (String, OrgKind)>> {
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
    /// The case the list is narrowed to, if any.
    only_case: Option<String>,
    /// `&all=1` where the list shows every case.
    all_cases: &'static str,
    /// The person's latest notices: (words, link, when).
    notices: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    r#box: Option<String>,
    cursor: Option<String>,
    /// `1`: every case, not only the current one.
    all: Option<String>,
}

#[get("/requests")]
pub async fn list_page(v: Visitor, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    // Nothing else answers until they have: their account page says what to do.
    if v.session.principal.must_enrol_second_factor || v.session.principal.must_change_password {
        return Ok(site::see("/console/account"));
    }
    // The console's first page for those who read no data requests (a regulator): the trends.
    if !v.session.principal.can(crate::domain::Permission::ReadRequests) {
        return Ok(site::see("/console/trends"));
    }
    let t = v.tr;
    let kind = v.session.principal.org_kind;
    let mine = boxes(kind);
    let chosen =
        q.r#box.as_deref().and_then(|b| b.parse::<RequestBox>().ok()).filter(|b| mine.contains(b)).unwrap_or(mine[0]);
    let act = v.authorize(Action::ListRequests).await?;
    // The requests one issued are shown for the current case, when there is one.
    let only_case = match (&v.session.case, chosen, q.all.as_deref()) {
        (Some(case), RequestBox::Issued, None) => Some(case.case_reference.clone()),
        _ => None,
    };
    let query = RequestQuery {
        r#box: Some(chosen.as_str().to_string()),
        status: None,
        r#type: None,
        urgency: None,
        overdue: None,
        expiring_within: None,
        case_reference: only_case.clone(),
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
            let link = crate::notices::console_path(&n.kind, n.request_id, n.alert_id);
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
        all_cases: if q.all.is_some() { "&all=1" } else { "" },
        only_case,
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

#[get("/requests/{id}")]
pub async fn request_page(
    v: Visitor,
    id: web::Path<RequestId>,
    flash: web::Query<site::Flash>,
) -> ApiResult<HttpResponse> {
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
        notice: flash.notice(&t),
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(request_page)
        .service(transition_form)
        .service(validate_form)
        .service(extend_form)
        .service(message_form)
        .service(respond_form)
        .service(attachment_download)
        .service(order_page);
}
