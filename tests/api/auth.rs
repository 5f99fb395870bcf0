//! Sessions: login and lockout, refresh-token rotation, logout, forged tokens, the rate limit.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{TestApp, ADMIN_EMAIL, JWT_SECRET, PASSWORD};

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

#[actix_rt::test]
async fn a_password_reset_ends_the_access_tokens_of_the_user_at_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (member, id) = app.member(&bank, "teller@bank-a.test").await;
    app.get_as(&member, "/api/v1/me").await.ok(200);
    // By the org_admin, over the API: a new enrolment link; the old password stops at once.
    let link = app.post_as(&bank.admin, &format!("/api/v1/users/{id}/enrolment"), &json!({})).await.ok(201);
    app.get_as(&member, "/api/v1/me").await.problem(401);
    app.post("/api/v1/auth/login", &json!({"email": "teller@bank-a.test", "password": PASSWORD})).await.problem(401);
    let body = json!({"token": link["token"], "password": "a brand new passphrase"});
    app.post("/api/v1/auth/enrolment", &body).await.ok(200);
    // By the operator, from the command line.
    let again = app.login("teller@bank-a.test", "a brand new passphrase").await;
    app.get_as(&again, "/api/v1/me").await.ok(200);
    let reset = cyberbridge::app::admin::AdminCommand::ResetPassword {
        email: "teller@bank-a.test".into(),
        password: "reset by the operator".into(),
    };
    app.cli(reset).await.expect("admin reset-password");
    app.get_as(&again, "/api/v1/me").await.problem(401);
    app.login("teller@bank-a.test", "reset by the operator").await;
}

