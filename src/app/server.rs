//! Start-up and shutdown of the service: logging, database, migrations, HTTP server, signals.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::web;

use secrecy::{ExposeSecret, SecretString};

use super::build_app;
use crate::kernel::metrics::Job;
use crate::kernel::{db, AppState, Config};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Setup(String),
}

/// Sets up logging once for the process, as text or JSON lines.
pub fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log_format {
        crate::kernel::config::LogFormat::Json => {
            builder.json().with_current_span(true).with_span_list(false).try_init()
        }
        crate::kernel::config::LogFormat::Text => builder.try_init(),
    };
}

/// Finds or starts the database, creates it when missing and migrates it, as the schema owner;
/// found or started here, also creates the API's login role.
/// The database, found as `prepare_database` finds it, and nothing changed in it: for the
/// commands that only read (`admin verify-restore`, `keys`, `signed-documents`).
pub async fn locate_database(config: &Config) -> Result<db::Server, StartError> {
    Ok(db::locate(config.database_url(), config.owner_database_url(), &config.data_dir).await?)
}

pub async fn prepare_database(config: &Config) -> Result<db::Server, StartError> {
    let server = db::locate(config.database_url(), config.owner_database_url(), &config.data_dir).await?;
    let prepared = async {
        db::ensure_database(&server.owner_url).await?;
        let applied = db::migrate(&server.owner_url).await?;
        tracing::info!(applied, database = %db::redact(&server.owner_url), "database migrated");
        if server.local {
            db::ensure_service_login(&server.owner_url, db::SERVICE_LOGIN).await?;
        }
        bootstrap(config, &server).await?;
        set_audit_floor(config, &server.owner_url).await;
        Ok(())
    }
    .await;
    if let Err(e) = prepared {
        if let Some(cluster) = &server.cluster {
            cluster.stop().await;
        }
        return Err(e);
    }
    Ok(server)
}

/// As the owner, sets how long the database keeps audit rows at least to the configured period,
/// so that the API's role cannot purge younger ones. A service-only DATABASE_URL cannot: the
/// floor the owner set stays (warned).
async fn set_audit_floor(config: &Config, url: &str) {
    use diesel_async::AsyncConnection;
    let days = (config.retention_audit_days != 0).then_some(config.retention_audit_days);
    let result = async {
        let mut conn =
            diesel_async::AsyncPgConnection::establish(url).await.map_err(crate::kernel::error::ApiError::internal)?;
        crate::retention::store::set_audit_floor(&mut conn, days).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not set the audit retention floor (run once with CYBERBRIDGE_OWNER_DATABASE_URL)");
    }
}

/// Creates the platform organisation and admin on first start. A generated password is written
/// to its file before the admin is committed (a file that cannot be written leaves no admin
/// whose password nobody has), in a folder of that database's own: `<data dir>/<server>`, or the
/// private cluster's folder.
async fn bootstrap(config: &Config, server: &db::Server) -> Result<(), StartError> {
    use diesel_async::AsyncConnection;
    let url = &server.owner_url;
    let mut conn = diesel_async::AsyncPgConnection::establish(url)
        .await
        .map_err(|source| db::DbSetupError::Connect { url: db::redact(url), source })?;
    let failed = |e: crate::kernel::error::ApiError| StartError::Setup(format!("creating the platform admin: {e}"));
    if super::bootstrap::has_platform(&mut conn).await.map_err(failed)? {
        return Ok(());
    }
    let country = crate::domain::Country::parse(&config.platform_country).map_err(StartError::Setup)?;
    let email = crate::domain::Email::parse(&config.admin_email)
        .map_err(|e| StartError::Setup(format!("CYBERBRIDGE_ADMIN_EMAIL: {e}")))?;
    let (password, file) = match &config.admin_password {
        Some(given) => (given.expose_secret().to_string(), None),
        None => {
            let generated = crate::kernel::tokens::random_token()[..24].to_string();
            let file = write_secret_file(&password_dir(config, server), "admin-password", &generated)?;
            (generated, Some(file))
        }
    };
    let created = super::bootstrap::ensure_platform_admin(
        &mut conn,
        &config.platform_name,
        &country,
        &email,
        &password,
        file.is_some(),
    )
    .await
    .map_err(failed)?;
    match (created, file) {
        (true, Some(file)) => tracing::warn!(
            email = %config.admin_email,
            file = %file.display(),
            "created the platform admin with a generated password, written to a file only you can read; \
             log in with it, then set your own (nothing else answers until you do) and delete the file"
        ),
        // Another instance made the admin meanwhile: this password is nobody's.
        (false, Some(file)) => {
            let _ = std::fs::remove_file(file);
        }
        _ => {}
    }
    Ok(())
}

