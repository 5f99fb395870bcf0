//! TAXII 2.1: discovery to objects, under the REST API's TLP rules, paged with keyset cursors.

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, TestApp};

const TAXII: &str = "application/taxii+json;version=2.1";
const REPORTS: &str = "/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b01";
const INDICATORS: &str = "/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b02";

async fn taxii(app: &TestApp, auth: &str, path: &str) -> (u16, Value, Option<String>) {
    let res = app.send(awc::http::Method::GET, path, &[("authorization", auth), ("accept", TAXII)], None).await;
    let first = res.header("x-taxii-date-added-first");
    let body = if res.status == 200 { res.json() } else { Value::Null };
    if res.status == 200 {
        assert!(res.header("content-type").unwrap().starts_with("application/taxii+json"), "{path}");
    }
    (res.status, body, first)
}

fn ids(envelope: &Value) -> Vec<String> {
    envelope["objects"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
}

/// Every object of a collection, page by page.
async fn pull(app: &TestApp, auth: &str, collection: &str, limit: usize, extra: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("{collection}/objects/?limit={limit}{extra}");
        if let Some(n) = &next {
            path.push_str(&format!("&next={n}"));
        }
        let (status, page, _) = taxii(app, auth, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page["objects"].as_array().unwrap().len() <= limit);
        out.extend(page["objects"].as_array().unwrap().iter().cloned());
        if page["more"] == false {
            assert!(page.get("next").is_none());
            return out;
        }
        next = Some(page["next"].as_str().unwrap().to_string());
    }
    panic!("paging never ended");
}

