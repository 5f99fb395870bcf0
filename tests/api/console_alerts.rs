//! The fraud desk in the console across four banks: A alerts B by hand (a double click sends
//! one alert); B freezes part and moves part on to C; C sees its hop and freezes; A sees both
//! outcomes; a bank on no hop sees nothing of it; the sender records no outcome; the public
//! sector sees all; an ISP has no alerts.

use serde_json::json;

use crate::console::{location, Browser};
use crate::support::{iban_xk, Org, TestApp};
use cyberbridge::app::demo::iban;

async fn bank(app: &TestApp, name: &str, code: &str) -> Org {
    app.org_with(json!({
        "name": name, "kind": "bank", "country": "XK",
        "contact": {"name": "Fraud desk", "email": "fraud@bank.example", "phone": "+38344111222"},
        "bank_identifiers": [{"country": "XK", "bank_code": code}],
    }))
    .await
}

/// The version the outcome form carries.
fn version(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").unwrap_or_else(|| panic!("no outcome form: {html}")) + 22;
    html[at..].split('"').next().unwrap().to_string()
}

#[actix_rt::test]
async fn an_alert_sent_by_hand_is_frozen_and_moved_on_and_each_bank_sees_its_own_hops() {
    let app = TestApp::spawn().await;
    let a = bank(&app, "Bank A", "15").await;
    let b = bank(&app, "Bank B", "12").await;
    let c = bank(&app, "Bank C", "16").await;
    let d = bank(&app, "Bank D", "17").await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let desk_a = Browser::sign_in(&app, &a.admin_email).await;
    assert!(desk_a.get("/console/requests").await.text().contains("href=\"/console/alerts\""));
    assert_eq!(desk_a.get("/console/alerts/new").await.status, 200);

    // A's desk sends by hand; a second click with the same form sends nothing more.
    let key = uuid::Uuid::new_v4().to_string();
    let beneficiary = iban_xk(5);
    let fields = [
        ("idempotency_key", key.as_str()),
        ("beneficiary_iban", beneficiary.as_str()),
        ("beneficiary_name", "J. Doe \"><svg onload=alert(1)>"),
        ("victim_iban", ""),
        ("amount", "10,000.00"),
        ("currency", "EUR"),
        ("executed_at", "2026-11-28T09:30"),
        ("category", "investment_fraud"),
        ("payment_reference", "INV 4711"),
    ];
    let bad: Vec<(&str, &str)> =
        fields.iter().map(|(k, v)| if *k == "amount" { (*k, "ten thousand") } else { (*k, *v) }).collect();
    let p = desk_a.post("/console/alerts", &bad).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>Amount</strong>"), "{}", p.text());
    let p = desk_a.post("/console/alerts", &fields).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = location(&p);
    assert_eq!(location(&desk_a.post("/console/alerts", &fields).await), page);
    assert_eq!(app.count("SELECT count(*) AS n FROM fraud_alerts").await, 1);
    // Written the other way round it is refused, not read as 10 euros or 1,000,000.
    let other: Vec<(&str, &str)> =
        fields.iter().map(|(k, v)| if *k == "amount" { (*k, "10.000,00") } else { (*k, *v) }).collect();
    assert_eq!(desk_a.post("/console/alerts", &other).await.status, 422);
    let id = page.trim_start_matches("/console/alerts/").split('?').next().unwrap().to_string();
    let shown = desk_a.get(&page).await.text();
    assert!(shown.contains("The alert was sent.") && shown.contains("10,000.00 EUR") && shown.contains("Bank B"));
    assert!(!shown.contains("Record what you did"), "the sender records no outcome");
    let p =
        desk_a.post(&format!("/console/alerts/{id}/outcomes"), &[("outcome", "funds_frozen"), ("amount", "1")]).await;
    assert_eq!(p.status, 403);

    // B's desk: in its box; freezes 4,000 and moves 6,000 on to C.
    let desk_b = Browser::sign_in(&app, &b.admin_email).await;
    let inbox = desk_b.get("/console/alerts").await.text();
    assert!(inbox.contains(&format!("/console/alerts/{id}")) && inbox.contains("10,000.00 EUR"), "{inbox}");
    let alert_b = desk_b.get(&format!("/console/alerts/{id}")).await.text();
    let over = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[("version", &version(&alert_b)), ("outcome", "funds_frozen"), ("amount", "12000")],
        )
        .await;
    assert_eq!(over.status, 422, "more than the alert's amount");
    let p = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[("version", &version(&alert_b)), ("outcome", "funds_frozen"), ("amount", "4000")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let alert_b = desk_b.get(&location(&p)).await.text();
    // Onward transfers belong to "already moved", and each names its account.
    let mixed = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[
                ("version", &version(&alert_b)),
                ("outcome", "funds_frozen"),
                ("amount", "100"),
                ("onward_amount_0", "300"),
            ],
        )
        .await;
    assert_eq!(mixed.status, 422);
    assert!(mixed.text().contains("belong to the outcome"), "{}", mixed.text());
    // A form without the version it was drawn at records nothing.
    let stale =
        desk_b.post(&format!("/console/alerts/{id}/outcomes"), &[("outcome", "funds_frozen"), ("amount", "100")]).await;
    assert_eq!(stale.status, 422);
    assert!(stale.text().contains("the page is out of date"), "{}", stale.text());
    assert!(alert_b.contains("The outcome was recorded") && alert_b.contains("4,000.00 EUR"));
    let onward = iban("XK", "16", 77);
    let p = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[
                ("version", &version(&alert_b)),
                ("outcome", "already_moved"),
                ("onward_iban_0", &onward),
                ("onward_amount_0", "6000"),
                ("onward_executed_0", "2026-11-28T10:00"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());

    // C's desk sees its hop and freezes it.
    let desk_c = Browser::sign_in(&app, &c.admin_email).await;
    let inbox_c = desk_c.get("/console/alerts").await.text();
    assert!(inbox_c.contains("6,000.00 EUR") && inbox_c.contains("Bank B"), "{inbox_c}");
    let hop = inbox_c
        .split("href=\"/console/alerts/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .find(|link| uuid::Uuid::parse_str(link).is_ok())
        .expect("C's hop in its box");
    assert_ne!(hop, id);
    let hop_page = desk_c.get(&format!("/console/alerts/{hop}")).await.text();
    let p = desk_c
        .post(
            &format!("/console/alerts/{hop}/outcomes"),
            &[("version", &version(&hop_page)), ("outcome", "funds_frozen"), ("amount", "6000")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());

    // A sees both outcomes of its alert.
    let mine = desk_a.get(&format!("/console/alerts/{id}")).await.text();
    assert!(mine.contains("Funds frozen") && mine.contains("4,000.00 EUR"), "{mine}");
    assert!(mine.contains("Already moved on") && mine.contains("6,000.00 EUR"), "{mine}");

    // The trail: B, on both hops, sees three banks and the amounts; A sees its hop and the
    // money moved on to a hop it may not see; C sees its hop after a hidden one.
    let trail_b = desk_b.get(&format!("/console/traces/{id}")).await.text();
    for shown in ["Bank A", "Bank B", "Bank C", "10,000.00 EUR", "6,000.00 EUR", "frozen 4,000.00 EUR"] {
        assert!(trail_b.contains(shown), "{shown}: {trail_b}");
    }
    assert!(trail_b.contains("<svg") && trail_b.contains("<caption>The same trail as a table</caption>"));
    let trail_a = desk_a.get(&format!("/console/traces/{id}")).await.text();
    assert!(trail_a.contains("a hop you may not see") && !trail_a.contains("Bank C"), "{trail_a}");
    let trail_c = desk_c.get(&format!("/console/traces/{id}")).await.text();
    assert!(trail_c.contains("a hop you may not see") && trail_c.contains("Bank C"));
    let svg = desk_b.get(&format!("/console/traces/{id}/picture.svg")).await;
    assert_eq!(svg.status, 200);
    assert!(svg.header("content-type").starts_with("image/svg+xml"));
    assert!(svg.header("content-disposition").starts_with("attachment"));
    assert_eq!(svg.header("content-security-policy"), "sandbox");
    assert!(svg.text().starts_with("<svg") && !svg.text().contains("style="));
    // The beneficiary's name is the sender's text: escaped in the page, never markup.
    assert!(!desk_b.get(&format!("/console/alerts/{id}")).await.text().contains("<svg onload"));

    // A bank on no hop: nothing in its boxes, 404 on the pages; C does not see A's alert.
    let desk_d = Browser::sign_in(&app, &d.admin_email).await;
    for b in ["received", "sent"] {
        assert!(!desk_d.get(&format!("/console/alerts?box={b}")).await.text().contains("EUR"));
    }
    assert_eq!(desk_d.get(&format!("/console/alerts/{id}")).await.status, 404);
    assert_eq!(desk_d.get(&format!("/console/alerts/{hop}")).await.status, 404);
    assert_eq!(desk_c.get(&format!("/console/alerts/{id}")).await.status, 404);
    assert_eq!(desk_d.get(&format!("/console/traces/{id}")).await.status, 404);
    assert_eq!(desk_d.get(&format!("/console/traces/{id}/picture.svg")).await.status, 404);
    // The public sector sees every alert; an ISP has none.
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    let all = officer.get("/console/alerts").await.text();
    assert!(all.contains("10,000.00 EUR") && all.contains("6,000.00 EUR"), "{all}");
    let provider = Browser::sign_in(&app, &isp.admin_email).await;
    assert!(!provider.get("/console/requests").await.text().contains("href=\"/console/alerts\""));
    assert_eq!(provider.get("/console/alerts").await.status, 403);
}

/// Every text a person types into the new forms comes back as text, never markup: the case
/// reference in the header, a reports search, an alert's names, references and description,
/// an outcome's note.
#[actix_rt::test]
async fn every_new_text_field_shows_a_canary_as_text() {
    const CANARY: &str = "\"><svg onload=alert(1)>";
    let app = TestApp::spawn().await;
    let a = bank(&app, "Bank A", "15").await;
    let b = bank(&app, "Bank B", "12").await;
    let desk_a = Browser::sign_in(&app, &a.admin_email).await;
    let p = desk_a.post("/console/case", &[("purpose", "fraud_prevention"), ("case_reference", CANARY)]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let key = uuid::Uuid::new_v4().to_string();
    let beneficiary = iban_xk(9);
    let p = desk_a
        .post(
            "/console/alerts",
            &[
                ("idempotency_key", &key),
                ("beneficiary_iban", &beneficiary),
                ("beneficiary_name", CANARY),
                ("amount", "100"),
                ("currency", "EUR"),
                ("executed_at", "2026-11-28T09:30"),
                ("category", "investment_fraud"),
                ("payment_reference", CANARY),
                ("bank_case_reference", CANARY),
                ("description", CANARY),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let alert = location(&p);
    let id = alert.trim_start_matches("/console/alerts/").split('?').next().unwrap().to_string();
    let desk_b = Browser::sign_in(&app, &b.admin_email).await;
    let page = desk_b.get(&format!("/console/alerts/{id}")).await.text();
    let version = version(&page);
    let p = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[("version", &version), ("outcome", "no_action"), ("reason", CANARY)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    // A report whose every text is the canary (first with the canary as a value too), and a
    // filter typed as the canary.
    let report_form = [
        ("action", "send"),
        ("idempotency_key", "canary"),
        ("title", CANARY),
        ("category", "phishing"),
        ("tlp", "green"),
        ("description", CANARY),
        ("ind_value_0", "canary.example"),
    ];
    let mut with_canary_value = report_form.to_vec();
    with_canary_value.extend([("rows", "2"), ("ind_value_1", CANARY)]);
    let p = desk_a.post("/console/reports/new", &with_canary_value).await;
    assert_eq!(p.status, 422, "the canary is no value");
    assert!(!p.text().contains("<svg onload"), "{}", p.text());
    let p = desk_a.post("/console/reports/new", &report_form).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let report = location(&p);
    let filtered = format!(
        "/console/alerts?payment={}&from={}",
        url::form_urlencoded::byte_serialize(b"E2E<svg onload=1>").collect::<String>(),
        url::form_urlencoded::byte_serialize(CANARY.as_bytes()).collect::<String>()
    );
    assert_eq!(desk_a.get(&filtered).await.status, 422);
    let search = format!(
        "/console/reports?q={}&csrf={}",
        url::form_urlencoded::byte_serialize(CANARY.as_bytes()).collect::<String>(),
        desk_a.csrf
    );
    for (who, path) in [
        (&desk_a, alert.clone()),
        (&desk_b, format!("/console/alerts/{id}")),
        (&desk_a, "/console/requests".to_string()),
        (&desk_a, search),
        (&desk_a, format!("/console/traces/{id}")),
        (&desk_a, report.clone()),
        (&desk_b, report.clone()),
        (&desk_a, filtered.clone()),
    ] {
        let shown = who.get(&path).await;
        assert!(shown.status == 200 || path == filtered, "{path}");
        let text = shown.text();
        assert!(!text.contains("<svg onload"), "{path}: {text}");
    }
    let mine = desk_a.get(&alert).await.text();
    assert!(mine.contains("&#34;&#62;&#60;svg onload=alert(1)&#62;"), "shown as text: {mine}");
}

/// The desk finds an alert by its payment: the UETR typed on the form is shown on the alert,
/// and the box's filter (status, category, period, other bank, UETR or end-to-end ID) finds it
/// for the banks on it and for nobody else; a filter that cannot be read says which field. The
/// receiving bank hears of the alert by e-mail, and the sender of the outcome, with a link and
/// no account or amount.
#[actix_rt::test]
async fn the_desk_filters_its_alerts_and_hears_of_them_by_e_mail() {
    let sink = crate::support::smtp::SmtpSink::start().await;
    let port = sink.port;
    let app = crate::support::TestApp::spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.smtp_from = "cyberbridge <notices@platform.test>".into();
    })
    .await;
    let mailer = cyberbridge::console::mail::spawn(app.state.clone()).expect("the sender runs");
    let a = bank(&app, "Bank A", "15").await;
    let b = bank(&app, "Bank B", "12").await;
    let e = bank(&app, "Bank E", "18").await;
    let desk_a = Browser::sign_in(&app, &a.admin_email).await;
    let beneficiary = iban_xk(5);
    let uetr = "EB6305C9-1F7F-49DE-AED0-16487C27B42D";
    let mut fields = vec![
        ("idempotency_key", "k-1"),
        ("beneficiary_iban", beneficiary.as_str()),
        ("amount", "2500"),
        ("currency", "EUR"),
        ("executed_at", "2026-11-28T09:30"),
        ("category", "phishing"),
        ("uetr", "eb6305c9-1f7f-19de-aed0-16487c27b42d"),
        ("end_to_end_id", "E2E-77"),
    ];
    let p = desk_a.post("/console/alerts", &fields).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>UETR</strong>: must be a UETR"), "{}", p.text());
    fields[6].1 = uetr;
    let p = desk_a.post("/console/alerts", &fields).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = location(&p);
    let id = page.trim_start_matches("/console/alerts/").split('?').next().unwrap().to_string();
    let shown = desk_a.get(&page).await.text();
    assert!(shown.contains(&uetr.to_lowercase()) && shown.contains("E2E-77"), "{shown}");

    // B hears of it by e-mail: a link to the alert, no account, no amount.
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec![b.admin_email.clone()]);
    let body = mails[0].body();
    assert!(body.contains(&format!("/console/alerts/{id}")), "{body}");
    assert!(mails[0].header("Subject").starts_with("Fraud alert A-"), "{}", mails[0].header("Subject"));
    for secret in [beneficiary.as_str(), "2,500", "2500", "E2E-77", &uetr.to_lowercase()] {
        assert!(!mails[0].data.contains(secret), "{secret} in {}", mails[0].data);
    }

    let desk_b = Browser::sign_in(&app, &b.admin_email).await;
    let desk_e = Browser::sign_in(&app, &e.admin_email).await;
    let today = chrono::Utc::now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let filters = [
        (format!("payment={uetr}"), true),
        (format!("payment={}", uetr.to_lowercase()), true),
        ("payment=E2E-77".to_string(), true),
        ("payment=E2E-78".to_string(), false),
        ("status=routed&category=phishing".to_string(), true),
        ("status=acted".to_string(), false),
        ("category=romance_scam".to_string(), false),
        (format!("from={today}&to={today}"), true),
        (format!("from={tomorrow}"), false),
        (format!("to={yesterday}"), false),
        (format!("counterparty={}", a.id), true),
        (format!("counterparty={}", e.id), false),
    ];
    for (query, found) in filters {
        let listed = desk_b.get(&format!("/console/alerts?box=received&{query}")).await;
        assert_eq!(listed.status, 200, "{query}: {}", listed.text());
        assert_eq!(listed.text().contains(&format!("/console/alerts/{id}")), found, "{query}");
        // A bank on no hop finds nothing, whatever it filters by.
        let other = desk_e.get(&format!("/console/alerts?box=received&{query}")).await.text();
        assert!(!other.contains(&format!("/console/alerts/{id}")), "{query}");
    }
    let sent = desk_a.get(&format!("/console/alerts?box=sent&payment={uetr}&counterparty={}", b.id)).await.text();
    assert!(sent.contains(&format!("/console/alerts/{id}")));
    // The filter stays on the other tab and on the form; the other bank list is others'.
    assert!(sent.contains("href=\"/console/alerts?box=received&#38;counterparty="), "{sent}");
    assert!(sent.contains(&format!("<option value=\"{}\" selected>Bank B</option>", b.id)), "{sent}");
    assert!(!sent.contains(&format!("<option value=\"{}\"", a.id)), "its own bank is not another");
    for (query, label) in [
        ("from=28.11.2026", "From (day)"),
        // chrono's last day, written with a signed year: refused, not a day to add one to.
        ("to=%2B262142-12-31", "To (day, included)"),
        ("payment=NOTPROVIDED", "UETR or end-to-end ID"),
    ] {
        let bad = desk_b.get(&format!("/console/alerts?{query}")).await;
        assert_eq!(bad.status, 422, "{query}");
        assert!(bad.text().contains(&format!("<strong>{label}</strong>")), "{}", bad.text());
    }

    // B freezes it: A hears of the outcome.
    let alert_b = desk_b.get(&format!("/console/alerts/{id}")).await.text();
    let p = desk_b
        .post(
            &format!("/console/alerts/{id}/outcomes"),
            &[("version", &version(&alert_b)), ("outcome", "funds_frozen"), ("amount", "2500")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let mails = sink.wait_for(2).await;
    assert_eq!(mails[1].to, vec![a.admin_email.clone()]);
    assert!(mails[1].header("Subject").starts_with("Outcome along money trail T-"));
    // Linked to the trail, which every bank on it may open (not to a later hop it may not).
    assert!(mails[1].body().contains(&format!("/console/traces/{id}")));
    assert!(!mails[1].data.contains("2,500") && !mails[1].data.contains("2500"));
    // The console lists the notice on the desk's start page, linked to the alert.
    let start = desk_a.get("/console/requests").await.text();
    assert!(
        start.contains(&format!("href=\"/console/traces/{id}\">An outcome was recorded along money trail T-")),
        "{start}"
    );
    mailer.abort();
}

/// Mule accounts in the console: the holding bank contests the flag, each bank asked answers
/// on its page; a bank reads its own answer and the others only counted; a bank on none of the
/// account's alerts sees nothing of it.
#[actix_rt::test]
async fn the_holder_contests_a_mule_flag_and_each_bank_answers_for_itself() {
    use crate::alerts::{alert_body, send};
    let app = TestApp::spawn().await;
    let s1 = bank(&app, "Sender One", "15").await;
    let s2 = bank(&app, "Sender Two", "16").await;
    let holder = bank(&app, "Holder Bank", "12").await;
    let uninvolved = bank(&app, "Uninvolved", "17").await;
    let police = app.org("law_enforcement", "Police").await;
    let account = iban_xk(4242);
    send(&app, &s1.admin, &alert_body(&account, 100)).await;
    send(&app, &s2.admin, &alert_body(&account, 200)).await;
    let page = format!("/console/mules/{account}");

    let h = Browser::sign_in(&app, &holder.admin_email).await;
    let list = h.get("/console/mules").await.text();
    assert!(list.contains(&page) && list.contains("Flagged"), "{list}");
    let mine = h.get(&page).await.text();
    assert!(mine.contains("Contest the flag") && !mine.contains("Your answer"), "{mine}");
    let p = h.post(&page, &[("form", "contest"), ("reason", "")]).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>Reason</strong>"), "{}", p.text());
    let p = h.post(&page, &[("form", "contest"), ("reason", "Salary account of a verified employer")]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let contested = h.get(&location(&p)).await.text();
    assert!(contested.contains("The flag is contested") && contested.contains("answers due"), "{contested}");
    assert!(!contested.contains("id=\"contest-form\""), "one contest at a time");
    assert_eq!(h.post(&page, &[("form", "answer"), ("decision", "withdraw")]).await.status, 403);

    let one = Browser::sign_in(&app, &s1.admin_email).await;
    assert!(one.get("/console/mules").await.text().contains(&page), "a sender lists the account it alerted on");
    let asked = one.get(&page).await.text();
    assert!(asked.contains("Your answer") && asked.contains("Salary account of a verified employer"), "{asked}");
    let p = one.post(&page, &[("form", "answer"), ("decision", "maybe")]).await;
    assert_eq!(p.status, 422);
    let p =
        one.post(&page, &[("form", "answer"), ("decision", "withdraw"), ("reason", "Complaint withdrawn by S1")]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    assert!(one.get(&location(&p)).await.text().contains("Your answer was recorded"));

    // The second sender reads the count, never the first sender's name or words.
    let two = Browser::sign_in(&app, &s2.admin_email).await;
    let theirs = two.get(&page).await.text();
    assert!(theirs.contains("1 withdrawn") && theirs.contains("Your answer"), "{theirs}");
    assert!(!theirs.contains("Complaint withdrawn by S1") && !theirs.contains("Sender One"), "{theirs}");
    // The holder and the police read every answer.
    for who in [&h, &Browser::sign_in(&app, &police.admin_email).await] {
        let all = who.get(&page).await.text();
        assert!(all.contains("Complaint withdrawn by S1") && all.contains("Sender One"), "{all}");
    }
    // A bank on none of its alerts: not listed, 404, and nothing it sends is recorded.
    let u = Browser::sign_in(&app, &uninvolved.admin_email).await;
    assert!(!u.get("/console/mules").await.text().contains(&account));
    assert_eq!(u.get(&page).await.status, 404);
    assert_eq!(u.post(&page, &[("form", "answer"), ("decision", "confirm")]).await.status, 404);
    assert_eq!(u.post(&page, &[("form", "contest"), ("reason", "mine")]).await.status, 404);
}
