//! Published statistics, as the JSON API and the console read them:
//!
//! | function | action | does |
//! |---|---|---|
//! | [`compute_due`] | (the background job) | computes and freezes the tables of every closed period not yet frozen |
//! | [`list`] | `ReadStatisticsTables` | the tables and their periods and versions |
//! | [`read`] | `ReadStatisticsTables` | one table over one period, as frozen |
//!
//! A month's tables are computed once the month is over, a quarter's once its three months'
//! are; both are then frozen (`store::freeze`): read twice, a table gives the same figures.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::disclosure::Floor;
use super::store;
use super::tables::{self, Cell};
use crate::access::{Action, Grant};
use crate::domain::Currency;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// What every table says of itself.
pub const NOTICE: &str = "platform-reported, not official statistics";

/// The published tables: name, the length of its periods, what it counts.
pub const TABLES: [(&str, &str, &str); 2] = [
    ("reports-by-category", "month", "Reports per category and reporter country, with their losses"),
    ("losses-by-category", "quarter", "Reports with a loss per category: their rounded sum and median loss"),
];

/// A closed calendar period: a month (`2026-11`) or a quarter (`2026-Q4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
}

impl Period {
    pub fn parse(text: &str) -> Result<Period, String> {
        let bad = || format!("`{text}` is not a period: write a month as 2026-11, a quarter as 2026-Q4");
        let (year, rest) = text.split_once('-').ok_or_else(bad)?;
        let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !(digits(rest, 2) || (rest.len() == 2 && rest.starts_with('Q'))) {
            return Err(bad());
        }
        let year: i32 = year.parse().ok().filter(|y| (2000..=9999).contains(y)).ok_or_else(bad)?;
        if let Some(q) = rest.strip_prefix('Q') {
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q)).ok_or_else(bad)?;
            return Ok(Period::Quarter(year, q));
        }
        let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?;
        Ok(Period::Month(year, m))
    }

    /// Its first instant and the first after it (UTC).
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |y: i32, m: u32| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or_default();
        let (y, m, months) = match self {
            Period::Month(y, m) => (y, m, 1),
            Period::Quarter(y, q) => (y, 3 * q - 2, 3),
        };
        let end_index = y * 12 + (m as i32 - 1) + months;
        (start(y, m), start(end_index / 12, (end_index % 12) as u32 + 1))
    }

    /// The months of a quarter (a month: itself).
    pub fn months(self) -> Vec<Period> {
        match self {
            Period::Month(..) => vec![self],
            Period::Quarter(y, q) => (0..3).map(|i| Period::Month(y, 3 * q - 2 + i)).collect(),
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
        }
    }
}

/// The floor a table was published under.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FloorApplied {
    pub min_count: u64,
    pub min_orgs: u64,
    pub p_percent: u32,
    pub median_min: u64,
    /// Sums (and medians) are rounded to this many minor units of `currency`.
    pub rounding_minor: i64,
}

/// `GET /statistics/tables/{name}?period=`: one table over one closed period, as frozen.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TableAnswer {
    pub table: String,
    pub title: String,
    pub period: String,
    /// The frozen version answered (a revision is a new version).
    #[serde(default)]
    pub version: i32,
    #[serde(default)]
    pub computed_at: Option<DateTime<Utc>>,
    /// "platform-reported, not official statistics".
    pub notice: String,
    /// Losses are those reported in this currency (others' reports are counted, not summed).
    pub currency: String,
    pub floor: FloorApplied,
    pub cells: Vec<Cell>,
}

/// One table and period of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableSummary {
    pub table: String,
    pub title: String,
    pub period: String,
    pub version: i32,
    pub computed_at: DateTime<Utc>,
}

/// `GET /statistics/tables`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableList {
    pub notice: String,
    pub items: Vec<TableSummary>,
}

fn title(name: &str) -> String {
    TABLES.iter().find(|t| t.0 == name).map(|t| t.2.to_string()).unwrap_or_default()
}

/// The floor and rounding of this instance (sums to 1,000 units of the currency).
fn floor_applied(state: &AppState, currency: &Currency) -> (Floor, FloorApplied) {
    let floor = Floor::of(&state.config);
    let rounding_minor = 1000 * 10i64.pow(currency.exponent());
    let applied = FloorApplied {
        min_count: floor.min_count,
        min_orgs: floor.min_orgs,
        p_percent: floor.p_percent,
        median_min: floor.median_min,
        rounding_minor,
    };
    (floor, applied)
}

