//! API keys: shown once, scoped to what the organisation may do, revoked and expired.

use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::support::{exec, TestApp};

#[actix_rt::test]
async fn an_api_key_is_shown_once_and_works_within_its_scopes() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let created = app
        .post_as(
            &bank.admin,
            "/api/v1/api-keys",
            &json!({"name": "payments", "scopes": ["indicators:lookup", "alerts:write"]}),
        )
        .await
        .ok(201);
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("cbk_") && key.len() > 40);
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    let listed = app.get_as(&bank.admin, "/api/v1/api-keys").await.ok(200);
    assert_eq!(listed["items"][0]["id"], created["id"]);
    assert!(listed["items"][0].get("key").is_none());
    assert!(!listed.to_string().contains(key));
    let auth = format!("ApiKey {key}");
    let me = app.get_as(&auth, "/api/v1/me").await.ok(200);
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["scopes"], json!(["indicators:lookup", "alerts:write"]));
    // A key cannot manage keys or users, nor read the audit log.
    app.post_as(&auth, "/api/v1/api-keys", &json!({"name": "more", "scopes": ["alerts:write"]})).await.problem(403);
    app.get_as(&auth, "/api/v1/audit").await.problem(403);
    // Only the hash is stored.
    let mut conn = app.db.connect().await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM api_keys WHERE key_hash = sha256(convert_to($1, 'UTF8'))")
        .bind::<diesel::sql_types::Text, _>(key)
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n.n, 1);
}

#[actix_rt::test]
async fn api_key_scopes_must_fit_the_organisation_kind() {
    let app = TestApp::spawn().await;
    let isp = app.org("isp", "ISP One").await;
    let p = app
        .post_as(
            &isp.admin,
            "/api/v1/api-keys",
            &json!({"name": "k", "scopes": ["requests:write", "alerts:write", "bogus"]}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["scopes[1]", "scopes[2]"]);
    let reg = app.org("regulator", "Regulator").await;
    app.post_as(&reg.admin, "/api/v1/api-keys", &json!({"name": "k", "scopes": ["reports:write"]})).await.problem(422);
    app.post_as(
        &isp.admin,
        "/api/v1/api-keys",
        &json!({"name": "k", "scopes": ["requests:write"], "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await
    .problem(422);
}

#[actix_rt::test]
async fn revoked_and_expired_api_keys_are_refused() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (key, id) = app.api_key(&bank, &["alerts:write"]).await;
    let (key2, id2) = app.api_key(&bank, &["alerts:write"]).await;
    app.get_as(&key, "/api/v1/me").await.ok(200);
    assert_eq!(app.delete_as(&bank.admin, &format!("/api/v1/api-keys/{id}")).await.status, 204);
    app.get_as(&key, "/api/v1/me").await.problem(401);
    let mut conn = app.db.connect().await;
    exec(&mut conn, &format!("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = '{id2}'")).await;
    app.get_as(&key2, "/api/v1/me").await.problem(401);
    app.get_as("ApiKey cbk_made_up", "/api/v1/me").await.problem(401);
    // A key in use (cached by the instance) revoked behind its back, as another instance or
    // the CLI would: the database's notification drops it within moments.
    let (key3, id3) = app.api_key(&bank, &["alerts:write"]).await;
    app.get_as(&key3, "/api/v1/me").await.ok(200);
    app.get_as(&key3, "/api/v1/me").await.ok(200);
    exec(&mut conn, &format!("UPDATE api_keys SET revoked_at = now() WHERE id = '{id3}'")).await;
    let mut status = 200;
    for _ in 0..40 {
        status = app.get_as(&key3, "/api/v1/me").await.status;
        if status == 401 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 401, "a revoked key stops working without a restart");
}

#[actix_rt::test]
async fn a_read_scope_does_not_write_requests_or_watchlists() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let body = json!({
        "type": "subscriber_info", "addressee_id": isp.id, "case_reference": "PK-1",
        "legal_basis": {"provision": "CPC art. 123"}, "data_categories": ["subscriber"], "urgency": "routine",
        "identifiers": [{"type": "email", "value": "x@example.org"}],
    });
    let req = app.post_as(&police.admin, "/api/v1/requests", &body).await.ok(201);
    let path = format!("/api/v1/requests/{}", req["id"].as_str().unwrap());
    let (reader, _) = app.api_key(&isp, &["requests:read", "reports:read", "events:read"]).await;
    app.get_as(&reader, &path).await.ok(200);
    let p = app.post_as(&reader, &format!("{path}/transitions"), &json!({"to": "acknowledged"})).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("requests:write"), "{p}");
    app.post_as(&reader, &format!("{path}/messages"), &json!({"body": "hi"})).await.problem(403);
    let watch = json!({"name": "w", "items": [{"type": "domain", "value": "evil.example"}]});
    let p = app.post_as(&reader, "/api/v1/watchlists", &watch).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("watchlists:write"), "{p}");
    app.get_as(&reader, "/api/v1/watchlists").await.ok(200);
    let (writer, _) = app
        .api_key(&isp, &["requests:read", "requests:write", "reports:read", "events:read", "watchlists:write"])
        .await;
    app.post_as(&writer, &format!("{path}/transitions"), &json!({"to": "acknowledged"})).await.ok(200);
    app.post_as(&writer, "/api/v1/watchlists", &watch).await.ok(201);
    // A kind that reads no reports holds no watchlist scope.
    let regulator = app.org("regulator", "Regulator").await;
    let p = app
        .post_as(&regulator.admin, "/api/v1/api-keys", &json!({"name": "w", "scopes": ["watchlists:write"]}))
        .await
        .problem(422);
    assert!(p.to_string().contains("watchlists:write"), "{p}");
}

