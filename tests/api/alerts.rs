//! Fraud alerts: routing, idempotency, outcomes, traces, mule accounts, statistics.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

const DE_IBAN: &str = "DE89 3704 0044 0532 0130 00";

pub(crate) async fn bank(app: &TestApp, name: &str, country: &str, code: &str) -> Org {
    app.org_with(json!({
        "name": name, "kind": "bank", "country": country,
        "contact": {"name": "Fraud desk", "email": "fraud@bank.example", "phone": "+38344111222"},
        "bank_identifiers": [{"country": country, "bank_code": code}],
    }))
    .await
}

pub(crate) fn alert_body(beneficiary: &str, amount: i64) -> Value {
    json!({
        "victim_account": {"iban": iban_xk(999_001)},
        "beneficiary_account": {"iban": beneficiary},
        "beneficiary_name": "J. Doe",
        "amount": {"amount_minor": amount, "currency": "EUR"},
        "executed_at": "2026-11-28T09:30:00+01:00",
        "payment_reference": "INV 4711",
        "category": "investment_fraud",
        "bank_case_reference": "CASE-1",
    })
}

pub(crate) async fn send(app: &TestApp, auth: &str, body: &Value) -> Value {
    app.post_as(auth, "/api/v1/fraud-alerts", body).await.ok(201)
}

async fn outcome(app: &TestApp, auth: &str, alert: &Value, body: Value) -> Value {
    app.post_as(auth, &format!("/api/v1/fraud-alerts/{}/outcomes", alert["id"].as_str().unwrap()), &body).await.ok(201)
}

fn moved(iban: &str, amount: i64) -> Value {
    json!({"outcome": "already_moved", "onward_transfers": [{"beneficiary_account": {"iban": iban},
        "amount": {"amount_minor": amount, "currency": "EUR"}, "executed_at": "2026-11-28T10:00:00+01:00"}]})
}

fn frozen(kind: &str, amount: i64) -> Value {
    json!({"outcome": kind, "amount": {"amount_minor": amount, "currency": "EUR"}})
}

async fn events_of(app: &TestApp, auth: &str, kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..40 {
        let page = app.get_as(auth, &format!("/api/v1/events?types={kind}&limit=500")).await.ok(200);
        out = page["items"].as_array().unwrap().clone();
        if !out.is_empty() {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    out
}

#[actix_rt::test]
async fn alerts_are_routed_by_iban_bank_code_in_two_countries() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    let xk = bank(&app, "Kosovo Bank", "XK", "12").await;
    let de = bank(&app, "Berlin Bank", "DE", "37040044").await;
    let (key, _) = app.api_key(&sender, &["alerts:write"]).await;
    let a = send(&app, &key, &alert_body(&iban_xk(5), 950_000)).await;
    assert_eq!(a["status"], "routed");
    assert_eq!(a["routed_to"], xk.id.as_str());
    assert_eq!(a["trace_id"], a["id"]);
    assert_eq!(a["beneficiary_account"]["iban"], iban_xk(5));
    let b = send(&app, &key, &alert_body(DE_IBAN, 10_000)).await;
    assert_eq!(b["routed_to"], de.id.as_str());
    let received = events_of(&app, &xk.admin, "alert.received").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["data"]["alert_id"], a["id"]);
    assert_eq!(
        app.get_as(&de.admin, &format!("/api/v1/fraud-alerts/{}", b["id"].as_str().unwrap())).await.ok(200)["id"],
        b["id"]
    );
    app.get_as(&de.admin, &format!("/api/v1/fraud-alerts/{}", a["id"].as_str().unwrap())).await.problem(404);
    let inbox = app.get_as(&xk.admin, "/api/v1/fraud-alerts?box=received").await.ok(200);
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    let sent = app.get_as(&sender.admin, "/api/v1/fraud-alerts?box=sent").await.ok(200);
    assert_eq!(sent["items"].as_array().unwrap().len(), 2);
    let p = app.post_as(&key, "/api/v1/fraud-alerts", &alert_body("XK05 1212 0123 4567 8907", 100)).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "beneficiary_account.iban");
    // Only banks post alerts.
    let isp = app.org("isp", "ISP").await;
    app.post_as(&isp.admin, "/api/v1/fraud-alerts", &alert_body(&iban_xk(5), 100)).await.problem(403);
}

