//! Start-up and shutdown of the service: logging, database, migrations, HTTP server, signals.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::web;

use crate::{build_app, db, AppState, Config};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Sets up logging once for the process, as text or JSON lines.
pub fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log_format {
        crate::config::LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}

/// Finds or starts the database, creates it when missing and migrates it.
pub async fn prepare_database(config: &Config) -> Result<db::Server, StartError> {
    let server = db::locate(config.database_url.as_deref(), &config.data_dir).await?;
    let prepared = async {
        db::ensure_database(&server.url).await?;
        let applied = db::migrate(&server.url).await?;
        tracing::info!(applied, database = %db::redact(&server.url), "database migrated");
        Ok::<_, db::DbSetupError>(())
    }
    .await;
    if let Err(e) = prepared {
        if let Some(cluster) = &server.cluster {
            cluster.stop().await;
        }
        return Err(e.into());
    }
    Ok(server)
}

/// `cyberbridge serve`: runs until SIGTERM or SIGINT, then drains in-flight requests, closes the
/// pool and stops the private cluster if it started one.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let server = prepare_database(&config).await?;
    let result = run_http(&config, &server.url).await;
    if let Some(cluster) = &server.cluster {
        cluster.stop().await;
    }
    result
}

/// Binds the HTTP server for `state` on `bind`, not yet running. Signals are ours to handle.
pub fn http_server(state: web::Data<AppState>, bind: &str) -> Result<(actix_web::dev::Server, Vec<SocketAddr>), StartError> {
    let config = state.config.clone();
    let mut http = actix_web::HttpServer::new(move || build_app(state.clone()))
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout_secs);
    if let Some(workers) = config.workers {
        http = http.workers(workers);
    }
    let http = http.bind(bind).map_err(|source| StartError::Bind { addr: bind.to_string(), source })?;
    let addrs = http.addrs();
    Ok((http.run(), addrs))
}

async fn run_http(config: &Config, url: &str) -> Result<(), StartError> {
    let pool = db::pool(url, config.pool_size, config.pool_timeout())?;
    let state = AppState::new(pool.clone(), config.clone());
    let (running, addrs) = http_server(state, &config.bind)?;
    for addr in addrs {
        tracing::info!(%addr, "listening; API docs at http://{addr}/docs/");
    }
    let handle = running.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received; finishing in-flight requests");
        handle.stop(true).await;
    });
    running.await?;
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