/// Where a generated admin password of `server`'s database goes: the private cluster's own
/// folder, or `<data dir>/<host>-<port>-<database>` for a server found elsewhere, so that two
/// databases never share (or overwrite) one file.
fn password_dir(config: &Config, server: &db::Server) -> std::path::PathBuf {
    match &server.cluster {
        Some(cluster) => cluster.data_dir().parent().map_or_else(|| config.data_dir.clone(), |p| p.to_path_buf()),
        None => {
            let name: String = db::connect::server(&server.owner_url)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' })
                .collect();
            config.data_dir.join(name)
        }
    }
}

/// Writes `secret` to `<dir>/<name>`, readable by this process's user only (mode 600), never to
/// the log (which is shipped to log stores).
fn write_secret_file(dir: &std::path::Path, name: &str, secret: &str) -> Result<std::path::PathBuf, StartError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let cannot =
        |e: std::io::Error| StartError::Setup(format!("cannot write the admin password to {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(cannot)?;
    let path = dir.join(name);
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path).map_err(cannot)?;
    writeln!(file, "{secret}").map_err(cannot)?;
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}

/// Background work of every instance: the audit sealer, the signed head to the witness file,
/// the request scheduler (every 10 s), the statistics tables of closed periods (hourly; a
/// table is frozen once, whichever instance computes it first) and the purge of expired rows. Safe to run in several instances at once (the sealer takes an
/// advisory lock; scheduler notices are claimed row by row).
pub fn spawn_background(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            n += 1;
            let Ok(mut conn) = state.pool.get().await else { continue };
            let metrics = &state.metrics;
            // Keep sealing while full batches come back, so a burst leaves no backlog.
            loop {
                match crate::audit::store::seal_pending(&mut conn).await {
                    Ok(n) if n as i64 == crate::audit::store::SEAL_BATCH => continue,
                    Ok(_) => {
                        metrics.job(Job::AuditSeal, true);
                        break;
                    }
                    Err(e) => {
                        metrics.job(Job::AuditSeal, false);
                        tracing::warn!(error = %e, "audit sealing failed; will retry");
                        break;
                    }
                }
            }
            if n.is_multiple_of(10) {
                let round = crate::requests::scheduler::run_once(&mut conn).await;
                metrics.job(Job::RequestScheduler, round.is_ok());
                if let Err(e) = round {
                    tracing::warn!(error = %e, "request scheduler round failed");
                }
                if let Err(e) = crate::alerts::contest::close_overdue(&mut conn).await {
                    tracing::warn!(error = %e, "closing overdue mule-flag contests failed");
                }
            }
            let witness_every = state.config.audit_witness_interval.max(1);
            if state.config.audit_witness_file.is_some() && (n == 2 || n.is_multiple_of(witness_every)) {
                let written = crate::audit::witness::write(&state, &mut conn).await;
                metrics.job(Job::AuditWitness, written.is_ok());
                if let Err(e) = written {
                    tracing::warn!(error = %e, "writing the signed audit head to the witness file failed");
                }
            }
            let purge_every = state.config.purge_interval;
            if purge_every > 0 && (n == 30 || n.is_multiple_of(purge_every)) {
                crate::retention::tick(&state).await;
            }
            // The statistics tables of periods just closed: soon after start, then hourly.
            if n == 60 || n.is_multiple_of(3600) {
                let computed = crate::statistics::service::compute_due(&state).await;
                metrics.job(Job::Statistics, computed.is_ok());
                match computed {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(tables = n, "statistics tables of closed periods computed and frozen"),
                    Err(e) => tracing::warn!(error = %e, "computing the statistics tables failed; will retry"),
                }
            }
            if n.is_multiple_of(3600) {
                if let Err(e) = crate::auth::store::purge_expired(&mut conn).await {
                    tracing::warn!(error = %e, "purging expired credentials failed");
                }
                if let Err(e) = crate::requests::store::purge_orphan_chunks(&mut conn).await {
                    tracing::warn!(error = %e, "purging the chunks of abandoned uploads failed");
                }
            }
        }
    })
}

