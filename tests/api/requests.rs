//! Data requests: validation of the request, the state machine, judicial validation,
//! deadlines, preservation, messages, capabilities and who sees what.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, Org, TestApp};

pub(crate) fn body(addressee: &Org, kind: &str, categories: &[&str], urgency: &str) -> Value {
    json!({
        "type": kind, "addressee_id": addressee.id, "case_reference": "PK-2026-1142",
        "legal_basis": {"provision": "CPC art. 123; Budapest Convention art. 18", "text": "Order of 2026-11-20"},
        "data_categories": categories, "urgency": urgency,
        "justification": "Ongoing extortion with a threat to publish images of a minor unless paid today.",
        "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}],
        "period": {"from": "2026-11-19T00:00:00+01:00", "to": "2026-11-21T00:00:00+01:00"},
        "no_customer_notification_until": "2027-06-01",
    })
}

/// A routine subscriber-information request from `issuer` to `addressee`, issued.
pub(crate) async fn issue(app: &TestApp, issuer: &Org, addressee: &Org) -> Value {
    let request = body(addressee, "subscriber_info", &["subscriber"], "routine");
    app.post_as(&issuer.admin, "/api/v1/requests", &request).await.ok(201)
}

pub(crate) async fn transition(app: &TestApp, auth: &str, req: &Value, to: &str) -> crate::support::TestResponse {
    app.post_as(auth, &format!("/api/v1/requests/{}/transitions", req["id"].as_str().unwrap()), &json!({"to": to}))
        .await
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[actix_rt::test]
async fn a_request_walks_from_issue_to_fulfilment_with_a_clarification() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = app
        .post_as(
            &police.admin,
            "/api/v1/requests",
            &body(&isp, "subscriber_info", &["subscriber", "ip_identification"], "routine"),
        )
        .await
        .ok(201);
    assert_eq!(req["status"], "submitted");
    assert!(req["reference"].as_str().unwrap().starts_with("REQ-"));
    assert_eq!(time(&req["deadline"]) - time(&req["received_at"]), Duration::days(10));
    assert_eq!(req["no_customer_notification_until"], "2027-06-01");
    for to in ["acknowledged", "in_progress", "clarification_requested"] {
        transition(&app, &isp.admin, &req, to).await.ok(200);
    }
    // Back to acknowledged: the issuer's move only.
    let p = transition(&app, &isp.admin, &req, "acknowledged").await.problem(409);
    assert_eq!(p["allowed_transitions"], json!([]), "{p}");
    transition(&app, &police.admin, &req, "acknowledged").await.ok(200);
    let done = transition(&app, &isp.admin, &req, "fulfilled").await.ok(200);
    let steps: Vec<&str> = done["history"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        ["submitted", "acknowledged", "in_progress", "clarification_requested", "acknowledged", "fulfilled"]
    );
    assert!(done["history"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["actor_organization_id"].is_string() && h["at"].is_string()));
    // Closed: nothing moves it, and the 409 says so.
    let p = transition(&app, &police.admin, &req, "withdrawn").await.problem(409);
    assert_eq!(p["allowed_transitions"], json!([]));
    // The addressee heard of it, the issuer of every change.
    let received = app.get_as(&isp.admin, "/api/v1/events?types=request.received").await.ok(200);
    assert_eq!(received["items"].as_array().unwrap().len(), 1);
    // The feed holds back events while an older transaction (of any database of the cluster) is
    // open: wait for the last one rather than read once.
    let mut changes = 0;
    for _ in 0..40 {
        let page = app.get_as(&police.admin, "/api/v1/events?types=request.status_changed").await.ok(200);
        changes = page["items"].as_array().unwrap().len();
        if changes >= 4 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(changes, 4);
}

#[actix_rt::test]
async fn invalid_moves_get_409_with_the_allowed_ones_and_rejections_need_a_reason() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = app
        .post_as(&police.admin, "/api/v1/requests", &body(&isp, "subscriber_info", &["subscriber"], "urgent"))
        .await
        .ok(201);
    let p = transition(&app, &isp.admin, &req, "fulfilled").await.problem(409);
    assert_eq!(p["allowed_transitions"], json!(["acknowledged", "rejected"]));
    let p = transition(&app, &police.admin, &req, "acknowledged").await.problem(409);
    assert_eq!(p["allowed_transitions"], json!(["withdrawn"]));
    let path = format!("/api/v1/requests/{}/transitions", req["id"].as_str().unwrap());
    let p = app.post_as(&isp.admin, &path, &json!({"to": "rejected"})).await.problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["reason_code", "note"]);
    let r = app
        .post_as(
            &isp.admin,
            &path,
            &json!({"to": "rejected", "reason_code": "data_not_held", "note": "Logs kept 3 days"}),
        )
        .await
        .ok(200);
    assert_eq!(r["history"].as_array().unwrap().last().unwrap()["reason_code"], "data_not_held");
    let req2 = app
        .post_as(&police.admin, "/api/v1/requests", &body(&isp, "subscriber_info", &["subscriber"], "urgent"))
        .await
        .ok(201);
    assert_eq!(time(&req2["deadline"]) - time(&req2["received_at"]), Duration::days(3));
    transition(&app, &police.admin, &req2, "withdrawn").await.ok(200);
}