#[actix_rt::test]
async fn an_unrouted_alert_is_kept_for_the_public_sector() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    let other = bank(&app, "Other Bank", "XK", "16").await;
    let police = app.org("law_enforcement", "Police").await;
    let a = send(&app, &sender.admin, &alert_body("GB82 WEST 1234 5698 7654 32", 5000)).await;
    assert_eq!(a["status"], "unrouted");
    assert_eq!(a["routed_to"], Value::Null);
    let path = format!("/api/v1/fraud-alerts/{}", a["id"].as_str().unwrap());
    app.get_as(&police.admin, &path).await.ok(200);
    let listed = app.get_as(&police.admin, "/api/v1/fraud-alerts?status=unrouted").await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.get_as(&other.admin, &path).await.problem(404);
}

#[actix_rt::test]
async fn an_alert_links_only_a_report_its_sender_can_see() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    let other = bank(&app, "Other Bank", "XK", "16").await;
    let hidden = create_report(&app, &other.admin, report_body("red", &iban_xk(7), &[])).await;
    let shared = create_report(&app, &other.admin, report_body("green", &iban_xk(8), &[])).await;
    for missing in [hidden["id"].clone(), json!("01a22611-6934-7786-af78-7226c5d77286")] {
        let mut body = alert_body("GB82 WEST 1234 5698 7654 32", 5000);
        body["report_id"] = missing;
        let p = app.post_as(&sender.admin, "/api/v1/fraud-alerts", &body).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "report_id", "{p}");
    }
    let mut body = alert_body("GB82 WEST 1234 5698 7654 32", 5000);
    body["report_id"] = shared["id"].clone();
    assert_eq!(send(&app, &sender.admin, &body).await["report_id"], shared["id"]);
    let listed = app.get_as(&sender.admin, "/api/v1/fraud-alerts?box=sent").await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "the refused ones left nothing");
}

