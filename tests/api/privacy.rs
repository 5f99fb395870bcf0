//! Data protection: the purpose of searches, confidence and validity of values, withdrawal and
//! correction, legal holds and the retention purge, mule-flag contests, subject access.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{create_report, exec, iban_xk, report_body, TestApp};

/// Polls an audit query until `enough` holds of its rows (look-ups are written in batches).
async fn audit_until(app: &TestApp, auth: &str, path: &str, enough: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..40 {
        let rows = app.get_as(auth, path).await.ok(200)["items"].as_array().unwrap().clone();
        if enough(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the audit never showed what was expected at {path}");
}

fn events_of(app_events: &Value, kind: &str) -> Vec<Value> {
    app_events["items"].as_array().unwrap().iter().filter(|e| e["type"] == kind).cloned().collect()
}

#[actix_rt::test]
async fn a_public_sector_search_states_its_purpose_and_is_found_by_its_case() {
    let app =
        TestApp::spawn_with(|c| c.purpose_required = cyberbridge::domain::purpose::DEFAULT_PURPOSE_REQUIRED.into())
            .await;
    let bank = app.org("bank", "Bank A").await;
    let police = app.org("law_enforcement", "Police").await;
    let other_police = app.org("law_enforcement", "Other Police").await;
    let reg = app.org("regulator", "Regulator").await;
    create_report(&app, &bank.admin, report_body("amber", &iban_xk(7), &[])).await;
    let lookup = format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(7));

    // Without a purpose: 422 naming the field, on every kind of search, by a user or a key.
    let (key, _) = app.api_key(&police, &["indicators:lookup", "reports:read"]).await;
    for auth in [&police.admin, &key] {
        let p = app.get_as(auth, &lookup).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "purpose", "{p}");
    }
    let p = app.get_as(&police.admin, &format!("{lookup}&purpose=criminal_investigation")).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "case_reference");
    let p = app.get_as(&police.admin, &format!("{lookup}&purpose=curiosity&case_reference=C-1")).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "purpose");
    let p = app
        .get_as(&police.admin, &format!("{lookup}&purpose=other&case_reference={}", "x".repeat(101)))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "case_reference");
    for path in
        ["/api/v1/reports", "/api/v1/reports/export.csv", &format!("/api/v1/indicators/iban/{}/reports", iban_xk(7))]
    {
        assert_eq!(app.get_as(&police.admin, path).await.problem(422)["errors"][0]["field"], "purpose", "{path}");
    }
    let batch = json!({"items": [{"type": "iban", "value": iban_xk(7)}]});
    assert_eq!(
        app.post_as(&police.admin, "/api/v1/indicators/lookup", &batch).await.problem(422)["errors"][0]["field"],
        "purpose"
    );
    // A bank need not state one.
    assert_eq!(app.get_as(&bank.admin, &lookup).await.ok(200)["seen"], true);

    // With it: answered, and every search is in the audit under its case.
    let purpose = "purpose=criminal_investigation&case_reference=CASE-2026-17";
    assert_eq!(app.get_as(&police.admin, &format!("{lookup}&{purpose}")).await.ok(200)["seen"], true);
    assert_eq!(app.get_as(&key, &format!("{lookup}&{purpose}")).await.ok(200)["seen"], true);
    app.get_as(&police.admin, &format!("/api/v1/reports?{purpose}")).await.ok(200);
    assert_eq!(app.get_as(&police.admin, &format!("/api/v1/reports/export.csv?{purpose}")).await.status, 200);
    app.get_as(&police.admin, &format!("/api/v1/indicators/iban/{}/reports?{purpose}", iban_xk(7))).await.ok(200);
    let batch = json!({"items": [{"type": "iban", "value": iban_xk(7)}], "purpose": "fraud_prevention", "case_reference": "CASE-2026-17"});
    app.post_as(&police.admin, "/api/v1/indicators/lookup", &batch).await.ok(200);
    // Another force's search for another case.
    app.get_as(&other_police.admin, &format!("{lookup}&purpose=threat_intelligence&case_reference=OTHER-1"))
        .await
        .ok(200);

    let rows = audit_until(&app, &reg.admin, "/api/v1/audit?case_reference=CASE-2026-17", |rows| {
        ["report.query", "report.export", "indicator.correlate"].iter().all(|a| rows.iter().any(|r| r["action"] == *a))
            && rows.iter().filter(|r| r["action"] == "indicator.lookup").count() >= 2
            // The key's look-up is buffered apart from the user's: wait for it too.
            && rows.iter().any(|r| r["purpose"] == "criminal_investigation" && r["api_key_id"].is_string())
            && rows.iter().any(|r| r["purpose"] == "fraud_prevention")
    })
    .await;
    assert!(rows.iter().all(|r| r["case_reference"] == "CASE-2026-17" && r["organization_id"] == police.id.as_str()));
    assert!(rows.iter().any(|r| r["purpose"] == "fraud_prevention"));
    assert!(rows.iter().any(|r| r["purpose"] == "criminal_investigation" && r["api_key_id"].is_string()));
    // The police's org_admin finds its own case; not another organisation's.
    let own = app.get_as(&police.admin, "/api/v1/audit?case_reference=CASE-2026-17").await.ok(200);
    assert!(!own["items"].as_array().unwrap().is_empty());
    let theirs = app.get_as(&police.admin, "/api/v1/audit?case_reference=OTHER-1").await.ok(200);
    assert!(theirs["items"].as_array().unwrap().is_empty(), "another force's case is not in your audit: {theirs}");

    // Statistics: consultations per case and per purpose (once the other force's look-up is written).
    audit_until(&app, &reg.admin, "/api/v1/audit?case_reference=OTHER-1", |rows| !rows.is_empty()).await;
    let stats = app.get_as(&reg.admin, "/api/v1/statistics/consultations").await.ok(200);
    let case =
        stats["by_case"].as_array().unwrap().iter().find(|c| c["case_reference"] == "CASE-2026-17").unwrap().clone();
    assert!(case["consultations"].as_i64().unwrap() >= 6, "{stats}");
    assert_eq!(case["organization_id"], police.id.as_str());
    assert!(stats["by_purpose"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["purpose"] == "threat_intelligence" && p["consultations"] == 1));
    let own = app.get_as(&police.admin, "/api/v1/statistics/consultations").await.ok(200);
    assert!(own["by_case"].as_array().unwrap().iter().all(|c| c["organization_id"] == police.id.as_str()), "{own}");
    let p = app
        .get_as(&police.admin, &format!("/api/v1/statistics/consultations?organization_id={}", other_police.id))
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "organization_id");
    // A member (no audit permission) reads none.
    let (member, _) = app.member(&police, "analyst@police.test").await;
    app.get_as(&member, "/api/v1/statistics/consultations").await.problem(403);

    // The purpose is in the hash chain: verification still holds, and changing it is found.
    let verified = app.get_as(&app.admin().await, "/api/v1/audit/verify?full=true").await.ok(200);
    assert_eq!(verified["ok"], true, "{verified}");
}

