//! The web console over real HTTP: its cookie and what the API makes of it, the origin and
//! CSRF checks, sessions that end, the data-request chain done with forms (issue, validate,
//! answer with a file, read, download, the signed order), escaping, headers, languages.

use awc::http::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{TestApp, PASSWORD};

/// A browser of the console: its session cookie and the session's CSRF token.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

pub(crate) struct Page {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
}

/// A raw request to the console (no OpenAPI conformance: these are pages).
pub(crate) async fn raw(app: &TestApp, method: Method, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> Page {
    let mut req = app.client.request(method, app.url(path));
    for (name, value) in headers {
        req = req.insert_header((*name, value.as_str()));
    }
    let mut res = req.send_body(body).await.expect("request");
    let body = res.body().limit(64 * 1024 * 1024).await.expect("body").to_vec();
    Page { status: res.status().as_u16(), headers: res.headers().clone(), body }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

fn session_cookie(page: &Page) -> Option<String> {
    page.set_cookies()
        .iter()
        .find(|c| c.starts_with("__Host-cb_session=") && !c.starts_with("__Host-cb_session=;"))
        .map(|c| c.split(';').next().unwrap().trim_start_matches("__Host-cb_session=").to_string())
}

/// The CSRF token of a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

impl<'a> Browser<'a> {
    pub async fn sign_in(app: &'a TestApp, email: &str) -> Browser<'a> {
        let page = raw(
            app,
            Method::POST,
            "/console/sign-in",
            &[("origin", app.base.clone()), ("content-type", "application/x-www-form-urlencoded".into())],
            form(&[("email", email), ("password", PASSWORD)]),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.text());
        let cookie = session_cookie(&page).expect("a session cookie");
        let mut b = Browser { app, cookie, csrf: String::new() };
        // Every page's header carries the session's token (the sign-out form); the account page
        // is one everybody may open.
        let home = b.get("/console/account").await;
        assert_eq!(home.status, 200, "{}", home.text());
        b.csrf = csrf_of(&home.text());
        b
    }

    pub async fn get(&self, path: &str) -> Page {
        raw(self.app, Method::GET, path, &[("cookie", format!("__Host-cb_session={}", self.cookie))], Vec::new()).await
    }

    /// A form sent from the console's own origin with the session's token.
    pub async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_with(path, &all, &[("origin", self.app.base.clone())]).await
    }

    pub async fn post_with(&self, path: &str, pairs: &[(&str, &str)], headers: &[(&str, String)]) -> Page {
        let mut h = vec![
            ("cookie", format!("__Host-cb_session={}", self.cookie)),
            ("content-type", "application/x-www-form-urlencoded".to_string()),
        ];
        h.extend_from_slice(headers);
        raw(self.app, Method::POST, path, &h, form(pairs)).await
    }

    /// A multipart form (the answer with files): `csrf` first, then text parts, then files.
    pub async fn post_multipart(&self, path: &str, texts: &[(&str, &str)], files: &[(&str, &[u8])]) -> Page {
        let boundary = "----cbconsoletest";
        let mut body = Vec::new();
        let mut part = |head: String, content: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        };
        part("Content-Disposition: form-data; name=\"csrf\"".into(), self.csrf.as_bytes());
        for (name, value) in texts {
            part(format!("Content-Disposition: form-data; name=\"{name}\""), value.as_bytes());
        }
        for (name, content) in files {
            part(
                format!("Content-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"),
                content,
            );
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let headers = [
            ("cookie", format!("__Host-cb_session={}", self.cookie)),
            ("content-type", format!("multipart/form-data; boundary={boundary}")),
            ("origin", self.app.base.clone()),
        ];
        raw(self.app, Method::POST, path, &headers, body).await
    }
}

/// A multipart body of `parts` (head, content) sent as `b` from the console's origin.
async fn multipart(app: &TestApp, b: &Browser<'_>, path: &str, parts: Vec<(String, Vec<u8>)>) -> Page {
    let boundary = "----cbtest";
    let mut body = Vec::new();
    for (head, content) in &parts {
        body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let headers = [
        ("cookie", format!("__Host-cb_session={}", b.cookie)),
        ("content-type", format!("multipart/form-data; boundary={boundary}")),
        ("origin", app.base.clone()),
    ];
    raw(app, Method::POST, path, &headers, body).await
}

/// A form sent from the console's origin without a session (sign-in, enrolment).
async fn anonymous(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> Page {
    let headers = [("origin", app.base.clone()), ("content-type", "application/x-www-form-urlencoded".to_string())];
    raw(app, Method::POST, path, &headers, form(pairs)).await
}

pub(crate) fn location(page: &Page) -> String {
    page.header("location")
}

#[actix_rt::test]
async fn the_cookie_carries_a_hashed_secret_and_the_api_ignores_it() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let page = raw(
        &app,
        Method::POST,
        "/console/sign-in",
        &[("origin", app.base.clone()), ("content-type", "application/x-www-form-urlencoded".into())],
        form(&[("email", &police.admin_email), ("password", PASSWORD)]),
    )
    .await;
    assert_eq!(page.status, 303);
    let set = page.set_cookies().into_iter().find(|c| c.starts_with("__Host-cb_session=")).unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{flag} missing: {set}");
    }
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    let secret = session_cookie(&page).unwrap();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert!(!page.text().contains("Bearer") && page.header("authorization").is_empty());
    // Stored hashed, never as is; not the session id that /me/sessions shows.
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    assert_eq!(
        app.count(&format!("SELECT count(*) AS n FROM sessions WHERE console_secret_hash = '\\x{hash}'")).await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM sessions WHERE csrf_token = '{secret}' OR id::text = '{secret}'"
        ))
        .await,
        0
    );
    let listed = app.get_as(&police.admin, "/api/v1/me/sessions").await.ok(200);
    assert!(listed["items"].as_array().unwrap().iter().all(|s| s["id"] != secret.as_str()));
    // The API does not take the cookie.
    let api =
        raw(&app, Method::GET, "/api/v1/me", &[("cookie", format!("__Host-cb_session={secret}"))], Vec::new()).await;
    assert_eq!(api.status, 401, "{}", api.text());
    // And no page hands a token to the browser.
    let b = Browser { app: &app, cookie: secret, csrf: String::new() };
    for path in ["/console/requests", "/console/account", "/console/requests/new"] {
        let p = b.get(path).await;
        assert_eq!(p.status, 200, "{path}");
        let text = p.text();
        assert!(!text.contains("eyJ") && !text.contains("Bearer") && !text.contains("refresh_token"), "{path}");
    }
}

