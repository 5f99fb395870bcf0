//! The console's HTTP plumbing: the signed-in visitor (from the `__Host-` cookie, never a
//! token), the checks every unsafe request passes (origin and the session's CSRF token), the
//! security headers of every console answer, and errors shown as pages.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use super::i18n::{Locale, Tr};
use crate::access::principal::{console_session, ConsoleSession};
use crate::access::{Action, Grant};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// The session's cookie: the secret, never the session id.
pub const SESSION_COOKIE: &str = "__Host-cb_session";
/// The second step of a sign-in: the token of the first (five minutes).
pub const CODE_COOKIE: &str = "__Host-cb_signin";

/// The console's Content-Security-Policy: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";
/// Swagger UI's own (it needs inline styles and scripts of its bundle).
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// A cookie of the console: `__Host-` (no domain, path `/`), `HttpOnly`, `Secure`, `SameSite=Strict`.
pub fn cookie(name: &'static str, value: String, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut c = Cookie::build(name, value).path("/").http_only(true).secure(true).same_site(SameSite::Strict).finish();
    if let Some(secs) = max_age_secs {
        c.set_max_age(actix_web::cookie::time::Duration::seconds(secs));
    }
    c
}

/// A cookie that removes one.
pub fn removal(name: &'static str) -> Cookie<'static> {
    cookie(name, String::new(), Some(0))
}

/// The language of a request: the person's choice, else `Accept-Language`.
pub fn locale_of(req: &HttpRequest, chosen: Option<&str>) -> Locale {
    if let Some(l) = chosen.and_then(|c| c.parse::<Locale>().ok()) {
        return l;
    }
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Locale::negotiate(accept)
}

/// The signed-in person of a console request. Taking a `Visitor` means "must be signed in":
/// without a valid cookie the request is answered 401, which the console shows as the
/// sign-in page.
pub struct Visitor {
    pub session: ConsoleSession,
    pub tr: Tr,
    pub state: web::Data<AppState>,
    /// The page asked for (a GET's path and query), where a link away comes back to.
    pub here: String,
}

impl Visitor {
    /// The grant of an action, checked as the API checks it (refusals audited).
    pub async fn authorize(&self, action: Action) -> ApiResult<Grant> {
        self.session.principal.authorize(&self.state, action).await
    }

    /// What every page's header shows.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome {
            tr: self.tr,
            signed_in: true,
            name: self.session.name.clone(),
            org_name: self.session.org_name.clone(),
            csrf: self.session.csrf.clone(),
            section,
            case: self
                .session
                .case
                .as_ref()
                .map(|c| (c.case_reference.clone(), self.tr.get(&format!("purpose-{}", c.reason.as_str())))),
            case_owed: self.state.purpose_policy.requires(self.session.principal.org_kind),
            here: url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect(),
            may_lookup: self.session.principal.can(crate::domain::Permission::LookupIndicators),
            may_alerts: self.session.principal.can(crate::domain::Permission::ReadAlerts),
            may_audit: self.session.principal.can(crate::domain::Permission::ReadAudit),
            may_requests: self.session.principal.can(crate::domain::Permission::ReadRequests),
        }
    }

    /// Refuses an unsafe request whose form token is not this session's (compared in constant time).
    pub fn check_csrf(&self, presented: &str) -> ApiResult<()> {
        let same = crate::kernel::tokens::same(self.session.csrf.as_bytes(), presented.trim().as_bytes());
        if self.session.csrf.is_empty() || !same {
            return Err(ApiError::Forbidden(
                "the form's security token is not this session's: reload the page and send it again".into(),
            ));
        }
        Ok(())
    }
}

impl FromRequest for Visitor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let meta = RequestMeta::of(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let Some(secret) = secret.filter(|s| !s.is_empty() && s.len() <= 128) else {
                return Err(ApiError::Unauthenticated("sign in".into()));
            };
            match console_session(&state, &secret, meta).await? {
                Ok(session) => {
                    let zone = session.time_zone.as_deref().and_then(|z| z.parse().ok());
                    let tr =
                        Tr::in_zone(locale_of(&req, session.locale.as_deref()), zone.unwrap_or(state.config.time_zone));
                    // A form redrawn by a POST comes back to its page: the new request's form.
                    let here = match (req.method(), req.path()) {
                        (&actix_web::http::Method::GET, _) => safe_next(req.uri().path_and_query().map(|p| p.as_str())),
                        (_, "/console/requests" | "/console/requests/new") => "/console/requests/new".to_string(),
                        _ => safe_next(None),
                    };
                    Ok(Visitor { session, tr, state, here })
                }
                Err(why) => Err(ApiError::Unauthenticated(format!("signed out: {why}"))),
            }
        })
    }
}

