//! Webhooks: signed deliveries to a real HTTP receiver, retries, outages, isolation, SSRF.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::receiver::{free_port, Received, Receiver};
use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

async fn dev_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.allow_http_webhooks = true;
        c.webhook_retry_base_ms = 100;
    })
    .await
}

/// Polls a webhook's delivery log until `done` holds for it (or gives up after 10 s).
async fn log_until(app: &TestApp, org: &Org, hook: &Value, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let path = format!("/api/v1/webhooks/{}/deliveries?limit=500", hook["id"].as_str().unwrap());
    let mut items = Vec::new();
    for _ in 0..200 {
        items = app.get_as(&org.admin, &path).await.ok(200)["items"].as_array().unwrap().clone();
        if done(&items) {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    items
}

pub(crate) async fn hook(app: &TestApp, org: &Org, url: &str) -> Value {
    app.post_as(&org.admin, "/api/v1/webhooks", &json!({"url": url, "event_types": ["report.indicator_match"]}))
        .await
        .ok(201)
}

/// Verifies a Standard Webhooks signature independently of the server's code.
fn verify(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    r.signature.split(' ').any(|s| s == format!("v1,{expected}"))
}

/// Bank B watches an IBAN; bank A reports it: one event for B.
async fn match_event(app: &TestApp, reporter: &Org, watcher: &Org, n: u64) {
    app.post_as(
        &watcher.admin,
        "/api/v1/watchlists",
        &json!({"name": format!("w{n}"), "items": [{"type": "iban", "value": iban_xk(n)}]}),
    )
    .await
    .ok(201);
    create_report(app, &reporter.admin, report_body("green", &iban_xk(n), &[])).await;
}

#[actix_rt::test]
async fn a_receiver_gets_the_event_signed_in_the_standard_webhooks_format() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let receiver = Receiver::start(0, 0);
    let created = hook(&app, &b, &receiver.url).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(app.get_as(&b.admin, "/api/v1/webhooks").await.ok(200)["items"][0].get("secret").is_none());
    match_event(&app, &a, &b, 11).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let r = &got[0];
    assert!(verify(secret, r), "signature verifies: {r:?}");
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["type"], "report.indicator_match");
    assert_eq!(body["data"]["matches"][0]["value"], iban_xk(11));
    assert!(body["timestamp"].is_string());
    let feed = app.get_as(&b.admin, "/api/v1/events").await.ok(200);
    assert_eq!(feed["items"][0]["id"], r.id.as_str(), "webhook-id is the event id of the feed");
    // A tampered body does not verify.
    let mut forged = r.clone();
    forged.body = br#"{"type":"report.indicator_match","data":{}}"#.to_vec();
    assert!(!verify(secret, &forged));
}