#[actix_rt::test]
async fn a_retried_alert_with_the_same_key_is_created_once() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    bank(&app, "Kosovo Bank", "XK", "12").await;
    let body = alert_body(&iban_xk(7), 1234);
    let headers = |k: &'static str| [("Authorization", sender.admin.clone()), ("Idempotency-Key", k.to_string())];
    let call = |k: &'static str, b: Value| {
        let h = headers(k);
        let app = &app;
        async move {
            let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
            app.send(awc::http::Method::POST, "/api/v1/fraud-alerts", &h, Some(&b)).await
        }
    };
    let first = call("k-1", body.clone()).await.ok(201);
    let again = call("k-1", body.clone()).await.ok(201);
    assert_eq!(first, again, "a retry answers the first answer");
    // The answer is built before the row is read back by anyone: it is what was stored.
    let stored = app.get_as(&sender.admin, &format!("/api/v1/fraud-alerts/{}", first["id"].as_str().unwrap())).await;
    assert_eq!(stored.ok(200), first);
    let mut other = body.clone();
    other["amount"]["amount_minor"] = json!(999);
    call("k-1", other).await.problem(422);
    // Two at once with a new key: one alert.
    let (x, y) = futures_util::future::join(call("k-2", body.clone()), call("k-2", body.clone())).await;
    assert_eq!(x.ok(201)["id"], y.ok(201)["id"]);
    // Ten at once: each loser's statements behind its taken key fail as "transaction aborted";
    // every one still answers the first answer (once, 3 in 10 were a 500).
    let answers = futures_util::future::join_all((0..10).map(|_| call("k-3", body.clone()))).await;
    let ids: HashSet<String> = answers.into_iter().map(|a| a.ok(201)["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let sent = app.get_as(&sender.admin, "/api/v1/fraud-alerts?box=sent").await.ok(200);
    assert_eq!(sent["items"].as_array().unwrap().len(), 3);
}

#[actix_rt::test]
async fn alerts_are_routed_by_the_banks_as_they_are_now_though_routes_are_cached() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    let receiver = bank(&app, "Kosovo Bank", "XK", "12").await;
    let admin = app.admin().await;
    let to = |n| alert_body(&iban_xk(n), 500);
    for n in 1..=3 {
        assert_eq!(send(&app, &sender.admin, &to(n)).await["routed_to"], receiver.id.as_str());
    }
    // Deactivated: the next alert finds no bank, though the last three were routed from the cache.
    let path = format!("/api/v1/organizations/{}", receiver.id);
    app.patch_read(&admin, &path, &json!({"active": false})).await.ok(200);
    let unrouted = send(&app, &sender.admin, &to(4)).await;
    assert!(unrouted["routed_to"].is_null(), "{unrouted}");
    assert_eq!(unrouted["status"], "unrouted");
    // Back, and its bank code changed by SQL (not through this instance): routed by the new code
    // once PostgreSQL's notification arrives.
    app.patch_read(&admin, &path, &json!({"active": true})).await.ok(200);
    assert_eq!(send(&app, &sender.admin, &to(5)).await["routed_to"], receiver.id.as_str());
    let mut db = app.db.connect().await;
    crate::support::exec(
        &mut db,
        &format!("UPDATE bank_identifiers SET bank_code = '13' WHERE organization_id = '{}'", receiver.id),
    )
    .await;
    let started = std::time::Instant::now();
    loop {
        let alert = send(&app, &sender.admin, &to(6)).await;
        if alert["routed_to"].is_null() {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "a stale route was used for 3 s: {alert}");
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let c_iban = format!("XK{}", &iban_c()[2..]);
    assert_eq!(send(&app, &sender.admin, &alert_body(&c_iban, 500)).await["routed_to"], receiver.id.as_str());
}

#[actix_rt::test]
async fn amounts_past_the_maximum_are_refused_and_totals_never_overflow() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    let receiver = bank(&app, "Kosovo Bank", "XK", "12").await;
    const MAX: i64 = 1_000_000_000_000_000;
    // The largest amount is taken, twice; one more minor unit or i64::MAX is a 422 naming the field.
    let first = send(&app, &sender.admin, &alert_body(&iban_xk(1), MAX)).await;
    send(&app, &sender.admin, &alert_body(&iban_xk(2), MAX)).await;
    for amount in [MAX + 1, i64::MAX] {
        let p = app.post_as(&sender.admin, "/api/v1/fraud-alerts", &alert_body(&iban_xk(3), amount)).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "amount.amount_minor", "{p}");
    }
    // Onward transfers that would add up past 64 bits are refused, and nothing is written.
    let mut body = moved(DE_IBAN, i64::MAX);
    let transfer = body["onward_transfers"][0].clone();
    body["onward_transfers"] = json!([transfer.clone(), transfer]);
    let path = format!("/api/v1/fraud-alerts/{}/outcomes", first["id"].as_str().unwrap());
    let p = app.post_as(&receiver.admin, &path, &body).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "onward_transfers[0].amount.amount_minor", "{p}");
    let p = app.post_as(&receiver.admin, &path, &moved(DE_IBAN, MAX + 1)).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "onward_transfers[0].amount.amount_minor", "{p}");
    assert_eq!(app.count("SELECT count(*) AS n FROM fraud_alert_outcomes").await, 0);
    // The totals add up in full.
    outcome(&app, &receiver.admin, &first, frozen("funds_frozen", MAX)).await;
    let stats = app.get_as(&sender.admin, "/api/v1/statistics/proceeds").await.ok(200);
    assert_eq!(stats["banks"][0]["amount_reported_minor"], 2 * MAX, "{stats}");
    let stats = app.get_as(&receiver.admin, "/api/v1/statistics/proceeds").await.ok(200);
    assert_eq!(stats["banks"][0]["amount_frozen_minor"], MAX, "{stats}");
}

struct Trail {
    police: Org,
    a: Org,
    b: Org,
    c: Org,
    d: Org,
    root: Value,
}

