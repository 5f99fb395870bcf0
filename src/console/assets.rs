//! The console's static files, compiled into the binary: htmx 2.0.11 (vendored as published
//! on npm, `htmx.org/dist/htmx.min.js`; loaded with its Subresource Integrity hash), the style
//! sheet, and `console.js` (the copy buttons of a key or secret shown once). Served with a
//! year's caching: their names change with their content (htmx's with its version, the
//! others' with their hash).

use actix_web::{get, web, HttpResponse};
use base64::Engine;
use sha2::{Digest, Sha384};

pub const HTMX: &[u8] = include_bytes!("../../assets/console/htmx-2.0.11.min.js");
pub const HTMX_PATH: &str = "/console/assets/htmx-2.0.11.min.js";
/// The SRI hash of the vendored file, as `openssl dgst -sha384 -binary | base64` gives it
/// (a unit test recomputes it, so the file cannot change unnoticed).
pub const HTMX_SRI: &str = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg";
pub const CSS: &str = include_str!("../../assets/console/console.css");
pub const JS: &str = include_str!("../../assets/console/console.js");

/// The sheet's path: `/console/assets/console-<first 12 hex digits of its SHA-256>.css`.
pub fn css_path() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| format!("/console/assets/console-{}.css", &hex::encode(sha2::Sha256::digest(CSS))[..12]))
}

/// The script's path, named by its hash as the sheet is.
pub fn js_path() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| format!("/console/assets/console-{}.js", &hex::encode(sha2::Sha256::digest(JS))[..12]))
}

pub fn js_integrity() -> &'static str {
    static SRI: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SRI.get_or_init(|| integrity(JS.as_bytes()))
}

pub fn htmx_integrity() -> &'static str {
    HTMX_SRI
}

/// The SRI value of some bytes.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

fn cached(content_type: &'static str, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(body)
}

#[get("/assets/htmx-2.0.11.min.js")]
pub async fn htmx() -> HttpResponse {
    cached("text/javascript; charset=utf-8", HTMX)
}

/// The sheet under its current name; an earlier name is gone (404), never served stale.
#[get("/assets/{name}.css")]
pub async fn css(name: web::Path<String>) -> HttpResponse {
    if css_path().strip_prefix("/console/assets/").and_then(|n| n.strip_suffix(".css")) == Some(name.as_str()) {
        cached("text/css; charset=utf-8", CSS.as_bytes())
    } else {
        HttpResponse::NotFound().finish()
    }
}

/// The script under its current name.
#[get("/assets/{name}.js")]
pub async fn js(name: web::Path<String>) -> HttpResponse {
    if js_path().strip_prefix("/console/assets/").and_then(|n| n.strip_suffix(".js")) == Some(name.as_str()) {
        cached("text/javascript; charset=utf-8", JS.as_bytes())
    } else {
        HttpResponse::NotFound().finish()
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(htmx).service(js).service(css);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_integrity_hash_is_the_vendored_files() {
        assert_eq!(super::integrity(super::HTMX), super::HTMX_SRI);
    }
}