#[actix_rt::test]
async fn traffic_data_waits_for_a_prosecutor_and_emergencies_go_out_at_once() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let mut b = body(&isp, "traffic_data", &["traffic"], "routine");
    let p = app.post_as(&police.admin, "/api/v1/requests", &b).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "validator_id", "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("prosecution"), "{p}");
    b["validator_id"] = json!(prosecutor.id);
    let req = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(req["status"], "pending_validation");
    assert_eq!(req["validator_id"], prosecutor.id.as_str());
    assert_eq!(req["validation_table"], "domestic:XK");
    assert_eq!(req["deadline"], Value::Null);
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    app.get_as(&isp.admin, &path).await.problem(404);
    assert!(app.get_as(&isp.admin, "/api/v1/requests").await.ok(200)["items"].as_array().unwrap().is_empty());
    // The police cannot validate their own request.
    app.post_as(&police.admin, &format!("{path}/validate"), &json!({"decision": "approve"})).await.problem(403);
    let pending = app.get_as(&prosecutor.admin, "/api/v1/requests?status=pending_validation").await.ok(200);
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let ok = app
        .post_as(
            &prosecutor.admin,
            &format!("{path}/validate"),
            &json!({"decision": "approve", "note": "Proportionate"}),
        )
        .await
        .ok(200);
    assert_eq!(ok["status"], "submitted");
    assert!(ok["validated_at"].is_string());
    app.get_as(&isp.admin, &path).await.ok(200);
    // Decided once: a second decision is refused, and the prosecutor still follows the case.
    app.post_as(&prosecutor.admin, &format!("{path}/validate"), &json!({"decision": "approve"})).await.problem(409);
    app.get_as(&prosecutor.admin, &path).await.ok(200);
    // Emergency: out at once, 8 hours, to be validated within 48 hours.
    let mut b = body(&isp, "content_data", &["content"], "emergency");
    b["validator_id"] = json!(prosecutor.id);
    let urgent = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(urgent["status"], "submitted");
    assert_eq!(time(&urgent["deadline"]) - time(&urgent["received_at"]), Duration::hours(8));
    assert_eq!(time(&urgent["validation_due_at"]) - time(&urgent["created_at"]), Duration::hours(48));
    assert_eq!(urgent["validation_overdue"], false);
    let validate = format!("/api/v1/requests/{}/validate", urgent["id"].as_str().unwrap());
    let p = app.post_as(&prosecutor.admin, &validate, &json!({"decision": "reject"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "note");
    let refused =
        app.post_as(&prosecutor.admin, &validate, &json!({"decision": "reject", "note": "Not urgent"})).await.ok(200);
    assert_eq!(refused["status"], "withdrawn");
    assert!(refused["sealed_at"].is_string());
}

#[actix_rt::test]
async fn requests_are_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let mut b = body(&isp, "subscriber_info", &["subscriber", "dna"], "emergency");
    b["identifiers"] = json!([{"type": "ipv4", "value": "192.0.2.10"}, {"type": "ipv4", "value": "192.0.2.11", "observed_at": "2026-11-20T10:15:00"}]);
    b["justification"] = json!("urgent");
    b["period"] = json!({"from": "2026-11-21T00:00:00+01:00", "to": "2026-11-19T00:00:00+01:00"});
    b["legal_basis"]["provision"] = json!("");
    let p = app.post_as(&police.admin, "/api/v1/requests", &b).await.problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in [
        "data_categories[1]",
        "justification",
        "identifiers[0].observed_at",
        "identifiers[1].observed_at",
        "period.to",
        "legal_basis.provision",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(p["errors"].as_array().unwrap().iter().any(|e| e["message"].as_str().unwrap().contains("UTC offset")));
    // Only law enforcement and prosecution issue data requests; a freeze also the FIU, to banks.
    let bank = app.org("bank", "Bank").await;
    app.post_as(&bank.admin, "/api/v1/requests", &body(&isp, "subscriber_info", &["subscriber"], "routine"))
        .await
        .problem(403);
    let fiu = app.org("fiu", "FIU").await;
    app.post_as(&fiu.admin, "/api/v1/requests", &body(&isp, "subscriber_info", &["subscriber"], "routine"))
        .await
        .problem(403);
    let p = app
        .post_as(&fiu.admin, "/api/v1/requests", &body(&isp, "freeze_funds", &["subscriber"], "routine"))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "addressee_id");
    app.post_as(&fiu.admin, "/api/v1/requests", &body(&bank, "freeze_funds", &["subscriber"], "routine")).await.ok(201);
}

