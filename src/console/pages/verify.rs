//! A page where anyone signed in checks a signed document (an order, a validation decision, an
//! answer) they received by other means: its canonical JSON text and its detached JWS, against
//! the platform's published keys (`requests::service::verify_document`, what an ISP's system
//! does offline with a JOSE library).

use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::kernel::error::ApiResult;
use crate::requests::service;

#[derive(Template)]
#[template(path = "console/verify.html")]
struct VerifyPage {
    t: Tr,
    chrome: Chrome,
    payload: String,
    jws: String,
    /// After a check: the key's id when it verifies, else why not.
    outcome: Option<Result<String, String>>,
    /// What the document says it is (`type`, `reference`), when it is JSON.
    kind: String,
    reference: String,
}

#[get("/verify")]
pub async fn verify_form(v: Visitor) -> ApiResult<HttpResponse> {
    let page = VerifyPage {
        t: v.tr,
        chrome: v.chrome("account"),
        payload: String::new(),
        jws: String::new(),
        outcome: None,
        kind: String::new(),
        reference: String::new(),
    };
    site::page(&page)
}

#[post("/verify")]
pub async fn verify(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    // The payload exactly as signed: not trimmed beyond the line ends a text area adds.
    let payload = f.0.iter().find(|(n, _)| n == "payload").map(|(_, p)| p.trim_end_matches(['\r', '\n']).to_string());
    let payload = payload.unwrap_or_default();
    let jws = f.get("jws");
    let keys = service::signing_keys(&v.state)?;
    let outcome = Some(service::verify_document(&keys, &payload, &jws).map_err(str::to_string));
    let json: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let page = VerifyPage {
        t: v.tr,
        chrome: v.chrome("account"),
        kind: json["type"].as_str().unwrap_or("").to_string(),
        reference: json["reference"].as_str().unwrap_or("").to_string(),
        payload,
        jws,
        outcome,
    };
    site::page(&page)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(verify_form).service(verify);
}
