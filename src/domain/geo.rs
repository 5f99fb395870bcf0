//! Where and how to reach: ISO 3166-1 country codes, e-mail addresses, E.164 phone numbers.

text_value! {
    /// ISO 3166-1 alpha-2 country code (`XK` included).
    Country, example = "XK"
}

/// ISO 3166-1 alpha-2 codes, plus XK (Kosovo, user-assigned and in general use).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL \
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR \
LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK \
PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

impl Country {
    /// An ISO 3166-1 alpha-2 code, any case.
    pub fn parse(value: &str) -> Result<Self, String> {
        let code = value.trim().to_ascii_uppercase();
        if code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code) {
            Ok(Country(code))
        } else {
            Err(format!("`{value}` is not an ISO 3166-1 alpha-2 country code"))
        }
    }
}

text_value! {
    /// An e-mail address (domain lower-cased).
    Email, example = "desk@bank-a.example"
}

impl Email {
    /// One @, a local part of 1 to 64 characters, a dotted domain; at most 254 characters.
    pub fn parse(value: &str) -> Result<Self, String> {
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
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }
}

text_value! {
    /// A phone number in E.164 form.
    Phone, example = "+38344123456"
}

impl Phone {
    /// `+` then 8 to 15 digits; spaces, dashes, dots and parentheses are dropped.
    pub fn parse(value: &str) -> Result<Self, String> {
        let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0') {
            Ok(Phone(compact))
        } else {
            Err("must be a phone number in E.164 form, e.g. +38344123456".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_countries_emails_and_phones() {
        assert_eq!(Country::parse("xk").unwrap().as_str(), "XK");
        assert!(Country::parse("ZZ").is_err());
        assert_eq!(Email::parse("Ana@Bank-A.EXAMPLE").unwrap().as_str(), "Ana@bank-a.example");
        assert!(Email::parse("no-at-sign").is_err());
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(300))).is_err());
        assert_eq!(Phone::parse("+383 44 123-456").unwrap().as_str(), "+38344123456");
        assert!(Phone::parse("044123456").is_err());
    }
}
