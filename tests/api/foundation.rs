//! The service foundation: health, errors as problem+json, request ids, metrics, OpenAPI,
//! the database going away, per-test databases and the embedded PostgreSQL default.

use std::time::{Duration, Instant};

use awc::http::Method;
use cyberbridge::{db, AppState, Config};
use diesel_async::RunQueryDsl;

use crate::support::fixtures::{create_report, iban_xk, report_body};
use crate::support::proxy::Proxy;
use crate::support::{TestApp, TestDb};

#[actix_rt::test]
async fn healthz_and_readyz_answer_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.ok(200)["status"], "ok");
    assert_eq!(app.get("/readyz").await.ok(200)["status"], "ready");
}

#[actix_rt::test]
async fn unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let p = app.get("/api/v1/no-such-thing").await.problem(404);
    assert!(p["detail"].as_str().unwrap().contains("/api/v1/no-such-thing"));
}

#[actix_rt::test]
async fn wrong_method_is_a_405_problem() {
    let app = TestApp::spawn().await;
    app.send(Method::DELETE, "/readyz", &[], None).await.problem(405);
}

#[actix_rt::test]
async fn request_id_is_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app.send(Method::GET, "/healthz", &[("X-Request-Id", "bank-a-7f3c")], None).await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("bank-a-7f3c"));
    let generated = app.get("/healthz").await.header("x-request-id").expect("generated id");
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
    // A header that could forge log lines is replaced, not echoed.
    let res = app.send(Method::GET, "/healthz", &[("X-Request-Id", "a b\tc")], None).await;
    assert_ne!(res.header("x-request-id").as_deref(), Some("a b\tc"));
}

#[actix_rt::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/nowhere").await;
    let text = app.get("/metrics").await.text();
    assert!(
        text.contains(r#"cyberbridge_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"status="404""#), "{text}");
    assert!(text.contains("cyberbridge_http_request_duration_seconds_bucket{"), "{text}");
    assert!(
        text.contains("cyberbridge_db_pool_max 16"),
        "main pool (4) and its long-work pool (4) + the worker's (4 and 4): {text}"
    );
}

#[actix_rt::test]
async fn committed_openapi_document_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    let generated = cyberbridge::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    // Every operation's description is whole: a doc comment cut off mid-sentence (a line lost
    // above `#[utoipa::path]`) ships truncated into the document.
    let document: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let mut cut = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let text = operation["description"].as_str().or(operation["summary"].as_str()).unwrap_or("").trim();
            if !text.ends_with(['.', ')', '?', '!', '`']) {
                let tail: String = text.chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
                cut.push(format!("{method} {path}: …{tail}"));
            }
        }
    }
    assert!(cut.is_empty(), "descriptions that do not end a sentence:\n{cut:#?}");
    let app = TestApp::spawn().await;
    let served = app.get("/api/v1/openapi.json").await.ok(200);
    assert_eq!(served, serde_json::from_str::<serde_json::Value>(&committed).unwrap());
    assert_eq!(served["openapi"], "3.1.0");
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(docs.text().contains("swagger"), "Swagger UI is served offline");
}

#[actix_rt::test]
async fn readyz_is_503_while_the_database_is_unreachable_and_recovers() {
    let db = TestDb::create().await;
    let target = db_host_port(&db.service_url);
    let proxy = Proxy::start(target).await;
    let via_proxy = db.service_url.replacen(&db_host_port(&db.service_url), &format!("127.0.0.1:{}", proxy.port), 1);
    let app = TestApp::serve(db, |c| c.database_url = Some(via_proxy.into())).await;
    app.get("/readyz").await.ok(200);

    proxy.cut();
    let started = Instant::now();
    let p = app.get("/readyz").await.problem(503);
    assert!(started.elapsed() < Duration::from_secs(3), "answered in {:?}", started.elapsed());
    assert_eq!(p["type"], "urn:cyberbridge:problem:service-unavailable");

    proxy.restore();
    let mut last = 0;
    for _ in 0..20 {
        last = app.get("/readyz").await.status;
        if last == 200 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, 200, "the service recovers by itself when the database returns");
}

