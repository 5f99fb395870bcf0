//! Trends: the published statistics tables (`statistics::service`), each period as a chart
//! drawn on the server, its table with withheld cells shown as withheld, its CSV, and the
//! table's main figure over every period. The per-bank table is a regulator's alone (404 to
//! anyone else, as the API); `scope=own` shows the caller's organisation's own figures.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::access::Action;
use crate::console::charts::{self, Bar};
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::domain::PurposeParams;
use crate::kernel::error::{ApiError, ApiResult};
use crate::statistics::grid::{key, Cell};
use crate::statistics::service::{self, TableAnswer, TableScope, TABLES};

/// A table of the index: its name, title and periods, newest first.
struct Listed {
    name: &'static str,
    title: String,
    periods: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/trends.html")]
struct IndexPage {
    t: Tr,
    chrome: Chrome,
    tables: Vec<Listed>,
    /// Monthly reports over time, drawn.
    over_time: String,
}

/// A cell as a row: (label, coordinate) pairs and (label, figure as shown) pairs.
type TableRow = (Vec<(String, String)>, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "console/trend.html")]
struct TablePage {
    t: Tr,
    chrome: Chrome,
    answer: TableAnswer,
    title: String,
    own: bool,
    may_own: bool,
    chart: String,
    matrix: String,
    over_time: String,
    dims: Vec<String>,
    figures: Vec<(String, String)>,
    rows: Vec<TableRow>,
    periods: Vec<String>,
    floor: String,
    period_line: String,
}

/// A table's title in the reader's language.
fn title(t: &Tr, name: &str) -> String {
    t.get(&format!("stat-{name}"))
}

/// The purpose the session carries (a kind that owes one states it on every read: without a
/// case, the page says so).
fn purpose(v: &Visitor) -> PurposeParams {
    super::case::purpose_of(v, &None, &None)
}

#[get("/trends")]
pub async fn index(v: Visitor) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let act = v.authorize(Action::ReadStatisticsTables).await?.for_purpose(&v.state, &purpose(&v))?;
    let list = service::list(&v.state, &act).await?;
    let tables: Vec<Listed> = TABLES
        .iter()
        .filter_map(|d| {
            let periods: Vec<String> =
                list.items.iter().filter(|i| i.table == d.name).map(|i| i.period.clone()).collect();
            (!periods.is_empty() || !d.regulators_only).then(|| Listed {
                name: d.name,
                title: title(&t, d.name),
                periods,
            })
        })
        .collect();
    let total = key(&[("category", "*"), ("country", "*")]);
    let points = service::series(&v.state, &act, "reports-by-category", "reports", &total).await?;
    let over_time = if points.is_empty() {
        String::new()
    } else {
        charts::line("reports-over-time", &t.get("trend-reports-over-time"), &points)
    };
    site::page(&IndexPage { t, chrome: v.chrome("trends"), tables, over_time })
}

#[derive(Deserialize)]
pub struct TableQuery {
    period: Option<String>,
    scope: Option<String>,
}

/// A figure as the page shows it: counts as numbers, amounts in the currency, times in hours,
/// shares in per cent.
fn shown(t: &Tr, figure: &str, value: f64, currency: &str) -> String {
    if figure.ends_with("_minor") {
        let exponent = crate::domain::Currency::parse(currency).map(|c| c.exponent()).unwrap_or(2);
        format!("{} {currency}", t.number((value / 10f64.powi(exponent as i32)).round() as i64))
    } else if figure.ends_with("_seconds") {
        format!("{:.1} h", value / 3600.0).replace('.', &t.decimal_mark().to_string())
    } else if figure.ends_with("_share") {
        format!("{value:.1} %").replace('.', &t.decimal_mark().to_string())
    } else {
        t.number(value.round() as i64)
    }
}

