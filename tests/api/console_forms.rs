//! The console's request form and what it carries: the form offers what the addressee answers
//! and says, before sending, who validates and when the deadline falls (the rules
//! `requests::service::issue` applies); the current case of a browser session fills the form
//! and narrows the issued box; times are shown, and read, in the person's zone.

use serde_json::json;

use crate::console::{location, Browser};
use crate::support::TestApp;

/// The `<option>`s of a `<select>` on a page: (value, selected).
fn options(html: &str, id: &str) -> Vec<(String, bool)> {
    let start = html.find(&format!("<select id=\"{id}\"")).unwrap_or_else(|| panic!("no select #{id}"));
    let select = &html[start..start + html[start..].find("</select>").unwrap()];
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| (o.split('"').next().unwrap().to_string(), o.split('>').next().unwrap().contains("selected")))
        .filter(|(v, _)| !v.is_empty())
        .collect()
}

fn values(opts: &[(String, bool)]) -> Vec<&str> {
    opts.iter().map(|(v, _)| v.as_str()).collect()
}

#[actix_rt::test]
async fn the_request_form_offers_what_the_addressee_answers_and_says_who_validates_and_when() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecution = app.org("prosecution", "Prosecution Office").await;
    let court = app.org("court", "Basic Court").await;
    let foreign = app
        .org_with(json!({"name": "Foreign Prosecution", "kind": "prosecution", "country": "AL",
            "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+355691112223"}}))
        .await;
    let isp = app.org("isp", "ISP One").await;
    let bank = app.org("bank", "Bank One").await;
    // The ISP declares that it cannot answer content-data requests.
    let catalogue = json!({"request_types": [
            {"type": "subscriber_info", "supported": true, "data_held": ["subscriber"], "retention": "12 months"},
            {"type": "content_data", "supported": false}],
        "emergency_contact": {"name": "NOC 24/7", "email": "noc@isp.example", "phone": "+38344999000"}});
    let path = format!("/api/v1/organizations/{}/capabilities", isp.id);
    app.call(awc::http::Method::PUT, &path, &isp.admin, Some(&catalogue)).await.ok(200);
    let officer = Browser::sign_in(&app, &police.admin_email).await;

    // An empty form: every type, every prosecution office and court, nothing decided yet.
    let empty = officer.get("/console/requests/new").await.text();
    assert!(empty.contains("Choose the addressee and the type"), "{empty}");
    assert!(values(&options(&empty, "type")).contains(&"content_data"));
    let offered = values(&options(&empty, "validator")).iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for org in [&prosecution.id, &court.id, &foreign.id] {
        assert!(offered.contains(org), "{org} offered before the table decides");
    }

    // The ISP: its types only, less what it declared it cannot answer; its catalogue beside.
    let page = officer.get(&format!("/console/requests/new?addressee_id={}", isp.id)).await.text();
    let types = options(&page, "type");
    assert!(values(&types).contains(&"traffic_data") && values(&types).contains(&"preservation"));
    assert!(!values(&types).contains(&"content_data"), "declared unsupported");
    assert!(!values(&types).contains(&"account_info"), "a bank's type");
    assert!(page.contains("NOC 24/7") && page.contains("12 months"), "the catalogue beside the form");
    // The first type it answers is outlined: subscriber data needs no validation; the deadline shows.
    assert_eq!(types.iter().find(|(_, on)| *on).map(|t| t.0.as_str()), Some("subscriber_info"));
    assert!(page.contains("needs no validation") && page.contains("ISP One must answer by"), "{page}");
    assert!(page.contains("Validated by (prosecution or court)</strong>: none needed"), "{page}");

    // Traffic data: a prosecutor of the officer's country validates (suggested, the only one);
    // the court and a foreign prosecutor are not offered; the deadline runs from the validation.
    let officer = &officer;
    let check = |fields: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = officer.post("/console/requests/new", &pairs).await;
        assert_eq!(p.status, 200, "{}", p.text());
        p.text()
    };
    let traffic = check(vec![
        ("addressee_id", isp.id.clone()),
        ("type", "traffic_data".into()),
        ("data_categories", "traffic".into()),
        ("urgency", "routine".into()),
    ])
    .await;
    assert!(traffic.contains("a prosecution validates this request"), "{traffic}");
    assert!(traffic.contains("The validator also reads the answers"));
    assert!(traffic.contains("ISP One will have 10 days to answer"), "{traffic}");
    assert_eq!(options(&traffic, "validator"), vec![(prosecution.id.clone(), true)]);
    let categories = traffic.split("id=\"categories-field\"").nth(1).unwrap().split("</fieldset>").next().unwrap();
    assert!(categories.contains("value=\"traffic\"") && !categories.contains("value=\"content\""));
    // As an emergency it goes out at once, and the validation is due within 48 hours.
    let emergency = check(vec![
        ("addressee_id", isp.id.clone()),
        ("type", "traffic_data".into()),
        ("data_categories", "traffic".into()),
        ("urgency", "emergency".into()),
    ])
    .await;
    assert!(emergency.contains("it goes out at once; the validation is due by"), "{emergency}");
    assert!(emergency.contains("ISP One must answer by"));
    // The bank: its types only.
    let page = officer.get(&format!("/console/requests/new?addressee_id={}", bank.id)).await.text();
    let types = values(&options(&page, "type")).iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(types.contains(&"account_info".to_string()) && !types.contains(&"traffic_data".to_string()));
    assert!(page.contains("has not published a catalogue"));

    // Switching from the ISP's traffic request to the bank keeps no traffic tick behind: the
    // outline is of what the form shows (an account request: no validation).
    let switched = check(vec![
        ("addressee_id", bank.id.clone()),
        ("type", "traffic_data".into()),
        ("data_categories", "traffic".into()),
        ("categories_for", "traffic_data".into()),
    ])
    .await;
    assert!(switched.contains("needs no validation"), "{switched}");
    assert!(switched.contains("Validated by (prosecution or court)</strong>: none needed"));

    // A financial intelligence unit issues freezes only: the form offers that type alone.
    let fiu = app.org("fiu", "FIU").await;
    let analyst = Browser::sign_in(&app, &fiu.admin_email).await;
    let page = analyst.get("/console/requests/new").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(values(&options(&page.text(), "type")), vec!["freeze_funds"]);
    let page = analyst.get(&format!("/console/requests/new?addressee_id={}", bank.id)).await.text();
    assert_eq!(values(&options(&page, "type")), vec!["freeze_funds"]);
    assert!(page.contains("Bank One must answer by") || page.contains("Bank One will have"), "{page}");

    // Neither the form nor its check is for those who do not issue requests.
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    assert_eq!(desk.get("/console/requests/new").await.status, 403);
    assert_eq!(desk.post("/console/requests/new", &[("addressee_id", &bank.id)]).await.status, 403);
    // Nothing was written by checking.
    assert_eq!(app.count("SELECT count(*) AS n FROM data_requests").await, 0);
}

