//! Cursor pagination: `limit` (default 50, max 500) and an opaque `cursor` that encodes the
//! keyset position of the last row returned.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::kernel::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Validates `limit`.
pub fn limit(value: Option<i64>) -> ApiResult<i64> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field("limit", format!("must be between 1 and {MAX_LIMIT}"))),
    }
}

pub fn encode<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub fn decode<T: DeserializeOwned>(cursor: Option<&str>) -> ApiResult<Option<T>> {
    decode_param("cursor", cursor)
}

/// Decodes a cursor sent in the query parameter `param` (the event feed's is `after`); an
/// empty one is no cursor (a shell variable not yet set), from the start.
pub fn decode_param<T: DeserializeOwned>(param: &str, cursor: Option<&str>) -> ApiResult<Option<T>> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    let bad = || ApiError::field(param, "is not a cursor returned by this API");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map(Some).map_err(|_| bad())
}

/// Splits one extra row (fetched to know whether a next page exists) off `rows`, and makes the
/// cursor from the last row kept.
pub fn page<R, P: Serialize>(mut rows: Vec<R>, limit: i64, position: impl Fn(&R) -> P) -> (Vec<R>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| encode(&position(r))) } else { None };
    (rows, next)
}
