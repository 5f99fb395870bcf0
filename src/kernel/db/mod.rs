//! The PostgreSQL side: which server to use, creating the database, migrations and the pool.

pub mod connect;
pub mod local;
mod prepared;
pub mod replicas;
pub mod schema;

pub use prepared::{prepared_sql, BindMore, Bound, PreparedSql};

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{self, Pool as DeadPool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use connect::{Health, Limits};
pub use local::LocalCluster;
pub use replicas::{Lsn, ReplicaStatus, Replicas};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PoolError = deadpool::PoolError;

/// The request pool: deadpool's, with one bound on the whole of `get` (waiting for a slot and
/// opening a connection together), so that no call waits for a connection longer than the
/// connect bound, whatever the database is doing.
#[derive(Clone)]
pub struct Pool {
    inner: DeadPool<AsyncPgConnection>,
    bound: Duration,
}

impl std::ops::Deref for Pool {
    type Target = DeadPool<AsyncPgConnection>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Pool {
    /// A connection within the connect bound, or `Timeout(Wait)`.
    pub async fn get(&self) -> Result<PooledConn, PoolError> {
        match tokio::time::timeout(self.bound, self.inner.get()).await {
            Ok(got) => got,
            Err(_) => Err(PoolError::Timeout(::deadpool::managed::TimeoutType::Wait)),
        }
    }
}
pub type Conn = AsyncPgConnection;
pub type PooledConn = deadpool::Object<AsyncPgConnection>;

/// The database server chosen at start-up, and the private cluster if we started one.
pub struct Server {
    /// The API's connection: a member of [`SERVICE_ROLE`] (or, in a single-role set-up, the owner).
    pub url: String,
    /// The schema owner's connection: migrations, the first start's bootstrap, the operator's CLI.
    pub owner_url: String,
    /// Whether the service login is ours to create (the database was found or started here, not configured).
    pub local: bool,
    pub cluster: Option<LocalCluster>,
}

/// The role whose members the API runs as: it reads and writes the application's tables, may
/// only append to the audit trail, and seals it through `audit_seal()` (migration 000017).
pub const SERVICE_ROLE: &str = "cyberbridge_service";
/// The login role created for the API when the database is found or started here (no `DATABASE_URL`).
pub const SERVICE_LOGIN: &str = "cyberbridge_api";

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("{0}")]
    Local(String),
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: diesel::ConnectionError },
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("pool: {0}")]
    Pool(String),
    #[error("{0}")]
    Replicas(String),
}

/// Database name used when none is configured.
pub const DEFAULT_DB_NAME: &str = "cyberbridge";