#[actix_rt::test]
async fn discovery_to_objects_for_each_kind_of_caller_under_tlp() {
    let app = TestApp::spawn().await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let bank_c = app.org("bank", "Bank C").await;
    let isp = app.org("isp", "ISP").await;
    let police = app.org("law_enforcement", "Police").await;
    let green = create_report(&app, &bank_a.admin, report_body("green", &iban_xk(1), &[])).await;
    let amber = create_report(&app, &bank_a.admin, report_body("amber", &iban_xk(2), &[])).await;
    let red = create_report(&app, &bank_a.admin, report_body("red", &iban_xk(3), &[bank_b.id.as_str()])).await;
    let stix_id = |r: &Value| cyberbridge::stix::report_stix_id(r["id"].as_str().unwrap().parse().unwrap());

    // Discovery, API root and collections, with a bearer token, an API key, and HTTP Basic.
    let (key, _) = app.api_key(&bank_b, &["reports:read"]).await;
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("taxii-client:{}", key.trim_start_matches("ApiKey "))
        )
    );
    for auth in [&bank_b.admin, &key, &basic] {
        let (status, discovery, _) = taxii(&app, auth, "/taxii2/").await;
        assert_eq!(status, 200);
        assert!(discovery["default"].as_str().unwrap().ends_with("/taxii2/api/"));
        let (_, root, _) = taxii(&app, auth, "/taxii2/api/").await;
        assert_eq!(root["versions"], json!([TAXII]));
        let (_, collections, _) = taxii(&app, auth, "/taxii2/api/collections/").await;
        // The submit collection is listed to those who may submit (the org_admin, not the read key).
        let expected = if auth == &bank_b.admin { 3 } else { 2 };
        assert_eq!(collections["collections"].as_array().unwrap().len(), expected);
    }
    assert_eq!(app.send(awc::http::Method::GET, "/taxii2/", &[("accept", TAXII)], None).await.status, 401);
    let wrong =
        format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "x:cbk_not_a_key"));
    assert_eq!(taxii(&app, &wrong, "/taxii2/").await.0, 401);
    let html = app
        .send(
            awc::http::Method::GET,
            "/taxii2/api/",
            &[("authorization", &bank_b.admin), ("accept", "text/html")],
            None,
        )
        .await;
    assert_eq!(html.status, 406);
    assert_eq!(
        taxii(&app, &bank_b.admin, "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/").await.0,
        404
    );

    // The TLP matrix: RED shared with Bank B reaches Bank B only; AMBER the public sector.
    let reports_of = |objects: &[Value]| -> Vec<String> {
        let mut v: Vec<String> =
            objects.iter().filter(|o| o["type"] == "report").map(|o| o["id"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        reports_of(&pull(&app, &bank_b.admin, REPORTS, 50, "").await),
        sorted(vec![stix_id(&green), stix_id(&red)])
    );
    assert_eq!(reports_of(&pull(&app, &bank_c.admin, REPORTS, 50, "").await), vec![stix_id(&green)]);
    assert_eq!(reports_of(&pull(&app, &isp.admin, REPORTS, 50, "").await), vec![stix_id(&green)]);
    assert_eq!(
        reports_of(&pull(&app, &police.admin, REPORTS, 50, "").await),
        sorted(vec![stix_id(&green), stix_id(&amber)])
    );
    let c_indicators = pull(&app, &bank_c.admin, INDICATORS, 50, "").await;
    assert_eq!(c_indicators.len(), 1);
    assert_eq!(c_indicators[0]["pattern"], format!("[bank-account:iban = '{}']", iban_xk(1)));
    // An object the caller may not see is simply absent, by id too.
    let red_report = stix_id(&red);
    assert_eq!(taxii(&app, &bank_c.admin, &format!("{REPORTS}/objects/{red_report}/")).await.0, 404);
    let (status, one, _) = taxii(&app, &bank_b.admin, &format!("{REPORTS}/objects/{red_report}/")).await;
    assert_eq!((status, ids(&one)), (200, vec![red_report.clone()]));
    let (_, versions, _) = taxii(&app, &bank_b.admin, &format!("{REPORTS}/objects/{red_report}/versions/")).await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    // Shared evidence is not deleted through TAXII; the collections are read-only.
    let del = app
        .send(
            awc::http::Method::DELETE,
            &format!("{REPORTS}/objects/{red_report}/"),
            &[("authorization", &bank_b.admin)],
            None,
        )
        .await;
    assert_eq!(del.status, 405);
    let post = app
        .send(
            awc::http::Method::POST,
            &format!("{REPORTS}/objects/"),
            &[("authorization", &bank_b.admin), ("accept", TAXII)],
            Some(&json!({"objects": []})),
        )
        .await;
    assert_eq!(post.status, 415);
}

#[actix_rt::test]
async fn paging_returns_every_object_once_and_added_after_and_matches_filter() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let reader = app.org("bank", "Bank B").await;
    let mut expected = Vec::new();
    for n in 0..7 {
        let mut body = report_body("green", &iban_xk(100 + n), &[]);
        body["indicators"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "domain", "value": format!("shop-{n}.example")}));
        let r = create_report(&app, &bank.admin, body).await;
        expected.push(cyberbridge::stix::report_stix_id(r["id"].as_str().unwrap().parse().unwrap()));
    }
    // 7 reports of 2 indicators: 21 objects in the reports collection, 14 in the indicators one.
    for limit in [1, 2, 5, 1000] {
        let all = pull(&app, &reader.admin, REPORTS, limit, "").await;
        let mut got: Vec<String> = all.iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(got.len(), 21, "limit {limit}");
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 21, "each object once at limit {limit}");
        assert_eq!(pull(&app, &reader.admin, INDICATORS, limit, "").await.len(), 14);
    }
    // match[type], match[id] and a manifest.
    let reports = pull(&app, &reader.admin, REPORTS, 3, "&match[type]=report").await;
    assert_eq!(reports.len(), 7);
    let (_, one, _) = taxii(&app, &reader.admin, &format!("{REPORTS}/objects/?match[id]={}", expected[3])).await;
    assert_eq!(ids(&one), vec![expected[3].clone()]);
    let (_, manifest, first) = taxii(&app, &reader.admin, &format!("{REPORTS}/manifest/?limit=4")).await;
    assert_eq!(manifest["objects"].as_array().unwrap().len(), 4);
    assert_eq!(manifest["more"], true);
    assert_eq!(manifest["objects"][0]["media_type"], "application/stix+json;version=2.1");
    assert!(first.is_some(), "X-TAXII-Date-Added-First");
    // added_after: only what changed since.
    let res = app
        .send(
            awc::http::Method::GET,
            &format!("{REPORTS}/objects/?limit=1000"),
            &[("authorization", &reader.admin), ("accept", TAXII)],
            None,
        )
        .await;
    let cut = res.header("x-taxii-date-added-last").unwrap();
    let fresh = create_report(&app, &bank.admin, report_body("green", &iban_xk(200), &[])).await;
    let newer = pull(&app, &reader.admin, REPORTS, 10, &format!("&added_after={}", cut.replace('+', "%2B"))).await;
    assert_eq!(
        newer
            .iter()
            .filter(|o| o["type"] == "report")
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        vec![cyberbridge::stix::report_stix_id(fresh["id"].as_str().unwrap().parse().unwrap())]
    );
    // A cursor is a position, not a right, and a made-up one is refused.
    assert_eq!(taxii(&app, &reader.admin, &format!("{REPORTS}/objects/?next=bogus")).await.0, 422);
    assert_eq!(taxii(&app, &reader.admin, &format!("{REPORTS}/objects/?limit=0")).await.0, 422);
}