/// `cyberbridge serve`: runs until SIGTERM or SIGINT, then drains in-flight requests, closes the
/// pool and stops the private cluster if it started one.
/// With `demo`, the demo data is seeded first (see `app::demo`).
pub async fn serve(mut config: Config, demo: bool) -> Result<(), StartError> {
    if demo {
        config = demo_config(config)?;
    }
    let server = prepare_database(&config).await?;
    let result = run_http(&config, &server.url, demo).await;
    if let Some(cluster) = &server.cluster {
        cluster.stop().await;
    }
    result
}

/// The demo runs at once for whoever starts it: no second factor to enrol, API keys printed.
/// That is safe on this machine only, so it is refused on any other address than loopback.
fn demo_config(mut config: Config) -> Result<Config, StartError> {
    let loopback = config
        .bind
        .parse::<SocketAddr>()
        .map(|a| a.ip().is_loopback())
        .unwrap_or_else(|_| config.bind.starts_with("localhost:"));
    if !loopback {
        return Err(StartError::Setup(format!(
            "the demo runs with second factors off and its keys printed: serve it on 127.0.0.1 only \
             (CYBERBRIDGE_BIND={} is not a loopback address)",
            config.bind
        )));
    }
    config.mfa_required = String::new();
    // Private screening with a fixed key, so that the demo's tags survive a restart (the demo
    // serves this machine only; a real deployment sets its own key).
    if config.private_screening_key.is_none() && config.private_screening_key_file.is_none() {
        config.private_screening_key = Some(super::demo::PRIVATE_SCREENING_KEY.into());
    }
    tracing::warn!(
        "DEMO: second factors are off and the demo's API keys are printed; this server is for this machine \
         only ({}), never for real data",
        config.bind
    );
    Ok(config)
}

/// Binds the HTTP server for `state` on `bind`, not yet running. Signals are ours to handle.
pub fn http_server(
    state: web::Data<AppState>,
    bind: &str,
) -> Result<(actix_web::dev::Server, Vec<SocketAddr>), StartError> {
    let config = state.config.clone();
    let workers = config.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())).max(1);
    let per_worker = config.pool_size.div_ceil(workers).max(1);
    // Each worker's pool is built here, so that a failure stops the start instead of a worker.
    let states: Vec<AppState> = (0..workers).map(|_| state.with_own_pool(per_worker)).collect::<Result<_, _>>()?;
    let states = std::sync::Arc::new(std::sync::Mutex::new(states));
    let http = actix_web::HttpServer::new(move || {
        // A worker restarted after a panic finds none left and shares the main pool.
        let own = states.lock().ok().and_then(|mut s| s.pop()).unwrap_or_else(|| state.get_ref().clone());
        build_app(web::Data::new(own))
    })
    .disable_signals()
    .shutdown_timeout(config.shutdown_timeout_secs)
    .workers(workers);
    let http = http.bind(bind).map_err(|source| StartError::Bind { addr: bind.to_string(), source })?;
    let addrs = http.addrs();
    Ok((http.run(), addrs))
}

