//! Reports: normalisation, TLP visibility, query, export, updates.

use awc::http::Method;
use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

#[actix_rt::test]
async fn a_report_is_created_with_normalised_indicators_and_a_reference() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let res = app
        .post_as(&bank.admin, "/api/v1/reports", &json!({
            "category": "phishing", "title": "Fake bank login", "description": "SMS with a link to a fake login page",
            "tlp": "amber", "anonymous": false, "first_seen": "2026-11-20T10:15:00+01:00", "country": "xk",
            "loss": {"amount_minor": 125000, "currency": "eur"}, "victim_count": 3,
            "indicators": [
                {"type": "iban", "value": "XK05 1212 0123 4567 8906", "role": "beneficiary_account"},
                {"type": "domain", "value": "Secure-Bank-Login.EXAMPLE", "role": "phishing_site"},
                {"type": "url", "value": "HTTPS://Secure-Bank-Login.example/Login?x=1", "role": "phishing_url"},
                {"type": "phone", "value": "+383 44 123 456", "role": "scam_phone"},
                {"type": "iban", "value": "xk051212012345678906"},
            ],
        }))
        .await;
    let r = res.ok(201);
    assert_eq!(res.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(res.header("location"), Some(format!("/api/v1/reports/{}", r["id"].as_str().unwrap())));
    assert!(r["reference"].as_str().unwrap().starts_with("RPT-20"), "{r}");
    assert_eq!(r["status"], "open");
    assert_eq!(r["version"], 1);
    assert_eq!(r["country"], "XK");
    assert_eq!(r["loss"], json!({"amount_minor": 125000, "currency": "EUR"}));
    assert_eq!(r["first_seen"], "2026-11-20T09:15:00Z");
    assert_eq!(r["reporter"]["name"], "Bank A");
    let values: Vec<&str> = r["indicators"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    assert_eq!(values.len(), 4, "the duplicate IBAN is stored once: {values:?}");
    for v in [
        "XK051212012345678906",
        "secure-bank-login.example",
        "https://secure-bank-login.example/Login?x=1",
        "+38344123456",
    ] {
        assert!(values.contains(&v), "{v} missing from {values:?}");
    }
    let again = app.get_as(&bank.admin, &format!("/api/v1/reports/{}", r["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(again["indicators"], r["indicators"]);
}

#[actix_rt::test]
async fn invalid_values_are_422_naming_the_index_and_field() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let mut body = report_body("green", "XK05 1212 0123 4567 8906", &[]);
    body["indicators"] = json!([
        {"type": "iban", "value": "XK05 1212 0123 4567 8906"},
        {"type": "domain", "value": "fine.example"},
        {"type": "email", "value": "a@b.example"},
        {"type": "iban", "value": "XK05 1212 0123 4567 8907"},
        {"type": "pager", "value": "123"},
    ]);
    body["tlp"] = json!("purple");
    let p = app.post_as(&bank.admin, "/api/v1/reports", &body).await.problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.contains(&json!({"field": "indicators[3].value", "message": "IBAN checksum failed"})), "{p}");
    assert!(errors.iter().any(|e| e["field"] == "indicators[4].type"), "{p}");
    assert!(errors.iter().any(|e| e["field"] == "tlp"), "{p}");
    // Nothing was written.
    let list = app.get_as(&bank.admin, "/api/v1/reports").await.ok(200);
    assert!(list["items"].as_array().unwrap().is_empty());
}

struct World {
    reporter: Org,
    other_bank: Org,
    isp: Org,
    police: Org,
    fiu: Org,
    regulator: Org,
    shared: Org,
}

async fn world(app: &TestApp) -> World {
    World {
        reporter: app.org("bank", "Reporter Bank").await,
        other_bank: app.org("bank", "Other Bank").await,
        isp: app.org("isp", "Some ISP").await,
        police: app.org("law_enforcement", "Police").await,
        fiu: app.org("fiu", "FIU").await,
        regulator: app.org("regulator", "Regulator").await,
        shared: app.org("isp", "Named ISP").await,
    }
}

#[actix_rt::test]
async fn tlp_visibility_matrix_holds_for_get_list_export_and_lookup() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let tlps = ["clear", "green", "amber", "amber_strict", "red"];
    let mut reports = Vec::new();
    for (i, tlp) in tlps.iter().enumerate() {
        let iban = iban_xk(1000 + i as u64);
        let r = create_report(&app, &w.reporter.admin, report_body(tlp, &iban, &[&w.shared.id])).await;
        reports.push((tlp.to_string(), r["id"].as_str().unwrap().to_string(), iban));
    }
    // (caller, sees by TLP clear, green, amber, amber_strict, red)
    let expectations: [(&str, &Org, [bool; 5]); 6] = [
        ("reporter", &w.reporter, [true, true, true, true, true]),
        ("other bank", &w.other_bank, [true, true, false, false, false]),
        ("isp", &w.isp, [true, true, false, false, false]),
        ("law enforcement", &w.police, [true, true, true, false, false]),
        ("fiu", &w.fiu, [true, true, true, false, false]),
        ("named in shared_with", &w.shared, [true, true, true, true, true]),
    ];
    for (who, org, sees) in expectations {
        let list = app.get_as(&org.admin, "/api/v1/reports?limit=500").await.ok(200);
        let listed: Vec<&str> = list["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        let csv = app.get_as(&org.admin, "/api/v1/reports/export.csv").await;
        assert_eq!(csv.status, 200);
        let csv = csv.text();
        let items: Vec<Value> = reports.iter().map(|(_, _, iban)| json!({"type": "iban", "value": iban})).collect();
        let lookup = app.post_as(&org.admin, "/api/v1/indicators/lookup", &json!({"items": items})).await.ok(200);
        for (i, (tlp, id, iban)) in reports.iter().enumerate() {
            let get = app.get_as(&org.admin, &format!("/api/v1/reports/{id}")).await;
            let expected = sees[i];
            assert_eq!(get.status, if expected { 200 } else { 404 }, "{who} GET {tlp}: {}", get.text());
            assert_eq!(listed.contains(&id.as_str()), expected, "{who} list {tlp}");
            assert_eq!(csv.contains(id.as_str()), expected, "{who} export {tlp}");
            let result = &lookup["results"][i];
            assert_eq!(result["value"], iban.as_str());
            assert_eq!(result["seen"], expected, "{who} lookup {tlp}: {result}");
            assert_eq!(result["report_count"], if expected { 1 } else { 0 });
            let single =
                app.get_as(&org.admin, &format!("/api/v1/indicators/lookup?type=iban&value={iban}")).await.ok(200);
            assert_eq!(single["seen"], expected, "{who} single lookup {tlp}");
        }
    }
    // Counts, estimated or exact, size only what the caller sees: not the reporter's RED ones.
    for mode in ["estimate", "exact"] {
        let path = format!("/api/v1/reports?tlp=red&reporter_id={}&count={mode}", w.reporter.id);
        assert_eq!(app.get_as(&w.other_bank.admin, &path).await.ok(200)["total"], 0, "{mode}");
        assert_eq!(app.get_as(&w.reporter.admin, &path).await.ok(200)["total"], 1, "{mode}");
    }
    // Regulators read statistics only.
    app.get_as(&w.regulator.admin, "/api/v1/reports").await.problem(403);
    app.get_as(&w.regulator.admin, &format!("/api/v1/reports/{}", reports[0].1)).await.problem(403);
    app.post_as(&w.regulator.admin, "/api/v1/indicators/lookup", &json!({"items": []})).await.problem(403);
    app.post_as(&w.regulator.admin, "/api/v1/reports", &report_body("green", &iban_xk(1), &[])).await.problem(403);
}

#[actix_rt::test]
async fn keyset_pages_are_stable_while_reports_arrive() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let mut created = Vec::new();
    for i in 0..7 {
        let r = create_report(&app, &bank.admin, report_body("green", &iban_xk(i), &[])).await;
        created.push(r["id"].as_str().unwrap().to_string());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut path = "/api/v1/reports?limit=3".to_string();
    let mut n = 100;
    loop {
        let page = app.get_as(&bank.admin, &path).await.ok(200);
        seen.extend(page["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
        // Newer reports arrive between pages: they sort before the cursor and must not
        // shift what the next page returns.
        create_report(&app, &bank.admin, report_body("green", &iban_xk(n), &[])).await;
        n += 1;
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/reports?limit=3&cursor={c}"),
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created, "every original report once, newest first, none skipped or repeated");
    // Ascending by loss is keyset-paged too.
    let page = app.get_as(&bank.admin, "/api/v1/reports?sort=loss&limit=2").await.ok(200);
    let next = page["next_cursor"].as_str().unwrap();
    app.get_as(&bank.admin, &format!("/api/v1/reports?sort=loss&limit=2&cursor={next}")).await.ok(200);
    app.get_as(&bank.admin, &format!("/api/v1/reports?sort=-created&cursor={next}")).await.problem(422);
    app.get_as(&bank.admin, "/api/v1/reports?cursor=garbage").await.problem(422);
    app.get_as(&bank.admin, "/api/v1/reports?limit=501").await.problem(422);
}

#[actix_rt::test]
async fn csv_export_escapes_cells_and_defuses_formulas() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let mut body = report_body("green", &iban_xk(5), &[]);
    body["title"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
    body["description"] = json!("Line one, with comma\nline \"two\"");
    create_report(&app, &bank.admin, body).await;
    let res = app.get_as(&bank.admin, "/api/v1/reports/export.csv?category=investment_fraud").await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(res.body.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[7], "title");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][7], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(&rows[0][8], "Line one, with comma\nline \"two\"");
    assert_eq!(&rows[0][16], format!("iban:{}", iban_xk(5)));
}

#[actix_rt::test]
async fn updates_need_the_current_etag() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let r = create_report(&app, &bank.admin, report_body("amber", &iban_xk(1), &[])).await;
    let path = format!("/api/v1/reports/{}", r["id"].as_str().unwrap());
    let auth = bank.admin.as_str();
    app.patch_as(auth, &path, &json!({"status": "under_investigation"})).await.problem(428);
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", auth), ("If-Match", "\"1\"")],
            Some(&json!({"status": "under_investigation"})),
        )
        .await;
    assert_eq!(res.ok(200)["version"], 2);
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", auth), ("If-Match", "\"1\"")],
            Some(&json!({"status": "closed"})),
        )
        .await;
    res.problem(412);
    assert_eq!(app.get_as(auth, &path).await.ok(200)["status"], "under_investigation");
}