const SUBMIT: &str = "/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b03";

async fn add(app: &TestApp, auth: &str, collection: &str, envelope: &Value) -> crate::support::TestResponse {
    let headers = [("authorization", auth), ("accept", TAXII), ("content-type", TAXII)];
    app.send_raw(
        awc::http::Method::POST,
        &format!("{collection}/objects/"),
        &headers,
        serde_json::to_vec(envelope).unwrap(),
    )
    .await
}

#[actix_rt::test]
async fn stix_added_over_taxii_becomes_reports_found_by_the_rest_lookup() {
    let app = TestApp::spawn().await;
    let isp = app.org("isp", "ISP").await;
    let bank = app.org("bank", "Bank").await;
    let reg = app.org("regulator", "Regulator").await;
    let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    let tlp1_green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
    let envelope = json!({"objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix",
         "pattern": "[ipv4-addr:value = '203.0.113.77']", "valid_from": "2026-11-20T10:00:00Z", "confidence": 85,
         "object_marking_refs": [tlp1_green]},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5ba3a5-5a3b-4a56-9a5e-2a2c5b0e6f11",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix",
         "pattern": "[domain-name:value = 'c2.bad.example']", "valid_from": "2026-11-20T10:00:00Z"},
        {"type": "report", "spec_version": "2.1", "id": "report--f2b63e80-b523-4747-a069-35c002c690db",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "name": "C2 of a banking trojan",
         "labels": ["malware"], "published": "2026-11-20T10:00:00Z",
         "object_refs": ["indicator--0b5ba3a5-5a3b-4a56-9a5e-2a2c5b0e6f11"], "object_marking_refs": [red]},
        {"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "name": "x", "is_family": false},
        {"type": "sighting", "spec_version": "2.1", "id": "sighting--4a1f0e7c-0d0f-4b36-8a3e-5d7f9a1b2c3d",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "count": 4,
         "first_seen": "2026-11-20T09:00:00Z", "last_seen": "2026-11-20T09:50:00Z",
         "sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
        {"type": "sighting", "spec_version": "2.1", "id": "sighting--5b2f0e7c-0d0f-4b36-8a3e-5d7f9a1b2c3e",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z",
         "sighting_of_ref": "indicator--00000000-0000-4000-8000-000000000000"},
    ]});
    // Not to a read collection, not as JSON, not by a regulator.
    assert_eq!(add(&app, &isp.admin, REPORTS, &envelope).await.status, 403);
    let wrong = app
        .send_raw(
            awc::http::Method::POST,
            &format!("{SUBMIT}/objects/"),
            &[("authorization", &isp.admin), ("content-type", "application/json")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(wrong.status, 415);
    assert_eq!(add(&app, &reg.admin, SUBMIT, &envelope).await.status, 403);
    assert_eq!(taxii(&app, &reg.admin, "/taxii2/api/collections/").await.0, 403, "regulators read no reports");
    assert_eq!(taxii(&app, &isp.admin, &format!("{SUBMIT}/objects/")).await.0, 403, "write-only");

    let res = add(&app, &isp.admin, SUBMIT, &envelope).await;
    assert_eq!(res.status, 202);
    let status = res.json();
    assert_eq!((status["status"].clone(), status["total_count"].clone()), (json!("complete"), json!(6)));
    assert_eq!((status["success_count"].clone(), status["failure_count"].clone()), (json!(4), json!(2)));
    let failed: Vec<&str> = status["failures"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(
        failed,
        ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "sighting--5b2f0e7c-0d0f-4b36-8a3e-5d7f9a1b2c3e"]
    );
    let path = format!("/taxii2/api/status/{}/", status["id"].as_str().unwrap());
    assert_eq!(taxii(&app, &isp.admin, &path).await.1["success_count"], 4);
    assert_eq!(taxii(&app, &bank.admin, &path).await.0, 404, "another organisation's status");

    // The REST look-up finds the GREEN value at once; the RED report's value stays the ISP's.
    let green = app.get_as(&bank.admin, "/api/v1/indicators/lookup?type=ipv4&value=203.0.113.77").await.ok(200);
    assert_eq!((green["seen"].clone(), green["confidence"].clone()), (json!(true), json!(85)));
    assert_eq!(green["reports"][0]["tlp"], "green");
    assert_eq!(green["sightings"]["seen"], 4, "the STIX sighting is a sighting of the ISP");
    // And it goes out again as a STIX sighting of the report's indicator (no organisation named).
    let report_id =
        app.get_as(&bank.admin, "/api/v1/indicators/ipv4/203.0.113.77/reports").await.ok(200)["items"][0]["id"].clone();
    let bundle = app.get_as(&bank.admin, &format!("/api/v1/reports/{}/stix", report_id.as_str().unwrap())).await.json();
    let sightings: Vec<&Value> =
        bundle["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "sighting").collect();
    assert_eq!(sightings.len(), 1);
    assert_eq!(sightings[0]["count"], 4);
    assert_eq!(sightings[0]["created_by_ref"], cyberbridge::stix::platform_identity_id(), "no organisation is named");
    assert!(sightings[0].get("where_sighted_refs").is_none());
    let hidden = app.get_as(&bank.admin, "/api/v1/indicators/lookup?type=domain&value=c2.bad.example").await.ok(200);
    assert_eq!(hidden["seen"], false);
    let own = app.get_as(&isp.admin, "/api/v1/indicators/lookup?type=domain&value=c2.bad.example").await.ok(200);
    assert_eq!(own["seen"], true);
    let mine = app.get_as(&isp.admin, "/api/v1/reports?category=malware").await.ok(200);
    assert_eq!(mine["items"][0]["title"], "C2 of a banking trojan");
    assert_eq!(mine["items"][0]["tlp"], "red");
}

fn marked_indicator(id: &str, value: &str, marking: &str) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-11-20T10:00:00.000Z",
           "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix", "valid_from": "2026-11-20T10:00:00Z",
           "pattern": format!("[domain-name:value = '{value}']"), "object_marking_refs": [marking]})
}

