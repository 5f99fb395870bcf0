//! `Idempotency-Key` on creating POSTs: the first request with a key claims it in its own
//! transaction; a retry with the same key and body gets the first answer and creates nothing;
//! the same key with another body gets 422. A duplicate sent in parallel waits on the claim's
//! unique index until the first commits, then gets its answer.

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

/// Claims `key` for this request inside the caller's transaction. `Some((status, body))`:
/// the key was used before with the same request, answer that.
pub async fn claim(
    conn: &mut Conn,
    org: Uuid,
    scope: &str,
    key: &str,
    request_hash: &[u8],
) -> ApiResult<Option<(u16, serde_json::Value)>> {
    let claimed = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::organization_id.eq(org),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(0),
            idempotency_keys::body.eq(serde_json::Value::Null),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if claimed == 1 {
        return Ok(None);
    }
    let (hash, status, body): (Vec<u8>, i32, serde_json::Value) = idempotency_keys::table
        .find((org, scope, key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::body))
        .first(conn)
        .await?;
    if hash != request_hash {
        return Err(ApiError::field("Idempotency-Key", "was used before with another request body"));
    }
    Ok(Some((u16::try_from(status).unwrap_or(200), body)))
}

/// Stores the answer of the request that claimed `key`.
pub async fn complete(
    conn: &mut Conn,
    org: Uuid,
    scope: &str,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> ApiResult<()> {
    diesel::update(idempotency_keys::table.find((org, scope, key)))
        .set((idempotency_keys::status.eq(i32::from(status)), idempotency_keys::body.eq(body)))
        .execute(conn)
        .await?;
    Ok(())
}