/// The request's metadata, marked as the console's.
pub fn console_meta(req: &HttpRequest) -> RequestMeta {
    RequestMeta { console: true, ..RequestMeta::of(req) }
}

/// Only a path of the console is a place to go back to (after signing in, after choosing a
/// case): no other host, no way out of `/console/` by dot segments (plain or encoded), no
/// control character; anything else is the requests.
pub fn safe_next(next: Option<&str>) -> String {
    let path = next.map(|n| n.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase());
    let outside = |n: &str| {
        let p = path.as_deref().unwrap_or_default();
        !n.starts_with("/console/")
            || n.contains('\\')
            || n.chars().any(char::is_control)
            || p.contains("%2e")
            || p.contains("%2f")
            || p.contains("%5c")
            || p.contains("%00")
            || p.split('/').any(|segment| segment == "." || segment == "..")
            || p.contains("//")
    };
    match next {
        Some(n) if !outside(n) => n.to_string(),
        _ => "/console/requests".to_string(),
    }
}

/// What the header of every page shows.
pub struct Chrome {
    pub tr: Tr,
    pub signed_in: bool,
    pub name: String,
    pub org_name: String,
    pub csrf: String,
    /// The navigation entry of the page (`requests`, `account`, ...).
    pub section: &'static str,
    /// The session's current case: (reference, the purpose in words).
    pub case: Option<(String, String)>,
    /// The caller's kind owes a purpose for every search.
    pub case_owed: bool,
    /// Where the header's "change" link comes back to (URL-encoded for a query).
    pub here: String,
    /// The navigation offers the look-up, the alerts.
    pub may_lookup: bool,
    pub may_alerts: bool,
    /// The navigation offers the audit trail, the data requests.
    pub may_audit: bool,
    pub may_requests: bool,
}

impl Chrome {
    /// The header of a page shown before sign-in.
    pub fn anonymous(tr: Tr) -> Self {
        Chrome {
            tr,
            signed_in: false,
            name: String::new(),
            org_name: String::new(),
            csrf: String::new(),
            section: "",
            case: None,
            case_owed: false,
            here: String::new(),
            may_lookup: false,
            may_alerts: false,
            may_audit: false,
            may_requests: false,
        }
    }

    /// The header whose "change case" link comes back to `path` (a page that is itself a
    /// detour, such as the case page, sends the person on to where they were going).
    pub fn back_to(mut self, path: &str) -> Self {
        self.here = url::form_urlencoded::byte_serialize(safe_next(Some(path)).as_bytes()).collect();
        self
    }

    /// `aria-current` for the navigation entry of this page.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }

    pub fn htmx_src(&self) -> &'static str {
        super::assets::HTMX_PATH
    }

    pub fn htmx_integrity(&self) -> &'static str {
        super::assets::htmx_integrity()
    }

    pub fn css_src(&self) -> &'static str {
        super::assets::css_path()
    }

    pub fn js_src(&self) -> &'static str {
        super::assets::js_path()
    }

    pub fn js_integrity(&self) -> &'static str {
        super::assets::js_integrity()
    }
}

/// The `?done=` a page is reached with after a form.
#[derive(serde::Deserialize)]
pub struct Flash {
    done: Option<String>,
}

impl Flash {
    /// Its words, for the notices the pages send only.
    pub fn notice(&self, tr: &Tr) -> Option<String> {
        done_notice(tr, self.done.as_deref())
    }
}

/// The words of a `?done=` notice, for the notices the pages send only (any other is ignored:
/// no one writes into a page through a link).
pub fn done_notice(tr: &Tr, done: Option<&str>) -> Option<String> {
    done.filter(|d| DONE_NOTICES.contains(d)).map(|d| tr.get(&format!("done-{}", d.replace('_', "-"))))
}

