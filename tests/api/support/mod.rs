//! The test harness: a real PostgreSQL (DATABASE_URL, else localhost:5432, else a private
//! cluster), one database per test cloned from a template migrated once per migration set,
//! and the real HTTP server on port 0 talked to over HTTP.

pub mod contract;
pub mod fixtures;
pub mod proxy;
pub mod receiver;
pub mod smtp;

pub use fixtures::{create_report, iban_xk, org_body, report_body};

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use awc::http::Method;
use cyberbridge::{db, AppState, Config};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The PostgreSQL server the tests use, and the template database on it.
struct PgServer {
    /// URL of the `postgres` maintenance database on that server (a superuser: the schema owner).
    admin_url: String,
    template: String,
}

/// The login role the API runs as in tests: a member of `cyberbridge_service`, as in a deployment
/// with two roles (the password serves servers that ask for one).
pub const SERVICE_LOGIN: &str = "cyberbridge_test_api";

static SERVER: OnceLock<PgServer> = OnceLock::new();

/// In a runtime of its own: the statics outlive every test's runtime.
fn on_own_runtime<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        rt.block_on(work)
    })
    .join()
    .expect("preparing a test PostgreSQL server failed")
}

fn pg_server() -> &'static PgServer {
    SERVER.get_or_init(|| on_own_runtime(prepare_server()))
}

async fn prepare_server() -> PgServer {
    let admin_url = if let Ok(url) = std::env::var("DATABASE_URL") {
        db::with_database(&url, "postgres")
    } else if db::local_server_answers().await {
        "postgres://postgres@localhost:5432/postgres".to_string()
    } else {
        private_cluster("pg").await.url("postgres")
    };
    prepare_template(admin_url).await
}

/// A private cluster of this test process, stopped and removed when the process exits.
async fn private_cluster(tag: &str) -> db::LocalCluster {
    let dir = std::env::temp_dir().join(format!("cyberbridge-test-{tag}-{}", std::process::id()));
    let cluster = db::LocalCluster::start(&dir, false).await.expect("starting a private PostgreSQL cluster");
    // The watchdog stops it and removes its folder when this process exits.
    cluster.stop_and_remove_after_exit_of(std::process::id()).expect("cluster watchdog");
    cluster
}

/// The private cluster replicas are made of (the machine's server may not allow replication
/// connections, and a base backup of it would copy every other database on it).
struct Primary {
    cluster: db::LocalCluster,
    server: PgServer,
}

static PRIMARY: OnceLock<Primary> = OnceLock::new();

fn primary() -> &'static Primary {
    PRIMARY.get_or_init(|| {
        on_own_runtime(async {
            let cluster = private_cluster("primary").await;
            let server = prepare_template(cluster.url("postgres")).await;
            Primary { cluster, server }
        })
    })
}

async fn prepare_template(admin_url: String) -> PgServer {
    let template = format!("cyberbridge_tpl_{}", migrations_digest());
    let mut conn = AsyncPgConnection::establish(&admin_url).await.expect("connecting to the test server");
    // Test binaries running at once agree on who builds the template.
    exec(&mut conn, "SELECT pg_advisory_lock(7219002)").await;
    if !database_exists(&mut conn, &template).await {
        let building = format!("{template}_building");
        exec(&mut conn, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db::quote_ident(&building))).await;
        exec(&mut conn, &format!("CREATE DATABASE {}", db::quote_ident(&building))).await;
        db::migrate(&db::with_database(&admin_url, &building)).await.expect("migrating the template");
        exec(
            &mut conn,
            &format!("ALTER DATABASE {} RENAME TO {}", db::quote_ident(&building), db::quote_ident(&template)),
        )
        .await;
        drop_stale_templates(&mut conn, &template).await;
    }
    db::ensure_service_login(&admin_url, SERVICE_LOGIN).await.expect("creating the service login role");
    exec(&mut conn, &format!("ALTER ROLE {SERVICE_LOGIN} PASSWORD '{SERVICE_LOGIN}'")).await;
    exec(&mut conn, "SELECT pg_advisory_unlock(7219002)").await;
    PgServer { admin_url, template }
}

