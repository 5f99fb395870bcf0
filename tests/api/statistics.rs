//! Published statistics tables: computed once a period closes and frozen; a cell below the
//! floor withheld with its reason and no figure, its complements withheld with it; RED and
//! AMBER+STRICT reports never counted; JSON and CSV; every read audited; no organisation named.

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

async fn report(app: &TestApp, by: &Org, category: &str, tlp: &str, loss: i64, n: u64) -> Value {
    let mut body = report_body(tlp, &iban_xk(n), &[]);
    body["category"] = json!(category);
    body["loss"] = json!({"amount_minor": loss, "currency": "EUR"});
    create_report(app, &by.admin, body).await
}

fn cell<'a>(table: &'a Value, category: &str, country: Option<&str>) -> &'a Value {
    table["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"]["category"] == category && country.is_none_or(|k| c["key"]["country"] == k))
        .unwrap_or_else(|| panic!("no cell {category} {country:?}: {table}"))
}

#[actix_rt::test]
async fn a_closed_months_tables_are_frozen_and_hold_every_cell_to_the_floor() {
    let app = TestApp::spawn().await;
    let banks =
        [app.org("bank", "Bank One").await, app.org("bank", "Bank Two").await, app.org("bank", "Bank Three").await];
    let albanian = app
        .org_with(json!({"name": "Bank Tirana", "kind": "bank", "country": "AL",
            "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+355441112223"}}))
        .await;
    let police = app.org("law_enforcement", "Police").await;
    // Investment fraud in XK: 9 reports from three banks (3,000 EUR each); one in AL; a RED one
    // and an AMBER+STRICT one that no published table may count.
    for i in 0..9 {
        report(&app, &banks[i % 3], "investment_fraud", "green", 300_000, i as u64 + 1).await;
    }
    report(&app, &albanian, "investment_fraud", "green", 9_900_000, 100).await;
    report(&app, &banks[0], "investment_fraud", "red", 77_700_000, 101).await;
    report(&app, &banks[1], "investment_fraud", "amber_strict", 88_800_000, 102).await;
    let mut db = app.db.connect().await;
    crate::support::exec(&mut db, "UPDATE reports SET created_at = '2026-08-14T10:00:00Z'").await;

    let frozen = cyberbridge::statistics::service::compute_due(&app.state).await.unwrap();
    assert!(frozen >= 2, "August and the third quarter at least: {frozen}");
    let list = app.get_as(&banks[0].admin, "/api/v1/statistics/tables").await.ok(200);
    assert_eq!(list["notice"], "platform-reported, not official statistics");
    for (table, period) in [("reports-by-category", "2026-08"), ("losses-by-category", "2026-Q3")] {
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["table"] == table && t["period"] == period && t["version"] == 1),
            "{table} {period}: {list}"
        );
    }

    let month =
        app.get_as(&banks[1].admin, "/api/v1/statistics/tables/reports-by-category?period=2026-08").await.ok(200);
    assert_eq!(month["notice"], "platform-reported, not official statistics");
    assert_eq!(
        month["floor"],
        json!({"min_count": 5, "min_orgs": 3, "p_percent": 15, "median_min": 20, "rounding_minor": 100000})
    );
    let xk = cell(&month, "investment_fraud", Some("XK"));
    assert_eq!(xk["values"]["reports"], 9, "RED and AMBER+STRICT reports are not counted: {xk}");
    assert_eq!(xk["values"]["loss_minor"], 2_700_000, "27,000 EUR, rounded to 1,000");
    // One report from one bank: withheld, with its reason and no figure (never a zero).
    let al = cell(&month, "investment_fraud", Some("AL"));
    assert_eq!(
        (al["values"]["reports"].clone(), al["withheld"]["reports"].clone()),
        (Value::Null, json!("min_count")),
        "{al}"
    );
    assert_eq!(al["values"], json!({}), "a withheld cell carries no figure: {al}");
    // The category's total would give it away (total less XK): withheld as a complement.
    let all = cell(&month, "investment_fraud", Some("*"));
    assert_eq!(
        (all["values"]["reports"].clone(), all["withheld"]["reports"].clone()),
        (Value::Null, json!("complementary")),
        "{all}"
    );
    // No organisation is named anywhere.
    let text = month.to_string();
    for org in banks.iter().chain([&albanian]) {
        assert!(!text.contains(&org.id), "{}", org.id);
    }
    for name in ["Bank One", "Bank Two", "Bank Three", "Bank Tirana"] {
        assert!(!text.contains(name), "{name}");
    }

    // The quarter, protected jointly with its months: July and September have no reports, so
    // the quarter's investment fraud would be August's withheld total, and with XK's published
    // 9 give away the one report in AL. It is withheld as a complement; the categories without
    // a report show their true zeros.
    let quarter =
        app.get_as(&police.admin, "/api/v1/statistics/tables/losses-by-category?period=2026-Q3").await.ok(200);
    let q = cell(&quarter, "investment_fraud", None);
    assert_eq!(q["withheld"]["reports"], "complementary", "{q}");
    assert_eq!(q["values"], json!({}), "{q}");
    assert_eq!(cell(&quarter, "ransomware", None)["values"]["reports"], 0);

    // CSV, with the notice on every row.
    let csv = app
        .send(
            awc::http::Method::GET,
            "/api/v1/statistics/tables/reports-by-category?period=2026-08",
            &[("authorization", banks[2].admin.as_str()), ("accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap_or_default().starts_with("text/csv"));
    let body = csv.text();
    assert!(
        body.starts_with(
            "table,period,version,scope,category,country,loss_minor,loss_minor_withheld,reports,reports_withheld"
        ),
        "{body}"
    );
    assert!(
        body.contains("reports-by-category,2026-08,1,published,investment_fraud,AL,,min_count,,min_count"),
        "{body}"
    );
    assert!(body.lines().skip(1).all(|l| l.ends_with("\"platform-reported, not official statistics\"")), "{body}");

    // Frozen: a report added to August later changes nothing that was published.
    report(&app, &banks[0], "investment_fraud", "green", 300_000, 200).await;
    crate::support::exec(
        &mut db,
        "UPDATE reports SET created_at = '2026-08-20T10:00:00Z' WHERE created_at > now() - interval '1 hour'",
    )
    .await;
    assert_eq!(cyberbridge::statistics::service::compute_due(&app.state).await.unwrap(), 0);
    let again =
        app.get_as(&banks[1].admin, "/api/v1/statistics/tables/reports-by-category?period=2026-08").await.ok(200);
    assert_eq!(again["cells"], month["cells"]);

    // Unknown tables and periods not published: 404; a period that does not read: 422.
    app.get_as(&banks[0].admin, "/api/v1/statistics/tables/salaries?period=2026-08").await.problem(404);
    app.get_as(&banks[0].admin, "/api/v1/statistics/tables/reports-by-category?period=2019-01").await.problem(404);
    let p =
        app.get_as(&banks[0].admin, "/api/v1/statistics/tables/reports-by-category?period=August").await.problem(422);
    assert_eq!(p["errors"][0]["field"], "period");
    // Every read is audited.
    let audited = "SELECT count(*) AS n FROM audit_events WHERE action = 'statistics.tables' \
                   OR details->'entries' @> '[{\"action\": \"statistics.tables\"}]'";
    let mut seen = 0;
    for _ in 0..50 {
        seen = app.count(audited).await;
        if seen > 0 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen > 0, "statistics reads are audited");
}

fn find<'a>(table: &'a Value, key: &[(&str, &str)]) -> &'a Value {
    table["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| key.iter().all(|(k, v)| c["key"][*k] == *v))
        .unwrap_or_else(|| panic!("no cell {key:?}: {table}"))
}

/// The alert tables, the look-up share, `scope=own` and the regulators' per-bank table: a
/// bank's own figures hold only what it sent or received; the per-bank table is a regulator's
/// alone (404 to anyone else, and not listed).
#[actix_rt::test]
async fn alert_tables_own_figures_and_per_bank_tables_go_only_to_whom_they_belong() {
    use crate::alerts::{alert_body, bank, send};
    use cyberbridge::app::demo::iban;
    let app = TestApp::spawn().await;
    let xk = [
        bank(&app, "Bank A", "XK", "12").await,
        bank(&app, "Bank B", "XK", "15").await,
        bank(&app, "Bank D", "XK", "18").await,
    ];
    let codes = ["12", "15", "18"];
    let german = bank(&app, "Bank E", "DE", "37040044").await;
    let regulator = app.org("regulator", "Central Bank").await;
    // Each XK bank sends two alerts to each other XK bank (12 in all); the receivers freeze
    // the first of each pair and return the second. One alert goes to Germany.
    let mut n = 1;
    for (s, sender) in xk.iter().enumerate() {
        for r in (0..3).filter(|r| *r != s) {
            for k in 0..2 {
                let alert = send(&app, &sender.admin, &alert_body(&iban("XK", codes[r], n), 500_000)).await;
                n += 1;
                let path = format!("/api/v1/fraud-alerts/{}/outcomes", alert["id"].as_str().unwrap());
                let (kind, amount) = if k == 0 { ("funds_frozen", 200_000) } else { ("funds_returned", 100_000) };
                let body = json!({"outcome": kind, "amount": {"amount_minor": amount, "currency": "EUR"}});
                app.post_as(&xk[r].admin, &path, &body).await.ok(201);
            }
        }
    }
    send(&app, &xk[0].admin, &alert_body("DE89 3704 0044 0532 0130 00", 700_000)).await;
    // Look-ups by the three XK banks: 6 values, 2 found (a frozen alert's beneficiary is not an
    // indicator; a report's value is).
    create_report(&app, &xk[0].admin, report_body("green", &iban("XK", "12", 900), &[])).await;
    for bank in &xk {
        app.get_as(&bank.admin, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban("XK", "12", 900)))
            .await
            .ok(200);
        app.get_as(&bank.admin, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban("XK", "15", 901)))
            .await
            .ok(200);
    }
    let audited = "SELECT count(*) AS n FROM audit_events WHERE action = 'indicator.lookup' \
                   OR details->'entries' @> '[{\"action\": \"indicator.lookup\"}]'";
    for _ in 0..100 {
        if app.count(audited).await > 0 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut db = app.db.connect().await;
    crate::support::exec(&mut db, "UPDATE fraud_alerts SET created_at = '2026-08-14T10:00:00Z', first_outcome_at = CASE WHEN first_outcome_at IS NULL THEN NULL ELSE '2026-08-14T11:00:00Z'::timestamptz END").await;
    crate::support::exec(&mut db, "UPDATE reports SET created_at = '2026-08-14T10:00:00Z'").await;
    crate::support::exec(&mut db, "UPDATE indicators SET first_seen = '2026-08-14T10:00:00Z'").await;
    // The trail is append-only; the test moves its look-ups into August as its owner, with
    // triggers off for this connection.
    crate::support::exec(&mut db, "SET session_replication_role = replica").await;
    crate::support::exec(&mut db, "UPDATE audit_events SET at = '2026-08-15T10:00:00Z' WHERE action = 'indicator.lookup' OR details->'entries' @> '[{\"action\": \"indicator.lookup\"}]'").await;
    cyberbridge::statistics::service::compute_due(&app.state).await.unwrap();

    let funnel = app.get_as(&xk[1].admin, "/api/v1/statistics/tables/alert-funnel?period=2026-08").await.ok(200);
    let inside = find(&funnel, &[("from", "XK"), ("to", "XK")]);
    assert_eq!(inside["values"]["alerts"], 12, "{inside}");
    assert_eq!(inside["values"]["frozen"], 6, "{inside}");
    assert_eq!(inside["values"]["amount_minor"], 6_000_000, "60,000 EUR");
    assert_eq!(inside["values"]["returned"], 6, "{inside}");
    assert_eq!(inside["values"]["recovered_share"], 30.0, "12,000 frozen and 6,000 returned of 60,000: {inside}");
    let abroad = find(&funnel, &[("from", "XK"), ("to", "DE")]);
    assert_eq!(abroad["withheld"]["alerts"], "min_count", "{abroad}");
    assert!(abroad["values"].as_object().unwrap().is_empty());
    let times =
        app.get_as(&german.admin, "/api/v1/statistics/tables/time-to-first-outcome?period=2026-Q3").await.ok(200);
    // Twelve alerts to XK give no median (20 needed); with the one to DE withheld, the total or
    // XK's row must go too.
    let to_xk = find(&times, &[("to", "XK")]);
    assert!(
        to_xk["withheld"]["median_seconds"].is_string() && to_xk["values"].get("median_seconds").is_none(),
        "{times}"
    );
    let hops = app.get_as(&german.admin, "/api/v1/statistics/tables/proceeds-hops?period=2026-Q3").await.ok(200);
    assert_eq!(find(&hops, &[("from", "XK"), ("to", "XK")])["values"]["alerts"], 12, "{hops}");
    let indicators =
        app.get_as(&xk[2].admin, "/api/v1/statistics/tables/indicators-by-type?period=2026-08").await.ok(200);
    let all = find(&indicators, &[("type", "*")]);
    assert_eq!(
        (all["values"]["lookups"].clone(), all["withheld"]["lookups_found"].clone()),
        (json!(6), json!("min_count")),
        "{all}"
    );
    assert_eq!(find(&indicators, &[("type", "iban")])["withheld"]["new_indicators"], "min_count");
    // A month table asked for a quarter: 422 naming the period.
    let p = app.get_as(&xk[0].admin, "/api/v1/statistics/tables/alert-funnel?period=2026-Q3").await.problem(422);
    assert_eq!(p["errors"][0]["field"], "period");

    // Own figures: exactly what the bank sent or received, no floor, and nothing of others.
    let own = app.get_as(&xk[0].admin, "/api/v1/statistics/tables/alert-funnel?period=2026-08&scope=own").await.ok(200);
    assert_eq!(own["scope"], "own");
    assert_eq!(find(&own, &[("from", "XK"), ("to", "XK")])["values"]["alerts"], 8, "4 sent, 4 received: {own}");
    assert_eq!(find(&own, &[("from", "XK"), ("to", "DE")])["values"]["alerts"], 1);
    let theirs =
        app.get_as(&german.admin, "/api/v1/statistics/tables/alert-funnel?period=2026-08&scope=own").await.ok(200);
    assert_eq!(find(&theirs, &[("from", "XK"), ("to", "XK")])["values"]["alerts"], 0, "{theirs}");
    assert_eq!(find(&theirs, &[("from", "XK"), ("to", "DE")])["values"]["alerts"], 1);
    let looked =
        app.get_as(&xk[1].admin, "/api/v1/statistics/tables/indicators-by-type?period=2026-08&scope=own").await.ok(200);
    assert_eq!(find(&looked, &[("type", "*")])["values"]["lookups"], 2, "its own two look-ups: {looked}");
    app.get_as(&xk[1].admin, "/api/v1/statistics/tables/alert-funnel?period=2099-01&scope=own").await.problem(422);

    // Own figures are read with the permission of what they count: a key that reads alerts
    // and not reports gets the bank's own funnel, not its own reports of every TLP.
    let (key, _) = app.api_key(&xk[0], &["alerts:read"]).await;
    app.get_as(&key, "/api/v1/statistics/tables/alert-funnel?period=2026-08&scope=own").await.ok(200);
    app.get_as(&key, "/api/v1/statistics/tables/reports-by-category?period=2026-08&scope=own").await.problem(403);
    app.get_as(&key, "/api/v1/statistics/tables/reports-by-category?period=2026-08").await.ok(200);

    // The per-bank table: a regulator's, no one else's.
    let per_bank =
        app.get_as(&regulator.admin, "/api/v1/statistics/tables/receivers-by-bank?period=2026-Q3").await.ok(200);
    assert_eq!(per_bank["scope"], "regulators");
    assert_eq!(find(&per_bank, &[("bank", "Bank B")])["values"]["alerts"], 4, "{per_bank}");
    assert_eq!(find(&per_bank, &[("bank", "Bank E")])["values"]["alerts"], 1);
    let listed = |list: &Value| list["items"].as_array().unwrap().iter().any(|t| t["table"] == "receivers-by-bank");
    assert!(listed(&app.get_as(&regulator.admin, "/api/v1/statistics/tables").await.ok(200)));
    for org in xk.iter().chain([&german]) {
        app.get_as(&org.admin, "/api/v1/statistics/tables/receivers-by-bank?period=2026-Q3").await.problem(404);
        app.get_as(&org.admin, "/api/v1/statistics/tables/receivers-by-bank?period=2026-Q3&scope=own")
            .await
            .problem(404);
        assert!(!listed(&app.get_as(&org.admin, "/api/v1/statistics/tables").await.ok(200)));
    }
    // No published table names a bank.
    for name in ["alert-funnel?period=2026-08", "proceeds-hops?period=2026-Q3", "time-to-first-outcome?period=2026-Q3"]
    {
        let text = app.get_as(&regulator.admin, &format!("/api/v1/statistics/tables/{name}")).await.ok(200).to_string();
        for org in xk.iter().chain([&german]) {
            assert!(!text.contains(&org.id) && !text.contains(" Bank"), "{name}");
        }
    }
}

