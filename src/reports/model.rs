//! Reports on the wire and as rows; the query's filter and cursor. Their parsing is in
//! `parse`, the answers built from rows in `view`.

use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::money::MoneyInput;
use crate::domain::{text_enum, Category, Country, Currency, IndicatorType, Money, OrgId, OrgKind};
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