/// Finds the PostgreSQL to use: `DATABASE_URL` when set; else one answering on localhost:5432;
/// else a private cluster started from the machine's binaries in `data_dir/postgres`.
/// `owner_url` (`CYBERBRIDGE_OWNER_DATABASE_URL`) is the schema owner's connection; without it
/// the configured URL is used for both (a single-role set-up, warned about at start-up). Found or
/// started here, the server is reached as `postgres` for the owner's work and as [`SERVICE_LOGIN`]
/// (created after the migrations by [`ensure_service_login`]) for the API.
pub async fn locate(
    database_url: Option<&str>,
    owner_url: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<Server, DbSetupError> {
    if let Some(url) = database_url {
        let owner_url = owner_url.unwrap_or(url).to_string();
        return Ok(Server { url: url.to_string(), owner_url, local: false, cluster: None });
    }
    let (owner_url, cluster) = if local_server_answers().await {
        tracing::info!("DATABASE_URL unset; using the PostgreSQL server on localhost:5432");
        (format!("postgres://postgres@localhost:5432/{DEFAULT_DB_NAME}"), None)
    } else {
        tracing::info!(dir = %data_dir.join("postgres").display(), "DATABASE_URL unset and nothing on localhost:5432; starting a private PostgreSQL cluster");
        let cluster = LocalCluster::start(&data_dir.join("postgres"), true).await.map_err(DbSetupError::Local)?;
        (cluster.url(DEFAULT_DB_NAME), Some(cluster))
    };
    Ok(Server { url: with_user(&owner_url, SERVICE_LOGIN), owner_url, local: true, cluster })
}

/// Creates the login role `login` as a member of [`SERVICE_ROLE`] (which the migrations create),
/// connecting as the owner; nothing when it exists and is a member already. The server must let
/// the new role in without a password (the private cluster and the tests' servers trust local
/// connections); a deployment creates its login role itself (README, Security model).
pub async fn ensure_service_login(owner_url: &str, login: &str) -> Result<(), DbSetupError> {
    let mut conn = AsyncPgConnection::establish(owner_url)
        .await
        .map_err(|source| DbSetupError::Connect { url: redact(owner_url), source })?;
    let member: bool = diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>("EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ")
            .bind::<diesel::sql_types::Text, _>(login)
            .sql(" AND pg_has_role(rolname, ")
            .bind::<diesel::sql_types::Text, _>(SERVICE_ROLE)
            .sql(", 'USAGE'))"),
    )
    .get_result(&mut conn)
    .await?;
    if !member {
        tracing::info!(role = login, "creating the API's login role, a member of {SERVICE_ROLE}");
        let login = quote_ident(login);
        diesel::sql_query(format!(
            "DO $$ BEGIN CREATE ROLE {login} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .execute(&mut conn)
        .await?;
        diesel::sql_query(format!("GRANT {} TO {login}", quote_ident(SERVICE_ROLE))).execute(&mut conn).await?;
    }
    Ok(())
}

/// Whether the role of `conn` could rewrite the audit trail (it owns it, or may update it).
pub async fn may_rewrite_audit(conn: &mut Conn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "pg_has_role((SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_events'), 'USAGE') \
         OR has_table_privilege('audit_events', 'UPDATE') OR has_table_privilege('audit_events', 'DELETE')",
    ))
    .get_result(conn)
    .await
}

/// Whether a PostgreSQL server accepts connections on localhost:5432.
pub async fn local_server_answers() -> bool {
    let conn = AsyncPgConnection::establish("postgres://postgres@localhost:5432/postgres");
    matches!(tokio::time::timeout(Duration::from_secs(2), conn).await, Ok(Ok(_)))
}

/// The same URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The same URL with another user (and no password).
pub fn with_user(url: &str, user: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    let host_start = rest.split(['/', '?']).next().and_then(|auth| auth.rfind('@')).map_or(0, |at| at + 1);
    format!("{}{user}@{}", &url[..scheme_end], &rest[host_start..])
}

/// The database name in a URL (`cyberbridge` when it names none).
pub fn database_name(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    base[scheme_end..]
        .split_once('/')
        .map(|(_, db)| db.to_string())
        .filter(|db| !db.is_empty())
        .unwrap_or_else(|| DEFAULT_DB_NAME.to_string())
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates the database named in `url` when it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<(), DbSetupError> {
    let name = database_name(url);
    let admin_url = with_database(url, "postgres");
    let mut conn = AsyncPgConnection::establish(&admin_url)
        .await
        .map_err(|source| DbSetupError::Connect { url: redact(&admin_url), source })?;
    let exists: bool = diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>("EXISTS (SELECT 1 FROM pg_database WHERE datname = ")
            .bind::<diesel::sql_types::Text, _>(&name)
            .sql(")"),
    )
    .get_result(&mut conn)
    .await?;
    if !exists {
        tracing::info!(database = %name, "creating database");
        match diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(&name))).execute(&mut conn).await {
            Ok(_) => {}
            // Another instance created it in the meantime.
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Runs the embedded migrations that are not applied yet.
pub async fn migrate(url: &str) -> Result<usize, DbSetupError> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || -> Result<usize, DbSetupError> {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
            .map_err(|source| DbSetupError::Connect { url: redact(&url), source })?;
        // Several instances may start together: one migrates, the others wait for it.
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!("SELECT pg_advisory_lock({})", locks::MIGRATIONS)),
            &mut conn,
        )?;
        let applied = if may_create(&mut conn)? {
            conn.run_pending_migrations(MIGRATIONS)
        } else {
            // The API's own role (the owner migrated in a separate step): it may not even create
            // the bookkeeping table, so it only checks that nothing is pending.
            all_applied(&mut conn).map(|()| Vec::new())
        };
        let applied = applied.map(|v| v.len()).map_err(|e| DbSetupError::Migration(e.to_string()));
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!("SELECT pg_advisory_unlock({})", locks::MIGRATIONS)),
            &mut conn,
        )?;
        applied
    })
    .await
    .map_err(|e| DbSetupError::Migration(e.to_string()))?
}

