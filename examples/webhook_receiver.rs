//! A webhook receiver for the delivery benchmark (`bench/webhooks.sh`): answers 204, and
//! keeps for each delivery the delay from the event's creation (its `timestamp`) to arrival.
//! `POST /hang` is a tarpit (30 s, not logged). `GET /stats` answers count, p50/p99 delay and the arrival span; `DELETE /stats` resets.
//!
//! cargo run --release --example webhook_receiver -- 127.0.0.1:19090

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{DateTime, Utc};

#[derive(Default)]
struct Log {
    /// (arrival, delay in ms)
    rows: Vec<(DateTime<Utc>, f64)>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:19090".into());
    let log: Arc<Mutex<Log>> = Arc::default();
    HttpServer::new(move || {
        let log = log.clone();
        App::new()
            .app_data(web::Data::from(log))
            .route(
                "/stats",
                web::get().to(|log: web::Data<Mutex<Log>>| async move {
                    let log = log.lock().unwrap();
                    let mut delays: Vec<f64> = log.rows.iter().map(|r| r.1).collect();
                    delays.sort_by(|a, b| a.total_cmp(b));
                    let pct = |p: f64| {
                        delays.get(((delays.len() as f64 * p) as usize).min(delays.len().saturating_sub(1))).copied()
                    };
                    let first = log.rows.iter().map(|r| r.0).min();
                    let last = log.rows.iter().map(|r| r.0).max();
                    HttpResponse::Ok().json(serde_json::json!({
                        "count": delays.len(), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                        "span_ms": first.zip(last).map(|(f, l)| (l - f).num_milliseconds()),
                    }))
                }),
            )
            .route(
                "/stats",
                web::delete().to(|log: web::Data<Mutex<Log>>| async move {
                    log.lock().unwrap().rows.clear();
                    HttpResponse::NoContent().finish()
                }),
            )
            // A tarpit: holds each request for 30 s, logs nothing.
            .route(
                "/hang",
                web::post().to(|| async {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    HttpResponse::NoContent().finish()
                }),
            )
            .default_service(web::to(|log: web::Data<Mutex<Log>>, body: web::Bytes| async move {
                let now = Utc::now();
                let created = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["timestamp"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok()));
                if let Some(created) = created {
                    log.lock()
                        .unwrap()
                        .rows
                        .push((now, (now - created).num_microseconds().unwrap_or(0) as f64 / 1000.0));
                }
                HttpResponse::NoContent().finish()
            }))
    })
    .workers(1)
    .bind(addr)?
    .run()
    .await
}
