//! Read-your-writes across replicas and instances: a write answers `X-Commit-LSN` (the
//! primary's WAL position after it committed) when replicas serve reads, and a read that sends
//! it back is served by a replica only once that replica has replayed it (`db::replicas`).

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest};

use crate::kernel::db::{self, Lsn};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::state::AppState;

pub const COMMIT_LSN: HeaderName = HeaderName::from_static("x-commit-lsn");

/// The commit position a read must see (`X-Commit-LSN`), if it sent one.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadAfter(pub Option<Lsn>);

impl FromRequest for ReadAfter {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(match req.headers().get(&COMMIT_LSN) {
            None => Ok(ReadAfter(None)),
            Some(value) => value
                .to_str()
                .map_err(|_| "not text".to_string())
                .and_then(str::parse)
                .map(|lsn| ReadAfter(Some(lsn)))
                .map_err(|e| ApiError::BadRequest(format!("X-Commit-LSN: {e}; send back the value a write answered"))),
        })
    }
}

/// The `X-Commit-LSN` request header, for the OpenAPI operations that honour it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header, names("X-Commit-LSN"))]
pub struct ReadAfterHeader(
    /// The `X-Commit-LSN` a write answered: the read then sees that write, whichever instance
    /// or replica serves it.
    #[param(value_type = Option<String>, example = "0/3000148")]
    pub Option<String>,
);

/// Adds `X-Commit-LSN` to a successful write's answer, when replicas serve reads.
pub async fn stamp<B>(state: &AppState, res: &mut ServiceResponse<B>) {
    let req = res.request();
    if state.replicas.is_empty() || req.method().is_safe() || !res.status().is_success() {
        return;
    }
    let position = async {
        let mut conn = state.pool.get().await.ok()?;
        db::replicas::commit_position(&mut conn).await.ok()
    };
    if let Some(lsn) = position.await {
        if let Ok(value) = HeaderValue::from_str(&lsn.to_string()) {
            res.headers_mut().insert(COMMIT_LSN, value);
        }
    }
}

impl AppState {
    /// Runs the read-only `read` on a replica that may serve it, else on the primary; a replica
    /// that fails as if gone hands the read to the primary. Bounded as ordinary requests are.
    pub async fn read<T>(&self, after: ReadAfter, read: impl AsyncFn(&mut db::Conn) -> ApiResult<T>) -> ApiResult<T> {
        self.read_on(after, false, read).await
    }

    /// `read` for long work (exports, TAXII pages, statistics): its statements may run for the
    /// statement timeout rather than the silence bound.
    pub async fn read_long<T>(
        &self,
        after: ReadAfter,
        read: impl AsyncFn(&mut db::Conn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.read_on(after, true, read).await
    }

    /// `read`, or `read_long` when `long`.
    pub async fn read_on<T>(
        &self,
        after: ReadAfter,
        long: bool,
        read: impl AsyncFn(&mut db::Conn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        if let Some((mut conn, replica)) = self.replicas.get(after.0, long).await {
            match read(&mut conn).await {
                // A statement that ran out its bound would run it out again on the primary:
                // answered as it is, and the replica is not blamed for it.
                Err(e @ ApiError::Unavailable(_)) if !e.is_statement_timeout() => {
                    self.replicas.failed(replica, &e.to_string())
                }
                done => {
                    self.replicas.served(replica);
                    return done;
                }
            }
        }
        let pool = if long { &self.long_pool } else { &self.pool };
        let mut conn = pool.get().await?;
        read(&mut conn).await
    }
}