#[actix_rt::test]
async fn a_silent_database_answers_503_within_its_bounds_and_writes_resume_soon_after_it_heals() {
    // A partition: the proxy accepts connections and bytes and passes nothing on.
    let db = TestDb::create().await;
    let proxy = Proxy::start(db_host_port(&db.service_url)).await;
    let via_proxy = db.service_url.replacen(&db_host_port(&db.service_url), &format!("127.0.0.1:{}", proxy.port), 1);
    let app = TestApp::serve(db, |c| {
        c.database_url = Some(via_proxy.into());
        c.pool_timeout_ms = 1000;
        c.statement_timeout_ms = 1500;
    })
    .await;
    let police = app.org("law_enforcement", "Partitioned Police").await;
    create_report(&app, &police.admin, report_body("amber", &iban_xk(1), &[])).await;
    let write = |n: u64| {
        let (app, auth) = (&app, police.admin.clone());
        async move {
            let started = Instant::now();
            let res = app.post_as(&auth, "/api/v1/reports", &report_body("amber", &iban_xk(n), &[])).await;
            (res.status, started.elapsed())
        }
    };

    proxy.swallow();
    // Calls on connections opened before the partition wait for the statement bound and its
    // one-second margin (2.5 s); the others for a connection, the pool timeout (1 s).
    let first = futures_util::future::join_all((10..16).map(write)).await;
    for (status, took) in &first {
        assert_eq!(*status, 503, "{first:?}");
        assert!(*took < Duration::from_millis(3500), "{first:?}");
    }
    // Now the pool knows the server is silent: it lends no connection opened before, and a new
    // one cannot be opened within the pool timeout.
    let second = futures_util::future::join_all((20..24).map(write)).await;
    for (status, took) in &second {
        assert_eq!(*status, 503, "{second:?}");
        assert!(*took < Duration::from_millis(1800), "{second:?}");
    }
    assert_eq!(app.get("/readyz").await.status, 503);

    proxy.heal();
    let healed = Instant::now();
    loop {
        let (status, _) = write(30).await;
        if status == 201 {
            break;
        }
        assert!(healed.elapsed() < Duration::from_secs(5), "no write within 5 s of the end of the partition: {status}");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healed.elapsed() < Duration::from_secs(5), "took {:?}", healed.elapsed());
    app.get("/readyz").await.ok(200);
    // The calls answered 503 wrote nothing: the one before the partition and the one after.
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 2);
}

fn db_host_port(url: &str) -> String {
    let after_scheme = &url[url.find("://").unwrap() + 3..];
    let host = after_scheme.split('/').next().unwrap();
    host.rsplit('@').next().unwrap().to_string()
}

#[actix_rt::test]
async fn each_test_writes_to_a_database_of_its_own() {
    let (a, b) = futures_util::future::join(TestDb::create(), TestDb::create()).await;
    let insert = "INSERT INTO app_settings (key, value) VALUES ('shared-key', 'x')";
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    let (ra, rb) = futures_util::future::join(
        diesel::sql_query(insert).execute(&mut ca),
        diesel::sql_query(insert).execute(&mut cb),
    )
    .await;
    assert_eq!(ra.expect("insert into a"), 1);
    assert_eq!(rb.expect("insert into b: same primary key, other database"), 1);
}

#[actix_rt::test]
async fn a_private_cluster_from_local_binaries_serves_requests_from_a_closed_folder() {
    // The embedded default, started explicitly whatever else runs on this machine, for a
    // checkout under a mode-700 folder (root's home): the `postgres` user that runs the
    // cluster under root cannot enter it, so the cluster lives where it can.
    use std::os::unix::fs::PermissionsExt;
    let closed = std::env::temp_dir().join(format!("cyberbridge-closed-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&closed).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let dir = closed.join("checkout").join("data").join("postgres");
    let cluster = db::LocalCluster::start(&dir, false).await.expect("private cluster starts");
    let url = cluster.url("cyberbridge");
    db::ensure_database(&url).await.expect("database created");
    assert!(db::migrate(&url).await.expect("migrated") > 0);
    let config = Config::for_database(&url);
    let pool = db::pool(&url, 2, config.db_limits()).expect("pool");
    let state = AppState::build(pool, config).await.expect("state");
    let (server, addrs) = cyberbridge::server::http_server(state, "127.0.0.1:0").expect("bind");
    let handle = server.handle();
    actix_rt::spawn(server);
    let mut res = awc::Client::default().get(format!("http://{}/readyz", addrs[0])).send().await.expect("request");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    handle.stop(false).await;
    cluster.stop().await;
    let _ = std::fs::remove_dir_all(cluster.data_dir());
    let _ = std::fs::remove_dir_all(&closed);
}

#[actix_rt::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let res = app
        .send_raw(Method::POST, "/api/v1/auth/login", &[("content-type", "application/json")], b"{\"email\": ".to_vec())
        .await;
    let p = res.problem(400);
    assert!(p["detail"].as_str().unwrap().contains("malformed JSON"), "{p}");
}

#[actix_rt::test]
async fn wrong_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let res =
        app.send_raw(Method::POST, "/api/v1/auth/login", &[("content-type", "text/plain")], b"email=a".to_vec()).await;
    res.problem(415);
}