/// The `?done=` notices the pages send after a form.
pub const DONE_NOTICES: [&str; 23] = [
    "issued",
    "moved",
    "validated",
    "extended",
    "message",
    "answered",
    "session_ended",
    "filed",
    "person_changed",
    "catalogue",
    "preferences",
    "sighting",
    "outcome",
    "alert_sent",
    "report_sent",
    "withdrawn",
    "corrected",
    "contested",
    "contest_answered",
    "key_revoked",
    "test_queued",
    "watchlist_saved",
    "watchlist_deleted",
];

/// A rendered page (200).
pub fn page(template: &impl Template) -> ApiResult<HttpResponse> {
    page_with(StatusCode::OK, template)
}

pub fn page_with(status: StatusCode, template: &impl Template) -> ApiResult<HttpResponse> {
    let html = template.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html))
}

/// After a form: see the result (303 to `to`).
pub fn see(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// The origins the console's forms may come from: `CYBERBRIDGE_PUBLIC_URL`'s, or, unset (a
/// loopback bind), loopback at the port this server listens on. Never the `Host` header, which
/// the client writes (DNS rebinding).
fn expected_origins(req: &HttpRequest, state: Option<&AppState>) -> Vec<String> {
    match state {
        Some(s) if s.config.public_url.is_some() => vec![s.config.public_origin().unwrap_or_default()],
        _ => {
            let port = req.app_config().local_addr().port();
            ["127.0.0.1", "localhost", "[::1]"].iter().map(|h| format!("http://{h}:{port}")).collect()
        }
    }
}

/// Whether an unsafe request comes from the console's own origin: `Origin` equal to the
/// public origin, or, where the browser withholds it (`Origin: null`, which our own
/// `Referrer-Policy: no-referrer` makes browsers send on form posts, or none),
/// `Sec-Fetch-Site: same-origin`. Neither: refused.
pub fn same_origin(req: &HttpRequest, origins: &[String]) -> bool {
    match req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) if origin != "null" => origins.iter().any(|o| origin.eq_ignore_ascii_case(o)),
        _ => req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin"),
    }
}

/// The console's middleware: unsafe requests from another origin are refused before any
/// handler runs; every answer gets the security headers; an error answered as a problem
/// document is shown as a page saying what to do next (401: the sign-in page).
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let locale = locale_of(req.request(), None);
    // Only an unsafe request is checked (and only then are the origins worked out).
    let foreign = unsafe_method
        && !same_origin(req.request(), &expected_origins(req.request(), state.as_ref().map(|s| s.get_ref())));
    let mut res = if foreign {
        let problem = Shown {
            status: StatusCode::FORBIDDEN,
            detail: "this form was sent from another site: the console only takes forms sent from its own pages".into(),
            fields: Vec::new(),
        };
        let (http, _) = req.into_parts();
        let res = error_page(&http, locale, &problem);
        ServiceResponse::new(http, res)
    } else {
        let res = next.call(req).await?.map_into_boxed_body();
        if is_problem(res.response()) {
            let status = res.status();
            let (http, old) = res.into_parts();
            let detail = problem_detail(old).await;
            let res = if status == StatusCode::UNAUTHORIZED && http.method() == Method::GET {
                let next = http.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                let mut to = url::form_urlencoded::Serializer::new(String::new());
                to.append_pair("next", &next);
                let mut r = see(&format!("{}?{}", super::pages::sign_in::PATH, to.finish()));
                // Only a cookie that came and was refused: a link from elsewhere (an e-mail)
                // arrives without the SameSite=Strict cookie and must not delete it.
                if http.cookie(SESSION_COOKIE).is_some() {
                    let _ = r.add_cookie(&removal(SESSION_COOKIE));
                }
                r
            } else if http.headers().contains_key("hx-request") {
                // htmx does not swap an error in: the whole page goes to the error (or, signed
                // out, to the sign-in page), so that nothing stays silently stale.
                let mut r = error_page(&http, locale, &detail);
                let to = if status == StatusCode::UNAUTHORIZED { super::pages::sign_in::PATH } else { "" };
                match HeaderValue::from_str(to) {
                    Ok(v) if !to.is_empty() => {
                        r.headers_mut().insert(header::HeaderName::from_static("hx-redirect"), v)
                    }
                    _ => r
                        .headers_mut()
                        .insert(header::HeaderName::from_static("hx-refresh"), HeaderValue::from_static("true")),
                };
                r
            } else {
                error_page(&http, locale, &detail)
            };
            ServiceResponse::new(http, res)
        } else {
            res
        }
    };
    let h = res.headers_mut();
    let set = |h: &mut header::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(header::HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(h, "content-security-policy", CSP);
    }
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-content-type-options", "nosniff");
    set(h, "permissions-policy", PERMISSIONS);
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    Ok(res)
}

