//! Enrolment by link (the token an org_admin handed over: set a password) and the second
//! factor (a QR code drawn on the server as SVG, a first code, recovery codes shown once). The
//! same service functions as `POST /auth/enrolment` and `/me/second-factor`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::access::Action;
use crate::auth::factor;
use crate::console::i18n::Tr;
use crate::console::site::{self, console_meta, locale_of, Chrome, Visitor};
use crate::console::view::Fields;
use crate::kernel::error::{ApiError, ApiResult};
use crate::users::model::RedeemEnrolment;

#[derive(Template)]
#[template(path = "console/enrol.html")]
struct EnrolPage {
    t: Tr,
    chrome: Chrome,
    errors: Vec<(String, String)>,
}

#[get("/enrol")]
pub async fn enrol_form(req: HttpRequest) -> ApiResult<HttpResponse> {
    let t = Tr::new(locale_of(&req, None));
    site::page(&EnrolPage { t, chrome: Chrome::anonymous(t), errors: Vec::new() })
}

#[post("/enrol")]
pub async fn enrol(
    state: web::Data<crate::kernel::AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    let t = Tr::new(locale_of(&req, None));
    let again = |errors: Vec<(String, String)>| {
        site::page_with(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &EnrolPage { t, chrome: Chrome::anonymous(t), errors },
        )
    };
    if f.get("password") != f.get("password_again") {
        return again(vec![(t.get("field-password-again"), t.get("enrol-passwords-differ"))]);
    }
    let redeem = RedeemEnrolment { token: f.get("token").replace([' ', '\n', '\r'], ""), password: f.get("password") };
    match crate::users::service::redeem_enrolment(&state, &console_meta(&req), &redeem).await {
        Ok(_) => Ok(site::see("/console/sign-in?enrolled=1")),
        Err(ApiError::Validation(errors)) => again(
            errors
                .into_iter()
                .map(|e| {
                    (if e.field == "token" { t.get("field-token") } else { t.get("field-new-password") }, e.message)
                })
                .collect(),
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "console/second_factor.html")]
struct FactorPage {
    t: Tr,
    chrome: Chrome,
    qr_svg: String,
    secret: String,
    error: Option<String>,
    codes: Vec<String>,
}

/// A QR code of `text` as inline SVG (drawn here: nothing is fetched).
pub fn qr_svg(text: &str) -> ApiResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(ApiError::internal)?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(220, 220).quiet_zone(true).build();
    // Inline in the page: without the XML declaration.
    Ok(svg.split_once("?>").map(|(_, rest)| rest.trim().to_string()).unwrap_or(svg))
}

/// Starts the enrolment: the secret as a QR code and as text, and a field for the first code.
#[post("/account/second-factor")]
pub async fn start(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::EnrolSecondFactor).await?;
    let enrolment = factor::enrol(&v.state, &act).await?;
    site::page(&FactorPage {
        t: v.tr,
        chrome: v.chrome("account"),
        qr_svg: qr_svg(&enrolment.otpauth_uri)?,
        secret: enrolment.secret,
        error: None,
        codes: Vec::new(),
    })
}

/// Confirms it with a first code; the recovery codes are shown this once. Other sessions end.
#[post("/account/second-factor/confirm")]
pub async fn confirm(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::ConfirmSecondFactor).await?;
    match factor::confirm(&v.state, &act, &f.get("code")).await {
        Ok(codes) => site::page(&FactorPage {
            t: v.tr,
            chrome: v.chrome("account"),
            qr_svg: String::new(),
            secret: String::new(),
            error: None,
            codes: codes.recovery_codes,
        }),
        Err(ApiError::Unauthenticated(_)) | Err(ApiError::Validation(_)) => site::page_with(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &FactorPage {
                t: v.tr,
                chrome: v.chrome("account"),
                qr_svg: String::new(),
                secret: String::new(),
                error: Some(v.tr.get("factor-wrong-code")),
                codes: Vec::new(),
            },
        ),
        Err(e) => Err(e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(enrol_form).service(enrol).service(start).service(confirm);
}
