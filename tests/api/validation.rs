//! The legal safeguards of data requests, tried as a caller who wants around them: the
//! validation policy (type, categories and identifiers together; the domestic and the EU
//! e-Evidence tables), the named validator and what it reads, the emergency path with its
//! 48 hours and the seal of an ex-post refusal, and a pending request kept from its addressee.

use serde_json::{json, Value};

use crate::support::receiver::{free_port, Receiver};
use crate::support::{Org, TestApp};

async fn org_in(app: &TestApp, kind: &str, name: &str, country: &str) -> Org {
    app.org_with(json!({
        "name": name, "kind": kind, "country": country,
        "contact": {"name": "Duty desk", "email": "desk@example.org", "phone": "+4930123456"},
    }))
    .await
}

/// A request of `kind` for `categories` to `addressee`, naming `validator` if any. Its
/// identifier is an IP address with the time it was used.
fn request(addressee: &Org, kind: &str, categories: &[&str], urgency: &str, validator: Option<&Org>) -> Value {
    json!({
        "type": kind, "addressee_id": addressee.id, "case_reference": "PK-2026-1142",
        "legal_basis": {"provision": "CPC art. 123; Budapest Convention art. 18", "text": "Order of 2026-11-20"},
        "data_categories": categories, "urgency": urgency,
        "justification": "Ongoing extortion with a threat to publish images of a minor unless paid today.",
        "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}],
        "validator_id": validator.map(|v| v.id.clone()),
    })
}

fn field_errors(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect()
}

fn path(r: &Value) -> String {
    format!("/api/v1/requests/{}", r["id"].as_str().unwrap())
}

async fn items(app: &TestApp, auth: &str, path: &str) -> Vec<Value> {
    app.get_as(auth, path).await.ok(200)["items"].as_array().unwrap().clone()
}

async fn decide(app: &TestApp, auth: &str, r: &Value, decision: &str) -> crate::support::TestResponse {
    let body = json!({"decision": decision, "note": "Checked against the file of case PK-2026-1142"});
    app.post_as(auth, &format!("{}/validate", path(r)), &body).await
}

#[actix_rt::test]
async fn a_category_beyond_its_type_is_refused_naming_both_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    // The old way around the prosecutor: content data declared as subscriber data.
    for (kind, categories, wrong) in [
        ("content_data", vec!["subscriber"], "subscriber"),
        ("subscriber_info", vec!["subscriber", "traffic"], "traffic"),
        ("account_info", vec!["content"], "content"),
    ] {
        let p = app
            .post_as(&police.admin, "/api/v1/requests", &request(&isp, kind, &categories, "routine", None))
            .await
            .problem(422);
        let errors = field_errors(&p);
        let (field, message) = errors.iter().find(|(f, _)| f.starts_with("data_categories")).expect("names the field");
        assert_eq!(field, &format!("data_categories[{}]", categories.iter().position(|c| *c == wrong).unwrap()));
        assert!(message.contains(kind) && message.contains(wrong), "{message}");
    }
    // A type goes to the kind of organisation that holds its data: no bank type to an ISP.
    let bank = app.org("bank", "Bank One").await;
    for (to, kind, categories) in [
        (&isp, "transaction_history", vec!["transaction"]),
        (&isp, "account_info", vec!["subscriber"]),
        (&bank, "subscriber_info", vec!["subscriber"]),
        (&bank, "traffic_data", vec!["traffic"]),
    ] {
        let p = app
            .post_as(&police.admin, "/api/v1/requests", &request(to, kind, &categories, "routine", None))
            .await
            .problem(422);
        assert!(field_errors(&p).iter().any(|(f, m)| f == "addressee_id" && m.contains(kind)), "{kind}: {p}");
    }
    // Text with a NUL character or a control character is a 422 naming the field, not a 500.
    let mut b = request(&isp, "subscriber_info", &["subscriber"], "routine", None);
    b["case_reference"] = json!("PK-2026\u{0}-1142");
    let p = app.post_as(&police.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, _)| f == "case_reference"), "{p}");
    assert!(items(&app, &police.admin, "/api/v1/requests").await.is_empty());
    assert!(items(&app, &isp.admin, "/api/v1/events").await.is_empty());
    app.get_as(&police.admin, "/api/v1/requests?expiring_within=100000000d").await.problem(422);
}

