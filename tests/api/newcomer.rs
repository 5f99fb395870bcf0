//! A newcomer's first hour (issue N): errors that name what to fix, the validator's box, the
//! way to the documentation.

use serde_json::json;

use crate::support::TestApp;

#[actix_rt::test]
async fn a_date_filter_takes_a_date_and_a_bad_one_is_named_with_the_format_expected() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let reg = app.org("regulator", "Regulator").await;
    // A date means the day's start.
    let stats = app.get_as(&bank.admin, "/api/v1/statistics/proceeds?from=2026-11-01").await.ok(200);
    assert_eq!(stats["from"], "2026-11-01T00:00:00Z");
    app.get_as(&reg.admin, "/api/v1/statistics/requests?from=2026-11-01&to=2026-12-01").await.ok(200);
    app.get_as(&bank.admin, "/api/v1/reports?created_from=2026-11-01").await.ok(200);
    // What is neither a date nor a time is refused naming the parameter and the format.
    for (path, field) in [
        ("/api/v1/statistics/proceeds?from=yesterday", "from"),
        ("/api/v1/statistics/requests?to=2026-13-01", "to"),
        ("/api/v1/audit?from=2026-11-01&to=soon", "to"),
        ("/api/v1/statistics/consultations?from=11/01/2026", "from"),
        ("/api/v1/reports?first_seen_to=last%20week", "first_seen_to"),
    ] {
        let auth = if path.contains("requests") { &reg.admin } else { &bank.admin };
        let p = app.get_as(auth, path).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{path}: {p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("2026-11-01"), "{path}: {p}");
    }
}

#[actix_rt::test]
async fn errors_name_the_media_type_the_scope_and_the_setting_to_use() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP").await;
    let bank = app.org("bank", "Bank A").await;
    // JSON where a response takes multipart: 415 naming multipart/form-data.
    let request = crate::requests::issue(&app, &police, &isp).await;
    crate::requests::transition(&app, &isp.admin, &request, "acknowledged").await.ok(200);
    let path = format!("/api/v1/requests/{}/responses", request["id"].as_str().unwrap());
    let p = app.post_as(&isp.admin, &path, &json!({"records": []})).await.problem(415);
    assert!(p["detail"].as_str().unwrap().contains("multipart/form-data"), "{p}");
    // A key without the scope an operation needs: the scope is named.
    let (reader, _) = app.api_key(&bank, &["reports:read"]).await;
    let p = app.post_as(&reader, "/api/v1/fraud-alerts", &crate::alerts::alert_body("XK051212012345678906", 100)).await;
    let p = p.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("`alerts:write`"), "{p}");
    let p = app.get_as(&reader, "/api/v1/fraud-alerts").await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("`alerts:read`"), "{p}");
    // A plain-http webhook names the development setting.
    let p = app.post_as(&bank.admin, "/api/v1/webhooks", &json!({"url": "http://hooks.bank-a.example/cb"})).await;
    let p = p.problem(422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS"), "{p}");
}

#[actix_rt::test]
async fn a_validator_finds_what_waits_for_it_in_its_own_box() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP").await;
    let mut order = crate::requests::body(&isp, "traffic_data", &["traffic"], "routine");
    order["validator_id"] = json!(prosecutor.id);
    let waiting = app.post_as(&police.admin, "/api/v1/requests", &order).await.ok(201);
    crate::requests::issue(&app, &police, &isp).await;
    let boxed = app.get_as(&prosecutor.admin, "/api/v1/requests?box=to_validate").await.ok(200);
    let ids: Vec<&str> = boxed["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [waiting["id"].as_str().unwrap()]);
    // Nobody else has anything in it; once decided, it leaves it.
    for other in [&police, &isp] {
        let theirs = app.get_as(&other.admin, "/api/v1/requests?box=to_validate").await.ok(200);
        assert!(theirs["items"].as_array().unwrap().is_empty());
    }
    let path = format!("/api/v1/requests/{}/validate", waiting["id"].as_str().unwrap());
    app.post_as(&prosecutor.admin, &path, &json!({"decision": "approve"})).await.ok(200);
    let boxed = app.get_as(&prosecutor.admin, "/api/v1/requests?box=to_validate").await.ok(200);
    assert!(boxed["items"].as_array().unwrap().is_empty());
}

#[actix_rt::test]
async fn the_root_leads_to_the_console_and_docs_to_the_api_documentation() {
    let app = TestApp::spawn().await;
    for (path, to) in [("/", "/console/"), ("/docs", "/docs/"), ("/console/", "/console/requests")] {
        let res = app.get(path).await;
        assert!(res.status == 302 || res.status == 303, "{path}: {}", res.status);
        assert_eq!(res.header("location").as_deref(), Some(to), "{path}");
    }
    assert_eq!(app.get("/docs/").await.status, 200);
    // Not signed in: the console's pages lead to the sign-in form.
    let res = app.get("/console/requests").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location").as_deref(), Some("/console/sign-in?next=%2Fconsole%2Frequests"));
    let form = app.get("/console/sign-in").await;
    assert_eq!(form.status, 200);
    for label in ["E-mail", "Password", "Code", "Sign in"] {
        assert!(form.text().contains(&format!(">{label}<")), "{label}");
    }
}