/// Templates of older migration sets are no longer needed once they are an hour old (another
/// checkout's test run may still be using a recent one); one that is being cloned refuses the
/// drop and is left for next time. Their age is their folder's (superusers only; else none are
/// dropped).
async fn drop_stale_templates(conn: &mut AsyncPgConnection, current: &str) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let stale: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE starts_with(datname, 'cyberbridge_tpl_') \
         AND NOT datname LIKE '%building' AND datname <> $1 \
         AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification < now() - interval '1 hour'",
    )
    .bind::<diesel::sql_types::Text, _>(current)
    .load(conn)
    .await
    .unwrap_or_default();
    for old in stale {
        let _ = diesel::sql_query(format!("DROP DATABASE {}", db::quote_ident(&old.datname))).execute(conn).await;
    }
}

/// Names the template after the migrations' content, so a changed migration gets a new one.
fn migrations_digest() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.strip_prefix(&dir).unwrap_or(&f).to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).unwrap_or_default());
    }
    hex::encode(&hasher.finalize()[..8])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let row: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(conn)
        .await
        .expect("pg_database");
    row.n > 0
}

pub async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A database of its own for one test, dropped when the test ends.
pub struct TestDb {
    /// As the schema owner (a superuser): for a test's own SQL.
    pub url: String,
    /// As the service login, a member of `cyberbridge_service`: what the API runs as.
    pub service_url: String,
    pub name: String,
    admin_url: String,
    /// Dropped with this value (a shared handle leaves it to the owner).
    owned: bool,
}

impl TestDb {
    pub async fn create() -> Self {
        Self::create_on(pg_server()).await
    }

    /// A database on the private cluster that [`TestDb::start_replica`] can replicate.
    pub async fn create_replicated() -> Self {
        Self::create_on(&primary().server).await
    }

    /// Another handle on the same database (for a second instance), which does not drop it.
    pub fn share(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            service_url: self.service_url.clone(),
            name: self.name.clone(),
            admin_url: self.admin_url.clone(),
            owned: false,
        }
    }

    /// A streaming replica of the private cluster (made by [`TestDb::create_replicated`]),
    /// stopped and removed when the test process exits, and the URL of this database on it as
    /// the API's login.
    pub async fn start_replica(&self) -> (db::LocalCluster, String) {
        let dir = std::env::temp_dir().join(format!("cyberbridge-test-replica-{}", uuid::Uuid::new_v4().simple()));
        let replica = primary().cluster.start_replica(&dir).await.expect("starting a streaming replica");
        replica.stop_and_remove_after_exit_of(std::process::id()).expect("replica watchdog");
        let url = db::with_user(&replica.url(&self.name), &format!("{SERVICE_LOGIN}:{SERVICE_LOGIN}"));
        (replica, url)
    }

    async fn create_on(server: &PgServer) -> Self {
        let name = format!("cbtest_{}", uuid::Uuid::new_v4().simple());
        let mut conn = AsyncPgConnection::establish(&server.admin_url).await.expect("connect");
        exec(
            &mut conn,
            &format!("CREATE DATABASE {} TEMPLATE {}", db::quote_ident(&name), db::quote_ident(&server.template)),
        )
        .await;
        let url = db::with_database(&server.admin_url, &name);
        let service_url = db::with_user(&url, &format!("{SERVICE_LOGIN}:{SERVICE_LOGIN}"));
        TestDb { url, service_url, name, admin_url: server.admin_url.clone(), owned: true }
    }

    pub async fn connect(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db::quote_ident(&self.name));
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url).await {
                    let _ = diesel::sql_query(sql).execute(&mut conn).await;
                }
            })
        })
        .join();
    }
}

pub const ADMIN_EMAIL: &str = "admin@platform.test";
pub const PASSWORD: &str = "correct horse battery staple";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// An organisation made for a test, with its org_admin's `Authorization` header value.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: String,
    pub admin: String,
    pub admin_email: String,
    pub admin_id: String,
    /// Public-sector organisations: a second org_admin, with a second factor, who accredits
    /// officers (nobody accredits themselves; one org_admin alone accredits no one).
    pub deputy: Option<String>,
}

