//! Powers granted by one person (issue S1): a lone platform admin, with a second platform admin
//! on the platform, against every action of the action table and every organisation kind; the
//! reproduction of the planted-officer attack and its neighbours, each refused.

use awc::http::Method;
use serde_json::{json, Value};

use crate::support::fixtures::{iban_xk, org_body, report_body};
use crate::support::{Org, TestApp, TestResponse, PASSWORD};
use cyberbridge::access::{Action, Alone};

const KINDS: [&str; 7] = ["law_enforcement", "prosecution", "court", "fiu", "isp", "bank", "regulator"];

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Enrols and confirms a second factor for the holder of `auth`.
async fn second_factor(app: &TestApp, auth: &str) {
    let e = app.post_as(auth, "/api/v1/me/second-factor", &json!({})).await.ok(201);
    let code = cyberbridge::access::totp::code_at(e["secret"].as_str().unwrap(), now()).unwrap();
    app.post_as(auth, "/api/v1/me/second-factor/confirm", &json!({"code": code})).await.ok(200);
}

/// A second platform admin, enrolled and logged in (four eyes are on from now on); it approves
/// what the `org` helpers file.
async fn second_admin(app: &TestApp) -> String {
    let admin = app.admin().await;
    let platform = app.get_as(&admin, "/api/v1/me").await.ok(200)["organization_id"].as_str().unwrap().to_string();
    let made = app
        .post_as(
            &admin,
            &format!("/api/v1/organizations/{platform}/users"),
            &json!({"email": "second@platform.test", "name": "Second operator", "role": "org_admin"}),
        )
        .await
        .ok(201);
    app.enrol(made["enrolment"]["token"].as_str().unwrap()).await;
    let second = app.login("second@platform.test", PASSWORD).await;
    *app.approver.lock().unwrap() = Some(second.clone());
    second
}

/// One organisation of each kind and what it holds.
struct Target {
    kind: &'static str,
    org: Org,
    member: String,
    key: String,
    report: String,
    watchlist: Option<String>,
}

struct World {
    targets: Vec<Target>,
    isp: String,
    request: String,
    alert: String,
    trace: String,
    iban: String,
    /// A change the lone admin filed (for the approval it may not decide itself).
    own_filing: String,
}

