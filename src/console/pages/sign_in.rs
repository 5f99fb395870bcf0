//! Signing in (e-mail, password, and the code of a second factor, at once or as a second
//! step) and out. The steps are the API's login (`auth::service`): the same rate limit,
//! lockout and audit; the browser gets a cookie, never a token.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::Action;
use crate::auth::model::LoginRequest;
use crate::auth::service::{self, SignIn};
use crate::console::i18n::Tr;
use crate::console::site::{
    self, console_meta, cookie, locale_of, removal, Chrome, Visitor, CODE_COOKIE, SESSION_COOKIE,
};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

pub const PATH: &str = "/console/sign-in";

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    t: Tr,
    chrome: Chrome,
    code_step: bool,
    email: String,
    next: String,
    message: Option<String>,
    enrolled: bool,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
    enrolled: Option<String>,
}

fn form(
    req: &HttpRequest,
    code_step: bool,
    email: String,
    next: String,
    message: Option<String>,
) -> ApiResult<HttpResponse> {
    let t = Tr::new(locale_of(req, None));
    let status =
        if message.is_some() { actix_web::http::StatusCode::UNAUTHORIZED } else { actix_web::http::StatusCode::OK };
    site::page_with(
        status,
        &SignInPage { t, chrome: Chrome::anonymous(t), code_step, email, next, message, enrolled: false },
    )
}

#[get("/sign-in")]
pub async fn sign_in_form(req: HttpRequest, q: web::Query<Next>) -> ApiResult<HttpResponse> {
    let t = Tr::new(locale_of(&req, None));
    let page = SignInPage {
        t,
        chrome: Chrome::anonymous(t),
        code_step: false,
        email: String::new(),
        next: site::safe_next(q.next.as_deref()),
        message: None,
        enrolled: q.enrolled.is_some(),
    };
    site::page(&page)
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    code: Option<String>,
    next: Option<String>,
}

/// Opens the session: the cookie carries a fresh secret (the session's id is never sent).
fn signed_in(secret: String, next: &str) -> HttpResponse {
    let mut res = site::see(next);
    let _ = res.add_cookie(&cookie(SESSION_COOKIE, secret, None));
    let _ = res.add_cookie(&removal(CODE_COOKIE));
    res
}

#[post("/sign-in")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Form<SignInForm>,
) -> ApiResult<HttpResponse> {
    let t = Tr::new(locale_of(&req, None));
    let next = site::safe_next(body.next.as_deref());
    let login = LoginRequest { email: body.email.clone(), password: body.password.clone() };
    match service::sign_in(&state, &console_meta(&req), &login, body.code.as_deref()).await {
        Ok(SignIn::Session { secret, .. }) => Ok(signed_in(secret, &next)),
        Ok(SignIn::Code(token)) => {
            let mut res = form(&req, true, String::new(), next, None)?;
            let max_age = crate::auth::session::CHALLENGE_TTL_SECS;
            let _ = res.add_cookie(&cookie(CODE_COOKIE, token, Some(max_age)));
            Ok(res)
        }
        Err(ApiError::Unauthenticated(_)) => form(&req, false, body.email.clone(), next, Some(t.get("sign-in-failed"))),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

#[post("/sign-in/code")]
pub async fn sign_in_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Form<CodeForm>,
) -> ApiResult<HttpResponse> {
    let t = Tr::new(locale_of(&req, None));
    let next = site::safe_next(body.next.as_deref());
    let Some(token) = req.cookie(CODE_COOKIE).map(|c| c.value().to_string()) else {
        return form(&req, false, String::new(), next, Some(t.get("sign-in-again")));
    };
    match service::sign_in_code(&state, &console_meta(&req), &token, &body.code).await {
        Ok(SignIn::Session { secret, .. }) => Ok(signed_in(secret, &next)),
        Ok(SignIn::Code(_)) => Err(ApiError::internal("a second code step")),
        Err(ApiError::Unauthenticated(why)) if why.contains("log in again") => {
            let mut res = form(&req, false, String::new(), next, Some(t.get("sign-in-again")))?;
            let _ = res.add_cookie(&removal(CODE_COOKIE));
            Ok(res)
        }
        Err(ApiError::Unauthenticated(_)) => form(&req, true, String::new(), next, Some(t.get("sign-in-wrong-code"))),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

#[post("/sign-out")]
pub async fn sign_out(v: Visitor, body: web::Form<CsrfForm>) -> ApiResult<HttpResponse> {
    v.check_csrf(&body.csrf)?;
    let act = v.authorize(Action::Logout).await?;
    service::sign_out(&v.state, &act).await?;
    let mut res = site::see(PATH);
    let _ = res.add_cookie(&removal(SESSION_COOKIE));
    Ok(res)
}
