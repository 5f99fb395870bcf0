use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::EventType;
use crate::domain::{Category, IndicatorType, ReportId, Tlp};

/// Payload of `report.indicator_match`: a report you may see names values on your watchlists.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
pub struct IndicatorMatch {
    pub report_id: ReportId,
    pub reference: String,
    pub category: Category,
    pub tlp: Tlp,
    pub matches: Vec<WatchlistHit>,
}

/// One watched value named by the report.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
pub struct WatchlistHit {
    pub watchlist_id: Uuid,
    pub watchlist: String,
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    /// The report's value.
    pub value: String,
    /// The watchlist entry it matched (a CIDR network for addresses inside it).
    pub item: String,
}

/// Payload of `indicator.withdrawn`: a value of a report that matched your watchlist was
/// withdrawn by its reporter; stop relying on it (and on the match it caused).
#[derive(Serialize, Deserialize, ToSchema, Debug)]
pub struct IndicatorWithdrawnEvent {
    pub report_id: ReportId,
    pub reference: String,
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    pub value: String,
    pub reason: String,
    pub withdrawn_at: DateTime<Utc>,
    /// The value that replaced it, when it was a correction.
    pub corrected_to: Option<crate::domain::indicator::IndicatorRef>,
}

/// One event of your organisation's feed.
#[derive(Serialize, ToSchema, Debug)]
pub struct Event {
    /// Stable across retries and deliveries: use it to de-duplicate.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub type_: EventType,
    pub created_at: DateTime<Utc>,
    /// The event's payload; its shape depends on `type`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A page of the feed, oldest first.
#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `after` for the next page; with no new event it is the `after` you sent.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// `next_cursor` of the previous page; absent: from the oldest event kept.
    pub after: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// Comma-separated event types to keep.
    pub types: Option<String>,
    /// Long-poll: with no event yet, wait up to this long (`30s`, max 60 s) for one.
    pub wait: Option<String>,
}
