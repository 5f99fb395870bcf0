//! An organisation's integration, for its org_admin: API keys (a new key shown once, with a
//! copy button; scopes, networks, certificate binding, expiry; revoking) and webhooks (a new
//! endpoint's signing secret shown once; a test send; the delivery log with each attempt).
//! Every page calls `apikeys::service` and `webhooks::service` as the JSON API does: another
//! organisation's key or endpoint answers 404.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use uuid::Uuid;

use crate::access::Action;
use crate::apikeys::model::{ApiKey, CreateApiKey, CreatedApiKey};
use crate::apikeys::service as keys;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{ApiKeyId, Scope};
use crate::events::EventType;
use crate::kernel::error::{ApiError, ApiResult};
use crate::webhooks::model::{CreateWebhook, DeliveryQuery, Webhook};
use crate::webhooks::service as hooks;

/// A key as a row: (name, prefix, scopes, networks, certificate, expires, last used, revoked).
struct KeyRow {
    id: ApiKeyId,
    name: String,
    prefix: String,
    scopes: String,
    networks: String,
    certificate: String,
    expires: String,
    last_used: String,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
struct KeysPage {
    t: Tr,
    chrome: Chrome,
    keys: Vec<KeyRow>,
    scopes: Vec<(String, bool)>,
    /// The key just created, shown this once.
    created: Option<CreatedApiKey>,
    certificates: bool,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
}

async fn keys_page(
    v: &Visitor,
    created: Option<CreatedApiKey>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
) -> ApiResult<KeysPage> {
    let t = v.tr;
    let act = v.authorize(Action::ListApiKeys).await?;
    let list: Vec<ApiKey> = keys::list(&v.state, &act).await?;
    let chosen = f.all("scopes");
    let kind = v.session.principal.org_kind;
    Ok(KeysPage {
        keys: list
            .into_iter()
            .map(|k| KeyRow {
                id: k.id,
                name: k.name,
                prefix: k.prefix,
                scopes: k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                networks: if k.allowed_networks.is_empty() {
                    t.get("keys-anywhere")
                } else {
                    k.allowed_networks.join(", ")
                },
                certificate: k.client_certificate_sha256.unwrap_or_else(|| "—".into()),
                expires: t.when_opt(&k.expires_at),
                last_used: t.when_opt(&k.last_used_at),
                revoked: k.revoked_at.as_ref().map(|at| t.when(at)),
            })
            .collect(),
        scopes: Scope::ALL
            .iter()
            .filter(|s| s.allowed_for_kind(kind))
            .map(|s| (s.as_str().to_string(), chosen.iter().any(|c| c == s.as_str())))
            .collect(),
        certificates: v.state.config.client_cert_header.is_some(),
        chrome: v.chrome("organisation"),
        t,
        created,
        notice,
        errors,
        f,
    })
}

#[get("/organisation/api-keys")]
pub async fn keys_list(v: Visitor, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&keys_page(&v, None, notice, Vec::new(), Fields(Vec::new())).await?)
}

/// The page's label of a field the API names.
fn key_label(t: &Tr, field: &str) -> String {
    let key = match field.split('[').next().unwrap_or(field) {
        "name" => "keys-name",
        "scopes" => "keys-scopes",
        "expires_at" => "keys-expires",
        "allowed_networks" => "keys-networks",
        "client_certificate_sha256" => "keys-certificate",
        _ => return field.to_string(),
    };
    t.get(key)
}

/// A new key: shown on the page this once (never in a link, never again).
#[post("/organisation/api-keys")]
pub async fn keys_create(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    // The key works to the end of the day chosen (the start of the next, in the person's zone).
    let expires_at = match f.opt("expires") {
        None => None,
        Some(day) => match t.typed_day(&day).and_then(|start| {
            let next = start.date_naive().checked_add_days(chrono::Days::new(1)).ok_or("new-unreadable")?;
            t.typed_day(&next.format("%Y-%m-%d").to_string())
        }) {
            Ok(at) => Some(at.with_timezone(&chrono::Utc)),
            Err(key) => {
                let errors = vec![(t.get("keys-expires"), t.get(key))];
                return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &keys_page(&v, None, None, errors, f).await?);
            }
        },
    };
    let networks: Vec<String> =
        f.get("networks").split([',', '\n', ' ']).map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
    let body = CreateApiKey {
        name: f.get("name"),
        scopes: f.all("scopes"),
        expires_at,
        allowed_networks: Some(networks),
        client_certificate_sha256: f.opt("certificate"),
        standing_purpose: None,
    };
    let act = v.authorize(Action::CreateApiKey).await?;
    match keys::create(&v.state, &act, &body).await {
        Ok(created) => site::page(&keys_page(&v, Some(created), None, Vec::new(), Fields(Vec::new())).await?),
        Err(ApiError::Validation(list)) => {
            let errors = list.into_iter().map(|e| (key_label(&t, &e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &keys_page(&v, None, None, errors, f).await?)
        }
        Err(e) => Err(e),
    }
}

#[post("/organisation/api-keys/{id}/revoke")]
pub async fn keys_revoke(v: Visitor, id: web::Path<ApiKeyId>, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::RevokeApiKey).await?;
    keys::revoke(&v.state, &act, id.into_inner()).await?;
    Ok(site::see("/console/organisation/api-keys?done=key_revoked"))
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct HooksPage {
    t: Tr,
    chrome: Chrome,
    hooks: Vec<Webhook>,
    types: Vec<(String, bool)>,
    /// The endpoint just registered, its secret shown this once.
    created: Option<Webhook>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
}

async fn hooks_page(
    v: &Visitor,
    created: Option<Webhook>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
) -> ApiResult<HooksPage> {
    let act = v.authorize(Action::ListWebhooks).await?;
    let chosen = f.all("event_types");
    Ok(HooksPage {
        t: v.tr,
        chrome: v.chrome("organisation"),
        hooks: hooks::list(&v.state, &act).await?,
        types: EventType::ALL
            .iter()
            .filter(|e| **e != EventType::WebhookTest)
            .map(|e| (e.as_str().to_string(), chosen.iter().any(|c| c == e.as_str())))
            .collect(),
        created,
        notice,
        errors,
        f,
    })
}

#[get("/organisation/webhooks")]
pub async fn hooks_list(v: Visitor, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&hooks_page(&v, None, notice, Vec::new(), Fields(Vec::new())).await?)
}

