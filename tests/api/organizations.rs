//! The directory of organisations: who creates and changes them, validation, conflicts, If-Match.

use awc::http::Method;
use serde_json::json;

use crate::support::{org_body, TestApp, PASSWORD};

const KINDS: [&str; 6] = ["law_enforcement", "prosecution", "fiu", "isp", "bank", "regulator"];

#[actix_rt::test]
async fn deactivating_an_organisation_stops_its_tokens_and_keys_at_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (key, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.get_as(&key, "/api/v1/me").await.ok(200);
    let admin = app.admin().await;
    app.patch_read(&admin, &format!("/api/v1/organizations/{}", bank.id), &json!({"active": false})).await.ok(200);
    let newcomer =
        json!({"email": "late@bank-a.test", "name": "Late", "role": "org_admin", "document_reference": "L-1"});
    let p = app.post_as(&admin, &format!("/api/v1/organizations/{}/users", bank.id), &newcomer).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("deactivated"), "{p}");
    app.get_as(&bank.admin, "/api/v1/me").await.problem(401);
    app.get_as(&key, "/api/v1/me").await.problem(401);
    app.post("/api/v1/auth/login", &json!({"email": bank.admin_email, "password": PASSWORD})).await.problem(401);
    // Deactivated organisations leave the directory for everyone but platform admins.
    let lea = app.org("law_enforcement", "Police").await;
    app.get_as(&lea.admin, &format!("/api/v1/organizations/{}", bank.id)).await.problem(404);
    assert_eq!(app.get_as(&admin, &format!("/api/v1/organizations/{}", bank.id)).await.ok(200)["active"], false);
}

#[actix_rt::test]
async fn only_platform_admins_create_and_change_organisations() {
    let app = TestApp::spawn().await;
    let mut target = None;
    for kind in KINDS {
        let org = app.org(kind, &format!("Org {kind}")).await;
        let res = app.post_as(&org.admin, "/api/v1/organizations", &org_body(&format!("New by {kind}"), "bank")).await;
        res.problem(403);
        let id = target.get_or_insert_with(|| org.id.clone()).clone();
        app.patch_as(&org.admin, &format!("/api/v1/organizations/{id}"), &json!({"name": "Renamed"}))
            .await
            .problem(403);
        let (member, _) = app.member(&org, &format!("member@{}.test", kind.replace('_', "-"))).await;
        app.post_as(&member, "/api/v1/organizations", &org_body(&format!("New by member {kind}"), "bank"))
            .await
            .problem(403);
    }
    let bank = app.org("bank", "Bank K").await;
    let (key, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.post_as(&key, "/api/v1/organizations", &org_body("By key", "bank")).await.problem(403);
    // The refusals are in the audit trail.
    let admin = app.admin().await;
    let page = app.get_as(&admin, "/api/v1/audit?action=organization.create").await.ok(200);
    let denied = page["items"].as_array().unwrap().iter().filter(|r| r["outcome"] == "denied").count();
    assert_eq!(denied, 13);
}

#[actix_rt::test]
async fn the_directory_is_readable_by_every_authenticated_caller() {
    let app = TestApp::spawn().await;
    let bank = app
        .org_with(json!({
            "name": "Bank A", "kind": "bank", "country": "XK",
            "contact": {"name": "Fraud desk", "email": "fraud@bank-a.example", "phone": "+383 44 123 456"},
            "bank_identifiers": [{"bic": "BANKXKPR", "country": "XK", "bank_code": "12"}],
        }))
        .await;
    let isp = app.org("isp", "ISP One").await;
    let (key, _) = app.api_key(&isp, &["indicators:lookup"]).await;
    let list = app.get_as(&key, "/api/v1/organizations?kind=bank").await.ok(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Bank A");
    assert_eq!(items[0]["contact"]["phone"], "+38344123456");
    assert_eq!(items[0]["bank_identifiers"][0]["bank_code"], "12");
    let one = app.get_as(&isp.admin, &format!("/api/v1/organizations/{}", bank.id)).await;
    assert_eq!(one.header("etag").as_deref(), Some("\"1\""));
    app.get("/api/v1/organizations").await.problem(401);
}

#[actix_rt::test]
async fn organisation_fields_are_validated_by_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let p = app
        .post_as(
            &admin,
            "/api/v1/organizations",
            &json!({
                "name": "", "kind": "casino", "country": "ZZ",
                "contact": {"name": "x", "email": "not-an-email", "phone": "12345"},
                "bank_identifiers": [{"bic": "BAD", "country": "XK"}],
            }),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["name", "kind", "country", "contact.email", "contact.phone"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let p = app
        .post_as(
            &admin,
            "/api/v1/organizations",
            &json!({
                "name": "Bank Z", "kind": "bank", "country": "XK",
                "contact": {"name": "x", "email": "a@b.example", "phone": "+38344111222"},
                "bank_identifiers": [{"bic": "BANKDEFF", "country": "XK"}],
            }),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "bank_identifiers[0].bic", "{p}");
}

#[actix_rt::test]
async fn duplicate_names_and_bank_codes_are_409() {
    let app = TestApp::spawn().await;
    app.org("bank", "Bank A").await;
    let admin = app.admin().await;
    app.post_as(&admin, "/api/v1/organizations", &org_body("bank a", "isp")).await.problem(409);
    let mut a = org_body("Bank B", "bank");
    a["bank_identifiers"] = json!([{"country": "XK", "bank_code": "12"}]);
    app.post_as(&admin, "/api/v1/organizations", &a).await.ok(201);
    a["name"] = json!("Bank C");
    app.post_as(&admin, "/api/v1/organizations", &a).await.problem(409);
}

#[actix_rt::test]
async fn a_stale_if_match_gets_412() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let admin = app.admin().await;
    let path = format!("/api/v1/organizations/{}", bank.id);
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", &admin), ("If-Match", "\"1\"")],
            Some(&json!({"name": "Bank A1"})),
        )
        .await;
    assert_eq!(res.ok(200)["version"], 2);
    assert_eq!(res.header("etag").as_deref(), Some("\"2\""));
    let res = app
        .send(
            Method::PATCH,
            &path,
            &[("Authorization", &admin), ("If-Match", "\"1\"")],
            Some(&json!({"name": "Bank A2"})),
        )
        .await;
    res.problem(412);
    assert_eq!(app.get_as(&admin, &path).await.ok(200)["name"], "Bank A1");
}
