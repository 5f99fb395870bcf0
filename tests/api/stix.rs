//! STIX 2.1: reports as bundles under the same visibility as the REST API.

use serde_json::{json, Value};

use crate::support::{create_report, iban_xk, report_body, TestApp};

fn of_type<'a>(bundle: &'a Value, t: &str) -> Vec<&'a Value> {
    bundle["objects"].as_array().unwrap().iter().filter(|o| o["type"] == t).collect()
}

#[actix_rt::test]
async fn a_report_is_a_bundle_with_an_indicator_and_an_observable_per_value() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let report = create_report(&app, &bank.admin, json!({
        "category": "investment_fraud", "title": "Fake trading platform", "description": "Victims paid into mule accounts",
        "tlp": "green", "first_seen": "2026-11-01T09:00:00+01:00",
        "indicators": [
            {"type": "iban", "value": iban_xk(5), "confidence": 80}, {"type": "bic", "value": "BANKXKPR"},
            {"type": "bank_account", "value": "US:000123456789"}, {"type": "ipv4", "value": "198.51.100.3"},
            {"type": "ipv6", "value": "2001:db8::1"}, {"type": "domain", "value": "trade-profits.example"},
            {"type": "url", "value": "https://trade-profits.example/login"}, {"type": "email", "value": "desk@trade-profits.example"},
            {"type": "phone", "value": "+383 44 123 456"}, {"type": "crypto_wallet", "value": "0x52908400098527886e0f7030069857d2e4169ee7"},
            {"type": "sha256", "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
            {"type": "username", "value": "telegram:@fast_refunds"},
        ]}))
    .await;
    let id = report["id"].as_str().unwrap();
    let res = app.get_as(&other.admin, &format!("/api/v1/reports/{id}/stix")).await;
    assert!(res.header("content-type").unwrap().starts_with("application/stix+json;version=2.1"));
    let bundle = res.json();
    assert_eq!(bundle["type"], "bundle");
    assert_eq!(of_type(&bundle, "marking-definition").len(), 5);
    assert_eq!(of_type(&bundle, "indicator").len(), 12);
    let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    let stix_report = of_type(&bundle, "report")[0];
    assert_eq!(stix_report["id"], cyberbridge::stix::report_stix_id(id.parse().unwrap()));
    assert_eq!(stix_report["external_references"][0]["external_id"], report["reference"]);
    assert_eq!(stix_report["object_marking_refs"], json!([green]));
    assert_eq!(stix_report["object_refs"].as_array().unwrap().len(), 24);
    assert_eq!(stix_report["report_types"], json!(["threat-report"]));
    assert_eq!(stix_report["labels"], json!(["investment_fraud"]));
    let patterns: Vec<&str> = of_type(&bundle, "indicator").iter().map(|i| i["pattern"].as_str().unwrap()).collect();
    for expected in [
        format!("[bank-account:iban = '{}']", iban_xk(5)),
        "[bank-account:bic = 'BANKXKPR']".to_string(),
        "[bank-account:account_number = 'US:000123456789']".to_string(),
        "[ipv4-addr:value = '198.51.100.3']".into(),
        "[ipv6-addr:value = '2001:db8::1']".into(),
        "[domain-name:value = 'trade-profits.example']".into(),
        "[url:value = 'https://trade-profits.example/login']".into(),
        "[email-addr:value = 'desk@trade-profits.example']".into(),
        "[phone-number:value = '+38344123456']".into(),
        "[cryptocurrency-wallet:value = '0x52908400098527886e0f7030069857d2e4169ee7']".into(),
        "[file:hashes.'SHA-256' = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']".into(),
        "[user-account:account_login = 'fast_refunds']".into(),
    ] {
        assert!(patterns.contains(&expected.as_str()), "{expected} in {patterns:?}");
    }
    let iban = of_type(&bundle, "indicator")
        .into_iter()
        .find(|i| i["pattern"].as_str().unwrap().contains("iban"))
        .unwrap()
        .clone();
    assert_eq!(iban["confidence"], 80);
    assert_eq!(iban["valid_from"], "2026-11-01T08:00:00.000Z");
    // The observables: deterministic ids, new SCOs declared by the platform's extensions.
    assert_eq!(of_type(&bundle, "ipv4-addr")[0]["id"], "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    let accounts = of_type(&bundle, "bank-account");
    assert_eq!(accounts.len(), 3);
    let ext = app.get("/api/v1/stix/extension-definitions").await.ok(200);
    let ext_ids: Vec<&str> = of_type(&ext, "extension-definition").iter().map(|e| e["id"].as_str().unwrap()).collect();
    for sco in ["bank-account", "cryptocurrency-wallet", "phone-number"] {
        let declared = of_type(&bundle, sco)[0]["extensions"].as_object().unwrap().keys().next().unwrap().clone();
        assert!(ext_ids.contains(&declared.as_str()), "{sco} declared by a published extension");
        let def =
            of_type(&ext, "extension-definition").into_iter().find(|e| e["id"] == declared.as_str()).unwrap().clone();
        assert_eq!(def["extension_types"], json!(["new-sco"]));
        let schema_path = def["schema"].as_str().unwrap().split("/api/v1").nth(1).unwrap().to_string();
        let schema = app.get(&format!("/api/v1{schema_path}")).await.ok(200);
        assert_eq!(schema["title"], sco);
    }
    app.get("/api/v1/stix/schemas/unknown.json").await.problem(404);

    // The reporter sees itself; an anonymous report names only the kind, never the organisation.
    let mut body = report_body("green", &iban_xk(6), &[]);
    body["anonymous"] = json!(true);
    let anon = create_report(&app, &bank.admin, body).await;
    let seen =
        app.get_as(&other.admin, &format!("/api/v1/reports/{}/stix", anon["id"].as_str().unwrap())).await.ok(200);
    let who = of_type(&seen, "identity")[0].clone();
    assert_eq!(who["name"], "a bank");
    let named = of_type(&bundle, "identity")[0].clone();
    assert_eq!(named["name"], "Bank A");
    assert_ne!(who["id"], named["id"]);
    assert!(!seen.to_string().contains("Bank A"));
}

#[actix_rt::test]
async fn the_stix_export_follows_tlp_and_leaves_withdrawn_values_out() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let police = app.org("law_enforcement", "Police").await;
    let green = create_report(&app, &bank.admin, report_body("green", &iban_xk(11), &[])).await;
    let amber = create_report(&app, &bank.admin, report_body("amber", &iban_xk(12), &[])).await;
    let red = create_report(&app, &bank.admin, report_body("red", &iban_xk(13), &[])).await;
    app.get_as(&other.admin, &format!("/api/v1/reports/{}/stix", red["id"].as_str().unwrap())).await.problem(404);
    let mut body = report_body("green", &iban_xk(14), &[]);
    body["indicators"].as_array_mut().unwrap().push(json!({"type": "domain", "value": "uninvolved-shop.example"}));
    let withdrawn = create_report(&app, &bank.admin, body).await;
    let wid = withdrawn["id"].as_str().unwrap();
    app.post_as(
        &bank.admin,
        &format!("/api/v1/reports/{wid}/indicators/domain/uninvolved-shop.example/withdraw"),
        &json!({"reason": "typo"}),
    )
    .await
    .ok(200);

    let ids = |bundle: &Value| -> Vec<String> {
        of_type(bundle, "report")
            .iter()
            .map(|r| {
                r["external_references"][0]["description"].as_str().unwrap().trim_start_matches("report ").to_string()
            })
            .collect()
    };
    let res = app.get_as(&other.admin, "/api/v1/reports/export.stix").await;
    assert_eq!(res.status, 200);
    let bank_b: Value = serde_json::from_str(&res.text()).expect("one JSON bundle");
    let mut seen = ids(&bank_b);
    seen.sort();
    let mut expected = vec![green["id"].as_str().unwrap().to_string(), wid.to_string()];
    expected.sort();
    assert_eq!(seen, expected, "GREEN only for another bank");
    assert!(!bank_b.to_string().contains("uninvolved-shop.example"), "a withdrawn value is not exported");
    // One identity and one observable however many reports name them.
    let mut all: Vec<&str> = bank_b["objects"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no object twice in a bundle");
    let res = app.get_as(&police.admin, "/api/v1/reports/export.stix?tlp=amber").await;
    let police_view: Value = serde_json::from_str(&res.text()).unwrap();
    assert_eq!(ids(&police_view), [amber["id"].as_str().unwrap()], "AMBER reaches the public sector; filters apply");
    let amber_mark = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
    assert!(of_type(&police_view, "indicator").iter().all(|i| i["object_marking_refs"] == json!([amber_mark])));
}
