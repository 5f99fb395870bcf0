//! Identity and access: organisations, users, tokens, API keys, permissions.

use awc::http::Method;
use chrono::Utc;
use diesel_async::RunQueryDsl;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{exec, TestApp, ADMIN_EMAIL, JWT_SECRET, PASSWORD};

const KINDS: [&str; 6] = ["law_enforcement", "prosecution", "fiu", "isp", "bank", "regulator"];

fn org_body(name: &str, kind: &str) -> serde_json::Value {
    json!({"name": name, "kind": kind, "country": "XK",
           "contact": {"name": "Desk", "email": "desk@example.org", "phone": "+38344111222"}})
}

#[actix_rt::test]
async fn login_returns_tokens_and_me_describes_the_caller() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await;
    let body = res.ok(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
    let me = app.get_as(&format!("Bearer {}", body["access_token"].as_str().unwrap()), "/api/v1/me").await.ok(200);
    assert_eq!(me["kind"], "user");
    assert_eq!(me["organization_kind"], "platform");
    assert_eq!(me["role"], "org_admin");
    assert!(me["permissions"].as_array().unwrap().contains(&json!("manage_organizations")));
}

#[actix_rt::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;
    let a = app
        .post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "wrong password!!"}))
        .await
        .problem(401);
    let b = app
        .post("/api/v1/auth/login", &json!({"email": "nobody@nowhere.test", "password": "wrong password!!"}))
        .await
        .problem(401);
    assert_eq!(a["detail"], b["detail"]);
    assert_eq!(a["type"], b["type"]);
}

#[actix_rt::test]
async fn five_failed_logins_lock_the_account_with_429_and_retry_after() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    for _ in 0..5 {
        app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "wrong password!!"}))
            .await
            .problem(401);
    }
    let res = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await;
    res.problem(429);
    let retry: u64 = res.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    // Another account is not affected.
    app.login(&bank.admin_email, PASSWORD).await;
}

#[actix_rt::test]
async fn refresh_rotates_and_a_replayed_token_ends_the_session() {
    let app = TestApp::spawn().await;
    let first = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await.ok(200);
    let r1 = first["refresh_token"].as_str().unwrap();
    let second = app.post("/api/v1/auth/refresh", &json!({"refresh_token": r1})).await.ok(200);
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    app.get_as(&format!("Bearer {}", second["access_token"].as_str().unwrap()), "/api/v1/me").await.ok(200);
    // r1 again: a replay. The whole family is revoked, r2 included.
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": r1})).await.problem(401);
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": r2})).await.problem(401);
}

#[actix_rt::test]
async fn logout_revokes_the_access_token_and_the_refresh_token() {
    let app = TestApp::spawn().await;
    let tokens = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await.ok(200);
    let auth = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let res = app.post_as(&auth, "/api/v1/auth/logout", &json!({"refresh_token": tokens["refresh_token"]})).await;
    assert_eq!(res.status, 204);
    app.get_as(&auth, "/api/v1/me").await.problem(401);
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": tokens["refresh_token"]})).await.problem(401);
}

#[actix_rt::test]
async fn forged_or_expired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let good = app.admin().await;
    let me = app.get_as(&good, "/api/v1/me").await.ok(200);
    let now = Utc::now().timestamp();
    let claims = |exp: i64| {
        json!({"sub": me["user_id"], "org": me["organization_id"], "kind": "platform", "role": "org_admin",
               "iat": now - 10, "exp": exp, "jti": uuid::Uuid::now_v7()})
    };
    let sign = |alg: Algorithm, secret: &str, exp: i64| {
        jsonwebtoken::encode(&Header::new(alg), &claims(exp), &EncodingKey::from_secret(secret.as_bytes()).unwrap())
            .unwrap()
    };
    // Control: a token signed like the server's works.
    app.get_as(&format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, now + 600)), "/api/v1/me").await.ok(200);
    // Expired.
    app.get_as(&format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, now - 600)), "/api/v1/me").await.problem(401);
    // Another key.
    let other = "another-secret-another-secret-another-secret";
    app.get_as(&format!("Bearer {}", sign(Algorithm::HS256, other, now + 600)), "/api/v1/me").await.problem(401);
    // Another algorithm, same key.
    app.get_as(&format!("Bearer {}", sign(Algorithm::HS512, JWT_SECRET, now + 600)), "/api/v1/me").await.problem(401);
    // alg: none, unsigned.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(serde_json::to_vec(&claims(now + 600)).unwrap())
    );
    app.get_as(&format!("Bearer {none}"), "/api/v1/me").await.problem(401);
    // A tampered payload with the original signature.
    let parts: Vec<&str> = good.trim_start_matches("Bearer ").split('.').collect();
    let mut payload: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("member");
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(serde_json::to_vec(&payload).unwrap()), parts[2]);
    app.get_as(&format!("Bearer {tampered}"), "/api/v1/me").await.problem(401);
    // No credential, unknown scheme.
    app.get("/api/v1/me").await.problem(401);
    app.get_as("Basic YWJjOmRlZg==", "/api/v1/me").await.problem(401);
}

