//! Reports on the wire, parsed, and as rows; the query's filter and cursor.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::indicator::normalize;
use crate::domain::money::MoneyInput;
use crate::domain::{text_enum, Category, Check, Country, Currency, IndicatorType, Invalid, Money, OrgId, OrgKind};
use crate::domain::{ReportId, Tlp};
use crate::kernel::db::schema::reports;

text_enum! {
    /// Whether a query counts all its matches: `exact` (a count), `estimate` (cheap on large
    /// sets: the visible matches are counted up to 10,000, and the answer says `exact` then;
    /// beyond, the planner's figure) or `none`.
    CountMode {
        Exact = "exact",
        Estimate = "estimate",
        None = "none",
    }
}

text_enum! {
    /// Where the case stands.
    ReportStatus {
        Open = "open",
        UnderInvestigation = "under_investigation",
        Closed = "closed",
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: ReportId,
    pub reference: String,
    pub reporter_org_id: OrgId,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub status: ReportStatus,
    pub tlp: Tlp,
    pub shared_with: Vec<Uuid>,
    pub anonymous: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<Country>,
    pub loss_amount_minor: Option<i64>,
    pub loss_currency: Option<Currency>,
    pub victim_count: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = reports)]
pub struct NewReport {
    pub id: ReportId,
    pub reference: String,
    pub reporter_org_id: OrgId,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub status: ReportStatus,
    pub tlp: Tlp,
    pub shared_with: Vec<Uuid>,
    pub anonymous: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<Country>,
    pub loss_amount_minor: Option<i64>,
    pub loss_currency: Option<Currency>,
    pub victim_count: Option<i32>,
}

#[derive(AsChangeset, Default, Debug)]
#[diesel(table_name = reports)]
pub struct ReportChanges {
    pub category: Option<Category>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<ReportStatus>,
    pub tlp: Option<Tlp>,
    pub shared_with: Option<Vec<Uuid>>,
    pub first_seen: Option<Option<DateTime<Utc>>>,
    pub last_seen: Option<Option<DateTime<Utc>>>,
    pub country: Option<Option<Country>>,
    pub loss_amount_minor: Option<Option<i64>>,
    pub loss_currency: Option<Option<Currency>>,
    pub victim_count: Option<Option<i32>>,
}

/// A normalised observable to link to a report, with its role in the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorLink {
    pub kind: IndicatorType,
    pub value: String,
    pub role: Option<String>,
    /// 0-100.
    pub confidence: i16,
    /// Unset: the type's default validity after the report last saw it.
    pub valid_until: Option<DateTime<Utc>>,
}

/// An observable as given: its type, the value as written, and its role in the case.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug)]
pub struct IndicatorInput {
    #[serde(rename = "type")]
    #[schema(value_type = IndicatorType)]
    pub type_: String,
    pub value: String,
    /// e.g. beneficiary_account, victim_account, phishing_url, c2_server, sender_email, scam_phone.
    pub role: Option<String>,
    /// How sure you are, 0-100 (default 50).
    pub confidence: Option<i64>,
    /// Until when the value should count as current (default: by type after the report's
    /// last_seen: ipv4/ipv6 30 days, url 90, domain 180, sha256 730, others 365).
    pub valid_until: Option<DateTime<FixedOffset>>,
}

/// A normalised observable of a report.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    /// The canonical form.
    pub value: String,
    pub role: Option<String>,
    /// The reporter's confidence, 0-100.
    pub confidence: i16,
    /// Until when it counts as current; after it, look-ups show it as stale and watchlists
    /// ignore it.
    pub valid_until: DateTime<Utc>,
    /// Past `valid_until`.
    pub stale: bool,
    /// Withdrawn by the reporter (shown to the reporter only; others no longer see the value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
}

/// A value withdrawn from a report.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub reason: String,
    /// The value that replaced it, when it was a correction.
    pub corrected_to: Option<IndicatorRef>,
}

pub use crate::domain::indicator::IndicatorRef;