/// A reports 10,000 to B; B freezes 2,000 and moves 7,000 to C; C freezes 3,000 and moves
/// 4,000 to D; D returns 1,000.
async fn three_hops(app: &TestApp) -> Trail {
    let police = app.org("law_enforcement", "Police").await;
    let a = bank(app, "Bank A", "XK", "15").await;
    let b = bank(app, "Bank B", "XK", "12").await;
    let c = bank(app, "Bank C", "XK", "13").await;
    let d = bank(app, "Bank D", "DE", "37040044").await;
    let c_iban = format!("XK{}", &iban_c()[2..]);
    let root = send(app, &a.admin, &alert_body(&iban_xk(1), 10_000)).await;
    outcome(app, &b.admin, &root, frozen("funds_frozen", 2_000)).await;
    let moved_b = outcome(app, &b.admin, &root, moved(&c_iban, 7_000)).await;
    let hop2 = app
        .get_as(&c.admin, &format!("/api/v1/fraud-alerts/{}", moved_b["onward_alert_ids"][0].as_str().unwrap()))
        .await
        .ok(200);
    assert_eq!(hop2["hop"], 2);
    assert_eq!(hop2["routed_to"], c.id.as_str());
    outcome(app, &c.admin, &hop2, frozen("funds_frozen", 3_000)).await;
    let moved_c = outcome(app, &c.admin, &hop2, moved(DE_IBAN, 4_000)).await;
    let hop3 = app
        .get_as(&d.admin, &format!("/api/v1/fraud-alerts/{}", moved_c["onward_alert_ids"][0].as_str().unwrap()))
        .await
        .ok(200);
    outcome(app, &d.admin, &hop3, frozen("funds_returned", 1_000)).await;
    Trail { police, a, b, c, d, root }
}

/// A valid XK IBAN whose bank code is 13.
fn iban_c() -> String {
    let bban = "1300000000004242";
    let digits = format!("{bban}332000");
    let rem = digits.bytes().fold(0u64, |acc, d| (acc * 10 + u64::from(d - b'0')) % 97);
    format!("XK{:02}{bban}", 98 - rem)
}

#[actix_rt::test]
async fn a_three_hop_trace_adds_up() {
    let app = TestApp::spawn().await;
    let t = three_hops(&app).await;
    let trace = app
        .get_as(&t.police.admin, &format!("/api/v1/fraud-traces/{}", t.root["trace_id"].as_str().unwrap()))
        .await
        .ok(200);
    assert_eq!(trace["hops"].as_array().unwrap().len(), 3);
    assert_eq!(
        trace["totals"],
        json!({"currency": "EUR", "original_loss_minor": 10000, "frozen_minor": 5000, "returned_minor": 1000, "unaccounted_minor": 4000})
    );
    let hop1 = &trace["hops"][0];
    assert_eq!((hop1["frozen_minor"].as_i64(), hop1["moved_on_minor"].as_i64()), (Some(2000), Some(7000)));
    assert_eq!(hop1["receiver"], "Bank B");
    assert!(hop1["first_outcome_at"].is_string());
    let graph = app
        .get_as(&t.police.admin, &format!("/api/v1/fraud-traces/{}/graph", t.root["id"].as_str().unwrap()))
        .await
        .ok(200);
    assert_eq!(graph["edges"].as_array().unwrap().len(), 3);
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 4);
    let dot = app
        .get_as(&t.police.admin, &format!("/api/v1/fraud-traces/{}/graph?format=dot", t.root["id"].as_str().unwrap()))
        .await;
    assert!(dot.text().starts_with("digraph trace {") && dot.text().contains(" -> "), "{}", dot.text());
    // The earlier banks heard of the later outcomes.
    let a_heard = events_of(&app, &t.a.admin, "alert.outcome").await;
    assert!(a_heard.iter().any(|e| e["data"]["hop"] == 2), "A hears of C's outcome on hop 2: {a_heard:?}");
    let b_heard = events_of(&app, &t.b.admin, "alert.outcome").await;
    assert!(b_heard.iter().any(|e| e["data"]["hop"] == 3), "B hears of D's outcome on hop 3");
}

#[actix_rt::test]
async fn over_allocation_is_refused_and_only_the_receiver_acts() {
    let app = TestApp::spawn().await;
    let t = three_hops(&app).await;
    // B has frozen 2,000 and moved 7,000 of 10,000: 1,001 more is too much, 1,000 fits.
    let p = app
        .post_as(
            &t.b.admin,
            &format!("/api/v1/fraud-alerts/{}/outcomes", t.root["id"].as_str().unwrap()),
            &frozen("funds_returned", 1_001),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "amount");
    outcome(&app, &t.b.admin, &t.root, frozen("funds_returned", 1_000)).await;
    let p = app
        .post_as(
            &t.b.admin,
            &format!("/api/v1/fraud-alerts/{}/outcomes", t.root["id"].as_str().unwrap()),
            &moved(DE_IBAN, 1),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "onward_transfers");
    // The sender may not record outcomes; an unrelated bank does not see the alert.
    app.post_as(
        &t.a.admin,
        &format!("/api/v1/fraud-alerts/{}/outcomes", t.root["id"].as_str().unwrap()),
        &frozen("funds_frozen", 1),
    )
    .await
    .problem(403);
    let stranger = bank(&app, "Stranger", "XK", "19").await;
    app.post_as(
        &stranger.admin,
        &format!("/api/v1/fraud-alerts/{}/outcomes", t.root["id"].as_str().unwrap()),
        &frozen("funds_frozen", 1),
    )
    .await
    .problem(404);
    app.post_as(
        &t.b.admin,
        &format!("/api/v1/fraud-alerts/{}/outcomes", t.root["id"].as_str().unwrap()),
        &json!({"outcome": "no_action"}),
    )
    .await
    .problem(422);
}