/// What a cell shows of one figure: the figure, or "withheld" with the reason.
fn cell_text(t: &Tr, cell: &Cell, figure: &str, currency: &str) -> String {
    match (cell.number(figure), cell.withheld.get(figure)) {
        (Some(v), _) => shown(t, figure, v, currency),
        (None, Some(reason)) => {
            t.arg("trend-withheld-because", "reason", t.get(&format!("trend-reason-{}", reason.as_str())))
        }
        (None, None) => "—".to_string(),
    }
}

/// The chart of a table: which figure over which cells.
fn bars_of(t: &Tr, a: &TableAnswer) -> (String, Vec<Bar>) {
    let (figure, dim, rest): (&str, &str, &[(&str, &str)]) = match a.table.as_str() {
        "reports-by-category" => ("reports", "category", &[("country", "*")]),
        "losses-by-category" => ("loss_minor", "category", &[]),
        "alert-funnel" => ("", "", &[]),
        "time-to-first-outcome" => ("median_seconds", "to", &[]),
        "indicators-by-type" => ("new_indicators", "type", &[]),
        "proceeds-hops" => ("alerts", "to", &[("from", "*")]),
        _ => ("alerts", "bank", &[]),
    };
    if a.table == "alert-funnel" {
        // The funnel: every step of all alerts of the month.
        let all = a.cells.iter().find(|c| c.key.values().all(|v| v == "*"));
        let bars = ["alerts", "acted", "frozen", "returned"]
            .iter()
            .map(|f| {
                let value = all.and_then(|c| c.number(f));
                Bar {
                    label: t.get(&format!("fig-{f}")),
                    value,
                    shown: value.map(|v| shown(t, f, v, &a.currency)).unwrap_or_default(),
                }
            })
            .collect();
        return (t.get("trend-funnel"), bars);
    }
    let bars = a
        .cells
        .iter()
        .filter(|c| {
            c.key.get(dim).is_some_and(|v| v != "*") && rest.iter().all(|(k, v)| c.key.get(*k).is_some_and(|x| x == v))
        })
        .map(|c| {
            let label = c.key.get(dim).cloned().unwrap_or_default();
            let label = if dim == "category" { t.get(&format!("report-category-{label}")) } else { label };
            let value = c.number(figure);
            Bar { label, value, shown: value.map(|v| shown(t, figure, v, &a.currency)).unwrap_or_default() }
        })
        .collect();
    (t.get(&format!("fig-{figure}")), bars)
}

/// The main figure of a table and its total cell, drawn over time.
fn main_figure(name: &str) -> Option<(&'static str, BTreeMap<String, String>)> {
    Some(match name {
        "reports-by-category" => ("reports", key(&[("category", "*"), ("country", "*")])),
        "losses-by-category" => ("loss_minor", key(&[("category", "*")])),
        "alert-funnel" => ("alerts", key(&[("from", "*"), ("to", "*")])),
        "time-to-first-outcome" => ("median_seconds", key(&[("to", "*")])),
        "indicators-by-type" => ("new_indicators", key(&[("type", "*")])),
        "proceeds-hops" => ("alerts", key(&[("from", "*"), ("to", "*")])),
        _ => return None,
    })
}

