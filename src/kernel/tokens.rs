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
    /// The session that issued the token: ending it refuses the token at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// The server's signing keys. The algorithm is fixed here (HS256); the token's `alg` header is
/// only compared with it, never followed. Tokens carry the key id (`kid`: the first 16 hex
/// digits of the key's SHA-256); a previous key still verifies the tokens it signed (15
/// minutes at most), so the key can be rotated without ending anyone's session.
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    previous: Vec<(String, DecodingKey)>,
    validation: Validation,
}

/// The key id of a secret.
pub fn key_id(secret: &[u8]) -> String {
    hex::encode(&Sha256::digest(secret)[..8])
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        JwtKeys::with_previous(secret, &[])
    }

    /// The current key, and previous ones that still verify.
    pub fn with_previous(secret: &[u8], previous: &[&[u8]]) -> Result<Self, String> {
        if secret.len() < 32 || previous.iter().any(|p| p.len() < 32) {
            return Err("a JWT secret must be at least 32 bytes".into());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.leeway = 5;
        let keys = JwtKeys {
            kid: key_id(secret),
            encoding: EncodingKey::from_secret(secret).map_err(|e| e.to_string())?,
            decoding: DecodingKey::from_secret(secret).map_err(|e| e.to_string())?,
            previous: previous
                .iter()
                .map(|p| Ok((key_id(p), DecodingKey::from_secret(p).map_err(|e| e.to_string())?)))
                .collect::<Result<_, String>>()?,
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
            sid: None,
        };
        let token = std::panic::catch_unwind(|| keys.sign(&probe))
            .map_err(|_| "jsonwebtoken has no crypto backend".to_string())?;
        keys.verify(&token.map_err(|e| e.to_string())?).map_err(|e| format!("JWT self-check failed: {e}"))?;
        Ok(keys)
    }

    pub fn sign(&self, claims: &Claims) -> ApiResult<String> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(ApiError::internal)
    }

    /// The claims of a token signed by the current key or a previous one (by its `kid`; a token
    /// without one is checked against the current key).
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| ApiError::Unauthenticated(format!("invalid access token: {e}")))?;
        let key = match header.kid.as_deref() {
            None => &self.decoding,
            Some(kid) if kid == self.kid => &self.decoding,
            Some(kid) => match self.previous.iter().find(|(id, _)| id == kid) {
                Some((_, key)) => key,
                None => return Err(ApiError::Unauthenticated("invalid access token: unknown signing key".into())),
            },
        };
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::Unauthenticated(format!("invalid access token: {e}")))
    }

    pub fn issue(
        &self,
        user: Uuid,
        org: Uuid,
        kind: OrgKind,
        role: Role,
        sid: Uuid,
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
            sid: Some(sid),
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

/// Equality in time independent of where the inputs differ (for secrets presented by clients).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

#[cfg(test)]
mod rotation_tests {
    use super::*;

    #[test]
    fn a_previous_key_verifies_its_tokens_and_an_unknown_one_does_not() {
        let (old, new) =
            (b"an old secret of at least 32 bytes!!".as_slice(), b"the new secret of at least 32 bytes!".as_slice());
        let before = JwtKeys::new(old).unwrap();
        let (token, _) =
            before.issue(Uuid::now_v7(), Uuid::now_v7(), OrgKind::Bank, Role::Member, Uuid::nil(), Utc::now()).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid, Some(key_id(old)));
        let rotated = JwtKeys::with_previous(new, &[old]).unwrap();
        assert!(rotated.verify(&token).is_ok(), "a token of the previous key still works");
        let (fresh, _) = rotated
            .issue(Uuid::now_v7(), Uuid::now_v7(), OrgKind::Bank, Role::Member, Uuid::nil(), Utc::now())
            .unwrap();
        assert_eq!(jsonwebtoken::decode_header(&fresh).unwrap().kid, Some(key_id(new)));
        assert!(JwtKeys::new(new).unwrap().verify(&token).is_err(), "once dropped, the old key's tokens stop");
        assert!(before.verify(&fresh).is_err());
    }
}
