//! Report queries. Visibility (TLP 2.0) is one SQL predicate, `visible_to`, applied by every
//! query that reads reports — list, get, export, correlation and look-up alike.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{IndicatorLink, NewReport, ReportChanges, ReportCursor, ReportFilter, ReportRow, SortKey};
use crate::domain::report::Viewer;
use crate::domain::{IndicatorType, OrgId, ReportId};
use crate::kernel::db::schema::{indicators, report_indicators, reports};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};

/// The TLP 2.0 rule (the SQL function `report_visible`, see the migrations): the reporter and
/// `shared_with` always; CLEAR and GREEN everyone; AMBER also every public-sector organisation;
/// AMBER+STRICT and RED nobody else. It can stand in any query whose FROM clause has
/// `reports`. Its SQL text is fixed (the caller's kind is a bind), so statements using it are
/// prepared once per connection and cached.
pub fn visible_to(v: &Viewer) -> VisibleTo {
    VisibleTo { org: v.org_id, public_sector: v.public_sector }
}

#[derive(Debug, Clone, Copy)]
pub struct VisibleTo {
    org: OrgId,
    public_sector: bool,
}

impl diesel::expression::Expression for VisibleTo {
    type SqlType = Bool;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for VisibleTo {}

impl<QS> diesel::expression::SelectableExpression<QS> for VisibleTo {}

impl diesel::expression::ValidGrouping<()> for VisibleTo {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for VisibleTo {
    type QueryId = VisibleTo;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<Pg> for VisibleTo {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("report_visible(reports.reporter_org_id, reports.shared_with, reports.tlp, ");
        out.push_bind_param::<SqlUuid, _>(&self.org)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&self.public_sector)?;
        out.push_sql(")");
        Ok(())
    }
}

type Boxed<'a, ST> = reports::BoxedQuery<'a, Pg, ST>;

/// Applies visibility and every filter of `f` to a query over reports.
fn filtered<'a, ST: 'a>(mut q: Boxed<'a, ST>, v: &Viewer, f: &ReportFilter) -> Boxed<'a, ST> {
    q = q.filter(visible_to(v));
    if let Some(text) = &f.text {
        q = q.filter(
            sql::<Bool>("reports.search @@ websearch_to_tsquery('simple', ").bind::<Text, _>(text.clone()).sql(")"),
        );
    }
    if let Some(c) = f.category {
        q = q.filter(reports::category.eq(c.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(reports::status.eq(s.as_str()));
    }
    if let Some(t) = f.tlp {
        q = q.filter(reports::tlp.eq(t.as_str()));
    }
    if let Some(r) = f.reporter_id {
        // Anonymous reports of others never reveal their reporter through this filter.
        q = q.filter(reports::reporter_org_id.eq(r));
        if r != v.org_id {
            q = q.filter(reports::anonymous.eq(false));
        }
    }
    if let Some(c) = &f.country {
        q = q.filter(reports::country.eq(c.clone()));
    }
    if let Some(t) = f.created_from {
        q = q.filter(reports::created_at.ge(t));
    }
    if let Some(t) = f.created_to {
        q = q.filter(reports::created_at.lt(t));
    }
    if let Some(t) = f.first_seen_from {
        q = q.filter(reports::first_seen.ge(t));
    }
    if let Some(t) = f.first_seen_to {
        q = q.filter(reports::first_seen.lt(t));
    }
    if let Some(c) = &f.currency {
        q = q.filter(reports::loss_currency.eq(c.clone()));
    }
    if let Some(n) = f.loss_min {
        q = q.filter(reports::loss_amount_minor.ge(n));
    }
    if let Some(n) = f.loss_max {
        q = q.filter(reports::loss_amount_minor.le(n));
    }
    if let Some((t, value)) = &f.indicator {
        let naming = report_indicators::table
            .inner_join(indicators::table)
            .filter(indicators::value.eq(value.clone()))
            .filter(indicators::type_.eq(*t))
            .filter(report_indicators::withdrawn_at.is_null())
            .select(report_indicators::report_id);
        q = q.filter(reports::id.eq_any(naming));
    }
    q
}

/// The sort expression of `key`, as indexed.
fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Created => "reports.created_at",
        SortKey::FirstSeen => "coalesce(reports.first_seen, reports.created_at)",
        SortKey::Loss => "coalesce(reports.loss_amount_minor, -1)",
    }
}

/// One page of visible reports matching `f`, after `after`, plus one row to tell whether a
/// next page exists. Keyset pagination: page 1,000 costs what page 1 costs.
pub async fn list(
    conn: &mut Conn,
    v: &Viewer,
    f: &ReportFilter,
    after: Option<&ReportCursor>,
    limit: i64,
) -> ApiResult<Vec<ReportRow>> {
    let mut q = filtered(reports::table.select(ReportRow::as_select()).into_boxed(), v, f);
    let expr = sort_expr(f.sort);
    let (cmp, dir) = if f.descending { ("<", "DESC") } else { (">", "ASC") };
    if let Some(c) = after {
        if c.s != f.sort_name() {
            return Err(ApiError::field("cursor", "was made for another sort order"));
        }
        let bad_cursor = || ApiError::field("cursor", "is not a cursor returned by this API");
        let head = format!("({expr}, reports.id) {cmp} (");
        q = match f.sort {
            SortKey::Created | SortKey::FirstSeen => {
                let t: DateTime<Utc> = c.k.parse().map_err(|_| bad_cursor())?;
                q.filter(sql::<Bool>(&head).bind::<Timestamptz, _>(t).sql(", ").bind::<SqlUuid, _>(c.i.0).sql(")"))
            }
            SortKey::Loss => {
                let n: i64 = c.k.parse().map_err(|_| bad_cursor())?;
                q.filter(sql::<Bool>(&head).bind::<BigInt, _>(n).sql(", ").bind::<SqlUuid, _>(c.i.0).sql(")"))
            }
        };
    }
    Ok(q.order(sql::<Bool>(&format!("{expr} {dir}, reports.id {dir}"))).limit(limit + 1).load(conn).await?)
}

/// Up to this many visible matches, an estimate is a count of them.
pub const ESTIMATE_COUNTS_UP_TO: i64 = 10_000;

/// How many visible reports match `f`, and whether that is exact. An estimate counts the
/// visible matches themselves up to `ESTIMATE_COUNTS_UP_TO` (then it is exact): the planner's
/// statistics cover every report, so on small sets they would size what the caller may not
/// see (`tlp=red&reporter_id=...`). Beyond that it is the planner's figure, never below the
/// count already made.
pub async fn count(conn: &mut Conn, v: &Viewer, f: &ReportFilter, exact: bool) -> ApiResult<(i64, bool)> {
    if exact {
        let q = filtered(reports::table.select(diesel::dsl::count_star()).into_boxed(), v, f);
        return Ok((q.first(conn).await?, true));
    }
    let first: Vec<ReportId> = filtered(reports::table.select(reports::id).into_boxed(), v, f)
        .limit(ESTIMATE_COUNTS_UP_TO + 1)
        .load(conn)
        .await?;
    let counted = first.len() as i64;
    if counted <= ESTIMATE_COUNTS_UP_TO {
        return Ok((counted, true));
    }
    let q = filtered(reports::table.select(reports::id).into_boxed(), v, f);
    let plan: serde_json::Value = Explain(q).get_result(conn).await?;
    let planned = plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(0.0).round() as i64;
    Ok((planned.max(counted), false))
}

/// `EXPLAIN (FORMAT JSON)` of a query, binds included (extended protocol).
#[derive(diesel::query_builder::QueryId)]
struct Explain<Q>(Q);

impl<Q: diesel::query_builder::QueryFragment<Pg>> diesel::query_builder::QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Json;
}

/// A visible report by id.
pub async fn get_visible(conn: &mut Conn, v: &Viewer, id: ReportId) -> ApiResult<Option<ReportRow>> {
    Ok(reports::table
        .filter(reports::id.eq(id))
        .filter(visible_to(v))
        .select(ReportRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Which of `ids` the viewer may see (a data request names reports its addressee may not).
pub async fn visible_among(conn: &mut Conn, v: &Viewer, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(reports::table.filter(reports::id.eq_any(ids)).filter(visible_to(v)).select(reports::id).load(conn).await?)
}

/// A report by id, locked until the transaction ends.
pub async fn lock(conn: &mut Conn, id: ReportId) -> ApiResult<Option<ReportRow>> {
    Ok(reports::table.find(id).for_update().select(ReportRow::as_select()).first(conn).await.optional()?)
}

/// The next human reference, `RPT-<year>-<number>`.
pub async fn next_reference(conn: &mut Conn) -> ApiResult<String> {
    let n: i64 = diesel::select(sql::<BigInt>("nextval('report_reference_seq')")).get_result(conn).await?;
    Ok(format!("RPT-{}-{n:06}", Utc::now().format("%Y")))
}

pub async fn insert(conn: &mut Conn, new: &NewReport) -> ApiResult<ReportRow> {
    Ok(diesel::insert_into(reports::table).values(new).returning(ReportRow::as_returning()).get_result(conn).await?)
}

pub async fn update(conn: &mut Conn, id: ReportId, changes: &ReportChanges) -> ApiResult<ReportRow> {
    Ok(diesel::update(reports::table.find(id))
        .set((changes, reports::version.eq(reports::version + 1), reports::updated_at.eq(diesel::dsl::now)))
        .returning(ReportRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Links `items` (normalised, deduplicated) to the report: each value is stored once and its
/// first/last seen and report count updated. Returns the indicators newly linked.
pub async fn attach_indicators(
    conn: &mut Conn,
    report: ReportId,
    seen: (DateTime<Utc>, DateTime<Utc>),
    items: &[IndicatorLink],
) -> ApiResult<Vec<Uuid>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    // Sorted, so that concurrent reports naming the same values lock them in one order.
    let mut sorted: Vec<&IndicatorLink> = items.iter().collect();
    sorted.sort_by(|a, b| (&a.value, a.kind.as_str()).cmp(&(&b.value, b.kind.as_str())));
    let rows: Vec<_> = sorted
        .iter()
        .map(|link| {
            (
                indicators::id.eq(Uuid::now_v7()),
                indicators::type_.eq(link.kind),
                indicators::value.eq(link.value.clone()),
                indicators::first_seen.eq(seen.0),
                indicators::last_seen.eq(seen.1),
            )
        })
        .collect();
    let ids: Vec<(Uuid, IndicatorType, String)> = diesel::insert_into(indicators::table)
        .values(&rows)
        .on_conflict((indicators::value, indicators::type_))
        .do_update()
        .set((
            indicators::first_seen.eq(sql::<Timestamptz>("LEAST(indicators.first_seen, excluded.first_seen)")),
            indicators::last_seen.eq(sql::<Timestamptz>("GREATEST(indicators.last_seen, excluded.last_seen)")),
        ))
        .returning((indicators::id, indicators::type_, indicators::value))
        .get_results(conn)
        .await?;
    let links: Vec<_> = ids
        .iter()
        .filter_map(|(id, t, v)| {
            let link = items.iter().find(|l| l.kind == *t && l.value == *v)?;
            let valid_until = link.valid_until.unwrap_or(seen.1 + chrono::Duration::days(t.default_validity_days()));
            Some((
                report_indicators::indicator_id.eq(*id),
                report_indicators::report_id.eq(report),
                report_indicators::role.eq(link.role.clone()),
                report_indicators::confidence.eq(link.confidence),
                report_indicators::valid_until.eq(valid_until),
            ))
        })
        .collect();
    let added: Vec<Uuid> = diesel::insert_into(report_indicators::table)
        .values(&links)
        .on_conflict_do_nothing()
        .returning(report_indicators::indicator_id)
        .get_results(conn)
        .await?;
    if !added.is_empty() {
        diesel::update(indicators::table.filter(indicators::id.eq_any(&added)))
            .set(indicators::report_count.eq(indicators::report_count + 1))
            .execute(conn)
            .await?;
    }
    Ok(added)
}

/// A report's link to a value, as the report view shows it.
#[derive(Queryable, Debug)]
pub struct LinkRow {
    pub report_id: ReportId,
    pub type_: IndicatorType,
    pub value: String,
    pub role: Option<String>,
    pub confidence: i16,
    pub valid_until: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub corrected_to: Option<Uuid>,
}

/// The links of the reports to their values, withdrawn ones included.
pub async fn indicators_of(conn: &mut Conn, report_ids: &[ReportId]) -> ApiResult<Vec<LinkRow>> {
    Ok(report_indicators::table
        .inner_join(indicators::table)
        .filter(report_indicators::report_id.eq_any(report_ids))
        .order((indicators::type_, indicators::value))
        .select((
            report_indicators::report_id,
            indicators::type_,
            indicators::value,
            report_indicators::role,
            report_indicators::confidence,
            report_indicators::valid_until,
            report_indicators::withdrawn_at,
            report_indicators::withdrawn_reason,
            report_indicators::corrected_to,
        ))
        .load(conn)
        .await?)
}

/// The id of the stored (type, value), if stored.
pub async fn indicator_values_by_key(conn: &mut Conn, t: IndicatorType, value: &str) -> ApiResult<Option<Uuid>> {
    Ok(indicators::table
        .filter(indicators::type_.eq(t))
        .filter(indicators::value.eq(value))
        .select(indicators::id)
        .first(conn)
        .await
        .optional()?)
}

/// (type, value) of indicators by id.
pub async fn indicator_values(conn: &mut Conn, ids: &[Uuid]) -> ApiResult<Vec<(Uuid, IndicatorType, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(indicators::table
        .filter(indicators::id.eq_any(ids))
        .select((indicators::id, indicators::type_, indicators::value))
        .load(conn)
        .await?)
}

/// Withdraws the report's current link to (type, value): it stays for the record, no look-up,
/// correlation or watchlist sees it again, and the value's report count drops. Returns the
/// indicator's id, or None when the report names no such current value.
pub async fn withdraw_link(
    conn: &mut Conn,
    report: ReportId,
    (t, value): (IndicatorType, &str),
    reason: &str,
    by: Option<Uuid>,
    corrected_to: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    let Some(id): Option<Uuid> = indicators::table
        .filter(indicators::type_.eq(t))
        .filter(indicators::value.eq(value))
        .select(indicators::id)
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let changed = diesel::update(
        report_indicators::table
            .filter(report_indicators::report_id.eq(report))
            .filter(report_indicators::indicator_id.eq(id))
            .filter(report_indicators::withdrawn_at.is_null()),
    )
    .set((
        report_indicators::withdrawn_at.eq(diesel::dsl::now),
        report_indicators::withdrawn_reason.eq(reason),
        report_indicators::withdrawn_by.eq(by),
        report_indicators::corrected_to.eq(corrected_to),
    ))
    .execute(conn)
    .await?;
    if changed == 0 {
        return Ok(None);
    }
    diesel::update(indicators::table.find(id))
        .set(indicators::report_count.eq(sql::<diesel::sql_types::Integer>("greatest(report_count - 1, 0)")))
        .execute(conn)
        .await?;
    Ok(Some(id))
}

/// Visible reports in the order they last changed, from the keyset position `from` (that report
/// included when `inclusive`) and changed after `changed_after`: the TAXII collections' order
/// (a change re-adds a report).
pub async fn changed_since(
    conn: &mut Conn,
    v: &Viewer,
    from: Option<((DateTime<Utc>, ReportId), bool)>,
    changed_after: Option<DateTime<Utc>>,
    limit: i64,
) -> ApiResult<Vec<ReportRow>> {
    let mut q = reports::table.select(ReportRow::as_select()).filter(visible_to(v)).into_boxed();
    if let Some(t) = changed_after {
        q = q.filter(reports::updated_at.gt(t));
    }
    if let Some(((t, id), inclusive)) = from {
        q = q.filter(
            sql::<Bool>(if inclusive {
                "(reports.updated_at, reports.id) >= ("
            } else {
                "(reports.updated_at, reports.id) > ("
            })
            .bind::<Timestamptz, _>(t)
            .sql(", ")
            .bind::<SqlUuid, _>(id.0)
            .sql(")"),
        );
    }
    Ok(q.order((reports::updated_at.asc(), reports::id.asc())).limit(limit).load(conn).await?)
}
