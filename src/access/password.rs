//! Password hashing with argon2id, always off the async runtime.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::kernel::error::{ApiError, ApiResult};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
fn hasher() -> ApiResult<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
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
    hasher()?.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| ApiError::internal(e.to_string()))
}

/// A permit to hash one password: waits up to a second for one of the configured number
/// (a core each by default), then 503 with `Retry-After`. Unauthenticated callers cannot make
/// the server compute more hashes at once than it has cores.
pub async fn permit(permits: &Arc<Semaphore>) -> ApiResult<OwnedSemaphorePermit> {
    match tokio::time::timeout(std::time::Duration::from_secs(1), permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ApiError::Busy("too many password checks at once; retry in a second".into())),
    }
}

pub async fn hash(permits: &Arc<Semaphore>, password: String) -> ApiResult<String> {
    let permit = permit(permits).await?;
    let hashed = hash_offline(password).await;
    drop(permit);
    hashed
}

/// Hashes without a permit: for the command line and start-up, never for a request.
pub async fn hash_offline(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(ApiError::internal)?
}

/// A hash (of a password nobody knows, with the parameters above) to verify against when the
/// account does not exist, so that an unknown e-mail costs the same time as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$pGrN73VknlCLE9qkI+VdIA$HRtXdADFNTay3JiVoqTKNwZRZOrI/nLi3u+nnyj80Qs";

/// Verifies `password` against `stored` (or against the dummy hash when there is no account).
/// A failure to verify (a corrupt stored hash, a lost blocking task) is logged and refuses.
pub async fn verify(permits: &Arc<Semaphore>, password: String, stored: Option<String>) -> ApiResult<bool> {
    let permit = permit(permits).await?;
    verify_holding(permit, password, stored).await
}

/// `verify` with a hashing permit already held (taken before the attempt was counted, so a
/// 503 for want of one never counts against the account).
pub async fn verify_holding(permit: OwnedSemaphorePermit, password: String, stored: Option<String>) -> ApiResult<bool> {
    // An account without a password yet (its enrolment link unused) costs what an unknown one
    // costs, and matches nothing.
    let stored = stored.filter(|hash| !hash.is_empty());
    let checked = tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = hasher()?.verify_password(password.as_bytes(), hash.as_str());
        Ok::<_, ApiError>(ok.is_ok() && known)
    })
    .await;
    drop(permit);
    Ok(match checked {
        Ok(Ok(ok)) => ok,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "password verification failed");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "password verification task lost");
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real = hash_blocking("a real password of some length").unwrap();
        let params = |h: &str| h.split('$').nth(3).map(str::to_string);
        assert_eq!(params(&real), params(DUMMY_HASH), "same memory, passes and lanes");
        assert!(argon2::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