#[actix_rt::test]
async fn forms_from_another_origin_or_without_the_session_token_are_refused() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let r = crate::requests::issue(&app, &police, &isp).await;
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let path = format!("/console/requests/{}/transition", r["id"].as_str().unwrap());
    let version = r["version"].to_string();
    let ack = [("to", "acknowledged"), ("version", version.as_str())];
    let with_token: Vec<(&str, &str)> = [("csrf", desk.csrf.as_str())].into_iter().chain(ack).collect();
    for headers in [
        vec![("origin", "https://evil.example".to_string())],
        vec![("origin", "null".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![],
    ] {
        let p = desk.post_with(&path, &with_token, &headers).await;
        assert_eq!(p.status, 403, "{headers:?}: {}", p.text());
        assert!(p.header("content-type").starts_with("text/html"), "a page, not a problem document");
        assert!(p.text().contains("another site"), "{}", p.text());
    }
    // The right origin but another token (or none): refused too.
    let wrong: Vec<(&str, &str)> = [("csrf", "not-the-token")].into_iter().chain(ack).collect();
    assert_eq!(desk.post_with(&path, &wrong, &[("origin", app.base.clone())]).await.status, 403);
    assert_eq!(desk.post_with(&path, &ack, &[("sec-fetch-site", "same-origin".into())]).await.status, 403);
    let seen = app.get_as(&police.admin, &format!("/api/v1/requests/{}", r["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(seen["status"], "submitted", "nothing moved");
    // From the console's own page: it moves.
    let p = desk.post_with(&path, &with_token, &[("sec-fetch-site", "same-origin".into())]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let seen = app.get_as(&police.admin, &format!("/api/v1/requests/{}", r["id"].as_str().unwrap())).await.ok(200);
    assert_eq!(seen["status"], "acknowledged");
    // Its audit row says it came from the console.
    let rows = app.get_as(&isp.admin, "/api/v1/audit?action=request.transition").await.ok(200);
    assert!(
        rows["items"].as_array().unwrap().iter().any(|a| a["details"]["channel"] == "console" && a["outcome"] == "ok"),
        "{rows}"
    );
}

#[actix_rt::test]
async fn an_ended_reset_idle_or_old_session_signs_the_browser_out() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let signed_out = |p: &Page| p.status == 303 && location(p).starts_with("/console/sign-in");
    // Ended from the API's session list.
    let b = Browser::sign_in(&app, &police.admin_email).await;
    let listed = app.get_as(&police.admin, "/api/v1/me/sessions").await.ok(200);
    let console_session = listed["items"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap().clone();
    app.delete_as(&police.admin, &format!("/api/v1/me/sessions/{}", console_session["id"].as_str().unwrap()))
        .await
        .ok(204);
    let p = b.get("/console/requests").await;
    assert!(signed_out(&p), "{} {}", p.status, location(&p));
    assert!(location(&p).contains("next=%2Fconsole%2Frequests"), "{}", location(&p));
    // Idle for 31 minutes, or signed in 13 hours ago.
    let idle: &[&str] = &["UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE console_secret_hash IS NOT NULL AND ended_at IS NULL"];
    let old: &[&str] = &[
        "UPDATE sessions SET created_at = now() - interval '13 hours' WHERE console_secret_hash IS NOT NULL AND ended_at IS NULL",
        "UPDATE users SET sessions_valid_after = NULL",
    ];
    for statements in [idle, old] {
        let b = Browser::sign_in(&app, &police.admin_email).await;
        let mut db = app.db.connect().await;
        for sql in statements {
            crate::support::exec(&mut db, sql).await;
        }
        assert!(signed_out(&b.get("/console/requests").await), "{statements:?}");
        assert!(signed_out(&b.get("/console/requests").await), "stays out: {statements:?}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions WHERE ended_reason = 'timed_out'").await, 2);
    // Signed out everywhere from the console itself, then the cookie is worthless.
    let b = Browser::sign_in(&app, &police.admin_email).await;
    let p = b.post("/console/account/sign-out-everywhere", &[]).await;
    assert!(signed_out(&p), "{}", p.text());
    assert!(signed_out(&b.get("/console/account").await));
    // A deactivated person is out at the next request.
    let isp = app.org("isp", "ISP One").await;
    let (_, member_id) = app.member(&isp, "desk@isp.example").await;
    let b = Browser::sign_in(&app, "desk@isp.example").await;
    let user = app.get_as(&isp.admin, &format!("/api/v1/users/{member_id}")).await;
    let etag = user.header("etag").unwrap();
    app.patch_with(&isp.admin, &format!("/api/v1/users/{member_id}"), &etag, &json!({"active": false})).await.ok(200);
    assert!(signed_out(&b.get("/console/requests").await));
}

#[actix_rt::test]
async fn sign_in_is_locked_out_as_the_api_login_is() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let headers = [("origin", app.base.clone()), ("content-type", "application/x-www-form-urlencoded".to_string())];
    for _ in 0..5 {
        let p = raw(
            &app,
            Method::POST,
            "/console/sign-in",
            &headers,
            form(&[("email", &police.admin_email), ("password", "wrong password!")]),
        )
        .await;
        assert_eq!(p.status, 401);
        assert!(p.text().contains("E-mail") && p.text().contains("not right"), "the form again, saying so");
        assert!(session_cookie(&p).is_none());
    }
    let p = raw(
        &app,
        Method::POST,
        "/console/sign-in",
        &headers,
        form(&[("email", &police.admin_email), ("password", PASSWORD)]),
    )
    .await;
    assert_eq!(p.status, 429, "{}", p.text());
    assert!(session_cookie(&p).is_none());
    assert!(p.header("content-type").starts_with("text/html"));
    // The API is locked for the same account and address.
    let api = app.post("/api/v1/auth/login", &json!({"email": police.admin_email, "password": PASSWORD})).await;
    assert_eq!(api.status, 429);
}

/// The data-request chain with forms only: the officer issues a traffic-data request naming
/// the prosecutor; the ISP's pages show nothing of it while it waits; the prosecutor approves;
/// the desk acknowledges and answers with records and a file; the officer reads the answer,
/// downloads the file with its SHA-256 unchanged, and prints the signed order.
#[actix_rt::test]
async fn the_data_request_chain_runs_through_the_console() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let prosecutor = app.org("prosecution", "Prosecution Office").await;
    let isp = app.org("isp", "ISP One").await;
    let officer = Browser::sign_in(&app, &police.admin_email).await;
    let form_page = officer.get("/console/requests/new").await;
    assert_eq!(form_page.status, 200);
    let key = uuid::Uuid::new_v4().to_string();
    let fields = [
        ("idempotency_key", key.as_str()),
        ("addressee_id", isp.id.as_str()),
        ("type", "traffic_data"),
        ("case_reference", "PK-2026-77"),
        ("legal_provision", "CPC art. 123; Budapest Convention art. 18"),
        ("data_categories", "traffic"),
        ("data_categories", "ip_identification"),
        ("urgency", "urgent"),
        ("identifier_type_0", "ipv4"),
        ("identifier_value_0", "192.0.2.10"),
        ("identifier_port_0", "51234"),
        ("identifier_observed_0", "2026-11-20T10:15"),
        ("identifier_type_1", "url"),
        ("identifier_value_1", "https://phish.example.com/login"),
        ("validator_id", prosecutor.id.as_str()),
    ];
    // Without the validator the table asks for: the form again, naming the field.
    let without: Vec<(&str, &str)> = fields.iter().copied().filter(|(k, _)| *k != "validator_id").collect();
    let p = officer.post("/console/requests", &without).await;
    assert_eq!(p.status, 422, "{}", p.text());
    assert!(
        p.text().contains("Validated by (prosecution or court)") && p.text().contains("PK-2026-77"),
        "errors beside kept values"
    );
    // A port that is not one is named, not dropped.
    let bad_port: Vec<(&str, &str)> =
        fields.iter().copied().map(|(k, v)| if k == "identifier_port_0" { (k, "port 80") } else { (k, v) }).collect();
    let p = officer.post("/console/requests", &bad_port).await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("Identifier 1 · Port"), "{}", p.text());
    let p = officer.post("/console/requests", &fields).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = location(&p);
    // A second click with the same form sends nothing twice.
    let again = officer.post("/console/requests", &fields).await;
    assert_eq!(location(&again), page);
    assert_eq!(app.count("SELECT count(*) AS n FROM data_requests").await, 1);
    let id = page.trim_start_matches("/console/requests/").split('?').next().unwrap().to_string();
    let shown = officer.get(&page).await.text();
    assert!(shown.contains("The request was sent.") && shown.contains("Awaiting validation"), "{shown}");
    assert!(shown.contains("hxxps://phish[.]example[.]com/login") && !shown.contains("https://phish"), "defanged");
    // The addressee sees nothing of a pending request.
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let inbox = desk.get("/console/requests").await.text();
    assert!(!inbox.contains(&id) && !inbox.contains("PK-2026-77"), "{inbox}");
    assert_eq!(desk.get(&format!("/console/requests/{id}")).await.status, 404);
    assert_eq!(desk.get(&format!("/console/requests/{id}/order")).await.status, 404);
    // The prosecutor approves.
    let validator = Browser::sign_in(&app, &prosecutor.admin_email).await;
    let queue = validator.get("/console/requests?box=to_validate").await.text();
    assert!(queue.contains(&id), "{queue}");
    let request_page = validator.get(&format!("/console/requests/{id}")).await.text();
    assert!(request_page.contains("Approve"));
    let version = |html: &str| {
        let at = html.find("name=\"version\" value=\"").unwrap() + 22;
        html[at..].split('"').next().unwrap().to_string()
    };
    let v = version(&request_page);
    let p = validator
        .post(
            &format!("/console/requests/{id}/validate"),
            &[("version", &v), ("decision", "approve"), ("note", "Necessary and proportionate")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    // Now the desk has it: acknowledge, answer with records and a file.
    let inbox = desk.get("/console/requests").await.text();
    assert!(inbox.contains(&id) && inbox.contains("PK-2026-77"), "{inbox}");
    let desk_page = desk.get(&format!("/console/requests/{id}")).await.text();
    let p = desk
        .post(
            &format!("/console/requests/{id}/transition"),
            &[("version", &version(&desk_page)), ("to", "acknowledged")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let file: Vec<u8> = (0..70_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let html_file = b"<html><script>alert(1)</script></html>".to_vec();
    let p = desk
        .post_multipart(
            &format!("/console/requests/{id}/responses"),
            &[("records_text", "ip: 192.0.2.10\nsubscriber: Jane Roe\n")],
            &[("assignments.bin", &file), ("evil.html", &html_file)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    // The officer reads it, with each file's SHA-256, and downloads it unchanged.
    let read = officer.get(&format!("/console/requests/{id}")).await.text();
    let digest = hex::encode(Sha256::digest(&file));
    assert!(read.contains(&digest) && read.contains("Jane Roe"), "{read}");
    let answers = app.get_as(&police.admin, &format!("/api/v1/requests/{id}/responses")).await.ok(200);
    let attachments = answers["items"][0]["attachments"].as_array().unwrap().clone();
    for a in &attachments {
        let d = officer.get(&format!("/console/requests/{id}/attachments/{}", a["id"].as_str().unwrap())).await;
        assert_eq!(d.status, 200);
        assert!(d.header("content-disposition").starts_with("attachment;"), "{}", d.header("content-disposition"));
        assert_eq!(d.header("content-security-policy"), "sandbox");
        assert_eq!(d.header("content-type"), "application/octet-stream");
        assert_eq!(d.header("x-content-type-options"), "nosniff");
        assert_eq!(hex::encode(Sha256::digest(&d.body)), a["sha256"].as_str().unwrap());
        assert_eq!(d.header("x-content-sha256"), a["sha256"].as_str().unwrap());
    }
    assert!(attachments.iter().any(|a| a["sha256"] == digest.as_str()));
    // The printable signed order: each document's hash, and its signature verified.
    let order = officer.get(&format!("/console/requests/{id}/order")).await.text();
    assert!(order.contains("Signature verified") && !order.contains("does NOT verify"), "{order}");
    assert!(order.contains("PK-2026-77") && order.contains("Validation decision"), "{order}");
    // Another police force sees none of it.
    let other = app.org("law_enforcement", "Other Police").await;
    let outsider = Browser::sign_in(&app, &other.admin_email).await;
    for path in ["", "/order", &format!("/attachments/{}", attachments[0]["id"].as_str().unwrap())] {
        assert_eq!(outsider.get(&format!("/console/requests/{id}{path}")).await.status, 404, "{path}");
    }
    assert!(!outsider.get("/console/requests").await.text().contains(&id));
}

#[actix_rt::test]
async fn user_text_is_escaped_and_every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let r = crate::requests::issue(&app, &police, &isp).await;
    let id = r["id"].as_str().unwrap();
    let canary = "\"><svg onload=alert(1)><script>alert(2)</script>";
    app.post_as(&police.admin, &format!("/api/v1/requests/{id}/messages"), &json!({"body": canary})).await.ok(201);
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let page = desk.get(&format!("/console/requests/{id}")).await;
    let text = page.text();
    assert!(!text.contains("<svg onload") && !text.contains("<script>alert"), "{text}");
    assert!(text.contains("&#34;&#62;&#60;svg onload=alert(1)&#62;"), "shown as text: {text}");
    for path in ["/console/sign-in", "/console/requests", &format!("/console/requests/{id}"), "/console/nowhere"] {
        let p = desk.get(path).await;
        let csp = p.header("content-security-policy");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(p.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(p.header("x-content-type-options"), "nosniff", "{path}");
        assert!(!p.header("permissions-policy").is_empty(), "{path}");
        assert!(!p.text().contains("urn:cyberbridge:problem"), "{path}: errors are pages");
    }
    assert_eq!(desk.get("/console/nowhere").await.status, 404);
    // The pages load only the vendored htmx, with its integrity hash.
    assert!(text.contains("integrity=\"sha384-") && text.contains("/console/assets/htmx-2.0.11.min.js"));
    let js = desk.get("/console/assets/htmx-2.0.11.min.js").await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").starts_with("text/javascript"));
    // Swagger UI has a policy of its own.
    let docs = raw(&app, Method::GET, "/docs/", &[], Vec::new()).await;
    assert!(docs.header("content-security-policy").contains("frame-ancestors 'none'"));
}

#[actix_rt::test]
async fn swagger_ui_can_be_switched_off_and_the_document_stays() {
    let app = TestApp::spawn_with(|c| c.docs = "off".into()).await;
    assert_eq!(raw(&app, Method::GET, "/docs/", &[], Vec::new()).await.status, 404);
    assert_eq!(raw(&app, Method::GET, "/api/v1/openapi.json", &[], Vec::new()).await.status, 200);
}

#[actix_rt::test]
async fn pages_speak_the_browsers_language() {
    let app = TestApp::spawn().await;
    for (accept, lang, words) in [
        ("sq-AL,sq;q=0.9", "sq", "Fjalëkalimi"),
        ("sr-Latn-RS", "sr-Latn", "Lozinka"),
        ("sr-Cyrl-RS,sr;q=0.8", "sr-Cyrl", "Лозинка"),
        ("de-DE", "en", "Password"),
    ] {
        let p =
            raw(&app, Method::GET, "/console/sign-in", &[("accept-language", accept.to_string())], Vec::new()).await;
        let text = p.text();
        assert!(text.contains(&format!("<html lang=\"{lang}\">")), "{accept}");
        assert!(text.contains(words), "{accept}: {text}");
    }
}

#[actix_rt::test]
async fn a_session_is_yours_alone_and_ending_anothers_is_not_found() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let mine = Browser::sign_in(&app, &police.admin_email).await;
    let theirs = Browser::sign_in(&app, &isp.admin_email).await;
    let their_sessions = app.get_as(&isp.admin, "/api/v1/me/sessions").await.ok(200);
    let their_console = their_sessions["items"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = mine.post(&format!("/console/account/sessions/{their_console}/end"), &[]).await;
    assert_eq!(p.status, 404, "{}", p.text());
    assert_eq!(theirs.get("/console/requests").await.status, 200, "still signed in");
}

/// Notices reach people through a real SMTP conversation: an emergency request reaches every
/// person of the ISP's desk (an opted-out one too), a routine one not the opted-out person;
/// no notice carries case content; a second round sends nothing again; the console lists them.
#[actix_rt::test]
async fn notices_reach_the_desk_by_e_mail_without_case_content_and_never_twice() {
    let sink = crate::support::smtp::SmtpSink::start().await;
    let port = sink.port;
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.smtp_from = "cyberbridge <notices@platform.test>".into();
    })
    .await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    app.member(&isp, "desk@isp.example").await;
    let desk_email = "desk@isp.example".to_string();
    let mut db = app.db.connect().await;
    crate::support::exec(&mut db, "UPDATE users SET notices_opt_out = true WHERE email = 'desk@isp.example'").await;
    let mailer = cyberbridge::console::mail::spawn(app.state.clone()).expect("the sender runs");
    let secret = "Ongoing extortion with a threat to publish images of a minor unless paid today.";
    let emergency = crate::requests::body(&isp, "preservation", &["subscriber"], "emergency");
    let urgent = app.post_as(&police.admin, "/api/v1/requests", &emergency).await.ok(201);
    let mails = sink.wait_for(2).await;
    let reference = urgent["reference"].as_str().unwrap();
    let to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    assert!(to.contains(&isp.admin_email) && to.contains(&desk_email), "{to:?}");
    for m in &mails {
        assert!(m.header("Subject").contains(reference), "{}", m.data);
        let body = m.body();
        assert!(body.contains(&format!("/console/requests/{}", urgent["id"].as_str().unwrap())), "{body}");
        for case_content in [secret, "PK-2026-1142", "192.0.2.10", "CPC art. 123"] {
            assert!(!body.contains(case_content) && !m.data.contains(case_content), "{case_content} in {body}");
        }
        assert_eq!(m.header("From"), "cyberbridge <notices@platform.test>");
    }
    // A routine request: not to the person who opted out.
    let routine = crate::requests::issue(&app, &police, &isp).await;
    let mails = sink.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mails_now = sink.mails();
    assert_eq!(mails_now.len(), mails.len(), "nothing more");
    let last = mails_now.last().unwrap();
    assert_eq!(last.to, vec![isp.admin_email.clone()]);
    assert!(last.header("Subject").contains(routine["reference"].as_str().unwrap()));
    // Never twice: the notices are marked sent; another sender finds nothing to do.
    assert_eq!(app.count("SELECT count(*) AS n FROM notices WHERE sent_at IS NULL").await, 0);
    mailer.abort();
    let again = cyberbridge::console::mail::spawn(app.state.clone()).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(sink.mails().len(), mails_now.len());
    again.abort();
    // The console lists the desk's notices.
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let inbox = desk.get("/console/requests").await.text();
    assert!(inbox.contains(&format!("New request {reference} in your box")), "{inbox}");
}

/// Browsers send `Origin: null` on form posts of a page with `Referrer-Policy: no-referrer`:
/// then `Sec-Fetch-Site` decides.
#[actix_rt::test]
async fn a_null_origin_is_judged_by_sec_fetch_site() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let form_body = form(&[("email", &police.admin_email), ("password", PASSWORD)]);
    let ct = ("content-type", "application/x-www-form-urlencoded".to_string());
    let own = [("origin", "null".to_string()), ("sec-fetch-site", "same-origin".to_string()), ct.clone()];
    assert_eq!(raw(&app, Method::POST, "/console/sign-in", &own, form_body.clone()).await.status, 303);
    for site in ["cross-site", "same-site", "none"] {
        let other = [("origin", "null".to_string()), ("sec-fetch-site", site.to_string()), ct.clone()];
        assert_eq!(raw(&app, Method::POST, "/console/sign-in", &other, form_body.clone()).await.status, 403, "{site}");
    }
}

/// Onboarding in the console: an org_admin adds a person and sees the enrolment token once;
/// the person sets a password with it and signs in; accrediting is the service's rule (refused
/// to an org_admin without a second factor); an ISP's org_admin publishes the catalogue the
/// API serves; nobody reaches another organisation's people.
#[actix_rt::test]
async fn onboarding_by_link_and_the_catalogue_in_the_console() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let admin = Browser::sign_in(&app, &police.admin_email).await;
    let page = admin.get("/console/organisation").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains(&police.admin_email));
    let added = admin
        .post(
            "/console/organisation/people",
            &[("email", "new.officer@police.example"), ("name", "New Officer"), ("role", "member")],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text());
    let html = added.text();
    let marker = "aria-label=\"Token to hand over\">";
    let at = html.find(marker).expect("the token, shown once") + marker.len();
    let token = html[at..].split('<').next().unwrap().to_string();
    assert!(token.len() >= 40, "{token}");
    assert!(!admin.get("/console/organisation").await.text().contains(&token), "shown once");
    // The person sets a password with it (the two entries must agree) and signs in.
    let differ = anonymous(
        &app,
        "/console/enrol",
        &[("token", &token), ("password", PASSWORD), ("password_again", "another one entirely")],
    )
    .await;
    assert_eq!(differ.status, 422);
    let done =
        anonymous(&app, "/console/enrol", &[("token", &token), ("password", PASSWORD), ("password_again", PASSWORD)])
            .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(location(&done), "/console/sign-in?enrolled=1");
    let reused =
        anonymous(&app, "/console/enrol", &[("token", &token), ("password", PASSWORD), ("password_again", PASSWORD)])
            .await;
    assert_eq!(reused.status, 422, "a token works once");
    let newcomer = Browser::sign_in(&app, "new.officer@police.example").await;
    assert_eq!(newcomer.get("/console/requests").await.status, 200);
    // Accrediting: the service's rule (a second factor and a second org_admin), shown as a page.
    let users = app.get_as(&police.admin, &format!("/api/v1/organizations/{}/users", police.id)).await.ok(200);
    let person =
        users["items"].as_array().unwrap().iter().find(|u| u["email"] == "new.officer@police.example").unwrap().clone();
    let id = person["id"].as_str().unwrap();
    let version = person["version"].to_string();
    let p = admin
        .post(
            &format!("/console/organisation/people/{id}"),
            &[
                ("version", &version),
                ("change", "officer"),
                ("function", "Inspector"),
                ("registration_number", "KP-1"),
                ("authorisations", "issue_data_requests"),
            ],
        )
        .await;
    assert_eq!(p.status, 403, "{}", p.text());
    assert!(p.header("content-type").starts_with("text/html"));
    // The ISP's org_admin publishes the catalogue; the API serves it.
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let p = desk
        .post(
            "/console/organisation/capabilities",
            &[
                ("supported_subscriber_info", "on"),
                ("held_subscriber_info", "subscriber"),
                ("held_subscriber_info", "ip_identification"),
                ("retention_subscriber_info", "IP assignment logs: 12 months"),
                ("contact_name", "NOC 24/7"),
                ("contact_email", "noc@isp.example"),
                ("contact_phone", "+38344999000"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text());
    let caps = app.get_as(&police.admin, &format!("/api/v1/organizations/{}/capabilities", isp.id)).await.ok(200);
    let sub =
        caps["request_types"].as_array().unwrap().iter().find(|t| t["type"] == "subscriber_info").unwrap().clone();
    assert_eq!(sub["supported"], true);
    assert_eq!(sub["data_held"], json!(["subscriber", "ip_identification"]));
    assert_eq!(caps["emergency_contact"]["phone"], "+38344999000");
    // The request form's panel shows it to the officer; an ISP without one says so.
    let admin_panel = admin.get(&format!("/console/requests/new?addressee_id={}", isp.id)).await.text();
    assert!(admin_panel.contains("NOC 24/7") && admin_panel.contains("IP assignment logs: 12 months"), "{admin_panel}");
    let other_isp = app.org("isp", "ISP Two").await;
    let none = admin.get(&format!("/console/requests/new?addressee_id={}", other_isp.id)).await.text();
    assert!(none.contains("has not published a catalogue"), "{none}");
    // A bad phone: the form again, naming the field.
    let p = desk
        .post(
            "/console/organisation/capabilities",
            &[("contact_name", "NOC"), ("contact_email", "noc@isp.example"), ("contact_phone", "call us")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.text().contains("emergency_contact.phone"), "{}", p.text());
    // Nobody reaches another organisation's people.
    for path in [format!("/console/organisation/people/{id}/enrolment"), format!("/console/organisation/people/{id}")] {
        let p = desk.post(&path, &[("version", &version), ("change", "deactivate")]).await;
        assert_eq!(p.status, 404, "{path}: {}", p.text());
    }
    assert!(!desk.get("/console/organisation").await.text().contains("new.officer@police.example"));
    let still = app.get_as(&police.admin, &format!("/api/v1/users/{id}")).await.ok(200);
    assert_eq!(still["active"], true);
}

/// The answer's multipart body: the token first (checked before anything is stored), each text
/// part once, and no bytes hidden in a file part without a name (API too).
#[actix_rt::test]
async fn an_answer_takes_its_token_first_and_hides_no_bytes() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let r = crate::requests::issue(&app, &police, &isp).await;
    let id = r["id"].as_str().unwrap();
    crate::requests::transition(&app, &isp.admin, &r, "acknowledged").await.ok(200);
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    let path = format!("/console/requests/{id}/responses");
    let send = |parts: Vec<(String, Vec<u8>)>| multipart(&app, &desk, &path, parts);
    let file = |name: &str| format!("Content-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"");
    let csrf = "Content-Disposition: form-data; name=\"csrf\"".to_string();
    // A file before the token: refused before it is stored.
    let p = send(vec![(file("a.bin"), vec![7u8; 4096]), (csrf.clone(), desk.csrf.clone().into_bytes())]).await;
    assert_eq!(p.status, 403, "{}", p.text());
    assert_eq!(app.count("SELECT count(*) AS n FROM attachment_chunks").await, 0);
    // The token twice, or bytes in a nameless file part: refused.
    let p = send(vec![(csrf.clone(), desk.csrf.clone().into_bytes()), (csrf.clone(), vec![b'x'; 1000])]).await;
    assert_eq!(p.status, 422, "{}", p.text());
    let p = send(vec![(csrf.clone(), desk.csrf.clone().into_bytes()), (file(""), vec![1u8; 1000])]).await;
    assert_eq!(p.status, 422, "{}", p.text());
    assert_eq!(app.count("SELECT count(*) AS n FROM attachment_chunks").await, 0);
    // The API refuses bytes in a nameless file part too.
    let boundary = "----cbapi";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\n{}\r\n\r\n", file("")).as_bytes());
    body.extend_from_slice(&[1u8; 1000]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let api = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/requests/{id}/responses"),
            &[("authorization", isp.admin.as_str()), ("content-type", ct.as_str())],
            body,
        )
        .await;
    assert_eq!(api.status, 422, "{}", api.text());
    // The right order: taken.
    let p = send(vec![(csrf.clone(), desk.csrf.clone().into_bytes()), (file("a.bin"), vec![7u8; 4096])]).await;
    assert_eq!(p.status, 303, "{}", p.text());
}

/// A link from elsewhere (an e-mail) arrives without the SameSite=Strict cookie: it leads to
/// the sign-in page but deletes nothing; and no link writes into a page's notice.
#[actix_rt::test]
async fn a_link_without_the_cookie_deletes_nothing_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let p = raw(&app, Method::GET, "/console/requests", &[], Vec::new()).await;
    assert_eq!(p.status, 303);
    assert!(p.set_cookies().is_empty(), "{:?}", p.set_cookies());
    let b = Browser::sign_in(&app, &police.admin_email).await;
    let p = b.get("/console/account?done=your%20account%20is%20locked").await;
    assert_eq!(p.status, 200);
    assert!(!p.text().contains("your account is locked"));
    assert!(b.get("/console/account?done=session_ended").await.text().contains("The session was ended."));
}

/// A person's language is theirs: chosen in the console (or the API), it wins over the
/// browser's; e-mail notices can be turned off there. The API refuses an unknown language, and
/// API keys have no preferences.
#[actix_rt::test]
async fn a_persons_language_and_notices_are_their_preferences() {
    let app = TestApp::spawn().await;
    let isp = app.org("isp", "ISP One").await;
    let b = Browser::sign_in(&app, &isp.admin_email).await;
    let p = b.post("/console/account/preferences", &[("locale", "sq")]).await;
    assert_eq!(p.status, 303, "{}", p.text());
    let page = b.get("/console/requests").await.text();
    assert!(page.contains("<html lang=\"sq\">") && page.contains("Kërkesat për të dhëna"), "{page}");
    let mine = format!(
        "SELECT count(*) AS n FROM users WHERE locale = 'sq' AND notices_opt_out AND email = '{}'",
        isp.admin_email
    );
    assert_eq!(app.count(&mine).await, 1, "no box ticked: notices off");
    let p = b.post("/console/account/preferences", &[("locale", ""), ("notices", "on")]).await;
    assert_eq!(p.status, 303);
    assert!(b.get("/console/requests").await.text().contains("<html lang=\"en\">"));
    let mine = format!(
        "SELECT count(*) AS n FROM users WHERE locale IS NULL AND NOT notices_opt_out AND email = '{}'",
        isp.admin_email
    );
    assert_eq!(app.count(&mine).await, 1);
    // The API: the same preferences, an unknown language named, none for API keys.
    let set = app.patch_as(&isp.admin, "/api/v1/me/preferences", &json!({"locale": "sr-Cyrl"})).await.ok(200);
    assert_eq!(set["locale"], "sr-Cyrl");
    assert!(b.get("/console/requests").await.text().contains("<html lang=\"sr-Cyrl\">"));
    let p = app.patch_as(&isp.admin, "/api/v1/me/preferences", &json!({"locale": "de"})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "locale");
    let (key, _) = app.api_key(&isp, &["reports:read"]).await;
    app.patch_as(&key, "/api/v1/me/preferences", &json!({"notices_opt_out": true})).await.problem(403);
}

/// A signed document received by other means verifies on its page; a changed one does not.
#[actix_rt::test]
async fn a_signed_document_is_checked_against_the_published_keys() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let r = crate::requests::issue(&app, &police, &isp).await;
    let docs = app
        .get_as(&isp.admin, &format!("/api/v1/requests/{}/signed-documents", r["id"].as_str().unwrap()))
        .await
        .ok(200);
    let order = docs["items"].as_array().unwrap().iter().find(|d| d["kind"] == "order").unwrap().clone();
    let payload = order["payload"].as_str().unwrap();
    let jws = order["jws"].as_str().unwrap();
    let desk = Browser::sign_in(&app, &isp.admin_email).await;
    assert_eq!(desk.get("/console/verify").await.status, 200);
    let p = desk.post("/console/verify", &[("payload", payload), ("jws", jws)]).await;
    assert_eq!(p.status, 200);
    let text = p.text();
    assert!(text.contains("Signature verified") && text.contains(r["reference"].as_str().unwrap()), "{text}");
    let changed = payload.replace("PK-2026-1142", "PK-2026-9999");
    let p = desk.post("/console/verify", &[("payload", &changed), ("jws", jws)]).await;
    let text = p.text();
    assert!(text.contains("does NOT verify") && text.contains("does not match"), "{text}");
    let p = desk.post("/console/verify", &[("payload", payload), ("jws", "not a signature")]).await;
    assert!(p.text().contains("does NOT verify"));
}
