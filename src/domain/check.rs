//! Field errors, collected while a request is parsed so that one answer names every bad field.

use serde::Serialize;
use utoipa::ToSchema;

/// One field-level validation failure.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON path (`indicators[3].value`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A request that failed validation: every field error found (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid(vec![FieldError::new(field, message)])
    }
}

/// Unicode's bidirectional embedding, override and isolate controls (U+202A..U+202E,
/// U+2066..U+2069), which make text display otherwise than it reads.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Collects field errors while a request body is parsed, then fails once with all of them.
#[derive(Default, Debug)]
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

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
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

    /// Parses an optional value: `None` stays `None`, a bad one is recorded.
    pub fn optional<T>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        value.and_then(|v| self.take(field, parse(v)))
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
        } else if v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            self.add(field, "must not contain control characters (other than line breaks and tabs)");
            None
        } else if v.chars().any(is_bidi_control) {
            // Embeddings, overrides and isolates make text read otherwise than it is stored.
            self.add(field, "must not contain bidirectional override or isolate characters");
            None
        } else {
            Some(v.to_string())
        }
    }

    /// A text checked as `text` checks it, its problem as a message (for per-object failures).
    pub fn text_of(value: &str, min: usize, max: usize) -> Result<String, String> {
        let mut check = Check::new();
        check.text("", value, min, max).ok_or_else(|| check.errors.pop().map(|e| e.message).unwrap_or_default())
    }

    /// An optional trimmed text of 1 to `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        value.and_then(|v| self.text(field, v, 1, max))
    }

    /// Fails with every error recorded, if any.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.errors))
        }
    }

    /// Fails with every error recorded, else hands out the value built from what was parsed
    /// (`build` returns `None` only when a field it needs failed, which was recorded).
    pub fn done<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Invalid> {
        self.finish()?;
        build().ok_or_else(|| Invalid::field("body", "incomplete"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_reported_at_once() {
        let mut check = Check::new();
        assert_eq!(check.text("title", "  ", 1, 10), None);
        assert_eq!(check.text("name", "abcdefghijk", 1, 10), None);
        assert_eq!(check.text("ok", " fine ", 1, 10).as_deref(), Some("fine"));
        let Invalid(errors) = check.finish().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["title", "name"]);
    }
}
