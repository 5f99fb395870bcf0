//! Reads on a PostgreSQL streaming replica: which reads it serves, read-your-writes by commit
//! position (through another instance too), a replica too far behind or gone.

use std::time::{Duration, Instant};

use awc::http::Method;
use cyberbridge::Config;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::support::{exec, iban_xk, report_body, TestApp, TestDb};

fn lookup(iban: &str) -> String {
    format!("/api/v1/indicators/lookup?type=iban&value={iban}")
}

/// Whether a look-up of `iban` by `auth` (with `X-Commit-LSN: lsn` when given) finds it.
async fn seen(app: &TestApp, auth: &str, iban: &str, lsn: Option<&str>) -> bool {
    let mut headers = vec![("Authorization", auth)];
    headers.extend(lsn.map(|l| ("X-Commit-LSN", l)));
    app.send(Method::GET, &lookup(iban), &headers, None).await.ok(200)["seen"].as_bool().expect("seen")
}

/// Waits (30 s at most: four test processes may share two cores) until `check` holds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(30), "not within 30 s: {what}");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn replica_sql(url: &str, sql: &str) {
    let mut conn = AsyncPgConnection::establish(url).await.expect("connect to the replica");
    exec(&mut conn, sql).await;
}

async fn replayed(url: &str, lsn: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Ok {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ok: bool,
    }
    let Ok(mut conn) = AsyncPgConnection::establish(url).await else { return false };
    diesel::sql_query(format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn AS ok"))
        .get_result::<Ok>(&mut conn)
        .await
        .is_ok_and(|r| r.ok)
}

/// What `/metrics` of `app` says of its one replica: whether it serves reads, and how many it served.
async fn replica_metrics(app: &TestApp) -> (bool, u64) {
    let text = app.get("/metrics").await.text();
    let value = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(&format!("{name}{{replica=")));
        line.and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    (value("cyberbridge_replica_usable") == 1, value("cyberbridge_replica_reads_total"))
}

fn with_replica(url: &str, max_lag_ms: u64) -> impl FnOnce(&mut Config) {
    let url = url.to_string();
    move |c| {
        c.replica_urls = Some(url.into());
        c.replica_max_lag_ms = max_lag_ms;
    }
}