#[actix_rt::test]
async fn a_provider_says_what_it_cannot_answer() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let other = app.org("isp", "ISP Two").await;
    let caps = json!({
        "request_types": [
            {"type": "subscriber_info", "supported": true, "data_held": ["subscriber", "ip_identification"],
             "retention": "IP assignment logs: 12 months", "legal_requirements": "A court order for traffic data"},
            {"type": "content_data", "supported": false}],
        "emergency_contact": {"name": "NOC 24/7", "email": "noc@isp-one.example", "phone": "+38344999000"},
    });
    let path = format!("/api/v1/organizations/{}/capabilities", isp.id);
    app.send(awc::http::Method::PUT, &path, &[("Authorization", &isp.admin)], Some(&caps)).await.ok(200);
    app.send(awc::http::Method::PUT, &path, &[("Authorization", &other.admin)], Some(&caps)).await.problem(403);
    assert_eq!(
        app.get_as(&police.admin, &path).await.ok(200)["request_types"][0]["retention"],
        "IP assignment logs: 12 months"
    );
    app.get_as(&other.admin, &path).await.problem(404);
    let p = app
        .post_as(&police.admin, "/api/v1/requests", &body(&isp, "content_data", &["content"], "emergency"))
        .await
        .problem(422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("cannot answer content_data"), "{p}");
}

