//! An organisation's integration in the console: an API key created on its page is shown once
//! and works for a look-up until revoked; a webhook endpoint's secret is shown once, a test
//! send reaches the receiver and its delivery is listed; watchlists hold values typed one per
//! line. Nothing of another organisation's keys, endpoints or watchlists is reachable, and
//! people who are not org_admins do not manage keys.

use crate::console::{location, Browser};
use crate::support::receiver::{free_port, Receiver};
use crate::support::{iban_xk, TestApp};

/// The text of the element with `id` in `html`.
fn element(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id}: {html}")) + marker.len();
    html[at..].split('<').next().unwrap().to_string()
}

#[actix_rt::test]
async fn an_api_key_made_on_its_page_works_once_shown_and_stops_when_revoked() {
    let app = TestApp::spawn().await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let page = a.get("/console/organisation/api-keys").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(a.get("/console/organisation").await.text().contains("href=\"/console/organisation/api-keys\""));
    // Checked as the API checks it, each problem named as the page names the field.
    let bad = a
        .post(
            "/console/organisation/api-keys",
            &[("name", "payments"), ("scopes", "indicators:lookup"), ("networks", "not-a-network")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("<strong>Networks it works from</strong>"), "{}", bad.text());
    let made = a
        .post(
            "/console/organisation/api-keys",
            &[("name", "payments"), ("scopes", "indicators:lookup"), ("expires", "2030-01-31")],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text());
    let html = made.text();
    let key = element(&html, "the-key");
    assert!(key.starts_with("cbk_"), "{key}");
    assert!(html.contains("data-copy=\"the-key\""), "a copy button");
    // Shown once: the list afterwards holds its name and prefix, never the key.
    let list = a.get("/console/organisation/api-keys").await.text();
    assert!(list.contains("payments") && !list.contains(&key), "{list}");
    // It works for a look-up, with its scope only.
    let lookup = format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(1));
    let auth = format!("ApiKey {key}");
    assert_eq!(app.get_as(&auth, &lookup).await.status, 200);
    assert_eq!(app.get_as(&auth, "/api/v1/reports").await.status, 403);
    // Another bank neither lists nor revokes it; a member does not manage keys.
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    assert!(!b.get("/console/organisation/api-keys").await.text().contains("payments"));
    let id = list.split("/console/organisation/api-keys/").nth(1).unwrap().split('/').next().unwrap().to_string();
    assert_eq!(b.post(&format!("/console/organisation/api-keys/{id}/revoke"), &[]).await.status, 404);
    assert_eq!(app.get_as(&auth, &lookup).await.status, 200);
    app.member(&bank_a, "clerk@bank-a.example").await;
    let clerk = Browser::sign_in(&app, "clerk@bank-a.example").await;
    assert_eq!(clerk.get("/console/organisation/api-keys").await.status, 403);
    // Revoked by its organisation: refused from then on.
    let p = a.post(&format!("/console/organisation/api-keys/{id}/revoke"), &[]).await;
    assert_eq!(p.status, 303);
    assert!(a.get(&location(&p)).await.text().contains("The key was revoked"));
    assert_eq!(app.get_as(&auth, &lookup).await.status, 401);
}

#[actix_rt::test]
async fn a_webhook_secret_is_shown_once_and_a_test_send_is_delivered_and_listed() {
    let app = TestApp::spawn_with(|c| {
        c.allow_http_webhooks = true;
        c.webhook_retry_base_ms = 100;
    })
    .await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let receiver = Receiver::start(free_port(), 0);
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let bad = a.post("/console/organisation/webhooks", &[("url", "ftp://example.org/x")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("<strong>URL (https)</strong>"), "{}", bad.text());
    let made = a
        .post(
            "/console/organisation/webhooks",
            &[
                ("url", receiver.url.as_str()),
                ("event_types", "alert.received"),
                ("event_types", "report.indicator_match"),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text());
    let html = made.text();
    let secret = element(&html, "the-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let list = a.get("/console/organisation/webhooks").await.text();
    assert!(!list.contains(&secret) && list.contains("alert.received"), "{list}");
    let id = list.split("/console/organisation/webhooks/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let p = a.post(&format!("/console/organisation/webhooks/{id}/test"), &[]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let mut page = String::new();
    for _ in 0..100 {
        page = a.get(&format!("/console/organisation/webhooks/{id}")).await.text();
        if page.contains("Delivered") {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("webhook.test") && page.contains("Delivered") && page.contains("HTTP 204"), "{page}");
    // Another bank reaches none of it.
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    assert_eq!(b.get(&format!("/console/organisation/webhooks/{id}")).await.status, 404);
    assert_eq!(b.post(&format!("/console/organisation/webhooks/{id}/test"), &[]).await.status, 404);
    assert!(!b.get("/console/organisation/webhooks").await.text().contains(&receiver.url));
}

#[actix_rt::test]
async fn a_watchlist_holds_values_typed_one_per_line_for_its_organisation_alone() {
    let app = TestApp::spawn().await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let bad = a.post("/console/watchlists", &[("name", "Customers"), ("items", "bank-a.example\n???")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("<strong>Line 2</strong>"), "{}", bad.text());
    let iban = iban_xk(77);
    let items = format!("{iban}\nbank-a.example\nipv4 192.0.2.0/24");
    let p = a.post("/console/watchlists", &[("name", "Customers"), ("items", &items)]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page_path = location(&p);
    let page = a.get(&page_path).await.text();
    assert!(page.contains("3 values") && page.contains("bank-a[.]example") && page.contains("192.0.2.0/24"), "{page}");
    let path = page_path.split('?').next().unwrap().to_string();
    let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let p = a.post(&path, &[("version", &version), ("remove", "domain bank-a.example"), ("add", "+38344123456")]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = a.get(&path).await.text();
    assert!(page.contains("3 values") && !page.contains("bank-a[.]example"), "{page}");
    // A stale form records nothing.
    assert_eq!(a.post(&path, &[("version", &version), ("add", "bank-b.example")]).await.status, 409);
    // Another bank reaches none of it.
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    assert_eq!(b.get(&path).await.status, 404);
    assert_eq!(b.post(&format!("{path}/delete"), &[]).await.status, 404);
    assert!(!b.get("/console/watchlists").await.text().contains("Customers"));
    let p = a.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(p.status, 303);
    assert_eq!(a.get(&path).await.status, 404);
}