#[actix_rt::test]
async fn banks_see_their_hops_of_a_trace_and_law_enforcement_all() {
    let app = TestApp::spawn().await;
    let t = three_hops(&app).await;
    let path = format!("/api/v1/fraud-traces/{}", t.root["trace_id"].as_str().unwrap());
    let hops = |v: &Value| v["hops"].as_array().unwrap().iter().map(|h| h["hop"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(hops(&app.get_as(&t.police.admin, &path).await.ok(200)), [1, 2, 3]);
    assert_eq!(hops(&app.get_as(&t.b.admin, &path).await.ok(200)), [1, 2], "B received hop 1 and sent hop 2");
    assert_eq!(hops(&app.get_as(&t.c.admin, &path).await.ok(200)), [2, 3]);
    let d_view = app.get_as(&t.d.admin, &path).await.ok(200);
    assert_eq!(hops(&d_view), [3]);
    assert_eq!(d_view["totals"]["frozen_minor"], 5000, "totals cover the whole trail");
    let stranger = bank(&app, "Stranger", "XK", "19").await;
    app.get_as(&stranger.admin, &path).await.problem(404);
    app.get_as(&stranger.admin, &format!("{path}/graph")).await.problem(404);
    let isp = app.org("isp", "ISP").await;
    app.get_as(&isp.admin, &path).await.problem(403);
}

#[actix_rt::test]
async fn a_beneficiary_named_by_two_banks_is_flagged_as_a_mule_account() {
    let app = TestApp::spawn().await;
    let a = bank(&app, "Bank A", "XK", "15").await;
    let b = bank(&app, "Bank B", "XK", "16").await;
    let holder = bank(&app, "Holder", "XK", "12").await;
    let other = bank(&app, "Other", "XK", "17").await;
    let police = app.org("law_enforcement", "Police").await;
    send(&app, &a.admin, &alert_body(&iban_xk(66), 100)).await;
    send(&app, &a.admin, &alert_body(&iban_xk(67), 100)).await;
    send(&app, &a.admin, &alert_body(&iban_xk(67), 200)).await;
    send(&app, &b.admin, &alert_body(&iban_xk(66), 300)).await;
    let all = app.get_as(&police.admin, "/api/v1/mule-accounts").await.ok(200);
    let ibans: Vec<&str> = all["items"].as_array().unwrap().iter().map(|m| m["iban"].as_str().unwrap()).collect();
    assert_eq!(ibans, [iban_xk(66)], "one bank twice is not enough");
    assert_eq!(all["items"][0]["sending_banks"], 2);
    assert_eq!(all["items"][0]["holder_id"], holder.id.as_str());
    assert_eq!(app.get_as(&holder.admin, "/api/v1/mule-accounts").await.ok(200)["items"].as_array().unwrap().len(), 1);
    assert!(app.get_as(&other.admin, "/api/v1/mule-accounts").await.ok(200)["items"].as_array().unwrap().is_empty());
    // A bank whose alert named it lists it too.
    for sender in [&a, &b] {
        let listed = app.get_as(&sender.admin, "/api/v1/mule-accounts").await.ok(200);
        assert_eq!(listed["items"][0]["iban"], iban_xk(66).as_str());
    }
}

#[actix_rt::test]
async fn proceeds_statistics_count_per_bank() {
    let app = TestApp::spawn().await;
    let t = three_hops(&app).await;
    let regulator = app.org("regulator", "Regulator").await;
    let stats = app.get_as(&regulator.admin, "/api/v1/statistics/proceeds").await.ok(200);
    let row = |name: &str| stats["banks"].as_array().unwrap().iter().find(|b| b["bank"] == name).cloned().unwrap();
    assert_eq!(row("Bank A")["amount_reported_minor"], 10000);
    assert_eq!(row("Bank A")["alerts_sent"], 1);
    assert_eq!(row("Bank B")["amount_frozen_minor"], 2000);
    assert_eq!(row("Bank D")["amount_returned_minor"], 1000);
    assert!(row("Bank B")["median_seconds_to_first_outcome"].is_number());
    let own = app.get_as(&t.c.admin, "/api/v1/statistics/proceeds").await.ok(200);
    assert_eq!(own["banks"].as_array().unwrap().len(), 1, "a bank sees its own figures");
    assert_eq!((stats["scope"].clone(), own["scope"].clone()), (json!("supervisor"), json!("own")));
    // Per-bank figures go to regulators only: the police read the published tables instead.
    let police = app.org("law_enforcement", "Police Unit Two").await;
    let theirs = app.get_as(&police.admin, "/api/v1/statistics/proceeds").await.ok(200);
    assert_eq!((theirs["scope"].clone(), theirs["banks"].clone()), (json!("published"), json!([])));
}

#[actix_rt::test]
async fn only_platform_admins_read_every_alert_not_the_platform_members_or_keys() {
    let app = TestApp::spawn().await;
    let sender = bank(&app, "Sender Bank", "XK", "15").await;
    bank(&app, "Kosovo Bank", "XK", "12").await;
    let a = send(&app, &sender.admin, &alert_body(&iban_xk(5), 950_000)).await;
    let admin = app.admin().await;
    let me = app.get_as(&admin, "/api/v1/me").await.ok(200);
    let platform = Org {
        id: me["organization_id"].as_str().unwrap().to_string(),
        admin: admin.clone(),
        admin_email: String::new(),
        admin_id: me["user_id"].as_str().unwrap().to_string(),
        deputy: None,
    };
    let (member, _) = app.member(&platform, "operator@platform.test").await;
    let (key, _) = app.api_key(&platform, &["alerts:read"]).await;
    let path = format!("/api/v1/fraud-alerts/{}", a["id"].as_str().unwrap());
    app.get_as(&admin, &path).await.ok(200);
    assert_eq!(app.get_as(&admin, "/api/v1/fraud-alerts").await.ok(200)["items"].as_array().unwrap().len(), 1);
    for (who, auth) in [("member", &member), ("API key", &key)] {
        app.get_as(auth, &path).await.problem(404);
        let listed = app.get_as(auth, "/api/v1/fraud-alerts").await.ok(200);
        assert!(listed["items"].as_array().unwrap().is_empty(), "{who}: {listed}");
        let trace = format!("/api/v1/fraud-traces/{}", a["trace_id"].as_str().unwrap());
        app.get_as(auth, &trace).await.problem(404);
    }
}

/// Payment identifiers: an alert and an onward transfer carry a UETR (kept in lower case) and
/// an end-to-end identification; both are checked as ISO 20022 writes them, shown on the alert,
/// the trace and the `alert.received` event, and searchable, with category and counterparty:
/// each search finds only alerts its caller may read.
#[actix_rt::test]
async fn alerts_are_found_by_their_payment_identifiers_only_by_those_who_see_them() {
    let app = TestApp::spawn().await;
    let a = bank(&app, "Bank A", "XK", "15").await;
    let b = bank(&app, "Bank B", "XK", "12").await;
    let c = bank(&app, "Bank C", "XK", "13").await;
    let e = bank(&app, "Bank E", "XK", "18").await;
    let police = app.org("law_enforcement", "Police").await;
    let uetr = "EB6305C9-1F7F-49DE-AED0-16487C27B42D";
    let mut body = alert_body(&iban_xk(1), 10_000);
    body["uetr"] = json!(uetr);
    body["end_to_end_id"] = json!("E2E-2026-0001");
    // Each identifier is checked, and named when wrong.
    for (field, value) in [
        ("uetr", "eb6305c9-1f7f-19de-aed0-16487c27b42d"),
        ("uetr", "not a uetr"),
        ("end_to_end_id", "NOTPROVIDED"),
        ("end_to_end_id", "123456789012345678901234567890123456"),
    ] {
        let mut bad = body.clone();
        bad[field] = json!(value);
        let p = app.post_as(&a.admin, "/api/v1/fraud-alerts", &bad).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{value}: {p}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM fraud_alerts").await, 0);
    let root = send(&app, &a.admin, &body).await;
    assert_eq!(root["uetr"], uetr.to_lowercase());
    assert_eq!(root["end_to_end_id"], "E2E-2026-0001");
    let heard = events_of(&app, &b.admin, "alert.received").await;
    assert_eq!(heard[0]["data"]["uetr"], uetr.to_lowercase());
    // B moves part on to C, with the onward transfer's own UETR.
    let onward_uetr = "3b0b8f4e-6c1a-4c8e-9a55-0f3e2d1c4b5a";
    let mut on = moved(&format!("XK{}", &iban_c()[2..]), 6_000);
    on["onward_transfers"][0]["uetr"] = json!(onward_uetr);
    on["onward_transfers"][0]["end_to_end_id"] = json!("E2E-B-7");
    let moved_b = outcome(&app, &b.admin, &root, on).await;
    let hop2_id = moved_b["onward_alert_ids"][0].as_str().unwrap();
    let hop2 = app.get_as(&c.admin, &format!("/api/v1/fraud-alerts/{hop2_id}")).await.ok(200);
    assert_eq!((hop2["uetr"].as_str(), hop2["end_to_end_id"].as_str()), (Some(onward_uetr), Some("E2E-B-7")));
    let mut bad = moved(&format!("XK{}", &iban_c()[2..]), 1);
    bad["onward_transfers"][0]["uetr"] = json!("nope");
    let p = app
        .post_as(&b.admin, &format!("/api/v1/fraud-alerts/{}/outcomes", root["id"].as_str().unwrap()), &bad)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "onward_transfers[0].uetr");
    let trace =
        app.get_as(&police.admin, &format!("/api/v1/fraud-traces/{}", root["trace_id"].as_str().unwrap())).await;
    let trace = trace.ok(200);
    assert_eq!(trace["hops"][0]["uetr"], uetr.to_lowercase());
    assert_eq!(trace["hops"][1]["end_to_end_id"], "E2E-B-7");
    assert!(trace["hops"][0]["executed_at"].is_string());

    // Searches: by UETR in any case, by end-to-end id, by category, by the other bank.
    let ids = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
    };
    let root_id = root["id"].as_str().unwrap().to_string();
    for (who, query, expect) in [
        (&a.admin, format!("uetr={uetr}"), vec![root_id.clone()]),
        (&b.admin, format!("uetr={}", uetr.to_lowercase()), vec![root_id.clone()]),
        (&police.admin, "end_to_end_id=E2E-2026-0001".to_string(), vec![root_id.clone()]),
        (&b.admin, format!("uetr={onward_uetr}"), vec![hop2_id.to_string()]),
        (&c.admin, format!("uetr={onward_uetr}"), vec![hop2_id.to_string()]),
        // Neither hop is A's or C's to read by the other's identifier; E is on no hop.
        (&a.admin, format!("uetr={onward_uetr}"), vec![]),
        (&c.admin, format!("uetr={uetr}"), vec![]),
        (&e.admin, format!("uetr={uetr}"), vec![]),
        (&e.admin, "end_to_end_id=E2E-B-7".to_string(), vec![]),
        (&a.admin, format!("counterparty={}", b.id), vec![root_id.clone()]),
        (&a.admin, format!("counterparty={}", c.id), vec![]),
        (&b.admin, format!("counterparty={}", c.id), vec![hop2_id.to_string()]),
        (&b.admin, "category=investment_fraud&box=received".to_string(), vec![root_id.clone()]),
        (&b.admin, "category=romance_scam".to_string(), vec![]),
    ] {
        let page = app.get_as(who, &format!("/api/v1/fraud-alerts?{query}")).await.ok(200);
        assert_eq!(ids(&page), expect, "{query}");
    }
    for (query, field) in [("uetr=abc", "uetr"), ("counterparty=bank-b", "counterparty"), ("category=x", "category")] {
        let p = app.get_as(&a.admin, &format!("/api/v1/fraud-alerts?{query}")).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{query}: {p}");
    }
}
