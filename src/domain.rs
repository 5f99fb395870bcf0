//! Small domain types parsed at the boundary, shared by several resources: organisation
//! kinds, roles, country codes, e-mail addresses, phone numbers, and a collector of field errors.

use crate::error::{ApiError, FieldError};

/// Declares a string enum with its snake_case wire and database form.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown value `{other}`; expected one of: {}", [$($text),+].join(", "))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// The kind of an organisation, which fixes what it may do.
    OrgKind {
        LawEnforcement = "law_enforcement",
        Prosecution = "prosecution",
        Fiu = "fiu",
        Isp = "isp",
        Bank = "bank",
        Regulator = "regulator",
        Platform = "platform",
    }
}

impl OrgKind {
    /// Law enforcement, prosecution and FIUs.
    pub fn is_public_sector(self) -> bool {
        matches!(self, OrgKind::LawEnforcement | OrgKind::Prosecution | OrgKind::Fiu)
    }
}

text_enum! {
    /// A user's role inside their organisation.
    Role {
        Member = "member",
        OrgAdmin = "org_admin",
    }
}

/// Parses a value read from the database; a bad one is a bug, not a client error.
pub fn from_db<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, ApiError> {
    s.parse().map_err(ApiError::Internal)
}

/// ISO 3166-1 alpha-2 codes, plus XK (Kosovo, user-assigned and in general use).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL \
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR \
LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK \
PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/// Validates an ISO 3166-1 alpha-2 country code (upper-cases it).
pub fn country(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code) {
        Ok(code)
    } else {
        Err(format!("`{value}` is not an ISO 3166-1 alpha-2 country code"))
    }
}

/// Validates an e-mail address loosely (one @, a dotted domain) and lower-cases its domain.
pub fn email(value: &str) -> Result<String, String> {
    let v = value.trim();
    let Some((local, domain)) = v.rsplit_once('@') else { return Err("must be an e-mail address".into()) };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty()
        || local.len() > 64
        || v.len() > 254
        || !domain_ok
        || local.chars().any(|c| c.is_whitespace() || c == '@')
    {
        return Err("must be an e-mail address".into());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Validates a phone number in E.164 form (`+` then 8 to 15 digits; spaces and dashes removed).
pub fn phone_e164(value: &str) -> Result<String, String> {
    let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0') {
        Ok(compact)
    } else {
        Err("must be a phone number in E.164 form, e.g. +38344123456".into())
    }
}

/// Collects field errors while a request body is parsed, then fails once with all of them.
#[derive(Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Keeps the parsed value, or records the error under `field`.
    pub fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// A trimmed text of `min..=max` characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> Option<String> {
        let v = value.trim();
        let n = v.chars().count();
        if n < min {
            self.add(
                field,
                if min == 1 { "must not be empty".to_string() } else { format!("must be at least {min} characters") },
            );
            None
        } else if n > max {
            self.add(field, format!("must be at most {max} characters"));
            None
        } else {
            Some(v.to_string())
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_countries_emails_and_phones() {
        assert_eq!(country("xk").unwrap(), "XK");
        assert!(country("ZZ").is_err());
        assert_eq!(email("Ana@Bank-A.EXAMPLE").unwrap(), "Ana@bank-a.example");
        assert!(email("no-at-sign").is_err());
        assert!(email("a@b").is_err());
        assert_eq!(phone_e164("+383 44 123-456").unwrap(), "+38344123456");
        assert!(phone_e164("044123456").is_err());
    }
}

/// Active ISO 4217 currency codes.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD \
CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS \
INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK \
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP \
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Validates an ISO 4217 currency code (upper-cases it).
pub fn currency(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 3 && CURRENCIES.split(' ').any(|c| c == code) {
        Ok(code)
    } else {
        Err(format!("`{value}` is not an ISO 4217 currency code"))
    }
}
