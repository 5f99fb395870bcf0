//! Times in query parameters: an RFC 3339 time with its offset, or a plain date (the day's start,
//! UTC), so that `?from=2026-11-01` means what it says. A value that is neither is refused
//! naming its parameter (`kernel::http::query_error` reads the parameter from the query).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;

use super::Invalid;

/// The names of query parameters that hold times, for naming the one that failed.
pub const PARAMETERS: &[&str] =
    &["from", "to", "created_from", "created_to", "first_seen_from", "first_seen_to", "added_after"];

/// What a time parameter must look like.
pub const EXPECTED: &str = "a date (2026-11-01) or a time with its offset (2026-11-01T09:30:00+01:00)";

/// A time or a date, as a time.
pub fn parse(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().fixed_offset())
        .ok_or_else(|| format!("`{text}` is not {EXPECTED}"))
}

/// `#[serde(default, deserialize_with = "instant::fixed")]` for an optional time parameter.
pub fn fixed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).map_err(serde::de::Error::custom),
    }
}

/// The same, in UTC.
pub fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(fixed(d)?.map(|t| t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_its_days_start_and_a_time_keeps_its_offset() {
        assert_eq!(parse("2026-11-01").unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(parse("2026-11-01T09:30:00+01:00").unwrap().to_rfc3339(), "2026-11-01T09:30:00+01:00");
        for bad in ["", "2026-11", "2026-13-01", "yesterday", "2026-11-01T09:30:00"] {
            assert!(parse(bad).unwrap_err().contains("a date (2026-11-01)"), "{bad}");
        }
    }
}

/// The period of a statistics query (`from`, `to`), by default the last 30 days.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Start of the period (default: 30 days ago).
    #[serde(default, deserialize_with = "fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<FixedOffset>>,
    /// End of the period (default: now).
    #[serde(default, deserialize_with = "fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<FixedOffset>>,
}

impl PeriodQuery {
    /// The period's bounds, in UTC; `from` must come before `to`.
    pub fn bounds(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), Invalid> {
        let to = self.to.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        let from = self.from.map_or(to - Duration::days(30), |t| t.with_timezone(&Utc));
        if from >= to {
            return Err(Invalid::field("from", "must be before to"));
        }
        Ok((from, to))
    }
}
