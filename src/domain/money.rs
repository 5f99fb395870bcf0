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
