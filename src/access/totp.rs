//! Second factors: TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of
//! clock drift either way, through the `totp-rs` crate) and one-time recovery codes. Who must
//! enrol is `domain::MfaPolicy`.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const PERIOD: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// A new shared secret: 160 random bits, base32 as authenticator apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded encodes"),
    }
}

fn totp(secret: &str) -> Result<TOTP, String> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().map_err(|e| format!("stored secret: {e:?}"))?;
    TOTP::new(Algorithm::SHA1, DIGITS, 1, PERIOD, bytes).map_err(|e| format!("stored secret: {e}"))
}

/// The time step a code was made for, when it is right for the step of `now` or the one
/// before or after, and later than `last_step` (a code is never accepted twice).
pub fn accepts(secret: &str, code: &str, now_secs: u64, last_step: u64) -> Result<Option<u64>, String> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret)?;
    let now_step = now_secs / PERIOD;
    let mut found = None;
    // Every candidate is computed and compared, whichever matches.
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = totp.generate(step * PERIOD);
        let same = expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same && step > last_step && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

/// The code for `secret` at `now_secs` (tests and examples).
pub fn code_at(secret: &str, now_secs: u64) -> Result<String, String> {
    Ok(totp(secret)?.generate(now_secs))
}

/// The `otpauth://` URI an authenticator app reads (usually from a QR code).
pub fn otpauth_uri(secret: &str, issuer: &str, account: &str) -> String {
    // The label's parts percent-encoded (RFC 3986 unreserved characters kept), as the Key URI
    // format asks.
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        encode(issuer),
        encode(account),
        encode(issuer)
    )
}

/// Ten recovery codes, each `xxxxx-xxxxx` (50 random bits).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rng().fill_bytes(&mut bytes);
            let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its letters, without the dash or case.
pub fn recovery_hash(code: &str) -> Vec<u8> {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    crate::kernel::tokens::sha256(&normal)
}

/// Whether `code` looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238_and_are_accepted_once() {
        // RFC 6238, appendix B: SHA-1, secret "12345678901234567890", T = 59 s -> 94287082 (8 digits).
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
        let step = accepts(&secret, "287082", 59, 0).unwrap();
        assert_eq!(step, Some(1));
        assert_eq!(accepts(&secret, "287082", 59, 1).unwrap(), None, "a used step is not accepted again");
        assert_eq!(accepts(&secret, "287082", 59 + 30, 0).unwrap(), Some(1), "one step of drift");
        assert_eq!(accepts(&secret, "287082", 59 + 90, 0).unwrap(), None);
        assert_eq!(accepts(&secret, "28708", 59, 0).unwrap(), None);
        let fresh = new_secret();
        assert_eq!(fresh.len(), 32);
        let now = 1_800_000_000;
        assert!(accepts(&fresh, &code_at(&fresh, now).unwrap(), now, 0).unwrap().is_some());
        assert!(otpauth_uri(&fresh, "cyberbridge", "ana@bank.example")
            .starts_with("otpauth://totp/cyberbridge:ana%40bank.example?secret="));
    }

    #[test]
    fn recovery_codes_are_distinct_and_match_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::BTreeSet<_>>().len(), 10);
        assert!(is_recovery_code(&codes[0]) && !is_recovery_code("123456"));
        assert_eq!(recovery_hash(&codes[0]), recovery_hash(&codes[0].to_uppercase().replace('-', "")));
    }
}