#[actix_rt::test]
async fn a_receiver_failing_twice_gets_the_event_once_with_one_id() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let receiver = Receiver::start(0, 2);
    let created = hook(&app, &b, &receiver.url).await;
    match_event(&app, &a, &b, 21).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 500, 204]);
    assert!(got.iter().all(|r| r.id == got[0].id), "same webhook-id on every attempt");
    // Once the log says delivered, no attempt follows: the receiver's count is final.
    let log = log_until(&app, &b, &created, |items| items.first().is_some_and(|d| d["status"] == "delivered")).await;
    assert_eq!(receiver.received().iter().filter(|r| r.status == 204).count(), 1, "exactly once in the success log");
    let d = &log[0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["event_id"], got[0].id.as_str());
    let statuses: Vec<i64> = d["log"].as_array().unwrap().iter().map(|a| a["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 204]);
}

#[actix_rt::test]
async fn a_receiver_that_was_down_gets_every_event_when_it_returns() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let port = free_port();
    let created = hook(&app, &b, &format!("http://127.0.0.1:{port}/hooks")).await;
    for n in 31..34 {
        match_event(&app, &a, &b, n).await;
    }
    // Every delivery was tried, and failed, while the receiver was down.
    let down = log_until(&app, &b, &created, |items| {
        items.len() == 3 && items.iter().all(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    assert!(down.iter().all(|d| d["status"] == "pending" && d["log"][0]["status"].is_null()), "{down:?}");
    let receiver = Receiver::start(port, 0);
    receiver.wait_for(3).await;
    let log = log_until(&app, &b, &created, |items| items.iter().all(|d| d["status"] == "delivered")).await;
    assert_eq!(log.len(), 3);
    // Counted as received, not de-duplicated: three deliveries, three distinct events.
    let delivered: Vec<String> = receiver.received().iter().filter(|r| r.status == 204).map(|r| r.id.clone()).collect();
    assert_eq!(delivered.len(), 3, "each event delivered once: {delivered:?}");
    let distinct: std::collections::BTreeSet<&String> = delivered.iter().collect();
    assert_eq!(distinct.len(), 3, "three different events: {delivered:?}");
    let logged: std::collections::BTreeSet<&str> = log.iter().map(|d| d["event_id"].as_str().unwrap()).collect();
    assert_eq!(distinct.into_iter().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), logged);
}

#[actix_rt::test]
async fn bank_a_events_never_reach_bank_b_and_webhooks_are_private() {
    let app = dev_app().await;
    let reporter = app.org("law_enforcement", "Police").await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let ra = Receiver::start(0, 0);
    let rb = Receiver::start(0, 0);
    let hook_a = hook(&app, &a, &ra.url).await;
    hook(&app, &b, &rb.url).await;
    match_event(&app, &reporter, &a, 41).await;
    // A RED report shared with nobody but A never reaches B, even if B watches the value.
    app.post_as(
        &b.admin,
        "/api/v1/watchlists",
        &json!({"name": "b", "items": [{"type": "iban", "value": iban_xk(42)}]}),
    )
    .await
    .ok(201);
    app.post_as(
        &a.admin,
        "/api/v1/watchlists",
        &json!({"name": "a", "items": [{"type": "iban", "value": iban_xk(42)}]}),
    )
    .await
    .ok(201);
    create_report(&app, &reporter.admin, report_body("red", &iban_xk(42), &[&a.id])).await;
    assert_eq!(ra.wait_for(2).await.len(), 2);
    // The event is written with the report or not at all: B's feed and delivery log are empty.
    let b_feed = app.get_as(&b.admin, "/api/v1/events").await.ok(200);
    assert!(b_feed["items"].as_array().unwrap().is_empty(), "{b_feed}");
    let b_hooks = app.get_as(&b.admin, "/api/v1/webhooks").await.ok(200);
    let b_log = log_until(&app, &b, &b_hooks["items"][0], |_| true).await;
    assert!(b_log.is_empty() && rb.received().is_empty(), "{b_log:?} {:?}", rb.received());
    let path = format!("/api/v1/webhooks/{}", hook_a["id"].as_str().unwrap());
    app.get_as(&b.admin, &format!("{path}/deliveries")).await.problem(404);
    app.get_as(&b.admin, &path).await.problem(404);
    assert!(app.get_as(&a.admin, &path).await.ok(200).get("secret").is_none());
    app.patch_as(&b.admin, &path, &json!({"active": false})).await.problem(404);
    app.post_as(&b.admin, &format!("{path}/test"), &json!({})).await.problem(404);
    app.delete_as(&b.admin, &path).await.problem(404);
    let (member, _) = app.member(&a, "m@bank-a.test").await;
    app.get_as(&member, "/api/v1/webhooks").await.problem(403);
}

#[actix_rt::test]
async fn the_test_ping_reaches_only_that_endpoint() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let r1 = Receiver::start(0, 0);
    let r2 = Receiver::start(0, 0);
    let h1 = app.post_as(&a.admin, "/api/v1/webhooks", &json!({"url": r1.url})).await.ok(201);
    let h2 = app.post_as(&a.admin, "/api/v1/webhooks", &json!({"url": r2.url})).await.ok(201);
    let res = app.post_as(&a.admin, &format!("/api/v1/webhooks/{}/test", h1["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(res.status, 202);
    let got = r1.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert!(verify(h1["secret"].as_str().unwrap(), &got[0]));
    assert_eq!(serde_json::from_slice::<Value>(&got[0].body).unwrap()["type"], "webhook.test");
    // The other endpoint has no delivery to make at all.
    assert!(log_until(&app, &a, &h2, |_| true).await.is_empty());
    assert!(r2.received().is_empty());
}

#[actix_rt::test]
async fn internal_and_plain_http_targets_are_refused_outside_development() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    for url in [
        "http://hooks.bank-a.example/cb",
        "https://127.0.0.1/cb",
        "https://10.0.0.5/cb",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/cb",
        "https://localhost/cb",
        "ftp://hooks.bank-a.example/cb",
    ] {
        let p = app.post_as(&a.admin, "/api/v1/webhooks", &json!({"url": url})).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
    }
    app.post_as(
        &a.admin,
        "/api/v1/webhooks",
        &json!({"url": "https://hooks.bank-a.example/cb", "event_types": ["nope"]}),
    )
    .await
    .problem(422);
    let ok =
        app.post_as(&a.admin, "/api/v1/webhooks", &json!({"url": "https://hooks.bank-a.example/cb"})).await.ok(201);
    assert_eq!(ok["event_types"], json!([]));
    let regulator = app.org("regulator", "Regulator").await;
    app.post_as(&regulator.admin, "/api/v1/webhooks", &json!({"url": "https://hooks.reg.example/cb"}))
        .await
        .problem(403);
}

#[actix_rt::test]
async fn an_endpoint_failing_for_a_day_is_disabled_with_the_reason() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let created = hook(&app, &b, &format!("http://127.0.0.1:{}/down", free_port())).await;
    // The delivery is made a day old: its next failure is its last.
    let mut conn = app.db.connect().await;
    crate::support::exec(
        &mut conn,
        "ALTER TABLE webhook_deliveries ALTER COLUMN created_at SET DEFAULT now() - interval '25 hours'",
    )
    .await;
    match_event(&app, &a, &b, 51).await;
    let path = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    let mut listed = Value::Null;
    for _ in 0..60 {
        listed = app.get_as(&b.admin, "/api/v1/webhooks").await.ok(200)["items"][0].clone();
        if listed["active"] == false {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed["active"], false, "{listed}");
    assert!(listed["disabled_reason"].as_str().unwrap().contains("24 hours"), "{listed}");
    let log = app.get_as(&b.admin, &format!("{path}/deliveries?status=failed")).await.ok(200);
    assert_eq!(log["items"][0]["status"], "failed");
    assert!(log["items"][0]["log"][0]["error"].as_str().is_some());
    // Re-enabling starts afresh.
    let etag = format!("\"{}\"", listed["version"]);
    let again = app.patch_with(&b.admin, &path, &etag, &json!({"active": true})).await.ok(200);
    assert_eq!(again["active"], true);
    assert_eq!(again["consecutive_failures"], 0);
}

#[actix_rt::test]
async fn nothing_more_goes_to_a_disabled_endpoint_or_a_deactivated_organisation() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let c = app.org("bank", "Bank C").await;
    // B's receiver keeps failing: the delivery is retried (100 ms, 400 ms, 1.6 s ...) until B
    // disables the endpoint.
    let failing = Receiver::start(0, usize::MAX);
    let created = hook(&app, &b, &failing.url).await;
    match_event(&app, &a, &b, 61).await;
    failing.wait_for_requests(2).await;
    let path = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    app.patch_read(&b.admin, &path, &json!({"active": false})).await.ok(200);
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let at_disable = failing.received().len();
    match_event(&app, &a, &b, 62).await;
    actix_rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(failing.received().len(), at_disable, "no retry and no new delivery to a disabled endpoint");
    // C is deactivated: its endpoint hears nothing more.
    let receiver = Receiver::start(0, 0);
    hook(&app, &c, &receiver.url).await;
    let watch = json!({"name": "w63", "items": [{"type": "iban", "value": iban_xk(63)}]});
    app.post_as(&c.admin, "/api/v1/watchlists", &watch).await.ok(201);
    let admin = app.admin().await;
    app.patch_read(&admin, &format!("/api/v1/organizations/{}", c.id), &json!({"active": false})).await.ok(200);
    create_report(&app, &a.admin, report_body("green", &iban_xk(63), &[])).await;
    actix_rt::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
}

#[actix_rt::test]
async fn a_hanging_endpoint_holds_four_deliveries_and_delays_no_one_else() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let tarpit = Receiver::slow(Duration::from_secs(8));
    let healthy = Receiver::start(0, 0);
    hook(&app, &a, &tarpit.url).await;
    hook(&app, &a, &healthy.url).await;
    let mut conn = app.db.connect().await;
    let emit = format!(
        "INSERT INTO outbox_events (event_id, type, recipient_org_id, payload)
         SELECT gen_random_uuid(), 'report.indicator_match', '{}', jsonb_build_object('n', g)
         FROM generate_series(1, 40) g",
        a.id
    );
    crate::support::exec(&mut conn, &emit).await;
    assert_eq!(healthy.wait_for(40).await.len(), 40);
    // While the tarpit holds its first deliveries, the next events reach the healthy receiver
    // at once: nothing waits for the slowest delivery of a round.
    let started = std::time::Instant::now();
    crate::support::exec(&mut conn, &emit).await;
    assert_eq!(healthy.wait_for(80).await.len(), 80);
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    // The tarpit never held more than four at once.
    assert!(tarpit.most_at_once() <= 4, "{} at once", tarpit.most_at_once());
    assert!(tarpit.most_at_once() >= 1);
}

#[actix_rt::test]
async fn test_sends_are_limited_per_endpoint() {
    let app = dev_app().await;
    let a = app.org("bank", "Bank A").await;
    let receiver = Receiver::start(0, 0);
    let h = hook(&app, &a, &receiver.url).await;
    let path = format!("/api/v1/webhooks/{}/test", h["id"].as_str().unwrap());
    let empty = json!({});
    let sends = (0..8).map(|_| app.post_as(&a.admin, &path, &empty));
    let statuses: Vec<u16> = futures_util::future::join_all(sends).await.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 6, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
}

#[actix_rt::test]
async fn secrets_are_encrypted_at_rest_and_deliveries_still_verify() {
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    let app = TestApp::spawn_with(move |c| {
        c.allow_http_webhooks = true;
        c.secrets_key = Some(key.into());
    })
    .await;
    let a = app.org("bank", "Bank A").await;
    let receiver = Receiver::start(0, 0);
    let h = hook(&app, &a, &receiver.url).await;
    let shown = h["secret"].as_str().unwrap().to_string();
    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        secret: String,
    }
    let mut conn = app.db.connect().await;
    let stored: Stored = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!("SELECT secret FROM webhooks WHERE id = '{}'", h["id"].as_str().unwrap())),
        &mut conn,
    )
    .await
    .unwrap();
    assert!(stored.secret.starts_with("enc:v1:"), "{}", stored.secret);
    assert!(!stored.secret.contains(shown.trim_start_matches("whsec_")));
    app.post_as(&a.admin, &format!("/api/v1/webhooks/{}/test", h["id"].as_str().unwrap()), &json!({})).await.ok(202);
    let got = receiver.wait_for(1).await;
    assert!(verify(&shown, &got[0]), "signed with the secret shown at creation");
}
