//! Indicator types and their normalisation: each value is parsed, checked (checksums where the
//! format has one) and rewritten to one canonical form, so that the same account, address or
//! domain seen by two organisations is one stored value.

use std::net::{Ipv4Addr, Ipv6Addr};

use iban::IbanLike;
use sha2::{Digest, Sha256};

use super::Country;

text_enum! {
    /// The kind of an observable.
    IndicatorType {
        Iban = "iban",
        Bic = "bic",
        BankAccount = "bank_account",
        Ipv4 = "ipv4",
        Ipv6 = "ipv6",
        Domain = "domain",
        Url = "url",
        Email = "email",
        Phone = "phone",
        CryptoWallet = "crypto_wallet",
        Sha256 = "sha256",
        Username = "username",
    }
}

impl IndicatorType {
    /// How long a sighting of a value of this type stays current, from the last time its
    /// report saw it, unless the reporter says otherwise: addresses are reassigned within
    /// weeks, URLs and domains taken down within months, accounts and numbers last longer.
    pub fn default_validity_days(self) -> i64 {
        match self {
            IndicatorType::Ipv4 | IndicatorType::Ipv6 => 30,
            IndicatorType::Url => 90,
            IndicatorType::Domain => 180,
            IndicatorType::Sha256 => 730,
            IndicatorType::Iban
            | IndicatorType::Bic
            | IndicatorType::BankAccount
            | IndicatorType::Email
            | IndicatorType::Phone
            | IndicatorType::CryptoWallet
            | IndicatorType::Username => 365,
        }
    }
}

/// A typed, normalised value.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRef {
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    pub value: String,
}

/// Default confidence of a reported value (0-100) when the reporter gives none.
pub const DEFAULT_CONFIDENCE: i16 = 50;

/// Longest accepted raw value.
pub const MAX_VALUE_LEN: usize = 2048;

/// A value named by a path's `{type}/{value}`, normalised; a wrong part is named (`type`, `value`).
pub fn from_path(t: &str, raw: &str) -> Result<(IndicatorType, String), super::Invalid> {
    let t: IndicatorType = t.parse().map_err(|e: String| super::Invalid::field("type", e))?;
    let value = normalize(t, raw).map_err(|e| super::Invalid::field("value", e))?;
    Ok((t, value))
}

/// The canonical form of `value` as an indicator of type `kind`, or why it is not one.
pub fn normalize(kind: IndicatorType, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.len() > MAX_VALUE_LEN {
        return Err(format!("must be at most {MAX_VALUE_LEN} characters"));
    }
    match kind {
        IndicatorType::Iban => iban(v),
        IndicatorType::Bic => bic(v),
        IndicatorType::BankAccount => bank_account(v),
        IndicatorType::Ipv4 => v.parse::<Ipv4Addr>().map(|a| a.to_string()).map_err(|_| "not an IPv4 address".into()),
        IndicatorType::Ipv6 => v
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<Ipv6Addr>()
            .map(|a| a.to_string())
            .map_err(|_| "not an IPv6 address".into()),
        IndicatorType::Domain => domain(v),
        IndicatorType::Url => url(v),
        IndicatorType::Email => email(v),
        IndicatorType::Phone => phone(v),
        IndicatorType::CryptoWallet => crypto_wallet(v),
        IndicatorType::Sha256 => sha256(v),
        IndicatorType::Username => username(v),
    }
}

