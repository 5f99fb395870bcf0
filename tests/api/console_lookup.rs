//! The console's look-up: one field, the type recognised, the reports the caller may see
//! under their TLP (and no others), the purpose of the current case or of the form where the
//! caller's kind owes one (audited with the search), sightings and false positives recorded.

use crate::console::{location, Browser};
use crate::support::fixtures::{create_report, iban_xk, report_body};
use crate::support::TestApp;

/// The count of `sql` once it reaches `n` (reads are audited in buffered batches), or as it stands after 5 s.
async fn count_until(app: &TestApp, sql: &str, n: i64) -> i64 {
    for _ in 0..50 {
        if app.count(sql).await >= n {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.count(sql).await
}

/// The look-up of `value` as the console's own form sends it (with the session's token).
fn url(b: &Browser<'_>, value: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("value", value).append_pair("csrf", &b.csrf);
    format!("/console/lookup?{}", q.finish())
}

#[actix_rt::test]
async fn a_value_is_found_under_its_tlp_and_a_red_one_never_reaches_another_organisation() {
    let app = TestApp::spawn().await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let green = iban_xk(1001);
    let red = iban_xk(1002);
    create_report(&app, &bank_a.admin, report_body("green", &green, &[])).await;
    create_report(&app, &bank_a.admin, report_body("red", &red, &[])).await;
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    assert!(b.get("/console/requests").await.text().contains("href=\"/console/lookup\""), "the navigation offers it");
    // Written as people write it: spaced; recognised as an IBAN and shown in canonical form.
    let spaced: String =
        green.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ");
    let page = b.get(&url(&b, &spaced)).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let text = page.text();
    assert!(text.contains(&format!("IBAN: <code class=\"value\">{green}</code>")), "{text}");
    assert!(text.contains("Known: named in current reports") && text.contains("TLP:GREEN"), "{text}");
    // The RED report is its reporter's alone: another bank finds nothing, the reporter finds it.
    let other = b.get(&url(&b, &red)).await.text();
    assert!(other.contains("Not found in the reports you may see") && !other.contains("TLP:RED"), "{other}");
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let own = a.get(&url(&a, &red)).await.text();
    assert!(own.contains("TLP:RED"), "{own}");
    // The look-ups are audited, with the value (reads in quick succession share a row).
    let audited = format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'indicator.lookup' AND (details->>'value' = '{red}' \
         OR details->'entries' @> '[{{\"details\": {{\"value\": \"{red}\"}}}}]')"
    );
    assert_eq!(count_until(&app, &audited, 2).await, 2);

    // A false positive: recorded for the bank, counted for everyone, its own shown to it alone.
    let p =
        b.post("/console/lookup/sightings", &[("type", "iban"), ("value", &green), ("kind", "false_positive")]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    assert!(location(&p).starts_with("/console/lookup?type=iban&value="), "{}", location(&p));
    let back = b.get(&location(&p)).await.text();
    assert!(back.contains("Recorded for your organisation.") && back.contains("latest: a false positive"), "{back}");
    let theirs = a.get(&url(&a, &green)).await.text();
    assert!(
        theirs.contains("1 organisations found it a false positive") && !theirs.contains("latest: a false positive")
    );
    // A value that is not one, and one of a type chosen that it is not: named, nothing looked up.
    // A link from elsewhere fills the form; it searches nothing.
    let linked = b.get(&format!("/console/lookup?value={green}")).await.text();
    assert!(linked.contains(&format!("value=\"{green}\"")) && !linked.contains("Known: named"));
    let p = b.get(&url(&b, "<script>alert(1)</script>")).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("not one the platform recognises") && !p.text().contains("<script>alert"), "escaped");
    let p = b.get(&format!("{}&type=ipv4", url(&b, "secure-bank.example"))).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("not an IPv4 address"));
    // A forged sighting form (no token) is refused.
    let p = b
        .post_with(
            "/console/lookup/sightings",
            &[("type", "iban"), ("value", &green), ("kind", "seen")],
            &[("origin", app.base.clone())],
        )
        .await;
    assert_eq!(p.status, 403);
    assert_eq!(app.count("SELECT count(*) AS n FROM sightings").await, 1);
}

