use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::schema::reports;
use crate::domain::{text_enum, OrgKind};
use crate::indicators::normalize::IndicatorType;

text_enum! {
    /// Kind of crime.
    Category {
        Phishing = "phishing",
        BusinessEmailCompromise = "business_email_compromise",
        InvestmentFraud = "investment_fraud",
        RomanceScam = "romance_scam",
        AccountTakeover = "account_takeover",
        CardFraud = "card_fraud",
        OnlineShopFraud = "online_shop_fraud",
        Ransomware = "ransomware",
        Malware = "malware",
        Ddos = "ddos",
        Sextortion = "sextortion",
        MoneyMule = "money_mule",
        CryptoFraud = "crypto_fraud",
        IdentityTheft = "identity_theft",
        Other = "other",
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

text_enum! {
    /// Traffic Light Protocol 2.0 label: who may see the report.
    Tlp {
        Clear = "clear",
        Green = "green",
        Amber = "amber",
        AmberStrict = "amber_strict",
        Red = "red",
    }
}

impl Tlp {
    /// Order of restriction, for "TLP may only be raised".
    pub fn rank(self) -> u8 {
        match self {
            Tlp::Clear => 0,
            Tlp::Green => 1,
            Tlp::Amber => 2,
            Tlp::AmberStrict => 3,
            Tlp::Red => 4,
        }
    }
}

/// Who is asking, as report visibility sees it.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub org_id: Uuid,
    pub public_sector: bool,
}

impl Viewer {
    pub fn of(p: &Principal) -> Self {
        Viewer { org_id: p.org_id, public_sector: p.org_kind.is_public_sector() }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: Uuid,
    pub reference: String,
    pub reporter_org_id: Uuid,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    pub category: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub tlp: String,
    pub shared_with: Vec<Uuid>,
    pub anonymous: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<String>,
    pub loss_amount_minor: Option<i64>,
    pub loss_currency: Option<String>,
    pub victim_count: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = reports)]
pub struct NewReport {
    pub id: Uuid,
    pub reference: String,
    pub reporter_org_id: Uuid,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_api_key_id: Option<Uuid>,
    pub category: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub tlp: String,
    pub shared_with: Vec<Uuid>,
    pub anonymous: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub country: Option<String>,
    pub loss_amount_minor: Option<i64>,
    pub loss_currency: Option<String>,
    pub victim_count: Option<i32>,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = reports)]
pub struct ReportChanges {
    pub category: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub tlp: Option<String>,
    pub shared_with: Option<Vec<Uuid>>,
    pub first_seen: Option<Option<DateTime<Utc>>>,
    pub last_seen: Option<Option<DateTime<Utc>>>,
    pub country: Option<Option<String>>,
    pub loss_amount_minor: Option<Option<i64>>,
    pub loss_currency: Option<Option<String>>,
    pub victim_count: Option<Option<i32>>,
}

/// An amount of money in minor units (cents) of an ISO 4217 currency.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub amount_minor: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
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
}

/// A normalised observable of a report.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    /// The canonical form.
    pub value: String,
    pub role: Option<String>,
}

/// Who reported: for an anonymous report seen by another organisation, only the kind.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Reporter {
    /// Absent when the report is anonymous to you.
    pub organization_id: Option<Uuid>,
    /// The organisation's name, or "a bank" / "an ISP" / ... when anonymous.
    pub name: String,
    pub kind: OrgKind,
}

/// Body of `POST /reports` (send `Idempotency-Key` to make retries safe).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    pub loss: Option<Money>,
    pub victim_count: Option<i32>,
    #[serde(default)]
    pub indicators: Vec<IndicatorInput>,
}

/// Body of `PATCH /reports/{id}` (reporter's organisation only, with `If-Match`). TLP may only
/// be raised, `shared_with` only widened; `indicators` are added to those already there.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
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
    pub loss: Option<Money>,
    pub victim_count: Option<i32>,
    pub indicators: Option<Vec<IndicatorInput>>,
}

/// A report as a caller allowed to see it gets it.
#[derive(Serialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
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
    pub country: Option<String>,
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
    pub created_from: Option<DateTime<FixedOffset>>,
    pub created_to: Option<DateTime<FixedOffset>>,
    pub first_seen_from: Option<DateTime<FixedOffset>>,
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
    /// `exact`, `estimate` or `none` (default): whether to count all matches.
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
    pub total_kind: Option<&'static str>,
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
    pub reporter_id: Option<Uuid>,
    pub country: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub first_seen_from: Option<DateTime<Utc>>,
    pub first_seen_to: Option<DateTime<Utc>>,
    pub loss_min: Option<i64>,
    pub loss_max: Option<i64>,
    pub currency: Option<String>,
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
    pub i: Uuid,
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
pub fn parse_query(q: &ReportQuery) -> Result<ReportFilter, crate::error::ApiError> {
    use crate::domain::Check;
    let mut check = Check::new();
    let utc = |d: &Option<DateTime<FixedOffset>>| d.map(|d| d.with_timezone(&Utc));
    let indicator = match (&q.indicator_type, &q.indicator_value) {
        (Some(t), Some(v)) => check
            .take("indicator_type", t.parse::<IndicatorType>())
            .and_then(|t| check.take("indicator_value", crate::indicators::normalize::normalize(t, v)).map(|v| (t, v))),
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
        reporter_id: q.reporter_id,
        country: q.country.as_deref().and_then(|c| check.take("country", crate::domain::country(c))),
        created_from: utc(&q.created_from),
        created_to: utc(&q.created_to),
        first_seen_from: utc(&q.first_seen_from),
        first_seen_to: utc(&q.first_seen_to),
        loss_min: q.loss_min,
        loss_max: q.loss_max,
        currency: q.currency.as_deref().and_then(|c| check.take("currency", crate::domain::currency(c))),
        indicator,
        sort,
        descending,
    };
    check.finish()?;
    Ok(filter)
}

/// Normalised indicators of a request body, deduplicated; errors name `indicators[i].field`.
pub fn check_indicators(
    check: &mut crate::domain::Check,
    items: &[IndicatorInput],
) -> Vec<(IndicatorType, String, Option<String>)> {
    const MAX: usize = 1000;
    if items.len() > MAX {
        check.add("indicators", format!("at most {MAX} indicators per request"));
        return Vec::new();
    }
    let mut out: Vec<(IndicatorType, String, Option<String>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(t) = check.take(&format!("indicators[{i}].type"), item.type_.parse::<IndicatorType>()) else {
            continue;
        };
        let role = item.role.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_lowercase);
        if role.as_ref().is_some_and(|r| r.len() > 50 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            check.add(format!("indicators[{i}].role"), "up to 50 letters, digits or _");
            continue;
        }
        let Some(value) =
            check.take(&format!("indicators[{i}].value"), crate::indicators::normalize::normalize(t, &item.value))
        else {
            continue;
        };
        if !out.iter().any(|(ot, ov, _)| *ot == t && *ov == value) {
            out.push((t, value, role));
        }
    }
    out
}

/// Validates a loss.
pub fn check_money(check: &mut crate::domain::Check, field: &str, m: &Money) -> Option<Money> {
    if m.amount_minor < 0 {
        check.add(format!("{field}.amount_minor"), "must not be negative");
    }
    let currency = check.take(&format!("{field}.currency"), crate::domain::currency(&m.currency))?;
    (m.amount_minor >= 0).then_some(Money { amount_minor: m.amount_minor, currency })
}
