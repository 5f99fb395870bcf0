//! Password hashing with argon2id, always off the async runtime.

use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use crate::error::{ApiError, ApiResult};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the length rules of a new password.
pub fn check_new(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Err(format!("must be at least {MIN_LENGTH} characters"))
    } else if n > MAX_LENGTH {
        Err(format!("must be at most {MAX_LENGTH} characters"))
    } else {
        Ok(())
    }
}

pub fn hash_blocking(password: &str) -> ApiResult<String> {
    hasher().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(ApiError::internal)
}

pub async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(ApiError::internal)?
}

/// A hash to verify against when the account does not exist, so that an unknown e-mail
/// costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("dummy password for unknown accounts").unwrap_or_default())
}

/// Verifies `password` against `stored` (or against a dummy hash when there is no account).
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_string());
        let ok = hasher().verify_password(password.as_bytes(), hash.as_str()).is_ok();
        ok && known
    })
    .await
    .unwrap_or(false)
}