/// Whether the connected role may create tables (the owner may; the API's role may not).
fn may_create(conn: &mut AsyncConnectionWrapper<AsyncPgConnection>) -> Result<bool, DbSetupError> {
    Ok(diesel::RunQueryDsl::get_result(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>("has_schema_privilege('public', 'CREATE')")),
        conn,
    )?)
}

/// Fails, saying what to do, when a migration embedded in this binary is not applied.
fn all_applied(
    conn: &mut AsyncConnectionWrapper<AsyncPgConnection>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use diesel::migration::MigrationSource;
    let applied: Vec<String> =
        diesel::RunQueryDsl::load(diesel::sql_query("SELECT version FROM __diesel_schema_migrations"), conn)
            .map(|rows: Vec<Version>| rows.into_iter().map(|r| r.version).collect())
            .map_err(|e| format!("reading the applied migrations: {e}"))?;
    let pending = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)?
        .iter()
        .filter(|m| !applied.contains(&m.name().version().to_string()))
        .count();
    if pending > 0 {
        return Err(format!(
            "{pending} migrations are not applied and this role may not apply them: run `cyberbridge migrate` \
             as the schema owner (CYBERBRIDGE_OWNER_DATABASE_URL)"
        )
        .into());
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

/// Builds the request pool. Connections are opened lazily, so the service starts (and
/// answers 503) while the database is away, and recovers by itself when it returns. Every wait
/// is bounded ([`connect`]): a call waits at most `limits.connect` for a connection, and a
/// statement at most `limits.statement` (plus a margin when the server is silent).
pub fn pool(url: &str, size: usize, limits: Limits) -> Result<Pool, DbSetupError> {
    // Fast recycling: a pooled connection is checked for a closed socket, not pinged; a dead
    // one fails its first query (503) and is dropped. Saves a round trip per request.
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let health = Health::of(url);
    let setup_health = health.clone();
    manager_config.custom_setup = Box::new(move |url| {
        let (url, health) = (url.to_string(), setup_health.clone());
        Box::pin(async move { connect::establish(&url, limits, &health).await })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    let inner = DeadPool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(limits.connect))
        .create_timeout(Some(limits.connect))
        .recycle_timeout(Some(limits.connect))
        // A connection opened before the server was last found silent crossed the same network:
        // dropped rather than lent (its first query would wait for the statement bound).
        .pre_recycle(::deadpool::managed::Hook::sync_fn(move |_, metrics| {
            if health.silent_after(metrics.created) {
                Err(::deadpool::managed::HookError::message("opened before the database was found silent"))
            } else {
                Ok(())
            }
        }))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbSetupError::Pool(e.to_string()))?;
    Ok(Pool { inner, bound: limits.connect })
}

/// The URL with its password hidden, for logs and messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!("{}{}:***{}", &url[..scheme_end], &rest[..colon], &rest[at..]),
        _ => url.to_string(),
    }
}

/// The shared setting `key`, created with `make()` by whichever instance asks first.
pub async fn setting_or_insert(conn: &mut Conn, key: &str, make: impl FnOnce() -> String) -> QueryResult<String> {
    use schema::app_settings;
    diesel::insert_into(app_settings::table)
        .values((app_settings::key.eq(key), app_settings::value.eq(make())))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    app_settings::table.find(key).select(app_settings::value).first(conn).await
}

/// The shared setting `key`, if set.
pub async fn setting(conn: &mut Conn, key: &str) -> QueryResult<Option<String>> {
    use schema::app_settings;
    app_settings::table.find(key).select(app_settings::value).first(conn).await.optional()
}

