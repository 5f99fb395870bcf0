//! Configuration: environment variables (or the same flags) read once into a typed `Config`.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Reads a secret setting; `Debug` and logs show `[REDACTED]` instead.
fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_string()))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting of the service. `cyberbridge --help` lists each with its variable and default.
#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// PostgreSQL URL. Unset: a server on localhost:5432 if one answers, else a private
    /// cluster started from the machine's PostgreSQL binaries in <data dir>/postgres.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_parser = secret)]
    pub database_url: Option<SecretString>,

    /// PostgreSQL URL of the role that owns the schema and the audit trail: migrations, the first
    /// start's bootstrap and the operator's commands run as it, the API as DATABASE_URL's role (a
    /// member of cyberbridge_service, which may only append to the audit trail). Unset: DATABASE_URL
    /// does both (a single-role set-up, warned about at start-up).
    #[arg(long, env = "CYBERBRIDGE_OWNER_DATABASE_URL", hide_env_values = true, value_parser = secret)]
    pub owner_database_url: Option<SecretString>,

    /// Address and port to listen on.
    #[arg(long, env = "CYBERBRIDGE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Log filter (tracing EnvFilter syntax, e.g. `info,cyberbridge=debug`).
    #[arg(long, env = "CYBERBRIDGE_LOG", default_value = "info")]
    pub log: String,

    /// Log format: text or json.
    #[arg(long, env = "CYBERBRIDGE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Maximum number of pooled database connections (per instance).
    #[arg(long, env = "CYBERBRIDGE_POOL_SIZE", default_value_t = 16)]
    pub pool_size: usize,

    /// How long a request waits for a database connection before answering 503, in milliseconds.
    #[arg(long, env = "CYBERBRIDGE_POOL_TIMEOUT_MS", default_value_t = 2000)]
    pub pool_timeout_ms: u64,

    /// How long an ordinary request's database statement may run, and the server stay silent
    /// (plus half a second) before the connection is dropped as partitioned, in milliseconds: a
    /// frozen database answers a call 503 within about this. Long work (exports, TAXII pages,
    /// statistics) has `CYBERBRIDGE_STATEMENT_TIMEOUT_MS` instead.
    #[arg(long, env = "CYBERBRIDGE_DB_SILENCE_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub db_silence_ms: u64,

    /// Longest a statement of long work (exports, TAXII pages, statistics) may run, in
    /// milliseconds: the server cancels it (503), and a server silent for this plus half a
    /// second has the connection dropped.
    #[arg(long, env = "CYBERBRIDGE_STATEMENT_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub statement_timeout_ms: u64,

    /// Largest accepted JSON request body, in bytes (larger: 413).
    #[arg(long, env = "CYBERBRIDGE_BODY_LIMIT", default_value_t = 1_048_576)]
    pub body_limit: usize,

    /// PostgreSQL streaming replicas for read-mostly work (look-ups, report queries and exports,
    /// correlation, TAXII pulls, statistics), comma-separated URLs, as the API's role. Empty: the
    /// primary serves every read.
    #[arg(long, env = "CYBERBRIDGE_REPLICA_URLS", hide_env_values = true, value_parser = secret)]
    pub replica_urls: Option<SecretString>,

    /// A replica that has not replayed what the primary had written this long ago (in
    /// milliseconds) is skipped until it catches up.
    #[arg(long, env = "CYBERBRIDGE_REPLICA_MAX_LAG_MS", default_value_t = 2000)]
    pub replica_max_lag_ms: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CYBERBRIDGE_WORKERS")]
    pub workers: Option<usize>,

    /// Folder for local state: the private PostgreSQL cluster lives in <data dir>/postgres.
    #[arg(long, env = "CYBERBRIDGE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Seconds to let in-flight requests finish on SIGTERM/SIGINT.
    #[arg(long, env = "CYBERBRIDGE_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// HMAC key for access tokens (at least 32 bytes). Unset: a random key is made once and
    /// kept in the database, so restarts and several instances agree.
    #[arg(long, env = "CYBERBRIDGE_JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,

    /// The same key from a file (a mounted secret; refused when others may read it), when
    /// `CYBERBRIDGE_JWT_SECRET` is unset.
    #[arg(long, env = "CYBERBRIDGE_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// The key before the last rotation: it still verifies the access tokens it signed (15
    /// minutes at most); drop it after that.
    #[arg(long, env = "CYBERBRIDGE_JWT_PREVIOUS_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_previous_secret: Option<SecretString>,

    /// E-mail of the platform admin created on first start.
    #[arg(long, env = "CYBERBRIDGE_ADMIN_EMAIL", default_value = "admin@cyberbridge.local")]
    pub admin_email: String,

    /// Password of the platform admin created on first start. Unset: one is generated and
    /// printed once to the log.
    #[arg(long, env = "CYBERBRIDGE_ADMIN_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub admin_password: Option<SecretString>,

    /// Name of the platform operator's organisation created on first start.
    #[arg(long, env = "CYBERBRIDGE_PLATFORM_NAME", default_value = "cyberbridge platform operator")]
    pub platform_name: String,

    /// Country (ISO 3166-1 alpha-2) of the platform operator's organisation.
    #[arg(long, env = "CYBERBRIDGE_PLATFORM_COUNTRY", default_value = "XK")]
    pub platform_country: String,

    /// Requests per second allowed per user or API key, per instance (0: no limit).
    #[arg(long, env = "CYBERBRIDGE_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit: u32,

    /// Requests a user or API key may send at once above the sustained rate.
    #[arg(long, env = "CYBERBRIDGE_RATE_BURST", default_value_t = 200)]
    pub rate_burst: u32,

    /// Development only: allow `http://` webhook URLs and targets in loopback, private and
    /// link-local ranges (1/true). Never in production: it opens server-side request forgery.
    #[arg(long, env = "CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS", default_value_t = false, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_http_webhooks: bool,

    /// First webhook retry delay in milliseconds; each next one is 4 times longer (capped at
    /// 2 h, with jitter), for 24 hours.
    #[arg(long, env = "CYBERBRIDGE_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000)]
    pub webhook_retry_base_ms: u64,

    /// Deliveries in flight to one webhook endpoint at a time, across instances.
    #[arg(long, env = "CYBERBRIDGE_WEBHOOK_CONCURRENCY", default_value_t = 4)]
    pub webhook_concurrency: u32,

    /// Header that carries the client's address when the service runs behind a reverse proxy
    /// you trust (e.g. `X-Forwarded-For`: its last entry, the one your proxy added, is used).
    /// Unset: the TCP peer's address. Per-address limits and the audit trail use it.
    #[arg(long, env = "CYBERBRIDGE_CLIENT_ADDRESS_HEADER")]
    pub client_address_header: Option<String>,

    /// Header in which a TLS-terminating proxy you trust passes the SHA-256 fingerprint (hex,
    /// colons allowed) of the client certificate it verified; an API key bound to a certificate
    /// works only with it. Unset: keys cannot be bound to certificates. The proxy must remove
    /// the header from what clients send.
    #[arg(long, env = "CYBERBRIDGE_CLIENT_CERT_HEADER")]
    pub client_cert_header: Option<String>,

    /// Who must enrol a second factor (TOTP) before anything else: a comma list of roles
    /// (org_admin, member), platform_admin, and organisation kinds. Empty: nobody (development
    /// and test set-ups only).
    #[arg(long, env = "CYBERBRIDGE_MFA_REQUIRED", default_value = crate::domain::org::DEFAULT_MFA_REQUIRED)]
    pub mfa_required: String,

    /// Organisation kinds whose report queries, look-ups, correlations and exports must state a
    /// purpose (`purpose` and `case_reference`), stored with the audit row. Empty: optional for all.
    #[arg(long, env = "CYBERBRIDGE_PURPOSE_REQUIRED", default_value = crate::domain::purpose::DEFAULT_PURPOSE_REQUIRED)]
    pub purpose_required: String,

    /// Days a report (with its values) is kept after its last change; 0: kept until deleted by
    /// other means. Objects under a legal hold are kept whatever the period.
    #[arg(long, env = "CYBERBRIDGE_RETENTION_REPORTS_DAYS", default_value_t = 1825)]
    pub retention_reports_days: u32,

    /// Days a fraud alert's trace (every hop and outcome) is kept after its last activity; 0: kept.
    #[arg(long, env = "CYBERBRIDGE_RETENTION_ALERTS_DAYS", default_value_t = 1825)]
    pub retention_alerts_days: u32,

    /// Days a closed data request (responses, files, messages, signed documents) is kept after
    /// it closed; 0: kept. At least 180.
    #[arg(long, env = "CYBERBRIDGE_RETENTION_REQUESTS_DAYS", default_value_t = 1825)]
    pub retention_requests_days: u32,

    /// Days audit rows are kept (the chain then starts at an anchor); 0: kept. At least 365.
    #[arg(long, env = "CYBERBRIDGE_RETENTION_AUDIT_DAYS", default_value_t = 3650)]
    pub retention_audit_days: u32,

    /// Days events (the feed, with their webhook deliveries) are kept; at least 7 (0: kept). A
    /// withdrawal is told only to organisations whose match event is still kept.
    #[arg(long, env = "CYBERBRIDGE_RETENTION_EVENTS_DAYS", default_value_t = 365)]
    pub retention_events_days: u32,

    /// Seconds between two runs of the retention purge (one instance at a time); 0: never.
    #[arg(long, env = "CYBERBRIDGE_PURGE_INTERVAL", default_value_t = 3600)]
    pub purge_interval: u64,

    /// Days a bank whose alert flagged an account as a mule has to confirm or withdraw it
    /// when the account's bank contests the flag; silence then counts as a withdrawal.
    #[arg(long, env = "CYBERBRIDGE_CONTEST_DAYS", default_value_t = 14)]
    pub contest_days: u32,

    /// Items a published statistics cell holds at least (fewer: withheld).
    #[arg(long, env = "CYBERBRIDGE_STATS_MIN_COUNT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub stats_min_count: u64,

    /// Organisations a published statistics cell's items come from at least.
    #[arg(long, env = "CYBERBRIDGE_STATS_MIN_ORGS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub stats_min_orgs: u64,

    /// The p of the p% rule for published amounts: no contributor may estimate another's
    /// share to within p per cent.
    #[arg(long, env = "CYBERBRIDGE_STATS_P_PERCENT", default_value_t = 15, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub stats_p_percent: u32,

    /// The currency whose losses the published tables sum (reports in others are counted).
    #[arg(long, env = "CYBERBRIDGE_STATS_CURRENCY", default_value = "EUR")]
    pub stats_currency: String,

    /// Unauthenticated attempts per second allowed per client address on `/auth/*` and for
    /// API keys not yet known to this instance (0: no limit).
    #[arg(long, env = "CYBERBRIDGE_AUTH_RATE_LIMIT", default_value_t = 10)]
    pub auth_rate_limit: u32,

    /// Attempts a client address may send at once above that rate.
    #[arg(long, env = "CYBERBRIDGE_AUTH_RATE_BURST", default_value_t = 50)]
    pub auth_rate_burst: u32,

    /// Password hashes computed at once (login, password change); more wait up to a second,
    /// then get 503 with `Retry-After`. Default: one per core.
    #[arg(long, env = "CYBERBRIDGE_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,

    /// When set, `GET /metrics` answers only `Authorization: Bearer <this token>` (401 otherwise).
    #[arg(long, env = "CYBERBRIDGE_METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub metrics_token: Option<SecretString>,

    /// Largest data-request response (records and attachments together) in bytes: 413 above.
    #[arg(long, env = "CYBERBRIDGE_RESPONSE_LIMIT", default_value_t = 100 * 1024 * 1024)]
    pub response_limit: usize,

    /// Key (32 bytes, base64) that encrypts webhook signing secrets at rest. Unset: they are
    /// stored as they are, with a warning at start-up.
    #[arg(long, env = "CYBERBRIDGE_SECRETS_KEY", hide_env_values = true, value_parser = secret)]
    pub secrets_key: Option<SecretString>,

    /// A file holding that key instead (mounted secret; refused when others may read it).
    #[arg(long, env = "CYBERBRIDGE_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,

    /// During a rotation of the secrets key: the key before it, which still opens what it
    /// sealed; each start seals those values again under the new key.
    #[arg(long, env = "CYBERBRIDGE_SECRETS_PREVIOUS_KEY", hide_env_values = true, value_parser = secret)]
    pub secrets_previous_key: Option<SecretString>,

    /// A file holding the previous key instead.
    #[arg(long, env = "CYBERBRIDGE_SECRETS_PREVIOUS_KEY_FILE")]
    pub secrets_previous_key_file: Option<PathBuf>,

    /// Ed25519 key that signs the audit chain's head: a 32-byte seed in base64
    /// (`openssl rand -base64 32`), or a key on a PKCS#11 token named by its URI
    /// (`pkcs11:token=..;object=..?module-path=..&pin-source=file:..`). Unset (and no file): a
    /// new key at each start, with a warning.
    #[arg(long, env = "CYBERBRIDGE_AUDIT_SIGNING_KEY", hide_env_values = true, value_parser = secret)]
    pub audit_signing_key: Option<SecretString>,

    /// A file holding that seed or URI instead (mounted secret; refused when others may read it).
    #[arg(long, env = "CYBERBRIDGE_AUDIT_SIGNING_KEY_FILE")]
    pub audit_signing_key_file: Option<PathBuf>,

    /// Ed25519 seed (32 bytes, base64), or a `pkcs11:` URI of a key on a token, that signs
    /// orders, validation decisions and responses (detached JWS). Never stored in the database; its public key is published at
    /// /api/v1/signing-keys. Unset (and no file): a new key at each start, with a warning (its
    /// public key is still published, so what it signed stays verifiable).
    #[arg(long, env = "CYBERBRIDGE_SIGNING_KEY", hide_env_values = true, value_parser = secret)]
    pub signing_key: Option<SecretString>,

    /// A file holding that seed or URI instead (mounted secret; refused when others may read it).
    #[arg(long, env = "CYBERBRIDGE_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// The OPRF key of private screening (RFC 9497 VOPRF, ristretto255-SHA512): a 32-byte seed
    /// in base64 (`openssl rand -base64 32`). Never stored in the database. Unset (and no file):
    /// private screening is off (its calls answer 503).
    #[arg(long, env = "CYBERBRIDGE_PRIVATE_SCREENING_KEY", hide_env_values = true, value_parser = secret)]
    pub private_screening_key: Option<SecretString>,

    /// A file holding that seed instead (mounted secret; refused when others may read it).
    #[arg(long, env = "CYBERBRIDGE_PRIVATE_SCREENING_KEY_FILE")]
    pub private_screening_key_file: Option<PathBuf>,

    /// During a rotation: the key before it, which still evaluates (its `key_id`) until it is
    /// removed, while the tags under the new key are computed and the banks sync them.
    #[arg(long, env = "CYBERBRIDGE_PRIVATE_SCREENING_PREVIOUS_KEY", hide_env_values = true, value_parser = secret)]
    pub private_screening_previous_key: Option<SecretString>,

    /// A file holding the previous key instead.
    #[arg(long, env = "CYBERBRIDGE_PRIVATE_SCREENING_PREVIOUS_KEY_FILE")]
    pub private_screening_previous_key_file: Option<PathBuf>,

    /// Values each organisation may have evaluated per day (UTC) by private screening: set it
    /// near the largest member's daily payment volume, so that the shared set cannot be
    /// enumerated through the platform. Over it: 429 until midnight UTC.
    #[arg(long, env = "CYBERBRIDGE_PRIVATE_SCREENING_QUOTA", default_value_t = 100_000)]
    pub private_screening_quota: u32,

    /// The public keys (base64, 32 bytes each, comma-separated) of earlier signing keys, kept in
    /// the JWKS after a rotation so that what they signed still verifies. Only configured keys
    /// are published: whoever holds the database cannot add one.
    #[arg(long, env = "CYBERBRIDGE_SIGNING_PREVIOUS_KEYS", value_delimiter = ',')]
    pub signing_previous_keys: Vec<String>,

    /// A file to which every instance appends the signed head of the audit chain (one JSON
    /// line) every `CYBERBRIDGE_AUDIT_WITNESS_INTERVAL` seconds: ship it off the machine (a
    /// log forwarder, a regulator's drop box) and verify against it later.
    #[arg(long, env = "CYBERBRIDGE_AUDIT_WITNESS_FILE")]
    pub audit_witness_file: Option<PathBuf>,

    #[arg(long, env = "CYBERBRIDGE_AUDIT_WITNESS_INTERVAL", default_value_t = 300)]
    pub audit_witness_interval: u64,

    /// JSON file of the data-request validation tables of countries with a rule of their own
    /// (README, "Validation"). Unset: the `domestic` preset for every country.
    #[arg(long, env = "CYBERBRIDGE_VALIDATION_TABLES")]
    pub validation_tables: Option<PathBuf>,

    /// The address people reach the console at (`https://cyberbridge.example.org`): links in
    /// e-mails, and the origin every form must come from. Plain `http` only on a loopback
    /// host. Default: `http://` and the bind address.
    #[arg(long, env = "CYBERBRIDGE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A console session ends after this many minutes without a request.
    #[arg(long, env = "CYBERBRIDGE_CONSOLE_IDLE_MINUTES", default_value_t = 30)]
    pub console_idle_minutes: i64,

    /// A console session ends this many hours after sign-in, used or not.
    #[arg(long, env = "CYBERBRIDGE_CONSOLE_SESSION_HOURS", default_value_t = 12)]
    pub console_session_hours: i64,

    /// The zone the console shows times in for people who chose none (an IANA name such as
    /// `Europe/Tirane`); each person may choose their own.
    #[arg(long, env = "CYBERBRIDGE_TIME_ZONE", default_value = "UTC", value_parser = time_zone)]
    pub time_zone: chrono_tz::Tz,

    /// The SMTP server notices are sent through: `smtp://host:25` (plain, a relay on the same
    /// network), `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS). Unset: no e-mail; the console lists the notices.
    #[arg(long, env = "CYBERBRIDGE_SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,

    /// The sender of notices.
    #[arg(long, env = "CYBERBRIDGE_SMTP_FROM", default_value = "cyberbridge <notices@cyberbridge.invalid>")]
    pub smtp_from: String,

    /// Swagger UI at `/docs/` (`on` or `off`; `off` is the production recommendation).
    #[arg(long, env = "CYBERBRIDGE_DOCS", default_value = "on", value_parser = ["on", "off"])]
    pub docs: String,
}

