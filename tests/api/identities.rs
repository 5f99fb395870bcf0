//! Accountable identities: second factors (TOTP, recovery codes, enrolment per role and kind,
//! an administrator's reset) and sessions a user lists and ends.

use serde_json::{json, Value};

use crate::support::{TestApp, PASSWORD};
use cyberbridge::access::totp;

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Enrols a second factor for the holder of `auth`: (secret, recovery codes).
async fn enrol(app: &TestApp, auth: &str) -> (String, Vec<String>) {
    enrol_at(app, auth, 0).await
}

/// The same, confirmed with the code of the time step `offset` seconds from now.
async fn enrol_at(app: &TestApp, auth: &str, offset: i64) -> (String, Vec<String>) {
    let e = app.post_as(auth, "/api/v1/me/second-factor", &json!({})).await.ok(201);
    let secret = e["secret"].as_str().unwrap().to_string();
    assert!(e["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/cyberbridge:"));
    // A wrong code does not confirm it.
    let p = app.post_as(auth, "/api/v1/me/second-factor/confirm", &json!({"code": "000000"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "code");
    let code = totp::code_at(&secret, now().saturating_add_signed(offset)).unwrap();
    let codes = app.post_as(auth, "/api/v1/me/second-factor/confirm", &json!({"code": code})).await.ok(200);
    let codes: Vec<String> =
        codes["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Logs in with a password: the 202 challenge's login token.
async fn first_step(app: &TestApp, email: &str) -> String {
    let res = app.post("/api/v1/auth/login", &json!({"email": email, "password": PASSWORD})).await.ok(202);
    assert_eq!(res["second_factor_required"], true);
    assert!(res.get("access_token").is_none(), "no token before the second factor");
    res["login_token"].as_str().unwrap().to_string()
}

async fn second_step(app: &TestApp, token: &str, code: &str) -> crate::support::TestResponse {
    app.post("/api/v1/auth/login/second-factor", &json!({"login_token": token, "code": code})).await
}

#[actix_rt::test]
async fn a_login_with_a_second_factor_takes_two_steps_and_every_code_works_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    // Three time steps are used below (the one before, this one, the next, as the server
    // accepts): start well inside a step so that the test does not cross into another.
    while now() % 30 > 20 {
        actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let (secret, recovery) = enrol_at(&app, &bank.admin, -30).await;
    // A second enrolment while one is active: 409 (an administrator resets it).
    app.post_as(&bank.admin, "/api/v1/me/second-factor", &json!({})).await.problem(409);

    let token = first_step(&app, &bank.admin_email).await;
    let p = second_step(&app, &token, "123456").await.problem(401);
    assert_eq!(p["detail"], "wrong code");
    // The code of this step (the one of the step before confirmed the enrolment, and is spent).
    let again = totp::code_at(&secret, now() - 30).unwrap();
    let next = totp::code_at(&secret, now()).unwrap();
    if again != next {
        second_step(&app, &token, &again).await.problem(401);
    }
    let tokens = second_step(&app, &token, &next).await.ok(200);
    let auth = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    app.get_as(&auth, "/api/v1/me").await.ok(200);
    // The login token is spent; the same code in a new login is refused (its step is taken).
    second_step(&app, &token, &next).await.problem(401);
    let token = first_step(&app, &bank.admin_email).await;
    let p = second_step(&app, &token, &next).await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("used already"), "a reused code says so: {p}");
    // A recovery code works once, typed however.
    second_step(&app, &token, &recovery[0].to_uppercase()).await.ok(200);
    let token = first_step(&app, &bank.admin_email).await;
    second_step(&app, &token, &recovery[0]).await.problem(401);
    let used = app.get_as(&bank.admin, "/api/v1/audit?action=auth.recovery_code_used").await.ok(200);
    assert_eq!(used["items"][0]["details"]["recovery_codes_left"], 9);

    // Guesses in parallel: five tries per login token in all, then even the right code fails.
    let failed = || async {
        let page = app.get_as(&bank.admin, "/api/v1/audit?action=auth.second_factor_failed&limit=100").await.ok(200);
        page["items"].as_array().unwrap().len()
    };
    let before = failed().await;
    let token = first_step(&app, &bank.admin_email).await;
    let guesses = (0..12).map(|i| second_step(&app, &token, if i % 2 == 0 { "111111" } else { "222222" }));
    let answers = futures_util::future::join_all(guesses).await;
    assert!(answers.iter().all(|r| r.status == 401));
    second_step(&app, &token, &recovery[1]).await.problem(401);
    assert_eq!(failed().await - before, 5, "twelve guesses at once, five codes checked");

    // Renewing recovery codes needs a current TOTP code; the old ones stop working.
    let code = totp::code_at(&secret, now() + 30).unwrap();
    let renewed =
        app.post_as(&bank.admin, "/api/v1/me/second-factor/recovery-codes", &json!({"code": code})).await.ok(200);
    let fresh = renewed["recovery_codes"][0].as_str().unwrap().to_string();
    let token = first_step(&app, &bank.admin_email).await;
    second_step(&app, &token, &recovery[2]).await.problem(401);
    second_step(&app, &token, &fresh).await.ok(200);
}

#[actix_rt::test]
async fn enrolment_is_required_by_role_and_organisation_kind() {
    let app = TestApp::spawn_with(|c| c.mfa_required = cyberbridge::domain::org::DEFAULT_MFA_REQUIRED.into()).await;
    // The platform admin is an org_admin: nothing but enrolment until it has a second factor.
    let admin = app.admin().await;
    let p = app.get_as(&admin, "/api/v1/organizations").await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("second factor"), "{p}");
    enrol(&app, &admin).await;
    let police = app.org("law_enforcement", "Police").await;
    let bank = app.org("bank", "Bank A").await;
    // A bank's org_admin must enrol too.
    app.get_as(&bank.admin, "/api/v1/api-keys").await.problem(403);
    enrol(&app, &bank.admin).await;
    enrol(&app, &police.admin).await;
    let (officer, _) = app.member(&police, "officer@police.test").await;
    let (teller, _) = app.member(&bank, "teller@bank-a.test").await;
    // Every user of a public-sector organisation must; a bank's member need not.
    let res =
        app.post("/api/v1/auth/login", &json!({"email": "officer@police.test", "password": PASSWORD})).await.ok(200);
    assert_eq!(res["second_factor_enrollment_required"], true);
    let me = app.get_as(&officer, "/api/v1/me").await.ok(200);
    assert_eq!(me["second_factor_enrollment_required"], true);
    assert_eq!(me["permissions"], json!([]));
    app.get_as(&officer, "/api/v1/reports").await.problem(403);
    assert_eq!(app.get_as(&teller, "/api/v1/me").await.ok(200)["second_factor_enrollment_required"], false);
    app.get_as(&teller, "/api/v1/reports").await.ok(200);
    // API keys are machine credentials: no second factor.
    let (key, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.get_as(&key, "/api/v1/me").await.ok(200);
    // Once enrolled, the same session works, and the next login asks for the code.
    enrol(&app, &officer).await;
    app.get_as(&officer, "/api/v1/reports").await.ok(200);
    first_step(&app, "officer@police.test").await;
}

#[actix_rt::test]
async fn an_administrator_resets_a_members_second_factor_and_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let (teller, teller_id) = app.member(&bank, "teller@bank-a.test").await;
    enrol(&app, &teller).await;
    let path = format!("/api/v1/users/{teller_id}/second-factor");
    app.call(awc::http::Method::DELETE, &path, &other.admin, None).await.problem(404);
    app.call(awc::http::Method::DELETE, &path, &teller, None).await.problem(403);
    let own = format!("/api/v1/users/{}/second-factor", bank.admin_id);
    app.call(awc::http::Method::DELETE, &own, &bank.admin, None).await.problem(403);
    app.call(awc::http::Method::DELETE, &path, &bank.admin, None).await.ok(204);
    app.get_as(&teller, "/api/v1/me").await.problem(401);
    // The password alone logs in again, to enrol anew.
    app.login("teller@bank-a.test", PASSWORD).await;
    app.call(awc::http::Method::DELETE, &path, &bank.admin, None).await.problem(404);
    let audit = app.get_as(&bank.admin, "/api/v1/audit?action=user.second_factor_reset").await.ok(200);
    assert_eq!(audit["items"][0]["object_id"], teller_id.as_str());
    assert_eq!(audit["items"][0]["user_id"], bank.admin_id.as_str());
}

#[actix_rt::test]
async fn a_user_lists_sessions_and_an_ended_one_stops_its_tokens_at_once() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let laptop =
        app.post("/api/v1/auth/login", &json!({"email": bank.admin_email, "password": PASSWORD})).await.ok(200);
    let laptop_auth = format!("Bearer {}", laptop["access_token"].as_str().unwrap());
    let listed = app.get_as(&bank.admin, "/api/v1/me/sessions").await.ok(200);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let laptop_session: &Value = items.iter().find(|s| s["current"] == false).unwrap();
    let id = laptop_session["id"].as_str().unwrap();
    // Another user's session is not theirs to end.
    app.call(awc::http::Method::DELETE, &format!("/api/v1/me/sessions/{id}"), &other.admin, None).await.problem(404);
    app.get_as(&laptop_auth, "/api/v1/me").await.ok(200);
    app.call(awc::http::Method::DELETE, &format!("/api/v1/me/sessions/{id}"), &bank.admin, None).await.ok(204);
    let p = app.get_as(&laptop_auth, "/api/v1/me").await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("session was ended"), "{p}");
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": laptop["refresh_token"]})).await.problem(401);
    app.get_as(&bank.admin, "/api/v1/me").await.ok(200);
    assert_eq!(app.get_as(&bank.admin, "/api/v1/me/sessions").await.ok(200)["items"].as_array().unwrap().len(), 1);
    app.call(awc::http::Method::DELETE, &format!("/api/v1/me/sessions/{id}"), &bank.admin, None).await.problem(404);
    // API keys have no sessions.
    let (key, _) = app.api_key(&bank, &["indicators:lookup"]).await;
    app.get_as(&key, "/api/v1/me/sessions").await.problem(403);
}

