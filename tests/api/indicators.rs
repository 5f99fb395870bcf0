//! Indicators: batch look-up, the audit of look-ups, correlation across reports.

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, TestApp};

fn lookup_details(page: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for row in page["items"].as_array().unwrap() {
        match row["details"]["entries"].as_array() {
            Some(entries) => out.extend(entries.iter().map(|e| {
                assert!(e["request_id"].is_string(), "each merged look-up keeps its request id: {e}");
                e["details"].clone()
            })),
            None => out.push(row["details"].clone()),
        }
    }
    out
}

#[actix_rt::test]
async fn batch_lookup_answers_each_item_and_does_not_fail_on_bad_ones() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let (key, _) = app.api_key(&other, &["indicators:lookup"]).await;
    let mut body = report_body("green", &iban_xk(42), &[]);
    body["indicators"].as_array_mut().unwrap().push(json!({"type": "domain", "value": "bücher.example"}));
    let r1 = create_report(&app, &bank.admin, body).await;
    let r2 = create_report(&app, &other.admin, report_body("green", &iban_xk(42), &[])).await;
    let res = app
        .post_as(
            &key,
            "/api/v1/indicators/lookup",
            &json!({"items": [
                {"type": "iban", "value": iban_xk(42).to_lowercase()},
                {"type": "domain", "value": "unknown.example"},
                {"type": "iban", "value": "XK05 1212 0123 4567 8907"},
                {"type": "fax", "value": "123"},
                {"type": "domain", "value": "XN--BCHER-KVA.example"},
            ]}),
        )
        .await
        .ok(200);
    let results = res["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["seen"], true);
    assert_eq!(results[0]["value"], iban_xk(42));
    assert_eq!(results[0]["report_count"], 2);
    let ids: Vec<&str> = results[0]["reports"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [r2["id"].as_str().unwrap(), r1["id"].as_str().unwrap()], "newest first");
    assert_eq!(results[0]["first_seen"], "2026-11-01T08:00:00Z");
    assert_eq!(
        results[1],
        json!({"type": "domain", "value": "unknown.example", "seen": false, "stale": false, "report_count": 0,
        "stale_report_count": 0, "confidence": null, "disputed": false, "own_latest_sighting": null,
        "sightings": {"seen": 0, "false_positive": 0, "expired": 0, "false_positive_organizations": 0, "first_seen": null, "last_seen": null},
        "first_seen": null, "last_seen": null, "reports": []})
    );
    assert_eq!(results[2]["error"], "IBAN checksum failed");
    assert_eq!(results[2]["value"], "XK05 1212 0123 4567 8907", "an invalid value is echoed as given");
    assert!(results[3]["error"].as_str().unwrap().contains("unknown value"));
    assert_eq!(results[4]["seen"], true, "IDN and punycode are the same domain");
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"type": "iban", "value": iban_xk(i)})).collect();
    app.post_as(&key, "/api/v1/indicators/lookup", &json!({"items": too_many})).await.problem(422);
    // The single form: a bad value is a 422 naming it.
    let p = app.get_as(&key, "/api/v1/indicators/lookup?type=iban&value=XK00").await.problem(422);
    assert_eq!(p["errors"][0]["field"], "value");
    // An API key without the scope is refused.
    let (reader, _) = app.api_key(&other, &["alerts:write"]).await;
    app.get_as(&reader, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(42))).await.problem(403);
}

#[actix_rt::test]
async fn lookups_are_audited_with_the_values_and_what_they_found() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    create_report(&app, &bank.admin, report_body("green", &iban_xk(7), &[])).await;
    app.get_as(&bank.admin, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(7))).await.ok(200);
    app.post_as(
        &bank.admin,
        "/api/v1/indicators/lookup",
        &json!({"items": [{"type": "domain", "value": "x.example"}]}),
    )
    .await
    .ok(200);
    let mut details = Vec::new();
    for _ in 0..20 {
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        details = lookup_details(&app.get_as(&bank.admin, "/api/v1/audit?action=indicator.lookup").await.ok(200));
        if details.len() == 2 {
            break;
        }
    }
    assert_eq!(details.len(), 2, "{details:?}");
    // The outcome: how many values were found as current (the statistics count from it).
    assert!(details.iter().any(|d| d["value"] == iban_xk(7).as_str() && d["found"] == 1), "{details:?}");
    assert!(details.iter().any(|d| d["values"] == json!(["domain:x.example"]) && d["found"] == 0), "{details:?}");
}

