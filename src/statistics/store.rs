//! Statistics queries: the items a period's tables count, the member countries (the tables'
//! grid) and the frozen tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;

use super::tables::ReportItem;
use crate::domain::OrgId;
use crate::kernel::db::schema::statistics_tables;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

#[derive(QueryableByName)]
struct ItemRow {
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = SqlUuid)]
    org: uuid::Uuid,
    #[diesel(sql_type = Text)]
    country: String,
    #[diesel(sql_type = BigInt)]
    month: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    loss_minor: Option<i64>,
}

/// The reports of `[from, to)` that published tables count (TLP CLEAR, GREEN and AMBER), each
/// with its reporter's country, its month counted from `from` (0, 1, 2), and its loss when in
/// `currency`.
pub async fn report_items(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    currency: &str,
) -> ApiResult<Vec<ReportItem>> {
    let rows: Vec<ItemRow> = diesel::sql_query(
        "SELECT r.category, r.reporter_org_id AS org, o.country,
                ((extract(year FROM r.created_at AT TIME ZONE 'UTC') * 12 + extract(month FROM r.created_at AT TIME ZONE 'UTC'))
                 - (extract(year FROM $1 AT TIME ZONE 'UTC') * 12 + extract(month FROM $1 AT TIME ZONE 'UTC')))::bigint AS month,
                CASE WHEN r.loss_currency = $3 THEN r.loss_amount_minor END AS loss_minor
         FROM reports r JOIN organizations o ON o.id = r.reporter_org_id
         WHERE r.created_at >= $1 AND r.created_at < $2 AND r.tlp IN ('clear', 'green', 'amber')",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Text, _>(currency)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ReportItem {
                category: r.category.parse().ok()?,
                org: OrgId(r.org),
                country: r.country,
                month: u32::try_from(r.month).ok()?,
                loss_minor: r.loss_minor,
            })
        })
        .collect())
}

/// The countries of the platform's organisations, sorted: the tables' grid.
pub async fn member_countries(conn: &mut Conn) -> ApiResult<Vec<String>> {
    use crate::kernel::db::schema::organizations;
    Ok(organizations::table.select(organizations::country).distinct().order(organizations::country).load(conn).await?)
}

/// A frozen table: its version, when it was computed, its published body.
#[derive(Queryable, Debug)]
pub struct Frozen {
    pub name: String,
    pub period: String,
    pub version: i32,
    pub computed_at: DateTime<Utc>,
    pub body: serde_json::Value,
}

/// The latest version of `name` over `period`.
pub async fn latest(conn: &mut Conn, name: &str, period: &str) -> ApiResult<Option<Frozen>> {
    Ok(statistics_tables::table
        .filter(statistics_tables::name.eq(name))
        .filter(statistics_tables::period.eq(period))
        .order(statistics_tables::version.desc())
        .first(conn)
        .await
        .optional()?)
}

/// Every table and period with its latest version (bodies left out), newest period first.
pub async fn index(conn: &mut Conn) -> ApiResult<Vec<(String, String, i32, DateTime<Utc>)>> {
    Ok(statistics_tables::table
        .select((
            statistics_tables::name,
            statistics_tables::period,
            statistics_tables::version,
            statistics_tables::computed_at,
        ))
        .distinct_on((statistics_tables::name, statistics_tables::period))
        .order((statistics_tables::name, statistics_tables::period.desc(), statistics_tables::version.desc()))
        .load(conn)
        .await?)
}

/// Freezes a table: the first version of a period (a second computation of the same period
/// finds it there and writes nothing).
pub async fn freeze(conn: &mut Conn, name: &str, period: &str, body: &serde_json::Value) -> ApiResult<()> {
    diesel::insert_into(statistics_tables::table)
        .values((
            statistics_tables::name.eq(name),
            statistics_tables::period.eq(period),
            statistics_tables::version.eq(1),
            statistics_tables::body.eq(body),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// When the first report came in, if any.
pub async fn first_report_at(conn: &mut Conn) -> ApiResult<Option<DateTime<Utc>>> {
    use crate::kernel::db::schema::reports;
    Ok(reports::table.select(diesel::dsl::min(reports::created_at)).first(conn).await?)
}