#[actix_rt::test]
async fn tlp_is_only_raised_and_sharing_only_widened_by_the_reporter() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let isp = app.org("isp", "ISP").await;
    let police = app.org("law_enforcement", "Police").await;
    let r = create_report(&app, &bank.admin, report_body("amber", &iban_xk(1), &[&isp.id])).await;
    let path = format!("/api/v1/reports/{}", r["id"].as_str().unwrap());
    let patch = |etag: &'static str, body: Value| {
        let auth = bank.admin.clone();
        let path = path.clone();
        let app = &app;
        async move { app.send(Method::PATCH, &path, &[("Authorization", &auth), ("If-Match", etag)], Some(&body)).await }
    };
    patch("\"1\"", json!({"tlp": "green"})).await.problem(422);
    patch("\"1\"", json!({"shared_with": []})).await.problem(422);
    let up = patch(
        "\"1\"",
        json!({"tlp": "red", "shared_with": [isp.id, police.id],
        "indicators": [{"type": "domain", "value": "new.example"}]}),
    )
    .await
    .ok(200);
    assert_eq!(up["tlp"], "red");
    assert_eq!(up["indicators"].as_array().unwrap().len(), 2);
    // Police now sees it through shared_with; it may not change it.
    app.get_as(&police.admin, &path).await.ok(200);
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", &police.admin), ("If-Match", "\"2\"")],
            Some(&json!({"status": "closed"})),
        )
        .await;
    res.problem(403);
    // Another bank does not see a RED report at all.
    let other = app.org("bank", "Bank B").await;
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", &other.admin), ("If-Match", "\"2\"")],
            Some(&json!({"status": "closed"})),
        )
        .await;
    res.problem(404);
}

