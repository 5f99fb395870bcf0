//! The console's languages: Fluent catalogues compiled into the binary (English, Albanian,
//! Serbian in Latin script), the Serbian Cyrillic one made from the Latin one by
//! transliteration when first used (`cyrillic`), chosen by the person's preference and then by
//! `Accept-Language`. Every text a page shows is a catalogue key; tests fail when a catalogue
//! lacks a key English has or a template uses a key no catalogue has.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use crate::domain::Locale;

/// The catalogues as written (the Cyrillic one is derived).
pub const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../../locales/en/console.ftl")),
    (Locale::Sq, include_str!("../../locales/sq/console.ftl")),
    (Locale::SrLatn, include_str!("../../locales/sr-Latn/console.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static HashMap<Locale, Bundle> {
    static BUNDLES: OnceLock<HashMap<Locale, Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        let mut map = HashMap::new();
        for locale in Locale::ALL.iter().copied() {
            let source = catalogue(locale);
            let lang: unic_langid::LanguageIdentifier = locale.as_str().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // No Unicode isolation marks around arguments: the pages are plain text.
            bundle.set_use_isolating(false);
            // The catalogues are tested to parse; a broken one would show keys, not fail.
            let resource = FluentResource::try_new(source).unwrap_or_else(|(r, _)| r);
            let _ = bundle.add_resource(resource);
            map.insert(locale, bundle);
        }
        map
    })
}

/// The catalogue of a language as Fluent source.
pub fn catalogue(locale: Locale) -> String {
    match locale {
        Locale::SrCyrl => cyrillic(SOURCES[2].1),
        l => SOURCES.iter().find(|(s, _)| *s == l).map(|(_, text)| text.to_string()).unwrap_or_default(),
    }
}

