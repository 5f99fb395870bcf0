//! Bodies and values many tests share.

use serde_json::{json, Value};

use super::TestApp;

/// A valid Kosovo IBAN (XK, 16 digits after the check digits) for account number `n`.
pub fn iban_xk(n: u64) -> String {
    let bban = format!("1212{n:012}");
    // mod-97 of BBAN + "XK00" with letters as numbers (X=33, K=20).
    let digits = format!("{bban}332000");
    let rem = digits.bytes().fold(0u64, |acc, d| (acc * 10 + u64::from(d - b'0')) % 97);
    format!("XK{:02}{bban}", 98 - rem)
}

pub async fn create_report(app: &TestApp, auth: &str, body: Value) -> Value {
    app.post_as(auth, "/api/v1/reports", &body).await.ok(201)
}

pub fn report_body(tlp: &str, iban: &str, shared_with: &[&str]) -> Value {
    json!({
        "category": "investment_fraud", "title": "Fake trading platform", "description": "Victims paid into a mule account",
        "tlp": tlp, "shared_with": shared_with, "country": "XK",
        "loss": {"amount_minor": 125000, "currency": "EUR"}, "victim_count": 3,
        "first_seen": "2026-11-01T09:00:00+01:00", "last_seen": "2026-11-20T18:00:00+01:00",
        "indicators": [{"type": "iban", "value": iban, "role": "beneficiary_account"}],
    })
}

/// The body of a new organisation of `kind`.
pub fn org_body(name: &str, kind: &str) -> Value {
    json!({"name": name, "kind": kind, "country": "XK",
           "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+38344111222"}})
}