async fn world(app: &TestApp) -> World {
    let mut targets = Vec::new();
    for (i, kind) in KINDS.into_iter().enumerate() {
        let org = app.org(kind, &format!("Org {kind}")).await;
        let (_, member) = app.member(&org, &format!("member@{}.test", kind.replace('_', "-"))).await;
        // A regulator's keys hold no scope of case data: it has none to revoke.
        let key = match kind {
            "regulator" => uuid::Uuid::now_v7().to_string(),
            _ => app.api_key(&org, &["reports:read"]).await.1,
        };
        let operational = ["law_enforcement", "prosecution", "fiu", "isp", "bank"].contains(&kind);
        let report = if operational {
            let body = report_body("green", &iban_xk(700 + i as u64), &[]);
            Some(app.post_as(&org.admin, "/api/v1/reports", &body).await.ok(201)["id"].as_str().unwrap().to_string())
        } else {
            None
        };
        let watchlist = if kind != "regulator" {
            let body = json!({"name": "w", "items": [{"type": "domain", "value": format!("evil-{i}.example")}]});
            Some(app.post_as(&org.admin, "/api/v1/watchlists", &body).await.ok(201)["id"].as_str().unwrap().to_string())
        } else {
            None
        };
        targets.push((kind, org, member, key, report, watchlist));
    }
    let find = |k: &str| targets.iter().find(|t| t.0 == k).unwrap();
    let bank_report = find("bank").4.clone().unwrap();
    let (police, isp, bank) = (find("law_enforcement").1.clone(), find("isp").1.clone(), find("bank").1.clone());
    let request = app
        .post_as(
            &police.admin,
            "/api/v1/requests",
            &json!({"type": "subscriber_info", "addressee_id": isp.id, "case_reference": "PK-1",
                    "legal_basis": {"provision": "CPC art. 123"}, "data_categories": ["subscriber"],
                    "urgency": "routine", "identifiers": [{"type": "email", "value": "x@example.org"}]}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let alert = app
        .send(
            Method::POST,
            "/api/v1/fraud-alerts",
            &[("Authorization", &bank.admin), ("Idempotency-Key", "powers-1")],
            Some(&json!({
                "victim_account": {"iban": iban_xk(999_001)}, "beneficiary_account": {"iban": iban_xk(42)},
                "beneficiary_name": "J. Doe", "amount": {"amount_minor": 950000, "currency": "EUR"},
                "executed_at": "2026-11-28T09:30:00+01:00", "payment_reference": "INV 4711",
                "category": "investment_fraud", "bank_case_reference": "CASE-1"})),
        )
        .await
        .ok(201);
    let caps = json!({"request_types": [{"type": "subscriber_info", "supported": true}],
                      "emergency_contact": {"name": "NOC", "email": "noc@isp.example", "phone": "+38344999000"}});
    let path = format!("/api/v1/organizations/{}/capabilities", isp.id);
    app.send(Method::PUT, &path, &[("Authorization", &isp.admin)], Some(&caps)).await.ok(200);
    // A signed audit head to read.
    let mut conn = app.db.connect().await;
    while cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap() > 0 {}
    second_admin(app).await;
    let admin = app.admin().await;
    let mut filing = org_body("Police Filed", "law_enforcement");
    filing["first_admin"] = json!({"email": "chief@police-filed.test", "name": "Chief"});
    filing["document_reference"] = json!("Letter 7/2026");
    let own_filing =
        app.post_as(&admin, "/api/v1/organizations", &filing).await.ok(202)["id"].as_str().unwrap().to_string();
    World {
        targets: targets
            .into_iter()
            .map(|(kind, org, member, key, report, watchlist)| Target {
                kind,
                org,
                member,
                key,
                report: report.unwrap_or_else(|| bank_report.clone()),
                watchlist,
            })
            .collect(),
        isp: isp.id,
        request,
        trace: alert["trace_id"].as_str().unwrap().to_string(),
        alert: alert["id"].as_str().unwrap().to_string(),
        iban: iban_xk(700),
        own_filing,
    }
}

/// A call of the action aimed at `t`: method, path, body, and whether it needs a fresh session
/// of the lone admin (logging out, ending a session).
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    fresh_session: bool,
}

fn call(action: Action, t: &Target, w: &World) -> Call {
    use Action::*;
    let random = uuid::Uuid::now_v7();
    let (org, member, request) = (&t.org.id, &t.member, &w.request);
    let get = |path: String| (Method::GET, path, None);
    let post = |path: String, body: Value| (Method::POST, path, Some(body));
    let patch = |path: String, body: Value| (Method::PATCH, path, Some(body));
    let delete = |path: String| (Method::DELETE, path, None);
    let watchlist = t.watchlist.clone().unwrap_or_else(|| random.to_string());
    let (method, path, body) = match action {
        ReadMe => get("/me".into()),
        Logout => post("/auth/logout".into(), json!({})),
        EnrolSecondFactor => post("/me/second-factor".into(), json!({})),
        ConfirmSecondFactor => post("/me/second-factor/confirm".into(), json!({"code": "000000"})),
        RenewRecoveryCodes => post("/me/second-factor/recovery-codes".into(), json!({"code": "000000"})),
        ResetSecondFactor => delete(format!("/users/{}/second-factor", t.org.admin_id)),
        ListSessions => get("/me/sessions".into()),
        EndSession => delete("/me/sessions/{current}".into()),
        UpdatePreferences => patch("/me/preferences".into(), json!({"locale": "sq"})),
        CreateOrganization => {
            let mut body = org_body(&format!("New {}", t.kind), t.kind);
            body["first_admin"] =
                json!({"email": format!("planted@new-{}.test", t.kind.replace('_', "-")), "name": "Planted"});
            body["document_reference"] = json!("Letter 1/2026");
            post("/organizations".into(), body)
        }
        ListApprovals => get("/approvals".into()),
        DecideApproval => post(format!("/approvals/{}/approve", w.own_filing), json!({})),
        UpdateOrganization => patch(format!("/organizations/{org}"), json!({"country": "AL"})),
        ReadOrganizations => get(format!("/organizations/{org}")),
        CreateUser => post(
            format!("/organizations/{org}/users"),
            json!({"email": format!("planted@{}.test", t.kind.replace('_', "-")), "name": "Planted", "role": "org_admin",
                   "document_reference": "Letter 2/2026"}),
        ),
        ListUsers => get(format!("/organizations/{org}/users")),
        ReadUser => get(format!("/users/{member}")),
        UpdateUser => patch(format!("/users/{member}"), json!({"role": "org_admin"})),
        ChangePassword => post(format!("/users/{member}/password"), json!({"new_password": "known to the operator"})),
        SendEnrolmentLink => post(format!("/users/{member}/enrolment"), json!({})),
        CreateApiKey => post("/api-keys".into(), json!({"name": format!("k-{}", t.kind), "scopes": ["reports:read"]})),
        ListApiKeys => get("/api-keys".into()),
        RevokeApiKey => delete(format!("/api-keys/{}", t.key)),
        CreateReport => post("/reports".into(), report_body("green", &iban_xk(1), &[])),
        QueryReports => get("/reports".into()),
        ReadReport => get(format!("/reports/{}", t.report)),
        UpdateReport => patch(format!("/reports/{}", t.report), json!({"status": "closed"})),
        WithdrawIndicator => {
            post(format!("/reports/{}/indicators/iban/{}/withdraw", t.report, w.iban), json!({"reason": "planted"}))
        }
        CorrectIndicator => post(
            format!("/reports/{}/indicators/iban/{}/correct", t.report, w.iban),
            json!({"value": iban_xk(2), "reason": "planted"}),
        ),
        ExportReports => get("/reports/export.csv".into()),
        LookupIndicators => post("/indicators/lookup".into(), json!({"items": [{"type": "iban", "value": w.iban}]})),
        CorrelateIndicator => get(format!("/indicators/iban/{}/reports", w.iban)),
        RecordSighting => post(
            format!("/indicators/iban/{}/sightings", w.iban),
            json!({"kind": "seen", "source": "other", "count": 1}),
        ),
        CreateWatchlist => {
            post("/watchlists".into(), json!({"name": "platform", "items": [{"type": "domain", "value": "x.example"}]}))
        }
        ListWatchlists => get("/watchlists".into()),
        ReadWatchlist => get(format!("/watchlists/{watchlist}")),
        UpdateWatchlist => patch(format!("/watchlists/{watchlist}"), json!({"name": "taken"})),
        DeleteWatchlist => delete(format!("/watchlists/{watchlist}")),
        ReadEvents => get("/events".into()),
        CreateWebhook => {
            post("/webhooks".into(), json!({"url": "https://hooks.platform.example/cb", "event_types": []}))
        }
        ListWebhooks => get("/webhooks".into()),
        UpdateWebhook => patch(format!("/webhooks/{random}"), json!({"active": false})),
        DeleteWebhook => delete(format!("/webhooks/{random}")),
        ListWebhookDeliveries => get(format!("/webhooks/{random}/deliveries")),
        TestWebhook => post(format!("/webhooks/{random}/test"), json!({})),
        ReadCapabilities => get(format!("/organizations/{}/capabilities", w.isp)),
        UpdateCapabilities => (
            Method::PUT,
            format!("/organizations/{org}/capabilities"),
            Some(
                json!({"request_types": [], "emergency_contact": {"name": "X", "email": "x@example.org", "phone": "+38344999000"}}),
            ),
        ),
        CreateDataRequest | CreateFreezeRequest => {
            let (kind, category) = match action {
                CreateFreezeRequest => ("freeze_funds", "transaction"),
                _ => ("subscriber_info", "subscriber"),
            };
            post(
                "/requests".into(),
                json!({"type": kind, "addressee_id": w.isp, "case_reference": "PK-9",
                       "legal_basis": {"provision": "CPC art. 123"}, "data_categories": [category], "urgency": "routine",
                       "identifiers": [{"type": "email", "value": "y@example.org"}]}),
            )
        }
        ListRequests => get("/requests".into()),
        ReadRequest => get(format!("/requests/{request}")),
        TransitionRequest => post(format!("/requests/{request}/transitions"), json!({"to": "acknowledged"})),
        ValidateRequest => post(format!("/requests/{request}/validate"), json!({"decision": "approve"})),
        ExtendRequest => post(format!("/requests/{request}/extend"), json!({})),
        PostRequestMessage => post(format!("/requests/{request}/messages"), json!({"body": "planted"})),
        ListRequestMessages => get(format!("/requests/{request}/messages")),
        RespondToRequest => post(format!("/requests/{request}/responses"), json!({"records": [], "complete": true})),
        DownloadAttachment => get(format!("/requests/{request}/attachments/{random}")),
        ReadRequestStatistics => get("/statistics/requests".into()),
        CreateAlert => post(
            "/fraud-alerts".into(),
            json!({
            "victim_account": {"iban": iban_xk(3)}, "beneficiary_account": {"iban": iban_xk(4)},
            "amount": {"amount_minor": 100, "currency": "EUR"}, "executed_at": "2026-11-28T09:30:00+01:00",
            "category": "investment_fraud", "bank_case_reference": "P-1"}),
        ),
        ListAlerts => get("/fraud-alerts".into()),
        ReadAlert => get(format!("/fraud-alerts/{}", w.alert)),
        RecordOutcome => post(format!("/fraud-alerts/{}/outcomes", w.alert), json!({"outcome": "account_unknown"})),
        ReadTrace => get(format!("/fraud-traces/{}", w.trace)),
        ListMuleAccounts => get("/mule-accounts".into()),
        ContestMuleFlag => post(format!("/mule-accounts/{}/contest", iban_xk(42)), json!({"reason": "planted"})),
        AnswerMuleContest => {
            post(format!("/mule-accounts/{}/contest/answer", iban_xk(42)), json!({"decision": "withdraw"}))
        }
        ReadProceedsStatistics => get("/statistics/proceeds".into()),
        ReadStatisticsTables => get("/statistics/tables".into()),
        ReadAudit => get("/audit".into()),
        VerifyAudit => get("/audit/verify".into()),
        ReadAuditHead => get("/audit/head".into()),
        ReadConsultationStatistics => get("/statistics/consultations".into()),
        CreateLegalHold => post(
            "/legal-holds".into(),
            json!({"object_type": "report", "object_id": t.report, "case_reference": "CASE-9", "reason": "planted"}),
        ),
        ListLegalHolds => get("/legal-holds".into()),
        LiftLegalHold => post(format!("/legal-holds/{random}/lift"), json!({"reason": "planted"})),
        TaxiiRead => (Method::GET, "/taxii2/api/collections/".to_string(), None),
        ExportSubject => {
            get(format!("/subject-access?type=iban&value={}&purpose=data_subject_request&case_reference=SAR-1", w.iban))
        }
        ReadPrivateScreeningConfig => get("/screening/private/config".into()),
        SyncPrivateTags => get("/screening/private/tags".into()),
        EvaluatePrivately => post(
            "/screening/private/evaluate".into(),
            json!({"key_id": "k", "blinded": ["4gL8Ef0J8Xo3h5vC1m6b0aV3kqz3m3vQeQb1qkQ0Yw8="]}),
        ),
    };
    let path = if path.starts_with("/taxii2") { path } else { format!("/api/v1{path}") };
    Call { method, path, body, fresh_session: matches!(action, Logout | EndSession) }
}

async fn send(app: &TestApp, admin: &str, c: &Call) -> TestResponse {
    let mut auth = admin.to_string();
    let mut path = c.path.clone();
    let mut body = c.body.clone();
    if c.fresh_session {
        let tokens = app
            .post("/api/v1/auth/login", &json!({"email": crate::support::ADMIN_EMAIL, "password": PASSWORD}))
            .await
            .ok(200);
        let fresh = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
        if path.ends_with("/auth/logout") {
            // This session only (without its refresh token, every session of the user ends).
            body = Some(json!({"refresh_token": tokens["refresh_token"]}));
        }
        if path.contains("{current}") {
            let sessions = app.get_as(&fresh, "/api/v1/me/sessions").await.ok(200);
            let id = sessions["items"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].clone();
            path = path.replace("{current}", id.as_str().unwrap());
        } else {
            auth = fresh;
        }
    }
    let mut headers: Vec<(&str, String)> = vec![("Authorization", auth.clone())];
    if c.method == Method::PATCH {
        // The version as read, where the caller may read it.
        let read = app.get_as(&auth, &path).await;
        headers.push(("If-Match", read.header("etag").unwrap_or_else(|| "\"1\"".into())));
    }
    if path.starts_with("/taxii2") {
        headers.push(("Accept", "application/taxii+json;version=2.1".into()));
    }
    if c.method == Method::POST && path.ends_with("/fraud-alerts") {
        headers.push(("Idempotency-Key", uuid::Uuid::now_v7().to_string()));
    }
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.send(c.method.clone(), &path, &headers, body.as_ref()).await
}

#[actix_rt::test]
async fn a_lone_platform_admin_gets_from_every_action_and_kind_what_the_action_table_decides() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin().await;
    let mut wrong = Vec::new();
    for target in &w.targets {
        for action in Action::ALL.iter().copied() {
            let c = call(action, target, &w);
            let res = send(&app, &admin, &c).await;
            let kept = match action.alone() {
                Alone::Refused => [403, 404].contains(&res.status),
                Alone::FourEyes => res.status == 202,
                // Allowed: never a refusal or a filing (a wrong code in the body is the caller's).
                Alone::Allowed(_) => {
                    (200..300).contains(&res.status) && res.status != 202 || [409, 422].contains(&res.status)
                }
            };
            if !kept {
                wrong.push(format!(
                    "{action:?} on {}: {:?} expected, {} {} answered {} {}",
                    target.kind,
                    action.alone(),
                    c.method,
                    c.path,
                    res.status,
                    res.text().chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} calls broke the action table:\n{}", wrong.len(), wrong.join("\n"));
    // Nothing that grants powers took effect: no planted people, no move, every filing pending.
    for t in &w.targets {
        let users = app.get_as(&admin, &format!("/api/v1/organizations/{}/users?limit=500", t.org.id)).await.ok(200);
        let emails: Vec<&str> =
            users["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
        assert!(!emails.iter().any(|e| e.starts_with("planted")), "{}: {emails:?}", t.kind);
        let member = app.get_as(&admin, &format!("/api/v1/users/{}", t.member)).await.ok(200);
        assert_eq!(member["role"], "member", "{}", t.kind);
        let org = app.get_as(&admin, &format!("/api/v1/organizations/{}", t.org.id)).await.ok(200);
        assert_eq!(org["country"], "XK", "{}", t.kind);
    }
    let approvals = app.get_as(&admin, "/api/v1/approvals?status=all").await.ok(200);
    assert!(approvals["items"].as_array().unwrap().iter().all(|a| a["status"] == "pending"), "{approvals}");
}

#[actix_rt::test]
async fn the_planted_officer_attack_is_refused_at_its_first_step_in_every_kind_of_organisation() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecutor").await;
    let isp = app.org("isp", "ISP One").await;
    let bank = app.org("bank", "Bank A").await;
    second_admin(&app).await;
    let admin = app.admin().await;
    for org in [&police, &prosecutor, &isp, &bank] {
        let path = format!("/api/v1/organizations/{}/users", org.id);
        // Step 1 as it was sent: the password field is gone (no administrator chooses one).
        let planted = json!({"email": format!("planted@{}.test", &org.id[..8]), "name": "Planted", "role": "org_admin",
                             "password": "chosen by the platform admin"});
        let p = app.post_as(&admin, &path, &planted).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "password", "{p}");
        // Without it: the organisation has an org_admin; its own org_admins add people.
        let planted = json!({"email": format!("planted@{}.test", &org.id[..8]), "name": "Planted", "role": "org_admin",
                             "document_reference": "none"});
        app.post_as(&admin, &path, &planted).await.problem(403);
        let member = json!({"email": format!("planted2@{}.test", &org.id[..8]), "name": "Planted", "role": "member"});
        app.post_as(&admin, &path, &member).await.problem(403);
        let users = app.get_as(&admin, &path).await.ok(200);
        assert!(users["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| !u["email"].as_str().unwrap().starts_with("planted")));
    }
    let refusals = app.get_as(&admin, "/api/v1/audit?action=user.create&limit=100").await.ok(200);
    let denied = refusals["items"].as_array().unwrap().iter().filter(|r| r["outcome"] == "denied").count();
    assert_eq!(denied, 8, "each refusal is in the audit trail");
}

#[actix_rt::test]
async fn alone_a_platform_admin_deactivates_but_never_promotes_reactivates_or_moves() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Polizei Berlin").await;
    let (officer, member) = app.member(&police, "officer@polizei.test").await;
    second_admin(&app).await;
    let admin = app.admin().await;
    let user_path = format!("/api/v1/users/{member}");
    // Promotion, renaming, accreditation from outside: refused.
    for change in
        [json!({"role": "org_admin"}), json!({"name": "Chief"}), json!({"authorisations": ["issue_data_requests"]})]
    {
        app.patch_read(&admin, &user_path, &change).await.problem(403);
    }
    // Deactivation at once (an emergency); reactivation never alone.
    app.patch_read(&admin, &user_path, &json!({"active": false})).await.ok(200);
    app.get_as(&officer, "/api/v1/me").await.problem(401);
    app.patch_read(&admin, &user_path, &json!({"active": true})).await.problem(403);
    // The organisation's own org_admin reactivates its people.
    app.patch_read(&police.admin, &user_path, &json!({"active": true})).await.ok(200);

    // A move to another country waits for a second admin, alone in its body.
    let org_path = format!("/api/v1/organizations/{}", police.id);
    let p = app.patch_read(&admin, &org_path, &json!({"country": "FR", "name": "Police nationale"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "country");
    let filed = app.patch_read(&admin, &org_path, &json!({"country": "FR"})).await.ok(202);
    assert_eq!(filed["action"], "organization.country");
    assert_eq!(app.get_as(&admin, &org_path).await.ok(200)["country"], "XK");
    app.post_as(&admin, &format!("/api/v1/approvals/{}/approve", filed["id"].as_str().unwrap()), &json!({}))
        .await
        .problem(403);
    app.approve(&filed).await;
    assert_eq!(app.get_as(&admin, &org_path).await.ok(200)["country"], "FR");
    // Renaming and contact changes need no second admin; the kind never changes.
    app.patch_read(&admin, &org_path, &json!({"name": "Police nationale"})).await.ok(200);
    app.patch_read(&admin, &org_path, &json!({"kind": "bank"})).await.problem(422);

    // Deactivating an organisation: at once; reactivating it: filed.
    app.patch_read(&admin, &org_path, &json!({"active": false})).await.ok(200);
    app.get_as(&police.admin, "/api/v1/me").await.problem(401);
    let filed = app.patch_read(&admin, &org_path, &json!({"active": true})).await.ok(202);
    assert_eq!(filed["action"], "organization.reactivate");
    assert_eq!(app.get_as(&admin, &org_path).await.ok(200)["active"], false);
    app.approve(&filed).await;
    assert_eq!(app.get_as(&admin, &org_path).await.ok(200)["active"], true);
    app.login(&police.admin_email, PASSWORD).await;
}

#[actix_rt::test]
async fn an_organisations_first_org_admin_takes_two_admins_and_both_parts_of_the_token() {
    let app = TestApp::spawn().await;
    let second = second_admin(&app).await;
    let admin = app.admin().await;
    let mut body = org_body("Prokuroria", "prosecution");
    body["first_admin"] = json!({"email": "chief@prokuroria.test", "name": "Chief Prosecutor"});
    let p = app.post_as(&admin, "/api/v1/organizations", &body).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "document_reference");
    body["document_reference"] = json!("Prokuroria letter 2026/17");
    let filed = app.post_as(&admin, "/api/v1/organizations", &body).await.ok(202);
    assert_eq!(filed["change"]["document_reference"], "Prokuroria letter 2026/17");
    assert!(filed["change"].get("_secret").is_none());
    let one = filed["enrolment_token_part_1"].as_str().expect("part 1, to the filer").to_string();
    // The approver sees the filing, not the filer's part.
    let seen = app.get_as(&second, &format!("/api/v1/approvals/{}", filed["id"].as_str().unwrap())).await.ok(200);
    assert!(seen.get("enrolment_token_part_1").is_none() && !seen.to_string().contains(&one));
    let approved = app.approve(&filed).await;
    let two = approved["enrolment_token_part_2"].as_str().expect("part 2, to the approver").to_string();
    assert!(!approved.to_string().contains(&one));
    // Nobody logs in before the owner enrols; one part alone, or the parts swapped, do nothing.
    app.post("/api/v1/auth/login", &json!({"email": "chief@prokuroria.test", "password": PASSWORD})).await.problem(401);
    for token in [one.clone(), two.clone(), format!("{two}{one}")] {
        let p = app.post("/api/v1/auth/enrolment", &json!({"token": token, "password": PASSWORD})).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "token");
    }
    let p = app
        .post("/api/v1/auth/enrolment", &json!({"token": format!("{one}{two}"), "password": "short"}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
    let enrolled = app.enrol(&format!("{one}{two}")).await;
    assert_eq!(enrolled["email"], "chief@prokuroria.test");
    app.post("/api/v1/auth/enrolment", &json!({"token": format!("{one}{two}"), "password": PASSWORD}))
        .await
        .problem(422);
    let chief = app.login("chief@prokuroria.test", PASSWORD).await;
    assert_eq!(app.get_as(&chief, "/api/v1/me").await.ok(200)["role"], "org_admin");
    // Both admins are told, and the redemption is in the audit trail with both of them.
    for auth in [&admin, &second] {
        let feed = app.get_as(auth, "/api/v1/events?limit=100").await.ok(200);
        let told = feed["items"].as_array().unwrap().iter().find(|e| e["type"] == "user.enrolled").cloned();
        let told = told.unwrap_or_else(|| panic!("no user.enrolled in {feed}"));
        assert_eq!(told["data"]["approval_id"], filed["id"]);
    }
    let audit = app.get_as(&admin, "/api/v1/audit?action=user.enrol").await.ok(200);
    let rows = audit["items"].as_array().unwrap();
    let done = rows.iter().find(|r| r["outcome"] == "ok").unwrap();
    assert_eq!(done["details"]["approval_id"], filed["id"]);
    assert_eq!(done["details"]["requested_by"], app.get_as(&admin, "/api/v1/me").await.ok(200)["user_id"]);
    assert!(rows.iter().filter(|r| r["outcome"] == "denied").count() >= 4, "failed redemptions are audited");
    // Its later people come from its own org_admins; a platform admin adds none.
    let org_id = enrolled["organization_id"].as_str().unwrap();
    let member = json!({"email": "clerk@prokuroria.test", "name": "Clerk", "role": "member"});
    app.post_as(&admin, &format!("/api/v1/organizations/{org_id}/users"), &member).await.problem(403);
    let made = app.post_as(&chief, &format!("/api/v1/organizations/{org_id}/users"), &member).await.ok(201);
    assert!(made["enrolment"]["token"].as_str().unwrap().len() >= 43);
    // The replacement of its last org_admin is filed the same way, once it has none.
    let extra =
        json!({"email": "deputy@prokuroria.test", "name": "Deputy", "role": "org_admin", "document_reference": "L-2"});
    app.post_as(&admin, &format!("/api/v1/organizations/{org_id}/users"), &extra).await.problem(403);
    let me = app.get_as(&chief, "/api/v1/me").await.ok(200);
    app.patch_read(&admin, &format!("/api/v1/users/{}", me["user_id"].as_str().unwrap()), &json!({"active": false}))
        .await
        .ok(200);
    let filed = app.post_as(&admin, &format!("/api/v1/organizations/{org_id}/users"), &extra).await.ok(202);
    assert_eq!(filed["action"], "organization.org_admin");
    let approved = app.approve(&filed).await;
    let token = format!(
        "{}{}",
        filed["enrolment_token_part_1"].as_str().unwrap(),
        approved["enrolment_token_part_2"].as_str().unwrap()
    );
    app.enrol(&token).await;
    app.login("deputy@prokuroria.test", PASSWORD).await;
}

#[actix_rt::test]
async fn nobody_accredits_themselves_and_a_single_org_admin_accredits_no_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A police force made with its first org_admin only (no deputy).
    let mut body = org_body("Police Solo", "law_enforcement");
    body["first_admin"] = json!({"email": "chief@solo.test", "name": "Chief"});
    body["document_reference"] = json!("Letter 3/2026");
    let made = app.post_as(&admin, "/api/v1/organizations", &body).await.ok(201);
    let org_id = made["id"].as_str().unwrap().to_string();
    let chief_id = made["first_admin"]["id"].as_str().unwrap().to_string();
    app.enrol(made["first_admin"]["enrolment"]["token"].as_str().unwrap()).await;
    let chief = app.login("chief@solo.test", PASSWORD).await;
    let officer = json!({"officer": {"function": "Inspector", "registration_number": "KP-1"},
                         "authorisations": ["issue_data_requests"]});
    // Themselves: never.
    let p = app.patch_read(&chief, &format!("/api/v1/users/{chief_id}"), &officer).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("never by themselves"), "{p}");
    second_factor(&app, &chief).await;
    app.patch_read(&chief, &format!("/api/v1/users/{chief_id}"), &officer).await.problem(403);
    // Another, while the organisation has a single org_admin: no one.
    let org = Org {
        id: org_id.clone(),
        admin: chief.clone(),
        admin_email: "chief@solo.test".into(),
        admin_id: chief_id.clone(),
        deputy: None,
    };
    let (_, detective) = app.member(&org, "detective@solo.test").await;
    let p = app.patch_read(&chief, &format!("/api/v1/users/{detective}"), &officer).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("single org_admin"), "{p}");
    // With a second org_admin: the second, without a second factor, may not; with one, it may
    // accredit others, never itself.
    let (deputy, deputy_id) = app.user(&org, "deputy@solo.test", "org_admin").await;
    let p = app.patch_read(&deputy, &format!("/api/v1/users/{detective}"), &officer).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("second factor"), "{p}");
    second_factor(&app, &deputy).await;
    app.patch_read(&deputy, &format!("/api/v1/users/{deputy_id}"), &officer).await.problem(403);
    app.patch_read(&deputy, &format!("/api/v1/users/{detective}"), &officer).await.ok(200);
    app.patch_read(&chief, &format!("/api/v1/users/{deputy_id}"), &officer).await.ok(200);
    // Taking authorisations away needs none of that.
    app.patch_read(&chief, &format!("/api/v1/users/{detective}"), &json!({"authorisations": []})).await.ok(200);
    let self_made = app.get_as(&admin, "/api/v1/audit?action=user.update&outcome=denied").await.ok(200);
    assert!(!self_made["items"].as_array().unwrap().is_empty());
}

#[actix_rt::test]
async fn a_stolen_password_cannot_replace_or_confirm_the_owners_pending_second_factor() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let owner = bank.admin.clone();
    let intruder = app.login(&bank.admin_email, PASSWORD).await;
    let started = app.post_as(&owner, "/api/v1/me/second-factor", &json!({})).await.ok(201);
    let secret = started["secret"].as_str().unwrap().to_string();
    // The intruder's start while the owner's is pending: 409, audited.
    let p = app.post_as(&intruder, "/api/v1/me/second-factor", &json!({})).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("another session"), "{p}");
    let denied = app.get_as(&owner, "/api/v1/audit?action=auth.second_factor_enrol").await.ok(200);
    assert!(denied["items"].as_array().unwrap().iter().any(|r| r["outcome"] == "denied"), "{denied}");
    // Nor can the intruder confirm the owner's secret (even knowing a code of it).
    let code = cyberbridge::access::totp::code_at(&secret, now()).unwrap();
    app.post_as(&intruder, "/api/v1/me/second-factor/confirm", &json!({"code": code})).await.problem(409);
    // The owner confirms in their session; the intruder's session ends.
    app.post_as(&owner, "/api/v1/me/second-factor/confirm", &json!({"code": code})).await.ok(200);
    app.get_as(&intruder, "/api/v1/me").await.problem(401);
    app.get_as(&owner, "/api/v1/me").await.ok(200);
    // Ending the owner's session first does not free the pending secret for the intruder: it
    // stays the owner's session's for 15 minutes from its start; after that, a new one starts.
    let bank_b = app.org("bank", "Bank B").await;
    let tokens =
        app.post("/api/v1/auth/login", &json!({"email": bank_b.admin_email, "password": PASSWORD})).await.ok(200);
    let first = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    app.post_as(&first, "/api/v1/me/second-factor", &json!({})).await.ok(201);
    app.post_as(&bank_b.admin, "/api/v1/me/second-factor", &json!({})).await.problem(409);
    let sessions = app.get_as(&bank_b.admin, "/api/v1/me/sessions").await.ok(200);
    let owners = sessions["items"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].clone();
    app.delete_as(&bank_b.admin, &format!("/api/v1/me/sessions/{}", owners.as_str().unwrap())).await;
    app.get_as(&first, "/api/v1/me").await.problem(401);
    app.post_as(&bank_b.admin, "/api/v1/me/second-factor", &json!({})).await.problem(409);
    let mut conn = app.db.connect().await;
    crate::support::exec(&mut conn, "UPDATE second_factors SET created_at = now() - interval '16 minutes'").await;
    app.post_as(&bank_b.admin, "/api/v1/me/second-factor", &json!({})).await.ok(201);
}

