//! An org_admin's page of their organisation: its people (add one and hand over the enrolment
//! token shown once, a new link for someone locked out, accredit an officer, deactivate), and,
//! for an ISP or a bank, the capability catalogue with its 24/7 contact that the request form
//! reads. The rules are the services' (`users::service`, `requests::service`): nobody accredits
//! themselves, one org_admin alone accredits no one, and so on; a refusal shows as a page.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::access::four_eyes::Outcome;
use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{OrgKind, Role, UserId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::organizations::model::Contact;
use crate::requests::model::{Capabilities, DataCategory, RequestType, TypeCapability};
use crate::requests::rules;
use crate::users::model::{CreateUser, OfficerAuthorisation, OfficerBody, UpdateUser, UserQuery};

struct Person {
    id: UserId,
    name: String,
    email: String,
    role: String,
    active: bool,
    is_me: bool,
    function: String,
    registration: String,
    issues: bool,
    validates: bool,
    version: i32,
    last_login: String,
}

struct TypeRow {
    value: String,
    label: String,
    supported: bool,
    categories: Vec<(String, String, bool)>,
    retention: String,
    legal: String,
}

#[derive(Template)]
#[template(path = "console/organisation.html")]
struct OrganisationPage {
    t: Tr,
    chrome: Chrome,
    people: Vec<Person>,
    public_sector: bool,
    provider: bool,
    types: Vec<TypeRow>,
    contact: Contact,
    notes: String,
    token: Option<(String, String, String)>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
}

async fn organisation_page(
    v: &Visitor,
    token: Option<(String, String, String)>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
) -> ApiResult<OrganisationPage> {
    let t = v.tr;
    let p = &v.session.principal;
    let act = v.authorize(Action::ListUsers).await?;
    let q = UserQuery { limit: Some(500), cursor: None };
    let me = p.user_id();
    let people = crate::users::service::list_users(&v.state, &act, p.org_id, &q)
        .await?
        .items
        .into_iter()
        .map(|u| Person {
            is_me: Some(u.id) == me,
            id: u.id,
            name: u.name,
            email: u.email.as_str().to_string(),
            role: t.get(&format!("role-{}", u.role.as_str())),
            active: u.active,
            function: u.officer.as_ref().map(|o| o.function.clone()).unwrap_or_default(),
            registration: u.officer.as_ref().map(|o| o.registration_number.clone()).unwrap_or_default(),
            issues: u.authorisations.contains(&OfficerAuthorisation::IssueDataRequests),
            validates: u.authorisations.contains(&OfficerAuthorisation::ValidateDataRequests),
            version: u.version,
            last_login: t.when_opt(&u.last_login_at),
        })
        .collect();
    let provider = matches!(p.org_kind, OrgKind::Isp | OrgKind::Bank);
    let (types, contact, notes) = if provider {
        let current: Option<Capabilities> = match v.authorize(Action::ReadCapabilities).await {
            Ok(act) => match crate::requests::service::capabilities(&v.state, &act, p.org_id).await {
                Ok(value) => serde_json::from_value(value).ok(),
                Err(ApiError::NotFound) => None,
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        };
        let types = RequestType::ALL
            .iter()
            .filter(|k| rules::addressed_to(**k).contains(&p.org_kind))
            .map(|k| {
                let had = current.as_ref().and_then(|c| c.request_types.iter().find(|x| x.type_ == k.as_str()));
                TypeRow {
                    value: k.as_str().to_string(),
                    label: t.get(&format!("type-{}", k.as_str())),
                    supported: had.is_some_and(|h| h.supported),
                    categories: DataCategory::ALL
                        .iter()
                        .map(|c| {
                            let on = had.is_some_and(|h| h.data_held.iter().any(|d| d == c.as_str()));
                            (c.as_str().to_string(), t.get(&format!("category-{}", c.as_str())), on)
                        })
                        .collect(),
                    retention: had.and_then(|h| h.retention.clone()).unwrap_or_default(),
                    legal: had.and_then(|h| h.legal_requirements.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let contact = current.as_ref().map(|c| c.emergency_contact.clone()).unwrap_or(Contact {
            name: String::new(),
            email: String::new(),
            phone: String::new(),
        });
        let notes = current.and_then(|c| c.notes).unwrap_or_default();
        (types, contact, notes)
    } else {
        (Vec::new(), Contact { name: String::new(), email: String::new(), phone: String::new() }, String::new())
    };
    Ok(OrganisationPage {
        t,
        chrome: v.chrome("account"),
        people,
        public_sector: p.org_kind.is_public_sector(),
        provider,
        types,
        contact,
        notes,
        token,
        notice,
        errors,
    })
}

#[get("/organisation")]
pub async fn organisation(v: Visitor, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&organisation_page(&v, None, notice, Vec::new()).await?)
}

fn refused(errors: Vec<crate::domain::FieldError>) -> Vec<(String, String)> {
    errors.into_iter().map(|e| (e.field, e.message)).collect()
}

/// Adds a person; their enrolment token is shown this once, to hand over.
#[post("/organisation/people")]
pub async fn add_person(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::CreateUser).await?;
    let input =
        CreateUser { email: f.get("email"), name: f.get("name"), role: f.get("role"), document_reference: None };
    let parsed = match input.parse() {
        Ok(p) => p,
        Err(invalid) => {
            let page = organisation_page(&v, None, None, refused(invalid.0)).await?;
            return site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let org = v.session.principal.org_id;
    match crate::users::service::create_user(&v.state, &act, org, parsed).await {
        Ok(Outcome::Done(made)) => {
            let shown =
                (made.user.email.as_str().to_string(), made.enrolment.token, v.tr.when(&made.enrolment.expires_at));
            site::page(&organisation_page(&v, Some(shown), None, Vec::new()).await?)
        }
        Ok(Outcome::Filed(_)) => Ok(site::see("/console/organisation?done=filed")),
        Err(ApiError::Validation(errors)) => {
            let page = organisation_page(&v, None, None, refused(errors)).await?;
            site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// A new enrolment link for someone: their password stops working, every session ends.
#[post("/organisation/people/{id}/enrolment")]
pub async fn new_link(v: Visitor, id: web::Path<UserId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::SendEnrolmentLink).await?;
    let id = id.into_inner();
    let user = crate::users::service::read_user(&v.state, &v.authorize(Action::ReadUser).await?, id).await?;
    let link = crate::users::service::send_enrolment_link(&v.state, &act, id).await?;
    let shown = (user.email.as_str().to_string(), link.token, v.tr.when(&link.expires_at));
    site::page(&organisation_page(&v, Some(shown), None, Vec::new()).await?)
}

/// An officer's identity and authorisations, or a deactivation (`active`).
#[post("/organisation/people/{id}")]
pub async fn change_person(v: Visitor, id: web::Path<UserId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::UpdateUser).await?;
    let change = match f.get("change").as_str() {
        "officer" => UpdateUser {
            name: None,
            role: None,
            active: None,
            officer: Some(OfficerBody {
                function: f.get("function"),
                registration_number: f.get("registration_number"),
            }),
            authorisations: Some(f.all("authorisations")),
        },
        "deactivate" => UpdateUser { name: None, role: None, active: Some(false), officer: None, authorisations: None },
        "reactivate" => UpdateUser { name: None, role: None, active: Some(true), officer: None, authorisations: None },
        _ => return Err(ApiError::field("change", "unknown change")),
    };
    let version = IfMatch(f.get("version").parse().ok());
    match crate::users::service::update_user(&v.state, &act, id.into_inner(), version, &change).await {
        Ok(_) => Ok(site::see("/console/organisation?done=person_changed")),
        Err(ApiError::Validation(errors)) => {
            let page = organisation_page(&v, None, None, refused(errors)).await?;
            site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// The catalogue: each type the organisation's kind answers, and the 24/7 contact.
#[post("/organisation/capabilities")]
pub async fn capabilities(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::UpdateCapabilities).await?;
    let kind = v.session.principal.org_kind;
    let request_types = RequestType::ALL
        .iter()
        .filter(|k| rules::addressed_to(**k).contains(&kind))
        .map(|k| {
            let name = k.as_str();
            TypeCapability {
                type_: name.to_string(),
                supported: f.get(&format!("supported_{name}")) == "on",
                data_held: f.all(&format!("held_{name}")),
                retention: f.opt(&format!("retention_{name}")),
                legal_requirements: f.opt(&format!("legal_{name}")),
            }
        })
        .collect();
    let caps = Capabilities {
        request_types,
        emergency_contact: Contact {
            name: f.get("contact_name"),
            email: f.get("contact_email"),
            phone: f.get("contact_phone"),
        },
        notes: f.opt("notes"),
    };
    match crate::requests::service::publish_capabilities(&v.state, &act, v.session.principal.org_id, caps).await {
        Ok(_) => Ok(site::see("/console/organisation?done=catalogue")),
        Err(ApiError::Validation(errors)) => {
            let page = organisation_page(&v, None, None, refused(errors)).await?;
            site::page_with(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(organisation).service(add_person).service(new_link).service(change_person).service(capabilities);
}

/// Whether the visitor administers their organisation (the account page links here).
pub fn administers(v: &Visitor) -> bool {
    v.session.principal.role == Role::OrgAdmin && v.session.principal.org_kind != OrgKind::Platform
}