#[actix_rt::test]
async fn values_go_stale_by_type_and_stale_values_are_history_not_sightings() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let isp = app.org("isp", "ISP").await;
    let watcher = app.org("bank", "Bank W").await;
    app.post_as(
        &watcher.admin,
        "/api/v1/watchlists",
        &json!({"name": "Watched", "items": [
        {"type": "ipv4", "value": "198.51.100.7"}, {"type": "ipv4", "value": "198.51.100.8"},
        {"type": "iban", "value": iban_xk(21)}]}),
    )
    .await
    .ok(201);
    // Seen 40 days ago: the IP address (30 days) is stale, the IBAN (a year) is not.
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339();
    let report = create_report(&app, &isp.admin, json!({
        "category": "phishing", "title": "Old phishing server", "description": "Hosted the kit", "tlp": "green",
        "first_seen": long_ago, "last_seen": long_ago,
        "indicators": [
            {"type": "ipv4", "value": "198.51.100.7", "confidence": 90},
            {"type": "iban", "value": iban_xk(21)},
            {"type": "ipv4", "value": "198.51.100.8", "valid_until": (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339()},
        ]}))
    .await;
    let by_value = |v: &str| report["indicators"].as_array().unwrap().iter().find(|i| i["value"] == v).unwrap().clone();
    assert_eq!(by_value("198.51.100.7")["stale"], true);
    assert_eq!(by_value("198.51.100.7")["confidence"], 90);
    assert_eq!(by_value(&iban_xk(21))["stale"], false);
    assert_eq!(by_value(&iban_xk(21))["confidence"], 50, "the default confidence");
    assert_eq!(by_value("198.51.100.8")["stale"], false, "the reporter's own validity wins");

    let look = |v: String| {
        let app = &app;
        let auth = bank.admin.clone();
        async move {
            app.post_as(&auth, "/api/v1/indicators/lookup", &json!({"items": [{"type": "ipv4", "value": v}]}))
                .await
                .ok(200)["results"][0]
                .clone()
        }
    };
    let stale = look("198.51.100.7".into()).await;
    assert_eq!((stale["seen"].clone(), stale["stale"].clone()), (json!(false), json!(true)), "{stale}");
    assert_eq!((stale["report_count"].clone(), stale["stale_report_count"].clone()), (json!(0), json!(1)));
    assert_eq!(stale["confidence"], Value::Null);
    assert_eq!(stale["reports"][0]["stale"], true);
    let current = look("198.51.100.8".into()).await;
    assert_eq!((current["seen"].clone(), current["stale"].clone()), (json!(true), json!(false)));
    assert_eq!(current["confidence"], 50);

    // A second, fresh report of the stale address makes it current again; the stale one is listed after.
    let fresh = create_report(
        &app,
        &isp.admin,
        json!({
        "category": "phishing", "title": "Same server again", "description": "Back online", "tlp": "green",
        "indicators": [{"type": "ipv4", "value": "198.51.100.7", "confidence": 70}]}),
    )
    .await;
    let again = look("198.51.100.7".into()).await;
    assert_eq!(
        (again["seen"].clone(), again["report_count"].clone(), again["stale_report_count"].clone()),
        (json!(true), json!(1), json!(1))
    );
    assert_eq!(again["reports"][0]["id"], fresh["id"]);
    assert_eq!(again["confidence"], 70, "the confidence of the current reports only");

    // Watchlists: the stale address raised no match; the current IBAN and address did.
    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    let matched: Vec<(String, String)> = events_of(&feed, "report.indicator_match")
        .iter()
        .flat_map(|e| e["data"]["matches"].as_array().unwrap().clone())
        .map(|m| (m["value"].as_str().unwrap().to_string(), m["type"].as_str().unwrap().to_string()))
        .collect();
    assert!(matched.contains(&(iban_xk(21), "iban".into())));
    assert!(matched.contains(&("198.51.100.8".into(), "ipv4".into())));
    assert_eq!(
        matched.iter().filter(|(v, _)| v == "198.51.100.7").count(),
        1,
        "only the fresh report's sighting: {matched:?}"
    );

    // Bad values: confidence beyond 100, validity beyond ten years.
    let bad = app
        .post_as(
            &isp.admin,
            "/api/v1/reports",
            &json!({
        "category": "phishing", "title": "t", "description": "d", "tlp": "green",
        "indicators": [{"type": "ipv4", "value": "198.51.100.9", "confidence": 101},
                       {"type": "ipv4", "value": "198.51.100.10", "valid_until": "2099-01-01T00:00:00Z"}]}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["indicators[0].confidence", "indicators[1].valid_until"]);
}

#[actix_rt::test]
async fn the_reporter_withdraws_or_corrects_a_value_and_those_who_matched_it_are_told() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let watcher = app.org("bank", "Bank W").await;
    let bystander = app.org("bank", "Bank X").await;
    let police = app.org("law_enforcement", "Police").await;
    let (wrong, right) = (iban_xk(31), iban_xk(32));
    app.post_as(
        &watcher.admin,
        "/api/v1/watchlists",
        &json!({"name": "W", "items": [
        {"type": "iban", "value": wrong}, {"type": "iban", "value": right}]}),
    )
    .await
    .ok(201);
    let report = create_report(&app, &bank.admin, report_body("green", &wrong, &[])).await;
    let id = report["id"].as_str().unwrap();
    let withdraw = format!("/api/v1/reports/{id}/indicators/iban/{wrong}/withdraw");
    let correct = format!("/api/v1/reports/{id}/indicators/iban/{wrong}/correct");

    // Only the reporter; a reason is required; another organisation's report is 404 when hidden.
    let secret = create_report(&app, &bank.admin, report_body("red", &iban_xk(33), &[])).await;
    app.post_as(
        &bystander.admin,
        &format!("/api/v1/reports/{}/indicators/iban/{}/withdraw", secret["id"].as_str().unwrap(), iban_xk(33)),
        &json!({"reason": "x"}),
    )
    .await
    .problem(404);
    app.post_as(&police.admin, &withdraw, &json!({"reason": "not yours"})).await.problem(403);
    assert_eq!(
        app.post_as(&bank.admin, &withdraw, &json!({"reason": " "})).await.problem(422)["errors"][0]["field"],
        "reason"
    );
    assert_eq!(
        app.post_as(&bank.admin, &correct, &json!({"value": "XK05 1212 0123 4567 8907", "reason": "typo"}))
            .await
            .problem(422)["errors"][0]["field"],
        "value"
    );
    assert_eq!(
        app.post_as(&bank.admin, &correct, &json!({"value": wrong, "reason": "same"})).await.problem(422)["errors"][0]
            ["field"],
        "value"
    );
    app.post_as(
        &bank.admin,
        &format!("/api/v1/reports/{id}/indicators/iban/{}/withdraw", iban_xk(34)),
        &json!({"reason": "never named"}),
    )
    .await
    .problem(404);
    // A stale If-Match: 412, nothing changed.
    let res = app
        .send(
            awc::http::Method::POST,
            &correct,
            &[("authorization", &bank.admin), ("if-match", "\"7\"")],
            Some(&json!({"value": right, "reason": "typo"})),
        )
        .await;
    assert_eq!(res.status, 412);

    // The correction: the old value leaves look-ups, the new one is matched, the watcher told.
    let corrected = app
        .post_as(&bank.admin, &correct, &json!({"value": right, "reason": "Two digits were swapped", "confidence": 95}))
        .await
        .ok(200);
    assert_eq!(corrected["version"], 2);
    let mine = corrected["indicators"].as_array().unwrap();
    let old = mine.iter().find(|i| i["value"] == wrong.as_str()).unwrap();
    assert_eq!(old["withdrawn"]["reason"], "Two digits were swapped");
    assert_eq!(old["withdrawn"]["corrected_to"], json!({"type": "iban", "value": right}));
    assert_eq!(mine.iter().find(|i| i["value"] == right.as_str()).unwrap()["confidence"], 95);
    // Others no longer see the withdrawn value in the report at all.
    let seen_by_other = app.get_as(&bystander.admin, &format!("/api/v1/reports/{id}")).await.ok(200);
    let values: Vec<&str> =
        seen_by_other["indicators"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    assert_eq!(values, [right.as_str()]);
    let look =
        app.get_as(&bystander.admin, &format!("/api/v1/indicators/lookup?type=iban&value={wrong}")).await.ok(200);
    assert_eq!(
        (look["seen"].clone(), look["stale"].clone(), look["report_count"].clone()),
        (json!(false), json!(false), json!(0))
    );
    let corr = app.get_as(&bystander.admin, &format!("/api/v1/indicators/iban/{wrong}/reports")).await.ok(200);
    assert!(corr["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_as(&bystander.admin, &format!("/api/v1/reports?indicator_type=iban&indicator_value={wrong}"))
            .await
            .ok(200)["items"],
        json!([])
    );

    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    let told = events_of(&feed, "indicator.withdrawn");
    assert_eq!(told.len(), 1, "{feed}");
    assert_eq!(told[0]["data"]["value"], wrong.as_str());
    assert_eq!(told[0]["data"]["corrected_to"]["value"], right.as_str());
    assert_eq!(told[0]["data"]["reason"], "Two digits were swapped");
    let matches = events_of(&feed, "report.indicator_match");
    assert!(
        matches.iter().any(|e| e["data"]["matches"][0]["value"] == right.as_str()),
        "the correction is matched like a new value"
    );
    let others = app.get_as(&bystander.admin, "/api/v1/events?limit=500").await.ok(200);
    assert!(events_of(&others, "indicator.withdrawn").is_empty(), "only those who matched it are told");

    // Withdrawing it twice: 404 (no such current value); the new one can be withdrawn.
    app.post_as(&bank.admin, &withdraw, &json!({"reason": "again"})).await.problem(404);
    let done = app
        .post_as(
            &bank.admin,
            &format!("/api/v1/reports/{id}/indicators/iban/{right}/withdraw"),
            &json!({"reason": "Account cleared"}),
        )
        .await
        .ok(200);
    assert_eq!(done["version"], 3);
    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    assert_eq!(events_of(&feed, "indicator.withdrawn").len(), 2);
}

/// Sets a column of rows to `days` ago, as the schema owner (a test's time machine).
async fn age(app: &TestApp, sql_table: &str, column: &str, filter: &str, days: i64) {
    let mut db = app.db.connect().await;
    exec(&mut db, &format!("UPDATE {sql_table} SET {column} = now() - interval '{days} days' WHERE {filter}")).await;
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

#[actix_rt::test]
async fn the_purge_deletes_what_is_past_its_period_keeps_what_is_held_and_leaves_tombstones() {
    let app = TestApp::spawn_with(|c| {
        c.retention_reports_days = 30;
        c.retention_alerts_days = 30;
        c.retention_requests_days = 180;
    })
    .await;
    let reporter = app.org("bank", "Bank R").await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP").await;
    let reg = app.org("regulator", "Regulator").await;
    let old = create_report(&app, &reporter.admin, report_body("amber", &iban_xk(51), &[])).await;
    let held = create_report(&app, &reporter.admin, report_body("amber", &iban_xk(52), &[])).await;
    let fresh = create_report(&app, &reporter.admin, report_body("amber", &iban_xk(53), &[])).await;
    let red = create_report(&app, &reporter.admin, report_body("red", &iban_xk(54), &[])).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    // Traces: one old, one old and held.
    let a = crate::alerts::bank(&app, "Bank A", "XK", "12").await;
    let b = crate::alerts::bank(&app, "Bank B", "DE", "37040044").await;
    let old_alert =
        crate::alerts::send(&app, &a.admin, &crate::alerts::alert_body("DE89 3704 0044 0532 0130 00", 1000)).await;
    let held_alert = crate::alerts::send(&app, &b.admin, &crate::alerts::alert_body(&iban_xk(55), 2000)).await;

    // Requests: one closed with a file and signed documents, one closed and held, one open.
    let closed = crate::requests::issue(&app, &police, &isp).await;
    crate::requests::transition(&app, &isp.admin, &closed, "acknowledged").await.ok(200);
    let (ct, mp) =
        crate::requests::multipart(r#"[{"subscriber": "A. Person"}]"#, &[("subscriber.txt", b"A. Person, Rr. 1")]);
    app.send_raw(
        awc::http::Method::POST,
        &format!("/api/v1/requests/{}/responses", id(&closed)),
        &[("Authorization", &isp.admin), ("content-type", &ct)],
        mp,
    )
    .await
    .ok(201);
    let closed_held = crate::requests::issue(&app, &police, &isp).await;
    crate::requests::transition(&app, &police.admin, &closed_held, "withdrawn").await.ok(200);
    let open = crate::requests::issue(&app, &police, &isp).await;
    let closed_state = app.get_as(&police.admin, &format!("/api/v1/requests/{}", id(&closed))).await.ok(200);
    if closed_state["status"] != "fulfilled" {
        crate::requests::transition(&app, &isp.admin, &closed, "fulfilled").await.ok(200);
    }

    // Who may hold what.
    let hold = |t: &str, o: &str| json!({"object_type": t, "object_id": o, "case_reference": "CASE-9", "reason": "Evidence in proceedings"});
    app.post_as(&reporter.admin, "/api/v1/legal-holds", &hold("report", &id(&held))).await.problem(403);
    app.post_as(&isp.admin, "/api/v1/legal-holds", &hold("data_request", &id(&closed_held))).await.problem(403);
    let p = app.post_as(&police.admin, "/api/v1/legal-holds", &hold("report", &id(&red))).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "object_id", "a report the police may not see is not theirs to hold");
    let p = app
        .post_as(&prosecutor.admin, "/api/v1/legal-holds", &hold("data_request", &id(&closed_held)))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "object_id", "another organisation's request");
    let p = app.post_as(&police.admin, "/api/v1/legal-holds", &hold("mailbox", &id(&held))).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "object_type");
    let h1 = app.post_as(&police.admin, "/api/v1/legal-holds", &hold("report", &id(&held))).await.ok(201);
    assert_eq!(h1["active"], true);
    app.post_as(&prosecutor.admin, "/api/v1/legal-holds", &hold("trace", held_alert["trace_id"].as_str().unwrap()))
        .await
        .ok(201);
    let h3 = app.post_as(&police.admin, "/api/v1/legal-holds", &hold("data_request", &id(&closed_held))).await.ok(201);
    // A hold set and lifted no longer protects.
    let lifted_hold = app.post_as(&police.admin, "/api/v1/legal-holds", &hold("report", &id(&old))).await.ok(201);
    let lift = format!("/api/v1/legal-holds/{}/lift", lifted_hold["id"].as_str().unwrap());
    app.post_as(&prosecutor.admin, &lift, &json!({"reason": "not yours"})).await.problem(404);
    assert_eq!(app.post_as(&police.admin, &lift, &json!({"reason": "Case closed"})).await.ok(200)["active"], false);
    app.post_as(&police.admin, &lift, &json!({"reason": "again"})).await.problem(409);
    // A member lifts only a hold they set; the org_admin any of the organisation's.
    let (member, _) = app.member(&police, "investigator@police.test").await;
    let by_member = app.post_as(&member, "/api/v1/legal-holds", &hold("report", &id(&fresh))).await.ok(201);
    app.post_as(
        &member,
        &format!("/api/v1/legal-holds/{}/lift", h1["id"].as_str().unwrap()),
        &json!({"reason": "not mine"}),
    )
    .await
    .problem(403);
    app.post_as(
        &police.admin,
        &format!("/api/v1/legal-holds/{}/lift", by_member["id"].as_str().unwrap()),
        &json!({"reason": "Duplicate"}),
    )
    .await
    .ok(200);
    // Lists: own holds; the regulator sees all.
    assert_eq!(
        app.get_as(&police.admin, "/api/v1/legal-holds?active=true").await.ok(200)["items"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        app.get_as(&prosecutor.admin, "/api/v1/legal-holds").await.ok(200)["items"].as_array().unwrap().len(),
        1
    );
    assert_eq!(app.get_as(&reg.admin, "/api/v1/legal-holds").await.ok(200)["items"].as_array().unwrap().len(), 5);

    // Time passes for everything but `fresh` and the open request.
    let ids = |v: &[&Value]| v.iter().map(|x| format!("'{}'", id(x))).collect::<Vec<_>>().join(",");
    age(&app, "reports", "updated_at", &format!("id IN ({})", ids(&[&old, &held, &red])), 40).await;
    age(&app, "fraud_alerts", "created_at", "true", 40).await;
    age(&app, "fraud_alert_outcomes", "created_at", "true", 40).await;
    age(&app, "data_requests", "updated_at", &format!("id IN ({})", ids(&[&closed, &closed_held, &open])), 200).await;
    // The service role cannot erase a young signed document, whatever it says of its request.
    let mut service = app.state.pool.get().await.unwrap();
    let sql = format!(
        "UPDATE data_requests SET status = 'withdrawn', updated_at = now() - interval '9 years' WHERE id = '{}'",
        id(&open)
    );
    diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut service).await.unwrap();
    let sql = format!("SELECT purge_signed_documents(ARRAY['{}'::uuid])", id(&open));
    let err = diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut service).await.unwrap_err();
    assert!(err.to_string().contains("active within 180 days"), "{err}");
    // Nor delete or rewrite a legal hold; a hold lifted by hand (no audited lift) still holds.
    let held_id = h3["id"].as_str().unwrap();
    for sql in [
        format!("DELETE FROM legal_holds WHERE id = '{held_id}'"),
        format!("UPDATE legal_holds SET reason = 'nothing' WHERE id = '{held_id}'"),
        format!("UPDATE legal_holds SET lifted_at = now() - interval '3 years' WHERE id = '{held_id}'"),
    ] {
        let err = diesel_async::RunQueryDsl::execute(diesel::sql_query(&sql), &mut service).await.unwrap_err();
        assert!(
            err.to_string().contains("legal hold") || err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }
    drop(service);
    assert!(
        count(&app, &format!("SELECT count(*) AS n FROM signed_documents WHERE request_id = '{}'", id(&open))).await
            > 0
    );
    exec(
        &mut app.db.connect().await,
        &format!("UPDATE data_requests SET status = 'submitted' WHERE id = '{}'", id(&open)),
    )
    .await;
    age(&app, "signed_documents", "created_at", &format!("request_id <> '{}'", id(&open)), 200).await;
    // Time passes in the audit trail too (the evidence rule reads it: the API's role cannot
    // backdate it), for the closed requests.
    let mut owner = app.db.connect().await;
    exec(&mut owner, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(
        &mut owner,
        &format!(
            "UPDATE audit_events SET at = now() - interval '200 days' WHERE object_type = 'data_request' AND object_id IN ({})",
            ids(&[&closed, &closed_held])
        ),
    )
    .await;
    exec(&mut owner, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    let signed_before =
        count(&app, &format!("SELECT count(*) AS n FROM signed_documents WHERE request_id = '{}'", id(&closed))).await;
    assert!(signed_before > 0, "the closed request has signed documents to purge");
    // Copies made to deliver data: events older than a year, an idempotent answer older than 30 days.
    let keyed = app
        .send(
            awc::http::Method::POST,
            "/api/v1/fraud-alerts",
            &[("authorization", a.admin.as_str()), ("idempotency-key", "retry-me")],
            Some(&crate::alerts::alert_body(&iban_xk(56), 300)),
        )
        .await;
    assert_eq!(keyed.status, 201);
    let events_before = count(&app, "SELECT count(*) AS n FROM outbox_events").await;
    age(&app, "outbox_events", "created_at", "id IN (SELECT id FROM outbox_events ORDER BY id LIMIT 3)", 400).await;
    age(&app, "idempotency_keys", "created_at", "true", 40).await;

    let purged = cyberbridge::retention::purge_once(&app.state).await.unwrap().expect("not locked");
    assert_eq!((purged.reports, purged.traces, purged.requests), (2, 1, 1), "{purged:?}");
    assert_eq!((purged.events, purged.idempotency_keys), (3, 1), "{purged:?}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox_events").await, events_before - 3);

    // Gone: the old and the red report, the old trace, the closed request with all it held.
    for (path, auth) in [
        (format!("/api/v1/reports/{}", id(&old)), &reporter.admin),
        (format!("/api/v1/reports/{}", id(&red)), &reporter.admin),
        (format!("/api/v1/fraud-alerts/{}", id(&old_alert)), &a.admin),
        (format!("/api/v1/requests/{}", id(&closed)), &police.admin),
    ] {
        app.get_as(auth, &path).await.problem(404);
    }
    let look = app
        .get_as(&reporter.admin, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(51)))
        .await
        .ok(200);
    assert_eq!(look["seen"], false);
    assert_eq!(
        count(&app, &format!("SELECT count(*) AS n FROM indicators WHERE value = '{}'", iban_xk(51))).await,
        0,
        "a value no report names is gone"
    );
    for table in [
        "signed_documents",
        "data_request_attachments",
        "data_request_responses",
        "data_request_history",
        "data_request_messages",
    ] {
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM {table} WHERE request_id = '{}'", id(&closed))).await,
            0,
            "{table}"
        );
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM attachment_chunks c WHERE NOT EXISTS (SELECT 1 FROM data_request_attachments a WHERE a.id = c.attachment_id)").await, 0);
    // Kept: held and fresh objects, the open request.
    app.get_as(&reporter.admin, &format!("/api/v1/reports/{}", id(&held))).await.ok(200);
    app.get_as(&reporter.admin, &format!("/api/v1/reports/{}", id(&fresh))).await.ok(200);
    app.get_as(&b.admin, &format!("/api/v1/fraud-alerts/{}", id(&held_alert))).await.ok(200);
    app.get_as(&police.admin, &format!("/api/v1/requests/{}", id(&closed_held))).await.ok(200);
    app.get_as(&police.admin, &format!("/api/v1/requests/{}", id(&open))).await.ok(200);

    // Tombstones: one per object, naming the rule.
    let stones = app.get_as(&reg.admin, "/api/v1/audit?action=retention.purge&limit=50").await.ok(200)["items"]
        .as_array()
        .unwrap()
        .clone();
    for copies in ["outbox_events", "idempotency_keys"] {
        assert!(stones.iter().any(|s| s["object_type"] == copies && s["details"]["rows"].is_number()), "{copies}");
    }
    let mut purged_ids: Vec<(String, String)> = stones
        .iter()
        .filter(|s| !["outbox_events", "idempotency_keys"].contains(&s["object_type"].as_str().unwrap()))
        .map(|s| (s["object_type"].as_str().unwrap().into(), s["object_id"].as_str().unwrap().into()))
        .collect();
    purged_ids.sort();
    let mut expected = vec![
        ("data_request".to_string(), id(&closed)),
        ("report".into(), id(&old)),
        ("report".into(), id(&red)),
        ("trace".into(), old_alert["trace_id"].as_str().unwrap().to_string()),
    ];
    expected.sort();
    assert_eq!(purged_ids, expected);
    assert!(stones.iter().all(|s| s["details"]["rule"].is_string() && s["details"]["retention_days"].is_number()));

    // Lifting a hold lets the next purge take the object; a second purge with nothing due is a no-op.
    let again = cyberbridge::retention::purge_once(&app.state).await.unwrap().unwrap();
    assert_eq!(again, cyberbridge::retention::Purged::default());
    app.post_as(
        &police.admin,
        &format!("/api/v1/legal-holds/{}/lift", h3["id"].as_str().unwrap()),
        &json!({"reason": "Judgment final"}),
    )
    .await
    .ok(200);
    // Its evidence goes no sooner than 180 days after the lift.
    let after_lift = cyberbridge::retention::purge_once(&app.state).await.unwrap().unwrap();
    assert_eq!(after_lift.requests, 0);
    let mut owner = app.db.connect().await;
    exec(&mut owner, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(&mut owner, "ALTER TABLE legal_holds DISABLE TRIGGER legal_hold_guard").await;
    exec(
        &mut owner,
        &format!(
            "UPDATE audit_events SET at = now() - interval '181 days' WHERE object_type IN ('legal_hold', 'data_request') \
             AND object_id IN ('{}', '{}')",
            h3["id"].as_str().unwrap(),
            id(&closed_held)
        ),
    )
    .await;
    exec(&mut owner, "UPDATE legal_holds SET lifted_at = now() - interval '181 days' WHERE lifted_at IS NOT NULL")
        .await;
    exec(&mut owner, "ALTER TABLE legal_holds ENABLE TRIGGER legal_hold_guard").await;
    exec(&mut owner, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    let after_lift = cyberbridge::retention::purge_once(&app.state).await.unwrap().unwrap();
    assert_eq!(after_lift.requests, 1);
    app.get_as(&police.admin, &format!("/api/v1/requests/{}", id(&closed_held))).await.problem(404);
    // The audit chain still verifies.
    assert_eq!(app.get_as(&reg.admin, "/api/v1/audit/verify?full=true").await.ok(200)["ok"], true);
}

#[actix_rt::test]
async fn audit_rows_past_their_period_are_cut_at_an_anchor_the_chain_verifies_from() {
    let app = TestApp::spawn_with(|c| c.retention_audit_days = 400).await;
    let reg = app.org("regulator", "Regulator").await;
    let bank = app.org("bank", "Bank").await;
    create_report(&app, &bank.admin, report_body("green", &iban_xk(61), &[])).await;
    // Seal what is there, then age the first rows (as the owner, with the trigger set aside).
    let mut db = app.db.connect().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    cyberbridge::audit::store::seal_pending(&mut app.state.pool.get().await.unwrap()).await.unwrap();
    exec(&mut db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(
        &mut db,
        "UPDATE audit_events SET at = at - interval '500 days' WHERE id <= (SELECT min(id) + 4 FROM audit_events)",
    )
    .await;
    exec(&mut db, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    // The hashes cover `at`: reseal the aged rows' chain as it would have been written.
    exec(&mut db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(&mut db, "UPDATE audit_events SET hash = NULL").await;
    exec(&mut db, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    cyberbridge::audit::store::seal_pending(&mut app.state.pool.get().await.unwrap()).await.unwrap();
    let before = count(&app, "SELECT count(*) AS n FROM audit_events").await;

    // The service role itself cannot cut younger rows, however it asks.
    let mut service = app.state.pool.get().await.unwrap();
    // The floor is the owner's (set at each start from CYBERBRIDGE_RETENTION_AUDIT_DAYS; here 3,650
    // days until the owner lowers it): the service role cannot cut younger rows, however it asks.
    let refused = diesel_async::RunQueryDsl::execute(
        diesel::sql_query("SELECT audit_purge(now() - interval '400 days')"),
        &mut service,
    )
    .await;
    assert!(refused.unwrap_err().to_string().contains("kept 3650 days"));
    let refused = diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE audit_retention SET min_days = 365"),
        &mut service,
    )
    .await;
    assert!(refused.is_err(), "the service role does not move the floor");
    exec(&mut db, "UPDATE audit_retention SET min_days = 400").await;
    let refused = diesel_async::RunQueryDsl::execute(
        diesel::sql_query("SELECT audit_purge(now() - interval '10 days')"),
        &mut service,
    )
    .await;
    assert!(refused.unwrap_err().to_string().contains("kept 400 days"));
    let refused = diesel_async::RunQueryDsl::execute(diesel::sql_query("DELETE FROM audit_events"), &mut service).await;
    assert!(refused.is_err(), "the service role deletes no audit row");
    drop(service);

    let purged = cyberbridge::retention::purge_once(&app.state).await.unwrap().unwrap();
    assert_eq!(purged.audit_rows, 5, "{purged:?}");
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM audit_events").await,
        before - 5 + 1,
        "five cut, one row records the cut"
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM audit_anchors").await, 1);
    let cut = app.get_as(&reg.admin, "/api/v1/audit?action=retention.purge").await.ok(200);
    assert_eq!(cut["items"][0]["details"]["rows"], 5);
    cyberbridge::audit::store::seal_pending(&mut app.state.pool.get().await.unwrap()).await.unwrap();
    let verified = app.get_as(&reg.admin, "/api/v1/audit/verify?full=true").await.ok(200);
    assert_eq!(verified["ok"], true, "{verified}");
    assert!(verified["from_id"].as_i64().unwrap() > 0, "verified from the anchor: {verified}");
}

#[actix_rt::test]
async fn a_holder_contests_a_mule_flag_and_silence_counts_as_a_withdrawal() {
    let app = TestApp::spawn().await;
    let holder = crate::alerts::bank(&app, "Holder Bank", "DE", "37040044").await;
    let s1 = crate::alerts::bank(&app, "Sender One", "XK", "12").await;
    let s2 = crate::alerts::bank(&app, "Sender Two", "XK", "13").await;
    let s3 = crate::alerts::bank(&app, "Sender Three", "XK", "14").await;
    let uninvolved = crate::alerts::bank(&app, "Uninvolved", "XK", "15").await;
    let police = app.org("law_enforcement", "Police").await;
    let iban = "DE89370400440532013000";
    for s in [&s1, &s2, &s3] {
        crate::alerts::send(&app, &s.admin, &crate::alerts::alert_body("DE89 3704 0044 0532 0130 00", 5000)).await;
    }
    let account = format!("/api/v1/mule-accounts/{iban}");
    let flagged = app.get_as(&police.admin, &account).await.ok(200);
    assert_eq!(
        (flagged["flagged"].clone(), flagged["contested"].clone(), flagged["sending_banks"].clone()),
        (json!(true), json!(false), json!(3))
    );

    // Only the holder contests; an uninvolved bank does not even see the account.
    app.get_as(&uninvolved.admin, &account).await.problem(404);
    app.post_as(&uninvolved.admin, &format!("{account}/contest"), &json!({"reason": "x"})).await.problem(404);
    app.post_as(&s1.admin, &format!("{account}/contest"), &json!({"reason": "not mine"})).await.problem(403);
    assert_eq!(
        app.post_as(&holder.admin, &format!("{account}/contest"), &json!({"reason": " "})).await.problem(422)["errors"]
            [0]["field"],
        "reason"
    );
    let contest = app
        .post_as(
            &holder.admin,
            &format!("{account}/contest"),
            &json!({"reason": "Salary account of a verified employer; payments refunded"}),
        )
        .await
        .ok(201);
    assert_eq!(contest["status"], "open");
    assert_eq!(contest["answers"].as_array().unwrap().len(), 3);
    app.post_as(&holder.admin, &format!("{account}/contest"), &json!({"reason": "again"})).await.problem(409);
    // The senders are asked; nobody else is.
    for s in [&s1, &s2, &s3] {
        let feed = app.get_as(&s.admin, "/api/v1/events?limit=500").await.ok(200);
        let asked = events_of(&feed, "mule_flag.contested");
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0]["data"]["iban"], iban);
    }
    assert!(events_of(&app.get_as(&uninvolved.admin, "/api/v1/events?limit=500").await.ok(200), "mule_flag.contested")
        .is_empty());
    // Everyone who sees the flag sees it contested.
    for auth in [&police.admin, &holder.admin] {
        let list = app.get_as(auth, "/api/v1/mule-accounts").await.ok(200);
        let item = list["items"].as_array().unwrap().iter().find(|i| i["iban"] == iban).unwrap().clone();
        assert_eq!((item["contested"].clone(), item["contest"]["status"].clone()), (json!(true), json!("open")));
    }
    assert_eq!(app.get_as(&s2.admin, &account).await.ok(200)["contested"], true);

    // Answers: a withdrawal stops that bank's alerts counting; one answer each; only those asked.
    let answer = format!("{account}/contest/answer");
    let after = app
        .post_as(&s1.admin, &answer, &json!({"decision": "withdraw", "reason": "Complaint withdrawn"}))
        .await
        .ok(200);
    assert_eq!(after["status"], "open");
    assert_eq!(app.get_as(&police.admin, &account).await.ok(200)["sending_banks"], 2);
    app.post_as(&s1.admin, &answer, &json!({"decision": "confirm"})).await.problem(409);
    app.post_as(&uninvolved.admin, &answer, &json!({"decision": "withdraw"})).await.problem(404);
    app.post_as(&holder.admin, &answer, &json!({"decision": "withdraw"})).await.problem(403);
    assert_eq!(
        app.post_as(&s2.admin, &answer, &json!({"decision": "maybe"})).await.problem(422)["errors"][0]["field"],
        "decision"
    );
    let by_s2 = app
        .post_as(&s2.admin, &answer, &json!({"decision": "confirm", "reason": "Our customer lost 50 EUR to it"}))
        .await
        .ok(200);
    // The alerting banks do not see each other: each reads its own answer and the others only as
    // counts, in every answer and read; the holder and the police read all.
    let s1_org = s1.id.as_str();
    assert_eq!(by_s2["answers"].as_array().unwrap().len(), 1);
    assert_eq!(by_s2["answers"][0]["organization_id"], s2.id.as_str());
    assert_eq!(by_s2["tally"], json!({"asked": 3, "confirmed": 1, "withdrawn": 1, "lapsed": 0, "pending": 1}));
    for (who, auth) in [("s2", &s2.admin), ("s3", &s3.admin)] {
        let seen = app.get_as(auth, &account).await.ok(200);
        let text = seen.to_string();
        assert!(
            !text.contains(s1_org) && !text.contains("Complaint withdrawn"),
            "{who} reads another bank's answer: {seen}"
        );
        assert_eq!(seen["contest"]["tally"]["withdrawn"], 1);
        let list = app.get_as(auth, "/api/v1/mule-accounts").await.ok(200).to_string();
        assert!(!list.contains(s1_org) && !list.contains("Complaint withdrawn"), "{who}: {list}");
    }
    for auth in [&holder.admin, &police.admin] {
        let seen = app.get_as(auth, &account).await.ok(200);
        assert_eq!(seen["contest"]["answers"].as_array().unwrap().len(), 3);
        assert!(seen.to_string().contains("Complaint withdrawn"));
    }

    // The third bank stays silent past the deadline: too late to answer, its answer lapses and
    // the flag is lifted.
    age(&app, "mule_contests", "deadline", "true", 1).await;
    app.post_as(&s3.admin, &answer, &json!({"decision": "confirm"})).await.problem(409);
    let closed = cyberbridge::alerts::contest::close_overdue(&mut app.state.pool.get().await.unwrap()).await.unwrap();
    assert_eq!(closed, 1);
    let now = app.get_as(&police.admin, &account).await.ok(200);
    assert_eq!(
        (now["flagged"].clone(), now["contested"].clone(), now["sending_banks"].clone()),
        (json!(false), json!(false), json!(1))
    );
    assert_eq!(now["contest"]["status"], "lifted");
    let mut decisions: Vec<(String, String)> = now["contest"]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["organization_id"].as_str().unwrap().to_string(), a["decision"].as_str().unwrap().to_string()))
        .collect();
    decisions.sort();
    let mut expected = vec![
        (s1.id.clone(), "withdrawn".to_string()),
        (s2.id.clone(), "confirmed".into()),
        (s3.id.clone(), "lapsed".into()),
    ];
    expected.sort();
    assert_eq!(decisions, expected);
    let list = app.get_as(&police.admin, "/api/v1/mule-accounts").await.ok(200);
    assert!(list["items"].as_array().unwrap().iter().all(|i| i["iban"] != iban), "no longer listed as a mule account");
    let holder_feed = app.get_as(&holder.admin, "/api/v1/events?limit=500").await.ok(200);
    assert_eq!(events_of(&holder_feed, "mule_flag.contest_closed")[0]["data"]["status"], "lifted");
    // Every step is in the audit.
    let reg = app.org("regulator", "Regulator").await;
    for action in ["mule.contest", "mule.contest_answer", "mule.contest_lapsed"] {
        let rows = app.get_as(&reg.admin, &format!("/api/v1/audit?action={action}&object_id={iban}")).await.ok(200);
        assert!(!rows["items"].as_array().unwrap().is_empty(), "{action}");
    }
}

#[actix_rt::test]
async fn the_operator_exports_all_held_about_one_identifier_and_who_consulted_it() {
    let app = TestApp::spawn().await;
    let platform = app.admin().await;
    let reporter = crate::alerts::bank(&app, "Reporter Bank", "XK", "12").await;
    let holder = crate::alerts::bank(&app, "Holder Bank", "DE", "37040044").await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP").await;
    let reg = app.org("regulator", "Regulator").await;
    let iban = "DE89370400440532013000";
    let other = iban_xk(71);

    // An anonymous RED report, an alert naming the account, a watchlist, a hold, consultations.
    let mut body = report_body("red", iban, &[]);
    body["anonymous"] = json!(true);
    let report = create_report(&app, &reporter.admin, body).await;
    create_report(&app, &reporter.admin, report_body("green", &other, &[])).await;
    let alert =
        crate::alerts::send(&app, &reporter.admin, &crate::alerts::alert_body("DE89 3704 0044 0532 0130 00", 7000))
            .await;
    app.post_as(
        &holder.admin,
        "/api/v1/watchlists",
        &json!({"name": "Own customers", "items": [{"type": "iban", "value": iban}]}),
    )
    .await
    .ok(201);
    let shared = create_report(&app, &reporter.admin, report_body("amber", iban, &[])).await;
    app.post_as(
        &police.admin,
        "/api/v1/legal-holds",
        &json!({"object_type": "report", "object_id": shared["id"], "case_reference": "CASE-5", "reason": "Evidence"}),
    )
    .await
    .ok(201);
    app.get_as(
        &police.admin,
        &format!(
            "/api/v1/indicators/lookup?type=iban&value={iban}&purpose=criminal_investigation&case_reference=CASE-5"
        ),
    )
    .await
    .ok(200);
    app.post_as(
        &holder.admin,
        "/api/v1/indicators/lookup",
        &json!({"items": [{"type": "iban", "value": iban}, {"type": "iban", "value": other}]}),
    )
    .await
    .ok(200);
    app.get_as(&isp.admin, &format!("/api/v1/indicators/lookup?type=iban&value={other}")).await.ok(200);
    // A data request naming an e-mail address.
    let mut request = crate::requests::body(&isp, "subscriber_info", &["subscriber"], "routine");
    request["identifiers"] = json!([{"type": "email", "value": "Victim@Example.org"}]);
    let issued = app.post_as(&police.admin, "/api/v1/requests", &request).await.ok(201);

    let path = format!(
        "/api/v1/subject-access?type=iban&value={}&purpose=data_subject_request&case_reference=SAR-2026-3",
        "DE89 3704 0044 0532 0130 00".replace(' ', "%20")
    );
    // The operator only; a regulator or an org_admin of a bank is refused, and that is audited.
    app.get_as(&reg.admin, &path).await.problem(403);
    app.get_as(&holder.admin, &path).await.problem(403);
    // Consultations are written in batches: wait until both look-ups are in.
    let mut export = Value::Null;
    for _ in 0..40 {
        export = app.get_as(&platform, &path).await.ok(200);
        if export["consultations"].as_array().unwrap().iter().filter(|c| c["action"] == "indicator.lookup").count() >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(export["value"], iban);
    let reports: Vec<&Value> = export["reports"].as_array().unwrap().iter().collect();
    assert_eq!(reports.len(), 2, "both reports naming it, whatever their TLP: {export}");
    let red = reports.iter().find(|r| r["id"] == report["id"]).unwrap();
    assert_eq!(
        (red["anonymous"].clone(), red["reporter"].clone()),
        (json!(true), json!("Reporter Bank")),
        "the operator sees who reported"
    );
    assert_eq!(red["role"], "beneficiary_account");
    assert_eq!(export["alerts"][0]["id"], alert["id"]);
    assert_eq!(export["alerts"][0]["named_as"], "beneficiary");
    assert_eq!(export["mule_account"]["sending_banks"], 1);
    assert_eq!(export["watchlists"][0]["organization_id"], holder.id.as_str());
    assert_eq!(export["legal_holds"][0]["object_id"], shared["id"]);
    let consultations = export["consultations"].as_array().unwrap();
    let by_police = consultations.iter().find(|c| c["organization_id"] == police.id.as_str()).unwrap();
    assert_eq!(
        (by_police["case_reference"].clone(), by_police["purpose"].clone()),
        (json!("CASE-5"), json!("criminal_investigation"))
    );
    assert!(consultations.iter().any(|c| c["organization_id"] == holder.id.as_str()), "a batch look-up naming it");
    assert!(
        consultations.iter().all(|c| c["organization_id"] != isp.id.as_str()),
        "a look-up of another value is not a consultation of this one"
    );
    assert!(export["data_requests"].as_array().unwrap().is_empty());

    // By e-mail: the data request.
    // Never without the request it answers: its purpose and number.
    let bare = "/api/v1/subject-access?type=email&value=Victim@EXAMPLE.org";
    assert_eq!(app.get_as(&platform, bare).await.problem(422)["errors"][0]["field"], "purpose");
    let no_case = format!("{bare}&purpose=data_subject_request");
    assert_eq!(app.get_as(&platform, &no_case).await.problem(422)["errors"][0]["field"], "case_reference");
    let by_mail = app.get_as(&platform, &format!("{no_case}&case_reference=SAR-2026-4")).await.ok(200);
    assert_eq!(by_mail["data_requests"][0]["id"], issued["id"]);
    assert_eq!(by_mail["data_requests"][0]["case_reference"], "PK-2026-1142");
    assert!(by_mail["reports"].as_array().unwrap().is_empty() && by_mail["alerts"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_as(
            &platform,
            "/api/v1/subject-access?type=iban&value=XK00&purpose=data_subject_request&case_reference=S-1"
        )
        .await
        .problem(422)["errors"][0]["field"],
        "value"
    );

    // The export is audited with its purpose, and is not itself a consultation of the subject.
    let rows = app.get_as(&reg.admin, "/api/v1/audit?action=subject_access.export").await.ok(200);
    let items = rows["items"].as_array().unwrap();
    assert!(items.iter().any(|r| r["outcome"] == "ok"
        && r["case_reference"] == "SAR-2026-3"
        && r["purpose"] == "data_subject_request"));
    assert!(items.iter().filter(|r| r["outcome"] == "denied").count() >= 2);
}

#[actix_rt::test]
async fn racing_callers_contest_answer_and_withdraw_once() {
    let app = TestApp::spawn().await;
    let holder = crate::alerts::bank(&app, "Holder Bank", "DE", "37040044").await;
    let s1 = crate::alerts::bank(&app, "Sender One", "XK", "12").await;
    let s2 = crate::alerts::bank(&app, "Sender Two", "XK", "13").await;
    for s in [&s1, &s2] {
        crate::alerts::send(&app, &s.admin, &crate::alerts::alert_body("DE89 3704 0044 0532 0130 00", 5000)).await;
    }
    let account = "/api/v1/mule-accounts/DE89370400440532013000";
    // Five contests at once: one opens, the others are 409.
    let body = json!({"reason": "Refunded"});
    let path = format!("{account}/contest");
    let tries = (0..5).map(|_| app.post_as(&holder.admin, &path, &body));
    let mut statuses: Vec<u16> = futures_util::future::join_all(tries).await.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409]);
    // One bank answering five times at once: one answer counts.
    let path = format!("{account}/contest/answer");
    let body = json!({"decision": "withdraw"});
    let tries = (0..5).map(|_| app.post_as(&s1.admin, &path, &body));
    let mut statuses: Vec<u16> = futures_util::future::join_all(tries).await.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409, 409]);
    let answers = app.get_as(&holder.admin, account).await.ok(200)["contest"]["answers"].clone();
    assert_eq!(answers.as_array().unwrap().iter().filter(|a| a["decision"] == "withdrawn").count(), 1);

    // A value withdrawn by five requests at once: once, one event per watcher, one count less.
    let watcher = app.org("bank", "Watcher").await;
    app.post_as(
        &watcher.admin,
        "/api/v1/watchlists",
        &json!({"name": "W", "items": [{"type": "iban", "value": iban_xk(81)}]}),
    )
    .await
    .ok(201);
    let report = create_report(&app, &s1.admin, report_body("green", &iban_xk(81), &[])).await;
    let path = format!("/api/v1/reports/{}/indicators/iban/{}/withdraw", report["id"].as_str().unwrap(), iban_xk(81));
    let body = json!({"reason": "x".repeat(1000)});
    let tries = (0..5).map(|_| app.post_as(&s1.admin, &path, &body));
    let mut statuses: Vec<u16> = futures_util::future::join_all(tries).await.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 404, 404, 404, 404]);
    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    assert_eq!(events_of(&feed, "indicator.withdrawn").len(), 1);
    assert_eq!(
        count(&app, &format!("SELECT report_count::bigint AS n FROM indicators WHERE value = '{}'", iban_xk(81))).await,
        0
    );
    // A reason over 1,000 characters is refused before anything is written.
    let long = json!({"reason": "x".repeat(1001)});
    assert_eq!(app.post_as(&s1.admin, &path, &long).await.problem(422)["errors"][0]["field"], "reason");
}