#[actix_rt::test]
async fn a_key_bound_to_networks_or_a_certificate_is_refused_elsewhere_and_audited() {
    use awc::http::Method;
    let app = TestApp::spawn_with(|c| {
        c.client_address_header = Some("X-Forwarded-For".into());
        c.client_cert_header = Some("X-Client-Cert-SHA256".into());
    })
    .await;
    let bank = app.org("bank", "Bank A").await;
    let networked = app
        .post_as(
            &bank.admin,
            "/api/v1/api-keys",
            &json!({"name": "payments", "scopes": ["indicators:lookup"], "allowed_networks": ["198.51.100.0/24", "2001:db8:1::/48"]}),
        )
        .await
        .ok(201);
    assert_eq!(networked["allowed_networks"], json!(["198.51.100.0/24", "2001:db8:1::/48"]));
    let key = format!("ApiKey {}", networked["key"].as_str().unwrap());
    let from = |addr: &'static str| {
        let (app, key) = (&app, key.clone());
        async move { app.send(Method::GET, "/api/v1/me", &[("Authorization", &key), ("X-Forwarded-For", addr)], None).await }
    };
    from("198.51.100.7").await.ok(200);
    from("2001:db8:1:2::9").await.ok(200);
    // The proxy's entry is the last one: a client cannot claim an allowed address before it.
    from("198.51.100.7, 203.0.113.5").await.problem(401);
    let p = from("203.0.113.5").await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("not valid from this address"), "{p}");
    app.get_as(&key, "/api/v1/me").await.problem(401);

    let fingerprint = "5E:9A:".to_string() + &["01"; 30].join(":");
    let bound = app
        .post_as(
            &bank.admin,
            "/api/v1/api-keys",
            &json!({"name": "hsm", "scopes": ["alerts:write"], "client_certificate_sha256": fingerprint}),
        )
        .await
        .ok(201);
    assert_eq!(bound["client_certificate_sha256"], format!("5e9a{}", "01".repeat(30)));
    let cert_key = format!("ApiKey {}", bound["key"].as_str().unwrap());
    let with_cert = |cert: String| {
        let (app, key) = (&app, cert_key.clone());
        async move {
            app.send(Method::GET, "/api/v1/me", &[("Authorization", &key), ("X-Client-Cert-SHA256", &cert)], None).await
        }
    };
    with_cert(fingerprint.to_lowercase()).await.ok(200);
    with_cert("ab".repeat(32)).await.problem(401);
    app.get_as(&cert_key, "/api/v1/me").await.problem(401);

    // Bad bindings are refused naming the field; a huge list too.
    let many: Vec<String> = (0..51).map(|i| format!("198.51.{i}.0/24")).collect();
    for (body, field) in [
        (
            json!({"name": "x", "scopes": ["alerts:write"], "allowed_networks": ["198.51.100.1/24"]}),
            "allowed_networks[0]",
        ),
        (json!({"name": "x", "scopes": ["alerts:write"], "allowed_networks": many}), "allowed_networks"),
        (
            json!({"name": "x", "scopes": ["alerts:write"], "client_certificate_sha256": "abc"}),
            "client_certificate_sha256",
        ),
    ] {
        let p = app.post_as(&bank.admin, "/api/v1/api-keys", &body).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    // Every refusal is in the bank's audit trail, with the key (repeated ones of a key from one
    // address share a row that lists each of them).
    let mut refused = Vec::new();
    let count =
        |rows: &[serde_json::Value]| rows.iter().map(|r| r["details"]["merged"].as_u64().unwrap_or(1)).sum::<u64>();
    for _ in 0..50 {
        refused = app.get_as(&bank.admin, "/api/v1/audit?action=auth.api_key_refused").await.ok(200)["items"]
            .as_array()
            .unwrap()
            .clone();
        if count(&refused) >= 5 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count(&refused), 5, "{refused:?}");
    assert!(refused.iter().any(|r| r["object_id"] == networked["id"] && r["client_addr"] == "203.0.113.5"));
    assert!(refused.iter().any(|r| r["object_id"] == bound["id"]));
}
