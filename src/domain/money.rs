//! Money: integer minor units of an ISO 4217 currency.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Check;

text_value! {
    /// ISO 4217 currency code.
    Currency, example = "EUR"
}

/// Active ISO 4217 currency codes.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD \
CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS \
INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK \
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP \
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

impl Currency {
    /// An active ISO 4217 code, any case.
    pub fn parse(value: &str) -> Result<Self, String> {
        let code = value.trim().to_ascii_uppercase();
        if code.len() == 3 && CURRENCIES.split(' ').any(|c| c == code) {
            Ok(Currency(code))
        } else {
            Err(format!("`{value}` is not an ISO 4217 currency code"))
        }
    }
}

impl Currency {
    /// Digits after the decimal point of its minor unit (ISO 4217): 0 for the yen and the CFA
    /// francs, 3 for the dinars of the Gulf, 2 for the others.
    pub fn exponent(&self) -> u32 {
        const NONE: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF";
        const THREE: &str = "BHD IQD JOD KWD LYD OMR TND";
        if NONE.split(' ').any(|c| c == self.0) {
            0
        } else if THREE.split(' ').any(|c| c == self.0) {
            3
        } else {
            2
        }
    }

    /// An amount as a person writes it, in minor units. `decimal` is the reader's decimal mark
    /// (`.` or `,`); the other mark may only group thousands (groups of exactly three digits);
    /// no more decimals than the currency has. `12500`, `12 500,50` (decimal `,`), `12,500.50`
    /// (decimal `.`); `1,234.567` in euros, `1.5` in yen, `1.2.3` are refused, not guessed.
    pub fn minor_units(&self, text: &str, decimal: char) -> Result<i64, String> {
        let group = if decimal == ',' { '.' } else { ',' };
        let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\'').collect();
        let exp = self.exponent() as usize;
        let wrong = || {
            if exp == 0 {
                format!("`{text}` is not an amount in {}: whole units, e.g. 12500", self.0)
            } else {
                format!("`{text}` is not an amount in {}: write it as 12500 or 12500{decimal}50", self.0)
            }
        };
        let (whole, fraction) = match compact.split_once(decimal) {
            Some((w, f)) => (w, Some(f)),
            None => (compact.as_str(), None),
        };
        let groups: Vec<&str> = whole.split(group).collect();
        let grouped_ok = groups.iter().all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
            && (groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
        let fraction_ok = match fraction {
            None => true,
            Some(f) => !f.is_empty() && f.len() <= exp && f.chars().all(|c| c.is_ascii_digit()),
        };
        if !grouped_ok || !fraction_ok {
            return Err(wrong());
        }
        let units = format!("{}{:0<exp$}", groups.concat(), fraction.unwrap_or(""));
        let minor = units.parse::<i64>().map_err(|_| wrong())?;
        if minor > MAX_AMOUNT_MINOR {
            return Err(format!("at most {MAX_AMOUNT_MINOR} minor units"));
        }
        Ok(minor)
    }
}

/// The largest amount accepted, in minor units: 10^15 (ten trillion euros in cents), far above
/// any payment, and low enough that thousands of them add up within a 64-bit integer.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// An amount of money in minor units (cents) of an ISO 4217 currency.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Money {
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// ISO 4217, e.g. `EUR`.
    #[schema(value_type = String)]
    pub currency: Currency,
}

/// An amount as a request body gives it, before it is checked.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
#[schema(as = Money)]
pub struct MoneyInput {
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
}

impl MoneyInput {
    /// A non-negative amount of at most [`MAX_AMOUNT_MINOR`] of a known currency; errors name
    /// `<field>.amount_minor` and `<field>.currency`.
    pub fn parse(&self, check: &mut Check, field: &str) -> Option<Money> {
        let in_range = (0..=MAX_AMOUNT_MINOR).contains(&self.amount_minor);
        if self.amount_minor < 0 {
            check.add(format!("{field}.amount_minor"), "must not be negative");
        } else if !in_range {
            check.add(format!("{field}.amount_minor"), format!("must be at most {MAX_AMOUNT_MINOR} (minor units)"));
        }
        let currency = check.take(&format!("{field}.currency"), Currency::parse(&self.currency))?;
        in_range.then_some(Money { amount_minor: self.amount_minor, currency })
    }

    /// As `parse`, and more than zero.
    pub fn parse_positive(&self, check: &mut Check, field: &str) -> Option<Money> {
        if self.amount_minor == 0 {
            check.add(format!("{field}.amount_minor"), "must be more than zero");
            return None;
        }
        self.parse(check, field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_checked() {
        let mut check = Check::new();
        let ok = MoneyInput { amount_minor: 125_000, currency: "eur".into() }.parse(&mut check, "loss").unwrap();
        assert_eq!(ok.currency.as_str(), "EUR");
        assert!(MoneyInput { amount_minor: -1, currency: "EUR".into() }.parse(&mut check, "loss").is_none());
        assert!(MoneyInput { amount_minor: 0, currency: "EUR".into() }.parse_positive(&mut check, "amount").is_none());
        assert!(MoneyInput { amount_minor: 1, currency: "EURO".into() }.parse(&mut check, "loss").is_none());
        assert!(MoneyInput { amount_minor: MAX_AMOUNT_MINOR, currency: "EUR".into() }.parse(&mut check, "a").is_some());
        assert!(MoneyInput { amount_minor: i64::MAX, currency: "EUR".into() }.parse(&mut check, "big").is_none());
        let fields: Vec<String> = check.finish().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["loss.amount_minor", "amount.amount_minor", "loss.currency", "big.amount_minor"]);
    }
}

#[cfg(test)]
mod amount_tests {
    use super::Currency;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        let eur = Currency::parse("EUR").unwrap();
        for (text, point, minor) in [
            ("12500", '.', 1_250_000),
            ("12 500,50", ',', 1_250_050),
            ("12.500,5", ',', 1_250_050),
            ("12,500.50", '.', 1_250_050),
            ("0.01", '.', 1),
            ("7,000", '.', 700_000),
            ("7,5", ',', 750),
        ] {
            assert_eq!(eur.minor_units(text, point), Ok(minor), "{text}");
        }
        assert_eq!(Currency::parse("JPY").unwrap().minor_units("1,500", '.'), Ok(1500));
        assert_eq!(Currency::parse("KWD").unwrap().minor_units("1,500", '.'), Ok(1_500_000));
        assert_eq!(Currency::parse("KWD").unwrap().minor_units("1.500", '.'), Ok(1500));
        for (bad, point) in [
            ("", '.'),
            ("12a", '.'),
            ("-5", '.'),
            ("1e9", '.'),
            ("99999999999999999999", '.'),
            ("1,234.567", '.'),
            ("1.2.3", '.'),
            ("1,2,3,4", '.'),
            (".", '.'),
            ("12,50", '.'),
            ("1.5", ','),
            ("12.5", ','),
        ] {
            assert!(eur.minor_units(bad, point).is_err(), "{bad} with {point}");
        }
        assert!(Currency::parse("JPY").unwrap().minor_units("1.5", '.').is_err());
    }
}