/// Computes and freezes every table of every closed period not yet frozen (from the quarter of
/// the first report, at most about 24 months back); returns how many it froze.
pub async fn compute_due(state: &AppState) -> ApiResult<usize> {
    let mut conn = state.long_pool.get().await?;
    let Some(first) = store::first_report_at(&mut conn).await? else { return Ok(0) };
    let now = Utc::now();
    let currency = Currency::parse(&state.config.stats_currency).map_err(ApiError::internal)?;
    let (floor, applied) = floor_applied(state, &currency);
    let countries = store::member_countries(&mut conn).await?;
    let current = now.year() * 12 + now.month0() as i32;
    // From the first month of a quarter, so that every quarter has its three months.
    let start = |index: i32| index - index % 3;
    let from = start(first.year() * 12 + first.month0() as i32).max(start(current - 24));
    let mut frozen = 0;
    for index in from..current {
        let month = Period::Month(index / 12, (index % 12) as u32 + 1);
        if store::latest(&mut conn, "reports-by-category", &month.to_string()).await?.is_none() {
            let (start, end) = month.bounds();
            let items = store::report_items(&mut conn, start, end, currency.as_str()).await?;
            let (unit, grid) = (applied.rounding_minor, countries.clone());
            let cells = off_the_runtime(move || tables::reports_by_category(&floor, unit, &grid, &items)).await?;
            freeze(&mut conn, answer("reports-by-category", month, &currency, &applied, cells)).await?;
            frozen += 1;
        }
        // The quarter closes with its third month.
        if (index % 12) % 3 == 2 {
            let quarter = Period::Quarter(index / 12, (index % 12) as u32 / 3 + 1);
            if store::latest(&mut conn, "losses-by-category", &quarter.to_string()).await?.is_none() {
                let mut months: Vec<Vec<Cell>> = Vec::new();
                for m in quarter.months() {
                    let body = store::latest(&mut conn, "reports-by-category", &m.to_string())
                        .await?
                        .ok_or_else(|| ApiError::internal("a month of the quarter is not frozen"))?
                        .body;
                    months.push(serde_json::from_value::<TableAnswer>(body).map_err(ApiError::internal)?.cells);
                }
                let months: [Vec<Cell>; 3] = months.try_into().map_err(|_| ApiError::internal("three months"))?;
                let (start, end) = quarter.bounds();
                let items = store::report_items(&mut conn, start, end, currency.as_str()).await?;
                let (unit, grid) = (applied.rounding_minor, countries.clone());
                let cells =
                    off_the_runtime(move || tables::losses_by_category(&floor, unit, &grid, &items, &months)).await?;
                freeze(&mut conn, answer("losses-by-category", quarter, &currency, &applied, cells)).await?;
                frozen += 1;
            }
        }
    }
    Ok(frozen)
}

/// Suppression is linear algebra over a period's cells (seconds for a large grid): it runs on a
/// blocking thread, never on a worker that serves requests.
async fn off_the_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)
}

/// Freezes a computed table as its first version.
async fn freeze(conn: &mut crate::kernel::db::Conn, answer: TableAnswer) -> ApiResult<()> {
    let body = serde_json::to_value(&answer).map_err(ApiError::internal)?;
    store::freeze(conn, &answer.table, &answer.period, &body).await
}

fn answer(name: &str, period: Period, currency: &Currency, floor: &FloorApplied, cells: Vec<Cell>) -> TableAnswer {
    TableAnswer {
        table: name.to_string(),
        title: title(name),
        period: period.to_string(),
        version: 0,
        computed_at: None,
        notice: NOTICE.to_string(),
        currency: currency.to_string(),
        floor: floor.clone(),
        cells,
    }
}

/// The tables and their frozen periods, newest first.
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<TableList> {
    act.expect(&[Action::ReadStatisticsTables])?;
    let rows = store::index(&mut *state.pool.get().await?).await?;
    act.record_read(state, None, serde_json::json!({"tables": rows.len()}));
    Ok(TableList {
        notice: NOTICE.to_string(),
        items: rows
            .into_iter()
            .map(|(table, period, version, computed_at)| TableSummary {
                title: title(&table),
                table,
                period,
                version,
                computed_at,
            })
            .collect(),
    })
}

/// One table over one period as frozen; 404 for a table or period not published.
pub async fn read(state: &AppState, act: &Grant, name: &str, period: &str) -> ApiResult<TableAnswer> {
    act.expect(&[Action::ReadStatisticsTables])?;
    if !TABLES.iter().any(|t| t.0 == name) {
        return Err(ApiError::NotFound);
    }
    let period = Period::parse(period).map_err(|e| ApiError::field("period", e))?;
    let frozen =
        store::latest(&mut *state.pool.get().await?, name, &period.to_string()).await?.ok_or(ApiError::NotFound)?;
    act.record_read(
        state,
        Some(("statistics_table", format!("{name}/{period}"))),
        serde_json::json!({"version": frozen.version}),
    );
    let mut answer: TableAnswer = serde_json::from_value(frozen.body).map_err(ApiError::internal)?;
    answer.version = frozen.version;
    answer.computed_at = Some(frozen.computed_at);
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn periods_read_and_bound_as_written() {
        assert_eq!(Period::parse("2026-11").unwrap().to_string(), "2026-11");
        assert_eq!(Period::parse("2026-Q4").unwrap().to_string(), "2026-Q4");
        for bad in ["2026", "2026-13", "2026-Q5", "26-01", "2026-1a", "+2026-01"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let (start, end) = Period::parse("2026-Q4").unwrap().bounds();
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2026-10-01T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
        let (start, end) = Period::parse("2026-12").unwrap().bounds();
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2026-12-01T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
    }
}