#[actix_rt::test]
async fn correlation_lists_every_visible_report_naming_a_value() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let police = app.org("law_enforcement", "Police").await;
    let ra = create_report(&app, &a.admin, report_body("amber", &iban_xk(9), &[])).await;
    let rb = create_report(&app, &b.admin, report_body("amber", &iban_xk(9), &[])).await;
    let path = format!("/api/v1/indicators/iban/{}/reports", iban_xk(9));
    let seen = app.get_as(&police.admin, &path).await.ok(200);
    let ids: Vec<&str> = seen["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [rb["id"].as_str().unwrap(), ra["id"].as_str().unwrap()]);
    // Bank B sees only its own AMBER report.
    let own = app.get_as(&b.admin, &path).await.ok(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    app.get_as(&b.admin, "/api/v1/indicators/iban/XK00/reports").await.problem(422);
}

#[actix_rt::test]
async fn sightings_are_counted_for_all_and_false_positives_lower_a_value() {
    let app = TestApp::spawn().await;
    let reporter = app.org("bank", "Reporter").await;
    let b = app.org("bank", "Bank B").await;
    let c = app.org("bank", "Bank C").await;
    let d = app.org("isp", "ISP D").await;
    let reg = app.org("regulator", "Regulator").await;
    create_report(&app, &reporter.admin, report_body("green", &iban_xk(301), &[])).await;
    let path = format!("/api/v1/indicators/iban/{}/sightings", iban_xk(301));
    let (key, _) = app.api_key(&b, &["indicators:lookup"]).await;
    let seen = app
        .post_as(&key, &path, &json!({"kind": "seen", "source": "payment_attempt", "count": 3, "first_seen": "2026-11-28T08:00:00Z", "last_seen": "2026-11-28T09:30:00Z"}))
        .await
        .ok(201);
    assert_eq!((seen["kind"].clone(), seen["count"].clone()), (json!("seen"), json!(3)));
    let look = |auth: String| {
        let app = &app;
        async move {
            app.get_as(&auth, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(301))).await.ok(200)
        }
    };
    let by_c = look(c.admin.clone()).await;
    assert_eq!(by_c["sightings"]["seen"], 3);
    assert_eq!(by_c["sightings"]["last_seen"], "2026-11-28T09:30:00Z");
    assert_eq!(by_c["own_latest_sighting"], Value::Null, "another organisation's sighting is counted, not shown");
    assert_eq!(by_c["confidence"], 50);
    assert_eq!(look(b.admin.clone()).await["own_latest_sighting"]["id"], seen["id"]);
    // Two organisations' false positives: 25 points each, and the value is disputed.
    app.post_as(&c.admin, &path, &json!({"kind": "false_positive", "note": "our customer's salary account"}))
        .await
        .ok(201);
    let one = look(b.admin.clone()).await;
    assert_eq!((one["confidence"].clone(), one["disputed"].clone()), (json!(25), json!(false)));
    app.post_as(&c.admin, &path, &json!({"kind": "false_positive"})).await.ok(201);
    assert_eq!(look(b.admin.clone()).await["confidence"], 25, "one organisation counts once");
    app.post_as(&d.admin, &path, &json!({"kind": "false_positive", "source": "log"})).await.ok(201);
    let two = look(b.admin.clone()).await;
    assert_eq!((two["confidence"].clone(), two["disputed"].clone()), (json!(0), json!(true)));
    assert_eq!(two["sightings"]["false_positive_organizations"], 2);
    // Bad sightings are 422 naming the field; a regulator does not sight.
    for (body, field) in [
        (json!({"kind": "maybe"}), "kind"),
        (json!({"kind": "seen", "count": 0}), "count"),
        (json!({"kind": "seen", "source": "pigeon"}), "source"),
        (
            json!({"kind": "seen", "first_seen": "2026-11-28T09:00:00Z", "last_seen": "2026-11-28T08:00:00Z"}),
            "last_seen",
        ),
        (json!({"kind": "seen", "first_seen": "2099-01-01T00:00:00Z"}), "last_seen"),
    ] {
        assert_eq!(app.post_as(&b.admin, &path, &body).await.problem(422)["errors"][0]["field"], field, "{body}");
    }
    let bad_value =
        app.post_as(&b.admin, "/api/v1/indicators/iban/XK00/sightings", &json!({"kind": "seen"})).await.problem(422);
    assert_eq!(bad_value["errors"][0]["field"], "value");
    app.post_as(&reg.admin, &path, &json!({"kind": "seen"})).await.problem(403);
}