#[actix_rt::test]
async fn a_generated_admin_password_is_in_a_private_file_and_must_be_changed_first() {
    use std::os::unix::fs::PermissionsExt;
    let db = crate::support::TestDb::create().await;
    let data_dir = std::env::temp_dir().join(format!("cyberbridge-first-run-{}", uuid::Uuid::new_v4().simple()));
    let mut config = cyberbridge::Config::for_database(&db.service_url);
    config.owner_database_url = Some(db.url.clone().into());
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = None;
    // A folder the server cannot write to: the start fails before any admin is committed
    // (none whose password nobody has), and the next start with a good folder makes one.
    let blocker = std::env::temp_dir().join(format!("cyberbridge-not-a-dir-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&blocker, "a file, not a folder").unwrap();
    config.data_dir = blocker.join("data");
    let refused = cyberbridge::server::prepare_database(&config).await.err().expect("refused").to_string();
    assert!(refused.contains("cannot write the admin password"), "{refused}");
    std::fs::remove_file(&blocker).unwrap();
    config.data_dir = data_dir.clone();
    // (Had the refused start committed an admin, this one would generate no password.)
    let server = cyberbridge::server::prepare_database(&config).await.expect("first start");
    assert!(server.cluster.is_none());
    // The file is the database's own: a folder per server and database under the data dir.
    let folders: Vec<_> = std::fs::read_dir(&data_dir).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(folders[0].file_name().unwrap().to_string_lossy().contains(&db.name), "{folders:?}");
    let file = folders[0].join("admin-password");
    let mode = std::fs::metadata(&file).expect("the password file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by the server's user only");
    let generated = std::fs::read_to_string(&file).unwrap().trim().to_string();
    std::fs::remove_dir_all(&data_dir).unwrap();

    let app = TestApp::serve(db, |_| {}).await;
    let res = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": generated})).await;
    let tokens = res.ok(200);
    assert_eq!(tokens["password_change_required"], true);
    let first = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let me = app.get_as(&first, "/api/v1/me").await.ok(200);
    assert_eq!(me["password_change_required"], true);
    assert!(me["permissions"].as_array().unwrap().is_empty(), "{me}");
    let p = app.get_as(&first, "/api/v1/organizations").await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("/password"), "{p}");
    let admin_id = me["user_id"].as_str().unwrap();
    let change = json!({"current_password": generated, "new_password": PASSWORD});
    app.post_as(&first, &format!("/api/v1/users/{admin_id}/password"), &change).await.ok(204);
    app.get_as(&first, "/api/v1/me").await.problem(401);
    let tokens = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await.ok(200);
    assert_eq!(tokens["password_change_required"], false);
    let own = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    app.get_as(&own, "/api/v1/organizations").await.ok(200);
}

/// A login from `address` (the test server trusts `X-Forwarded-For`).
async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> crate::support::TestResponse {
    let body = json!({"email": email, "password": password});
    app.send(awc::http::Method::POST, "/api/v1/auth/login", &[("X-Forwarded-For", address)], Some(&body)).await
}

fn behind_proxy(c: &mut cyberbridge::kernel::config::Config) {
    c.client_address_header = Some("X-Forwarded-For".into());
}

#[actix_rt::test]
async fn parallel_guesses_check_at_most_five_passwords_and_the_owner_keeps_their_desk() {
    let app = TestApp::spawn_with(behind_proxy).await;
    let auditor = app.admin().await;
    // The owner logs in from their desk once: that address is known.
    login_from(&app, "198.51.100.7", ADMIN_EMAIL, PASSWORD).await.ok(200);
    // 64 guesses at once from one address: at most 5 passwords are checked.
    let guesses = (0..64)
        .map(|i| login_from(&app, "203.0.113.9", ADMIN_EMAIL, if i == 63 { PASSWORD } else { "wrong password!!" }));
    let answers = futures_util::future::join_all(guesses).await;
    // A password was checked where the answer is 200 or 401; 429 (the lock) and 503 (hashing at
    // capacity, on a loaded machine) check none.
    assert!(answers.iter().all(|r| [200, 401, 429, 503].contains(&r.status)));
    let checked = answers.iter().filter(|r| r.status == 200 || r.status == 401).count();
    assert!(checked <= 5, "{checked} passwords checked");
    assert!(answers.iter().filter(|r| r.status == 429).all(|r| r.header("retry-after").is_some()));
    let audit = app.get_as(&auditor, "/api/v1/audit?action=auth.login_failed&limit=500").await.ok(200);
    assert!(audit["items"].as_array().unwrap().len() <= 5);
    // Many addresses: the account's guesses from unknown addresses are capped together ...
    for i in 0..30 {
        let _ = login_from(&app, &format!("192.0.2.{}", 10 + i), ADMIN_EMAIL, "wrong password!!").await;
    }
    login_from(&app, "192.0.2.200", ADMIN_EMAIL, PASSWORD).await.problem(429);
    // ... while the desk the owner works from stays open.
    login_from(&app, "198.51.100.7", ADMIN_EMAIL, PASSWORD).await.ok(200);
    // One locked row per lock and window, not one per refused attempt.
    let locked = app.get_as(&auditor, "/api/v1/audit?action=auth.login_locked&limit=500").await.ok(200);
    assert!(locked["items"].as_array().unwrap().len() <= 2, "{locked}");
}

#[actix_rt::test]
async fn oversized_credentials_are_refused_before_any_hashing() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(200_000);
    let p = app.post("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": huge})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
    let long = format!("{}@example.org", "a".repeat(250));
    let p = app.post("/api/v1/auth/login", &json!({"email": long, "password": "wrong password!!"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
}

#[actix_rt::test]
async fn logins_beyond_the_hashing_capacity_get_503_and_an_address_flooding_auth_gets_429() {
    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.hash_concurrency = Some(1);
    })
    .await;
    // 60 logins at once from 60 addresses, one hash at a time, each waiting a second at most.
    let who: Vec<(String, String)> = (0..60).map(|i| (format!("192.0.2.{i}"), format!("u{i}@nowhere.test"))).collect();
    let logins = who.iter().map(|(address, email)| login_from(&app, address, email, "wrong password!!"));
    let answers = futures_util::future::join_all(logins).await;
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert!(!busy.is_empty(), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(busy.iter().all(|r| r.header("retry-after").as_deref() == Some("1")));
    assert!(busy.iter().all(|r| r.json()["detail"].as_str().unwrap().contains("password checks")));
    assert!(answers.iter().all(|r| matches!(r.status, 401 | 503)));
    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.auth_rate_limit = 1;
        c.auth_rate_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(login_from(&app, "203.0.113.50", "x@nowhere.test", "wrong password!!").await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
    login_from(&app, "203.0.113.51", ADMIN_EMAIL, PASSWORD).await.ok(200);
    // Unknown API keys spend the same budget; a valid key never does, even when the cache
    // of keys was emptied meanwhile (any key change empties it).
    let bank = app.org("bank", "Bank A").await;
    let (valid, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    let app = &app;
    let from = |key: String| async move {
        let headers = [("Authorization", key.as_str()), ("X-Forwarded-For", "203.0.113.52")];
        app.send(awc::http::Method::GET, "/api/v1/me", &headers, None).await.status
    };
    assert_eq!(from(valid.clone()).await, 200);
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(from(format!("ApiKey cbk_unknown_{i}")).await);
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
    let (_, other) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.delete_as(&bank.admin, &format!("/api/v1/api-keys/{other}")).await.ok(204);
    assert_eq!(from("ApiKey cbk_unknown_7".into()).await, 429);
    assert_eq!(from(valid).await, 200);
}

#[actix_rt::test]
async fn guessing_the_current_password_in_a_password_change_is_counted_like_a_login() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let path = format!("/api/v1/users/{}/password", bank.admin_id);
    for _ in 0..5 {
        let body = json!({"current_password": "not the password", "new_password": "a new passphrase of words"});
        app.post_as(&bank.admin, &path, &body).await.problem(422);
    }
    let body = json!({"current_password": PASSWORD, "new_password": "a new passphrase of words"});
    app.post_as(&bank.admin, &path, &body).await.problem(429);
}

#[actix_rt::test]
async fn an_e_mail_with_capitals_is_one_account_for_the_lockout() {
    let app = TestApp::spawn_with(behind_proxy).await;
    let bank = app.org("bank", "Bank A").await;
    app.member(&bank, "Ana.Officer@bank-a.test").await;
    // Successes clear the count: six logins in a row from one desk all pass.
    for i in 0..6 {
        let res = login_from(&app, "198.51.100.20", "Ana.Officer@bank-a.test", PASSWORD).await;
        assert_eq!(res.status, 200, "login {i}: {}", res.text());
    }
    // Guesses from elsewhere, typed in another case, lock the unknown addresses only.
    for i in 0..25 {
        let _ = login_from(&app, &format!("192.0.2.{}", 50 + i), "ana.officer@BANK-A.test", "wrong password!!").await;
    }
    login_from(&app, "192.0.2.99", "Ana.Officer@bank-a.test", PASSWORD).await.problem(429);
    login_from(&app, "198.51.100.20", "ANA.OFFICER@bank-a.test", PASSWORD).await.ok(200);
}
