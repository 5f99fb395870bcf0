//! Private screening on the wire.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET /screening/private/config`: what a client needs to blind, verify and compare.
#[derive(Serialize, ToSchema, Debug)]
#[schema(example = json!({"suite": "ristretto255-SHA512", "key_id": "qVY0kQ2mB0a6o5q5hVvX0w",
    "public_key": "yAPizGsF/BUGRUm1kgZZykp3ssym8E9rNXAJM1R2rU4=", "tag_bytes": 16, "max_batch": 1000,
    "version": 42, "input": "type || 0x00 || canonical value",
    "key_signature": "eyJhbGciOiJFZERTQSJ9..c2ln", "previous_key_id": null,
    "quota_per_day": 100000, "evaluated_today": 1000}))]
pub struct PrivateScreeningConfig {
    /// RFC 9497 suite, verifiable mode (VOPRF).
    pub suite: String,
    /// The key that evaluates and that the tag set is computed under.
    pub key_id: String,
    /// The OPRF public key `pkS` (32 bytes, base64): the proof of each evaluation is checked
    /// against it.
    pub public_key: String,
    /// A tag is the first `tag_bytes` bytes of the OPRF output.
    pub tag_bytes: usize,
    /// Most blinded elements per evaluation.
    pub max_batch: usize,
    /// Your set's version now: the last change to it (pass it as `since` to sync what changed
    /// after it).
    pub version: i64,
    /// How a value becomes the OPRF input: its type (`iban` or `phone`), one zero byte, its
    /// canonical form (as the look-up answers it), UTF-8.
    pub input: String,
    /// The platform's signature of the key: a detached JWS (EdDSA) over the RFC 8785 JSON of
    /// `{"key_id", "public_key", "suite"}`, checked with `GET /signing-keys`.
    pub key_signature: String,
    /// During a rotation: the key before this one, which still evaluates until it is removed.
    pub previous_key_id: Option<String>,
    /// Values your organisation may have evaluated per day (UTC).
    pub quota_per_day: i64,
    /// Values your organisation had evaluated today (UTC).
    pub evaluated_today: i64,
}

/// `GET /screening/private/tags`.
#[derive(Deserialize, IntoParams, Debug)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// The version you synced last (from an earlier answer): only what changed after it.
    /// 0 or absent: the whole set.
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// The key the tags are computed under: the current one when absent.
    pub key_id: Option<String>,
}

/// Your organisation's tag set, or what changed in it since a version.
#[derive(Serialize, ToSchema, Debug)]
#[schema(example = json!({"key_id": "qVY0kQ2mB0a6o5q5hVvX0w", "version": 42, "since": 40, "full": false,
    "tag_bytes": 16, "added": "3q2+7wAAAAAAAAAAAAAAAA==", "removed": "", "size": 3}))]
pub struct TagSet {
    pub key_id: String,
    /// The set's version this answer brings you to.
    pub version: i64,
    pub since: i64,
    /// `added` is the whole set: replace what you hold.
    pub full: bool,
    pub tag_bytes: usize,
    /// Tags that entered the set after `since` (the whole set when `full`): `tag_bytes` each,
    /// sorted, concatenated, base64.
    pub added: String,
    /// Tags that left the set after `since` (a value withdrawn, past its validity, or no longer
    /// shared with you), in the same form. Removing one you do not hold is harmless.
    pub removed: String,
    /// Tags in your set at `version`.
    pub size: i64,
}

/// `POST /screening/private/evaluate`.
#[derive(Deserialize, ToSchema, Debug)]
#[schema(example = json!({"key_id": "qVY0kQ2mB0a6o5q5hVvX0w",
    "blinded": ["hj8zDMGhJZ7VpZmKI6z9N/tDUaeTpbPAkLZC3cQ5uUU="]}))]
pub struct EvaluateRequest {
    /// The key you synced the set under (`config.key_id`).
    pub key_id: String,
    /// Blinded elements (RFC 9497 `Blind`), 32 bytes each, base64; at most `max_batch`.
    pub blinded: Vec<String>,
}

/// The evaluated elements, in the order sent, and one batched DLEQ proof over all of them.
#[derive(Serialize, ToSchema, Debug)]
pub struct EvaluateResponse {
    pub key_id: String,
    /// 32 bytes each, base64.
    pub evaluated: Vec<String>,
    /// The proof `c || s` (64 bytes, base64): verify it before unblinding.
    pub proof: String,
}