#[post("/organisation/webhooks")]
pub async fn hooks_create(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let act = v.authorize(Action::CreateWebhook).await?;
    let body = CreateWebhook { url: f.get("url"), event_types: f.all("event_types") };
    match hooks::create(&v.state, &act, &body).await {
        Ok(created) => site::page(&hooks_page(&v, Some(created), None, Vec::new(), Fields(Vec::new())).await?),
        Err(ApiError::Validation(list)) => {
            let label = |field: &str| {
                if field == "url" {
                    t.get("hooks-url")
                } else {
                    t.get("hooks-types")
                }
            };
            let errors = list.into_iter().map(|e| (label(&e.field), e.message)).collect();
            site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &hooks_page(&v, None, None, errors, f).await?)
        }
        Err(e) => Err(e),
    }
}

/// A delivery as a row.
struct DeliveryRow {
    event_type: String,
    status: String,
    attempts: i32,
    at: String,
    last: String,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct HookPage {
    t: Tr,
    chrome: Chrome,
    hook: Webhook,
    deliveries: Vec<DeliveryRow>,
    notice: Option<String>,
    error: Option<String>,
}

async fn hook_page(v: &Visitor, id: Uuid, notice: Option<String>, error: Option<String>) -> ApiResult<HookPage> {
    let t = v.tr;
    let act = v.authorize(Action::ListWebhookDeliveries).await?;
    let hook = hooks::read(&v.state, &v.authorize(Action::ListWebhooks).await?, id).await?;
    let q = DeliveryQuery { status: None, limit: Some(50), cursor: None };
    let page = hooks::deliveries(&v.state, &act, id, &q).await?;
    let deliveries = page
        .items
        .into_iter()
        .map(|d| {
            let last = d
                .log
                .last()
                .map(|a| match (a.status, &a.error) {
                    (Some(code), _) => format!("HTTP {code} · {} ms", a.duration_ms),
                    (None, Some(e)) => e.clone(),
                    (None, None) => String::new(),
                })
                .unwrap_or_default();
            DeliveryRow {
                event_type: d.event_type.as_str().to_string(),
                status: t.get(&format!("hooks-status-{}", d.status.as_str())),
                attempts: d.attempts,
                at: t.when(&d.created_at),
                last,
            }
        })
        .collect();
    Ok(HookPage { t, chrome: v.chrome("organisation"), hook, deliveries, notice, error })
}

#[get("/organisation/webhooks/{id}")]
pub async fn hook_read(v: Visitor, id: web::Path<Uuid>, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&hook_page(&v, id.into_inner(), notice, None).await?)
}

/// A test send: a `webhook.test` event to this endpoint only (six a minute).
#[post("/organisation/webhooks/{id}/test")]
pub async fn hook_test(v: Visitor, id: web::Path<Uuid>, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let id = id.into_inner();
    let act = v.authorize(Action::TestWebhook).await?;
    match hooks::test(&v.state, &act, id).await {
        Ok(_) => Ok(site::see(&format!("/console/organisation/webhooks/{id}?done=test_queued"))),
        Err(ApiError::TooManyRequests { detail, .. }) => {
            site::page_with(StatusCode::TOO_MANY_REQUESTS, &hook_page(&v, id, None, Some(detail)).await?)
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(keys_list)
        .service(keys_create)
        .service(keys_revoke)
        .service(hooks_list)
        .service(hooks_create)
        .service(hook_read)
        .service(hook_test);
}
