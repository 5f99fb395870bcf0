//! Non-interference: two databases that differ only by one TLP:RED report of bank A (its values
//! sighted), a RED value bank A sent over TAXII inside a GREEN report, a fraud alert of bank A
//! to another bank, and one data request pending validation. Every GET of the OpenAPI document, every TAXII read and every statistic,
//! asked by bank C and by the ISP (neither may see any of it), answers the same on both, apart
//! from ids and times. What is hidden must change no answer.

use serde_json::{json, Value};

use crate::support::fixtures::{iban_xk, report_body};
use crate::support::{Org, TestApp};

/// The value only the hidden report names.
fn hidden_iban() -> String {
    iban_xk(990_001)
}

struct World {
    bank_a: Org,
    bank_c: Org,
    isp: Org,
    police: Org,
    prosecutor: Org,
    visible_report: String,
    visible_request: String,
    visible_alert: Value,
    /// Set in the second database only.
    hidden: Option<Hidden>,
}

struct Hidden {
    report: String,
    request: String,
    alert: Value,
}

async fn world(app: &TestApp, hide: bool) -> World {
    let bank = |name: &str, code: &str| {
        json!({"name": name, "kind": "bank", "country": "XK",
               "contact": {"name": "Fraud desk", "email": "fraud@bank.example", "phone": "+38344111222"},
               "bank_identifiers": [{"country": "XK", "bank_code": code}]})
    };
    let bank_a = app.org_with(bank("Bank A", "12")).await;
    let bank_c = app.org_with(bank("Bank C", "13")).await;
    let bank_d = app.org_with(bank("Bank D", "99")).await;
    let isp = app.org("isp", "ISP").await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    // What everyone may see, the same in both: a GREEN report, a request to the ISP, an alert
    // to bank C; watchlists of C and of the ISP naming the hidden value.
    let visible = app.post_as(&bank_a.admin, "/api/v1/reports", &report_body("green", &iban_xk(1), &[])).await.ok(201);
    let request = crate::requests::issue(app, &police, &isp).await;
    let alert = app
        .send(
            awc::http::Method::POST,
            "/api/v1/fraud-alerts",
            &[("Authorization", &bank_a.admin), ("Idempotency-Key", "visible")],
            Some(&crate::alerts::alert_body(&iban_xk(130_000_000_001), 5000)),
        )
        .await
        .ok(201);
    for org in [&bank_c, &isp] {
        let list = json!({"name": "watch", "items": [{"type": "iban", "value": hidden_iban()}, {"type": "domain", "value": "hidden.example"}]});
        app.post_as(&org.admin, "/api/v1/watchlists", &list).await.ok(201);
    }
    let hidden = if hide {
        // The hidden report, its values sighted by bank A and bank D, a hop of money to bank D.
        let mut body = report_body("red", &hidden_iban(), &[]);
        body["indicators"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "domain", "value": "hidden.example", "role": "phishing_site"}));
        let report = app.post_as(&bank_a.admin, "/api/v1/reports", &body).await.ok(201);
        let sight = format!("/api/v1/indicators/iban/{}/sightings", hidden_iban());
        app.post_as(&bank_a.admin, &sight, &json!({"kind": "seen", "count": 7})).await.ok(201);
        app.post_as(&bank_d.admin, &sight, &json!({"kind": "false_positive"})).await.ok(201);
        let alert = app
            .send(
                awc::http::Method::POST,
                "/api/v1/fraud-alerts",
                &[("Authorization", &bank_a.admin), ("Idempotency-Key", "hidden")],
                Some(&crate::alerts::alert_body(&iban_xk(990_000_000_001), 7000)),
            )
            .await
            .ok(201);
        // A RED value sent over TAXII inside a GREEN report: held at RED.
        let red = cyberbridge::stix::tlp::marking_id(cyberbridge::domain::Tlp::Red);
        let green = cyberbridge::stix::tlp::marking_id(cyberbridge::domain::Tlp::Green);
        let envelope = json!({"objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-0000000000aa",
             "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "pattern_type": "stix",
             "valid_from": "2026-11-20T10:00:00Z", "pattern": "[domain-name:value = 'hidden-taxii.example']",
             "object_marking_refs": [red]},
            {"type": "report", "spec_version": "2.1", "id": "report--00000000-0000-4000-8000-0000000000ab",
             "created": "2026-11-20T10:00:00.000Z", "modified": "2026-11-20T10:00:00.000Z", "name": "Kit",
             "published": "2026-11-20T10:00:00Z", "object_refs": ["indicator--00000000-0000-4000-8000-0000000000aa"],
             "object_marking_refs": [green]},
        ]});
        let taxii = "application/taxii+json;version=2.1";
        let added = app
            .send_raw(
                awc::http::Method::POST,
                "/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b03/objects/",
                &[("Authorization", &bank_a.admin), ("Accept", taxii), ("Content-Type", taxii)],
                serde_json::to_vec(&envelope).unwrap(),
            )
            .await;
        assert_eq!(added.status, 202);
        // A traffic-data request to the ISP, waiting for the prosecutor's validation.
        let mut order = crate::requests::body(&isp, "traffic_data", &["traffic"], "routine");
        order["validator_id"] = json!(prosecutor.id);
        let request = app.post_as(&police.admin, "/api/v1/requests", &order).await.ok(201);
        assert_eq!(request["status"], "pending_validation");
        Some(Hidden {
            report: report["id"].as_str().unwrap().to_string(),
            request: request["id"].as_str().unwrap().to_string(),
            alert,
        })
    } else {
        None
    };
    World {
        bank_a,
        bank_c,
        isp,
        police,
        prosecutor,
        visible_report: visible["id"].as_str().unwrap().to_string(),
        visible_request: request["id"].as_str().unwrap().to_string(),
        visible_alert: alert,
        hidden,
    }
}

