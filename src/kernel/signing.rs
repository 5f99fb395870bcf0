//! The platform's signature on what it carries between organisations (orders, validation
//! decisions, responses): a detached JWS (RFC 7515, appendix F) with EdDSA (Ed25519, RFC 8037)
//! over the RFC 8785 canonical JSON of the document. The key is never in the database; its
//! public half is recorded there when first used, so that the JWKS (`GET /signing-keys`) keeps
//! every key that ever signed and a signature can be checked years later, after rotations.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::keys::Ed25519Key;

pub struct DocumentSigner {
    key: Ed25519Key,
    kid: String,
    /// No key configured: one made at start-up (its public key is still published).
    pub ephemeral: bool,
}

impl DocumentSigner {
    /// From a 32-byte Ed25519 seed in base64, a `pkcs11:` URI of a key on a token, or a new
    /// random key when none is configured.
    pub fn new(key: Option<&str>) -> Result<Self, String> {
        let (key, ephemeral) = Ed25519Key::load(key, "the document signing key")?;
        Ok(DocumentSigner { kid: key_id(key.public_key()), key, ephemeral })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_key(&self) -> &[u8] {
        self.key.public_key()
    }

    /// Where the key is kept (a seed, or which token), never the key.
    pub fn source(&self) -> String {
        self.key.source()
    }

    /// The detached compact JWS over `payload` (the canonical JSON text): `header..signature`.
    /// To verify, put `BASE64URL(payload)` between the two dots. A token that does not answer
    /// is a 503: nothing is written unsigned.
    pub fn sign_detached(&self, payload: &str) -> Result<String, ApiError> {
        let header = serde_json::json!({"alg": "EdDSA", "kid": self.kid, "typ": "JOSE", "cty": "json"});
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
        let signature = self
            .key
            .sign(input.as_bytes())
            .map_err(|e| super::keys::cannot_sign("the platform's document signing key", e))?;
        Ok(format!("{header}..{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// A key's id: the RFC 7638 thumbprint of its public JWK, base64url. A published key whose id
/// is not its thumbprint is not a key this platform made.
pub fn key_id(public_key: &[u8]) -> String {
    let x = URL_SAFE_NO_PAD.encode(public_key);
    let thumbprint = Sha256::digest(format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#).as_bytes());
    URL_SAFE_NO_PAD.encode(thumbprint)
}

/// Verifies a detached compact JWS over `payload` against published JWKs: the key its header
/// names (`kid`), EdDSA only. Returns the key's id, or why it does not verify.
pub fn verify_detached(keys: &[serde_json::Value], payload: &str, jws: &str) -> Result<String, &'static str> {
    use ring::signature::{UnparsedPublicKey, ED25519};
    let mut parts = jws.trim().split('.');
    let (Some(header), Some(""), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a detached compact JWS (header..signature)");
    };
    let decoded = URL_SAFE_NO_PAD.decode(header).map_err(|_| "the header is not base64url")?;
    let header_json: serde_json::Value = serde_json::from_slice(&decoded).map_err(|_| "the header is not JSON")?;
    if header_json["alg"] != "EdDSA" {
        return Err("not an EdDSA signature");
    }
    let kid = header_json["kid"].as_str().ok_or("the header names no key")?;
    let key = keys.iter().find(|k| k["kid"] == kid).ok_or("signed with a key this platform does not publish")?;
    let public = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap_or("")).map_err(|_| "a published key is malformed")?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| "the signature is not base64url")?;
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    UnparsedPublicKey::new(&ED25519, public)
        .verify(input.as_bytes(), &signature)
        .map_err(|_| "the signature does not match the document")?;
    Ok(kid.to_string())
}

/// The published keys: the current one and the earlier ones configured after rotations
/// (`CYBERBRIDGE_SIGNING_PREVIOUS_KEYS`, base64). Only configured keys: nothing in the database
/// adds one.
pub fn published(current: &DocumentSigner, previous: &[String]) -> Result<Vec<serde_json::Value>, String> {
    let mut keys = vec![jwk(current.kid(), current.public_key())];
    for text in previous {
        let key = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or("CYBERBRIDGE_SIGNING_PREVIOUS_KEYS: each key is an Ed25519 public key, 32 bytes in base64")?;
        keys.push(jwk(&key_id(&key), &key));
    }
    Ok(keys)
}

/// A public key as a JWK (RFC 8037).
pub fn jwk(kid: &str, public_key: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public_key),
        "kid": kid, "alg": "EdDSA", "use": "sig",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ED25519};

    #[test]
    fn a_signed_document_verifies_and_a_changed_one_does_not() {
        let signer = DocumentSigner::new(Some(&base64::engine::general_purpose::STANDARD.encode([9u8; 32]))).unwrap();
        let keys = vec![jwk(signer.kid(), signer.public_key())];
        let jws = signer.sign_detached(r#"{"a":1}"#).unwrap();
        assert_eq!(verify_detached(&keys, r#"{"a":1}"#, &jws).unwrap(), signer.kid());
        assert!(verify_detached(&keys, r#"{"a":2}"#, &jws).is_err());
        assert!(verify_detached(&[], r#"{"a":1}"#, &jws).is_err());
        assert!(verify_detached(&keys, r#"{"a":1}"#, "x.y.z").is_err());
    }

    #[test]
    fn a_detached_signature_covers_the_header_and_the_payload() {
        let signer = DocumentSigner::new(Some(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))).unwrap();
        let jws = signer.sign_detached(r#"{"a":1}"#).unwrap();
        let (header, signature) = jws.split_once("..").unwrap();
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(r#"{"a":1}"#));
        let key = UnparsedPublicKey::new(&ED25519, signer.public_key());
        let sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
        assert!(key.verify(input.as_bytes(), &sig).is_ok());
        let changed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(r#"{"a":2}"#));
        assert!(key.verify(changed.as_bytes(), &sig).is_err());
        assert_eq!(jwk(signer.kid(), signer.public_key())["kid"], signer.kid());
    }
}
