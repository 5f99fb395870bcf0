//! The key that signs the audit chain's head (Ed25519). It is never in the database: whoever
//! can rewrite the audit table cannot sign a head for the rewritten chain, while anyone with
//! the public key (`GET /audit/public-key`) can check one.

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use ring::signature::{UnparsedPublicKey, ED25519};
use sha2::{Digest, Sha256};

use crate::kernel::error::ApiError;
use crate::kernel::keys::Ed25519Key;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

pub struct AuditSigner {
    key: Ed25519Key,
    /// Whether the key was made at start-up (no key configured): heads it signed cannot be
    /// checked after a restart.
    pub ephemeral: bool,
}

impl AuditSigner {
    /// From a 32-byte seed given in base64 (the environment variable or the file's content), a
    /// `pkcs11:` URI of a key on a token, or a new random one when none is configured.
    pub fn new(key: Option<&str>) -> Result<Self, String> {
        let (key, ephemeral) = Ed25519Key::load(key, "the audit signing key")?;
        Ok(AuditSigner { key, ephemeral })
    }

    pub fn public_key(&self) -> &[u8] {
        self.key.public_key()
    }

    /// Where the key is kept (a seed, or which token), never the key.
    pub fn source(&self) -> String {
        self.key.source()
    }

    /// The first 16 hex digits of the public key's SHA-256.
    pub fn key_id(&self) -> String {
        key_id(self.public_key())
    }

    /// The public key as PEM (SubjectPublicKeyInfo), as `openssl pkeyutl -verify` takes it.
    pub fn public_key_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.public_key());
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
    }

    /// Signs a head; the signature is base64. A token that does not answer is a 503.
    pub fn sign(&self, id: i64, hash: &[u8], at: DateTime<Utc>) -> Result<String, ApiError> {
        let message = head_message(id, hash, at);
        let signature = self
            .key
            .sign(message.as_bytes())
            .map_err(|e| crate::kernel::keys::cannot_sign("the audit signing key", e))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature))
    }
}

/// An audit key's id: the first 16 hex digits of its public key's SHA-256.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(&Sha256::digest(public_key)[..8])
}

/// A public key from PEM (SubjectPublicKeyInfo, as `GET /audit/public-key` gives it) or bare
/// base64 (32 bytes).
pub fn public_key_from_text(text: &str) -> Result<Vec<u8>, String> {
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().concat();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| "an audit public key is neither PEM nor base64".to_string())?;
    match bytes.len() {
        32 => Ok(bytes),
        44 if bytes[..12] == SPKI_PREFIX => Ok(bytes[12..].to_vec()),
        _ => Err("an audit public key is not an Ed25519 key".into()),
    }
}

/// The exact text a head's signature covers: `cyberbridge-audit-head/v1`, the row id, the
/// row's chain hash in lower-case hex and the signing time (RFC 3339, seconds, `Z`), one per
/// line, no final newline.
pub fn head_message(id: i64, hash: &[u8], at: DateTime<Utc>) -> String {
    format!("cyberbridge-audit-head/v1\n{id}\n{}\n{}", hex::encode(hash), at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Whether `signature` (base64) is `public_key`'s signature of the head.
pub fn verify(public_key: &[u8], id: i64, hash: &[u8], at: DateTime<Utc>, signature: &str) -> bool {
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else { return false };
    UnparsedPublicKey::new(&ED25519, public_key).verify(head_message(id, hash, at).as_bytes(), &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_head_verifies_and_any_change_breaks_it() {
        let signer = AuditSigner::new(Some(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))).unwrap();
        assert!(!signer.ephemeral);
        let at = "2026-11-29T10:00:00Z".parse().unwrap();
        let sig = signer.sign(42, &[1; 32], at).unwrap();
        assert!(verify(signer.public_key(), 42, &[1; 32], at, &sig));
        assert!(!verify(signer.public_key(), 43, &[1; 32], at, &sig));
        assert!(!verify(signer.public_key(), 42, &[2; 32], at, &sig));
        let other = AuditSigner::new(None).unwrap();
        assert!(other.ephemeral);
        assert!(!verify(other.public_key(), 42, &[1; 32], at, &sig));
        assert!(signer.public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
        assert_eq!(public_key_from_text(&signer.public_key_pem()).unwrap(), signer.public_key());
        let bare = base64::engine::general_purpose::STANDARD.encode(signer.public_key());
        assert_eq!(public_key_from_text(&bare).unwrap(), signer.public_key());
        assert!(public_key_from_text("c2hvcnQ=").is_err());
        assert!(AuditSigner::new(Some("c2hvcnQ=")).is_err());
    }
}