#[actix_rt::test]
async fn anonymous_reports_hide_the_reporter_from_others() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let police = app.org("law_enforcement", "Police").await;
    let mut body = report_body("green", &iban_xk(3), &[]);
    body["anonymous"] = json!(true);
    let r = create_report(&app, &bank.admin, body).await;
    assert_eq!(r["reporter"]["name"], "Bank A");
    let seen = app.get_as(&police.admin, &format!("/api/v1/reports/{}", r["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(seen["reporter"], json!({"organization_id": null, "name": "a bank", "kind": "bank"}));
    assert!(seen.get("shared_with").is_none());
    let by_reporter = app.get_as(&police.admin, &format!("/api/v1/reports?reporter_id={}", bank.id)).await.ok(200);
    assert!(
        by_reporter["items"].as_array().unwrap().is_empty(),
        "the reporter filter does not unmask anonymous reports"
    );
    let own = app.get_as(&bank.admin, &format!("/api/v1/reports?reporter_id={}", bank.id)).await.ok(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn queries_filter_by_text_category_loss_and_indicator_and_count() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let police = app.org("law_enforcement", "Police").await;
    let mut a = report_body("green", &iban_xk(1), &[]);
    a["title"] = json!("Crypto investment platform promising returns");
    a["category"] = json!("crypto_fraud");
    a["loss"] = json!({"amount_minor": 5_000_000, "currency": "EUR"});
    create_report(&app, &bank.admin, a).await;
    let mut b = report_body("green", &iban_xk(2), &[]);
    b["title"] = json!("Romance scam via dating app");
    b["category"] = json!("romance_scam");
    b["loss"] = json!({"amount_minor": 90_000, "currency": "EUR"});
    create_report(&app, &bank.admin, b).await;
    let get = |q: &str| {
        let path = format!("/api/v1/reports?{q}");
        let auth = police.admin.clone();
        let app = &app;
        async move { app.get_as(&auth, &path).await }
    };
    let titles = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(titles(&get("q=crypto%20returns").await.ok(200)), ["Crypto investment platform promising returns"]);
    assert_eq!(titles(&get("q=%22dating%20app%22").await.ok(200)), ["Romance scam via dating app"]);
    assert_eq!(titles(&get("category=romance_scam").await.ok(200)), ["Romance scam via dating app"]);
    assert_eq!(
        titles(&get("loss_min=1000000&currency=EUR").await.ok(200)),
        ["Crypto investment platform promising returns"]
    );
    assert_eq!(get("loss_min=1000000&currency=USD").await.ok(200)["items"], json!([]));
    get("loss_min=1000000").await.problem(422);
    get("category=nope").await.problem(422);
    let by_iban = get(&format!("indicator_type=iban&indicator_value={}", iban_xk(2).to_lowercase())).await.ok(200);
    assert_eq!(titles(&by_iban), ["Romance scam via dating app"]);
    let counted = get("count=exact&limit=1").await.ok(200);
    assert_eq!(counted["total"], 2);
    assert_eq!(counted["total_kind"], "exact");
    // On a small set an estimate is the count of what the caller sees, nothing more.
    let estimated = get("count=estimate").await.ok(200);
    assert_eq!(estimated["total_kind"], "exact");
    assert_eq!(estimated["total"], 2);
    let by_loss = get("sort=-loss").await.ok(200);
    assert_eq!(titles(&by_loss)[0], "Crypto investment platform promising returns");
}

#[actix_rt::test]
async fn a_report_retried_with_its_idempotency_key_is_created_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let body = report_body("green", &iban_xk(8), &[]);
    let headers = [("Authorization", bank.admin.as_str()), ("Idempotency-Key", "rep-1")];
    let first = app.send(Method::POST, "/api/v1/reports", &headers, Some(&body)).await;
    let first_body = first.ok(201);
    let again = app.send(Method::POST, "/api/v1/reports", &headers, Some(&body)).await;
    assert_eq!(again.ok(201), first_body);
    assert_eq!(again.header("etag").as_deref(), Some("\"1\""));
    let mut other = body.clone();
    other["title"] = json!("Another title");
    app.send(Method::POST, "/api/v1/reports", &headers, Some(&other)).await.problem(422);
    let list = app.get_as(&bank.admin, "/api/v1/reports").await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn a_tlp_is_never_lowered_by_racing_a_guessed_version_against_a_raise() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let auth = bank.admin.as_str();
    for _ in 0..8 {
        let r = create_report(&app, auth, report_body("green", &iban_xk(1), &[])).await;
        let path = format!("/api/v1/reports/{}", r["id"].as_str().unwrap());
        let patch = |version: &'static str, tlp: &'static str| {
            let (app, path) = (&app, path.clone());
            async move {
                let headers = [("Authorization", auth), ("If-Match", version)];
                app.send(Method::PATCH, &path, &headers, Some(&json!({"tlp": tlp}))).await.status
            }
        };
        // The raise to RED names version 1; the amber names version 2, the one the raise makes.
        let (raise, amber) = futures_util::future::join(patch("\"1\"", "red"), patch("\"2\"", "amber")).await;
        assert_eq!(raise, 200);
        assert!(matches!(amber, 412 | 422), "{amber}");
        assert_eq!(app.get_as(auth, &path).await.ok(200)["tlp"], "red");
    }
}