#[actix_rt::test]
async fn the_current_case_belongs_to_the_browser_session_and_fills_the_form_and_the_box() {
    // The public sector owes a purpose for its searches (the production default).
    let app = TestApp::spawn_with(|c| c.purpose_required = "law_enforcement,prosecution,court,fiu".into()).await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    // Two requests of two cases, issued by the API.
    for case in ["PK-2026-1", "PK-2026-2"] {
        let mut body = crate::requests::body(&isp, "subscriber_info", &["subscriber"], "routine");
        body["case_reference"] = json!(case);
        app.post_as(&police.admin, "/api/v1/requests", &body).await.ok(201);
    }
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    let page = officer.get("/console/requests").await.text();
    assert!(page.contains("No current case: searches will ask for a purpose."), "{page}");
    assert!(page.contains("PK-2026-1") && page.contains("PK-2026-2"));

    // Wrong choices are named; nothing is set.
    let p = officer.post("/console/case", &[("purpose", "standing_feed"), ("case_reference", "PK-2026-1")]).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("<strong>Purpose</strong>"), "{}", p.text());
    let p = officer.post("/console/case", &[("purpose", "criminal_investigation"), ("case_reference", "")]).await;
    assert_eq!(p.status, 422);
    let long = "X".repeat(101);
    let p = officer.post("/console/case", &[("purpose", "criminal_investigation"), ("case_reference", &long)]).await;
    assert_eq!(p.status, 422);
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions WHERE case_reference IS NOT NULL").await, 0);

    // Chosen, it goes back where the person was (only to a console page), and is audited.
    let p = officer
        .post(
            "/console/case",
            &[
                ("purpose", "criminal_investigation"),
                ("case_reference", "PK-2026-1"),
                ("next", "/console/requests/new"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    assert_eq!(location(&p), "/console/requests/new");
    let audited = "SELECT count(*) AS n FROM audit_events WHERE action = 'user.preferences' \
                   AND details->'current_case'->>'case_reference' = 'PK-2026-1'";
    assert_eq!(app.count(audited).await, 1);
    let p = officer
        .post(
            "/console/case",
            &[
                ("purpose", "criminal_investigation"),
                ("case_reference", "PK-2026-1"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&p), "/console/requests");
    // The header names it; the form carries it; the issued box shows its requests, and all on asking.
    let form = officer.get("/console/requests/new").await.text();
    assert!(form.contains("<strong>PK-2026-1</strong> · Criminal investigation"), "{form}");
    assert!(form.contains("name=\"case_reference\" type=\"text\" value=\"PK-2026-1\""), "{form}");
    let issued = officer.get("/console/requests").await.text();
    assert!(issued.contains("Showing the requests of case PK-2026-1."));
    assert!(issued.contains(">PK-2026-1<") && !issued.contains(">PK-2026-2<"), "{issued}");
    let all = officer.get("/console/requests?box=issued&all=1").await.text();
    assert!(all.contains(">PK-2026-1<") && all.contains(">PK-2026-2<"));

    // It is this browser's: another session of the same person has none, and another person's
    // pages never show it.
    let other = Browser::sign_in(&app, &police.admin_email).await;
    assert!(other.get("/console/requests").await.text().contains("No current case"));
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let inbox = desk.get("/console/requests").await.text();
    assert!(inbox.contains("No current case.") && !inbox.contains("Criminal investigation"));

    // Cleared, the header says so again.
    let p = officer.post("/console/case", &[("clear", "1")]).await;
    assert_eq!(p.status, 303);
    assert!(officer.get("/console/requests").await.text().contains("No current case"));
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions WHERE case_reference IS NOT NULL").await, 0);
}

#[actix_rt::test]
async fn times_are_shown_and_read_in_the_persons_zone() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    // The API: a zone by its IANA name, an unknown one named, back to the platform's with null.
    let set =
        app.patch_as(&police.admin, "/api/v1/me/preferences", &json!({"time_zone": "Europe/Tirane"})).await.ok(200);
    assert_eq!(set["time_zone"], "Europe/Tirane");
    let p = app.patch_as(&police.admin, "/api/v1/me/preferences", &json!({"time_zone": "Mars/Olympus"})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "time_zone");
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    // An observed time typed in Tirana in winter is an hour ahead of UTC.
    let key = uuid::Uuid::new_v4().to_string();
    let p = officer
        .post(
            "/console/requests",
            &[
                ("idempotency_key", &key),
                ("addressee_id", &isp.id),
                ("type", "subscriber_info"),
                ("case_reference", "PK-2026-5"),
                ("legal_provision", "CPC art. 123"),
                ("data_categories", "subscriber"),
                ("urgency", "routine"),
                ("identifier_type_0", "email"),
                ("identifier_value_0", "victim@example.org"),
                ("period_from", "2026-11-20T10:15"),
                ("period_to", "2026-11-21T10:15"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let id = location(&p).trim_start_matches("/console/requests/").split('?').next().unwrap().to_string();
    let r = app.get_as(&police.admin, &format!("/api/v1/requests/{id}")).await.ok(200);
    let from: chrono::DateTime<chrono::Utc> = r["period"]["from"].as_str().unwrap().parse().unwrap();
    assert_eq!(from.to_rfc3339(), "2026-11-20T09:15:00+00:00");
    // A time the clocks repeat is not guessed: the form says so and sends nothing.
    let twice = [
        ("addressee_id", isp.id.as_str()),
        ("type", "subscriber_info"),
        ("case_reference", "PK-2026-6"),
        ("legal_provision", "CPC art. 123"),
        ("data_categories", "subscriber"),
        ("identifier_type_0", "ipv4"),
        ("identifier_value_0", "192.0.2.7"),
        ("identifier_observed_0", "2026-10-25T02:30"),
    ];
    let p = officer.post("/console/requests", &twice).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("happens twice in your time zone"), "{}", p.text());
    assert_eq!(app.count("SELECT count(*) AS n FROM data_requests").await, 1);
    // Times on the pages carry the zone's name.
    let page = officer.get(&format!("/console/requests/{id}")).await.text();
    assert!(page.contains(" CET"), "{page}");
    let form = officer.get("/console/requests/new").await.text();
    assert!(form.contains("In your time zone (Europe/Tirane)."));
    // The account page offers the zones, the chosen one selected; a bad one is named.
    let account = officer.get("/console/account").await.text();
    assert!(options(&account, "zone").contains(&("Europe/Tirane".to_string(), true)));
    let p = officer.post("/console/account/preferences", &[("time_zone", "Mars/Olympus")]).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("Time zone: an IANA time zone"), "{}", p.text());
    let p = officer.post("/console/account/preferences", &[("time_zone", ""), ("notices", "on")]).await;
    assert_eq!(p.status, 303);
    assert!(officer.get(&format!("/console/requests/{id}")).await.text().contains(" UTC"));
}
