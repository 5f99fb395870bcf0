//! Credential material: the JWT signing key of access tokens, opaque refresh tokens and API
//! keys (random, stored only as their SHA-256).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{OrgKind, Role};
use crate::kernel::error::{ApiError, ApiResult};

pub const ACCESS_TTL_SECS: i64 = 15 * 60;
pub const REFRESH_TTL_DAYS: i64 = 30;
pub const API_KEY_PREFIX: &str = "cbk_";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub org: Uuid,
    pub kind: OrgKind,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// The server's signing key. The algorithm is fixed here (HS256); the token's `alg` header is
/// only compared with it, never followed.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.leeway = 5;
        let keys = JwtKeys {
            encoding: EncodingKey::from_secret(secret).map_err(|e| e.to_string())?,
            decoding: DecodingKey::from_secret(secret).map_err(|e| e.to_string())?,
            validation,
        };
        // jsonwebtoken panics at first use when no crypto backend is compiled in: fail at start instead.
        let probe = Claims {
            sub: Uuid::nil(),
            org: Uuid::nil(),
            kind: OrgKind::Platform,
            role: Role::Member,
            iat: 0,
            exp: i64::MAX / 2,
            jti: Uuid::nil(),
        };
        let token = std::panic::catch_unwind(|| keys.sign(&probe))
            .map_err(|_| "jsonwebtoken has no crypto backend".to_string())?;
        keys.verify(&token.map_err(|e| e.to_string())?).map_err(|e| format!("JWT self-check failed: {e}"))?;
        Ok(keys)
    }

    pub fn sign(&self, claims: &Claims) -> ApiResult<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::Unauthenticated(format!("invalid access token: {e}")))
    }

    pub fn issue(
        &self,
        user: Uuid,
        org: Uuid,
        kind: OrgKind,
        role: Role,
        now: DateTime<Utc>,
    ) -> ApiResult<(String, Claims)> {
        let claims = Claims {
            sub: user,
            org,
            kind,
            role,
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TTL_SECS,
            jti: Uuid::now_v7(),
        };
        Ok((self.sign(&claims)?, claims))
    }
}

/// 256 random bits, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// A new API key and its visible prefix.
pub fn new_api_key() -> (String, String) {
    let key = format!("{API_KEY_PREFIX}{}", random_token());
    let prefix = key[..API_KEY_PREFIX.len() + 4].to_string();
    (key, prefix)
}