#[actix_rt::test]
async fn a_preservation_lasts_90_days_from_acknowledgement_and_can_be_extended() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = app
        .post_as(&police.admin, "/api/v1/requests", &body(&isp, "preservation", &["subscriber"], "urgent"))
        .await
        .ok(201);
    assert_eq!(req["preservation_until"], Value::Null);
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    app.post_as(&police.admin, &format!("{path}/extend"), &json!({})).await.problem(409);
    let acked = transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    let ack_at = time(&acked["history"][1]["at"]);
    let until = time(&acked["preservation_until"]);
    assert!((until - ack_at - Duration::days(90)).num_seconds().abs() < 5);
    let expiring = app.get_as(&police.admin, "/api/v1/requests?expiring_within=91d").await.ok(200);
    assert_eq!(expiring["items"].as_array().unwrap().len(), 1);
    assert!(app.get_as(&police.admin, "/api/v1/requests?expiring_within=7d").await.ok(200)["items"]
        .as_array()
        .unwrap()
        .is_empty());
    app.post_as(&isp.admin, &format!("{path}/extend"), &json!({})).await.problem(403);
    // Prolonging the order is ordering: an accredited officer, not the police system's API key.
    let (key, _) = app.api_key(&police, &["requests:read", "requests:write"]).await;
    app.post_as(&key, &format!("{path}/extend"), &json!({})).await.problem(403);
    let extended = app.post_as(&police.admin, &format!("{path}/extend"), &json!({})).await.ok(200);
    assert_eq!(time(&extended["preservation_until"]) - until, Duration::days(90));
    assert!(extended["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().contains("extended"));
}

#[actix_rt::test]
async fn messages_go_between_the_two_sides_and_others_see_nothing() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let other_police = app.org("law_enforcement", "Other Police").await;
    let isp = app.org("isp", "ISP One").await;
    let other_isp = app.org("isp", "ISP Two").await;
    let req = issue(&app, &police, &isp).await;
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    app.post_as(&isp.admin, &format!("{path}/messages"), &json!({"body": "Which port range do you mean?"}))
        .await
        .ok(201);
    app.post_as(&police.admin, &format!("{path}/messages"), &json!({"body": "51234 only."})).await.ok(201);
    let thread = app.get_as(&police.admin, &format!("{path}/messages")).await.ok(200);
    let bodies: Vec<&str> = thread["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Which port range do you mean?", "51234 only."]);
    let heard = app.get_as(&police.admin, "/api/v1/events?types=request.message").await.ok(200);
    assert_eq!(heard["items"].as_array().unwrap().len(), 1);
    for outsider in [&other_police, &other_isp] {
        app.get_as(&outsider.admin, &path).await.problem(404);
        app.get_as(&outsider.admin, &format!("{path}/messages")).await.problem(404);
        app.post_as(&outsider.admin, &format!("{path}/messages"), &json!({"body": "hi"})).await.problem(404);
        transition(&app, &outsider.admin, &req, "acknowledged").await.problem(404);
        assert!(app.get_as(&outsider.admin, "/api/v1/requests").await.ok(200)["items"].as_array().unwrap().is_empty());
    }
    let issued = app.get_as(&police.admin, "/api/v1/requests?box=issued").await.ok(200);
    assert_eq!(issued["items"].as_array().unwrap().len(), 1);
    let to_isp = app.get_as(&police.admin, &format!("/api/v1/requests?addressee_id={}", isp.id)).await.ok(200);
    assert_eq!(to_isp["items"].as_array().unwrap().len(), 1);
    let to_other = app.get_as(&police.admin, &format!("/api/v1/requests?addressee_id={}", other_isp.id)).await.ok(200);
    assert!(to_other["items"].as_array().unwrap().is_empty());
    assert!(app.get_as(&police.admin, "/api/v1/requests?box=received").await.ok(200)["items"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// A multipart body with a `records` part and `attachment` parts.
/// The addressee answers `req` with one record (`A. Person`) and one file, `log.csv` (20 bytes).
pub(crate) async fn respond_with_log(app: &TestApp, auth: &str, req: &Value) {
    let (ct, body) = multipart(r#"[{"subscriber": "A. Person"}]"#, &[("log.csv", b"ip,from\n192.0.2.1,x\n")]);
    app.send_raw(
        awc::http::Method::POST,
        &format!("/api/v1/requests/{}/responses", req["id"].as_str().unwrap()),
        &[("Authorization", auth), ("content-type", &ct)],
        body,
    )
    .await
    .ok(201);
}

pub(crate) fn multipart(records: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "cyberbridge-test-boundary-7f3c";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"records\"\r\nContent-Type: application/json\r\n\r\n{records}\r\n").as_bytes());
    for (name, content) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[actix_rt::test]
async fn a_response_with_attachments_round_trips_with_its_hash_and_every_download_is_audited() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let other = app.org("isp", "ISP Two").await;
    let req = issue(&app, &police, &isp).await;
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    let pdf: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let (ct, mp) = multipart(
        r#"[{"subscriber": "A. Person", "address": "Rr. Nena Tereze 1", "assigned_from": "2026-11-20T09:00:00+01:00"}]"#,
        &[("../../etc/subscriber.txt", pdf)],
    );
    // Not before acknowledgement.
    app.send_raw(
        awc::http::Method::POST,
        &format!("{path}/responses"),
        &[("Authorization", &isp.admin), ("content-type", &ct)],
        mp.clone(),
    )
    .await
    .problem(409);
    transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    // Only the addressee answers.
    app.send_raw(
        awc::http::Method::POST,
        &format!("{path}/responses"),
        &[("Authorization", &other.admin), ("content-type", &ct)],
        mp.clone(),
    )
    .await
    .problem(404);
    let answered = app
        .send_raw(
            awc::http::Method::POST,
            &format!("{path}/responses"),
            &[("Authorization", &isp.admin), ("content-type", &ct)],
            mp,
        )
        .await
        .ok(201);
    let response = &answered["responses"][0];
    assert_eq!(response["records"][0]["subscriber"], "A. Person");
    let att = &response["attachments"][0];
    assert_eq!(att["filename"], "subscriber.txt", "path parts are stripped");
    assert_eq!(att["content_type"], "application/pdf", "sniffed, not the text/plain the sender claimed");
    assert_eq!(att["size"], pdf.len());
    let expected = hex::encode(Sha256::digest(pdf));
    assert_eq!(att["sha256"], expected.as_str());
    let got = app.get_as(&police.admin, &format!("{path}/attachments/{}", att["id"].as_str().unwrap())).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, pdf);
    assert_eq!(got.header("content-type").as_deref(), Some("application/octet-stream"));
    assert_eq!(got.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(got.header("x-content-sha256"), Some(expected.clone()));
    assert_eq!(hex::encode(Sha256::digest(&got.body)), expected);
    app.get_as(&other.admin, &format!("{path}/attachments/{}", att["id"].as_str().unwrap())).await.problem(404);
    let audit = app.get_as(&police.admin, "/api/v1/audit?action=request.attachment.download").await.ok(200);
    assert_eq!(audit["items"][0]["details"]["sha256"], expected.as_str());
    let heard = app.get_as(&police.admin, "/api/v1/events?types=request.response").await.ok(200);
    assert_eq!(heard["items"].as_array().unwrap().len(), 1);
}

/// The events of `kind` in the caller's feed, once at least one is there (the feed holds back
/// an event while a transaction that began before it is still open: on a busy machine, a moment).
async fn event_count(app: &TestApp, auth: &str, kind: &str) -> usize {
    let mut n = 0;
    for _ in 0..50 {
        n = app.get_as(auth, &format!("/api/v1/events?types={kind}&limit=500")).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .len();
        if n > 0 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    n
}

#[actix_rt::test]
async fn the_scheduler_warns_of_deadlines_overdue_requests_and_expiring_preservations_once() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = issue(&app, &police, &isp).await;
    let id = req["id"].as_str().unwrap();
    let mut conn = app.db.connect().await;
    // 8 of 10 days gone: past 75 %.
    crate::support::exec(&mut conn, &format!("UPDATE data_requests SET received_at = now() - interval '8 days', deadline = now() + interval '2 days' WHERE id = '{id}'")).await;
    assert!(cyberbridge::requests::scheduler::run_once(&mut conn).await.unwrap() >= 1);
    cyberbridge::requests::scheduler::run_once(&mut conn).await.unwrap();
    assert_eq!(
        event_count(&app, &isp.admin, "request.deadline_near").await,
        1,
        "once, however often the scheduler runs"
    );
    crate::support::exec(
        &mut conn,
        &format!("UPDATE data_requests SET deadline = now() - interval '1 hour' WHERE id = '{id}'"),
    )
    .await;
    cyberbridge::requests::scheduler::run_once(&mut conn).await.unwrap();
    assert_eq!(event_count(&app, &isp.admin, "request.overdue").await, 1);
    assert_eq!(event_count(&app, &police.admin, "request.overdue").await, 1);
    assert_eq!(app.get_as(&police.admin, &format!("/api/v1/requests/{id}")).await.ok(200)["overdue"], true);
    let overdue = app.get_as(&isp.admin, "/api/v1/requests?overdue=true").await.ok(200);
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    // A preservation ending within 7 days.
    let pres = app
        .post_as(&police.admin, "/api/v1/requests", &body(&isp, "preservation", &["subscriber"], "urgent"))
        .await
        .ok(201);
    transition(&app, &isp.admin, &pres, "acknowledged").await.ok(200);
    crate::support::exec(
        &mut conn,
        &format!(
            "UPDATE data_requests SET preservation_until = now() + interval '3 days' WHERE id = '{}'",
            pres["id"].as_str().unwrap()
        ),
    )
    .await;
    cyberbridge::requests::scheduler::run_once(&mut conn).await.unwrap();
    assert_eq!(event_count(&app, &police.admin, "preservation.expiring").await, 1);
}

#[actix_rt::test]
async fn request_statistics_cover_your_own_requests_or_all_for_regulators() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let other = app.org("isp", "ISP Two").await;
    let regulator = app.org("regulator", "Regulator").await;
    let req = issue(&app, &police, &isp).await;
    transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    transition(&app, &isp.admin, &req, "fulfilled").await.ok(200);
    app.post_as(&police.admin, "/api/v1/requests", &body(&other, "subscriber_info", &["subscriber"], "urgent"))
        .await
        .ok(201);
    let all = app.get_as(&regulator.admin, "/api/v1/statistics/requests").await.ok(200);
    assert_eq!(all["by_type"], json!([{"value": "subscriber_info", "count": 2}]));
    assert_eq!(all["by_addressee"].as_array().unwrap().len(), 2);
    let one = all["by_addressee"].as_array().unwrap().iter().find(|a| a["addressee"] == "ISP One").unwrap().clone();
    assert_eq!(one["share_answered_within_deadline"], 1.0);
    assert!(one["median_seconds_to_acknowledge"].is_number());
    let own = app.get_as(&other.admin, "/api/v1/statistics/requests").await.ok(200);
    assert_eq!(own["by_addressee"].as_array().unwrap().len(), 1);
    assert_eq!(own["by_urgency"], json!([{"value": "urgent", "count": 1}]));
    assert_eq!((all["scope"].clone(), own["scope"].clone()), (json!("supervisor"), json!("own")));
    // The platform supervises no one: across organisations it reads no figures (counts over a
    // window it picks could be differenced), and says so.
    let platform = app.get_as(&app.admin().await, "/api/v1/statistics/requests").await.ok(200);
    assert_eq!(platform["scope"], "published");
    assert_eq!((platform["by_addressee"].clone(), platform["by_type"].clone()), (json!([]), json!([])));
}