#[actix_rt::test]
async fn an_ip_address_with_its_time_is_identification_data_whatever_the_body_says() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let bank = app.org("bank", "Bank One").await;
    let r = app
        .post_as(&police.admin, "/api/v1/requests", &request(&isp, "subscriber_info", &["subscriber"], "routine", None))
        .await
        .ok(201);
    assert_eq!(r["data_categories"], json!(["subscriber", "ip_identification"]));
    // So is a URL whose host is an IP address.
    let mut b = request(&isp, "subscriber_info", &["subscriber"], "routine", None);
    b["identifiers"] = json!([{"type": "url", "value": "http://192.0.2.10/panel/login"}]);
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(r["data_categories"], json!(["subscriber", "ip_identification"]));
    // Across EU member states, that is what makes a subscriber request need a validator.
    let de_police = org_in(&app, "law_enforcement", "Bundeskriminalamt", "DE").await;
    let fr_isp = org_in(&app, "isp", "FAI France", "FR").await;
    let p = app
        .post_as(
            &de_police.admin,
            "/api/v1/requests",
            &request(&fr_isp, "subscriber_info", &["subscriber"], "routine", None),
        )
        .await
        .problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("eu-e-evidence")), "{p}");
    // A bank is not asked who used an IP address.
    let mut b = request(&bank, "account_info", &["subscriber"], "routine", None);
    b["identifiers"] = json!([{"type": "iban", "value": crate::support::iban_xk(4)},
                              {"type": "ipv4", "value": "192.0.2.10", "observed_at": "2026-11-20T10:15:00+01:00"}]);
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(r["data_categories"], json!(["subscriber"]));
}

#[actix_rt::test]
async fn a_police_content_request_waits_for_its_validator_under_each_table() {
    let app = TestApp::spawn().await;
    // Domestic (XK): a prosecutor.
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let court = app.org("court", "Basic Court").await;
    let isp = app.org("isp", "ISP One").await;
    for categories in [vec!["content"], vec![]] {
        let b = request(&isp, "content_data", &categories, "routine", None);
        let p = app.post_as(&police.admin, "/api/v1/requests", &b).await.problem(422);
        assert!(field_errors(&p).iter().any(|(f, _)| f == "validator_id"), "{p}");
    }
    let p = app
        .post_as(
            &police.admin,
            "/api/v1/requests",
            &request(&isp, "content_data", &["content"], "routine", Some(&court)),
        )
        .await
        .problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("not a court")), "{p}");
    let r = app
        .post_as(
            &police.admin,
            "/api/v1/requests",
            &request(&isp, "content_data", &["content"], "routine", Some(&prosecutor)),
        )
        .await
        .ok(201);
    assert_eq!(
        (r["status"].as_str(), r["validation_table"].as_str()),
        (Some("pending_validation"), Some("domestic:XK"))
    );
    // EU (DE -> FR): a judge, whoever issues; a prosecutor will not do.
    let de_police = org_in(&app, "law_enforcement", "Bundeskriminalamt", "DE").await;
    let de_prosecutor = org_in(&app, "prosecution", "Staatsanwaltschaft Berlin", "DE").await;
    let de_court = org_in(&app, "court", "Amtsgericht Tiergarten", "DE").await;
    let fr_isp = org_in(&app, "isp", "FAI France", "FR").await;
    let b = request(&fr_isp, "content_data", &["content"], "routine", Some(&de_prosecutor));
    let p = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("eu-e-evidence")), "{p}");
    // A judge of another country is not the issuer's judge.
    let b = request(&fr_isp, "content_data", &["content"], "routine", Some(&court));
    let p = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("DE")), "{p}");
    let b = request(&fr_isp, "content_data", &["content"], "routine", Some(&de_court));
    let r = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(
        (r["status"].as_str(), r["validation_table"].as_str()),
        (Some("pending_validation"), Some("eu-e-evidence"))
    );
    // Art. 4(5): an emergency content request still waits for its judge ...
    let b = request(&fr_isp, "content_data", &["content"], "emergency", Some(&de_court));
    let r = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(r["status"], "pending_validation");
    assert_eq!(r["validation_due_at"], Value::Null);
    // ... while an emergency subscriber request goes out at once, to be validated in 48 hours.
    let b = request(&fr_isp, "subscriber_info", &["subscriber"], "emergency", Some(&de_prosecutor));
    let r = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(r["status"], "submitted");
    assert!(r["validation_due_at"].is_string());
    let received = items(&app, &fr_isp.admin, "/api/v1/requests").await;
    assert_eq!(received.len(), 1, "only the emergency subscriber request reached the provider");
    assert_eq!(received[0]["type"], "subscriber_info");
}