#[actix_rt::test]
async fn a_red_indicator_in_a_green_report_stays_red_for_every_pair_of_levels() {
    use cyberbridge::domain::Tlp;
    use cyberbridge::stix::tlp::marking_id;
    let app = TestApp::spawn().await;
    let isp = app.org("isp", "ISP").await;
    let bank = app.org("bank", "Bank").await;
    let mut envelope = Vec::new();
    let mut expected = Vec::new();
    for (i, report_level) in Tlp::ALL.iter().enumerate() {
        for (j, indicator_level) in Tlp::ALL.iter().enumerate() {
            let value = format!("v{i}{j}.pair.example");
            let indicator = format!("indicator--00000000-0000-4000-8000-0000000000{i}{j}");
            envelope.push(marked_indicator(&indicator, &value, marking_id(*indicator_level)));
            envelope.push(json!({"type": "report", "spec_version": "2.1", "id": format!("report--00000000-0000-4000-8000-0000000000{i}{j}"),
                "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "name": format!("Pair {i}{j}"),
                "published": "2026-11-20T10:00:00Z", "object_refs": [indicator], "object_marking_refs": [marking_id(*report_level)]}));
            let stricter = if indicator_level.rank() > report_level.rank() { indicator_level } else { report_level };
            expected.push((value, *stricter));
        }
    }
    let status = add(&app, &isp.admin, SUBMIT, &json!({"objects": envelope})).await.ok(202);
    assert_eq!(status["failure_count"], 0, "{status}");
    // Another bank finds a value only where the stricter of the two levels lets everyone see it.
    let pulled = pull(&app, &bank.admin, INDICATORS, 100, "").await;
    for (value, level) in expected {
        let found =
            app.get_as(&bank.admin, &format!("/api/v1/indicators/lookup?type=domain&value={value}")).await.ok(200);
        let open = matches!(level, Tlp::Clear | Tlp::Green);
        assert_eq!(found["seen"], open, "{value} at {level}: {found}");
        let in_feed = pulled.iter().any(|o| o["pattern"].as_str().unwrap_or("").contains(&value));
        assert_eq!(in_feed, open, "{value} at {level} in the TAXII feed");
    }
}

