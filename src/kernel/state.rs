//! What every handler shares: the pool, the configuration, the token keys, the rate limiter,
//! the metrics registry, the audit writer and the notification hub.

use std::sync::{Arc, Mutex};

use actix_web::web;
use secrecy::ExposeSecret;

use super::audit::{AuditBuffer, AuditSigner};
use super::config::Config;
use super::db;
use super::http::ratelimit::RateLimiter;
use super::metrics::Metrics;
use super::notify::Hub;
use super::tokens::{random_token, JwtKeys};

/// The shared state. Each HTTP worker thread gets its own copy with a pool of its own
/// (`with_own_pool`), so that a request's queries run on connections driven by the same
/// thread: sharing one pool across workers costs a cross-thread wake-up per query (measured:
/// 6,000 -> 10,600 look-ups/s). Everything else is shared.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::Pool,
    /// The primary for long work (exports, TAXII pages, statistics): statements bounded by the
    /// statement timeout rather than the silence bound (`read_long`).
    pub long_pool: db::Pool,
    /// Streaming replicas for read-mostly work (`read`), with pools of this worker's own.
    pub replicas: db::Replicas,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub jwt: Arc<JwtKeys>,
    pub limiter: Arc<RateLimiter>,
    /// Per client address, before authentication (`/auth/*`, unknown API keys).
    pub auth_limiter: Arc<RateLimiter>,
    /// Permits to hash a password (argon2id: 19 MiB and tens of milliseconds each).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Every pool of this process (the shared one and each worker's), for `/metrics`.
    pub pools: Arc<Mutex<Vec<db::Pool>>>,
    /// Batched audit rows of high-rate reads.
    pub audit: AuditBuffer,
    /// Signs the audit chain's head.
    pub audit_signer: Arc<AuditSigner>,
    /// Encrypts webhook secrets at rest.
    pub secrets: Arc<super::secrets::SecretBox>,
    /// PostgreSQL notifications: the API-key cache and the event wake-ups.
    pub hub: Hub,
    /// Announces the events a request wrote, once it is done.
    pub announcer: super::notify::Announcer,
    /// Who must enrol a second factor (`CYBERBRIDGE_MFA_REQUIRED`).
    pub mfa_policy: Arc<crate::domain::MfaPolicy>,
    pub purpose_policy: Arc<crate::domain::PurposePolicy>,
    /// Signs orders, validation decisions and responses (detached JWS).
    pub signer: Arc<super::signing::DocumentSigner>,
    /// The OPRF keys of private screening; `None`: not configured (its calls answer 503).
    pub oprf: Option<Arc<super::oprf::OprfKeys>>,
}

impl AppState {
    /// Builds the state over `pool`, whose server `config.database_url` names (required: the
    /// notification listener and the workers' pools connect to it). The JWT key comes from the
    /// configuration or, when unset, from the database (made once, shared by every instance).
    pub async fn build(pool: db::Pool, config: Config) -> Result<web::Data<AppState>, String> {
        let url = config.database_url.as_ref().ok_or("the database URL must be known before the state is built")?;
        let keys = config.key_values()?;
        let secret = match keys.jwt.clone() {
            Some(s) => s,
            None => {
                tracing::warn!(
                    "no CYBERBRIDGE_JWT_SECRET: access tokens are signed with a key kept in the database \
                     (a first-run default; set one from the environment or a file in production)"
                );
                let mut conn = pool.get().await.map_err(|e| format!("database: {e}"))?;
                db::setting_or_insert(&mut conn, "jwt_secret", random_token)
                    .await
                    .map_err(|e| format!("reading the shared JWT key: {e}"))?
            }
        };
        warn_if_audit_rewritable(&pool).await;
        let previous: Vec<&[u8]> = config.jwt_previous_secret.iter().map(|p| p.expose_secret().as_bytes()).collect();
        let jwt = JwtKeys::with_previous(secret.as_bytes(), &previous)?;
        let audit_signer = Arc::new(audit_signer(keys.audit_signing.as_deref())?);
        let secrets = super::secrets::SecretBox::rotating(keys.secrets.as_deref(), keys.previous_secrets.as_deref())?;
        if !secrets.encrypts() {
            tracing::warn!("no CYBERBRIDGE_SECRETS_KEY: webhook signing secrets are stored unencrypted");
        }
        let secrets = Arc::new(secrets);
        let limiter = RateLimiter::new(config.rate_limit, config.rate_burst);
        let auth_limiter = RateLimiter::new(config.auth_rate_limit, config.auth_rate_burst);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hashing = tokio::sync::Semaphore::new(config.hash_concurrency.unwrap_or(cores).max(1));
        let mfa_policy = Arc::new(crate::domain::MfaPolicy::parse(&config.mfa_required)?);
        let purpose_policy = Arc::new(crate::domain::PurposePolicy::parse(&config.purpose_required)?);
        let signer = Arc::new(document_signer(&config, keys.signing.as_deref())?);
        let oprf = oprf_keys(keys.private_screening.as_deref(), keys.previous_private_screening.as_deref())?;
        let hub = Hub::new();
        let replicas = db::Replicas::start(
            &config.replica_urls(),
            pool.clone(),
            config.pool_size,
            (config.db_limits(), config.db_long_limits()),
            config.replica_max_lag(),
            hub.floor.clone(),
        )
        .map_err(|e| format!("replicas: {e}"))?;
        let audit = AuditBuffer::start(pool.clone());
        let announcer = super::notify::Announcer::start(pool.clone());
        hub.spawn(url.expose_secret().to_string(), config.db_limits());
        let long_pool = db::pool(url.expose_secret(), config.pool_size, config.db_long_limits())
            .map_err(|e| format!("pool: {e}"))?;
        Ok(web::Data::new(AppState {
            pools: Arc::new(Mutex::new([vec![pool.clone(), long_pool.clone()], replicas.pools()].concat())),
            pool,
            long_pool,
            replicas,
            config: Arc::new(config),
            metrics: Arc::default(),
            jwt: Arc::new(jwt),
            limiter: Arc::new(limiter),
            auth_limiter: Arc::new(auth_limiter),
            hashing: Arc::new(hashing),
            audit,
            audit_signer,
            secrets,
            hub,
            announcer,
            mfa_policy,
            purpose_policy,
            signer,
            oprf,
        }))
    }