#[actix_rt::test]
async fn under_the_eu_table_a_prosecutors_traffic_request_waits_for_a_judge() {
    let app = TestApp::spawn().await;
    let de_prosecutor = org_in(&app, "prosecution", "Staatsanwaltschaft Berlin", "DE").await;
    let de_court = org_in(&app, "court", "Amtsgericht Tiergarten", "DE").await;
    let fr_isp = org_in(&app, "isp", "FAI France", "FR").await;
    let b = request(&fr_isp, "traffic_data", &["traffic"], "urgent", None);
    let p = app.post_as(&de_prosecutor.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("court")), "{p}");
    let b = request(&fr_isp, "traffic_data", &["traffic"], "urgent", Some(&de_court));
    let r = app.post_as(&de_prosecutor.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(r["status"], "pending_validation");
    app.get_as(&fr_isp.admin, &path(&r)).await.problem(404);
    // A prosecutor issuing at home needs nobody for the same request.
    let de_isp = org_in(&app, "isp", "Telekom", "DE").await;
    let b = request(&de_isp, "traffic_data", &["traffic"], "urgent", None);
    assert_eq!(app.post_as(&de_prosecutor.admin, "/api/v1/requests", &b).await.ok(201)["status"], "submitted");
    // The judge decides; then the provider has it.
    assert_eq!(decide(&app, &de_court.admin, &r, "approve").await.ok(200)["status"], "submitted");
    app.get_as(&fr_isp.admin, &path(&r)).await.ok(200);
}

#[actix_rt::test]
async fn a_bank_addressee_is_never_under_the_eu_table() {
    let app = TestApp::spawn().await;
    let de_police = org_in(&app, "law_enforcement", "Bundeskriminalamt", "DE").await;
    let fr_bank = org_in(&app, "bank", "Banque de Test", "FR").await;
    for (kind, categories) in [("account_info", ["subscriber"]), ("transaction_history", ["transaction"])] {
        let mut b = request(&fr_bank, kind, &categories, "routine", None);
        b["identifiers"] = json!([{"type": "iban", "value": "FR14 2004 1010 0505 0001 3M02 606"}]);
        let r = app.post_as(&de_police.admin, "/api/v1/requests", &b).await.ok(201);
        assert_eq!(
            (r["status"].as_str(), r["validation_table"].as_str()),
            (Some("submitted"), Some("domestic:DE")),
            "{kind}"
        );
    }
}

