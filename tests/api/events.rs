//! Watchlists and the event feed: matches reach the organisations that watch and may see.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

async fn watch(app: &TestApp, org: &Org, items: Value) -> Value {
    app.post_as(&org.admin, "/api/v1/watchlists", &json!({"name": "Customers", "items": items})).await.ok(201)
}

async fn feed(app: &TestApp, auth: &str) -> Vec<Value> {
    app.get_as(auth, "/api/v1/events?limit=500").await.ok(200)["items"].as_array().unwrap().clone()
}

/// Reads the feed until `n` events are there (the outbox is read up to the commit horizon).
async fn feed_until(app: &TestApp, auth: &str, n: usize) -> Vec<Value> {
    let mut events = Vec::new();
    for _ in 0..40 {
        events = feed(app, auth).await;
        if events.len() >= n {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    events
}

#[actix_rt::test]
async fn a_report_naming_a_watched_value_reaches_the_watcher_only() {
    let app = TestApp::spawn().await;
    let reporter = app.org("bank", "Bank A").await;
    let watcher = app.org("bank", "Bank B").await;
    let bystander = app.org("bank", "Bank C").await;
    let list = watch(
        &app,
        &watcher,
        json!([{"type": "iban", "value": iban_xk(77).to_lowercase()}, {"type": "domain", "value": "shop.example"}]),
    )
    .await;
    assert_eq!(list["item_count"], 2);
    watch(&app, &bystander, json!([{"type": "iban", "value": iban_xk(78)}])).await;
    let report = create_report(&app, &reporter.admin, report_body("green", &iban_xk(77), &[])).await;

    let events = feed_until(&app, &watcher.admin, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["type"], "report.indicator_match");
    assert!(uuid::Uuid::parse_str(e["id"].as_str().unwrap()).is_ok());
    assert_eq!(e["data"]["report_id"], report["id"]);
    assert_eq!(e["data"]["reference"], report["reference"]);
    assert_eq!(e["data"]["matches"][0]["value"], iban_xk(77));
    assert_eq!(e["data"]["matches"][0]["watchlist_id"], list["id"]);
    assert!(feed(&app, &bystander.admin).await.is_empty(), "bank C watches another value");
    assert!(feed(&app, &reporter.admin).await.is_empty(), "the reporter is not told of its own report");
    // An API key with events:read reads the same feed; the cursor moves past what was read.
    let (key, _) = app.api_key(&watcher, &["events:read"]).await;
    let page = app.get_as(&key, "/api/v1/events").await.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app.get_as(&key, &format!("/api/v1/events?after={next}")).await.ok(200);
    assert!(rest["items"].as_array().unwrap().is_empty());
    // An empty cursor starts from the beginning; a foreign one is named as the parameter sent.
    assert_eq!(app.get_as(&key, "/api/v1/events?after=").await.ok(200)["items"].as_array().unwrap().len(), 1);
    let p = app.get_as(&key, "/api/v1/events?after=not-a-cursor").await.problem(422);
    assert_eq!(p["errors"][0]["field"], "after");
    assert_eq!(rest["next_cursor"], next);
}

#[actix_rt::test]
async fn red_and_amber_matches_follow_tlp() {
    let app = TestApp::spawn().await;
    let reporter = app.org("bank", "Bank A").await;
    let bank = app.org("bank", "Bank B").await;
    let police = app.org("law_enforcement", "Police").await;
    let named = app.org("isp", "Named ISP").await;
    for org in [&bank, &police, &named] {
        watch(&app, org, json!([{"type": "iban", "value": iban_xk(5)}])).await;
    }
    create_report(&app, &reporter.admin, report_body("red", &iban_xk(5), &[&named.id])).await;
    create_report(&app, &reporter.admin, report_body("amber", &iban_xk(5), &[])).await;
    let named_events = feed_until(&app, &named.admin, 1).await;
    let police_events = feed_until(&app, &police.admin, 1).await;
    assert_eq!(named_events.len(), 1, "RED reaches the organisation named in it: {named_events:?}");
    assert_eq!(named_events[0]["data"]["tlp"], "red");
    assert_eq!(police_events.len(), 1, "AMBER reaches the public sector, RED does not: {police_events:?}");
    assert_eq!(police_events[0]["data"]["tlp"], "amber");
    assert!(feed(&app, &bank.admin).await.is_empty(), "another bank sees neither");
}

#[actix_rt::test]
async fn addresses_inside_a_watched_network_match_and_updates_match_too() {
    let app = TestApp::spawn().await;
    let reporter = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let list = watch(
        &app,
        &isp,
        json!([{"type": "ipv4", "value": "192.0.2.77/24"}, {"type": "ipv6", "value": "2001:db8::/32"}]),
    )
    .await;
    let got = app.get_as(&isp.admin, &format!("/api/v1/watchlists/{}", list["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(
        got["items"],
        json!([{"type": "ipv4", "value": "192.0.2.0/24"}, {"type": "ipv6", "value": "2001:db8::/32"}])
    );
    let mut body = report_body("green", &iban_xk(1), &[]);
    body["indicators"] = json!([{"type": "ipv4", "value": "198.51.100.1"}]);
    let report = create_report(&app, &reporter.admin, body).await;
    // Events are written in the report's transaction: none now means none ever.
    assert!(feed(&app, &isp.admin).await.is_empty(), "outside the network");
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    app.send(
        awc::http::Method::PATCH,
        &path,
        &[("Authorization", &reporter.admin), ("If-Match", "\"1\"")],
        Some(
            &json!({"indicators": [{"type": "ipv4", "value": "192.0.2.10"}, {"type": "ipv6", "value": "2001:db8::5"}]}),
        ),
    )
    .await
    .ok(200);
    let events = feed_until(&app, &isp.admin, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let matched: Vec<&str> =
        events[0]["data"]["matches"].as_array().unwrap().iter().map(|m| m["item"].as_str().unwrap()).collect();
    assert_eq!(matched, ["192.0.2.0/24", "2001:db8::/32"]);
}

#[actix_rt::test]
async fn a_long_poll_answers_as_soon_as_an_event_arrives() {
    let app = TestApp::spawn().await;
    let reporter = app.org("bank", "Bank A").await;
    let watcher = app.org("bank", "Bank B").await;
    watch(&app, &watcher, json!([{"type": "iban", "value": iban_xk(3)}])).await;
    let started = Instant::now();
    let poll = app.get_as(&watcher.admin, "/api/v1/events?wait=20s");
    let create = async {
        actix_rt::time::sleep(Duration::from_millis(300)).await;
        create_report(&app, &reporter.admin, report_body("green", &iban_xk(3), &[])).await
    };
    let (res, _) = futures_util::future::join(poll, create).await;
    let page = res.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
    // With nothing new, the wait runs out and the answer is empty.
    let next = page["next_cursor"].as_str().unwrap();
    let started = Instant::now();
    let empty = app.get_as(&watcher.admin, &format!("/api/v1/events?after={next}&wait=1s")).await.ok(200);
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
    app.get_as(&watcher.admin, "/api/v1/events?wait=5m").await.problem(422);
    app.get_as(&watcher.admin, "/api/v1/events?types=nope").await.problem(422);
}

#[actix_rt::test]
async fn watchlists_are_private_to_their_organisation() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let list = watch(&app, &a, json!([{"type": "iban", "value": iban_xk(1)}])).await;
    let path = format!("/api/v1/watchlists/{}", list["id"].as_str().unwrap());
    app.get_as(&b.admin, &path).await.problem(404);
    app.patch_as(&b.admin, &path, &json!({"name": "mine now"})).await.problem(404);
    app.delete_as(&b.admin, &path).await.problem(404);
    assert!(app.get_as(&b.admin, "/api/v1/watchlists").await.ok(200)["items"].as_array().unwrap().is_empty());
    let updated = app
        .patch_read(
            &a.admin,
            &path,
            &json!({"name": "Mules", "add": [{"type": "domain", "value": "x.example"}],
            "remove": [{"type": "iban", "value": iban_xk(1)}]}),
        )
        .await
        .ok(200);
    assert_eq!(updated["name"], "Mules");
    assert_eq!(updated["item_count"], 1);
    let p = app
        .patch_read(
            &a.admin,
            &path,
            &json!({"add": [{"type": "iban", "value": "XK00"}, {"type": "domain", "value": "a.example/8"}]}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["add[0].value", "add[1].value"]);
    // A change made since the version read is not overwritten.
    app.patch_with(&a.admin, &path, "\"1\"", &json!({"name": "stale"})).await.problem(412);
    app.patch_as(&a.admin, &path, &json!({"name": "blind"})).await.problem(428);
    let regulator = app.org("regulator", "Regulator").await;
    app.post_as(&regulator.admin, "/api/v1/watchlists", &json!({"name": "x", "items": []})).await.problem(403);
    assert_eq!(app.delete_as(&a.admin, &path).await.status, 204);
    app.get_as(&a.admin, &path).await.problem(404);
}
