//! Parsing what callers send about reports: a new report and its indicators, a change (TLP
//! only raised, sharing only widened), a query, a withdrawal or correction. Each wrong field is
//! named (`indicators[3].value: IBAN checksum failed`).

use chrono::{DateTime, Duration, FixedOffset, Utc};
use uuid::Uuid;

use super::model::*;
use crate::domain::indicator::normalize;
use crate::domain::{Check, Country, Currency, IndicatorType, Invalid, OrgId, Tlp};

/// Validates a query's parameters, naming each bad one.
pub fn parse_query(q: &ReportQuery) -> Result<ReportFilter, Invalid> {
    let mut check = Check::new();
    let utc = |d: &Option<DateTime<FixedOffset>>| d.map(|d| d.with_timezone(&Utc));
    let indicator = match (&q.indicator_type, &q.indicator_value) {
        (Some(t), Some(v)) => check
            .take("indicator_type", t.parse::<IndicatorType>())
            .and_then(|t| check.take("indicator_value", normalize(t, v)).map(|v| (t, v))),
        (None, None) => None,
        _ => {
            check.add("indicator_value", "give indicator_type and indicator_value together");
            None
        }
    };
    let (sort, descending) = match q.sort.as_deref().unwrap_or("-created") {
        "created" => (SortKey::Created, false),
        "-created" => (SortKey::Created, true),
        "first_seen" => (SortKey::FirstSeen, false),
        "-first_seen" => (SortKey::FirstSeen, true),
        "loss" => (SortKey::Loss, false),
        "-loss" => (SortKey::Loss, true),
        _ => {
            check.add("sort", "one of created, first_seen, loss, each with an optional leading - for descending");
            (SortKey::Created, true)
        }
    };
    if (q.loss_min.is_some() || q.loss_max.is_some()) && q.currency.is_none() {
        check.add("currency", "a loss range needs the currency it is in");
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    if text.as_ref().is_some_and(|t| t.len() > 500) {
        check.add("q", "must be at most 500 characters");
    }
    let filter = ReportFilter {
        text,
        category: q.category.as_deref().and_then(|c| check.take("category", c.parse())),
        status: q.status.as_deref().and_then(|c| check.take("status", c.parse())),
        tlp: q.tlp.as_deref().and_then(|c| check.take("tlp", c.parse())),
        reporter_id: q.reporter_id.map(OrgId),
        country: check.optional("country", q.country.as_deref(), Country::parse),
        created_from: utc(&q.created_from),
        created_to: utc(&q.created_to),
        first_seen_from: utc(&q.first_seen_from),
        first_seen_to: utc(&q.first_seen_to),
        loss_min: q.loss_min,
        loss_max: q.loss_max,
        currency: check.optional("currency", q.currency.as_deref(), Currency::parse),
        indicator,
        sort,
        descending,
    };
    check.finish()?;
    Ok(filter)
}

/// Normalised indicators of a request body, deduplicated; errors name `indicators[i].field`.
pub fn parse_indicators(check: &mut Check, items: &[IndicatorInput]) -> Vec<IndicatorLink> {
    const MAX: usize = 1000;
    if items.len() > MAX {
        check.add("indicators", format!("at most {MAX} indicators per request"));
        return Vec::new();
    }
    let mut out: Vec<IndicatorLink> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(kind) = check.take(&format!("indicators[{i}].type"), item.type_.parse::<IndicatorType>()) else {
            continue;
        };
        let role = item.role.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_lowercase);
        if role.as_ref().is_some_and(|r| r.len() > 50 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            check.add(format!("indicators[{i}].role"), "up to 50 letters, digits or _");
            continue;
        }
        let Some(value) = check.take(&format!("indicators[{i}].value"), normalize(kind, &item.value)) else {
            continue;
        };
        let Some((confidence, valid_until)) =
            check_quality(check, &format!("indicators[{i}]"), item.confidence, item.valid_until)
        else {
            continue;
        };
        if !out.iter().any(|o| o.kind == kind && o.value == value) {
            out.push(IndicatorLink { kind, value, role, confidence, valid_until });
        }
    }
    out
}

/// A value's confidence (0-100, default 50) and validity (at most ten years ahead), errors named
/// under `at` (`indicators[3]`).
pub fn check_quality(
    check: &mut Check,
    at: &str,
    confidence: Option<i64>,
    valid_until: Option<DateTime<FixedOffset>>,
) -> Option<(i16, Option<DateTime<Utc>>)> {
    let confidence = match confidence {
        None => crate::domain::indicator::DEFAULT_CONFIDENCE,
        Some(c @ 0..=100) => c as i16,
        Some(_) => {
            check.add(format!("{at}.confidence"), "from 0 to 100");
            return None;
        }
    };
    let valid_until = valid_until.map(|t| t.with_timezone(&Utc));
    if valid_until.is_some_and(|t| t > Utc::now() + Duration::days(3653)) {
        check.add(format!("{at}.valid_until"), "at most ten years ahead");
        return None;
    }
    Some((confidence, valid_until))
}

/// Times in the future (beyond clock skew) are refused.
fn parse_time(
    check: &mut Check,
    field: &str,
    t: Option<DateTime<FixedOffset>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let t = t?.with_timezone(&Utc);
    if t > now + Duration::hours(1) {
        check.add(field, "is in the future");
    }
    Some(t)
}

/// Most organisations a report may be shared with by name.
pub const MAX_SHARED_WITH: usize = 100;