/// The platform admin's organisation id.
async fn platform_org(app: &TestApp, admin: &str) -> String {
    app.get_as(admin, "/api/v1/me").await.ok(200)["organization_id"].as_str().unwrap().to_string()
}

fn police_body(name: &str) -> Value {
    json!({"name": name, "kind": "law_enforcement", "country": "XK",
           "contact": {"name": "Duty desk", "email": "desk@police.example", "phone": "+38344111222"}})
}

#[actix_rt::test]
async fn granting_powers_waits_for_a_second_platform_admin_once_there_are_two() {
    use awc::http::Method;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let platform = platform_org(&app, &admin).await;
    // A fresh install: the only platform admin acts alone, and the audit says so.
    let police = app.post_as(&admin, "/api/v1/organizations", &police_body("Police One")).await.ok(201);
    let second = app
        .post_as(
            &admin,
            &format!("/api/v1/organizations/{platform}/users"),
            &json!({"email": "second@platform.test", "name": "Second", "role": "org_admin"}),
        )
        .await
        .ok(201);
    app.enrol(second["enrolment"]["token"].as_str().unwrap()).await;
    let flagged = app.get_as(&admin, "/api/v1/audit?action=organization.create").await.ok(200);
    assert_eq!(flagged["items"][0]["object_id"], police["id"]);
    assert_eq!(flagged["items"][0]["details"]["four_eyes"], "sole_platform_admin");
    let admin2 = app.login("second@platform.test", PASSWORD).await;
    *app.approver.lock().unwrap() = Some(admin2.clone());

    // From the second platform admin on, a public-sector organisation waits.
    let filed = app.post_as(&admin, "/api/v1/organizations", &police_body("Police Two")).await.ok(202);
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["action"], "organization.create");
    let id = filed["id"].as_str().unwrap().to_string();
    let listed = app.get_as(&admin, "/api/v1/organizations?kind=law_enforcement").await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "not registered before approval");
    // Not by the one who asked; not by anyone but a platform admin; seen by every platform admin.
    app.post_as(&admin, &format!("/api/v1/approvals/{id}/approve"), &json!({})).await.problem(403);
    let bank = app.org("bank", "Bank A").await;
    app.get_as(&bank.admin, "/api/v1/approvals").await.problem(403);
    app.post_as(&bank.admin, &format!("/api/v1/approvals/{id}/approve"), &json!({})).await.problem(403);
    let pending = app.get_as(&admin2, "/api/v1/approvals").await.ok(200);
    assert_eq!(pending["items"][0]["id"], id.as_str());
    // Two clicks at once: one decision.
    let path = format!("/api/v1/approvals/{id}/approve");
    let (a, b) =
        futures_util::future::join(app.post_as(&admin2, &path, &json!({})), app.post_as(&admin2, &path, &json!({})))
            .await;
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let approved = app.get_as(&admin2, &format!("/api/v1/approvals/{id}")).await.ok(200);
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], second["id"]);
    app.get_as(&admin, &format!("/api/v1/organizations/{}", approved["result_id"].as_str().unwrap())).await.ok(200);
    let listed = app.get_as(&admin, "/api/v1/organizations?kind=law_enforcement").await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let audit = app.get_as(&admin, "/api/v1/audit?action=approval.decide").await.ok(200);
    assert_eq!(audit["items"][0]["details"]["requested_by"], app.get_as(&admin, "/api/v1/me").await.ok(200)["user_id"]);
    assert_eq!(audit["items"][0]["details"]["approved_by"], second["id"]);

    // A bank's identifiers route money alerts: sent alone, they wait; the second admin rejects.
    let bank_path = format!("/api/v1/organizations/{}", bank.id);
    let etag = app.get_as(&admin, &bank_path).await.header("etag").unwrap();
    let ids = json!([{"bic": "BANKXKPR", "country": "XK", "bank_code": "12"}]);
    let mixed = json!({"name": "Bank A renamed", "bank_identifiers": ids});
    let p = app
        .send(Method::PATCH, &bank_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&mixed))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "bank_identifiers");
    let alone = json!({"bank_identifiers": ids});
    let filed = app
        .send(Method::PATCH, &bank_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&alone))
        .await
        .ok(202);
    let reject = format!("/api/v1/approvals/{}/reject", filed["id"].as_str().unwrap());
    app.post_as(&admin2, &reject, &json!({"reason": ""})).await.problem(422);
    let rejected = app.post_as(&admin2, &reject, &json!({"reason": "No letter from the bank"})).await.ok(200);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(app.get_as(&admin, &bank_path).await.ok(200)["bank_identifiers"], json!([]));
    // Filed again and approved: applied then, not before.
    let filed = app
        .send(Method::PATCH, &bank_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&alone))
        .await
        .ok(202);
    assert_eq!(app.get_as(&admin, &bank_path).await.ok(200)["bank_identifiers"], json!([]));
    app.post_as(&admin2, &format!("/api/v1/approvals/{}/approve", filed["id"].as_str().unwrap()), &json!({}))
        .await
        .ok(200);
    let routed = app.get_as(&admin, &bank_path).await.ok(200);
    assert_eq!(routed["bank_identifiers"][0]["bic"], "BANKXKPR");

    // Making someone a platform admin waits too; an approval expires after 72 hours.
    let member = app
        .post_as(
            &admin,
            &format!("/api/v1/organizations/{platform}/users"),
            &json!({"email": "third@platform.test", "name": "Third", "role": "member"}),
        )
        .await
        .ok(201);
    // The filer made the member and saw its link: say they redeemed it themselves.
    app.enrol(member["enrolment"]["token"].as_str().unwrap()).await;
    app.login("third@platform.test", PASSWORD).await;
    let user_path = format!("/api/v1/users/{}", member["id"].as_str().unwrap());
    let etag = app.get_as(&admin, &user_path).await.header("etag").unwrap();
    let promote = json!({"role": "org_admin"});
    let filed = app
        .send(Method::PATCH, &user_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&promote))
        .await
        .ok(202);
    assert_eq!(filed["action"], "user.platform_admin");
    assert!(filed["change"].get("_secret").is_none(), "the part's hash stays inside");
    assert_eq!(app.get_as(&admin, &user_path).await.ok(200)["role"], "member");
    let mut conn = app.db.connect().await;
    crate::support::exec(
        &mut conn,
        &format!(
            "UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = '{}'",
            filed["id"].as_str().unwrap()
        ),
    )
    .await;
    let expired = format!("/api/v1/approvals/{}", filed["id"].as_str().unwrap());
    assert_eq!(app.get_as(&admin2, &expired).await.ok(200)["status"], "expired");
    app.post_as(&admin2, &format!("{expired}/approve"), &json!({})).await.problem(409);
    assert_eq!(app.get_as(&admin, &user_path).await.ok(200)["role"], "member");
    let filed = app
        .send(Method::PATCH, &user_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&promote))
        .await
        .ok(202);
    let approval_path = format!("/api/v1/approvals/{}", filed["id"].as_str().unwrap());
    let approved = app.post_as(&admin2, &format!("{approval_path}/approve"), &json!({})).await.ok(200);
    assert_eq!(app.get_as(&admin, &user_path).await.ok(200)["role"], "org_admin");
    // The member the filer made (and knew the password of) is a platform admin with no
    // password: its new enrolment token is split between filer and approver, each part shown once.
    app.post("/api/v1/auth/login", &json!({"email": "third@platform.test", "password": PASSWORD})).await.problem(401);
    let (one, two) =
        (filed["enrolment_token_part_1"].as_str().unwrap(), approved["enrolment_token_part_2"].as_str().unwrap());
    for part in [one, two] {
        app.post("/api/v1/auth/enrolment", &json!({"token": part, "password": PASSWORD})).await.problem(422);
    }
    let seen = app.get_as(&admin2, &approval_path).await.ok(200);
    assert!(seen.get("enrolment_token_part_1").is_none() && seen.get("enrolment_token_part_2").is_none(), "shown once");
    app.enrol(&format!("{one}{two}")).await;
    app.login("third@platform.test", PASSWORD).await;
    // A new platform admin created outright waits the same way, with no password at all.
    let filed = app
        .post_as(
            &admin2,
            &format!("/api/v1/organizations/{platform}/users"),
            &json!({"email": "fourth@platform.test", "name": "Fourth", "role": "org_admin"}),
        )
        .await
        .ok(202);
    let approved = app
        .post_as(&admin, &format!("/api/v1/approvals/{}/approve", filed["id"].as_str().unwrap()), &json!({}))
        .await
        .ok(200);
    app.post("/api/v1/auth/login", &json!({"email": "fourth@platform.test", "password": ""})).await.problem(401);
    let token = format!(
        "{}{}",
        filed["enrolment_token_part_1"].as_str().unwrap(),
        approved["enrolment_token_part_2"].as_str().unwrap()
    );
    app.enrol(&token).await;
    app.login("fourth@platform.test", PASSWORD).await;

    // One platform admin cannot take over another's account through the API: no reset of a
    // platform admin's password or second factor, and a reactivation waits like a promotion.
    let second_id = second["id"].as_str().unwrap();
    let reset = json!({"new_password": "taken over by the first admin"});
    app.post_as(&admin, &format!("/api/v1/users/{second_id}/password"), &reset).await.problem(403);
    app.post_as(&admin, &format!("/api/v1/users/{second_id}/enrolment"), &json!({})).await.problem(403);
    app.call(Method::DELETE, &format!("/api/v1/users/{second_id}/second-factor"), &admin, None).await.problem(403);

    // Deactivating the other platform admins does not bring back acting alone.
    for email in ["second@platform.test", "third@platform.test", "fourth@platform.test"] {
        let users = app.get_as(&admin, &format!("/api/v1/organizations/{platform}/users?limit=100")).await.ok(200);
        let user = users["items"].as_array().unwrap().iter().find(|u| u["email"] == email).unwrap().clone();
        let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
        let etag = app.get_as(&admin, &path).await.header("etag").unwrap();
        app.send(
            Method::PATCH,
            &path,
            &[("Authorization", &admin), ("If-Match", &etag)],
            Some(&json!({"active": false})),
        )
        .await
        .ok(200);
    }
    app.post_as(&admin, "/api/v1/organizations", &police_body("Police Three")).await.ok(202);
    let second_path = format!("/api/v1/users/{second_id}");
    let etag = app.get_as(&admin, &second_path).await.header("etag").unwrap();
    let back = json!({"active": true});
    let filed = app
        .send(Method::PATCH, &second_path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&back))
        .await
        .ok(202);
    assert_eq!(filed["action"], "user.platform_admin");
    assert_eq!(app.get_as(&admin, &second_path).await.ok(200)["active"], false);
    // Nor can the API's database role switch four eyes off again.
    use diesel_async::{AsyncConnection, RunQueryDsl};
    let mut service = diesel_async::AsyncPgConnection::establish(&app.db.service_url).await.unwrap();
    for sql in [
        "DELETE FROM app_settings WHERE key = 'four_eyes_since'",
        "UPDATE app_settings SET value = '' WHERE key = 'four_eyes_since'",
    ] {
        let err = diesel::sql_query(sql).execute(&mut service).await.expect_err(sql);
        assert!(err.to_string().contains("stay on"), "{sql}: {err}");
    }
}