fn time_zone(value: &str) -> Result<chrono_tz::Tz, String> {
    value
        .trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("`{value}` is no IANA time zone (e.g. Europe/Tirane, UTC)"))
}

impl Config {
    /// The console's public origin (`scheme://host[:port]`, no path): from
    /// `CYBERBRIDGE_PUBLIC_URL`, else `http://` and the bind address. An error for plain
    /// `http` on a host other than loopback (cookies and passwords would cross the network in
    /// clear).
    pub fn public_origin(&self) -> Result<String, String> {
        // Unset: the bind address, which must then be loopback (a browser on this machine).
        let raw = self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind));
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("CYBERBRIDGE_PUBLIC_URL `{raw}`: {e}"))?;
        let host = url.host_str().unwrap_or("").trim_matches(['[', ']']).to_string();
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" if self.public_url.is_none() => {
                return Err(format!(
                    "CYBERBRIDGE_BIND `{}` is not a loopback address: set CYBERBRIDGE_PUBLIC_URL to the https \
                     address people reach the console at",
                    self.bind
                ))
            }
            "http" => {
                return Err(format!(
                    "CYBERBRIDGE_PUBLIC_URL `{raw}` is plain http on a host other than loopback: \
                     serve the console over https (behind a TLS proxy) and give its https address"
                ))
            }
            other => return Err(format!("CYBERBRIDGE_PUBLIC_URL `{raw}`: scheme `{other}` is not http or https")),
        }
        Ok(url.origin().ascii_serialization())
    }

    pub fn docs_on(&self) -> bool {
        self.docs == "on"
    }

    pub fn pool_timeout(&self) -> Duration {
        Duration::from_millis(self.pool_timeout_ms)
    }

    pub fn replica_max_lag(&self) -> Duration {
        Duration::from_millis(self.replica_max_lag_ms)
    }

    /// The bounds of every database wait.
    /// The bounds of ordinary requests' connections (`CYBERBRIDGE_DB_SILENCE_MS`).
    pub fn db_limits(&self) -> super::db::Limits {
        let statement = self.db_silence_ms.min(self.statement_timeout_ms);
        super::db::Limits::new(self.pool_timeout(), Duration::from_millis(statement))
    }

    /// The bounds of long work's connections (`CYBERBRIDGE_STATEMENT_TIMEOUT_MS`).
    pub fn db_long_limits(&self) -> super::db::Limits {
        super::db::Limits::new(self.pool_timeout(), Duration::from_millis(self.statement_timeout_ms))
    }

    /// Every default (environment variables still apply), with the given database: for tests and tools.
    pub fn for_database(url: &str) -> Self {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            config: Config,
        }
        let mut config = <Defaults as clap::Parser>::parse_from(["cyberbridge"]).config;
        config.database_url = Some(SecretString::from(url.to_string()));
        config
    }

    /// The keys' values: from the variable, else from the file (refused when others may read
    /// it). `(jwt, secrets, previous secrets, document signing, audit signing)`.
    pub fn key_values(&self) -> Result<KeyValues, String> {
        use super::keys::value_or_file;
        let value = |v: &Option<SecretString>| v.as_ref().map(|s| s.expose_secret().to_string());
        Ok(KeyValues {
            jwt: value_or_file(value(&self.jwt_secret).as_deref(), self.jwt_secret_file.as_deref(), "the JWT key")?,
            secrets: value_or_file(
                value(&self.secrets_key).as_deref(),
                self.secrets_key_file.as_deref(),
                "the secrets key",
            )?,
            previous_secrets: value_or_file(
                value(&self.secrets_previous_key).as_deref(),
                self.secrets_previous_key_file.as_deref(),
                "the previous secrets key",
            )?,
            signing: value_or_file(
                value(&self.signing_key).as_deref(),
                self.signing_key_file.as_deref(),
                "the document signing key",
            )?,
            audit_signing: value_or_file(
                value(&self.audit_signing_key).as_deref(),
                self.audit_signing_key_file.as_deref(),
                "the audit signing key",
            )?,
            private_screening: value_or_file(
                value(&self.private_screening_key).as_deref(),
                self.private_screening_key_file.as_deref(),
                "the private screening key",
            )?,
            previous_private_screening: value_or_file(
                value(&self.private_screening_previous_key).as_deref(),
                self.private_screening_previous_key_file.as_deref(),
                "the previous private screening key",
            )?,
        })
    }

    /// The database URL, when known (it holds the password: never log it unredacted).
    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_ref().map(|u| u.expose_secret())
    }

    /// The replicas' URLs (they may hold passwords: never log them unredacted).
    pub fn replica_urls(&self) -> Vec<String> {
        let raw = self.replica_urls.as_ref().map(|u| u.expose_secret()).unwrap_or("");
        raw.split(',').map(str::trim).filter(|u| !u.is_empty()).map(String::from).collect()
    }

    /// The schema owner's URL, when configured apart from the API's.
    pub fn owner_database_url(&self) -> Option<&str> {
        self.owner_database_url.as_ref().map(|u| u.expose_secret())
    }

    /// Empty values (as compose files pass them) count as unset.
    pub fn normalise(mut self) -> Self {
        for v in [
            &mut self.jwt_secret,
            &mut self.admin_password,
            &mut self.database_url,
            &mut self.owner_database_url,
            &mut self.audit_signing_key,
            &mut self.signing_key,
            &mut self.metrics_token,
            &mut self.secrets_key,
            &mut self.secrets_previous_key,
            &mut self.jwt_previous_secret,
            &mut self.private_screening_key,
            &mut self.private_screening_previous_key,
        ] {
            if v.as_ref().is_some_and(|s| s.expose_secret().trim().is_empty()) {
                *v = None;
            }
        }
        self
    }
}