#[actix_rt::test]
async fn only_the_named_validator_sees_a_request_and_a_court_never_reads_answers() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let named = app.org("prosecution", "Named Prosecutor").await;
    let other_prosecutor = app.org("prosecution", "Other Prosecutor").await;
    let court = app.org("court", "Basic Court").await;
    let isp = app.org("isp", "ISP One").await;
    let b = request(&isp, "traffic_data", &["traffic"], "emergency", Some(&named));
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    app.get_as(&named.admin, &path(&r)).await.ok(200);
    for outsider in [&other_prosecutor, &court] {
        app.get_as(&outsider.admin, &path(&r)).await.problem(404);
        assert!(items(&app, &outsider.admin, "/api/v1/requests").await.is_empty());
        decide(&app, &outsider.admin, &r, "reject").await.problem(404);
        app.get_as(&outsider.admin, &format!("{}/messages", path(&r))).await.problem(404);
        app.get_as(&outsider.admin, &format!("{}/responses", path(&r))).await.problem(404);
    }
    // Out first, the request has two parties besides the issuer: it says whom it writes to.
    let messages = format!("{}/messages", path(&r));
    let to_validator = json!({"body": "The threat came from this line at 02:10.", "to": named.id});
    app.post_as(&police.admin, &messages, &to_validator).await.ok(201);
    assert_eq!(items(&app, &named.admin, &messages).await.len(), 1);
    assert!(items(&app, &isp.admin, &messages).await.is_empty(), "the addressee does not read it");
    let p = app.post_as(&police.admin, &messages, &json!({"body": "x", "to": other_prosecutor.id})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "to");
    // An API key of the named office cannot decide: a person does.
    let (key, _) = app.api_key(&named, &["requests:read", "requests:write"]).await;
    decide(&app, &key, &r, "approve").await.problem(403);
    let refused = items(&app, &other_prosecutor.admin, "/api/v1/audit?action=request.validate").await;
    assert!(refused.iter().any(|a| a["outcome"] == "denied"), "the outsiders' attempts are audited: {refused:?}");
    // The domestic prosecutor directs the case and reads the answers.
    answer(&app, &isp, &r).await;
    let seen = app.get_as(&named.admin, &path(&r)).await.ok(200);
    assert_eq!(seen["responses"].as_array().unwrap().len(), 1);
    assert_eq!(items(&app, &named.admin, &format!("{}/responses", path(&r))).await.len(), 1);
    // A court validates across the EU and never reads answers.
    let de_police = org_in(&app, "law_enforcement", "Bundeskriminalamt", "DE").await;
    let de_court = org_in(&app, "court", "Amtsgericht Tiergarten", "DE").await;
    let fr_isp = org_in(&app, "isp", "FAI France", "FR").await;
    let r = app
        .post_as(
            &de_police.admin,
            "/api/v1/requests",
            &request(&fr_isp, "content_data", &["content"], "urgent", Some(&de_court)),
        )
        .await
        .ok(201);
    decide(&app, &de_court.admin, &r, "approve").await.ok(200);
    let attachment = answer(&app, &fr_isp, &r).await;
    let seen = app.get_as(&de_court.admin, &path(&r)).await.ok(200);
    assert_eq!(seen["responses"], json!([]));
    app.get_as(&de_court.admin, &format!("{}/responses", path(&r))).await.problem(404);
    app.get_as(&de_court.admin, &format!("{}/attachments/{attachment}", path(&r))).await.problem(404);
    assert_eq!(items(&app, &de_police.admin, &format!("{}/responses", path(&r))).await.len(), 1);
}

/// The addressee acknowledges, answers with one record and one file, and fulfils; the file's id.
async fn answer(app: &TestApp, isp: &Org, r: &Value) -> String {
    let transitions = format!("{}/transitions", path(r));
    app.post_as(&isp.admin, &transitions, &json!({"to": "acknowledged"})).await.ok(200);
    let boundary = "validation-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"records\"\r\n\r\n[{{\"session\": \"192.0.2.10\"}}]\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"log.txt\"\r\n\r\nsession log\r\n--{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let answered = app
        .send_raw(
            awc::http::Method::POST,
            &format!("{}/responses", path(r)),
            &[("Authorization", &isp.admin), ("content-type", &ct)],
            body.into_bytes(),
        )
        .await
        .ok(201);
    app.post_as(&isp.admin, &transitions, &json!({"to": "fulfilled"})).await.ok(200);
    answered["responses"][0]["attachments"][0]["id"].as_str().unwrap().to_string()
}

async fn events(app: &TestApp, auth: &str, kind: &str) -> Vec<Value> {
    items(app, auth, &format!("/api/v1/events?types={kind}&limit=500")).await
}