/// The type of a value written in one field, recognised from its form, with its canonical
/// value: a URL (a scheme), an e-mail address, an IP address, a phone number (`+` or `00`), a
/// SHA-256, an IBAN, a wallet, a BIC, a domain, `platform:handle` or `COUNTRY:NUMBER`. The
/// first type whose checks it passes wins; `None` when none does (then the caller names it).
pub fn recognise(value: &str) -> Option<(IndicatorType, String)> {
    use IndicatorType::*;
    // A value pasted from a defanged report, a `tel:` or `mailto:` link.
    let refanged = value.trim().replace("[.]", ".").replace("(.)", ".").replace("[@]", "@").replace("[:]", ":");
    let lower = refanged.to_ascii_lowercase();
    let refanged = match lower.split_once("://") {
        Some(("hxxp", _)) | Some(("hxxps", _)) | Some(("fxp", _)) => {
            let (scheme, rest) = refanged.split_once("://").unwrap_or_default();
            let scheme = match scheme.to_ascii_lowercase().as_str() {
                "hxxp" => "http",
                "hxxps" => "https",
                _ => "ftp",
            };
            format!("{scheme}://{rest}")
        }
        _ => refanged,
    };
    let v = ["tel:", "mailto:"]
        .iter()
        .find_map(|p| lower.strip_prefix(p).map(|_| refanged[p.len()..].trim().to_string()))
        .unwrap_or(refanged);
    let v = v.as_str();
    let hex64 = v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit());
    // `host:port`: the host.
    if let Some((host, port)) = v.split_once(':') {
        if !host.contains('/') && !host.contains('@') && port.parse::<u16>().is_ok() {
            if let Some(found) = [Ipv4, Domain].iter().find_map(|t| normalize(*t, host).ok().map(|n| (*t, n))) {
                return Some(found);
            }
        }
    }
    let compact: String = v.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let letters_then_digits = compact.len() >= 15
        && compact.chars().take(2).all(|c| c.is_ascii_alphabetic())
        && compact.chars().skip(2).take(2).all(|c| c.is_ascii_digit());
    // A BIC is written in capitals: an eight-letter word in lower case ("training") is none.
    let general: &[IndicatorType] = if v.chars().any(|c| c.is_ascii_lowercase()) {
        &[Ipv4, Ipv6, Sha256, CryptoWallet, Domain, BankAccount, Username]
    } else {
        &[Ipv4, Ipv6, Sha256, CryptoWallet, Bic, Domain, BankAccount, Username]
    };
    let order: Vec<IndicatorType> = if v.contains("://") {
        vec![Url]
    } else if v.contains('@') && !v.contains(':') {
        vec![Email]
    } else if !hex64 && (v.starts_with('+') || (v.starts_with("00") && v.len() > 6 && !v.contains('.'))) {
        vec![Phone]
    } else if letters_then_digits {
        [Iban].iter().chain(general).copied().collect()
    } else {
        general.to_vec()
    };
    order.iter().find_map(|t| normalize(*t, v).ok().map(|n| (*t, n)))
}

text_value! {
    /// An IBAN (ISO 13616), checksum verified, upper case, without spaces.
    Iban, example = "XK051212012345678906"
}

impl Iban {
    pub fn parse(value: &str) -> Result<Self, String> {
        iban(value.trim()).map(Iban)
    }

    /// The ISO country code it starts with.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The national part after the check digits, which starts with the bank code.
    pub fn bban(&self) -> &str {
        &self.0[4..]
    }
}

text_value! {
    /// A BIC (ISO 9362), upper case; a primary office is written without `XXX`.
    Bic, example = "BANKXKPR"
}

impl Bic {
    pub fn parse(value: &str) -> Result<Self, String> {
        bic(value.trim()).map(Bic)
    }

    /// Characters 5-6: the country.
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }

    /// The first 8 characters: the institution and its location.
    pub fn bic8(&self) -> &str {
        &self.0[..8]
    }
}

fn iban(v: &str) -> Result<String, String> {
    let compact: String =
        v.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    match compact.parse::<iban::Iban>() {
        Ok(parsed) => Ok(parsed.electronic_str().to_string()),
        Err(iban::ParseIbanError::InvalidBaseIban { source: iban::ParseBaseIbanError::InvalidChecksum }) => {
            Err("IBAN checksum failed".into())
        }
        Err(e) => Err(format!("not a valid IBAN: {e}")),
    }
}

fn bic(v: &str) -> Result<String, String> {
    let b = v.to_ascii_uppercase();
    let bytes = b.as_bytes();
    let ok = (bytes.len() == 8 || bytes.len() == 11)
        && bytes[..6].iter().all(|c| c.is_ascii_uppercase())
        && bytes[6..].iter().all(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err("not a BIC (ISO 9362: 8 or 11 characters)".into());
    }
    Country::parse(&b[4..6]).map_err(|_| "the BIC's country code (characters 5-6) is unknown".to_string())?;
    // A primary office is the same institution written with or without `XXX`.
    Ok(b.strip_suffix("XXX").map(str::to_string).unwrap_or(b))
}

/// `CC:number` (or `CC number`): ISO country and the account number, letters and digits only.
fn bank_account(v: &str) -> Result<String, String> {
    let (country, number) =
        v.split_once(':').or_else(|| v.split_once(' ')).ok_or("write it as COUNTRY:NUMBER, e.g. US:000123456789")?;
    let country = Country::parse(country)?;
    let number: String =
        number.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/')).collect::<String>().to_ascii_uppercase();
    if number.is_empty() || number.len() > 34 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("the account number must be 1 to 34 letters or digits".into());
    }
    Ok(format!("{country}:{number}"))
}

