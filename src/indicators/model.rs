use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{Category, IndicatorType, ReportId, Tlp};
use crate::kernel::error::{ApiError, ApiResult};

/// Most report references listed per looked-up value (the count covers all).
pub const MAX_REFS: usize = 100;
/// Most values per batch look-up.
pub const MAX_BATCH: usize = 1000;

/// One value to look up.
#[derive(Deserialize, ToSchema, IntoParams, Clone, Debug)]
#[into_params(parameter_in = Query)]
pub struct LookupItem {
    #[serde(rename = "type")]
    #[schema(value_type = IndicatorType)]
    #[param(value_type = IndicatorType)]
    pub type_: String,
    pub value: String,
}

/// Body of `POST /indicators/lookup`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"items": [{"type": "iban", "value": "XK05 1212 0123 4567 8906"}, {"type": "domain", "value": "secure-bank-login.example"}, {"type": "phone", "value": "+383 44 123 456"}]}))]
pub struct LookupRequest {
    /// Up to 1,000 values.
    pub items: Vec<LookupItem>,
    /// Why you search and for which case (required of the public sector by default).
    #[serde(flatten)]
    pub purpose: crate::domain::PurposeParams,
}

/// A report naming a looked-up value.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ReportRef {
    pub id: ReportId,
    pub category: Category,
    pub tlp: Tlp,
    /// The reporter's confidence in the value, 0-100.
    pub confidence: i16,
    /// Until when the report's sighting of the value counts as current.
    pub valid_until: DateTime<Utc>,
    /// Past `valid_until`: history, not a current sighting.
    pub stale: bool,
}

/// The answer for one valid value: computed over the reports visible to you only.
#[derive(Serialize, ToSchema, Debug)]
pub struct LookupHit {
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    /// The normalised value.
    pub value: String,
    /// Whether a report visible to you names it as current (not past its validity, not
    /// withdrawn).
    pub seen: bool,
    /// Named only by reports whose validity for it has passed: history, not a current sighting.
    pub stale: bool,
    /// Visible reports naming it as current.
    pub report_count: usize,
    /// Visible reports whose validity for it has passed.
    pub stale_report_count: usize,
    /// The highest confidence among the current reports, lowered by 25 for each organisation
    /// that found the value a false positive in the last 90 days (null when no current report).
    pub confidence: Option<i16>,
    /// Two or more organisations found it a false positive in the last 90 days.
    pub disputed: bool,
    /// Every organisation's sightings of the value, counted.
    pub sightings: SightingSummary,
    /// Your organisation's latest sighting of it.
    pub own_latest_sighting: Option<Sighting>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// The most recent 100 of those reports, current ones first.
    pub reports: Vec<ReportRef>,
}

/// The answer for a value that is not valid for its type.
#[derive(Serialize, ToSchema, Debug)]
pub struct LookupFailure {
    #[serde(rename = "type")]
    pub type_: String,
    /// The value as given.
    pub value: String,
    pub error: String,
}

/// One result per item, in the order given.
#[derive(Serialize, ToSchema, Debug)]
#[serde(untagged)]
pub enum LookupResult {
    Hit(LookupHit),
    Failure(LookupFailure),
}

/// Answer of `POST /indicators/lookup`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"results": [{"type": "iban", "value": "XK051212012345678906", "seen": true, "stale": false, "report_count": 1, "stale_report_count": 0, "confidence": 80, "disputed": false, "sightings": {"seen": 4, "false_positive": 0, "expired": 0, "false_positive_organizations": 0, "first_seen": "2026-11-28T08:00:00Z", "last_seen": "2026-11-28T09:30:00Z"}, "own_latest_sighting": null, "first_seen": "2026-11-01T08:00:00Z", "last_seen": "2026-11-20T17:00:00Z", "reports": [{"id": "0193a7c2-5e4f-7a10-9d2b-2c1f3e4d5a6b", "category": "investment_fraud", "tlp": "green", "confidence": 80, "valid_until": "2027-11-20T17:00:00Z", "stale": false}]}, {"type": "domain", "value": "secure-bank-login.example", "seen": false, "stale": false, "report_count": 0, "stale_report_count": 0, "confidence": null, "disputed": false, "sightings": {"seen": 0, "false_positive": 0, "expired": 0, "false_positive_organizations": 0, "first_seen": null, "last_seen": null}, "own_latest_sighting": null, "first_seen": null, "last_seen": null, "reports": []}, {"type": "iban", "value": "XK05 1212 0123 4567 8907", "error": "IBAN checksum failed"}]}))]
pub struct LookupResponse {
    pub results: Vec<LookupResult>,
}

