//! Reports made and kept in the console: a new report's values added one row at a time, each
//! checked as the API checks it with its message beside the field; one report however often
//! the form is sent; the reporter alone withdraws or corrects a value; the list's downloads
//! (CSV, STIX) carry what the list shows, and nothing another organisation may not see.

use crate::console::{location, Browser};
use crate::support::fixtures::iban_xk;
use crate::support::TestApp;

/// The form's fields for a report with `values` in rows 0.., TLP `tlp`.
fn form<'a>(key: &'a str, tlp: &'a str, values: &'a [String]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("idempotency_key", key),
        ("title", "Fake trading platform"),
        ("category", "investment_fraud"),
        ("tlp", tlp),
        ("description", "Victims are told to pay into the account below."),
        ("loss", "12500.50"),
        ("currency", "EUR"),
        ("rows", &*Box::leak(values.len().max(1).to_string().into_boxed_str())),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (i, v) in values.iter().enumerate() {
        f.push((format!("ind_value_{i}"), v.clone()));
    }
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The report list as the console's own form asks for it.
fn list(b: &Browser<'_>, query: &str) -> String {
    format!("/console/reports?{query}&csrf={}", b.csrf)
}

#[actix_rt::test]
async fn a_report_is_made_value_by_value_and_kept_by_its_reporter_alone() {
    let app = TestApp::spawn_with(|c| c.purpose_required = "law_enforcement,prosecution,court,fiu".into()).await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let police = app.org("law_enforcement", "Police").await;
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    assert!(a.get(&list(&a, "q=")).await.text().contains("href=\"/console/reports/new\""));
    assert_eq!(a.get("/console/reports/new").await.status, 200);

    // Row by row: a value that reads is shown as kept and a row is added; one that does not
    // is named beside its field and no row is added.
    let iban = iban_xk(3001);
    let spaced: String =
        iban.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ");
    let mut f = form("key-1", "amber", std::slice::from_ref(&spaced));
    f.push(("action".into(), "add".into()));
    let p = a.post("/console/reports/new", &pairs(&f)).await;
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    assert!(html.contains(&format!("Kept as <code class=\"value\">{iban}</code>")), "{html}");
    assert!(html.contains("name=\"ind_value_1\"") && html.contains("name=\"rows\" value=\"2\""), "{html}");
    let wrong = format!("{}0", &iban[..iban.len() - 1]);
    let mut f = form("key-1", "amber", &[spaced.clone(), wrong.clone(), "not a value at all".into()]);
    f.push(("action".into(), "add".into()));
    let html = a.post("/console/reports/new", &pairs(&f)).await.text();
    assert!(html.contains("id=\"ind-msg-1\" role=\"alert\">Value:"), "{html}");
    assert!(html.contains("id=\"ind-msg-2\" role=\"alert\">cannot tell what kind of value"), "{html}");
    assert!(!html.contains("name=\"ind_value_3\""), "no row is added while one is wrong");
    // Sending: every field checked, labelled as the page labels it; nothing written.
    let mut f = form("key-1", "amber", &[spaced.clone(), wrong]);
    f.retain(|(k, _)| k != "title");
    f.push(("action".into(), "send".into()));
    let p = a.post("/console/reports/new", &pairs(&f)).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>Title</strong>: must not be empty"), "{}", p.text());
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 0);
    // Sent twice with the page's key: one report.
    let domain = "secure-trading-login.example".to_string();
    let mut f = form("key-1", "green", &[spaced, domain.clone()]);
    f.push(("action".into(), "send".into()));
    let p = a.post("/console/reports/new", &pairs(&f)).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = location(&p);
    assert_eq!(location(&a.post("/console/reports/new", &pairs(&f)).await), page);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 1);
    let id = page.trim_start_matches("/console/reports/").split('?').next().unwrap().to_string();
    let shown = a.get(&page).await.text();
    assert!(shown.contains("The report was submitted.") && shown.contains("12,500.50 EUR"), "{shown}");
    assert!(shown.contains("TLP:GREEN") && shown.contains("Withdraw or correct"), "{shown}");

    // Another bank reads the GREEN report but may not change it (refused, nothing changes).
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    let theirs = b.get(&format!("/console/reports/{id}")).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.text().contains("Withdraw or correct"));
    let version = |html: &str| {
        let at = html.find("name=\"version\" value=\"").expect("a version") + 22;
        html[at..].split('"').next().unwrap().to_string()
    };
    let v = version(&shown);
    let attempt = [
        ("version", v.as_str()),
        ("type", "iban"),
        ("value", iban.as_str()),
        ("reason", "mine now"),
        ("action", "withdraw"),
    ];
    assert_eq!(b.post(&format!("/console/reports/{id}/indicators"), &attempt).await.status, 403);
    // The reporter: a reason is required; then the value is withdrawn.
    let no_reason =
        [("version", v.as_str()), ("type", "iban"), ("value", iban.as_str()), ("reason", ""), ("action", "withdraw")];
    let p = a.post(&format!("/console/reports/{id}/indicators"), &no_reason).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>Why (told to"), "{}", p.text());
    assert!(p.text().contains("<details open>"), "the failed form stays open");
    // "Correct it" with the value left blank is refused, never read as a withdrawal.
    let blank = [
        ("version", v.as_str()),
        ("type", "iban"),
        ("value", iban.as_str()),
        ("reason", "Two digits were swapped"),
        ("new_value", "  "),
        ("action", "correct"),
    ];
    let p = a.post(&format!("/console/reports/{id}/indicators"), &blank).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("give the right value"), "{}", p.text());
    let withdraw = [
        ("version", v.as_str()),
        ("type", "iban"),
        ("value", iban.as_str()),
        ("reason", "Two digits were swapped"),
        ("action", "withdraw"),
    ];
    let p = a.post(&format!("/console/reports/{id}/indicators"), &withdraw).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let after = a.get(&location(&p)).await.text();
    assert!(after.contains("The value was withdrawn") && after.contains("Two digits were swapped"), "{after}");
    // A form drawn before that change records nothing.
    let stale = [
        ("version", v.as_str()),
        ("type", "domain"),
        ("value", domain.as_str()),
        ("reason", "typo"),
        ("action", "withdraw"),
    ];
    let p = a.post(&format!("/console/reports/{id}/indicators"), &stale).await;
    assert_eq!(p.status, 409);
    assert!(p.text().contains("the page is out of date"));
    let correct = [
        ("version", &*version(&after)),
        ("type", "domain"),
        ("value", domain.as_str()),
        ("reason", "The site moved"),
        ("new_value", "secure-trading-login2.example"),
        ("action", "correct"),
    ];
    let p = a.post(&format!("/console/reports/{id}/indicators"), &correct).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let after = a.get(&location(&p)).await.text();
    assert!(after.contains("The value was corrected") && after.contains("secure-trading-login2[.]example"), "{after}");
    // Another bank no longer sees the withdrawn value.
    assert!(!b.get(&format!("/console/reports/{id}")).await.text().contains(&iban));

    // A RED report never reaches another organisation's pages or downloads.
    let red_value = iban_xk(3002);
    let mut f = form("key-2", "red", std::slice::from_ref(&red_value));
    f.push(("action".into(), "send".into()));
    let red = location(&a.post("/console/reports/new", &pairs(&f)).await);
    let red_id = red.trim_start_matches("/console/reports/").split('?').next().unwrap().to_string();
    assert_eq!(b.get(&format!("/console/reports/{red_id}")).await.status, 404);
    // Shared with Bank B by name, a RED report reaches B alone.
    let mut f = form("key-3", "red", std::slice::from_ref(&red_value));
    f.push(("shared_with".into(), bank_b.id.clone()));
    f.push(("action".into(), "send".into()));
    let shared = location(&a.post("/console/reports/new", &pairs(&f)).await);
    assert_eq!(b.get(&shared).await.status, 200);
    let others = b.get(&list(&b, "q=")).await.text();
    assert!(others.contains(&format!("/console/reports/{id}")) && !others.contains(&red_id), "{others}");
    let csv = b.get(&format!("/console/reports/export.csv?csrf={}", b.csrf)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.text().contains(&id) && !csv.text().contains(&red_id), "{}", csv.text());
    let own = a.get(&list(&a, "tlp=red")).await.text();
    assert!(own.contains(&format!("/console/reports/export.csv?tlp=red&#38;csrf={}", a.csrf)), "{own}");
    let csv = a.get(&format!("/console/reports/export.csv?tlp=red&csrf={}", a.csrf)).await.text();
    assert_eq!(csv.lines().count(), 3, "the header and the two RED reports: {csv}");
    let stix = a.get(&format!("/console/reports/export.stix?tlp=red&csrf={}", a.csrf)).await;
    assert_eq!(stix.status, 200);
    let bundle: serde_json::Value = serde_json::from_str(&stix.text()).expect("a bundle");
    assert_eq!(bundle["type"], "bundle");
    assert!(stix.text().contains(&red_value));
    // A download only from the console's own link; whoever owes a purpose states one.
    assert_eq!(a.get("/console/reports/export.csv").await.status, 403);
    assert_eq!(a.get(&format!("/console/reports/export.xml?csrf={}", a.csrf)).await.status, 404);
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    assert_eq!(officer.get(&format!("/console/reports/export.csv?csrf={}", officer.csrf)).await.status, 422);
    let stated = officer
        .get(&format!(
            "/console/reports/export.csv?purpose=criminal_investigation&case_reference=PK-1&csrf={}",
            officer.csrf
        ))
        .await;
    assert_eq!(stated.status, 200, "{}", stated.text());
}