/// The concrete paths of a GET template for a world: the visible object, and the hidden one
/// (a fresh id where there is none).
fn paths(template: &str, w: &World, viewer: &Org) -> Vec<String> {
    let random = "01900000-0000-7000-8000-000000000000".to_string();
    let h = w.hidden.as_ref();
    let hidden_report = h.map_or(random.clone(), |h| h.report.clone());
    let hidden_request = h.map_or(random.clone(), |h| h.request.clone());
    let hidden_alert = h.map_or(random.clone(), |h| h.alert["id"].as_str().unwrap().to_string());
    let hidden_trace = h.map_or(random.clone(), |h| h.alert["trace_id"].as_str().unwrap().to_string());
    let ids: Vec<String> = if template.starts_with("/api/v1/reports/{id}") {
        vec![w.visible_report.clone(), hidden_report]
    } else if template.starts_with("/api/v1/requests/{id}") {
        vec![w.visible_request.clone(), hidden_request]
    } else if template.starts_with("/api/v1/fraud-alerts/{id}") {
        vec![w.visible_alert["id"].as_str().unwrap().to_string(), hidden_alert]
    } else if template.starts_with("/api/v1/fraud-traces/{id}") {
        vec![w.visible_alert["trace_id"].as_str().unwrap().to_string(), hidden_trace]
    } else if template.starts_with("/api/v1/organizations/{id}") {
        vec![viewer.id.clone(), w.isp.id.clone(), w.bank_a.id.clone(), w.police.id.clone(), w.prosecutor.id.clone()]
    } else if template.starts_with("/api/v1/users/{id}") {
        vec![viewer.admin_id.clone(), w.bank_a.admin_id.clone()]
    } else {
        vec![random.clone()]
    };
    ids.into_iter()
        .map(|id| {
            template
                .replace("{id}", &id)
                .replace("{aid}", &random)
                .replace("{iban}", &hidden_iban())
                .replace("{type}", "iban")
                .replace("{value}", &hidden_iban())
                .replace("{file}", "bank-account.json")
        })
        .collect()
}