/// Who reported: for an anonymous report seen by another organisation, only the kind.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Reporter {
    /// Absent when the report is anonymous to you.
    pub organization_id: Option<OrgId>,
    /// The organisation's name, or "a bank" / "an ISP" / ... when anonymous.
    pub name: String,
    pub kind: OrgKind,
}

/// Body of `POST /reports` (send `Idempotency-Key` to make retries safe).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "phishing", "title": "Fake bank login", "description": "SMS with a link to a fake login page of Bank A", "tlp": "amber", "shared_with": [], "anonymous": false, "first_seen": "2026-11-20T10:15:00+01:00", "last_seen": "2026-11-22T18:00:00+01:00", "country": "XK", "loss": {"amount_minor": 125000, "currency": "EUR"}, "victim_count": 3, "indicators": [{"type": "iban", "value": "XK05 1212 0123 4567 8906", "role": "beneficiary_account"}, {"type": "domain", "value": "secure-bank-login.example", "role": "phishing_site"}]}))]
pub struct CreateReport {
    #[schema(value_type = Category)]
    pub category: String,
    pub title: String,
    pub description: String,
    #[schema(value_type = Tlp)]
    pub tlp: String,
    /// Organisations that may see the report whatever its TLP.
    #[serde(default)]
    pub shared_with: Vec<Uuid>,
    /// Other organisations see "a bank" (etc.) instead of your name.
    #[serde(default)]
    pub anonymous: bool,
    #[schema(value_type = Option<ReportStatus>)]
    pub status: Option<String>,
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub loss: Option<MoneyInput>,
    pub victim_count: Option<i32>,
    #[serde(default)]
    pub indicators: Vec<IndicatorInput>,
}

/// Body of `PATCH /reports/{id}` (reporter's organisation only, with `If-Match`). TLP may only
/// be raised, `shared_with` only widened; `indicators` are added to those already there.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "under_investigation", "tlp": "amber_strict", "indicators": [{"type": "url", "value": "https://secure-bank-login.example/login", "role": "phishing_url"}]}))]
pub struct UpdateReport {
    #[schema(value_type = Option<Category>)]
    pub category: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<ReportStatus>)]
    pub status: Option<String>,
    #[schema(value_type = Option<Tlp>)]
    pub tlp: Option<String>,
    pub shared_with: Option<Vec<Uuid>>,
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    pub country: Option<String>,
    pub loss: Option<MoneyInput>,
    pub victim_count: Option<i32>,
    pub indicators: Option<Vec<IndicatorInput>>,
}

/// A report as a caller allowed to see it gets it.
#[derive(Serialize, ToSchema)]
pub struct Report {
    pub id: ReportId,
    /// Human reference, e.g. `RPT-2026-000123`.
    pub reference: String,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub status: ReportStatus,
    pub tlp: Tlp,
    /// Shown to the reporting organisation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<Vec<Uuid>>,
    pub anonymous: bool,
    pub reporter: Reporter,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<Country>,
    pub loss: Option<Money>,
    pub victim_count: Option<i32>,
    pub indicators: Vec<Indicator>,
    /// Sent as the `ETag`; PATCH needs it in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters, sort and paging of `GET /reports` and `GET /reports/export.csv`.
#[derive(Deserialize, IntoParams, Default, Debug, Clone)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Free text over title and description (web-search syntax: `"exact phrase" -word or`).
    pub q: Option<String>,
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    #[param(value_type = Option<ReportStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<Tlp>)]
    pub tlp: Option<String>,
    /// Reporting organisation (anonymous reports of others never match).
    pub reporter_id: Option<Uuid>,
    pub country: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_from: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_to: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub first_seen_from: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub first_seen_to: Option<DateTime<FixedOffset>>,
    /// Loss at least this many minor units (needs `currency`).
    pub loss_min: Option<i64>,
    pub loss_max: Option<i64>,
    pub currency: Option<String>,
    #[param(value_type = Option<IndicatorType>)]
    pub indicator_type: Option<String>,
    /// Normalised like the indicator type says before matching.
    pub indicator_value: Option<String>,
    /// `created`, `first_seen` or `loss`, with `-` for descending (default `-created`).
    pub sort: Option<String>,
    /// Whether to count all matches (default `none`).
    #[param(value_type = Option<CountMode>)]
    pub count: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of reports.
#[derive(Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<Report>,
    pub next_cursor: Option<String>,
    /// All matches, when `count` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// `exact` or `estimate`, with `total`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_kind: Option<CountMode>,
}