#[actix_rt::test]
async fn a_request_retried_with_its_idempotency_key_is_issued_once() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let b = body(&isp, "subscriber_info", &["subscriber"], "routine");
    let headers = [("Authorization", police.admin.as_str()), ("Idempotency-Key", "req-1")];
    let (x, y) = futures_util::future::join(
        app.send(awc::http::Method::POST, "/api/v1/requests", &headers, Some(&b)),
        app.send(awc::http::Method::POST, "/api/v1/requests", &headers, Some(&b)),
    )
    .await;
    assert_eq!(x.ok(201)["id"], y.ok(201)["id"]);
    let issued = app.get_as(&police.admin, "/api/v1/requests?box=issued").await.ok(200);
    assert_eq!(issued["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get_as(&isp.admin, "/api/v1/events?types=request.received").await.ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Who may issue is decided before the key is read: a police key (no officer) with a
    // malformed key is refused as a key, not told about the header.
    let (key, _) = app.api_key(&police, &["requests:write"]).await;
    let bad = [("Authorization", key.as_str()), ("Idempotency-Key", " ")];
    let refused = app.send(awc::http::Method::POST, "/api/v1/requests", &bad, Some(&b)).await.problem(403);
    assert!(refused["detail"].as_str().unwrap().contains("not by API keys"), "{refused}");
}

#[actix_rt::test]
async fn the_addressee_sees_only_the_named_reports_it_may_see() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let red = create_report(&app, &police.admin, report_body("red", &iban_xk(7), &[])).await;
    let green = create_report(&app, &police.admin, report_body("green", &iban_xk(8), &[])).await;
    let mut b = body(&isp, "subscriber_info", &["subscriber", "ip_identification"], "routine");
    b["report_ids"] = json!([red["id"], green["id"]]);
    let req = app.post_as(&police.admin, "/api/v1/requests", &b).await.ok(201);
    assert_eq!(req["report_ids"], json!([red["id"], green["id"]]));
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    // The ISP reads the request, in full and in its list, without the RED report's id.
    assert_eq!(app.get_as(&isp.admin, &path).await.ok(200)["report_ids"], json!([green["id"]]));
    let listed = app.get_as(&isp.admin, "/api/v1/requests").await.ok(200);
    assert_eq!(listed["items"][0]["report_ids"], json!([green["id"]]));
    let moved = transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    assert_eq!(moved["report_ids"], json!([green["id"]]));
    assert_eq!(app.get_as(&police.admin, &path).await.ok(200)["report_ids"], json!([red["id"], green["id"]]));
}

