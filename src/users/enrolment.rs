//! Enrolment links: how an account reaches its owner without anyone else knowing its password.
//!
//! An account is made without a password. Whoever made it is shown, once, a single-use token
//! (256 random bits, stored only as a hash, valid 72 hours) to hand to the owner, who redeems
//! it with a password of their own (`POST /auth/enrolment`) and then enrols a second factor
//! where their role or organisation needs one. A reset by an administrator works the same way.
//!
//! Where two platform admins make an account (an organisation's first org_admin, a platform
//! admin), the token is split: the filer is shown the first part when filing, the approver the
//! second when approving, and only the two together redeem it. The first part's hash waits in
//! the approval; the stored key is `sha256(sha256(part 1) || part 2)`, the same function for a
//! whole token (its first 22 characters are "part 1").

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::text_enum;

/// Hours an enrolment link stays valid.
pub const VALID_HOURS: i64 = 72;
/// Characters of a token's first part (16 random bytes, base64url).
const PART_CHARS: usize = 22;

text_enum! {
    /// Why a link was made.
    EnrolmentPurpose {
        /// A new account.
        Account = "account",
        /// A password reset by an administrator.
        Reset = "reset",
    }
}

/// A single-use enrolment link, shown this once: hand the token to its owner, who sets their
/// password with it at `POST /api/v1/auth/enrolment`.
#[derive(Serialize, ToSchema, Debug, Clone)]
#[schema(example = json!({"token": "Qm9vdHN0cmFwX3Rva2VuX2V4YW1wbGVfb2ZfNDNfY2hhcnM", "expires_at": "2026-12-09T10:00:00Z"}))]
pub struct EnrolmentLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn random_part(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A whole token (256 bits) and its stored key.
pub fn whole() -> (String, Vec<u8>) {
    let token = random_part(32);
    let key = key(&token).unwrap_or_default();
    (token, key)
}

/// A first part (128 bits), shown to the filer, and its hash, kept in the approval.
pub fn first_part() -> (String, String) {
    let part = random_part(16);
    let hash = hex::encode(Sha256::digest(part.as_bytes()));
    (part, hash)
}

/// A second part (128 bits), shown to the approver, and the stored key of the token it makes
/// with the first part whose hash (hex) the approval kept; `None` when that hash is unreadable.
pub fn second_part(first_hash: &str) -> Option<(String, Vec<u8>)> {
    let first = hex::decode(first_hash).ok().filter(|h| h.len() == 32)?;
    let part = random_part(16);
    let key = combine(&first, &part);
    Some((part, key))
}

fn combine(first_hash: &[u8], rest: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(first_hash);
    h.update(rest.as_bytes());
    h.finalize().to_vec()
}

/// The stored key of a token as its owner typed it (both parts one after the other); `None`
/// when it cannot be a token at all.
pub fn key(token: &str) -> Option<Vec<u8>> {
    let token = token.trim();
    let plausible = (PART_CHARS + 16..=PART_CHARS * 2 + 2).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plausible {
        return None;
    }
    let (first, rest) = token.split_at(PART_CHARS);
    Some(combine(&Sha256::digest(first.as_bytes()), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_token_redeems_only_with_both_parts_in_order() {
        let (one, hash) = first_part();
        let (two, stored) = second_part(&hash).unwrap();
        assert_eq!(one.len(), PART_CHARS);
        assert_eq!(key(&format!("{one}{two}")), Some(stored.clone()));
        assert_eq!(key(&format!(" {one}{two}\n")), Some(stored.clone()), "pasted with spaces");
        assert_ne!(key(&format!("{two}{one}")), Some(stored.clone()));
        assert_eq!(key(&one), None, "one part alone is no token");
        assert_eq!(key(&two), None);
        assert!(second_part("not hex").is_none());
    }

    #[test]
    fn a_whole_token_is_256_bits_and_keyed_the_same_way() {
        let (token, stored) = whole();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_eq!(key(&token), Some(stored));
        let (other, _) = whole();
        assert_ne!(token, other);
        assert_eq!(key("short"), None);
        assert_eq!(key(&format!("{}!", &token[..42])), None);
    }
}