#[actix_rt::test]
async fn deactivating_an_organisation_stops_its_tokens_and_keys_at_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (key, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.get_as(&key, "/api/v1/me").await.ok(200);
    let admin = app.admin().await;
    app.patch_read(&admin, &format!("/api/v1/organizations/{}", bank.id), &json!({"active": false})).await.ok(200);
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

#[actix_rt::test]
async fn org_admin_of_bank_a_cannot_touch_users_or_keys_of_bank_b() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let (_, b_member) = app.member(&b, "teller@bank-b.test").await;
    let (_, b_key) = app.api_key(&b, &["alerts:write"]).await;
    let new_user = json!({"email": "x@bank-a.test", "name": "X", "role": "member", "password": PASSWORD});
    app.post_as(&a.admin, &format!("/api/v1/organizations/{}/users", b.id), &new_user).await.problem(404);
    app.get_as(&a.admin, &format!("/api/v1/organizations/{}/users", b.id)).await.problem(404);
    app.get_as(&a.admin, &format!("/api/v1/users/{b_member}")).await.problem(404);
    app.patch_as(&a.admin, &format!("/api/v1/users/{b_member}"), &json!({"active": false})).await.problem(404);
    app.post_as(&a.admin, &format!("/api/v1/users/{b_member}/password"), &json!({"new_password": "taken over by a"}))
        .await
        .problem(404);
    app.delete_as(&a.admin, &format!("/api/v1/api-keys/{b_key}")).await.problem(404);
    let keys = app.get_as(&a.admin, "/api/v1/api-keys").await.ok(200);
    assert!(keys["items"].as_array().unwrap().is_empty());
    // Bank B's own admin can.
    app.patch_read(&b.admin, &format!("/api/v1/users/{b_member}"), &json!({"role": "org_admin"})).await.ok(200);
    app.post_as(&a.admin, &format!("/api/v1/organizations/{}/users", a.id), &new_user).await.ok(201);
}

#[actix_rt::test]
async fn members_change_their_own_name_only() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (member, id) = app.member(&bank, "ana@bank-a.test").await;
    let (_, other) = app.member(&bank, "ben@bank-a.test").await;
    assert_eq!(
        app.patch_read(&member, &format!("/api/v1/users/{id}"), &json!({"name": "Ana K."})).await.ok(200)["name"],
        "Ana K."
    );
    app.patch_as(&member, &format!("/api/v1/users/{id}"), &json!({"role": "org_admin"})).await.problem(403);
    app.patch_as(&member, &format!("/api/v1/users/{other}"), &json!({"name": "Ben"})).await.problem(404);
    app.get_as(&member, &format!("/api/v1/organizations/{}/users", bank.id)).await.problem(403);
    app.post_as(&member, "/api/v1/api-keys", &json!({"name": "k", "scopes": ["alerts:write"]})).await.problem(403);
    // Admins cannot lock themselves out.
    app.patch_read(&bank.admin, &format!("/api/v1/users/{}", bank.admin_id), &json!({"active": false}))
        .await
        .problem(422);
    // A deactivated user's token stops working.
    app.patch_as(&bank.admin, &format!("/api/v1/users/{id}"), &json!({"active": false})).await.problem(428);
    app.patch_read(&bank.admin, &format!("/api/v1/users/{id}"), &json!({"active": false})).await.ok(200);
    app.get_as(&member, "/api/v1/me").await.problem(401);
}

