//! The languages people use the platform in (the console's pages, the notices), and the
//! choice of one from a browser's `Accept-Language`.

text_enum! {
    /// A language of the console.
    Locale {
        En = "en",
        Sq = "sq",
        SrLatn = "sr-Latn",
        SrCyrl = "sr-Cyrl",
    }
}

impl Locale {
    /// The name of the language in itself, for the language menu.
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Sq => "Shqip",
            Locale::SrLatn => "Srpski (latinica)",
            Locale::SrCyrl => "Српски (ћирилица)",
        }
    }

    /// The best language for an `Accept-Language` header (English when none is ours).
    pub fn negotiate(accept: Option<&str>) -> Locale {
        let mut ranked: Vec<(f32, usize, Locale)> = Vec::new();
        for (i, part) in accept.unwrap_or("").split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            let locale = match tag.as_str() {
                t if t.starts_with("sq") => Some(Locale::Sq),
                t if t.starts_with("sr-cyrl") || t == "sr-rs" || t == "sr-me" => Some(Locale::SrCyrl),
                t if t.starts_with("sr") || t.starts_with("sh") || t.starts_with("bs") || t.starts_with("hr") => {
                    Some(Locale::SrLatn)
                }
                t if t.starts_with("en") => Some(Locale::En),
                _ => None,
            };
            if let Some(l) = locale.filter(|_| q > 0.0) {
                ranked.push((q, i, l));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map_or(Locale::En, |r| r.2)
    }

    /// The `lang` attribute of a page.
    pub fn html_lang(self) -> &'static str {
        self.as_str()
    }
}