#[actix_rt::test]
async fn body_over_the_limit_is_a_413_problem() {
    let app = TestApp::spawn_with(|c| c.body_limit = 1024).await;
    let big = serde_json::json!({"email": "a@b.example", "password": "x".repeat(4096)});
    let res = app
        .send_raw(
            Method::POST,
            "/api/v1/auth/login",
            &[("content-type", "application/json")],
            serde_json::to_vec(&big).unwrap(),
        )
        .await;
    let p = res.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1024"), "{p}");
}

#[actix_rt::test]
async fn missing_field_is_a_422_problem_naming_it() {
    let app = TestApp::spawn().await;
    let p = app.post("/api/v1/auth/login", &serde_json::json!({"email": "a@b.example"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "password", "{p}");
}

#[actix_rt::test]
async fn path_id_that_is_not_a_uuid_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.get_as(&admin, "/api/v1/organizations/not-a-uuid").await.problem(400);
}

#[actix_rt::test]
async fn the_demo_seeds_a_living_system_once_and_refuses_a_database_with_data_of_its_own() {
    let app = TestApp::spawn().await;
    let config = || {
        let mut c = Config::for_database(&app.db.service_url);
        c.owner_database_url = Some(app.db.url.clone().into());
        c.admin_password = Some(crate::support::PASSWORD.into());
        c
    };
    // Served with second factors off and keys printed: on loopback only.
    let mut exposed = config();
    exposed.bind = "0.0.0.0:0".into();
    let refused = cyberbridge::server::serve(exposed, true).await.unwrap_err().to_string();
    assert!(refused.contains("127.0.0.1"), "{refused}");
    let logins = cyberbridge::server::demo(config()).await.expect("demo seeded");
    assert!(logins.contains("admin@bank-a.demo.example"), "{logins}");
    // A member of each kind of organisation, and each bank's printed key works.
    let password = cyberbridge::app::demo::DEMO_PASSWORD;
    let detective = app.login("detective@police.demo.example", password).await;
    assert_eq!(app.get_as(&detective, "/api/v1/me").await.ok(200)["role"], "member");
    app.login("analyst@bank-a.demo.example", password).await;
    let key = format!("ApiKey {}", cyberbridge::app::demo::demo_key("Demo Bank A"));
    assert!(logins.contains(&cyberbridge::app::demo::demo_key("Demo Bank A")), "{logins}");
    let looked = app
        .post_as(
            &key,
            "/api/v1/indicators/lookup",
            &serde_json::json!({"items": [{"type": "domain", "value": "secure-demobank-login.example"}]}),
        )
        .await
        .ok(200);
    assert_eq!(looked["results"][0]["seen"], true, "{looked}");
    let password = cyberbridge::app::demo::DEMO_PASSWORD;
    let bank = app.login("admin@bank-a.demo.example", password).await;
    let police = app.login("admin@police.demo.example", password).await;
    let isp = app.login("admin@isp.demo.example", password).await;
    let reports = app.get_as(&bank, "/api/v1/reports?limit=500").await.ok(200);
    let tlps: std::collections::BTreeSet<&str> =
        reports["items"].as_array().unwrap().iter().map(|r| r["tlp"].as_str().unwrap()).collect();
    assert_eq!(tlps.len(), 5, "a report under every TLP: {tlps:?}");
    let alerts = app.get_as(&police, "/api/v1/fraud-alerts?limit=500").await.ok(200);
    let first = alerts["items"].as_array().unwrap().iter().find(|a| a["hop"] == 1).expect("the first alert").clone();
    let trace =
        app.get_as(&police, &format!("/api/v1/fraud-traces/{}", first["trace_id"].as_str().unwrap())).await.ok(200);
    assert_eq!(trace["hops"].as_array().unwrap().len(), 3, "{trace}");
    assert_eq!(trace["totals"]["frozen_minor"], 750_000, "{trace}");
    let requests = app.get_as(&isp, "/api/v1/requests?limit=500").await.ok(200);
    let statuses: std::collections::BTreeSet<&str> =
        requests["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert!(statuses.contains("fulfilled") && statuses.contains("acknowledged"), "{statuses:?}");
    // Six months of history: every published table has published and withheld cells.
    let regulator = app.login("admin@regulator.demo.example", password).await;
    let list = app.get_as(&regulator, "/api/v1/statistics/tables").await.ok(200);
    let items = list["items"].as_array().unwrap();
    for def in cyberbridge::statistics::service::TABLES.iter() {
        let periods: Vec<&str> =
            items.iter().filter(|t| t["table"] == def.name).map(|t| t["period"].as_str().unwrap()).collect();
        assert!(!periods.is_empty(), "{} has periods: {list}", def.name);
        let (mut shown, mut withheld) = (0, 0);
        for period in periods {
            let t = app
                .get_as(&regulator, &format!("/api/v1/statistics/tables/{}?period={period}", def.name))
                .await
                .ok(200);
            for cell in t["cells"].as_array().unwrap() {
                shown += cell["values"].as_object().unwrap().values().filter(|v| v.as_f64() != Some(0.0)).count();
                withheld += cell["withheld"].as_object().map_or(0, |w| w.len());
            }
        }
        assert!(shown > 0 && withheld > 0, "{}: {shown} figures shown, {withheld} withheld", def.name);
    }
    // Again: nothing new.
    let again = cyberbridge::server::demo(config()).await.expect("idempotent");
    assert_eq!(again, logins);
    assert_eq!(app.get_as(&bank, "/api/v1/reports?limit=500").await.ok(200)["items"], reports["items"]);
    // A database with organisations of its own is refused.
    app.org("bank", "A Real Bank").await;
    let refused = cyberbridge::server::demo(config()).await.unwrap_err().to_string();
    assert!(refused.contains("empty database"), "{refused}");
}

#[actix_rt::test]
async fn metrics_behind_a_token_answer_only_with_it() {
    let app = TestApp::spawn_with(|c| c.metrics_token = Some("a metrics token of the scraper".into())).await;
    app.get("/metrics").await.problem(401);
    let wrong = app.send(awc::http::Method::GET, "/metrics", &[("Authorization", "Bearer guess")], None).await;
    assert_eq!(wrong.status, 401);
    let right = app
        .send(awc::http::Method::GET, "/metrics", &[("Authorization", "Bearer a metrics token of the scraper")], None)
        .await;
    assert_eq!(right.status, 200);
    assert!(right.text().contains("cyberbridge_http_requests_total"));
}

#[actix_rt::test]
async fn with_default_bounds_a_frozen_database_answers_within_3_s_and_writes_resume_within_3_s_of_the_thaw() {
    let db = TestDb::create().await;
    let proxy = Proxy::start(db_host_port(&db.service_url)).await;
    let via_proxy = db.service_url.replacen(&db_host_port(&db.service_url), &format!("127.0.0.1:{}", proxy.port), 1);
    let defaults = Config::for_database(&db.service_url);
    let app = TestApp::serve(db, |c| {
        c.database_url = Some(via_proxy.into());
        c.pool_timeout_ms = defaults.pool_timeout_ms;
        c.db_silence_ms = defaults.db_silence_ms;
        c.statement_timeout_ms = defaults.statement_timeout_ms;
    })
    .await;
    let police = app.org("law_enforcement", "Frozen Police").await;
    create_report(&app, &police.admin, report_body("amber", &iban_xk(1), &[])).await;
    let call = |n: u64| {
        let (app, auth) = (&app, police.admin.clone());
        async move {
            let started = Instant::now();
            let status = if n.is_multiple_of(2) {
                app.post_as(&auth, "/api/v1/reports", &report_body("amber", &iban_xk(n), &[])).await.status
            } else {
                app.get_as(&auth, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(1))).await.status
            };
            (status, started.elapsed())
        }
    };
    // Frozen mid-traffic: the proxy takes bytes and answers none.
    proxy.swallow();
    let frozen = Instant::now();
    let answers = futures_util::future::join_all((10..18).map(call)).await;
    for (status, took) in &answers {
        assert_eq!(*status, 503, "{answers:?}");
        assert!(*took < Duration::from_millis(3000), "a call waited {took:?} past the freeze: {answers:?}");
    }
    assert!(frozen.elapsed() < Duration::from_millis(3200));
    proxy.heal();
    let thawed = Instant::now();
    loop {
        let (status, _) = call(30).await;
        if status == 201 {
            break;
        }
        assert!(thawed.elapsed() < Duration::from_secs(3), "no write within 3 s of the thaw: {status}");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let resumed = thawed.elapsed();
    assert!(resumed < Duration::from_secs(3), "writes resumed {resumed:?} after the thaw");
    eprintln!("writes resumed {resumed:?} after the thaw");
}
