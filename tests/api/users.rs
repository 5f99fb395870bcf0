//! People of an organisation: who administers whom, own name and password.

use serde_json::json;

use crate::support::{TestApp, PASSWORD};

#[actix_rt::test]
async fn org_admin_of_bank_a_cannot_touch_users_or_keys_of_bank_b() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let (_, b_member) = app.member(&b, "teller@bank-b.test").await;
    let (_, b_key) = app.api_key(&b, &["alerts:write"]).await;
    let new_user = json!({"email": "x@bank-a.test", "name": "X", "role": "member"});
    app.post_as(&a.admin, &format!("/api/v1/organizations/{}/users", b.id), &new_user).await.problem(404);
    app.get_as(&a.admin, &format!("/api/v1/organizations/{}/users", b.id)).await.problem(404);
    app.get_as(&a.admin, &format!("/api/v1/users/{b_member}")).await.problem(404);
    app.patch_as(&a.admin, &format!("/api/v1/users/{b_member}"), &json!({"active": false})).await.problem(404);
    app.post_as(&a.admin, &format!("/api/v1/users/{b_member}/password"), &json!({"new_password": "taken over by a"}))
        .await
        .problem(404);
    app.post_as(&a.admin, &format!("/api/v1/users/{b_member}/enrolment"), &json!({})).await.problem(404);
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
    // Nobody sets another's password: the org_admin sends a new enrolment link instead, which
    // works once, and an older link stops when a newer one is made.
    let p = app.post_as(&bank.admin, &path, &json!({"new_password": "reset by the admin!"})).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("/enrolment"), "{p}");
    let first = app.post_as(&bank.admin, &format!("/api/v1/users/{id}/enrolment"), &json!({})).await.ok(201);
    let second = app.post_as(&bank.admin, &format!("/api/v1/users/{id}/enrolment"), &json!({})).await.ok(201);
    let redeem = |token: &serde_json::Value| json!({"token": token, "password": "chosen by ana herself"});
    let p = app.post("/api/v1/auth/enrolment", &redeem(&first["token"])).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "token");
    app.post("/api/v1/auth/enrolment", &redeem(&second["token"])).await.ok(200);
    app.post("/api/v1/auth/enrolment", &redeem(&second["token"])).await.problem(422);
    app.login("ana@bank-a.test", "chosen by ana herself").await;
    // Not one's own (the current password does that).
    app.post_as(&bank.admin, &format!("/api/v1/users/{}/enrolment", bank.admin_id), &json!({})).await.problem(403);
}