/// The real server on a free port, over its own database.
pub struct TestApp {
    pub base: String,
    pub client: awc::Client,
    handle: ServerHandle,
    admin: std::sync::Mutex<Option<String>>,
    /// A second platform admin's `Authorization`, once a test made one: `org` helpers have it
    /// approve what four eyes file.
    pub approver: std::sync::Mutex<Option<String>>,
    /// The server's state, for tests that run a background job's round themselves.
    pub state: actix_web::web::Data<cyberbridge::kernel::AppState>,
    // Dropped last: the server goes first.
    pub db: TestDb,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a changed configuration.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::create().await;
        Self::serve(db, change).await
    }

    /// Serves an existing database (with its platform admin); `change` may point the pool
    /// elsewhere (a proxy).
    pub async fn serve(db: TestDb, change: impl FnOnce(&mut Config)) -> Self {
        let mut conn = db.connect().await;
        cyberbridge::app::bootstrap::ensure_platform_admin(
            &mut conn,
            "Platform operator",
            &cyberbridge::domain::Country::parse("XK").expect("country"),
            &cyberbridge::domain::Email::parse(ADMIN_EMAIL).expect("e-mail"),
            PASSWORD,
            false,
        )
        .await
        .expect("platform admin");
        let mut config = Config::for_database(&db.service_url);
        config.workers = Some(1);
        config.pool_size = 4;
        config.pool_timeout_ms = 1000;
        config.shutdown_timeout_secs = 1;
        config.jwt_secret = Some(JWT_SECRET.into());
        config.rate_limit = 0;
        // Tests that need second factors ask for them; the others log in with a password.
        config.mfa_required = String::new();
        // Tests of the purpose rule ask for it; the others search without stating one.
        config.purpose_required = String::new();
        change(&mut config);
        let url = config.database_url().unwrap_or_default().to_string();
        let pool = db::pool(&url, config.pool_size, config.db_limits()).expect("pool");
        let state = AppState::build(pool, config).await.expect("state");
        cyberbridge::webhooks::deliver::spawn(state.clone());
        let (server, addrs) = cyberbridge::server::http_server(state.clone(), "127.0.0.1:0").expect("bind");
        let handle = server.handle();
        actix_rt::spawn(server);
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).disable_redirects().finish();
        TestApp {
            base: format!("http://{}", addrs[0]),
            client,
            handle,
            admin: Default::default(),
            approver: Default::default(),
            state,
            db,
        }
    }

    /// The `n` a query of the test's database answers (`SELECT count(*) AS n ...`).
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut db = self.db.connect().await;
        diesel_async::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), &mut db).await.expect("count").n
    }

    /// Logs in; returns the `Authorization` header value.
    /// `cyberbridge admin <command>` against this app's database, as the schema owner, with the
    /// app's configuration (its keys).
    pub async fn cli(
        &self,
        command: cyberbridge::app::admin::AdminCommand,
    ) -> cyberbridge::kernel::ApiResult<cyberbridge::app::admin::Outcome> {
        self.cli_with(&self.state.config, command).await
    }

    pub async fn cli_with(
        &self,
        config: &Config,
        command: cyberbridge::app::admin::AdminCommand,
    ) -> cyberbridge::kernel::ApiResult<cyberbridge::app::admin::Outcome> {
        cyberbridge::app::admin::run(&self.db.url, config, command).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self.post("/api/v1/auth/login", &serde_json::json!({"email": email, "password": password})).await;
        let body = res.ok(200);
        format!("Bearer {}", body["access_token"].as_str().expect("access_token"))
    }

    /// The platform admin's `Authorization` header value.
    pub async fn admin(&self) -> String {
        if let Some(token) = self.admin.lock().unwrap().clone() {
            return token;
        }
        let token = self.login(ADMIN_EMAIL, PASSWORD).await;
        *self.admin.lock().unwrap() = Some(token.clone());
        token
    }

    /// Registers an organisation of `kind` with an org_admin, logged in.
    pub async fn org(&self, kind: &str, name: &str) -> Org {
        self.org_with(serde_json::json!({
            "name": name, "kind": kind, "country": "XK",
            "contact": {"name": "Duty desk", "email": "desk@example.org", "phone": "+38344111222"},
        }))
        .await
    }

    /// Redeems an enrolment token with `PASSWORD`: the answer (`user_id`, `email`, ...).
    pub async fn enrol(&self, token: &str) -> Value {
        self.post("/api/v1/auth/enrolment", &serde_json::json!({"token": token, "password": PASSWORD})).await.ok(200)
    }

    /// Approves a filed change as the second platform admin (`approver`): the approval's answer.
    pub async fn approve(&self, filed: &Value) -> Value {
        let approver = self.approver.lock().unwrap().clone().expect("a second platform admin (app.approver)");
        let path = format!("/api/v1/approvals/{}/approve", filed["id"].as_str().expect("approval id"));
        self.post_as(&approver, &path, &serde_json::json!({})).await.ok(200)
    }

    /// The answer of a call that makes an account, once made: (user id, whole enrolment token),
    /// approving it first when it was filed for a second platform admin.
    pub async fn account_of(&self, res: TestResponse) -> (String, String) {
        if res.status == 202 {
            let filed = res.json();
            let approved = self.approve(&filed).await;
            let token = format!(
                "{}{}",
                filed["enrolment_token_part_1"].as_str().expect("part 1 to the filer"),
                approved["enrolment_token_part_2"].as_str().expect("part 2 to the approver")
            );
            (approved["result_id"].as_str().unwrap().to_string(), token)
        } else {
            let made = res.ok(201);
            let made = if made.get("first_admin").is_some() { made["first_admin"].clone() } else { made };
            (made["id"].as_str().unwrap().to_string(), made["enrolment"]["token"].as_str().unwrap().to_string())
        }
    }

    /// Registers an organisation from a full body, with its first org_admin (enrolled with
    /// `PASSWORD`), logged in. Public-sector organisations also get a second org_admin with a
    /// second factor (`deputy`), who accredits the first as an officer who may issue and
    /// validate data requests (tests of the authorisation itself take it away).
    pub async fn org_with(&self, mut body: Value) -> Org {
        let admin = self.admin().await;
        let name = body["name"].as_str().unwrap().to_string();
        let slug: String = name.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let admin_email = format!("admin@{slug}.test");
        body["first_admin"] = serde_json::json!({"email": admin_email, "name": "Org Admin"});
        body["document_reference"] = serde_json::json!(format!("Letter of {name}, 1/2026"));
        let res = self.call(Method::POST, "/api/v1/organizations", &admin, Some(&body)).await;
        let (_, token) = self.account_of(res).await;
        let enrolled = self.enrol(&token).await;
        let admin_id = enrolled["user_id"].as_str().unwrap().to_string();
        let id = enrolled["organization_id"].as_str().unwrap().to_string();
        let token = self.login(&admin_email, PASSWORD).await;
        let mut org = Org { id, admin: token, admin_email, admin_id, deputy: None };
        let kind = body["kind"].as_str().unwrap_or_default();
        let public_sector = ["law_enforcement", "prosecution", "court", "fiu"].contains(&kind);
        // (Not while a second factor must be enrolled first: such tests accredit themselves.)
        if public_sector && self.get_as(&org.admin, &format!("/api/v1/users/{}", org.admin_id)).await.status == 200 {
            let deputy_email = format!("deputy@{slug}.test");
            let (deputy, _) = self.user(&org, &deputy_email, "org_admin").await;
            let code = |secret: &str| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                cyberbridge::access::totp::code_at(secret, now).unwrap()
            };
            let e = self.post_as(&deputy, "/api/v1/me/second-factor", &serde_json::json!({})).await.ok(201);
            let code = code(e["secret"].as_str().unwrap());
            self.post_as(&deputy, "/api/v1/me/second-factor/confirm", &serde_json::json!({"code": code})).await.ok(200);
            org.deputy = Some(deputy);
            let admin_id = org.admin_id.clone();
            self.accredit(&org, &admin_id, &["issue_data_requests", "validate_data_requests"]).await;
        }
        org
    }

    /// Records the user `id` as an officer with `authorisations`, as the organisation's deputy
    /// org_admin (who has a second factor).
    pub async fn accredit(&self, org: &Org, id: &str, authorisations: &[&str]) {
        let auth = org.deputy.as_deref().expect("a public-sector organisation's deputy org_admin");
        let path = format!("/api/v1/users/{id}");
        let etag = self.get_as(auth, &path).await.header("etag").expect("ETag");
        let body = serde_json::json!({
            "officer": {"function": "Investigator", "registration_number": format!("REG-{}", &id[..8])},
            "authorisations": authorisations,
        });
        self.send(Method::PATCH, &path, &[("Authorization", auth), ("If-Match", &etag)], Some(&body)).await.ok(200);
    }

    /// Creates a member of `org`, enrolled and logged in: (Authorization header value, user id).
    pub async fn member(&self, org: &Org, email: &str) -> (String, String) {
        self.user(org, email, "member").await
    }

    /// Creates a user of `org` with `role` (as its org_admin), enrolled with `PASSWORD` and
    /// logged in: (Authorization header value, user id).
    pub async fn user(&self, org: &Org, email: &str, role: &str) -> (String, String) {
        let res = self
            .call(
                Method::POST,
                &format!("/api/v1/organizations/{}/users", org.id),
                &org.admin,
                Some(&serde_json::json!({"email": email, "name": "Member", "role": role})),
            )
            .await;
        let (id, token) = self.account_of(res).await;
        self.enrol(&token).await;
        (self.login(email, PASSWORD).await, id)
    }

    /// Creates an API key of `org`: (Authorization header value, key id).
    pub async fn api_key(&self, org: &Org, scopes: &[&str]) -> (String, String) {
        let key = self
            .call(
                Method::POST,
                "/api/v1/api-keys",
                &org.admin,
                Some(&serde_json::json!({"name": "system", "scopes": scopes})),
            )
            .await
            .ok(201);
        (format!("ApiKey {}", key["key"].as_str().unwrap()), key["id"].as_str().unwrap().to_string())
    }

    /// Sends a request as `auth` (an `Authorization` header value).
    pub async fn call(&self, method: Method, path: &str, auth: &str, body: Option<&Value>) -> TestResponse {
        self.send(method, path, &[("Authorization", auth)], body).await
    }

    pub async fn get_as(&self, auth: &str, path: &str) -> TestResponse {
        self.call(Method::GET, path, auth, None).await
    }

    pub async fn post_as(&self, auth: &str, path: &str, body: &Value) -> TestResponse {
        self.call(Method::POST, path, auth, Some(body)).await
    }

    pub async fn patch_as(&self, auth: &str, path: &str, body: &Value) -> TestResponse {
        self.call(Method::PATCH, path, auth, Some(body)).await
    }

    /// PATCH as a careful client does: read the resource for its `ETag`, send it in `If-Match`.
    pub async fn patch_read(&self, auth: &str, path: &str, body: &Value) -> TestResponse {
        let current = self.get_as(auth, path).await;
        let etag = current.header("etag").unwrap_or_else(|| panic!("no ETag on GET {path}: {}", current.text()));
        self.patch_with(auth, path, &etag, body).await
    }

    /// PATCH with `If-Match: etag`.
    pub async fn patch_with(&self, auth: &str, path: &str, etag: &str, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, &[("Authorization", auth), ("If-Match", etag)], Some(body)).await
    }

    pub async fn delete_as(&self, auth: &str, path: &str) -> TestResponse {
        self.call(Method::DELETE, path, auth, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::POST, path, &[], Some(body)).await
    }

    /// Sends a request with extra headers and an optional JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> TestResponse {
        let name = method_name(&method);
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let res = match body {
            Some(b) => req.send_json(b).await,
            None => req.send().await,
        };
        TestResponse::read(res.expect("request failed")).await.conforming(name, path)
    }

    /// Sends raw bytes with the given content type.
    pub async fn send_raw(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> TestResponse {
        let name = method_name(&method);
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        TestResponse::read(req.send_body(body).await.expect("request failed")).await.conforming(name, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

pub struct TestResponse {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}

impl TestResponse {
    /// Fails the test when the response breaks the OpenAPI document.
    fn conforming(self, method: &str, path: &str) -> Self {
        let content_type = self.header("content-type");
        if let Err(violation) = contract::check(method, path, self.status, content_type.as_deref(), &self.body) {
            panic!("{method} {path}: the response breaks the OpenAPI document: {violation}");
        }
        self
    }

    async fn read<S>(mut res: awc::ClientResponse<S>) -> Self
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
    {
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body").to_vec();
        TestResponse { status: res.status().as_u16(), headers: res.headers().clone(), body }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// Asserts the status, 2xx JSON body; returns it.
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text());
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the status and that the body is a problem document; returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text());
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"), "body: {}", self.text());
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(p["type"].is_string() && p["title"].is_string() && p["detail"].is_string(), "{p}");
        p
    }
}
