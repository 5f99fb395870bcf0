//! The key that signs the audit chain's head (Ed25519). It is never in the database: whoever
//! can rewrite the audit table cannot sign a head for the rewritten chain, while anyone with
//! the public key (`GET /audit/public-key`) can check one.

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use sha2::{Digest, Sha256};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

pub struct AuditSigner {
    pair: Ed25519KeyPair,
    /// Whether the key was made at start-up (no key configured): heads it signed cannot be
    /// checked after a restart.
    pub ephemeral: bool,
}

impl AuditSigner {
    /// From a 32-byte seed given in base64 (the environment variable or the file's content),
    /// or a new random one when none is configured.
    pub fn new(seed_base64: Option<&str>) -> Result<Self, String> {
        let (seed, ephemeral) = match seed_base64 {
            Some(text) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|e| format!("the audit signing key is not base64: {e}"))?;
                let seed: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| "the audit signing key must be 32 bytes (an Ed25519 seed)".to_string())?;
                (seed, false)
            }
            None => (rand::random::<[u8; 32]>(), true),
        };
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|e| format!("audit signing key: {e}"))?;
        Ok(AuditSigner { pair, ephemeral })
    }

    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// The first 16 hex digits of the public key's SHA-256.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.public_key())[..8])
    }

    /// The public key as PEM (SubjectPublicKeyInfo), as `openssl pkeyutl -verify` takes it.
    pub fn public_key_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.public_key());
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
    }

    /// Signs a head; the signature is base64.
    pub fn sign(&self, id: i64, hash: &[u8], at: DateTime<Utc>) -> String {
        let message = head_message(id, hash, at);
        base64::engine::general_purpose::STANDARD.encode(self.pair.sign(message.as_bytes()).as_ref())
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
        let sig = signer.sign(42, &[1; 32], at);
        assert!(verify(signer.public_key(), 42, &[1; 32], at, &sig));
        assert!(!verify(signer.public_key(), 43, &[1; 32], at, &sig));
        assert!(!verify(signer.public_key(), 42, &[2; 32], at, &sig));
        let other = AuditSigner::new(None).unwrap();
        assert!(other.ephemeral);
        assert!(!verify(other.public_key(), 42, &[1; 32], at, &sig));
        assert!(signer.public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
        assert!(AuditSigner::new(Some("c2hvcnQ=")).is_err());
    }
}
