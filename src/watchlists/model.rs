use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::indicator::{self as normalize};
use crate::domain::{Check, IndicatorType, OrgId};
use crate::kernel::db::schema::watchlists;

/// Most items added or removed in one call.
pub const MAX_ITEMS_PER_CALL: usize = 10_000;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = watchlists)]
pub struct WatchlistRow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub name: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A watched value: any indicator type; ipv4/ipv6 may be CIDR networks.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct WatchItem {
    #[serde(rename = "type")]
    #[schema(value_type = IndicatorType)]
    pub type_: String,
    pub value: String,
}

/// Body of `POST /watchlists`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Customers", "items": [{"type": "iban", "value": "XK05 1212 0123 4567 8906"}, {"type": "ipv4", "value": "192.0.2.0/24"}]}))]
pub struct CreateWatchlist {
    pub name: String,
    #[serde(default)]
    pub items: Vec<WatchItem>,
}

/// Body of `PATCH /watchlists/{id}`: rename, add and remove items (up to 10,000 each).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Customers and ranges", "add": [{"type": "domain", "value": "bank-a.example"}], "remove": [{"type": "ipv4", "value": "192.0.2.0/24"}]}))]
pub struct UpdateWatchlist {
    pub name: Option<String>,
    #[serde(default)]
    pub add: Vec<WatchItem>,
    #[serde(default)]
    pub remove: Vec<WatchItem>,
}

/// A watchlist of your organisation.
#[derive(Serialize, ToSchema)]
pub struct Watchlist {
    pub id: Uuid,
    pub name: String,
    pub item_count: i64,
    /// Present on `GET /watchlists/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<WatchItem>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Your organisation's watchlists.
#[derive(Serialize, ToSchema)]
pub struct WatchlistList {
    pub items: Vec<Watchlist>,
    pub next_cursor: Option<String>,
}

/// A normalised item: (type, value, is a network).
pub type ParsedItem = (IndicatorType, String, bool);

/// Normalises items; errors name `<field>[i].type` / `.value`.
pub fn check_items(check: &mut Check, field: &str, items: &[WatchItem]) -> Vec<ParsedItem> {
    if items.len() > MAX_ITEMS_PER_CALL {
        check.add(field, format!("at most {MAX_ITEMS_PER_CALL} items per call"));
        return Vec::new();
    }
    let mut out: Vec<ParsedItem> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(t) = check.take(&format!("{field}[{i}].type"), item.type_.parse::<IndicatorType>()) else { continue };
        let is_network = matches!(t, IndicatorType::Ipv4 | IndicatorType::Ipv6) && item.value.contains('/');
        let parsed = if is_network { normalize::network(t, &item.value) } else { normalize::normalize(t, &item.value) };
        if let Some(value) = check.take(&format!("{field}[{i}].value"), parsed) {
            out.push((t, value, is_network));
        }
    }
    out.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    out.dedup();
    out
}