#[actix_rt::test]
async fn lookups_are_served_by_the_replica_and_a_read_carrying_a_commit_position_sees_that_write() {
    let db = TestDb::create_replicated().await;
    let (replica, replica_url) = db.start_replica().await;
    let as_owner = replica.url(&db.name);
    let other = db.share();
    // A lag bound far longer than the test: the paused replica stays usable throughout.
    let a = TestApp::serve(db, with_replica(&replica_url, 600_000)).await;
    let b = TestApp::serve(other, with_replica(&replica_url, 600_000)).await;
    let police = a.org("law_enforcement", "Replica Police").await;
    let (first, second) = (iban_xk(1), iban_xk(2));

    let res = a.post_as(&police.admin, "/api/v1/reports", &report_body("amber", &first, &[])).await;
    let lsn1 = res.header("x-commit-lsn").expect("a write answers its commit position");
    res.ok(201);
    eventually("the replica replays the first report", async || replayed(&as_owner, &lsn1).await).await;
    // Both instances' monitors have found the replica usable before it stops replaying (a
    // monitor that starts after the pause cannot tell how late it is, and skips it).
    for app in [&a, &b] {
        eventually("the instance uses the replica", async || replica_metrics(app).await.0).await;
    }
    // The replica stops replaying here: what is written next is on the primary only.
    replica_sql(&as_owner, "SELECT pg_wal_replay_pause()").await;
    let res = a.post_as(&police.admin, "/api/v1/reports", &report_body("amber", &second, &[])).await;
    let lsn2 = res.header("x-commit-lsn").expect("commit position");
    res.ok(201);
    assert!(lsn2 != lsn1);

    // Look-ups without a position are the replica's (within its lag bound): it knows the
    // first report, not the second, in either instance. (A replica connection that cannot be
    // had at once hands a read to the primary: that is the design, so each is awaited.)
    for app in [&a, &b] {
        let (_, before) = replica_metrics(app).await;
        eventually("look-ups are served by the replica", async || !seen(app, &police.admin, &second, None).await).await;
        assert!(seen(app, &police.admin, &first, None).await);
        assert!(replica_metrics(app).await.1 > before, "the replica counted the reads it served");
    }
    // So are report queries: the replica's page has one report.
    eventually("report queries are served by the replica", async || {
        a.get_as(&police.admin, "/api/v1/reports").await.ok(200)["items"].as_array().unwrap().len() == 1
    })
    .await;
    // A read carrying the second write's position sees it, through the instance that wrote it
    // and through the other one.
    for app in [&a, &b] {
        assert!(seen(app, &police.admin, &second, Some(&lsn2)).await);
        let headers = [("Authorization", police.admin.as_str()), ("X-Commit-LSN", lsn2.as_str())];
        let page = app.send(Method::GET, "/api/v1/reports", &headers, None).await.ok(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
    }
    // A position that is not one is refused, naming the header.
    let headers = [("Authorization", police.admin.as_str()), ("X-Commit-LSN", "yesterday")];
    let p = a.send(Method::GET, &lookup(&second), &headers, None).await.problem(400);
    assert!(p["detail"].as_str().unwrap().contains("X-Commit-LSN"), "{p}");

    // The replica replays again and catches up; then it serves the second report too.
    replica_sql(&as_owner, "SELECT pg_wal_replay_resume()").await;
    eventually("the replica catches up", async || seen(&a, &police.admin, &second, None).await).await;
    // Reads' audit rows are written on the primary whichever server answered.
    a.state.audit.flush().await;
    b.state.audit.flush().await;
    let before = a.count("SELECT count(*) AS n FROM audit_events WHERE action = 'indicator.lookup'").await;
    let mut looked = 0;
    eventually("a look-up answered by the replica", async || {
        let (_, reads) = replica_metrics(&b).await;
        assert!(seen(&b, &police.admin, &first, None).await);
        looked += 1;
        replica_metrics(&b).await.1 > reads
    })
    .await;
    b.state.audit.flush().await;
    let after = a.count("SELECT count(*) AS n FROM audit_events WHERE action = 'indicator.lookup'").await;
    assert_eq!(after, before + looked, "the replica's look-ups are audited on the primary");
}

#[actix_rt::test]
async fn a_replica_too_far_behind_or_gone_is_skipped_and_reads_go_on() {
    let db = TestDb::create_replicated().await;
    let (replica, replica_url) = db.start_replica().await;
    let as_owner = replica.url(&db.name);
    let app = TestApp::serve(db, with_replica(&replica_url, 500)).await;
    let police = app.org("law_enforcement", "Lagging Police").await;

    // Paused, the replica falls behind the primary by more than the 500 ms bound: skipped.
    eventually("the instance uses the replica", async || replica_metrics(&app).await.0).await;
    replica_sql(&as_owner, "SELECT pg_wal_replay_pause()").await;
    app.post_as(&police.admin, "/api/v1/reports", &report_body("amber", &iban_xk(7), &[])).await.ok(201);
    eventually("a late replica is skipped", async || !replica_metrics(&app).await.0).await;
    for _ in 0..10 {
        assert!(seen(&app, &police.admin, &iban_xk(7), None).await);
    }
    replica_sql(&as_owner, "SELECT pg_wal_replay_resume()").await;
    actix_rt::time::sleep(Duration::from_millis(600)).await;

    // Killed, it is skipped too: every read is answered, by the primary.
    replica.kill().await;
    for _ in 0..20 {
        let started = Instant::now();
        assert!(seen(&app, &police.admin, &iban_xk(7), None).await);
        assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    }
    app.get("/readyz").await.ok(200);
}

#[actix_rt::test]
async fn what_was_just_hidden_is_not_served_by_a_replica_that_has_not_replayed_it() {
    let db = TestDb::create_replicated().await;
    let (replica, replica_url) = db.start_replica().await;
    let as_owner = replica.url(&db.name);
    // A lag bound far longer than the test: the paused replica stays usable throughout.
    let app = TestApp::serve(db, with_replica(&replica_url, 600_000)).await;
    let bank_a = app.org("bank", "Floor Bank A").await;
    let bank_c = app.org("bank", "Floor Bank C").await;
    let (open_iban, other) = (iban_xk(31), iban_xk(32));
    let res = app.post_as(&bank_a.admin, "/api/v1/reports", &report_body("green", &open_iban, &[])).await;
    let lsn = res.header("x-commit-lsn").expect("commit position");
    let report = res.ok(201);
    eventually("the replica replays the report", async || replayed(&as_owner, &lsn).await).await;
    eventually("the instance uses the replica", async || replica_metrics(&app).await.0).await;
    eventually("bank C's look-up is served", async || seen(&app, &bank_c.admin, &open_iban, None).await).await;
    // The replica stops replaying; bank A raises its report to RED.
    replica_sql(&as_owner, "SELECT pg_wal_replay_pause()").await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    app.patch_read(&bank_a.admin, &path, &serde_json::json!({"tlp": "red"})).await.ok(200);
    // From then on no read by bank C finds it, though the replica still holds it as GREEN: the
    // narrowing commit raised the floor, which the paused replica has not replayed past, so the
    // primary answers.
    eventually("the floor rises", async || !seen(&app, &bank_c.admin, &open_iban, None).await).await;
    for _ in 0..10 {
        assert!(!seen(&app, &bank_c.admin, &open_iban, None).await);
    }
    // Writes that hide nothing do not raise it: once the replica has caught up past the floor,
    // a report written while it is paused again is still the replica's to miss.
    replica_sql(&as_owner, "SELECT pg_wal_replay_resume()").await;
    let res = app.post_as(&bank_a.admin, "/api/v1/reports", &report_body("green", &other, &[])).await;
    let written = res.header("x-commit-lsn").expect("commit position");
    res.ok(201);
    eventually("the replica catches up", async || replayed(&as_owner, &written).await).await;
    replica_sql(&as_owner, "SELECT pg_wal_replay_pause()").await;
    let late = iban_xk(33);
    app.post_as(&bank_a.admin, "/api/v1/reports", &report_body("green", &late, &[])).await.ok(201);
    let (_, before) = replica_metrics(&app).await;
    eventually("an ordinary read is the replica's", async || !seen(&app, &bank_c.admin, &late, None).await).await;
    assert!(replica_metrics(&app).await.1 > before);
    replica_sql(&as_owner, "SELECT pg_wal_replay_resume()").await;
}
