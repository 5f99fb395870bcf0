use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::text_enum;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::{db, tokens, AppState};

text_enum! {
    /// `ok`: the process is up; `ready`: the database answers too.
    Health {
        Ok = "ok",
        Ready = "ready",
    }
}

/// Health status.
#[derive(Serialize, ToSchema)]
pub struct Status {
    pub status: Health,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "system", security(()), responses((status = 200, description = "the process answers", body = Status)))]
#[get("/healthz")]
pub async fn get_healthz() -> web::Json<Status> {
    web::Json(Status { status: Health::Ok })
}

/// Readiness: the database answers a query within one second.
#[utoipa::path(tag = "system", security(()), responses(
    (status = 200, description = "the database answers", body = Status),
    (status = 503, description = "database unreachable", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn get_readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Status>> {
    let check = async {
        let mut conn = state.pool.get().await?;
        db::ping(&mut conn).await.map_err(ApiError::from)
    };
    match tokio::time::timeout(Duration::from_secs(1), check).await {
        Ok(Ok(())) => Ok(web::Json(Status { status: Health::Ready })),
        Ok(Err(ApiError::Unavailable(cause))) => Err(ApiError::Unavailable(cause)),
        Ok(Err(other)) => Err(ApiError::Unavailable(other.to_string())),
        Err(_) => Err(ApiError::Unavailable("no answer within 1 s".into())),
    }
}

/// Prometheus metrics: requests by route and status, latency histograms, pool usage, with
/// replicas configured whether each serves reads and how many it answered; the background jobs'
/// last success and failures, webhook delivery outcomes, unanswered requests by deadline, the
/// webhook and audit backlogs, resident memory and open files. With
/// `CYBERBRIDGE_METRICS_TOKEN` set, only for `Authorization: Bearer <token>`.
#[utoipa::path(
    tag = "system",
    security(()),
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 401, description = "a metrics token is configured and was not sent", content_type = "application/problem+json", body = crate::kernel::error::Problem),
    )
)]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> ApiResult<HttpResponse> {
    if let Some(token) = &state.config.metrics_token {
        let sent = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let expected = format!("Bearer {}", secrecy::ExposeSecret::expose_secret(token));
        // Digests compared, so the time taken says nothing about how much of the token matched.
        let matches = sent.is_some_and(|s| tokens::sha256(s) == tokens::sha256(&expected));
        if !matches {
            return Err(ApiError::Unauthenticated("send the metrics token: Authorization: Bearer <token>".into()));
        }
    }
    let pools: Vec<deadpool::Status> =
        state.pools.lock().map(|p| p.iter().map(|p| p.status()).collect()).unwrap_or_default();
    let mut body = state.metrics.render(&pools, &state.replicas.status());
    // The backlogs, when the database answers (a scrape never fails for want of them).
    let backlogs = match state.metrics.fresh_backlogs() {
        Some(kept) => Some(kept),
        None => match state.pool.get().await {
            Ok(mut conn) => super::store::backlogs(&mut conn).await.ok(),
            Err(_) => None,
        },
    };
    if let Some(b) = &backlogs {
        state.metrics.keep_backlogs(b);
    }
    let witness = if state.config.audit_witness_file.is_some() { state.config.audit_witness_interval } else { 0 };
    let private = u64::from(state.oprf.is_some());
    let intervals = [
        ("audit_witness", witness),
        ("retention_purge", state.config.purge_interval),
        ("private_screening", private),
        ("private_screening_snapshots", private * crate::screening::service::SNAPSHOT_INTERVAL),
    ];
    body.push_str(&state.metrics.render_operations(backlogs.as_ref(), &intervals));
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(body))
}
