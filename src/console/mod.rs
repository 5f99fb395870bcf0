//! The web console at `/console/`: server-rendered pages (askama templates compiled into the
//! binary) over the same service functions the JSON API calls, with htmx as the only script
//! and every form working without it. Nothing here decides who may do what: a page takes the
//! `Visitor` (the person of the session cookie), asks for the grant of its action as a JSON
//! handler does, calls the feature's service and renders its typed answer. Audit rows of the
//! console say `"channel": "console"`.
//!
//! - `site`: the visitor from the cookie, CSRF and origin checks, security headers, error pages;
//! - `i18n`: the Fluent catalogues and the choice of language;
//! - `view`: how values are shown (defanged), deadline badges, form fields;
//! - `mail`: notices sent by e-mail;
//! - `picture`: the proceeds trace drawn as SVG;
//! - `assets`: htmx (vendored, with its integrity hash) and the style sheet;
//! - `pages`: sign-in and enrolment, data requests, account, the current case, the organisation
//!   (people, catalogue).

pub mod assets;
pub mod charts;
pub mod i18n;
pub mod mail;
pub mod pages;
pub mod picture;
pub mod site;
pub mod view;

use actix_web::{get, middleware, web as aw, HttpResponse};

/// `/console/`: the requests, or the sign-in page for a visitor not signed in.
#[get("/")]
async fn home() -> HttpResponse {
    site::see("/console/requests")
}

/// Registers the console under `/console`, behind its guard.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.service(
        aw::scope("/console")
            .wrap(middleware::from_fn(site::guard))
            .configure(assets::configure)
            .service(home)
            .service(pages::sign_in::sign_in_form)
            .service(pages::sign_in::sign_in)
            .service(pages::sign_in::sign_in_code)
            .service(pages::sign_in::sign_out)
            .configure(pages::enrol::configure)
            .configure(pages::request_new::configure)
            .configure(pages::requests::configure)
            .configure(pages::account::configure)
            .configure(pages::case::configure)
            .configure(pages::lookup::configure)
            .configure(pages::alerts::configure)
            .configure(pages::mules::configure)
            .configure(pages::trends::configure)
            .configure(pages::audit::configure)
            .configure(pages::report_new::configure)
            .configure(pages::reports::configure)
            .configure(pages::integration::configure)
            .configure(pages::watchlists::configure)
            .configure(pages::organisation::configure)
            .configure(pages::verify::configure),
    );
}