#[actix_rt::test]
async fn one_administrator_never_resets_both_a_persons_password_and_second_factor() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let (deputy, _) = app.user(&bank, "deputy@bank-a.test", "org_admin").await;
    let (member, id) = app.member(&bank, "teller@bank-a.test").await;
    second_factor(&app, &member).await;
    // The factor reset by one admin, the password link by the same one: refused (it would hold
    // the account); another org_admin sends it.
    let path = format!("/api/v1/users/{id}");
    app.delete_as(&bank.admin, &format!("{path}/second-factor")).await;
    let p = app.post_as(&bank.admin, &format!("{path}/enrolment"), &json!({})).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("another org_admin"), "{p}");
    app.post_as(&deputy, &format!("{path}/enrolment"), &json!({})).await.ok(201);
    // And the other way round.
    let (other, other_id) = app.member(&bank, "clerk@bank-a.test").await;
    second_factor(&app, &other).await;
    let other_path = format!("/api/v1/users/{other_id}");
    app.post_as(&bank.admin, &format!("{other_path}/enrolment"), &json!({})).await.ok(201);
    app.delete_as(&bank.admin, &format!("{other_path}/second-factor")).await.problem(403);
    let denied = app.get_as(&bank.admin, "/api/v1/audit?action=user.second_factor_reset").await.ok(200);
    assert!(denied["items"].as_array().unwrap().iter().any(|r| r["outcome"] == "denied"), "{denied}");
}