/// A visible report naming a value, as the look-up query returns it.
#[derive(diesel::QueryableByName, Debug)]
pub struct HitRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub type_: IndicatorType,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub value: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub report_id: ReportId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category: Category,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub tlp: Tlp,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub first_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub confidence: i16,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub valid_until: DateTime<Utc>,
}

/// Paging of `GET /indicators/{type}/{value}/reports`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CorrelationQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

crate::domain::text_enum! {
    /// What a sighting says of a value.
    SightingKind {
        /// Seen in the organisation's own traffic (a payment attempt, a log, a mailbox).
        Seen = "seen",
        /// Checked and found not malicious: a false positive.
        FalsePositive = "false_positive",
        /// No longer in use (a taken-down domain, a closed account).
        Expired = "expired",
    }
}

crate::domain::text_enum! {
    /// Where a value was sighted.
    SightingSource {
        PaymentAttempt = "payment_attempt",
        Log = "log",
        Mailbox = "mailbox",
        Network = "network",
        Other = "other",
    }
}

/// Body of `POST /indicators/{type}/{value}/sightings`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "seen", "source": "payment_attempt", "count": 3, "first_seen": "2026-11-29T08:00:00Z", "last_seen": "2026-11-29T09:30:00Z"}))]
pub struct SightingInput {
    #[schema(value_type = SightingKind)]
    pub kind: String,
    /// Default `other`.
    #[schema(value_type = Option<SightingSource>)]
    pub source: Option<String>,
    /// 1 to 1,000,000 (default 1).
    pub count: Option<i64>,
    /// Default: now.
    pub first_seen: Option<DateTime<chrono::FixedOffset>>,
    /// Default: `first_seen`.
    pub last_seen: Option<DateTime<chrono::FixedOffset>>,
    /// Up to 1,000 characters, kept for your organisation.
    pub note: Option<String>,
}

/// One sighting, as its organisation recorded it.
#[derive(Serialize, ToSchema, Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = crate::kernel::db::schema::sightings)]
pub struct Sighting {
    pub id: uuid::Uuid,
    #[serde(rename = "type")]
    #[diesel(column_name = type_)]
    pub type_: IndicatorType,
    pub value: String,
    pub kind: SightingKind,
    pub source: SightingSource,
    pub count: i32,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What every organisation's sightings say of a value (no organisation is named), told to a
/// caller who sees a report naming the value; to anyone else, what its own sightings say.
#[derive(Serialize, ToSchema, Debug, Clone, Default, PartialEq)]
pub struct SightingSummary {
    /// Times seen (the sum of the counts).
    pub seen: i64,
    /// Organisations that found it a false positive (each counts once, whatever its count).
    pub false_positive: i64,
    pub expired: i64,
    /// Different organisations that found it a false positive in the last 90 days.
    pub false_positive_organizations: i64,
    /// The earliest and latest time it was seen.
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

impl SightingInput {
    /// The sighting of `(t, value)` this input describes, each wrong field named.
    pub fn parse(&self, t: IndicatorType, value: String) -> ApiResult<super::store::NewSighting> {
        let b = self;
        let mut check = crate::domain::Check::new();
        let kind = check.take("kind", b.kind.parse::<SightingKind>());
        let source = match b.source.as_deref() {
            None => Some(SightingSource::Other),
            Some(s) => check.take("source", s.parse::<SightingSource>()),
        };
        let count = b.count.unwrap_or(1);
        if !(1..=1_000_000).contains(&count) {
            check.add("count", "from 1 to 1,000,000");
        }
        let now = chrono::Utc::now();
        let first_seen = b.first_seen.map_or(now, |t| t.with_timezone(&chrono::Utc));
        let last_seen = b.last_seen.map_or(first_seen, |t| t.with_timezone(&chrono::Utc));
        if last_seen < first_seen {
            check.add("last_seen", "must not be before first_seen");
        }
        if last_seen > now + chrono::Duration::minutes(5) {
            check.add("last_seen", "must not be in the future");
        }
        let note = b.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            check.add("note", "at most 1,000 characters");
        }
        check.finish()?;
        Ok(super::store::NewSighting {
            kind_of_value: t,
            value,
            kind: kind.ok_or_else(|| ApiError::internal("checked"))?,
            source: source.ok_or_else(|| ApiError::internal("checked"))?,
            count: count as i32,
            first_seen,
            last_seen,
            note,
        })
    }
}

impl LookupItem {
    /// The item's type and normalised value, or what is wrong with it.
    pub fn parse(&self) -> Result<(IndicatorType, String), LookupFailure> {
        let fail = |error: String| LookupFailure { type_: self.type_.clone(), value: self.value.clone(), error };
        let t = self.type_.parse::<IndicatorType>().map_err(fail)?;
        crate::domain::indicator::normalize(t, &self.value).map(|v| (t, v)).map_err(fail)
    }
}