/// Checks that the database answers a trivial query.
pub async fn ping(conn: &mut Conn) -> QueryResult<()> {
    diesel::select(1_i32.into_sql::<diesel::sql_types::Integer>()).get_result::<i32>(conn).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_rewritten() {
        assert_eq!(with_database("postgres://u:p@h:1/db?sslmode=disable", "x"), "postgres://u:p@h:1/x?sslmode=disable");
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(database_name("postgres://h:5/abc?x=1"), "abc");
        assert_eq!(database_name("postgres://h:5"), "cyberbridge");
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(with_user("postgres://u:secret@h:1/db?x=1", "api"), "postgres://api@h:1/db?x=1");
        assert_eq!(with_user("postgres://h/db", "api"), "postgres://api@h/db");
    }

    #[test]
    fn a_server_is_named_without_its_credentials() {
        use connect::server;
        assert_eq!(server("postgres://u:p@h:5433/db?sslmode=require"), "h:5433/db");
        assert_eq!(server("postgresql://u@h/db"), "h:5432/db");
        assert_eq!(server("postgres://api:s3cr%3Ft@h/db"), "h:5432/db");
        assert_eq!(server("host=h port=6000 user=u password=secret dbname=db"), "h:6000/db");
        assert_eq!(server("postgres://a:1,b:2/db"), "a:1,b:2/db");
        assert_eq!(server("postgres://u@h"), "h:5432/u");
        assert_eq!(server("not a url at all = ="), "?");
        for url in ["postgres://api:secret@h/db", "host=h password=secret dbname=db"] {
            assert!(!server(url).contains("secret"), "{url}");
        }
    }
}

/// Two statements pipelined on one connection (one round trip) inside a transaction. Both are
/// awaited, and when both fail the cause is returned: the statement behind a failed one only
/// says that the transaction is aborted, and `try_join!` returned whichever error came first
/// (a 500 where a replayed idempotency key deserved its first answer).
pub async fn pipelined<A, B>(
    a: impl std::future::Future<Output = crate::kernel::error::ApiResult<A>>,
    b: impl std::future::Future<Output = crate::kernel::error::ApiResult<B>>,
) -> crate::kernel::error::ApiResult<(A, B)> {
    match tokio::join!(a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(if a.is_aborted_transaction() { b } else { a }),
    }
}

/// The start of the oldest transaction still open on this database (other than ours), or
/// now. A row of a sequence-keyed append-only table (audit, outbox) whose insert time is
/// before it can no longer be preceded by a row committed later: ids are taken inside
/// transactions that may commit out of order, and a reader or sealer must not pass a gap
/// that is still to be filled.
pub async fn commit_horizon(conn: &mut Conn) -> QueryResult<chrono::DateTime<chrono::Utc>> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
        "(SELECT coalesce(min(xact_start), clock_timestamp()) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)",
    ))
    .get_result(conn)
    .await
}

/// Advisory lock keys, one per thing of which only one instance at a time may do.
pub mod locks {
    /// Running migrations.
    pub const MIGRATIONS: i64 = 7_219_001;
    /// Sealing the audit chain.
    pub const AUDIT_SEALER: i64 = 7_219_003;
    /// Creating the platform organisation and admin on first start.
    pub const BOOTSTRAP: i64 = 7_219_004;
    /// Claiming webhook deliveries (one instance at a time, so a per-endpoint cap holds).
    pub const WEBHOOK_CLAIM: i64 = 7_219_005;
    /// The retention purge.
    pub const RETENTION: i64 = 7_219_006;
}

diesel::define_sql_function! {
    /// Called through the DSL so that its statement is prepared once per connection (a raw
    /// `sql()` fragment makes a statement that is prepared again on every call).
    fn pg_try_advisory_xact_lock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Bool;
}

/// Waits for the advisory lock `key`, held until the current transaction ends.
pub async fn lock_until_commit(conn: &mut Conn, key: i64) -> QueryResult<()> {
    // `pg_advisory_xact_lock` returns void: compared with NULL to read a Bool.
    diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>("pg_advisory_xact_lock(")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .sql(") IS NULL"),
    )
    .get_result::<bool>(conn)
    .await
    .map(|_| ())
}

/// Takes the advisory lock `key` until the current transaction ends, if nobody holds it.
pub async fn try_lock_until_commit(conn: &mut Conn, key: i64) -> QueryResult<bool> {
    diesel::select(pg_try_advisory_xact_lock(key)).get_result(conn).await
}