#[actix_rt::test]
async fn a_response_is_bounded_in_all_and_records_come_once() {
    let app = TestApp::spawn_with(|c| c.response_limit = 1024 * 1024).await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = issue(&app, &police, &isp).await;
    let path = format!("/api/v1/requests/{}/responses", req["id"].as_str().unwrap());
    let post = |ct: String, mp: Vec<u8>| {
        let (app, path, auth) = (&app, path.clone(), isp.admin.clone());
        async move {
            let headers = [("Authorization", auth.as_str()), ("content-type", ct.as_str())];
            app.send_raw(awc::http::Method::POST, &path, &headers, mp).await
        }
    };
    // Before acknowledgement, a large body is refused for the request's state, not its size.
    let big = vec![b'x'; 600 * 1024];
    let (ct, mp) = multipart("[]", &[("a.txt", &big), ("b.txt", &big)]);
    post(ct.clone(), mp.clone()).await.problem(409);
    transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    // Two parts each under the per-file limit, over the total: 413, nothing stored.
    let p = post(ct, mp).await.problem(413);
    assert!(p["detail"].as_str().unwrap().contains("1 MiB in all"), "{p}");
    // `records` twice: which one would count? Neither: 422.
    let (ct, mut mp) = multipart(r#"[{"subscriber": "A"}]"#, &[]);
    let twice = multipart(r#"[{"subscriber": "B"}]"#, &[]).1;
    mp.truncate(mp.len() - "--cyberbridge-test-boundary-7f3c--\r\n".len());
    mp.extend_from_slice(&twice);
    let p = post(ct, mp).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "records", "{p}");
    let answers = app.get_as(&police.admin, &path).await.ok(200);
    assert_eq!(answers["items"], json!([]), "nothing of the refused uploads was stored");
    assert_eq!(stored_chunks(&app).await, 0, "the chunks of the first file went with the refusal");
}

async fn stored_chunks(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.connect().await;
    let row: N = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS n FROM attachment_chunks"),
        &mut conn,
    )
    .await
    .unwrap();
    row.n
}

