//! The person's account: their sessions (end one, or sign out everywhere) and their password.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use uuid::Uuid;

use crate::access::Action;
use crate::auth::service;
use crate::console::i18n::Tr;
use crate::console::site::{self, removal, Chrome, Visitor, SESSION_COOKIE};
use crate::console::view::Fields;
use crate::kernel::error::{ApiError, ApiResult};
use crate::users::model::ChangePassword;

struct SessionView {
    id: Uuid,
    current: bool,
    created: String,
    last_seen: String,
    address: String,
    second_factor: bool,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    t: Tr,
    chrome: Chrome,
    email: String,
    sessions: Vec<SessionView>,
    notice: Option<String>,
    error: Option<String>,
    /// The person has a second factor (this session was opened with it).
    second_factor: bool,
    factor_required: bool,
    /// An org_admin: a link to the organisation's page.
    administers: bool,
    /// (value, name, chosen) of each language, and whether none is chosen.
    languages: Vec<(String, String, bool)>,
    browser_language: bool,
    /// (IANA name, chosen) of each zone offered (UTC, Europe's, and the person's own), and
    /// the platform's default zone (chosen when the person chose none).
    zones: Vec<(String, bool)>,
    default_zone: String,
    platform_zone: bool,
    notices_opt_out: bool,
}

/// The zones the form offers: UTC, every European zone, and the one chosen if it is another.
fn zones(chosen: Option<&str>) -> Vec<(String, bool)> {
    let mut names: Vec<&str> = std::iter::once("UTC")
        .chain(chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).filter(|n| n.starts_with("Europe/")))
        .collect();
    if let Some(own) = chosen.filter(|c| !names.contains(c)) {
        names.push(own);
    }
    names.into_iter().map(|n| (n.to_string(), chosen == Some(n))).collect()
}

async fn account_page(v: &Visitor, notice: Option<String>, error: Option<String>) -> ApiResult<AccountPage> {
    let t = v.tr;
    // Nothing but the password form answers someone who must set their own password first.
    let listed = if v.session.principal.must_change_password {
        Vec::new()
    } else {
        service::sessions(&v.state, &v.authorize(Action::ListSessions).await?).await?.items
    };
    let second_factor = listed.iter().any(|s| s.current && s.second_factor);
    let sessions = listed
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            current: s.current,
            created: t.when(&s.created_at),
            last_seen: t.when(&s.last_seen_at),
            address: s.client_addr.unwrap_or_default(),
            second_factor: s.second_factor,
        })
        .collect();
    Ok(AccountPage {
        t,
        chrome: v.chrome("account"),
        email: v.session.email.clone(),
        sessions,
        notice,
        error,
        second_factor,
        factor_required: v.session.principal.must_enrol_second_factor,
        administers: super::organisation::administers(v),
        languages: crate::domain::Locale::ALL
            .iter()
            .map(|l| (l.as_str().to_string(), l.endonym().to_string(), v.session.locale.as_deref() == Some(l.as_str())))
            .collect(),
        browser_language: v.session.locale.is_none(),
        zones: zones(v.session.time_zone.as_deref()),
        default_zone: v.state.config.time_zone.name().to_string(),
        platform_zone: v.session.time_zone.is_none(),
        notices_opt_out: v.session.notices_opt_out,
    })
}

#[get("/account")]
pub async fn account(v: Visitor, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&account_page(&v, notice, None).await?)
}

#[post("/account/sessions/{sid}/end")]
pub async fn end_session(v: Visitor, sid: web::Path<Uuid>, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::EndSession).await?;
    service::end_session(&v.state, &act, sid.into_inner()).await?;
    Ok(site::see("/console/account?done=session_ended"))
}

/// Ends every session of the person, this one included.
#[post("/account/sign-out-everywhere")]
pub async fn sign_out_everywhere(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::Logout).await?;
    service::logout(&v.state, &act, None).await?;
    let mut res = site::see(super::sign_in::PATH);
    let _ = res.add_cookie(&removal(SESSION_COOKIE));
    Ok(res)
}

/// A new password: every session ends (the API's rule), so the person signs in again.
#[post("/account/password")]
pub async fn password(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::ChangePassword).await?;
    let Some(me) = act.user_id() else { return Err(ApiError::Forbidden("people only".into())) };
    let change = ChangePassword { current_password: f.opt("current_password"), new_password: f.get("new_password") };
    match crate::users::service::change_password(&v.state, &act, me, &change).await {
        Ok(()) => {
            let mut res = site::see(&format!("{}?next=/console/account", super::sign_in::PATH));
            let _ = res.add_cookie(&removal(SESSION_COOKIE));
            Ok(res)
        }
        Err(ApiError::Validation(errors)) => {
            let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ");
            site::page_with(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &account_page(&v, None, Some(message)).await?,
            )
        }
        Err(ApiError::Unauthenticated(_)) | Err(ApiError::Forbidden(_)) => site::page_with(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &account_page(&v, None, Some(v.tr.get("account-password-wrong"))).await?,
        ),
        Err(e) => Err(e),
    }
}

/// The language, time zone and e-mail notices (`users::service::update_preferences`, as the
/// API's; a wrong value comes back on the page, named).
#[post("/account/preferences")]
pub async fn preferences(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::UpdatePreferences).await?;
    let change = crate::users::model::UpdatePreferences {
        locale: Some(f.opt("locale")),
        time_zone: Some(f.opt("time_zone")),
        notices_opt_out: Some(f.get("notices") != "on"),
    };
    match crate::users::service::update_preferences(&v.state, &act, &change).await {
        Ok(_) => Ok(site::see("/console/account?done=preferences")),
        Err(ApiError::Validation(errors)) => {
            let label = |field: &str| match field {
                "time_zone" => v.tr.get("prefs-zone"),
                "locale" => v.tr.get("prefs-language"),
                other => other.to_string(),
            };
            let message = errors
                .into_iter()
                .map(|e| format!("{}: {}", label(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            site::page_with(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &account_page(&v, None, Some(message)).await?,
            )
        }
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(account).service(end_session).service(sign_out_everywhere).service(password).service(preferences);
}
