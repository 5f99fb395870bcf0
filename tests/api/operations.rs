//! What the operator watches: the metrics the alerting rules and the dashboard read exist, and
//! say what they claim (unanswered requests by deadline, the webhook backlog and failed
//! attempts, unsealed audit rows, background jobs, memory and open files).

use std::collections::BTreeSet;

use serde_json::json;

use crate::requests::issue;
use crate::support::{exec, TestApp};

/// The metric names a text refers to.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for start in
        text.match_indices("cyberbridge_").map(|(i, _)| i).chain(text.match_indices("process_").map(|(i, _)| i))
    {
        if start > 0 && text.as_bytes()[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let name: String =
            text[start..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
        names.insert(name);
    }
    names
}

/// The value of the first sample of `series` (name and labels as printed) in a scrape.
fn sample(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{series} not in the scrape"))
        .parse()
        .unwrap()
}

#[actix_rt::test]
async fn every_metric_the_alerting_rules_and_the_dashboard_read_is_exposed() {
    let app = TestApp::spawn().await;
    app.get("/readyz").await;
    let scrape = app.get("/metrics").await.text();
    let exposed: BTreeSet<String> = scrape
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let rules = std::fs::read_to_string(format!("{root}/deploy/prometheus/cyberbridge.rules.yml")).unwrap();
    let dashboard = std::fs::read_to_string(format!("{root}/deploy/grafana/cyberbridge.json")).unwrap();
    // Shown only with replicas configured: named in the server's own exposition code.
    let replica_code = std::fs::read_to_string(format!("{root}/src/kernel/metrics.rs")).unwrap();
    let read = metric_names(&rules).into_iter().chain(metric_names(&dashboard));
    let mut checked = 0;
    for name in read {
        checked += 1;
        if name.starts_with("cyberbridge_replica_") {
            assert!(replica_code.contains(&format!("# HELP {name} ")), "{name} is not exposed");
        } else {
            assert!(
                exposed.contains(&name) || exposed.contains(&format!("{name}_bucket")),
                "{name} is read but not exposed"
            );
        }
    }
    assert!(checked >= 15, "{checked}");
    // Every exposed family says what it is.
    for name in [
        "cyberbridge_requests_unanswered",
        "cyberbridge_webhook_backlog",
        "cyberbridge_job_failures_total",
        "process_open_fds",
    ] {
        assert!(scrape.contains(&format!("# HELP {name} ")) && scrape.contains(&format!("# TYPE {name} ")), "{name}");
    }
}

#[actix_rt::test]
async fn the_metrics_count_unanswered_requests_backlogs_failed_deliveries_and_jobs() {
    let app = TestApp::spawn_with(|c| c.allow_http_webhooks = true).await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP").await;
    let (overdue, near, later, answered) = (
        issue(&app, &police, &isp).await,
        issue(&app, &police, &isp).await,
        issue(&app, &police, &isp).await,
        issue(&app, &police, &isp).await,
    );
    let mut owner = app.db.connect().await;
    for (r, deadline) in [
        (&overdue, "now() - interval '1 hour'"),
        (&near, "now() + interval '2 hours'"),
        (&later, "now() + interval '20 hours'"),
        (&answered, "now() - interval '1 hour'"),
    ] {
        exec(
            &mut owner,
            &format!("UPDATE data_requests SET deadline = {deadline} WHERE id = '{}'", r["id"].as_str().unwrap()),
        )
        .await;
    }
    exec(
        &mut owner,
        &format!("UPDATE data_requests SET status = 'fulfilled' WHERE id = '{}'", answered["id"].as_str().unwrap()),
    )
    .await;

    // A webhook whose endpoint does not answer: its test event waits and its attempt fails.
    let bank = app.org("bank", "Bank").await;
    let hook = crate::webhooks::hook(&app, &bank, "http://127.0.0.1:9/hook").await;
    app.post_as(&bank.admin, &format!("/api/v1/webhooks/{}/test", hook["id"].as_str().unwrap()), &json!({}))
        .await
        .ok(202);
    cyberbridge::retention::tick(&app.state).await;

    let mut scrape = String::new();
    for _ in 0..100 {
        scrape = app.get("/metrics").await.text();
        if sample(&scrape, "cyberbridge_webhook_deliveries_total{result=\"retrying\"}") >= 1.0 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        sample(&scrape, "cyberbridge_requests_unanswered{due=\"overdue\"}"),
        1.0,
        "the fulfilled one is not counted"
    );
    assert_eq!(sample(&scrape, "cyberbridge_requests_unanswered{due=\"within_4h\"}"), 1.0);
    assert_eq!(sample(&scrape, "cyberbridge_requests_unanswered{due=\"within_24h\"}"), 2.0);
    assert_eq!(sample(&scrape, "cyberbridge_webhook_deliveries_total{result=\"retrying\"}"), 1.0);
    assert_eq!(sample(&scrape, "cyberbridge_webhook_deliveries_total{result=\"delivered\"}"), 0.0);
    assert_eq!(sample(&scrape, "cyberbridge_webhook_backlog"), 1.0, "waiting for its retry");
    // The test app runs no sealer: its audit rows wait, and their age shows.
    assert!(sample(&scrape, "cyberbridge_audit_unsealed_rows") > 10.0);
    assert!(sample(&scrape, "cyberbridge_audit_oldest_unsealed_seconds") >= 0.0);
    assert_eq!(sample(&scrape, "cyberbridge_metrics_database_up"), 1.0);
    let purged_at = sample(&scrape, "cyberbridge_job_last_success_timestamp_seconds{job=\"retention_purge\"}");
    assert!((purged_at - chrono::Utc::now().timestamp() as f64).abs() < 60.0, "{purged_at}");
    assert_eq!(sample(&scrape, "cyberbridge_job_last_success_timestamp_seconds{job=\"audit_witness\"}"), 0.0);
    assert_eq!(
        sample(&scrape, "cyberbridge_job_interval_seconds{job=\"audit_witness\"}"),
        0.0,
        "no witness file: no witness alert"
    );
    assert_eq!(sample(&scrape, "cyberbridge_job_failures_total{job=\"retention_purge\"}"), 0.0);
    assert!(sample(&scrape, "process_resident_memory_bytes") > 1e6);
    assert!(sample(&scrape, "process_open_fds") > 3.0);
    // The figures are read at most every 10 seconds: a scrape right after reuses them (a
    // scraper cannot make the database count at will).
    let unsealed = sample(&scrape, "cyberbridge_audit_unsealed_rows");
    while cyberbridge::audit::store::seal_pending(&mut owner).await.unwrap() > 0 {}
    let again = app.get("/metrics").await.text();
    assert_eq!(sample(&again, "cyberbridge_audit_unsealed_rows"), unsealed);
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events WHERE hash IS NULL").await, 0);
}