/// The answer with what differs between any two databases taken out: ids (UUIDs, and the
/// STIX ids derived from them), times, cursors, audit row numbers.
fn normalised(v: &Value) -> Value {
    fn is_uuid(b: &[u8]) -> bool {
        b.len() == 36
            && b.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
    }
    /// The length of an RFC 3339 time starting at `b`, if one does.
    fn time_len(b: &[u8]) -> Option<usize> {
        let shape = b"dddd-dd-ddTdd:dd:dd";
        if b.len() < shape.len()
            || !shape.iter().zip(b).all(|(s, c)| if *s == b'd' { c.is_ascii_digit() } else { s == c })
        {
            return None;
        }
        let mut n = shape.len();
        if b.get(n) == Some(&b'.') {
            n += 1;
            while b.get(n).is_some_and(u8::is_ascii_digit) {
                n += 1;
            }
        }
        match b.get(n) {
            Some(b'Z') => Some(n + 1),
            Some(b'+' | b'-') if b.len() >= n + 6 => Some(n + 6),
            _ => Some(n),
        }
    }
    fn text(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if b.len() >= i + 36 && is_uuid(&b[i..i + 36]) {
                out.push_str("<id>");
                i += 36;
            } else if let Some(n) = time_len(&b[i..]) {
                out.push_str("<t>");
                i += n;
            } else {
                let c = s[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }
    match v {
        Value::String(s) => Value::String(text(s)),
        Value::Array(a) => Value::Array(a.iter().map(normalised).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "next_cursor" | "next" | "request_id" | "etag" | "hash" | "last_hash" => json!("<opaque>"),
                        // Each server's own keys and address.
                        "public_key" | "public_key_pem" | "key_id" | "kid" | "x" | "jws" | "signature" | "schema"
                        | "key_signature" => {
                            json!("<key>")
                        }
                        "id" | "audit_id" | "last_id" | "from_id" | "rows_checked" if v.is_number() => json!(0),
                        _ => normalised(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn answers(app: &TestApp, w: &World, viewer: &Org, doc: &Value) -> Vec<(String, u16, Value)> {
    let mut out = Vec::new();
    let mut gets: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_some() && path.starts_with("/api/v1") {
            gets.extend(paths(path, w, viewer));
        }
    }
    // Searches and feeds with what the hidden objects are about.
    let iban = hidden_iban();
    gets.extend([
        format!("/api/v1/indicators/lookup?type=iban&value={iban}"),
        "/api/v1/indicators/lookup?type=domain&value=hidden.example".to_string(),
        "/api/v1/indicators/lookup?type=domain&value=hidden-taxii.example".to_string(),
        "/api/v1/indicators/domain/hidden-taxii.example/reports".to_string(),
        format!("/api/v1/reports?indicator_type=iban&indicator_value={iban}"),
        "/api/v1/reports?q=trading".to_string(),
        "/api/v1/events?limit=500".to_string(),
        "/api/v1/requests?box=received".to_string(),
        "/api/v1/fraud-alerts?box=received".to_string(),
        "/api/v1/audit?limit=500".to_string(),
    ]);
    let mut seen = std::collections::HashSet::new();
    gets.retain(|p| seen.insert(p.clone()));
    for path in gets {
        // Reads are audited in batches: each answer sees every earlier read written.
        app.state.audit.flush().await;
        let res = app.get_as(&viewer.admin, &path).await;
        let body = match res.header("content-type").unwrap_or_default() {
            t if t.contains("json") => normalised(&res.json()),
            _ => Value::String(res.text().lines().filter(|l| !l.contains("202")).count().to_string()),
        };
        out.push((path, res.status, body));
    }
    let taxii = "application/taxii+json;version=2.1";
    for collection in ["5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b01", "5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b02"] {
        for what in ["objects/?limit=1000", "manifest/?limit=1000", ""] {
            let path = format!("/taxii2/api/collections/{collection}/{what}");
            let res = app
                .send(awc::http::Method::GET, &path, &[("Authorization", &viewer.admin), ("Accept", taxii)], None)
                .await;
            let body = if res.status == 200 { normalised(&res.json()) } else { Value::Null };
            out.push((path, res.status, body));
        }
    }
    out
}

#[actix_rt::test]
async fn what_bank_c_and_the_isp_may_not_see_changes_none_of_their_answers() {
    // Private screening on, with one key: bank C's and the ISP's tag sets are compared too.
    let key = |c: &mut cyberbridge::Config| {
        c.private_screening_key = Some("bm9uaW50ZXJmZXJlbmNlLXByaXZhdGUtc2NyZWVuaW4=".into())
    };
    let plain = TestApp::spawn_with(key).await;
    let with = TestApp::spawn_with(key).await;
    let a = world(&plain, false).await;
    let b = world(&with, true).await;
    for app in [&plain, &with] {
        cyberbridge::screening::service::refresh(&app.state).await.expect("private screening round");
        // Whole sets come through the snapshots too.
        cyberbridge::screening::service::snapshots(&app.state).await.expect("the snapshots built");
    }
    // Every read is written to the audit trail before it is compared there.
    plain.state.audit.flush().await;
    with.state.audit.flush().await;
    let doc = serde_json::to_value(cyberbridge::openapi()).unwrap();
    let mut differences = Vec::new();
    let mut compared = 0;
    for (viewer_a, viewer_b, who) in [(&a.bank_c, &b.bank_c, "bank C"), (&a.isp, &b.isp, "the ISP")] {
        let left = answers(&plain, &a, viewer_a, &doc).await;
        let right = answers(&with, &b, viewer_b, &doc).await;
        assert_eq!(left.len(), right.len());
        for ((path, status_a, body_a), (_, status_b, body_b)) in left.iter().zip(&right) {
            compared += 1;
            if status_a != status_b || body_a != body_b {
                differences.push(format!(
                    "{who} GET {path}: {status_a} {} | with the hidden objects: {status_b} {}",
                    body_a.to_string().chars().take(300).collect::<String>(),
                    body_b.to_string().chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(compared > 100, "only {compared} answers compared");
    assert!(differences.is_empty(), "{} answers differ:\n{}", differences.len(), differences.join("\n"));
    // The hidden objects are there: bank A sees its report, the prosecutor its request.
    let h = b.hidden.as_ref().unwrap();
    with.get_as(&b.bank_a.admin, &format!("/api/v1/reports/{}", h.report)).await.ok(200);
    with.get_as(&b.prosecutor.admin, &format!("/api/v1/requests/{}", h.request)).await.ok(200);
}
