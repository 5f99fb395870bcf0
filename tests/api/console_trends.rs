//! The overseers' pages: trends (every published table as a chart, its table with withheld
//! cells shown as withheld, its CSV, the caller's own figures; the per-bank table a regulator's
//! alone) and the audit trail (an org_admin its own organisation's rows; regulators every
//! organisation's, the signed head, "Verify" and its result, consultations per case).

use serde_json::json;

use crate::console::Browser;
use crate::support::{create_report, iban_xk, report_body, TestApp};

#[actix_rt::test]
async fn trends_show_published_tables_own_figures_and_per_bank_tables_only_to_regulators() {
    let app = TestApp::spawn().await;
    let banks =
        [app.org("bank", "Bank One").await, app.org("bank", "Bank Two").await, app.org("bank", "Bank Three").await];
    let tirana = app
        .org_with(json!({"name": "Bank Tirana", "kind": "bank", "country": "AL",
            "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+355441112223"}}))
        .await;
    let regulator = app.org("regulator", "Central Bank").await;
    for i in 0..9u64 {
        let mut body = report_body("green", &iban_xk(i + 1), &[]);
        body["category"] = json!("investment_fraud");
        body["loss"] = json!({"amount_minor": 300_000, "currency": "EUR"});
        create_report(&app, &banks[i as usize % 3].admin, body).await;
    }
    let mut body = report_body("red", &iban_xk(50), &[]);
    body["category"] = json!("investment_fraud");
    create_report(&app, &tirana.admin, body).await;
    let mut db = app.db.connect().await;
    crate::support::exec(&mut db, "UPDATE reports SET created_at = '2026-08-14T10:00:00Z'").await;
    cyberbridge::statistics::service::compute_due(&app.state).await.unwrap();

    let b = Browser::sign_in(&app, &banks[0].admin_email).await;
    let index = b.get("/console/trends").await;
    assert_eq!(index.status, 200, "{}", index.text());
    let html = index.text();
    assert!(html.contains(r#"href="/console/trends" aria-current="page">Trends"#), "the navigation names Trends");
    assert!(html.contains("href=\"/console/trends/reports-by-category?period=2026-08\""), "{html}");
    assert!(!html.contains("receivers-by-bank?period"), "no per-bank table for a bank");
    let page = b.get("/console/trends/reports-by-category?period=2026-08").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Platform-reported, not official statistics."));
    assert!(html.contains("Investment fraud") && html.contains(">9<"), "the published count: {html}");
    assert!(html.contains("at least 5 items from 3 organisations"), "the floor is stated");
    assert!(!html.contains("Bank Tirana") && !html.contains("Bank Two"), "no organisation named");
    // The RED report counts only in Tirana's own figures; its own page shows it, no one else's.
    let own = Browser::sign_in(&app, &tirana.admin_email).await;
    let mine = own.get("/console/trends/reports-by-category?period=2026-08&scope=own").await.text();
    assert!(mine.contains("own figures: your reports whatever their TLP") && mine.contains(">1<"), "{mine}");
    let theirs = b.get("/console/trends/reports-by-category?period=2026-08&scope=own").await.text();
    assert!(!theirs.contains(">9<") || theirs.contains(">3<"), "Bank One's own: its 3 reports");
    let csv = b.get("/console/trends/reports-by-category/csv?period=2026-08").await;
    assert_eq!(csv.status, 200);
    assert!(csv.text().contains("reports-by-category,2026-08,1,published,investment_fraud,XK"), "{}", csv.text());
    // The per-bank table: 404 to a bank, shown to the regulator.
    assert_eq!(b.get("/console/trends/receivers-by-bank?period=2026-Q3").await.status, 404);
    let r = Browser::sign_in(&app, &regulator.admin_email).await;
    let per_bank = r.get("/console/trends/receivers-by-bank?period=2026-Q3").await;
    assert_eq!(per_bank.status, 200, "{}", per_bank.text());
    assert!(per_bank.text().contains("Bank One"));
    // Unknown tables and periods: 404, never 500.
    assert_eq!(b.get("/console/trends/salaries").await.status, 404);
    assert_eq!(b.get("/console/trends/reports-by-category?period=2019-01").await.status, 404);
}

#[actix_rt::test]
async fn the_audit_page_shows_an_org_admin_its_own_rows_and_regulators_verify_the_chain() {
    let app = TestApp::spawn().await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let regulator = app.org("regulator", "Regulator").await;
    app.get_as(&bank_b.admin, &format!("/api/v1/indicators/lookup?type=iban&value={}", iban_xk(5))).await.ok(200);
    app.state.audit.flush().await;
    let mut conn = app.db.connect().await;
    while cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap() > 0 {}

    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let page = a.get("/console/audit").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("audited actions, newest first.") && !html.contains("Bank B"), "own rows only");
    assert!(!html.contains("The signed head") && !html.contains("/console/audit/verify"));
    // A bank may not verify the chain (403), and another organisation's rows are not theirs.
    assert_eq!(a.post("/console/audit/verify", &[]).await.status, 403);
    let filtered = a.get(&format!("/console/audit?organisation={}", bank_b.id)).await.text();
    assert!(!filtered.contains("<code>indicator.lookup</code>"), "the filter does not widen an org_admin's view");

    let r = Browser::sign_in(&app, &regulator.admin_email).await;
    let html = r.get("/console/audit?action=indicator.lookup").await.text();
    assert!(html.contains("The signed head") && html.contains("Bank B") && html.contains("indicator.lookup"), "{html}");
    let verified = r.post("/console/audit/verify", &[("full", "on")]).await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert!(verified.text().contains("The chain is intact."), "{}", verified.text());
    // A canary typed into the filter comes back as text, never as markup.
    let canary = r.get("/console/audit?action=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await.text();
    assert!(!canary.contains("<script>alert(1)") && canary.contains("&#60;script&#62;alert(1)"), "{canary}");
    let bad = r.get("/console/audit?from=yesterday").await;
    assert_eq!(bad.status, 200);
    assert!(bad.text().contains("From: write a day as 2026-11-30."));
}
