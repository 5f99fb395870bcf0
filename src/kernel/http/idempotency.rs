//! `Idempotency-Key` on creating POSTs: a retry with the same key and body gets the first
//! answer and creates nothing; the same key with another body gets 422; of duplicates sent in
//! parallel, one creates and the others get its answer.
//!
//! A handler builds an `Idempotent` from the request, calls `record` as the last step of its
//! creating transaction, and `settle` on the transaction's result.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::kernel::db::schema::idempotency_keys;
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};

/// The answer of a creating request, as first given.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Answer {
    /// The JSON response, with the body's `version` as `ETag` when it has one.
    pub fn respond(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(v) = self.body.get("version").and_then(|v| v.as_i64()) {
            res.insert_header((actix_web::http::header::ETAG, super::etag::etag(v as i32)));
        }
        res.json(&self.body)
    }
}

/// A creating request made safe to retry.
#[derive(Debug)]
pub struct Idempotent {
    key: Option<String>,
    hash: Vec<u8>,
    scope: &'static str,
    org: Uuid,
}

impl Idempotent {
    /// Reads the `Idempotency-Key` (1 to 200 visible ASCII characters) and fingerprints the body.
    pub fn new(req: &HttpRequest, scope: &'static str, org: impl Into<Uuid>, body: &impl Serialize) -> ApiResult<Self> {
        let key = match req.headers().get("idempotency-key") {
            None => None,
            Some(v) => {
                let k = v.to_str().unwrap_or("").trim();
                if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ApiError::BadRequest(
                        "Idempotency-Key must be 1 to 200 visible ASCII characters".into(),
                    ));
                }
                Some(k.to_string())
            }
        };
        Self::with_key(key, scope, org, body)
    }

    /// The same with a key the caller made (a console form carries one, so that a second
    /// click sends nothing twice).
    pub fn with_key(
        key: Option<String>,
        scope: &'static str,
        org: impl Into<Uuid>,
        body: &impl Serialize,
    ) -> ApiResult<Self> {
        let body = serde_json::to_vec(body).map_err(ApiError::internal)?;
        Ok(Idempotent { key, hash: Sha256::digest(&body).to_vec(), scope, org: org.into() })
    }

    /// The answer of the request, recorded under its key at the end of its transaction. A
    /// second request with the key (a retry, or a duplicate sent in parallel, which waits here
    /// on the unique index until the first commits) fails with a unique violation: its
    /// transaction, and whatever it created, rolls back, and `settle` answers the first
    /// answer instead. The common path costs one statement.
    pub async fn record(&self, conn: &Conn, status: StatusCode, answer: &impl Serialize) -> ApiResult<Answer> {
        let body = serde_json::to_value(answer).map_err(ApiError::internal)?;
        if let Some(key) = &self.key {
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::organization_id.eq(self.org),
                    idempotency_keys::scope.eq(self.scope),
                    idempotency_keys::key.eq(key),
                    idempotency_keys::request_hash.eq(&self.hash),
                    idempotency_keys::status.eq(i32::from(status.as_u16())),
                    idempotency_keys::body.eq(&body),
                ))
                .execute(&mut &*conn)
                .await?;
        }
        Ok(Answer { status, body })
    }

    /// The answer to give: the request's own, or — when its key was taken already — the first.
    pub async fn settle(&self, conn: &mut Conn, created: ApiResult<Answer>) -> ApiResult<Answer> {
        match (created, &self.key) {
            (Ok(done), _) => Ok(done),
            (Err(ApiError::Conflict(why)), Some(_)) => self.stored(conn).await?.ok_or(ApiError::Conflict(why)),
            (Err(e), _) => Err(e),
        }
    }

    /// The first answer given for the key, if any; 422 when it was for another request body.
    async fn stored(&self, conn: &mut Conn) -> ApiResult<Option<Answer>> {
        let Some(key) = &self.key else { return Ok(None) };
        let found: Option<(Vec<u8>, i32, serde_json::Value)> = idempotency_keys::table
            .find((self.org, self.scope, key))
            .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::body))
            .first(conn)
            .await
            .optional()?;
        match found {
            None => Ok(None),
            Some((hash, _, _)) if hash != self.hash => {
                Err(ApiError::field("Idempotency-Key", "was used before with another request body"))
            }
            Some((_, status, body)) => Ok(Some(Answer {
                status: u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK),
                body,
            })),
        }
    }
}