#[actix_rt::test]
async fn a_file_of_several_chunks_is_stored_and_downloaded_whole() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let req = issue(&app, &police, &isp).await;
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    // 2.5 MiB of JSON (three chunks, one cut inside a record) and 3 MiB of bytes no chunk repeats.
    let rows: Vec<String> = (0..40_000)
        .map(|i| format!(r#"{{"ip": "192.0.2.{}", "subscriber": "Subscriber number {i:08}"}}"#, i % 250))
        .collect();
    let mut log = format!("[{}]", rows.join(",")).into_bytes();
    log.truncate(log.len().min(2_621_440 - 1));
    log.push(b']');
    let binary: Vec<u8> =
        (0u32..3 * 1024 * 1024 / 4).flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()).collect();
    let (ct, mp) = multipart("[]", &[("log.json", &log), ("capture.bin", &binary)]);
    let headers = [("Authorization", isp.admin.as_str()), ("content-type", ct.as_str())];
    let answered = app.send_raw(awc::http::Method::POST, &format!("{path}/responses"), &headers, mp).await.ok(201);
    let files = answered["responses"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(files[0]["content_type"], "application/json", "judged from its first chunk");
    assert_eq!(files[1]["content_type"], "application/octet-stream");
    assert_eq!(stored_chunks(&app).await, 3 + 3);
    for (file, content) in files.iter().zip([&log, &binary]) {
        assert_eq!(file["size"], content.len());
        let got = app.get_as(&police.admin, &format!("{path}/attachments/{}", file["id"].as_str().unwrap())).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.header("content-length"), Some(content.len().to_string()));
        assert_eq!(got.body.len(), content.len());
        assert!(got.body == *content, "the bytes come back in order");
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(content)).as_str());
    }
}