/// The message keys of a catalogue.
pub fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// Serbian Latin to Cyrillic: each message's text (not its key, not its `{ placeables }`,
/// not words in capitals such as `IBAN`, `TOTP` or `SHA-256`).
pub fn cyrillic(source: &str) -> String {
    source
        .lines()
        .map(|line| {
            if line.starts_with('#') || line.trim().is_empty() {
                return line.to_string();
            }
            match line.split_once('=') {
                Some((key, text)) if !line.starts_with(' ') => format!("{key}={}", transliterate(text)),
                _ => transliterate(line),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
        // Serbian abbreviations in capitals are written in Cyrillic too.
        let serbian_abbreviation = SERBIAN_ABBREVIATIONS.contains(&letters.as_str());
        let keep = !serbian_abbreviation
            && (letters.chars().count() >= 2 && letters.chars().all(char::is_uppercase)
                || word.contains("://")
                || word.contains('/')
                || word.contains('@')
                // Names and words of other languages: Latin letters Serbian does not have, or
                // capitals inside a word (FreeOTP), or names listed.
                || letters.chars().any(|c| matches!(c, 'q' | 'w' | 'x' | 'y' | 'Q' | 'W' | 'X' | 'Y'))
                || letters.chars().skip(1).any(char::is_uppercase)
                || NAMES.contains(&letters.as_str()));
        if keep {
            out.push_str(word);
        } else {
            out.push_str(&latin_word(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if depth > 0 {
            out.push(c);
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '{' {
            flush(&mut word, &mut out);
            depth = 1;
            out.push(c);
        } else if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Names kept in Latin script in Serbian Cyrillic text.
const NAMES: [&str; 3] = ["Aegis", "Google", "Authenticator"];
/// Serbian abbreviations in capitals, transliterated (ZKP: the code of criminal procedure).
const SERBIAN_ABBREVIATIONS: [&str; 1] = ["ZKP"];

fn latin_word(word: &str) -> String {
    const PAIRS: [(&str, &str); 9] = [
        ("Lj", "Љ"),
        ("LJ", "Љ"),
        ("lj", "љ"),
        ("Nj", "Њ"),
        ("NJ", "Њ"),
        ("nj", "њ"),
        ("Dž", "Џ"),
        ("DŽ", "Џ"),
        ("dž", "џ"),
    ];
    let mut out = String::new();
    let mut rest = word;
    'outer: while let Some(c) = rest.chars().next() {
        for (latin, cyr) in PAIRS {
            if let Some(r) = rest.strip_prefix(latin) {
                out.push_str(cyr);
                rest = r;
                continue 'outer;
            }
        }
        let mapped = match c {
            'a' => "а",
            'b' => "б",
            'c' => "ц",
            'č' => "ч",
            'ć' => "ћ",
            'd' => "д",
            'đ' => "ђ",
            'e' => "е",
            'f' => "ф",
            'g' => "г",
            'h' => "х",
            'i' => "и",
            'j' => "ј",
            'k' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            'š' => "ш",
            't' => "т",
            'u' => "у",
            'v' => "в",
            'z' => "з",
            'ž' => "ж",
            'A' => "А",
            'B' => "Б",
            'C' => "Ц",
            'Č' => "Ч",
            'Ć' => "Ћ",
            'D' => "Д",
            'Đ' => "Ђ",
            'E' => "Е",
            'F' => "Ф",
            'G' => "Г",
            'H' => "Х",
            'I' => "И",
            'J' => "Ј",
            'K' => "К",
            'L' => "Л",
            'M' => "М",
            'N' => "Н",
            'O' => "О",
            'P' => "П",
            'R' => "Р",
            'S' => "С",
            'Š' => "Ш",
            'T' => "Т",
            'U' => "У",
            'V' => "В",
            'Z' => "З",
            'Ž' => "Ж",
            _ => "",
        };
        if mapped.is_empty() {
            out.push(c);
        } else {
            out.push_str(mapped);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The texts of one language, as templates use them, with the zone its reader reads times in.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: Locale,
    pub zone: Tz,
}

impl Tr {
    /// Texts of `locale` with times in UTC (before anyone is known, e.g. at sign-in).
    pub fn new(locale: Locale) -> Self {
        Tr { locale, zone: Tz::UTC }
    }

    /// Texts of `locale` with times in `zone`.
    pub fn in_zone(locale: Locale, zone: Tz) -> Self {
        Tr { locale, zone }
    }

    /// A time typed into a form (`2026-12-07T10:15` from a `datetime-local` field, seconds
    /// optional), read in the reader's zone; a full RFC 3339 time keeps its own offset. What
    /// cannot be read is named by the key of its message: `new-unreadable`, `new-time-skipped`
    /// (a time the clocks skip) or `new-time-twice` (a time they repeat: which one is meant is
    /// not guessed, since an hour's error can name the wrong subscriber of an address).
    pub fn typed_time(&self, value: &str) -> Result<DateTime<chrono::FixedOffset>, &'static str> {
        if let Ok(t) = DateTime::parse_from_rfc3339(value) {
            return Ok(t);
        }
        let with_seconds = if value.len() == 16 { format!("{value}:00") } else { value.to_string() };
        let naive =
            chrono::NaiveDateTime::parse_from_str(&with_seconds, "%Y-%m-%dT%H:%M:%S").map_err(|_| "new-unreadable")?;
        match self.zone.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => Ok(t.fixed_offset()),
            chrono::LocalResult::None => Err("new-time-skipped"),
            chrono::LocalResult::Ambiguous(..) => Err("new-time-twice"),
        }
    }

    /// The first moment of a day typed as `YYYY-MM-DD`, in the reader's zone (where the clocks
    /// skip midnight, the first moment the day has).
    pub fn typed_day(&self, value: &str) -> Result<DateTime<chrono::FixedOffset>, &'static str> {
        let day = chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| "new-unreadable")?;
        // A year a person means (chrono reads signed years of any length, to its last day).
        if !(1900..=9999).contains(&chrono::Datelike::year(&day)) {
            return Err("new-unreadable");
        }
        (0..4)
            .find_map(|h| self.zone.from_local_datetime(&day.and_hms_opt(h, 0, 0)?).earliest())
            .map(|t| t.fixed_offset())
            .ok_or("new-unreadable")
    }

    /// The text of `key` (the key itself when missing, which tests forbid).
    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text of `key` with one argument.
    pub fn arg(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    /// The text of `key` with any number of arguments.
    pub fn args(&self, key: &str, list: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in list {
            args.set(name.to_string(), FluentValue::from(value.clone()));
        }
        self.format(key, Some(&args))
    }

    /// The text of `key` with two arguments.
    pub fn args2(&self, key: &str, a: (&str, &dyn ToString), b: (&str, &dyn ToString)) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0.to_string(), FluentValue::from(a.1.to_string()));
        args.set(b.0.to_string(), FluentValue::from(b.1.to_string()));
        self.format(key, Some(&args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let Some(bundle) = bundles().get(&self.locale) else { return key.to_string() };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else { return key.to_string() };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// A moment as this language writes it, in the reader's zone (its abbreviation named:
    /// `CET`, `CEST`, `UTC`).
    pub fn when(&self, at: &DateTime<Utc>) -> String {
        let at = at.with_timezone(&self.zone);
        match self.locale {
            Locale::En => at.format("%-d %b %Y, %H:%M %Z").to_string(),
            _ => at.format("%d.%m.%Y. %H:%M %Z").to_string(),
        }
    }

    /// A moment in few characters (the day and the time, in the reader's zone), for labels.
    pub fn short_when(&self, at: &DateTime<Utc>) -> String {
        let at = at.with_timezone(&self.zone);
        match self.locale {
            Locale::En => at.format("%-d %b, %H:%M").to_string(),
            _ => at.format("%d.%m. %H:%M").to_string(),
        }
    }

    /// An optional moment, or a dash.
    pub fn when_opt(&self, at: &Option<DateTime<Utc>>) -> String {
        at.as_ref().map_or_else(|| "—".to_string(), |t| self.when(t))
    }

    /// An amount as this language writes it, in its currency's decimals: `12,500.50 EUR`,
    /// `12.500,50 EUR`.
    pub fn money(&self, m: &crate::domain::Money) -> String {
        let exp = m.currency.exponent();
        let unit = 10i64.pow(exp);
        let whole = self.number(m.amount_minor / unit);
        let point = if self.locale == Locale::En { '.' } else { ',' };
        let fraction = if exp > 0 {
            format!("{point}{:0width$}", m.amount_minor % unit, width = exp as usize)
        } else {
            String::new()
        };
        format!("{whole}{fraction} {}", m.currency)
    }

    /// This language's decimal mark.
    pub fn decimal_mark(&self) -> char {
        if self.locale == Locale::En {
            '.'
        } else {
            ','
        }
    }

    /// A count as this language writes it (thousands grouped).
    pub fn number(&self, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let digits = n.unsigned_abs().to_string();
        let sep = match self.locale {
            Locale::En => ',',
            _ => '.',
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_parses_and_has_every_english_key() {
        let english = keys(&catalogue(Locale::En));
        assert!(english.len() > 50, "{}", english.len());
        for locale in Locale::ALL.iter().copied() {
            let source = catalogue(locale);
            if let Err((_, errors)) = FluentResource::try_new(source.clone()) {
                panic!("{locale}: {errors:?}");
            }
            let have = keys(&source);
            let missing: Vec<_> = english.iter().filter(|k| !have.contains(k)).collect();
            assert!(missing.is_empty(), "{locale} lacks {missing:?}");
            let extra: Vec<_> = have.iter().filter(|k| !english.contains(k)).collect();
            assert!(extra.is_empty(), "{locale} has keys English lacks: {extra:?}");
        }
    }

    /// Every key a template or page names, and every key made from an enum's values, is in the
    /// English catalogue (and so, by the test above, in every one).
    #[test]
    fn every_key_the_console_uses_is_in_the_catalogues() {
        let english = keys(&catalogue(Locale::En));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        let mut files = Vec::new();
        for dir in ["templates/console", "src/console", "src/console/pages"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let calls = [
                "t.get(\"",
                "t.arg(\"",
                "t.args2(\"",
                "tr.get(\"",
                "tr.arg(\"",
                "tr.get(&format!(\"",
                "t.get(&format!(\"",
            ];
            for call in calls {
                for piece in text.split(call).skip(1) {
                    let key: String = piece.chars().take_while(|c| *c != '"').collect();
                    if !key.contains('{') {
                        used.push(key);
                    }
                }
            }
        }
        assert!(used.len() > 100, "{}", used.len());
        // Keys made from values: each value of each enum a page names.
        use crate::requests::model::{DataCategory, ReasonCode, RequestBox, RequestStatus, RequestType, Urgency};
        for v in RequestType::ALL {
            used.push(format!("type-{}", v.as_str()));
        }
        for v in DataCategory::ALL {
            used.push(format!("category-{}", v.as_str()));
        }
        for v in Urgency::ALL {
            used.push(format!("urgency-{}", v.as_str()));
            used.push(format!("allowed-{}", v.as_str()));
        }
        for v in crate::domain::PurposeReason::ALL.iter().filter(|r| **r != crate::domain::PurposeReason::StandingFeed)
        {
            used.push(format!("purpose-{}", v.as_str()));
        }
        for v in RequestStatus::ALL {
            used.push(format!("status-{}", v.as_str()));
            used.push(format!("to-{}", v.as_str()));
        }
        for v in ReasonCode::ALL {
            used.push(format!("reason-{}", v.as_str()));
        }
        for v in RequestBox::ALL {
            used.push(format!("box-{}", v.as_str()));
        }
        for kind in crate::notices::KINDS {
            used.push(format!("notice-{kind}"));
            used.push(format!("mail-{kind}-subject"));
            used.push(format!("mail-{kind}-body"));
        }
        for kind in
            ["invalid", "signed-out", "forbidden", "not-found", "conflict", "gone", "too-many", "unavailable", "failed"]
        {
            used.push(format!("error-{kind}-title"));
            used.push(format!("error-{kind}-next"));
        }
        for d in crate::console::site::DONE_NOTICES {
            used.push(format!("done-{}", d.replace('_', "-")));
        }
        for v in crate::domain::IndicatorType::ALL {
            used.push(format!("indicator-{}", v.as_str()));
        }
        for v in crate::domain::Category::ALL {
            used.push(format!("report-category-{}", v.as_str()));
        }
        for v in crate::indicators::model::SightingKind::ALL {
            used.push(format!("sighting-{}", v.as_str()));
        }
        for v in crate::alerts::model::AlertStatus::ALL {
            used.push(format!("alert-status-{}", v.as_str()));
        }
        for v in crate::alerts::model::OutcomeKind::ALL {
            used.push(format!("outcome-{}", v.as_str()));
        }
        for v in crate::reports::model::ReportStatus::ALL {
            used.push(format!("report-status-{}", v.as_str()));
        }
        for b in ["received", "sent", "all"] {
            used.push(format!("alerts-box-{b}"));
        }
        for key in ["new-unreadable", "new-time-skipped", "new-time-twice"] {
            used.push(key.to_string());
        }
        for d in ["order", "validation", "response"] {
            used.push(format!("document-{d}"));
        }
        for k in ["isp", "bank", "prosecution", "court"] {
            used.push(format!("kind-{k}"));
        }
        let missing: Vec<_> = used.iter().filter(|k| !english.contains(k)).collect();
        assert!(missing.is_empty(), "keys no catalogue has: {missing:?}");
    }

    #[test]
    fn serbian_is_transliterated_but_placeables_and_acronyms_are_kept() {
        assert_eq!(transliterate("Zahtev za podatke o saobraćaju"), "Захтев за податке о саобраћају");
        assert_eq!(transliterate("Ljubljana, njiva, džep"), "Љубљана, њива, џеп");
        assert_eq!(transliterate("Rok { $deadline } za IBAN i SHA-256"), "Рок { $deadline } за IBAN и SHA-256");
        assert_eq!(
            transliterate("na platformi cyberbridge, na /console/enrol"),
            "на платформи cyberbridge, на /console/enrol"
        );
        assert_eq!(
            transliterate("npr. FreeOTP, Aegis ili Google Authenticator; ZKP čl. 123"),
            "нпр. FreeOTP, Aegis или Google Authenticator; ЗКП чл. 123"
        );
        let cyr = catalogue(Locale::SrCyrl);
        assert!(cyr.contains("nav-requests = Захтеви за податке"), "{cyr}");
    }

    #[test]
    fn the_language_follows_accept_language() {
        assert_eq!(Locale::negotiate(Some("sq-AL,sq;q=0.9,en;q=0.8")), Locale::Sq);
        assert_eq!(Locale::negotiate(Some("de-DE,sr-Latn;q=0.7,en;q=0.5")), Locale::SrLatn);
        assert_eq!(Locale::negotiate(Some("sr-Cyrl-RS")), Locale::SrCyrl);
        assert_eq!(Locale::negotiate(Some("en;q=0.2, sq;q=0.9")), Locale::Sq);
        assert_eq!(Locale::negotiate(Some("fr")), Locale::En);
        assert_eq!(Locale::negotiate(None), Locale::En);
    }

    #[test]
    fn numbers_and_times_follow_the_language() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 9, 5, 0).unwrap();
        assert_eq!(Tr::new(Locale::En).when(&at), "7 Dec 2026, 09:05 UTC");
        assert_eq!(Tr::new(Locale::Sq).when(&at), "07.12.2026. 09:05 UTC");
        let tirana = Tr::in_zone(Locale::Sq, Tz::Europe__Tirane);
        assert_eq!(tirana.when(&at), "07.12.2026. 10:05 CET");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 9, 5, 0).unwrap();
        assert_eq!(tirana.when(&summer), "01.07.2026. 11:05 CEST");
        assert_eq!(tirana.typed_time("2026-12-07T10:05").unwrap(), at);
        assert_eq!(tirana.typed_time("2026-07-01T11:05").unwrap(), summer);
        assert_eq!(tirana.typed_time("2026-12-07T10:05:00+00:00").unwrap(), at + chrono::Duration::hours(1));
        // 29 March 2026, 02:30 does not exist in Tirana (clocks go from 02:00 to 03:00).
        assert_eq!(tirana.typed_time("2026-03-29T02:30"), Err("new-time-skipped"));
        // 25 October 2026, 02:30 happens twice: not guessed.
        assert_eq!(tirana.typed_time("2026-10-25T02:30"), Err("new-time-twice"));
        assert_eq!(
            Tr::new(Locale::En).typed_time("2026-10-25T02:30").unwrap().to_rfc3339(),
            "2026-10-25T02:30:00+00:00"
        );
        assert_eq!(Tr::new(Locale::En).typed_time("7 Dec"), Err("new-unreadable"));
        assert_eq!(Tr::new(Locale::En).number(1234567), "1,234,567");
        let eur =
            crate::domain::Money { amount_minor: 1_250_050, currency: crate::domain::Currency::parse("EUR").unwrap() };
        assert_eq!(Tr::new(Locale::En).money(&eur), "12,500.50 EUR");
        assert_eq!(Tr::new(Locale::Sq).money(&eur), "12.500,50 EUR");
        let yen = crate::domain::Money { amount_minor: 1500, currency: crate::domain::Currency::parse("JPY").unwrap() };
        assert_eq!(Tr::new(Locale::En).money(&yen), "1,500 JPY");
        assert_eq!(Tr::new(Locale::SrLatn).number(-1234), "-1.234");
    }
}