#[actix_rt::test]
async fn audit_powers_lists_what_one_person_granted_before_the_upgrade() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    second_admin(&app).await;
    let admin = app.admin().await;
    let platform = app.get_as(&admin, "/api/v1/me").await.ok(200);
    let (actor, platform_org) = (platform["user_id"].as_str().unwrap(), platform["organization_id"].as_str().unwrap());
    // What the old API let one platform admin leave behind, as its audit rows read.
    let mut conn = app.db.connect().await;
    let planted = uuid::Uuid::now_v7();
    let statements = [
        format!(
            "INSERT INTO users (id, organization_id, email, name, role, password_hash, may_issue_requests, \
             officer_function, officer_registration) VALUES ('{planted}', '{}', 'planted@police.test', 'Planted', \
             'org_admin', '', true, 'Inspector', 'X-1')",
            police.id
        ),
        format!(
            "INSERT INTO audit_events (user_id, organization_id, action, object_type, object_id, outcome, details) VALUES \
             ('{actor}', '{platform_org}', 'user.create', 'user', '{planted}', 'ok', '{{\"role\": \"org_admin\"}}'), \
             ('{planted}', '{}', 'user.update', 'user', '{planted}', 'ok', \
              '{{\"officer\": {{\"function\": \"Inspector\"}}, \"authorisations\": [\"issue_data_requests\"]}}'), \
             ('{actor}', '{platform_org}', 'organization.update', 'organization', '{}', 'ok', \
              '{{\"country\": true, \"active\": null}}')",
            police.id, police.id
        ),
    ];
    for sql in &statements {
        crate::support::exec(&mut conn, sql).await;
    }
    let report = app.cli(cyberbridge::app::admin::AdminCommand::AuditPowers).await.expect("audit-powers").text;
    for finding in [
        "user created in another organisation by a platform admin alone",
        "self-accredited officer",
        "organisation's country set without an approval",
        "planted@police.test",
        "authorised to issue",
    ] {
        assert!(report.contains(finding), "{finding} not in:\n{report}");
    }
    // What two admins did through an approval is not a finding; an officer accredited by an
    // org_admin whose account the officer made (a colleague, or a second account of theirs) is
    // listed for review.
    let org = app.org("prosecution", "Prosecutor").await;
    let again = app.cli(cyberbridge::app::admin::AdminCommand::AuditPowers).await.unwrap().text;
    let blocks: Vec<&str> = again.split("\n20").filter(|b| b.contains(&org.admin_email)).collect();
    assert!(blocks.iter().all(|b| !b.contains("user created")), "{again}");
    assert!(blocks.iter().any(|b| b.contains("officer accredited by an org_admin whose account the officer made")));
}