/// `shared_with` without duplicates (each one's existence is checked against the directory).
pub fn parse_shared_with(check: &mut Check, ids: &[Uuid]) -> Vec<Uuid> {
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() > MAX_SHARED_WITH {
        check.add("shared_with", format!("at most {MAX_SHARED_WITH} organisations"));
        return Vec::new();
    }
    unique
}

impl CreateReport {
    /// Every field checked; errors go to `check` (the caller adds the directory check of
    /// `shared_with` before it finishes).
    pub fn parse(&self, check: &mut Check, now: DateTime<Utc>) -> Option<ReportInput> {
        let category = check.take("category", self.category.parse());
        let title = check.text("title", &self.title, 1, 300);
        let description = check.text("description", &self.description, 1, 20_000);
        let tlp = check.take("tlp", self.tlp.parse());
        let status = self.status.as_deref().map_or(Some(ReportStatus::Open), |s| check.take("status", s.parse()));
        let first_seen = parse_time(check, "first_seen", self.first_seen, now);
        let last_seen = parse_time(check, "last_seen", self.last_seen, now);
        if let (Some(f), Some(l)) = (first_seen, last_seen) {
            if f > l {
                check.add("last_seen", "is before first_seen");
            }
        }
        let country = check.optional("country", self.country.as_deref(), Country::parse);
        let loss = self.loss.as_ref().and_then(|m| m.parse(check, "loss"));
        if self.victim_count.is_some_and(|n| n < 0) {
            check.add("victim_count", "must not be negative");
        }
        let indicators = parse_indicators(check, &self.indicators);
        let shared_with = parse_shared_with(check, &self.shared_with);
        Some(ReportInput {
            category: category?,
            title: title?,
            description: description?,
            tlp: tlp?,
            status: status?,
            shared_with,
            anonymous: self.anonymous,
            first_seen,
            last_seen,
            country,
            loss,
            victim_count: self.victim_count,
            indicators,
        })
    }
}

impl UpdateReport {
    /// The changes to `current` and the indicators to add. TLP may only be raised and
    /// `shared_with` only widened (the caller checks the directory for new names).
    pub fn parse(
        &self,
        check: &mut Check,
        current: &ReportRow,
        now: DateTime<Utc>,
    ) -> (ReportChanges, Vec<IndicatorLink>) {
        let tlp: Option<Tlp> = check.optional("tlp", self.tlp.as_deref(), str::parse);
        if tlp.is_some_and(|t| t.rank() < current.tlp.rank()) {
            check.add("tlp", format!("TLP may only be raised (it is {})", current.tlp));
        }
        let shared_with = self.shared_with.as_deref().map(|list| parse_shared_with(check, list));
        if shared_with.as_ref().is_some_and(|new| current.shared_with.iter().any(|o| !new.contains(o))) {
            check.add("shared_with", "may only be widened: keep every organisation already listed");
        }
        let first_seen = parse_time(check, "first_seen", self.first_seen, now);
        let last_seen = parse_time(check, "last_seen", self.last_seen, now);
        if let (Some(f), Some(l)) = (first_seen.or(current.first_seen), last_seen.or(current.last_seen)) {
            if f > l {
                check.add("last_seen", "is before first_seen");
            }
        }
        if self.victim_count.is_some_and(|n| n < 0) {
            check.add("victim_count", "must not be negative");
        }
        let loss = self.loss.as_ref().and_then(|m| m.parse(check, "loss"));
        let changes = ReportChanges {
            category: check.optional("category", self.category.as_deref(), str::parse),
            title: self.title.as_deref().and_then(|t| check.text("title", t, 1, 300)),
            description: self.description.as_deref().and_then(|t| check.text("description", t, 1, 20_000)),
            status: check.optional("status", self.status.as_deref(), str::parse),
            tlp,
            shared_with,
            first_seen: first_seen.map(Some),
            last_seen: last_seen.map(Some),
            country: check.optional("country", self.country.as_deref(), Country::parse).map(Some),
            loss_amount_minor: loss.as_ref().map(|m| Some(m.amount_minor)),
            loss_currency: loss.map(|m| Some(m.currency)),
            victim_count: self.victim_count.map(Some),
        };
        let indicators = self.indicators.as_deref().map(|items| parse_indicators(check, items)).unwrap_or_default();
        (changes, indicators)
    }
}

/// A withdrawal's reason, checked.
pub fn parse_reason(check: &mut Check, reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        check.add("reason", "from 1 to 1,000 characters");
    }
    reason.to_string()
}

impl CorrectIndicator {
    /// The replacement link, of `old_type` unless another is named.
    pub fn parse(&self, check: &mut Check, old_type: IndicatorType) -> (String, Option<IndicatorLink>) {
        let reason = parse_reason(check, &self.reason);
        let input = IndicatorInput {
            type_: self.type_.clone().unwrap_or_else(|| old_type.to_string()),
            value: self.value.clone(),
            role: self.role.clone(),
            confidence: self.confidence,
            valid_until: self.valid_until,
        };
        let mut inner = Check::new();
        let link = parse_indicators(&mut inner, std::slice::from_ref(&input)).pop();
        // Errors name the body's own fields (`value`, not `indicators[0].value`).
        if let Err(Invalid(errors)) = inner.finish() {
            for e in errors {
                check.add(e.field.trim_start_matches("indicators[0]."), e.message);
            }
        }
        (reason, link)
    }
}
