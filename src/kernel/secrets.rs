//! Secrets the platform must be able to read back (webhook signing keys: the HMAC needs the key
//! itself, so a hash cannot stand in for it), encrypted at rest with ChaCha20-Poly1305 under a
//! key from the environment that is never in the database. Each value is bound to the row it
//! belongs to (its id is the associated data), so a value copied to another row does not open.
//! Stored as `enc:v1:` + base64(nonce || ciphertext || tag); a value without that prefix was
//! written before a key was configured and is read as it is (`cyberbridge serve` seals those
//! at start-up once a key is set).
//!
//! Rotation without downtime: every instance is given the new key and, as
//! `CYBERBRIDGE_SECRETS_PREVIOUS_KEY`, the old one; values open under either, and each start (or
//! `cyberbridge admin reseal-secrets`) seals again under the new key what the old one sealed.

use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};

const PREFIX: &str = "enc:v1:";

pub struct SecretBox {
    key: Option<LessSafeKey>,
    /// The key before a rotation: opens what it sealed, seals nothing.
    previous: Option<LessSafeKey>,
}

fn key(text: &str) -> Result<LessSafeKey, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("the secrets key is not base64: {e}"))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
        .map_err(|_| "the secrets key must be 32 bytes (openssl rand -base64 32)".to_string())?;
    Ok(LessSafeKey::new(unbound))
}

impl SecretBox {
    /// From a 32-byte key in base64, or none (values are then stored as they are).
    pub fn new(key_base64: Option<&str>) -> Result<Self, String> {
        Self::rotating(key_base64, None)
    }

    /// With the key before a rotation, which still opens what it sealed.
    pub fn rotating(key_base64: Option<&str>, previous_base64: Option<&str>) -> Result<Self, String> {
        let previous = previous_base64.map(key).transpose()?;
        if previous.is_some() && key_base64.is_none() {
            return Err("CYBERBRIDGE_SECRETS_PREVIOUS_KEY is set without CYBERBRIDGE_SECRETS_KEY".into());
        }
        Ok(SecretBox { key: key_base64.map(key).transpose()?, previous })
    }

    pub fn encrypts(&self) -> bool {
        self.key.is_some()
    }

    /// The value to store for `plain`, bound to `owner` (the row's id).
    pub fn seal(&self, owner: &[u8], plain: &str) -> String {
        let Some(key) = &self.key else { return plain.to_string() };
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let mut data = plain.as_bytes().to_vec();
        // Sealing fails only for inputs of gigabytes; a secret is a few dozen bytes.
        if key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(owner), &mut data).is_err()
        {
            return plain.to_string();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// The plain value of a stored one (as it is when it was never sealed).
    pub fn open(&self, owner: &[u8], stored: &str) -> Result<String, String> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let key = self.key.as_ref().ok_or("the secret is encrypted and CYBERBRIDGE_SECRETS_KEY is not set")?;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| "a stored secret is corrupt")?;
        let plain = open_with(key, owner, &bytes)
            .or_else(|| self.previous.as_ref().and_then(|previous| open_with(previous, owner, &bytes)))
            .ok_or("a stored secret does not open with CYBERBRIDGE_SECRETS_KEY (another key, or another row's)")?;
        String::from_utf8(plain).map_err(|_| "a stored secret is corrupt".into())
    }

    /// Whether a stored value must be sealed again: stored plain while a key is set, or sealed
    /// under the previous key.
    pub fn needs_sealing(&self, owner: &[u8], stored: &str) -> bool {
        let Some(key) = &self.key else { return false };
        let Some(encoded) = stored.strip_prefix(PREFIX) else { return true };
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else { return false };
        open_with(key, owner, &bytes).is_none()
            && self.previous.as_ref().is_some_and(|previous| open_with(previous, owner, &bytes).is_some())
    }

    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

/// The plain bytes of nonce || ciphertext || tag under `key`, or none.
fn open_with(key: &LessSafeKey, owner: &[u8], bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut sealed = sealed.to_vec();
    key.open_in_place(nonce, Aad::from(owner), &mut sealed).ok().map(|plain| plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_row() {
        let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let sealed_box = SecretBox::new(Some(&key)).unwrap();
        let stored = sealed_box.seal(b"row-1", "whsec_abc");
        assert!(SecretBox::is_sealed(&stored) && !stored.contains("whsec_abc"));
        assert_eq!(sealed_box.open(b"row-1", &stored).unwrap(), "whsec_abc");
        assert!(sealed_box.open(b"row-2", &stored).is_err(), "bound to its row");
        let other = SecretBox::new(Some(&base64::engine::general_purpose::STANDARD.encode([8u8; 32]))).unwrap();
        assert!(other.open(b"row-1", &stored).is_err());
        assert!(SecretBox::new(None).unwrap().open(b"row-1", &stored).is_err());
        assert_eq!(SecretBox::new(None).unwrap().open(b"row-1", "whsec_plain").unwrap(), "whsec_plain");
        assert!(SecretBox::new(Some("c2hvcnQ=")).is_err());
    }

    #[test]
    fn after_a_rotation_both_keys_open_and_only_the_old_ones_values_need_sealing_again() {
        let old_key = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let new_key = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        let old = SecretBox::new(Some(&old_key)).unwrap();
        let stored_old = old.seal(b"row", "whsec_old");
        let rotating = SecretBox::rotating(Some(&new_key), Some(&old_key)).unwrap();
        let stored_new = rotating.seal(b"row", "whsec_new");
        assert_eq!(rotating.open(b"row", &stored_old).unwrap(), "whsec_old");
        assert_eq!(rotating.open(b"row", &stored_new).unwrap(), "whsec_new");
        assert!(rotating.needs_sealing(b"row", &stored_old));
        assert!(rotating.needs_sealing(b"row", "whsec_plain"));
        assert!(!rotating.needs_sealing(b"row", &stored_new));
        assert!(!rotating.needs_sealing(b"other-row", &stored_old), "not this row's: left to fail loudly");
        assert!(SecretBox::new(Some(&new_key)).unwrap().open(b"row", &stored_old).is_err());
        assert!(SecretBox::rotating(None, Some(&old_key)).is_err());
    }
}