#[actix_rt::test]
async fn enrolling_ends_the_sessions_opened_with_the_password_alone() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    // Someone else logged in with the stolen password before the owner enrolled.
    let intruder =
        app.post("/api/v1/auth/login", &json!({"email": bank.admin_email, "password": PASSWORD})).await.ok(200);
    let intruder_auth = format!("Bearer {}", intruder["access_token"].as_str().unwrap());
    app.get_as(&intruder_auth, "/api/v1/me").await.ok(200);
    enrol(&app, &bank.admin).await;
    app.get_as(&intruder_auth, "/api/v1/me").await.problem(401);
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": intruder["refresh_token"]})).await.problem(401);
    // The owner's session, which proved the factor, goes on.
    app.get_as(&bank.admin, "/api/v1/me").await.ok(200);
}

#[actix_rt::test]
async fn codes_are_tried_ten_times_an_hour_whatever_the_login_token() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (secret, _) = enrol(&app, &bank.admin).await;
    // Five wrong codes on each of two login tokens, then the right one on a third: 429; and no
    // new login token is handed out until the hour is over.
    let tokens = [
        first_step(&app, &bank.admin_email).await,
        first_step(&app, &bank.admin_email).await,
        first_step(&app, &bank.admin_email).await,
    ];
    for token in &tokens[..2] {
        for _ in 0..5 {
            second_step(&app, token, "000000").await.problem(401);
        }
    }
    let token = &tokens[2];
    let right = totp::code_at(&secret, now() + 30).unwrap();
    let p = second_step(&app, token, &right).await.problem(429);
    assert!(p["detail"].as_str().unwrap().contains("too many codes"), "{p}");
    let p =
        app.post("/api/v1/auth/login", &json!({"email": bank.admin_email, "password": PASSWORD})).await.problem(429);
    assert!(p["detail"].as_str().unwrap().contains("too many codes"), "{p}");
}

