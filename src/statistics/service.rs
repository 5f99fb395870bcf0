//! Published statistics, as the JSON API and the console read them:
//!
//! | function | action | does |
//! |---|---|---|
//! | [`compute_due`] | (the background job) | computes and freezes the tables of every closed period not yet frozen |
//! | [`list`] | `ReadStatisticsTables` | the tables and their periods and versions (the regulators' tables to regulators only) |
//! | [`read`] | `ReadStatisticsTables` | one table over one period, as frozen, or the caller's own figures (`scope=own`) |
//!
//! A month's tables are computed once the month is over, a quarter's once its three months'
//! are; both are then frozen (`store::freeze`): read twice, a table gives the same figures.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::disclosure::Floor;
use super::grid::Cell;
use super::store;
use super::tables;
use crate::access::{Action, Grant};
use crate::domain::{Currency, OrgId, OrgKind, Permission};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// What every table says of itself.
pub const NOTICE: &str = "platform-reported, not official statistics";

/// The tables computed together: a quarter's alert tables are one family with its months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Reports,
    Funnel,
    Indicators,
    Losses,
    AlertQuarter,
    ByBank,
}

/// A published table: its name, the length of its periods, what it counts, who reads it.
pub struct TableDef {
    pub name: &'static str,
    pub quarterly: bool,
    pub title: &'static str,
    pub group: Group,
    /// Per bank: regulators only, never anyone else.
    pub regulators_only: bool,
}

const fn def(name: &'static str, quarterly: bool, title: &'static str, group: Group) -> TableDef {
    TableDef { name, quarterly, title, group, regulators_only: matches!(group, Group::ByBank) }
}

/// The published tables, in the order the list and the console show them.
pub const TABLES: [TableDef; 7] = [
    def("reports-by-category", false, "Reports per category and reporter country, with their losses", Group::Reports),
    def("losses-by-category", true, "Reports with a loss per category: their rounded sum and median loss", Group::Losses),
    def(
        "alert-funnel",
        false,
        "Fraud alerts per sender and receiver country: acted on, frozen, returned, amounts and the recovered share",
        Group::Funnel,
    ),
    def(
        "time-to-first-outcome",
        true,
        "Time from a fraud alert to its first outcome per receiver country: median and 90th percentile",
        Group::AlertQuarter,
    ),
    def(
        "indicators-by-type",
        false,
        "New indicators per type, and the share of look-ups that found something",
        Group::Indicators,
    ),
    def("proceeds-hops", true, "Proceeds followed from country to country: alerts, onward hops, amounts", Group::AlertQuarter),
    def(
        "receivers-by-bank",
        true,
        "Per receiving bank: alerts, time to the first outcome, frozen, returned and the recovered share (regulators only)",
        Group::ByBank,
    ),
];

pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

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
    /// `published` (the floor applied), `own` (the caller's organisation's own figures, every
    /// TLP, no floor) or `regulators` (per bank, for regulators only, no floor).
    #[serde(default = "published")]
    pub scope: String,
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