/// Swagger UI's headers: its own policy (it runs inline scripts), never framed; 404 when
/// switched off (`CYBERBRIDGE_DOCS=off`).
pub async fn docs_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let off = req.app_data::<web::Data<AppState>>().is_some_and(|s| !s.config.docs_on());
    if docs && off {
        let (http, _) = req.into_parts();
        let res = actix_web::ResponseError::error_response(&ApiError::NoRoute(http.path().to_string()));
        return Ok(ServiceResponse::new(http, res));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if docs {
        let h = res.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
        h.insert(header::HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    Ok(res)
}

fn is_problem(res: &HttpResponse) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"))
}

/// An error as its page shows it: the status, the service's words, the fields to fix.
pub struct Shown {
    pub status: StatusCode,
    pub detail: String,
    pub fields: Vec<(String, String)>,
}

/// The problem document an error answered, read back for its page.
async fn problem_detail(res: HttpResponse) -> Shown {
    let status = res.status();
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let detail = json["detail"].as_str().unwrap_or("").to_string();
    let fields: Vec<(String, String)> = json["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    (e["field"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    Shown { status, detail, fields }
}

/// The page of an error: what happened, what to do next, the request's id for the help desk;
/// never a stack trace or a problem document.
pub fn error_page(req: &HttpRequest, locale: Locale, error: &Shown) -> HttpResponse {
    let tr = Tr::new(locale);
    let Shown { status, detail, fields } = error;
    let (status, detail, fields) = (*status, detail.clone(), fields.clone());
    let kind = match status.as_u16() {
        400 | 413 | 415 | 422 => "invalid",
        401 => "signed-out",
        403 => "forbidden",
        404 => "not-found",
        409 | 412 | 428 => "conflict",
        410 => "gone",
        429 => "too-many",
        503 => "unavailable",
        s if s >= 500 => "failed",
        _ => "invalid",
    };
    let request_id = req.extensions_get_request_id();
    let page = super::pages::errors::ErrorPage {
        t: tr,
        chrome: Chrome::anonymous(tr),
        title: tr.get(&format!("error-{kind}-title")),
        next_step: tr.get(&format!("error-{kind}-next")),
        detail: if status.is_server_error() { String::new() } else { detail },
        fields,
        request_id,
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html),
        Err(_) => {
            HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(tr.get("error-failed-title"))
        }
    }
}

trait RequestIdOf {
    fn extensions_get_request_id(&self) -> String;
}

impl RequestIdOf for HttpRequest {
    fn extensions_get_request_id(&self) -> String {
        use actix_web::HttpMessage;
        self.extensions().get::<crate::kernel::http::RequestId>().map(|r| r.0.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_console_path_is_a_place_to_come_back_to() {
        for good in [
            "/console/requests",
            "/console/requests/new?addressee_id=x&type=y",
            "/console/case?next=%2Fconsole%2Faccount",
        ] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/console/",
            "/console//evil.example",
            "/console/\\evil.example",
            "/console/../api/v1/me",
            "/console/%2e%2e/api/v1/me",
            "/console/%2E%2E/api",
            "/console/a%2fb",
            "/console/./requests",
            "/console/\r\nSet-Cookie: x=y",
            "/console/requests\u{0}",
            "/api/v1/me",
        ] {
            assert_eq!(safe_next(Some(bad)), "/console/requests", "{bad}");
        }
        assert_eq!(safe_next(None), "/console/requests");
    }
}