#[actix_rt::test]
async fn the_48_hour_notices_fire_once_each_to_issuer_and_validator() {
    use cyberbridge::requests::scheduler::run_once;
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let b = request(&isp, "traffic_data", &["traffic"], "emergency", Some(&prosecutor));
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    let id = r["id"].as_str().unwrap();
    let mut conn = app.db.connect().await;
    run_once(&mut conn).await.unwrap();
    assert!(events(&app, &police.admin, "request.validation_due").await.is_empty(), "not before 75 % of 48 hours");
    // 37 of the 48 hours gone.
    let due = format!("UPDATE data_requests SET validation_due_at = now() + interval '11 hours' WHERE id = '{id}'");
    crate::support::exec(&mut conn, &due).await;
    run_once(&mut conn).await.unwrap();
    run_once(&mut conn).await.unwrap();
    for org in [&police, &prosecutor] {
        let due = events(&app, &org.admin, "request.validation_due").await;
        assert_eq!(due.len(), 1, "once, however often the scheduler runs");
        assert_eq!(due[0]["data"]["request_id"], id);
        assert!(events(&app, &org.admin, "request.validation_overdue").await.is_empty());
    }
    let overdue = format!("UPDATE data_requests SET validation_due_at = now() - interval '1 minute' WHERE id = '{id}'");
    crate::support::exec(&mut conn, &overdue).await;
    run_once(&mut conn).await.unwrap();
    run_once(&mut conn).await.unwrap();
    for org in [&police, &prosecutor] {
        assert_eq!(events(&app, &org.admin, "request.validation_overdue").await.len(), 1);
        assert_eq!(events(&app, &org.admin, "request.validation_due").await.len(), 1);
    }
    assert!(events(&app, &isp.admin, "request.validation_due,request.validation_overdue").await.is_empty());
    assert_eq!(app.get_as(&police.admin, &path(&r)).await.ok(200)["validation_overdue"], true);
    // Validated late: no more notices.
    decide(&app, &prosecutor.admin, &r, "approve").await.ok(200);
    crate::support::exec(&mut conn, &format!("UPDATE data_requests SET notices_sent = '{{}}' WHERE id = '{id}'")).await;
    run_once(&mut conn).await.unwrap();
    assert_eq!(events(&app, &police.admin, "request.validation_overdue").await.len(), 1);
}

#[actix_rt::test]
async fn an_ex_post_refusal_after_fulfilment_seals_the_answers_and_tells_the_addressee() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let b = request(&isp, "content_data", &["content"], "emergency", Some(&prosecutor));
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    let attachment = answer(&app, &isp, &r).await;
    let download = format!("{}/attachments/{attachment}", path(&r));
    assert_eq!(app.get_as(&police.admin, &download).await.status, 200);
    // Two decisions at once: one wins.
    let (a, b) = futures_util::future::join(
        decide(&app, &prosecutor.admin, &r, "reject"),
        decide(&app, &prosecutor.admin, &r, "reject"),
    )
    .await;
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let sealed = app.get_as(&police.admin, &path(&r)).await.ok(200);
    assert_eq!(sealed["status"], "fulfilled", "the answered request is not reopened");
    assert!(sealed["sealed_at"].is_string());
    assert!(sealed["seal_reason"].as_str().unwrap().contains("validation refused"));
    assert_eq!(sealed["responses"], json!([]));
    let last = sealed["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["note"].as_str().unwrap().starts_with("validation refused"), "{last}");
    for who in [&police, &isp, &prosecutor] {
        let p = app.get_as(&who.admin, &download).await.problem(410);
        assert!(p["detail"].as_str().unwrap().contains("sealed"), "{p}");
        app.get_as(&who.admin, &format!("{}/responses", path(&r))).await.problem(410);
    }
    let told = events(&app, &isp.admin, "request.sealed").await;
    assert_eq!(told.len(), 1);
    assert!(told[0]["data"]["instruction"].as_str().unwrap().contains("delete or restrict"));
    let audit = items(&app, &prosecutor.admin, "/api/v1/audit?action=request.validate").await;
    assert!(audit.iter().any(|a| a["details"]["sealed"] == true), "the refusal is audited");
    // The validator's reasons went to the issuer alone.
    let told: Vec<Value> = items(&app, &police.admin, &format!("{}/messages", path(&r))).await;
    assert!(told.iter().any(|m| m["body"].as_str().unwrap().contains("Checked against the file")), "{told:?}");
    assert!(!app.get_as(&isp.admin, &path(&r)).await.text().contains("Checked against the file"));
    // A refused preservation is not kept alive by extending it.
    let b = request(&isp, "preservation", &["traffic"], "emergency", Some(&prosecutor));
    let kept = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    app.post_as(&isp.admin, &format!("{}/transitions", path(&kept)), &json!({"to": "acknowledged"})).await.ok(200);
    assert_eq!(decide(&app, &prosecutor.admin, &kept, "reject").await.ok(200)["status"], "withdrawn");
    app.post_as(&police.admin, &format!("{}/extend", path(&kept)), &json!({})).await.problem(409);
}

