//! JSON canonicalization (RFC 8785, JCS): object members sorted by their names' UTF-16 code
//! units, no whitespace, strings escaped as ECMAScript's `JSON.stringify` does, numbers in
//! ECMAScript's shortest form. What is signed is this text, so that anyone can re-create it
//! from the JSON they received and check the signature.

use serde_json::Value;

pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&number(i as f64, (i.unsigned_abs() <= SAFE).then(|| i.to_string()))),
            (None, Some(u), _) => out.push_str(&number(u as f64, (u <= SAFE).then(|| u.to_string()))),
            (None, None, Some(f)) => out.push_str(&number(f, None)),
            _ => out.push_str("null"),
        },
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

/// 2^53: integers up to it are exact as ECMAScript numbers.
const SAFE: u64 = 1 << 53;

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript's Number::toString: integers as they are up to 1e21, otherwise the shortest
/// round-tripping digits, in exponent form (`1e+21`, `1e-7`) outside [1e-6, 1e21).
fn number(f: f64, integer: Option<String>) -> String {
    if f == 0.0 {
        return "0".into();
    }
    // Integers are exact in ECMAScript up to 2^53 (`integer` is given only then); beyond, they
    // are the double they round to, as every JCS implementation writes them.
    if let Some(text) = integer {
        return text;
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as ECMAScript needs.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let k = digits.len() as i32;
    let n = exp + 1; // the decimal point's position after the first digit
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 { format!("+{e}") } else { e.to_string() };
        match k {
            1 => format!("{digits}e{e}"),
            _ => format!("{}.{}e{e}", &digits[..1], &digits[1..]),
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_values_written_as_rfc_8785_says() {
        // RFC 8785, section 3.2.2 and appendix B's number examples.
        let v: Value = serde_json::from_str(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonical(&v),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        assert_eq!(
            canonical(&json!({"\u{20ac}": 1, "\r": 2, "1": 3, "\u{1f600}": 4, "\u{fb33}": 5})),
            "{\"\\r\":2,\"1\":3,\"\u{20ac}\":1,\"\u{1f600}\":4,\"\u{fb33}\":5}"
        );
        for (f, text) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-0.0, "0"),
            (-1.5, "-1.5"),
            (123.0, "123"),
        ] {
            assert_eq!(canonical(&json!(f)), text, "{f}");
        }
        assert_eq!(canonical(&json!(9007199254740991i64)), "9007199254740991");
        // Beyond 2^53 an integer is the double it rounds to, as JSON.stringify writes it.
        assert_eq!(canonical(&json!(9007199254740993i64)), "9007199254740992");
        assert_eq!(canonical(&json!(u64::MAX)), "18446744073709552000");
    }
}