#[actix_rt::test]
async fn the_lookup_plan_is_index_scans_on_tables_not_yet_analysed_after_a_bulk_load() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let mut db = app.db.connect().await;
    // 4,000 reports and 40,000 links loaded at once, as a bulk ingest would, and not analysed.
    let statements = [
        format!(
            "INSERT INTO reports (id, reference, reporter_org_id, category, title, description, status, tlp, shared_with)
             SELECT md5('r' || n)::uuid, 'RPT-PLAN-' || n, '{}', 'phishing', 't', 'd', 'open', 'green', '{{}}'
             FROM generate_series(1, 4000) n",
            bank.id
        ),
        "INSERT INTO indicators (id, type, value, first_seen, last_seen, report_count)
         SELECT md5('i' || n)::uuid, 'domain', 'host-' || n || '.example', now(), now(), 1 FROM generate_series(1, 40000) n"
            .to_string(),
        "INSERT INTO report_indicators (indicator_id, report_id, valid_until)
         SELECT md5('i' || n)::uuid, md5('r' || (1 + n % 4000))::uuid, now() + interval '1 year' FROM generate_series(1, 40000) n"
            .to_string(),
    ];
    for sql in &statements {
        crate::support::exec(&mut db, sql).await;
    }
    let viewer = cyberbridge::domain::report::Viewer {
        org_id: cyberbridge::domain::OrgId(bank.id.parse().unwrap()),
        public_sector: false,
    };
    let mut conn = app.state.pool.get().await.unwrap();
    let one = vec!["host-20001.example".to_string()];
    let batch: Vec<String> = (1..=1000).map(|n| format!("host-{n}.example")).collect();
    for values in [&one, &batch] {
        let plan = cyberbridge::indicators::store::explain_lookup(&mut conn, &viewer, values).await.unwrap();
        assert!(!plan.contains("Hash Join"), "{plan}");
        for table in ["reports", "report_indicators", "indicators"] {
            assert!(!plan.contains(&format!("Seq Scan on {table} ")), "{plan}");
        }
    }
    let hits = cyberbridge::indicators::store::lookup(&conn, &viewer, &one).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(cyberbridge::indicators::store::lookup(&conn, &viewer, &batch).await.unwrap().len(), 1000);
}

#[actix_rt::test]
async fn sightings_of_a_value_reach_only_those_who_see_a_report_naming_it() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let c = app.org("bank", "Bank C").await;
    let iban = iban_xk(4242);
    create_report(&app, &a.admin, report_body("red", &iban, &[b.id.as_str()])).await;
    let path = format!("/api/v1/indicators/iban/{iban}/sightings");
    let seen = json!({"kind": "seen", "source": "payment_attempt", "count": 7,
                      "first_seen": "2026-11-28T08:00:00Z", "last_seen": "2026-11-28T09:30:00Z"});
    app.post_as(&a.admin, &path, &seen).await.ok(201);
    app.post_as(&b.admin, &path, &json!({"kind": "false_positive"})).await.ok(201);
    let look = |auth: String| {
        let app = &app;
        let iban = iban.clone();
        async move { app.get_as(&auth, &format!("/api/v1/indicators/lookup?type=iban&value={iban}")).await.ok(200) }
    };
    // Bank C sees no report naming it: nothing of the others' sightings, not even their dates.
    let by_c = look(c.admin.clone()).await;
    assert_eq!(by_c["seen"], false);
    assert_eq!(
        by_c["sightings"],
        json!({"seen": 0, "false_positive": 0, "expired": 0, "false_positive_organizations": 0, "first_seen": null, "last_seen": null})
    );
    assert_eq!(by_c["disputed"], false);
    // Its own sighting it is told of, and only that.
    app.post_as(&c.admin, &path, &json!({"kind": "seen", "count": 2})).await.ok(201);
    let by_c = look(c.admin.clone()).await;
    assert_eq!((by_c["sightings"]["seen"].clone(), by_c["sightings"]["false_positive"].clone()), (json!(2), json!(0)));
    // Bank B, shared with, sees every organisation's.
    let by_b = look(b.admin.clone()).await;
    assert_eq!((by_b["sightings"]["seen"].clone(), by_b["sightings"]["false_positive"].clone()), (json!(9), json!(1)));
    // The same in a batch.
    let batch = app
        .post_as(&c.admin, "/api/v1/indicators/lookup", &json!({"items": [{"type": "iban", "value": iban}]}))
        .await
        .ok(200);
    assert_eq!(batch["results"][0]["sightings"]["seen"], 2);
}
