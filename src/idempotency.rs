//! `Idempotency-Key` on creating POSTs: a retry with the same key and body gets the first
//! answer and creates nothing; the same key with another body gets 422; of duplicates sent in
//! parallel, one creates and the others get its answer.

use actix_web::HttpRequest;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::idempotency_keys;
use crate::db::Conn;
use crate::error::{ApiError, ApiResult};

/// The key a request carries, if any (1 to 200 visible characters).
pub fn key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    let k = v.to_str().unwrap_or("").trim();
    if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest("Idempotency-Key must be 1 to 200 visible ASCII characters".into()));
    }
    Ok(Some(k.to_string()))
}

pub fn hash(body: &serde_json::Value) -> Vec<u8> {
    Sha256::digest(body.to_string().as_bytes()).to_vec()
}

/// Records the answer of the first request with `key`, at the end of its transaction. A
/// second request with the key (a retry, or a duplicate sent in parallel, which waits here on
/// the unique index until the first commits) fails with a unique violation: its transaction,
/// and whatever it created, rolls back, and it answers `stored` instead. The common path costs
/// one statement.
pub async fn record(
    conn: &mut Conn,
    org: Uuid,
    scope: &str,
    key: &str,
    request_hash: &[u8],
    status: u16,
    body: &serde_json::Value,
) -> ApiResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::organization_id.eq(org),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(i32::from(status)),
            idempotency_keys::body.eq(body),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The first answer given for `key`, if any; 422 when it was for another request body.
pub async fn stored(
    conn: &mut Conn,
    org: Uuid,
    scope: &str,
    key: &str,
    request_hash: &[u8],
) -> ApiResult<Option<(u16, serde_json::Value)>> {
    let found: Option<(Vec<u8>, i32, serde_json::Value)> = idempotency_keys::table
        .find((org, scope, key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::body))
        .first(conn)
        .await
        .optional()?;
    match found {
        None => Ok(None),
        Some((hash, _, _)) if hash != request_hash => {
            Err(ApiError::field("Idempotency-Key", "was used before with another request body"))
        }
        Some((_, status, body)) => Ok(Some((u16::try_from(status).unwrap_or(200), body))),
    }
}

/// The answer to a creating request: its own, or — when its key was taken already (a retry,
/// or a duplicate that lost the race) — the first answer.
pub async fn settle(
    conn: &mut Conn,
    org: Uuid,
    scope: &str,
    key: Option<&str>,
    request_hash: &[u8],
    created: ApiResult<(u16, serde_json::Value)>,
) -> ApiResult<(u16, serde_json::Value)> {
    match (created, key) {
        (Ok(done), _) => Ok(done),
        (Err(ApiError::Conflict(why)), Some(k)) => {
            stored(conn, org, scope, k, request_hash).await?.ok_or(ApiError::Conflict(why))
        }
        (Err(e), _) => Err(e),
    }
}