#[actix_rt::test]
async fn a_withdrawal_is_not_told_to_a_watcher_who_can_no_longer_see_the_report() {
    let app = TestApp::spawn().await;
    let reporter = app.org("bank", "Reporter").await;
    let watcher = app.org("bank", "Watcher").await;
    app.post_as(
        &watcher.admin,
        "/api/v1/watchlists",
        &json!({"name": "W", "items": [{"type": "iban", "value": iban_xk(91)}]}),
    )
    .await
    .ok(201);
    let report = create_report(&app, &reporter.admin, report_body("green", &iban_xk(91), &[])).await;
    let id = report["id"].as_str().unwrap();
    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    assert_eq!(events_of(&feed, "report.indicator_match").len(), 1);
    // The reporter raises the report to RED: the watcher may no longer see it, nor its withdrawal.
    app.patch_with(&reporter.admin, &format!("/api/v1/reports/{id}"), "\"1\"", &json!({"tlp": "red"})).await.ok(200);
    app.post_as(
        &reporter.admin,
        &format!("/api/v1/reports/{id}/indicators/iban/{}/withdraw", iban_xk(91)),
        &json!({"reason": "Wrong account"}),
    )
    .await
    .ok(200);
    let feed = app.get_as(&watcher.admin, "/api/v1/events?limit=500").await.ok(200);
    assert!(events_of(&feed, "indicator.withdrawn").is_empty(), "{feed}");
}