/// The shared state over the database at `url`.
async fn state_for(config: &Config, url: &str) -> Result<(web::Data<AppState>, db::Pool, Config), StartError> {
    crate::requests::policy::Tables::configured(config.validation_tables.as_deref()).map_err(StartError::Setup)?;
    crate::retention::Periods::of(config).map_err(StartError::Setup)?;
    // The shared state's own pool serves the background jobs (purges, schedulers, deliveries):
    // long work, bounded by the statement timeout. Requests use each worker's pools.
    let pool = db::pool(url, config.pool_size, config.db_long_limits())?;
    let mut config = config.clone();
    config.database_url = Some(SecretString::from(url.to_string()));
    let state = AppState::build(pool.clone(), config.clone()).await.map_err(StartError::Setup)?;
    Ok((state, pool, config))
}

/// `cyberbridge demo`: seeds the demo data and prints the logins.
pub async fn demo(config: Config) -> Result<String, StartError> {
    let server = prepare_database(&config).await?;
    let seeded = async {
        let (state, pool, _) = state_for(&config, &server.url).await?;
        let logins =
            super::demo::seed(&state).await.map_err(|e| StartError::Setup(format!("demo: {}", e.problem().detail)));
        state.audit.flush().await;
        pool.close();
        logins
    }
    .await;
    if let Some(cluster) = &server.cluster {
        cluster.stop().await;
    }
    seeded
}

async fn run_http(config: &Config, url: &str, demo: bool) -> Result<(), StartError> {
    // The console's origin: refused before anything starts when it would send cookies and
    // passwords in clear across a network.
    let origin = config.public_origin().map_err(StartError::Setup)?;
    let (state, pool, config) = state_for(config, url).await?;
    if demo {
        let logins =
            super::demo::seed(&state).await.map_err(|e| StartError::Setup(format!("demo: {}", e.problem().detail)))?;
        tracing::warn!("serving the demo data; never with real data");
        // Printed to the terminal, where a newcomer looks (the log may go elsewhere).
        println!("{logins}");
    }
    let cannot = |e: crate::kernel::error::ApiError| {
        StartError::Setup(format!("encrypting stored webhook secrets: {}", e.problem().detail))
    };
    let mut conn = state.pool.get().await.map_err(|e| cannot(e.into()))?;
    let sealed = crate::webhooks::store::seal_secrets(&mut conn, &state.secrets).await.map_err(cannot)?;
    drop(conn);
    if sealed > 0 {
        tracing::info!(
            sealed,
            "webhook secrets stored plain or under the previous key are now sealed under CYBERBRIDGE_SECRETS_KEY"
        );
    }
    let background = spawn_background(state.clone());
    let _screening = crate::screening::service::spawn(state.clone());
    let deliveries = crate::webhooks::deliver::spawn(state.clone());
    let _mail = crate::console::mail::spawn(state.clone());
    let (running, addrs) = http_server(state.clone(), &config.bind)?;
    for addr in addrs {
        tracing::info!(%addr, "listening; API docs at http://{addr}/docs/");
    }
    tracing::info!(console = %format!("{origin}/console/"), "the console for people");
    if demo {
        println!("The console: {origin}/console/ (sign in with a demo login above)");
    }
    let handle = running.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received; finishing in-flight requests");
        handle.stop(true).await;
    });
    running.await?;
    // The listener's connection closes with the process: not a loss to warn about.
    state.hub.stopping();
    state.audit.flush().await;
    background.abort();
    deliveries.abort();
    pool.close();
    // Let the pool's connections say goodbye before the cluster is stopped.
    tokio::time::sleep(Duration::from_millis(50)).await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::warn!("cannot install signal handlers");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}