#[actix_rt::test]
async fn the_public_sector_searches_with_the_purpose_of_its_case() {
    let app = TestApp::spawn_with(|c| c.purpose_required = "law_enforcement,prosecution,court,fiu".into()).await;
    let bank = app.org("bank", "Bank A").await;
    let police = app.org("law_enforcement", "Police").await;
    let iban = iban_xk(2001);
    create_report(&app, &bank.admin, report_body("green", &iban, &[])).await;
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    // Without a case or a purpose: the page says what is missing; nothing is audited as found.
    let p = officer.get(&url(&officer, &iban)).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("Purpose: is required of your organisation"), "{}", p.text());
    // With the form's purpose.
    let p = officer.get(&format!("{}&purpose=criminal_investigation&case_reference=PK-9", url(&officer, &iban))).await;
    assert_eq!(p.status, 200, "{}", p.text());
    assert!(p.text().contains("TLP:GREEN"));
    // With the current case: no purpose fields, the case's purpose on the audit row.
    let c =
        officer.post("/console/case", &[("purpose", "criminal_investigation"), ("case_reference", "PK-2026-77")]).await;
    assert_eq!(c.status, 303);
    let p = officer.get(&url(&officer, &iban)).await;
    assert_eq!(p.status, 200);
    assert!(!p.text().contains("id=\"lookup-case\""), "the current case is used");
    let audited = "SELECT count(*) AS n FROM audit_events WHERE action = 'indicator.lookup' \
                   AND case_reference = 'PK-2026-77' AND purpose = 'criminal_investigation'";
    assert_eq!(count_until(&app, audited, 1).await, 1);
}

#[actix_rt::test]
async fn reports_are_listed_and_read_under_their_tlp_and_a_red_one_stays_its_reporters() {
    let app = TestApp::spawn_with(|c| c.purpose_required = "law_enforcement,prosecution,court,fiu".into()).await;
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let police = app.org("law_enforcement", "Police").await;
    let green = create_report(&app, &bank_a.admin, report_body("green", &iban_xk(3001), &[])).await;
    let red = create_report(&app, &bank_a.admin, report_body("red", &iban_xk(3002), &[])).await;
    let (green_id, red_id) = (green["id"].as_str().unwrap(), red["id"].as_str().unwrap());
    let b = Browser::sign_in(&app, &bank_b.admin_email).await;
    let list = b.get("/console/reports").await.text();
    assert!(list.contains(green_id) && !list.contains(red_id), "{list}");
    assert!(list.contains("tlp tlp-green") && !list.contains("tlp tlp-red"));
    let page = b.get(&format!("/console/reports/{green_id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains(&iban_xk(3001)) && page.text().contains("Fake trading platform"));
    assert_eq!(b.get(&format!("/console/reports/{red_id}")).await.status, 404);
    // The reporter sees both, and filters by TLP.
    let a = Browser::sign_in(&app, &bank_a.admin_email).await;
    let own = a.get(&format!("/console/reports?tlp=red&csrf={}", a.csrf)).await.text();
    // The same search from a link elsewhere (no token) only fills the form.
    let linked = a.get("/console/reports?tlp=red").await.text();
    assert!(!linked.contains(red_id) && linked.contains("<option value=\"red\" selected>"));
    assert!(own.contains(red_id) && !own.contains(green_id), "{own}");
    assert_eq!(a.get(&format!("/console/reports/{red_id}")).await.status, 200);
    // A wrong filter is named, not a 500.
    assert_eq!(a.get(&format!("/console/reports?tlp=purple&csrf={}", a.csrf)).await.status, 422);
    // The police owe a purpose: the form first, then the list with it; the search audited with it.
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    let first = officer.get("/console/reports").await.text();
    assert!(first.contains("Your organisation states a purpose for every search") && !first.contains(green_id));
    let with = officer
        .get(&format!("/console/reports?purpose=criminal_investigation&case_reference=PK-4&csrf={}", officer.csrf))
        .await
        .text();
    assert!(with.contains(green_id) && !with.contains(red_id), "{with}");
    let audited = "SELECT count(*) AS n FROM audit_events WHERE action = 'report.query' AND case_reference = 'PK-4'";
    assert_eq!(count_until(&app, audited, 1).await, 1);
}