fn domain(v: &str) -> Result<String, String> {
    let d = v.trim_end_matches('.');
    let ascii = idna::domain_to_ascii(d).map_err(|_| "not a valid (internationalised) domain name".to_string())?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let ok = labels.len() >= 2
        && ascii.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        && !labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(ascii)
    } else {
        Err("not a valid domain name".into())
    }
}

fn url(v: &str) -> Result<String, String> {
    let parsed = url::Url::parse(v).map_err(|e| format!("not a valid absolute URL: {e}"))?;
    match parsed.host() {
        Some(url::Host::Domain(_)) | Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_)) => {}
        None => return Err("the URL has no host".into()),
    }
    let mut parsed = parsed;
    parsed.set_fragment(None);
    // The url crate lower-cases scheme and host and converts IDN hosts to punycode.
    Ok(parsed.to_string())
}

fn email(v: &str) -> Result<String, String> {
    let (local, host) = v.rsplit_once('@').ok_or("not an e-mail address")?;
    if local.is_empty() || local.len() > 64 || local.chars().any(|c| c.is_whitespace() || c == '@' || c.is_control()) {
        return Err("not an e-mail address".into());
    }
    let host = domain(host).map_err(|_| "the e-mail address's domain is not valid".to_string())?;
    Ok(format!("{local}@{host}"))
}

fn phone(v: &str) -> Result<String, String> {
    if !v.starts_with('+') && !v.starts_with("00") {
        return Err("give the number in international form, starting with + and the country code".into());
    }
    let number = phonenumber::parse(None, v.replacen("00", "+", usize::from(v.starts_with("00"))))
        .map_err(|e| format!("not a phone number: {e}"))?;
    if !number.is_valid() {
        return Err("not a valid phone number for its country code".into());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// `chain:address` (`btc:bc1q...`, `eth:0x...`), or an address whose chain is recognisable.
fn crypto_wallet(v: &str) -> Result<String, String> {
    let (chain, address) = match v.split_once(':') {
        Some((c, a)) => (c.to_ascii_lowercase(), a.trim().to_string()),
        None if v.starts_with("0x") || v.starts_with("0X") => ("eth".to_string(), v.to_string()),
        None => ("btc".to_string(), v.to_string()),
    };
    match chain.as_str() {
        "btc" | "bitcoin" => bitcoin_address(&address).map(|a| format!("btc:{a}")),
        "eth" | "ethereum" => {
            let hex = address.strip_prefix("0x").or_else(|| address.strip_prefix("0X")).unwrap_or(&address);
            if hex.len() == 40 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(format!("eth:0x{}", hex.to_ascii_lowercase()))
            } else {
                Err("an Ethereum address is 0x followed by 40 hex digits".into())
            }
        }
        other => Err(format!("unsupported chain `{other}`; use btc or eth")),
    }
}

fn bitcoin_address(a: &str) -> Result<String, String> {
    let lower = a.to_ascii_lowercase();
    if lower.starts_with("bc1") || lower.starts_with("tb1") {
        let (_hrp, _version, program) = bech32::segwit::decode(a).map_err(|e| format!("bech32 check failed: {e}"))?;
        if !(program.len() == 20 || program.len() == 32) {
            return Err("bech32 witness program of unexpected length".into());
        }
        return Ok(lower);
    }
    let bytes = bs58::decode(a).with_check(None).into_vec().map_err(|_| "base58check failed".to_string())?;
    match bytes.first() {
        Some(0x00 | 0x05 | 0x6f | 0xc4) if bytes.len() == 21 => Ok(a.to_string()),
        _ => Err("not a Bitcoin address".into()),
    }
}

fn sha256(v: &str) -> Result<String, String> {
    if v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(v.to_ascii_lowercase())
    } else {
        Err("a SHA-256 is 64 hex digits".into())
    }
}

