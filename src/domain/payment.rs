//! The identifiers a payment network gives a transfer, as an alert carries them so that a
//! fraud desk matches the alert to the payment and to the recall it sends on its network:
//! the UETR (SWIFT gpi, ISO 20022 `UETR`: a UUID version 4) and the end-to-end identification
//! (ISO 20022 `EndToEndId`, `Max35Text`).

/// A UETR in its canonical form (lower case), or why the text is none: ISO 20022's
/// `UUIDv4Identifier`, `[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}`.
pub fn uetr(text: &str) -> Result<String, String> {
    let v = text.trim().to_ascii_lowercase();
    let b = v.as_bytes();
    let shape = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if !shape {
        return Err("must be a UETR: 36 characters, hexadecimal digits in groups 8-4-4-4-12".into());
    }
    if b[14] != b'4' || !matches!(b[19], b'8' | b'9' | b'a' | b'b') {
        return Err("must be a UETR: a UUID of version 4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)".into());
    }
    Ok(v)
}

/// An end-to-end identification as the payer gave it: 1 to 35 printable characters (ISO 20022
/// `Max35Text`), trimmed. `NOTPROVIDED`, the placeholder of schemes where the payer gave none,
/// is refused: an alert without one leaves the field out.
pub fn end_to_end_id(text: &str) -> Result<String, String> {
    let v = text.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.chars().count() > 35 {
        return Err("must be at most 35 characters (ISO 20022 Max35Text)".into());
    }
    if v.chars().any(|c| c.is_control() || super::check::is_bidi_control(c)) {
        return Err("must be printable characters only".into());
    }
    if v.eq_ignore_ascii_case("NOTPROVIDED") {
        return Err("is the scheme's placeholder for none: leave the field out".into());
    }
    Ok(v.to_string())
}

/// A payment reference as a desk types it into one search field: a UETR when it has a UETR's
/// form, otherwise an end-to-end identification.
pub enum PaymentId {
    Uetr(String),
    EndToEnd(String),
}

impl PaymentId {
    pub fn recognise(text: &str) -> Result<PaymentId, String> {
        match uetr(text) {
            Ok(u) => Ok(PaymentId::Uetr(u)),
            Err(_) => end_to_end_id(text).map(PaymentId::EndToEnd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uetr_is_a_version_4_uuid_kept_in_lower_case() {
        assert_eq!(uetr(" EB6305C9-1F7F-49DE-AED0-16487C27B42D ").unwrap(), "eb6305c9-1f7f-49de-aed0-16487c27b42d");
        // Version 1, a wrong variant, a wrong shape.
        assert!(uetr("eb6305c9-1f7f-19de-aed0-16487c27b42d").is_err());
        assert!(uetr("eb6305c9-1f7f-49de-ced0-16487c27b42d").is_err());
        assert!(uetr("eb6305c91f7f49deaed016487c27b42d").is_err());
        assert!(uetr("eb6305c9-1f7f-49de-aed0-16487c27b42g").is_err());
    }

    #[test]
    fn an_end_to_end_id_is_max35text() {
        assert_eq!(end_to_end_id(" E2E-2026-0001 ").unwrap(), "E2E-2026-0001");
        assert!(end_to_end_id(&"x".repeat(35)).is_ok());
        assert!(end_to_end_id(&"x".repeat(36)).is_err());
        assert!(end_to_end_id("NOTPROVIDED").is_err());
        assert!(end_to_end_id("a\u{202e}b").is_err());
        assert!(matches!(PaymentId::recognise("EB6305C9-1F7F-49DE-AED0-16487C27B42D"), Ok(PaymentId::Uetr(_))));
        assert!(matches!(PaymentId::recognise("INV-4711"), Ok(PaymentId::EndToEnd(_))));
    }
}