/// Verifies a detached JWS with an independent implementation (jsonwebtoken's EdDSA, on
/// ed25519-dalek; the server signs with ring), against the key the JWKS names.
fn verifies(jwks: &Value, doc: &Value, payload: &str) -> bool {
    use base64::Engine;
    let kid = doc["kid"].as_str().unwrap();
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid).expect("the key is in the JWKS");
    let key = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let (header, signature) = doc["jws"].as_str().unwrap().split_once("..").unwrap();
    let token =
        format!("{header}.{}.{signature}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.as_bytes()));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(&token, &key, &validation).is_ok()
}

#[actix_rt::test]
async fn orders_and_responses_are_signed_and_verify_offline_with_the_published_keys() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let other = app.org("isp", "ISP Two").await;
    let req = issue(&app, &police, &isp).await;
    let path = format!("/api/v1/requests/{}/signed-documents", req["id"].as_str().unwrap());
    let jwks = app.get("/api/v1/signing-keys").await.ok(200);
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");

    let docs = app.get_as(&isp.admin, &path).await.ok(200);
    let order = &docs["items"][0];
    assert_eq!(order["kind"], "order");
    let payload = order["payload"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(payload).unwrap();
    assert_eq!(parsed["type"], "cyberbridge.order/v1");
    assert_eq!(parsed["reference"], req["reference"]);
    assert_eq!(parsed["issuer"]["organization_id"], police.id.as_str());
    assert_eq!(parsed["identifiers"], req["identifiers"]);
    // The text is the canonical form of what it says: anyone can re-create it.
    assert_eq!(cyberbridge::kernel::jcs::canonical(&parsed), payload);
    assert!(verifies(&jwks, order, payload));
    // One changed byte, and it no longer verifies.
    let forged = payload.replace(req["reference"].as_str().unwrap(), "REQ-2026-999999");
    assert!(!verifies(&jwks, order, &forged));
    let mut bytes = payload.as_bytes().to_vec();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    assert!(!verifies(&jwks, order, std::str::from_utf8(&bytes).unwrap()));

    // The response is signed with its files' hashes; both parties read it, nobody else anything.
    transition(&app, &isp.admin, &req, "acknowledged").await.ok(200);
    respond_with_log(&app, &isp.admin, &req).await;
    let docs = app.get_as(&police.admin, &path).await.ok(200);
    let items = docs["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|d| d["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["order", "response"]);
    let response = &items[1];
    let text = response["payload"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(text).unwrap();
    assert_eq!(parsed["records"][0]["subscriber"], "A. Person");
    use sha2::Digest;
    assert_eq!(
        parsed["attachments"][0]["sha256"],
        hex::encode(sha2::Sha256::digest(b"ip,from\n192.0.2.1,x\n")).as_str()
    );
    assert!(verifies(&jwks, response, text));
    app.get_as(&other.admin, &path).await.problem(404);
}

#[actix_rt::test]
async fn the_jwks_keeps_the_configured_earlier_keys_and_nothing_else() {
    use base64::Engine;
    let earlier = [9u8; 32];
    let encoded = base64::engine::general_purpose::STANDARD.encode(earlier);
    let app = TestApp::spawn_with(|c| c.signing_previous_keys = vec![encoded.clone()]).await;
    let jwks = app.get("/api/v1/signing-keys").await.ok(200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{jwks}");
    assert_eq!(keys[1]["kid"], cyberbridge::kernel::signing::key_id(&earlier).as_str());
    assert_eq!(keys[1]["x"], base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(earlier).as_str());
    // A key put into the database by whoever holds it is not published.
    let mut owner = app.db.connect().await;
    crate::support::exec(&mut owner, "INSERT INTO signing_keys (kid, public_key) VALUES ('planted', '\\x00')").await;
    assert_eq!(app.get("/api/v1/signing-keys").await.ok(200)["keys"].as_array().unwrap().len(), 2);
    // A malformed earlier key stops the start, not a verifier later.
    let mut config = cyberbridge::Config::for_database(&app.db.service_url);
    config.signing_previous_keys = vec!["not a key".into()];
    let pool = cyberbridge::kernel::db::pool(&app.db.service_url, 1, config.db_limits()).unwrap();
    let refused = cyberbridge::kernel::AppState::build(pool, config).await.err().expect("refused");
    assert!(refused.contains("CYBERBRIDGE_SIGNING_PREVIOUS_KEYS"), "{refused}");
}