/// `platform:handle`, both lower-cased, the handle without a leading `@`.
fn username(v: &str) -> Result<String, String> {
    let (platform, handle) = v.split_once(':').ok_or("write it as PLATFORM:HANDLE, e.g. telegram:@fast_refunds")?;
    let platform = platform.trim().to_lowercase();
    let handle = handle.trim().trim_start_matches('@').to_lowercase();
    let valid = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && !s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if !valid(&platform, 40) || !platform.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return Err("the platform must be a short name such as telegram or instagram".into());
    }
    if !valid(&handle, 200) {
        return Err("the handle must be 1 to 200 characters without spaces".into());
    }
    Ok(format!("{platform}:{handle}"))
}

/// An ipv4/ipv6 CIDR network (`192.0.2.0/24`), canonical with host bits cleared.
pub fn network(kind: IndicatorType, value: &str) -> Result<String, String> {
    let (addr, prefix) = value.trim().split_once('/').ok_or("not a CIDR network")?;
    let prefix: u32 = prefix.parse().map_err(|_| "the prefix length must be a number".to_string())?;
    match kind {
        IndicatorType::Ipv4 => {
            let a: Ipv4Addr = addr.parse().map_err(|_| "not an IPv4 network".to_string())?;
            if prefix > 32 {
                return Err("an IPv4 prefix is at most 32".into());
            }
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            Ok(format!("{}/{prefix}", Ipv4Addr::from(u32::from(a) & mask)))
        }
        IndicatorType::Ipv6 => {
            let a: Ipv6Addr = addr.parse().map_err(|_| "not an IPv6 network".to_string())?;
            if prefix > 128 {
                return Err("an IPv6 prefix is at most 128".into());
            }
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            Ok(format!("{}/{prefix}", Ipv6Addr::from(u128::from(a) & mask)))
        }
        _ => Err("only ipv4 and ipv6 entries may be networks".into()),
    }
}