    /// A copy for one HTTP worker, with a pool of `size` connections of its own.
    pub fn with_own_pool(&self, size: usize) -> Result<AppState, db::DbSetupError> {
        let url = self.config.database_url.as_ref().map(|u| u.expose_secret().to_string()).unwrap_or_default();
        let pool = db::pool(&url, size, self.config.db_limits())?;
        let long_pool = db::pool(&url, size, self.config.db_long_limits())?;
        let replicas = self.replicas.with_own_pools(size)?;
        if let Ok(mut pools) = self.pools.lock() {
            pools.push(pool.clone());
            pools.push(long_pool.clone());
            pools.extend(replicas.pools());
        }
        Ok(AppState { pool, long_pool, replicas, ..self.clone() })
    }
}

/// The document signing key from the configuration (variable, file or token), or a new one
/// with a warning.
pub fn document_signer(config: &Config, key: Option<&str>) -> Result<super::signing::DocumentSigner, String> {
    let signer = super::signing::DocumentSigner::new(key)?;
    // A malformed earlier key stops the start, not a verifier later.
    super::signing::published(&signer, &config.signing_previous_keys)?;
    if signer.ephemeral {
        tracing::warn!(
            kid = %signer.kid(),
            "no CYBERBRIDGE_SIGNING_KEY: orders and responses are signed with a key made at start-up \
             (its public key is published; set one in production)"
        );
    } else {
        tracing::info!(kid = %signer.kid(), source = %signer.source(), "orders and responses are signed with this key");
    }
    Ok(signer)
}

/// The audit signing key from the configuration (variable, file or token), or a new one with a
/// warning.
/// The OPRF keys of private screening, when one is configured (a previous key alone is refused).
pub fn oprf_keys(current: Option<&str>, previous: Option<&str>) -> Result<Option<Arc<super::oprf::OprfKeys>>, String> {
    use super::oprf::{OprfKey, OprfKeys};
    let Some(current) = current else {
        if previous.is_some() {
            return Err(
                "CYBERBRIDGE_PRIVATE_SCREENING_PREVIOUS_KEY is set without CYBERBRIDGE_PRIVATE_SCREENING_KEY".into()
            );
        }
        tracing::info!("no CYBERBRIDGE_PRIVATE_SCREENING_KEY: private screening is off");
        return Ok(None);
    };
    let current = OprfKey::from_seed_base64(current, "CYBERBRIDGE_PRIVATE_SCREENING_KEY")?;
    let previous =
        previous.map(|p| OprfKey::from_seed_base64(p, "CYBERBRIDGE_PRIVATE_SCREENING_PREVIOUS_KEY")).transpose()?;
    tracing::info!(key_id = %current.key_id(), previous = ?previous.as_ref().map(|k| k.key_id()), "private screening keys");
    Ok(Some(Arc::new(OprfKeys { current, previous })))
}

pub fn audit_signer(key: Option<&str>) -> Result<AuditSigner, String> {
    let signer = AuditSigner::new(key)?;
    if signer.ephemeral {
        tracing::warn!(
            key_id = %signer.key_id(),
            "no CYBERBRIDGE_AUDIT_SIGNING_KEY: the audit head is signed with a key made at start-up; \
             heads signed before a restart cannot be checked against it"
        );
    } else {
        tracing::info!(key_id = %signer.key_id(), source = %signer.source(), "the audit head is signed with this key");
    }
    Ok(signer)
}

/// Logs a warning when the API's database role could rewrite the audit trail (a single-role
/// set-up): the chain and its signed head still reveal a rewrite, but nothing prevents it.
async fn warn_if_audit_rewritable(pool: &db::Pool) {
    let Ok(mut conn) = pool.get().await else { return };
    if let Ok(true) = db::may_rewrite_audit(&mut conn).await {
        tracing::warn!(
            "the API's database role owns or may update the audit trail: run it as a member of {} and \
             migrate as the owner (CYBERBRIDGE_OWNER_DATABASE_URL; README, Security model)",
            db::SERVICE_ROLE
        );
    }
}
