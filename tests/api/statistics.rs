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
    assert_eq!((al["values"]["reports"].clone(), al["withheld"]["reports"].clone()), (Value::Null, json!("min_count")), "{al}");
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

    // The quarter, protected jointly with its months (the property tests hold the algebra);
    // a median needs 20 losses.
    let quarter =
        app.get_as(&police.admin, "/api/v1/statistics/tables/losses-by-category?period=2026-Q3").await.ok(200);
    let q = cell(&quarter, "investment_fraud", None);
    assert_eq!(
        (q["values"]["reports"].clone(), q["withheld"]["median_loss_minor"].clone()),
        (json!(10), json!("median_min")),
        "{q}"
    );
    assert_eq!(q["values"]["median_loss_minor"], Value::Null);

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
        body.starts_with("table,period,version,scope,category,country,loss_minor,loss_minor_withheld,reports,reports_withheld"),
        "{body}"
    );
    assert!(body.contains("reports-by-category,2026-08,1,published,investment_fraud,AL,,min_count,,min_count"), "{body}");
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