#[actix_rt::test]
async fn nothing_of_a_pending_request_reaches_the_addressee() {
    let app = TestApp::spawn_with(|c| {
        c.allow_http_webhooks = true;
        c.webhook_retry_base_ms = 100;
    })
    .await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let receiver = Receiver::start(free_port(), 0);
    let hook =
        json!({"url": receiver.url, "event_types": ["request.received", "request.message", "request.status_changed"]});
    app.post_as(&isp.admin, "/api/v1/webhooks", &hook).await.ok(201);
    let b = request(&isp, "traffic_data", &["traffic"], "routine", Some(&prosecutor));
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    let messages = format!("{}/messages", path(&r));
    app.post_as(&police.admin, &messages, &json!({"body": "The suspect uses this line at night only."})).await.ok(201);
    app.post_as(&prosecutor.admin, &messages, &json!({"body": "Then narrow the period to nights."})).await.ok(201);
    app.post_as(&isp.admin, &messages, &json!({"body": "hello?"})).await.problem(404);
    assert_eq!(items(&app, &prosecutor.admin, &messages).await.len(), 2, "issuer and validator talk");
    assert_eq!(events(&app, &prosecutor.admin, "request.message").await.len(), 1);
    // The addressee: no list entry, no read, no count, no event.
    app.get_as(&isp.admin, &path(&r)).await.problem(404);
    assert!(items(&app, &isp.admin, "/api/v1/requests").await.is_empty());
    let stats = app.get_as(&isp.admin, "/api/v1/statistics/requests").await.ok(200);
    assert_eq!((stats["by_type"].clone(), stats["by_status"].clone()), (json!([]), json!([])), "{stats}");
    assert!(items(&app, &isp.admin, "/api/v1/events").await.is_empty());
    assert_eq!(events(&app, &prosecutor.admin, "request.validation_requested").await.len(), 1);
    // Validated: the addressee receives it, and only from then on; the validator's reasons stay
    // with the issuer.
    decide(&app, &prosecutor.admin, &r, "approve").await.ok(200);
    let seen = app.get_as(&isp.admin, &path(&r)).await;
    assert_eq!(seen.status, 200);
    assert!(!seen.text().contains("Checked against the file"), "{}", seen.text());
    let feed: Vec<String> = items(&app, &isp.admin, "/api/v1/events")
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert!(!feed.contains(&"request.message".to_string()), "{feed:?}");
    assert!(items(&app, &isp.admin, &messages).await.is_empty(), "what issuer and validator said stays theirs");
    // The webhook got what the feed has: nothing from before the validation.
    let got = receiver.wait_for(feed.len()).await;
    let mut delivered: Vec<String> = got
        .iter()
        .map(|d| serde_json::from_slice::<Value>(&d.body).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    let mut expected = feed.clone();
    delivered.sort();
    expected.sort();
    assert_eq!(delivered, expected);
    assert_eq!(expected, ["request.received", "request.status_changed"]);
}

#[actix_rt::test]
async fn a_country_table_from_the_tables_file_decides_and_cannot_be_got_around() {
    let dir = std::env::temp_dir().join(format!("cb-validation-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tables.json");
    std::fs::write(
        &file,
        r#"{"countries": {"AL": {"name": "albania-2026", "rules": [
            {"categories": ["traffic"], "validators": ["prosecution", "court"], "emergency_first": true},
            {"categories": ["content"], "validators": ["court"], "emergency_first": false}]}}}"#,
    )
    .unwrap();
    let app = TestApp::spawn_with(|c| c.validation_tables = Some(file.clone())).await;
    let prosecutor = org_in(&app, "prosecution", "Prokuroria", "AL").await;
    let court = org_in(&app, "court", "Gjykata", "AL").await;
    let isp = org_in(&app, "isp", "ISP Tirana", "AL").await;
    // A prosecutor's traffic request needs a validator under this table: not itself.
    let b = request(&isp, "traffic_data", &["traffic"], "routine", Some(&prosecutor));
    let p = app.post_as(&prosecutor.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, m)| f == "validator_id" && m.contains("its own")), "{p}");
    let r = app
        .post_as(
            &prosecutor.admin,
            "/api/v1/requests",
            &request(&isp, "traffic_data", &["traffic"], "routine", Some(&court)),
        )
        .await
        .ok(201);
    assert_eq!(
        (r["status"].as_str(), r["validation_table"].as_str()),
        (Some("pending_validation"), Some("albania-2026:AL"))
    );
    // A preservation for both categories, whose rules no single validator satisfies, is refused
    // rather than sent unvalidated.
    let b = request(&isp, "preservation", &["traffic", "content"], "routine", Some(&court));
    let both = app.post_as(&prosecutor.admin, "/api/v1/requests", &b).await;
    assert_eq!(both.status, 201, "court satisfies both: {}", both.text());
    std::fs::write(
        &file,
        r#"{"countries": {"AL": {"rules": [{"categories": ["traffic"], "validators": ["prosecution"], "emergency_first": true},
            {"categories": ["content"], "validators": ["court"], "emergency_first": true}]}}}"#,
    )
    .unwrap();
    let other = dir.join("conflict.json");
    std::fs::rename(&file, &other).unwrap();
    let app = TestApp::spawn_with(|c| c.validation_tables = Some(other.clone())).await;
    let police = org_in(&app, "law_enforcement", "Policia", "AL").await;
    let isp = org_in(&app, "isp", "ISP Tirana", "AL").await;
    let b = request(&isp, "preservation", &["traffic", "content"], "routine", None);
    let p = app.post_as(&police.admin, "/api/v1/requests", &b).await.problem(422);
    assert!(field_errors(&p).iter().any(|(f, _)| f == "data_categories"), "{p}");
    assert!(items(&app, &isp.admin, "/api/v1/events").await.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[actix_rt::test]
async fn a_validated_order_carries_the_signed_decision_and_the_validation_it_went_out_under() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let b = request(&isp, "traffic_data", &["traffic"], "routine", Some(&prosecutor));
    let r = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    let docs = format!("{}/signed-documents", path(&r));
    // Nothing is signed, and nothing reaches the ISP, before the decision.
    assert_eq!(app.get_as(&police.admin, &docs).await.ok(200)["items"], json!([]));
    app.get_as(&isp.admin, &docs).await.problem(404);
    decide(&app, &prosecutor.admin, &r, "approve").await.ok(200);
    let seen = app.get_as(&isp.admin, &docs).await.ok(200);
    let kinds: Vec<&str> = seen["items"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["validation", "order"]);
    let decision: Value = serde_json::from_str(seen["items"][0]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(decision["decision"], "approve");
    assert_eq!(decision["validator"]["organization_id"], prosecutor.id.as_str());
    assert!(decision.get("note").is_none(), "the validator's reasons go to the issuer alone");
    let order: Value = serde_json::from_str(seen["items"][1]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(order["validation"]["validated_by"], prosecutor.id.as_str());
    assert_eq!(order["validation"]["table"], "domestic:XK");
}