/// The configured keys, read (never logged; no `Debug`).
pub struct KeyValues {
    pub jwt: Option<String>,
    pub secrets: Option<String>,
    pub previous_secrets: Option<String>,
    pub signing: Option<String>,
    pub audit_signing: Option<String>,
    pub private_screening: Option<String>,
    pub previous_private_screening: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(bind: &str, public_url: Option<&str>) -> Config {
        let mut c = Config::for_database("postgres://localhost/x");
        c.bind = bind.into();
        c.public_url = public_url.map(str::to_string);
        c
    }

    #[test]
    fn the_console_is_never_plain_http_across_a_network() {
        assert_eq!(with("127.0.0.1:8080", None).public_origin().unwrap(), "http://127.0.0.1:8080");
        assert_eq!(
            with("0.0.0.0:8080", Some("http://localhost:8080")).public_origin().unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(
            with("0.0.0.0:8080", Some("https://cb.example.org/console/")).public_origin().unwrap(),
            "https://cb.example.org"
        );
        for (bind, url) in [
            ("0.0.0.0:8080", None),
            ("[::]:8080", None),
            ("10.0.0.5:8080", None),
            ("127.0.0.1:8080", Some("http://cb.example.org")),
            ("127.0.0.1:8080", Some("http://10.0.0.5:8080")),
            ("127.0.0.1:8080", Some("ftp://cb.example.org")),
        ] {
            assert!(with(bind, url).public_origin().is_err(), "{bind} {url:?}");
        }
    }
}