#[actix_rt::test]
async fn unknown_markings_bad_text_and_unscoped_sightings_are_per_object_failures() {
    let app = TestApp::spawn().await;
    let isp = app.org("isp", "ISP").await;
    let bank = app.org("bank", "Bank").await;
    let unknown = "marking-definition--00000000-0000-4000-8000-00000000dead";
    let green = cyberbridge::stix::tlp::marking_id(cyberbridge::domain::Tlp::Green);
    let envelope = json!({"objects": [
        marked_indicator("indicator--00000000-0000-4000-8000-000000000001", "unknown-mark.example", unknown),
        marked_indicator("indicator--00000000-0000-4000-8000-000000000002", "seen.example", green),
        {"type": "report", "spec_version": "2.1", "id": "report--00000000-0000-4000-8000-000000000003",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z",
         "name": "Invoice \u{202E}fdp.exe", "object_refs": [], "object_marking_refs": [green]},
        {"type": "sighting", "spec_version": "2.1", "id": "sighting--00000000-0000-4000-8000-000000000004",
         "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "count": 1000000,
         "x_opencti_negative": true, "sighting_of_ref": "indicator--00000000-0000-4000-8000-000000000002"},
    ]});
    // A key that may write reports but not record sightings: the sighting is refused, alone.
    let (writer, _) = app.api_key(&isp, &["reports:write"]).await;
    let status = add(&app, &writer, SUBMIT, &envelope).await.ok(202);
    let failed: Vec<(&str, &str)> = status["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["message"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(failed.len(), 3, "{status}");
    assert!(failed[0].1.contains("unknown marking"), "{failed:?}");
    assert!(failed[1].1.contains("bidirectional"), "{failed:?}");
    assert!(failed[2].0.starts_with("sighting--") && failed[2].1.contains("indicators:lookup"), "{failed:?}");
    let looked =
        app.get_as(&bank.admin, "/api/v1/indicators/lookup?type=domain&value=unknown-mark.example").await.ok(200);
    assert_eq!(looked["seen"], false, "never taken at a default level");
    // With the scope, the false positive is recorded, and weighs once whatever its count.
    let (both, _) = app.api_key(&isp, &["reports:write", "indicators:lookup"]).await;
    add(&app, &both, SUBMIT, &envelope).await.ok(202);
    let seen = app.get_as(&bank.admin, "/api/v1/indicators/lookup?type=domain&value=seen.example").await.ok(200);
    assert_eq!(seen["sightings"]["false_positive"], 1, "{seen}");
    assert_eq!(seen["sightings"]["false_positive_organizations"], 1);
}

#[actix_rt::test]
async fn feed_pulls_state_their_purpose_as_rest_searches_do_and_name_what_they_served() {
    let app =
        TestApp::spawn_with(|c| c.purpose_required = cyberbridge::domain::purpose::DEFAULT_PURPOSE_REQUIRED.into())
            .await;
    let police = app.org("law_enforcement", "Police").await;
    let bank = app.org("bank", "Bank").await;
    let reg = app.org("regulator", "Regulator").await;
    let report = create_report(&app, &bank.admin, report_body("green", &iban_xk(77), &[])).await;
    let objects = format!("{REPORTS}/objects/");
    // A bearer pull by the police: without a purpose 422, as GET /reports; with one, served.
    assert_eq!(taxii(&app, &police.admin, &objects).await.0, 422);
    let with = format!("{objects}?purpose=criminal_investigation&case_reference=OP-7");
    assert_eq!(taxii(&app, &police.admin, &with).await.0, 200);
    // standing_feed is a key's, never a call's.
    assert_eq!(
        taxii(&app, &police.admin, &format!("{objects}?purpose=standing_feed&case_reference=OP-7")).await.0,
        422
    );
    app.get_as(&police.admin, "/api/v1/reports?purpose=standing_feed&case_reference=OP-7").await.problem(422);
    // A key: without a standing purpose 422; one of more than 90 days is refused at creation.
    let (plain, _) = app.api_key(&police, &["reports:read"]).await;
    assert_eq!(taxii(&app, &plain, &objects).await.0, 422);
    let far = (chrono::Utc::now() + chrono::Duration::days(91)).to_rfc3339();
    let body = json!({"name": "feed", "scopes": ["reports:read"], "standing_purpose": {"case_reference": "OP-PHISH", "until": far}});
    let p = app.post_as(&police.admin, "/api/v1/api-keys", &body).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "standing_purpose.until");
    let soon = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let body = json!({"name": "feed", "scopes": ["reports:read"], "standing_purpose": {"case_reference": "OP-PHISH", "until": soon}});
    let made = app.post_as(&police.admin, "/api/v1/api-keys", &body).await.ok(201);
    assert_eq!(made["standing_purpose"]["case_reference"], "OP-PHISH");
    let feed = format!("ApiKey {}", made["key"].as_str().unwrap());
    let (status, page, _) = taxii(&app, &feed, &objects).await;
    assert_eq!(status, 200);
    assert!(!page["objects"].as_array().unwrap().is_empty());
    // A bank owes no purpose: its key pulls as before.
    let (bank_key, _) = app.api_key(&bank, &["reports:read"]).await;
    assert_eq!(taxii(&app, &bank_key, &objects).await.0, 200);
    // Each pull's audit row carries its purpose and names the reports and values it served:
    // "who read report X" finds it, and so does subject access.
    let report_id = report["id"].as_str().unwrap();
    let mut rows = Vec::new();
    for _ in 0..40 {
        rows = app.get_as(&reg.admin, &format!("/api/v1/audit?object_id={report_id}&action=taxii.read")).await.ok(200)
            ["items"]
            .as_array()
            .unwrap()
            .clone();
        if rows.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let standing =
        rows.iter().find(|r| r["purpose"] == "standing_feed").unwrap_or_else(|| panic!("the key's pull: {rows:#?}"));
    assert_eq!(standing["case_reference"], "OP-PHISH");
    assert!(standing.get("details").unwrap().get("values").is_none(), "values are not in the row: {standing}");
    let admin = app.admin().await;
    let subject = app
        .get_as(
            &admin,
            &format!(
                "/api/v1/subject-access?type=iban&value={}&purpose=data_subject_request&case_reference=SAR-9",
                iban_xk(77)
            ),
        )
        .await
        .ok(200);
    let pulls = subject["consultations"].as_array().unwrap().iter().filter(|c| c["action"] == "taxii.read").count();
    assert!(pulls >= 3, "subject access finds the pulls that served a report naming the value: {subject}");
    assert!(rows.iter().any(|r| r["purpose"] == "criminal_investigation" && r["case_reference"] == "OP-7"));
    let stats = app.get_as(&reg.admin, "/api/v1/statistics/consultations").await.ok(200);
    assert!(stats["by_purpose"].as_array().unwrap().iter().any(|p| p["purpose"] == "standing_feed"), "{stats}");
}