/// What `sort` orders by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    FirstSeen,
    Loss,
}

/// A validated report query.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub text: Option<String>,
    pub category: Option<Category>,
    pub status: Option<ReportStatus>,
    pub tlp: Option<Tlp>,
    pub reporter_id: Option<OrgId>,
    pub country: Option<Country>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub first_seen_from: Option<DateTime<Utc>>,
    pub first_seen_to: Option<DateTime<Utc>>,
    pub loss_min: Option<i64>,
    pub loss_max: Option<i64>,
    pub currency: Option<Currency>,
    pub indicator: Option<(IndicatorType, String)>,
    pub sort: SortKey,
    pub descending: bool,
}

/// The keyset position of the last report of a page.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ReportCursor {
    /// The sort key it was made for.
    pub s: String,
    /// The sort value of the last row (RFC 3339 time or integer).
    pub k: String,
    pub i: ReportId,
}

impl ReportFilter {
    pub fn sort_name(&self) -> String {
        let key = match self.sort {
            SortKey::Created => "created",
            SortKey::FirstSeen => "first_seen",
            SortKey::Loss => "loss",
        };
        if self.descending {
            format!("-{key}")
        } else {
            key.to_string()
        }
    }

    /// The cursor after `row` in this order.
    pub fn cursor_after(&self, row: &ReportRow) -> ReportCursor {
        let k = match self.sort {
            SortKey::Created => row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            SortKey::FirstSeen => {
                row.first_seen.unwrap_or(row.created_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            }
            SortKey::Loss => row.loss_amount_minor.unwrap_or(-1).to_string(),
        };
        ReportCursor { s: self.sort_name(), k, i: row.id }
    }
}

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

/// A new report, parsed.
#[derive(Debug)]
pub struct ReportInput {
    pub category: Category,
    pub title: String,
    pub description: String,
    pub tlp: Tlp,
    pub status: ReportStatus,
    pub shared_with: Vec<Uuid>,
    pub anonymous: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<Country>,
    pub loss: Option<Money>,
    pub victim_count: Option<i32>,
    pub indicators: Vec<IndicatorLink>,
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

/// How an anonymous reporter is named to others, and the organisation to its own members.
pub fn reporter(row: &ReportRow, viewer: OrgId, name: String, kind: OrgKind) -> Reporter {
    if row.anonymous && row.reporter_org_id != viewer {
        Reporter { organization_id: None, name: kind.anonymous_name().into(), kind }
    } else {
        Reporter { organization_id: Some(row.reporter_org_id), name, kind }
    }
}

/// Body of `POST /reports/{id}/indicators/{type}/{value}/withdraw`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Typo: the account belongs to an uninvolved customer"}))]
pub struct WithdrawIndicator {
    /// Why (1 to 1,000 characters): told to the organisations that matched the value.
    pub reason: String,
}

/// Body of `POST /reports/{id}/indicators/{type}/{value}/correct`: the value that replaces it.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"value": "XK05 1212 0123 4567 8906", "reason": "Two digits were swapped", "confidence": 90}))]
pub struct CorrectIndicator {
    /// The corrected value's type (default: the same type).
    #[serde(rename = "type")]
    #[schema(value_type = Option<IndicatorType>)]
    pub type_: Option<String>,
    pub value: String,
    /// Why (1 to 1,000 characters).
    pub reason: String,
    pub role: Option<String>,
    pub confidence: Option<i64>,
    pub valid_until: Option<DateTime<FixedOffset>>,
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