fn published() -> String {
    "published".into()
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

/// The floor stated where none applies: an organisation's own figures, the regulators' tables.
fn no_floor() -> FloorApplied {
    FloorApplied { min_count: 0, min_orgs: 0, p_percent: 0, median_min: 1, rounding_minor: 1 }
}

/// What a computation needs besides its items.
struct Basis {
    floor: Floor,
    applied: FloorApplied,
    currency: Currency,
    countries: Vec<String>,
}

impl Basis {
    async fn of(state: &AppState, conn: &mut Conn, own: bool) -> ApiResult<Basis> {
        let currency = Currency::parse(&state.config.stats_currency).map_err(ApiError::internal)?;
        let (floor, applied) = if own { (Floor::none(), no_floor()) } else { floor_applied(state, &currency) };
        Ok(Basis { floor, applied, currency, countries: store::member_countries(conn).await? })
    }
}

/// The cells of a group's tables over `period`: published (under the floor, a quarter with its
/// months as published) or `own` (the organisation's own items, every TLP, no floor).
async fn compute(
    conn: &mut Conn,
    basis: &Basis,
    group: Group,
    period: Period,
    own: Option<OrgId>,
) -> ApiResult<Vec<(&'static str, Vec<Cell>)>> {
    let (start, end) = period.bounds();
    let (floor, unit, currency) = (basis.floor, basis.applied.rounding_minor, basis.currency.to_string());
    let grid = basis.countries.clone();
    Ok(match group {
        Group::Reports => {
            let items = store::report_items(conn, start, end, &currency, own).await?;
            let cells = off_the_runtime(move || tables::reports_by_category(&floor, unit, &grid, &items)).await?;
            vec![("reports-by-category", cells)]
        }
        Group::Funnel => {
            let items = store::alert_items(conn, start, end, &currency, own).await?;
            let cells = off_the_runtime(move || tables::alert_funnel(&floor, unit, &grid, &items)).await?;
            vec![("alert-funnel", cells)]
        }
        Group::Indicators => {
            let indicators = store::indicator_items(conn, start, end, own).await?;
            let lookups = store::lookup_items(conn, start, end, own).await?;
            vec![("indicators-by-type", tables::indicators_by_type(&floor, &indicators, &lookups))]
        }
        Group::Losses => {
            let months =
                if own.is_none() { Some(months_published(conn, "reports-by-category", period).await?) } else { None };
            let items = store::report_items(conn, start, end, &currency, own).await?;
            let cells =
                off_the_runtime(move || tables::losses_by_category(&floor, unit, &grid, &items, months.as_ref()))
                    .await?;
            vec![("losses-by-category", cells)]
        }
        Group::AlertQuarter => {
            let months = if own.is_none() { Some(months_published(conn, "alert-funnel", period).await?) } else { None };
            let items = store::alert_items(conn, start, end, &currency, own).await?;
            let (times, hops) =
                off_the_runtime(move || tables::alert_quarter(&floor, unit, &grid, &items, months.as_ref())).await?;
            vec![("time-to-first-outcome", times), ("proceeds-hops", hops)]
        }
        Group::ByBank => {
            let banks = store::banks(conn).await?;
            let items = store::alert_items(conn, start, end, &currency, None).await?;
            vec![("receivers-by-bank", tables::receivers_by_bank(1, &banks, &items))]
        }
    })
}

/// The three months of a quarter as published in `name`.
async fn months_published(conn: &mut Conn, name: &str, quarter: Period) -> ApiResult<[Vec<Cell>; 3]> {
    let mut months: Vec<Vec<Cell>> = Vec::new();
    for m in quarter.months() {
        let body = store::latest(conn, name, &m.to_string())
            .await?
            .ok_or_else(|| ApiError::internal("a month of the quarter is not frozen"))?
            .body;
        months.push(serde_json::from_value::<TableAnswer>(body).map_err(ApiError::internal)?.cells);
    }
    months.try_into().map_err(|_| ApiError::internal("three months"))
}

/// Computes and freezes every table of every closed period not yet frozen (from the quarter of
/// the first report or alert, at most about 24 months back); returns how many it froze.
pub async fn compute_due(state: &AppState) -> ApiResult<usize> {
    let mut conn = state.long_pool.get().await?;
    let Some(first) = store::first_item_at(&mut conn).await? else { return Ok(0) };
    let now = Utc::now();
    let basis = Basis::of(state, &mut conn, false).await?;
    let current = now.year() * 12 + now.month0() as i32;
    // From the first month of a quarter, so that every quarter has its three months.
    let start = |index: i32| index - index % 3;
    let from = start(first.year() * 12 + first.month0() as i32).max(start(current - 24));
    let mut frozen = 0;
    for index in from..current {
        let month = Period::Month(index / 12, (index % 12) as u32 + 1);
        // A quarter closes with its third month, after the month's own tables.
        let quarter = ((index % 12) % 3 == 2).then(|| Period::Quarter(index / 12, (index % 12) as u32 / 3 + 1));
        let mut due: Vec<(&TableDef, Period)> = TABLES.iter().filter(|t| !t.quarterly).map(|t| (t, month)).collect();
        due.extend(TABLES.iter().filter(|t| t.quarterly).filter_map(|t| quarter.map(|q| (t, q))));
        let mut done: Vec<(Group, Period)> = Vec::new();
        for (t, period) in due {
            if done.contains(&(t.group, period))
                || store::latest(&mut conn, t.name, &period.to_string()).await?.is_some()
            {
                continue;
            }
            done.push((t.group, period));
            let (scope, applied) =
                if t.regulators_only { ("regulators", no_floor()) } else { ("published", basis.applied.clone()) };
            let computed = compute(&mut conn, &basis, t.group, period, None).await?;
            // The tables decided together are frozen together.
            let answers: Vec<TableAnswer> = computed
                .into_iter()
                .map(|(name, cells)| answer(name, period, scope, &basis.currency, &applied, cells))
                .collect();
            frozen += answers.len();
            conn.transaction(async |c| {
                for a in answers {
                    freeze(c, a).await?;
                }
                Ok::<_, ApiError>(())
            })
            .await?;
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
async fn freeze(conn: &mut Conn, answer: TableAnswer) -> ApiResult<()> {
    let body = serde_json::to_value(&answer).map_err(ApiError::internal)?;
    store::freeze(conn, &answer.table, &answer.period, &body).await
}

fn answer(
    name: &str,
    period: Period,
    scope: &str,
    currency: &Currency,
    floor: &FloorApplied,
    cells: Vec<Cell>,
) -> TableAnswer {
    TableAnswer {
        table: name.to_string(),
        title: table(name).map(|t| t.title.to_string()).unwrap_or_default(),
        period: period.to_string(),
        version: 0,
        computed_at: None,
        notice: NOTICE.to_string(),
        scope: scope.to_string(),
        currency: currency.to_string(),
        floor: floor.clone(),
        cells,
    }
}

/// Whether the caller reads the regulators' per-bank tables.
fn reads_per_bank(act: &Grant) -> bool {
    act.org_kind == OrgKind::Regulator
}

/// The tables and their frozen periods, newest first (the per-bank tables to regulators only).
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<TableList> {
    act.expect(&[Action::ReadStatisticsTables])?;
    let rows = store::index(&mut *state.pool.get().await?).await?;
    let rows: Vec<_> =
        rows.into_iter().filter(|r| table(&r.0).is_some_and(|t| !t.regulators_only || reads_per_bank(act))).collect();
    act.record_read(state, None, serde_json::json!({"tables": rows.len()}));
    Ok(TableList {
        notice: NOTICE.to_string(),
        items: rows
            .into_iter()
            .map(|(name, period, version, computed_at)| TableSummary {
                title: table(&name).map(|t| t.title.to_string()).unwrap_or_default(),
                table: name,
                period,
                version,
                computed_at,
            })
            .collect(),
    })
}

/// Which figures a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum TableScope {
    /// The published table, under the floor.
    #[default]
    Published,
    /// The caller's organisation's own figures: its reports of every TLP, the alerts it sent or
    /// received, its look-ups; no floor, computed when read.
    Own,
}

/// One table over one period: as frozen, or the caller's own figures over that closed period;
/// 404 for a table or period not published, and for a per-bank table to anyone but a regulator.
pub async fn read(
    state: &AppState,
    act: &Grant,
    name: &str,
    period: &str,
    scope: TableScope,
) -> ApiResult<TableAnswer> {
    act.expect(&[Action::ReadStatisticsTables])?;
    let def = table(name).filter(|t| !t.regulators_only || reads_per_bank(act)).ok_or(ApiError::NotFound)?;
    let period = Period::parse(period).map_err(|e| ApiError::field("period", e))?;
    if matches!(period, Period::Quarter(..)) != def.quarterly {
        let length = if def.quarterly { "quarter (2026-Q4)" } else { "month (2026-11)" };
        return Err(ApiError::field("period", format!("{name} is published per {length}")));
    }
    let object = Some(("statistics_table", format!("{name}/{period}")));
    let mut conn = state.pool.get().await?;
    if scope == TableScope::Own && !def.regulators_only {
        // Own figures hold every TLP and every outcome: read with the permission of what they
        // count (reports and indicators, or alerts), as the organisation's own lists are.
        let needed = match def.group {
            Group::Funnel | Group::AlertQuarter | Group::ByBank => Permission::ReadAlerts,
            Group::Reports | Group::Losses | Group::Indicators => Permission::ReadReports,
        };
        act.require(state, needed).await?;
        if period.bounds().1 > Utc::now() {
            return Err(ApiError::field("period", format!("{period} is not over yet")));
        }
        let basis = Basis::of(state, &mut conn, true).await?;
        let computed = compute(&mut conn, &basis, def.group, period, Some(act.org_id)).await?;
        let cells = computed.into_iter().find(|(n, _)| *n == name).map(|(_, c)| c).unwrap_or_default();
        act.record_read(state, object, serde_json::json!({"scope": "own"}));
        let mut answer = answer(name, period, "own", &basis.currency, &basis.applied, cells);
        answer.computed_at = Some(Utc::now());
        return Ok(answer);
    }
    let frozen = store::latest(&mut conn, name, &period.to_string()).await?.ok_or(ApiError::NotFound)?;
    act.record_read(state, object, serde_json::json!({"version": frozen.version}));
    let mut answer: TableAnswer = serde_json::from_value(frozen.body).map_err(ApiError::internal)?;
    answer.version = frozen.version;
    answer.computed_at = Some(frozen.computed_at);
    Ok(answer)
}

/// One figure of one cell of a table over every frozen period, oldest first (the console's
/// lines over time): the figure, or `None` where it is withheld. One audited read.
pub async fn series(
    state: &AppState,
    act: &Grant,
    name: &str,
    figure: &str,
    key: &BTreeMap<String, String>,
) -> ApiResult<Vec<(String, Option<f64>)>> {
    act.expect(&[Action::ReadStatisticsTables])?;
    let def = table(name).filter(|t| !t.regulators_only || reads_per_bank(act)).ok_or(ApiError::NotFound)?;
    let frozen = store::all_periods(&mut *state.pool.get().await?, def.name).await?;
    act.record_read(state, Some(("statistics_table", def.name.to_string())), serde_json::json!({"series": figure}));
    let mut points = Vec::new();
    for f in frozen {
        let answer: TableAnswer = serde_json::from_value(f.body).map_err(ApiError::internal)?;
        let value = answer.cells.iter().find(|c| &c.key == key).and_then(|c| c.number(figure));
        points.push((f.period, value));
    }
    Ok(points)
}

/// Whose figures a case-by-case statistics endpoint (`/statistics/requests`, `/proceeds`)
/// answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadScope {
    /// A regulator: every organisation's figures.
    Supervisor,
    /// The caller's organisation's own.
    Own,
    /// Across organisations for someone who supervises none: under the floor, and no figure of
    /// one organisation.
    Published,
}

/// The table as CSV: one row per cell, its coordinates, each figure and the reason it is
/// withheld, and the notice.
pub fn csv(a: &TableAnswer) -> Result<Vec<u8>, csv::Error> {
    let dims: Vec<String> = a.cells.first().map(|c| c.key.keys().cloned().collect()).unwrap_or_default();
    let figures: std::collections::BTreeSet<&String> =
        a.cells.iter().flat_map(|c| c.values.keys().chain(c.withheld.keys())).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = vec!["table".into(), "period".into(), "version".into(), "scope".into()];
    head.extend(dims.iter().cloned());
    for f in &figures {
        head.push(f.to_string());
        head.push(format!("{f}_withheld"));
    }
    head.extend(["currency", "notice"].map(String::from));
    w.write_record(&head)?;
    // A coordinate is text a spreadsheet could read as a formula (a bank's name): quoted.
    let inert = |v: String| if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v };
    for c in &a.cells {
        let mut row = vec![a.table.clone(), a.period.clone(), a.version.to_string(), a.scope.clone()];
        row.extend(dims.iter().map(|d| inert(c.key.get(d).cloned().unwrap_or_default())));
        for f in &figures {
            row.push(c.values.get(*f).map(|v| v.to_string()).unwrap_or_default());
            row.push(c.withheld.get(*f).map(|r| r.as_str().to_string()).unwrap_or_default());
        }
        row.extend([a.currency.clone(), a.notice.clone()]);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
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