/// A stable fingerprint of a normalised value (used in audit details of large batches).
pub fn fingerprint(kind: IndicatorType, value: &str) -> String {
    hex::encode(&Sha256::digest(format!("{kind}:{value}").as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::recognise;

    #[test]
    fn a_value_written_in_one_field_is_recognised_and_made_canonical() {
        use super::IndicatorType::*;
        let cases = [
            ("XK05 1212 0123 4567 8906", Iban, "XK051212012345678906"),
            ("https://Secure-Bank.example/login#x", Url, "https://secure-bank.example/login"),
            ("Victim@Example.ORG", Email, "Victim@example.org"),
            ("192.0.2.7", Ipv4, "192.0.2.7"),
            ("2001:DB8::1", Ipv6, "2001:db8::1"),
            ("+383 44 123 456", Phone, "+38344123456"),
            ("00383 44 123 456", Phone, "+38344123456"),
            ("secure-bank-login.example", Domain, "secure-bank-login.example"),
            ("DEUTDEFFXXX", Bic, "DEUTDEFF"),
            (
                "0x52908400098527886E0F7030069857D2E4169EE7",
                CryptoWallet,
                "eth:0x52908400098527886e0f7030069857d2e4169ee7",
            ),
            ("telegram:@Fast_Refunds", Username, "telegram:fast_refunds"),
            ("US:000123456789", BankAccount, "US:000123456789"),
        ];
        for (raw, t, canonical) in cases {
            assert_eq!(recognise(raw), Some((t, canonical.to_string())), "{raw}");
        }
        let hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(recognise(hash), Some((Sha256, hash.to_ascii_lowercase())));
        // Defanged, linked or with a port, as analysts paste them.
        assert_eq!(recognise("hxxps://evil[.]example/login"), Some((Url, "https://evil.example/login".into())));
        assert_eq!(recognise("mule[@]example[.]org"), Some((Email, "mule@example.org".into())));
        assert_eq!(recognise("tel:+38344123456"), Some((Phone, "+38344123456".into())));
        assert_eq!(recognise("mailto:a@b.org"), Some((Email, "a@b.org".into())));
        assert_eq!(recognise("192.0.2.7:443"), Some((Ipv4, "192.0.2.7".into())));
        assert_eq!(recognise("example.com:8080"), Some((Domain, "example.com".into())));
        let zeros = format!("00{}", &hash[2..]).to_ascii_lowercase();
        assert_eq!(recognise(&zeros), Some((Sha256, zeros.clone())));
        assert_eq!(recognise("my24bank-login.com"), Some((Domain, "my24bank-login.com".into())));
        for nothing in ["", "hello", "XK05 1212 0123 4567 8907", "12345", "training", "Deutdeff"] {
            assert_eq!(recognise(nothing), None, "{nothing}");
        }
    }

    use super::{network, normalize, IndicatorType};
    use IndicatorType::*;

    #[test]
    fn ibans_of_several_countries_are_checked_and_compacted() {
        assert_eq!(normalize(Iban, "XK05 1212 0123 4567 8906").unwrap(), "XK051212012345678906");
        assert_eq!(normalize(Iban, "de89 3704 0044 0532 0130 00").unwrap(), "DE89370400440532013000");
        assert_eq!(normalize(Iban, "GB82WEST12345698765432").unwrap(), "GB82WEST12345698765432");
        assert_eq!(normalize(Iban, "FR14 2004 1010 0505 0001 3M02 606").unwrap(), "FR1420041010050500013M02606");
        assert_eq!(normalize(Iban, "AL47 2121 1009 0000 0002 3569 8741").unwrap(), "AL47212110090000000235698741");
        assert_eq!(normalize(Iban, "XK05 1212 0123 4567 8907").unwrap_err(), "IBAN checksum failed");
        assert!(normalize(Iban, "ZZ00 1234").is_err());
    }

    #[test]
    fn network_values_are_canonical() {
        assert_eq!(normalize(Ipv4, " 192.0.2.10 ").unwrap(), "192.0.2.10");
        assert!(normalize(Ipv4, "192.0.2.300").is_err());
        assert!(normalize(Ipv4, "192.000.2.1").is_err());
        assert_eq!(normalize(Ipv6, "2001:0DB8:0000:0000:0000:0000:0000:0001").unwrap(), "2001:db8::1");
        assert_eq!(normalize(Domain, "Secure-Bank-Login.EXAMPLE.").unwrap(), "secure-bank-login.example");
        assert_eq!(normalize(Domain, "bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(normalize(Domain, "пример.испытание").unwrap(), "xn--e1afmkfd.xn--80akhbyknj4f");
        assert!(normalize(Domain, "no_tld").is_err());
        assert!(normalize(Domain, "a..b").is_err());
        assert_eq!(
            normalize(Url, "HTTPS://Login.Bücher.Example/Path?q=1#frag").unwrap(),
            "https://login.xn--bcher-kva.example/Path?q=1"
        );
        assert!(normalize(Url, "not a url").is_err());
        assert_eq!(normalize(Email, "Refunds@Bank-Support.EXAMPLE").unwrap(), "Refunds@bank-support.example");
        assert!(normalize(Email, "no-at.example").is_err());
    }

    #[test]
    fn phones_wallets_and_others() {
        assert_eq!(normalize(Phone, "+383 44 123 456").unwrap(), "+38344123456");
        assert_eq!(normalize(Phone, "0049 30 901820").unwrap(), "+4930901820");
        assert!(normalize(Phone, "044 123 456").is_err());
        assert!(normalize(Phone, "+1 000").is_err());
        assert_eq!(
            normalize(CryptoWallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").unwrap(),
            "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
        );
        assert_eq!(
            normalize(CryptoWallet, "btc:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").unwrap(),
            "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        );
        assert!(normalize(CryptoWallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3").is_err());
        assert!(normalize(CryptoWallet, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5").is_err());
        assert_eq!(
            normalize(CryptoWallet, "0x52908400098527886E0F7030069857D2E4169EE7").unwrap(),
            "eth:0x52908400098527886e0f7030069857d2e4169ee7"
        );
        assert!(normalize(CryptoWallet, "eth:0x1234").is_err());
        assert_eq!(normalize(Bic, "bankxkprxxx").unwrap(), "BANKXKPR");
        assert!(normalize(Bic, "BANKZZPR").is_err());
        assert_eq!(normalize(BankAccount, "us: 0001-2345-6789").unwrap(), "US:000123456789");
        assert_eq!(normalize(Sha256, &"AB".repeat(32)).unwrap(), "ab".repeat(32));
        assert!(normalize(Sha256, "abc").is_err());
        assert_eq!(normalize(Username, "Telegram:@Fast_Refunds").unwrap(), "telegram:fast_refunds");
        assert!(normalize(Username, "nohandle").is_err());
        assert_eq!(network(Ipv4, "192.0.2.77/24").unwrap(), "192.0.2.0/24");
        assert_eq!(network(Ipv6, "2001:db8::1/32").unwrap(), "2001:db8::/32");
        assert!(network(Ipv4, "192.0.2.0/33").is_err());
        assert!(network(Domain, "a.example/8").is_err());
    }
}