#[actix_rt::test]
async fn changing_your_own_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (member, id) = app.member(&bank, "ana@bank-a.test").await;
    let path = format!("/api/v1/users/{id}/password");
    let p = app
        .post_as(
            &member,
            &path,
            &json!({"current_password": "not it at all", "new_password": "a brand new passphrase"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "current_password");
    app.post_as(&member, &path, &json!({"current_password": PASSWORD, "new_password": "short"})).await.problem(422);
    let res = app
        .post_as(&member, &path, &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
        .await;
    assert_eq!(res.status, 204);
    app.post("/api/v1/auth/login", &json!({"email": "ana@bank-a.test", "password": PASSWORD})).await.problem(401);
    app.login("ana@bank-a.test", "a brand new passphrase").await;
    // The org admin resets it without the current one.
    let res = app.post_as(&bank.admin, &path, &json!({"new_password": "reset by the admin!"})).await;
    assert_eq!(res.status, 204);
    app.login("ana@bank-a.test", "reset by the admin!").await;
}

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
async fn audit_rows_are_visible_to_own_org_admins_and_to_regulators() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let reg = app.org("regulator", "Regulator").await;
    app.api_key(&a, &["alerts:write"]).await;
    app.api_key(&b, &["alerts:write"]).await;
    app.post("/api/v1/auth/login", &json!({"email": a.admin_email, "password": "wrong password!!"})).await.problem(401);

    let own = app.get_as(&a.admin, "/api/v1/audit").await.ok(200);
    let rows = own["items"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["organization_id"] == a.id.as_str()), "{own}");
    assert!(rows.iter().any(|r| r["action"] == "apikey.create"));
    app.get_as(&a.admin, &format!("/api/v1/audit?organization_id={}", b.id)).await.problem(422);

    let all = app.get_as(&reg.admin, "/api/v1/audit?action=apikey.create").await.ok(200);
    let orgs: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|r| r["organization_id"].as_str().unwrap()).collect();
    assert!(orgs.contains(&a.id.as_str()) && orgs.contains(&b.id.as_str()));
    let failed = app.get_as(&reg.admin, "/api/v1/audit?action=auth.login_failed").await.ok(200);
    assert_eq!(failed["items"][0]["details"]["email"], a.admin_email.as_str());
    assert_eq!(failed["items"][0]["outcome"], "denied");

    let (member, _) = app.member(&a, "m@bank-a.test").await;
    app.get_as(&member, "/api/v1/audit").await.problem(403);
    let denied = app.get_as(&a.admin, "/api/v1/audit?action=audit.read").await.ok(200);
    assert!(denied["items"].as_array().unwrap().iter().any(|r| r["outcome"] == "denied"));
}

#[actix_rt::test]
async fn audit_pages_follow_the_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..5 {
        app.post_as(&admin, "/api/v1/organizations", &org_body(&format!("Org {i}"), "isp")).await.ok(201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?action=organization.create&limit=2".to_string();
    loop {
        let page = app.get_as(&admin, &path).await.ok(200);
        seen.extend(page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/audit?action=organization.create&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats: {seen:?}");
}

#[actix_rt::test]
async fn the_audit_chain_verifies_and_a_tampered_row_is_found() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    app.api_key(&bank, &["alerts:write"]).await;
    let mut conn = app.db.connect().await;
    let sealed = cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap();
    assert!(sealed >= 4, "{sealed}");
    let reg = app.org("regulator", "Regulator").await;
    let v = app.get_as(&reg.admin, "/api/v1/audit/verify").await.ok(200);
    assert_eq!(v, json!({"ok": true, "rows_checked": sealed, "first_broken_id": null}));

    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let victim: Id = diesel::sql_query("SELECT id FROM audit_events WHERE action = 'apikey.create'")
        .get_result(&mut conn)
        .await
        .unwrap();
    exec(&mut conn, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(&mut conn, &format!("UPDATE audit_events SET outcome = 'denied' WHERE id = {}", victim.id)).await;
    exec(&mut conn, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    let v = app.get_as(&reg.admin, "/api/v1/audit/verify").await.ok(200);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_broken_id"], victim.id);
}

#[actix_rt::test]
async fn audit_rows_cannot_be_changed_deleted_or_truncated() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let mut conn = app.db.connect().await;
    for sql in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_events SET hash = '\\x00', action = 'x'",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[actix_rt::test]
async fn the_rate_limit_answers_429_with_retry_after_and_ratelimit_headers() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limit = 1;
        c.rate_burst = 3;
    })
    .await;
    let admin = app.admin().await;
    for _ in 0..3 {
        app.get_as(&admin, "/api/v1/me").await.ok(200);
    }
    let res = app.get_as(&admin, "/api/v1/me").await;
    res.problem(429);
    assert!(res.header("retry-after").is_some());
    assert_eq!(res.header("ratelimit-limit").as_deref(), Some("1"));
    assert_eq!(res.header("ratelimit-remaining").as_deref(), Some("0"));
}