#[actix_rt::test]
async fn ending_someone_elses_session_id_touches_nothing_of_theirs() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let other = app.org("bank", "Bank B").await;
    let theirs =
        app.post("/api/v1/auth/login", &json!({"email": other.admin_email, "password": PASSWORD})).await.ok(200);
    let their_auth = format!("Bearer {}", theirs["access_token"].as_str().unwrap());
    let sessions = app.get_as(&their_auth, "/api/v1/me/sessions").await.ok(200);
    let id = sessions["items"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].clone();
    let path = format!("/api/v1/me/sessions/{}", id.as_str().unwrap());
    app.call(awc::http::Method::DELETE, &path, &bank.admin, None).await.problem(404);
    app.get_as(&their_auth, "/api/v1/me").await.ok(200);
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": theirs["refresh_token"]})).await.ok(200);
}

#[actix_rt::test]
async fn only_accredited_officers_issue_and_validate_and_the_addressee_sees_who() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let bank = app.org("bank", "Bank A").await;
    let order = json!({
        "type": "traffic_data", "addressee_id": isp.id, "case_reference": "PK-2026-1142",
        "legal_basis": {"provision": "CPC art. 123"}, "data_categories": ["traffic"], "urgency": "routine",
        "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "observed_at": "2026-11-20T10:15:00+01:00"}],
        "validator_id": prosecutor.id,
    });
    // A member the org_admin has not accredited, then one recorded but not authorised: 403.
    let (detective, detective_id) = app.member(&police, "detective@police.test").await;
    let p = app.post_as(&detective, "/api/v1/requests", &order).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("not authorised to issue"), "{p}");
    app.accredit(&police, &detective_id, &[]).await;
    app.post_as(&detective, "/api/v1/requests", &order).await.problem(403);
    // A member cannot accredit themselves; a bank has no officers.
    let path = format!("/api/v1/users/{detective_id}");
    let etag = app.get_as(&detective, &path).await.header("etag").unwrap();
    let grant = json!({"authorisations": ["issue_data_requests"]});
    app.send(awc::http::Method::PATCH, &path, &[("Authorization", &detective), ("If-Match", &etag)], Some(&grant))
        .await
        .problem(403);
    let bank_path = format!("/api/v1/users/{}", bank.admin_id);
    let etag = app.get_as(&bank.admin, &bank_path).await.header("etag").unwrap();
    let p = app
        .send(
            awc::http::Method::PATCH,
            &bank_path,
            &[("Authorization", &bank.admin), ("If-Match", &etag)],
            Some(&grant),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "authorisations");
    // From outside the police, nobody accredits or takes over an officer: not a platform admin.
    let admin = app.admin().await;
    let etag = app.get_as(&admin, &path).await.header("etag").unwrap();
    app.send(awc::http::Method::PATCH, &path, &[("Authorization", &admin), ("If-Match", &etag)], Some(&grant))
        .await
        .problem(403);
    let takeover = json!({"new_password": "known to the platform admin"});
    app.post_as(&admin, &format!("{path}/password"), &takeover).await.problem(403);
    app.call(awc::http::Method::DELETE, &format!("{path}/second-factor"), &admin, None).await.problem(403);
    // An API key issues nothing: an order names a person.
    let (key, _) = app.api_key(&police, &["requests:read", "requests:write"]).await;
    app.post_as(&key, "/api/v1/requests", &order).await.problem(403);
    // Accredited and authorised: issued, the officer on it.
    app.accredit(&police, &detective_id, &["issue_data_requests"]).await;
    // An accredited officer's name (which signed orders carry) is not theirs to change.
    let etag = app.get_as(&detective, &path).await.header("etag").unwrap();
    let rename = json!({"name": "Chief Prosecutor"});
    app.send(awc::http::Method::PATCH, &path, &[("Authorization", &detective), ("If-Match", &etag)], Some(&rename))
        .await
        .problem(403);
    let issued = app.post_as(&detective, "/api/v1/requests", &order).await.ok(201);
    assert_eq!(issued["issuing_officer"]["user_id"], detective_id.as_str());
    assert_eq!(issued["issuing_officer"]["registration_number"], format!("REG-{}", &detective_id[..8]));
    // The prosecutor's member must be authorised to validate too.
    let (clerk, clerk_id) = app.member(&prosecutor, "clerk@prosecutor.test").await;
    let validate = format!("/api/v1/requests/{}/validate", issued["id"].as_str().unwrap());
    let decision = json!({"decision": "approve"});
    let p = app.post_as(&clerk, &validate, &decision).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("not authorised to validate"), "{p}");
    app.accredit(&prosecutor, &clerk_id, &["validate_data_requests"]).await;
    app.post_as(&clerk, &validate, &decision).await.ok(200);
    // The addressee sees both officers, on the request and in the signed order.
    let seen = app.get_as(&isp.admin, &format!("/api/v1/requests/{}", issued["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(seen["issuing_officer"]["name"], "Member");
    assert_eq!(seen["validating_officer"]["user_id"], clerk_id.as_str());
    let docs = app
        .get_as(&isp.admin, &format!("/api/v1/requests/{}/signed-documents", issued["id"].as_str().unwrap()))
        .await
        .ok(200);
    let signed: Value = serde_json::from_str(docs["items"][1]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(signed["type"], "cyberbridge.order/v1");
    assert_eq!(signed["issuer"]["officer"]["user_id"], detective_id.as_str());
    assert_eq!(signed["validation"]["officer"]["user_id"], clerk_id.as_str());
}

#[actix_rt::test]
async fn the_operators_reset_removes_a_lost_second_factor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    enrol(&app, &admin).await;
    first_step(&app, crate::support::ADMIN_EMAIL).await;
    // The break-glass path for a platform admin who lost their authenticator.
    let reset = cyberbridge::app::admin::AdminCommand::ResetPassword {
        email: crate::support::ADMIN_EMAIL.into(),
        password: "reset by the operator".into(),
    };
    let said = app.cli(reset).await.unwrap().text;
    assert!(said.contains("second factor removed"), "{said}");
    app.get_as(&admin, "/api/v1/me").await.problem(401);
    app.login(crate::support::ADMIN_EMAIL, "reset by the operator").await;
}