/// The load benchmark of `bench/statistics.sh` (ignored in the test run): a month of 10^6
/// reports and 10^5 alerts over 12 banks and 6 other members in 3 countries, written straight
/// into the tables; then every table of the month and its quarter computed and frozen (timed),
/// and one table answered over HTTP (timed, median of 50).
#[actix_rt::test]
#[ignore]
async fn bench_statistics_at_a_million_reports() {
    let reports: i64 = std::env::var("BENCH_REPORTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let alerts: i64 = std::env::var("BENCH_ALERTS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let app = TestApp::spawn().await;
    let mut orgs = Vec::new();
    for (i, country) in ["XK", "AL", "MK"].iter().enumerate() {
        for k in 0..4 {
            orgs.push(
                app.org_with(json!({"name": format!("Bench Bank {i}-{k}"), "kind": "bank", "country": country,
                    "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+38344111222"}}))
                    .await,
            );
        }
        for kind in ["law_enforcement", "isp"] {
            orgs.push(
                app.org_with(json!({"name": format!("Bench {kind} {i}"), "kind": kind, "country": country,
                    "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+38344111222"}}))
                    .await,
            );
        }
    }
    let ids: Vec<String> = orgs.iter().map(|o| format!("'{}'", o.id)).collect();
    let banks: Vec<String> =
        orgs.iter().enumerate().filter(|(i, _)| i % 6 < 4).map(|(_, o)| format!("'{}'", o.id)).collect();
    let mut db = app.db.connect().await;
    let started = std::time::Instant::now();
    crate::support::exec(
        &mut db,
        &format!(
            "INSERT INTO reports (id, reference, reporter_org_id, category, title, description, tlp, shared_with, anonymous,
                                  loss_amount_minor, loss_currency, version, created_at, updated_at)
             SELECT gen_random_uuid(), 'BENCH-' || g, (ARRAY[{ids}]::uuid[])[1 + g % {n}],
                    (ARRAY['phishing','investment_fraud','romance_scam','business_email_compromise','money_mule','ransomware'])[1 + (g / 7) % 6],
                    'bench', 'bench', (ARRAY['clear','green','amber','amber_strict','red'])[1 + g % 5], '{{}}', false,
                    CASE WHEN g % 3 = 0 THEN NULL ELSE 10000 + (g * 7919) % 5000000 END,
                    CASE WHEN g % 3 = 0 THEN NULL ELSE 'EUR' END, 1,
                    '2026-08-01'::timestamptz + (g % 2678400) * interval '1 second',
                    '2026-08-01'::timestamptz + (g % 2678400) * interval '1 second'
             FROM generate_series(1, {reports}) g",
            ids = ids.join(","),
            n = ids.len()
        ),
    )
    .await;
    crate::support::exec(
        &mut db,
        &format!(
            "INSERT INTO fraud_alerts (id, trace_id, hop, sender_org_id, receiver_org_id, status, beneficiary_iban, amount_minor,
                                       currency, executed_at, category, created_at, first_outcome_at)
             SELECT id, id, 1 + (g % 4 = 0)::int, (ARRAY[{banks}]::uuid[])[1 + g % {n}], (ARRAY[{banks}]::uuid[])[1 + (g / 3) % {n}],
                    'routed', 'XK051212012345678906', 1000 + (g * 104729) % 2000000, 'EUR',
                    '2026-08-01'::timestamptz + (g % 2678400) * interval '1 second', 'investment_fraud',
                    '2026-08-01'::timestamptz + (g % 2678400) * interval '1 second',
                    CASE WHEN g % 5 = 0 THEN NULL ELSE '2026-08-01'::timestamptz + (g % 2678400 + 60 * (g % 997)) * interval '1 second' END
             FROM (SELECT gen_random_uuid() AS id, g FROM generate_series(1, {alerts}) g) s",
            banks = banks.join(","),
            n = banks.len()
        ),
    )
    .await;
    crate::support::exec(
        &mut db,
        "INSERT INTO fraud_alert_outcomes (id, alert_id, outcome, amount_minor, created_at)
         SELECT gen_random_uuid(), id, CASE WHEN hashtext(id::text) % 2 = 0 THEN 'funds_frozen' ELSE 'funds_returned' END,
                greatest(1, amount_minor / 2), first_outcome_at
         FROM fraud_alerts WHERE first_outcome_at IS NOT NULL",
    )
    .await;
    crate::support::exec(&mut db, "ANALYZE").await;
    eprintln!("seeded {reports} reports and {alerts} alerts in {:.1} s", started.elapsed().as_secs_f64());
    let started = std::time::Instant::now();
    let frozen = cyberbridge::statistics::service::compute_due(&app.state).await.unwrap();
    eprintln!("computed and froze {frozen} tables in {:.2} s", started.elapsed().as_secs_f64());
    let mut times = Vec::new();
    for _ in 0..50 {
        let started = std::time::Instant::now();
        app.get_as(&orgs[0].admin, "/api/v1/statistics/tables/alert-funnel?period=2026-08").await.ok(200);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    eprintln!("answering alert-funnel 2026-08: median {:.2} ms, p90 {:.2} ms", times[25], times[45]);
}