#[get("/trends/{name}")]
pub async fn table_page(v: Visitor, name: web::Path<String>, q: web::Query<TableQuery>) -> ApiResult<HttpResponse> {
    let t = v.tr;
    let act = v.authorize(Action::ReadStatisticsTables).await?.for_purpose(&v.state, &purpose(&v))?;
    let def = service::table(&name).ok_or(ApiError::NotFound)?;
    let own = q.scope.as_deref() == Some("own") && !def.regulators_only;
    let list = service::list(&v.state, &act).await?;
    let periods: Vec<String> = list.items.iter().filter(|i| i.table == def.name).map(|i| i.period.clone()).collect();
    let period = q.period.clone().or_else(|| periods.first().cloned()).ok_or(ApiError::NotFound)?;
    let scope = if own { TableScope::Own } else { TableScope::Published };
    let answer = service::read(&v.state, &act, def.name, &period, scope).await?;
    let (chart_title, bars) = bars_of(&t, &answer);
    let chart = charts::bars("chart", &chart_title, &bars, &t.get("trend-withheld"));
    let matrix = if matches!(def.name, "alert-funnel" | "proceeds-hops") {
        let mut countries: Vec<String> =
            answer.cells.iter().filter_map(|c| c.key.get("from")).filter(|c| *c != "*").cloned().collect();
        countries.sort();
        countries.dedup();
        charts::matrix("matrix", &t.get("trend-matrix"), &countries, &countries, |from, to| {
            let c = answer
                .cells
                .iter()
                .find(|c| c.key.get("from").is_some_and(|f| f == from) && c.key.get("to").is_some_and(|x| x == to))?;
            c.number("alerts").map(|n| (n, shown(&t, "alerts", n, &answer.currency)))
        })
    } else {
        String::new()
    };
    let over_time = match (own, main_figure(def.name)) {
        (false, Some((figure, total))) => {
            let points = service::series(&v.state, &act, def.name, figure, &total).await?;
            charts::line("over-time", &t.arg("trend-over-time", "figure", t.get(&format!("fig-{figure}"))), &points)
        }
        _ => String::new(),
    };
    let dims: Vec<String> = answer.cells.first().map(|c| c.key.keys().cloned().collect()).unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for c in &answer.cells {
        for f in c.values.keys().chain(c.withheld.keys()) {
            if !names.contains(f) {
                names.push(f.clone());
            }
        }
    }
    let figures: Vec<(String, String)> = names.iter().map(|f| (f.clone(), t.get(&format!("fig-{f}")))).collect();
    let dim_labels: Vec<String> = dims.iter().map(|d| t.get(&format!("dim-{d}"))).collect();
    let rows = answer
        .cells
        .iter()
        .map(|c| {
            let coordinates = dims
                .iter()
                .zip(&dim_labels)
                .map(|(d, label)| {
                    let v = c.key.get(d).cloned().unwrap_or_default();
                    (label.clone(), if v == "*" { t.get("trend-all") } else { v })
                })
                .collect();
            let figures = names
                .iter()
                .zip(&figures)
                .map(|(f, (_, label))| (label.clone(), cell_text(&t, c, f, &answer.currency)))
                .collect();
            (coordinates, figures)
        })
        .collect();
    let f = &answer.floor;
    let floor = t.args(
        "trend-floor",
        &[
            ("count", f.min_count.to_string()),
            ("orgs", f.min_orgs.to_string()),
            ("p", f.p_percent.to_string()),
            ("median", f.median_min.to_string()),
            ("rounding", shown(&t, "x_minor", f.rounding_minor as f64, &answer.currency)),
        ],
    );
    let period_line = t.args(
        "trend-period",
        &[
            ("period", answer.period.clone()),
            ("version", answer.version.to_string()),
            ("when", t.when_opt(&answer.computed_at)),
        ],
    );
    let page = TablePage {
        period_line,
        t,
        chrome: v.chrome("trends"),
        title: title(&t, def.name),
        own,
        may_own: !def.regulators_only,
        chart,
        matrix,
        over_time,
        dims: dim_labels,
        figures,
        rows,
        periods,
        floor,
        answer,
    };
    site::page(&page)
}

/// The table as CSV (the API's rendering), published or own.
#[get("/trends/{name}/csv")]
pub async fn csv(v: Visitor, name: web::Path<String>, q: web::Query<TableQuery>) -> ApiResult<HttpResponse> {
    let act = v.authorize(Action::ReadStatisticsTables).await?.for_purpose(&v.state, &purpose(&v))?;
    let period = q.period.clone().ok_or_else(|| ApiError::field("period", "which period to download"))?;
    let scope = if q.scope.as_deref() == Some("own") { TableScope::Own } else { TableScope::Published };
    let answer = service::read(&v.state, &act, &name, &period, scope).await?;
    let body = service::csv(&answer).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-{}.csv\"", answer.table, answer.period),
        ))
        .body(body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(csv).service(table_page);
}
