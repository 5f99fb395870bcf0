//! What pages show of values: indicator values defanged (`hxxp`, `example[.]com`) so that no
//! value becomes a link or is pasted into a browser by mistake; deadline badges; form fields
//! read as the browser sends them (repeated names included).

use chrono::{DateTime, Utc};

use super::i18n::Tr;

/// A value as a page shows it: never clickable.
pub fn defang(value: &str) -> String {
    let mut v = value.to_string();
    for (scheme, safe) in [("https://", "hxxps://"), ("http://", "hxxp://"), ("ftp://", "fxp://")] {
        if v.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)) {
            v = format!("{safe}{}", &v[scheme.len()..]);
        }
    }
    v.replace('.', "[.]").replace('@', "[@]")
}

/// A deadline's badge: its class (`overdue`, `soon` within a day, `ok`) and words.
pub fn deadline_badge(tr: &Tr, deadline: Option<DateTime<Utc>>, open: bool, now: DateTime<Utc>) -> (String, String) {
    match deadline {
        None => ("plain".into(), tr.get("deadline-none")),
        Some(_) if !open => ("plain".into(), tr.get("deadline-closed")),
        Some(d) if d < now => ("overdue".into(), tr.arg("deadline-overdue", "when", tr.when(&d))),
        Some(d) if d - now < chrono::Duration::hours(24) => {
            ("soon".into(), tr.arg("deadline-soon", "when", tr.when(&d)))
        }
        Some(d) => ("ok".into(), tr.arg("deadline-due", "when", tr.when(&d))),
    }
}

/// A submitted form (`application/x-www-form-urlencoded`), names possibly repeated.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    /// The value of `name` unless empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_defanged() {
        assert_eq!(defang("https://evil.example.com/login"), "hxxps://evil[.]example[.]com/login");
        assert_eq!(defang("HTTP://x.org"), "hxxp://x[.]org");
        assert_eq!(defang("mule@example.org"), "mule[@]example[.]org");
        assert_eq!(defang("192.0.2.10"), "192[.]0[.]2[.]10");
        // A character of several bytes where a scheme would end is no panic.
        assert_eq!(defang("aééé@x.org"), "aééé[@]x[.]org");
        assert_eq!(defang("ééé"), "ééé");
    }

    #[test]
    fn forms_keep_repeated_names() {
        let f = Fields::parse(b"a=1&c=x&c=y+z&e=");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.all("c"), vec!["x", "y z"]);
        assert_eq!(f.opt("e"), None);
    }
}
