//! Statistics queries: the items a period's tables count, the member countries (the tables'
//! grid) and the frozen tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;

use std::collections::BTreeMap;

use super::tables::{AlertItem, IndicatorItem, LookupItem, ReportItem};
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

/// The reports of `[from, to)` a table counts, each with its reporter's country, its month
/// counted from `from` (0, 1, 2) and its loss when in `currency`: the published tables count
/// TLP CLEAR, GREEN and AMBER reports; `own`, every report of that organisation.
pub async fn report_items(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    currency: &str,
    own: Option<OrgId>,
) -> ApiResult<Vec<ReportItem>> {
    let rows: Vec<ItemRow> = diesel::sql_query(format!(
        "SELECT r.category, r.reporter_org_id AS org, o.country, {MONTH} AS month,
                CASE WHEN r.loss_currency = $3 THEN r.loss_amount_minor END AS loss_minor
         FROM reports r JOIN organizations o ON o.id = r.reporter_org_id
         WHERE r.created_at >= $1 AND r.created_at < $2
           AND CASE WHEN $4::uuid IS NULL THEN r.tlp IN ('clear', 'green', 'amber') ELSE r.reporter_org_id = $4 END",
        MONTH = month_of("r.created_at")
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Text, _>(currency)
    .bind::<Nullable<SqlUuid>, _>(own)
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

/// The month of `column` counted from the period's start `$1` (0, 1, 2), in UTC.
fn month_of(column: &str) -> String {
    format!(
        "((extract(year FROM {column} AT TIME ZONE 'UTC') * 12 + extract(month FROM {column} AT TIME ZONE 'UTC'))
          - (extract(year FROM $1 AT TIME ZONE 'UTC') * 12 + extract(month FROM $1 AT TIME ZONE 'UTC')))::bigint"
    )
}

#[derive(QueryableByName)]
struct AlertRow {
    #[diesel(sql_type = SqlUuid)]
    sender: uuid::Uuid,
    #[diesel(sql_type = Text)]
    sender_country: String,
    #[diesel(sql_type = SqlUuid)]
    receiver: uuid::Uuid,
    #[diesel(sql_type = Text)]
    receiver_country: String,
    #[diesel(sql_type = BigInt)]
    month: i64,
    #[diesel(sql_type = Integer)]
    hop: i32,
    #[diesel(sql_type = Nullable<BigInt>)]
    amount_minor: Option<i64>,
    #[diesel(sql_type = Bool)]
    acted: bool,
    #[diesel(sql_type = Bool)]
    frozen: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    frozen_minor: Option<i64>,
    #[diesel(sql_type = Bool)]
    returned: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    returned_minor: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    seconds: Option<i64>,
}

/// The alerts of `[from, to)` between two members (an unrouted alert has no receiver to count),
/// with their outcomes so far; amounts when in `currency`. `own`: those the organisation sent
/// or received.
pub async fn alert_items(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    currency: &str,
    own: Option<OrgId>,
) -> ApiResult<Vec<AlertItem>> {
    let rows: Vec<AlertRow> = diesel::sql_query(format!(
        "SELECT a.sender_org_id AS sender, so.country AS sender_country, a.receiver_org_id AS receiver,
                ro.country AS receiver_country, {MONTH} AS month, a.hop,
                CASE WHEN a.currency = $3 THEN a.amount_minor END AS amount_minor,
                a.first_outcome_at IS NOT NULL AS acted,
                coalesce(oc.frozen, false) AS frozen,
                CASE WHEN a.currency = $3 THEN oc.frozen_minor END AS frozen_minor,
                coalesce(oc.returned, false) AS returned,
                CASE WHEN a.currency = $3 THEN oc.returned_minor END AS returned_minor,
                extract(epoch FROM a.first_outcome_at - a.created_at)::bigint AS seconds
         FROM fraud_alerts a
         JOIN organizations so ON so.id = a.sender_org_id
         JOIN organizations ro ON ro.id = a.receiver_org_id
         LEFT JOIN LATERAL (
             SELECT bool_or(o.outcome = 'funds_frozen') AS frozen,
                    least(coalesce(sum(o.amount_minor) FILTER (WHERE o.outcome = 'funds_frozen'), 0), 9223372036854775807)::bigint AS frozen_minor,
                    bool_or(o.outcome = 'funds_returned') AS returned,
                    least(coalesce(sum(o.amount_minor) FILTER (WHERE o.outcome = 'funds_returned'), 0), 9223372036854775807)::bigint AS returned_minor
             FROM fraud_alert_outcomes o WHERE o.alert_id = a.id) oc ON true
         WHERE a.created_at >= $1 AND a.created_at < $2
           AND ($4::uuid IS NULL OR a.sender_org_id = $4 OR a.receiver_org_id = $4)",
        MONTH = month_of("a.created_at")
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Text, _>(currency)
    .bind::<Nullable<SqlUuid>, _>(own)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AlertItem {
                sender: OrgId(r.sender),
                sender_country: r.sender_country,
                receiver: OrgId(r.receiver),
                receiver_country: r.receiver_country,
                month: u32::try_from(r.month).ok()?,
                hop: r.hop,
                amount_minor: r.amount_minor,
                acted: r.acted,
                frozen: r.frozen.then_some(r.frozen_minor),
                returned: r.returned.then_some(r.returned_minor),
                seconds_to_first_outcome: r.seconds,
            })
        })
        .collect())
}

#[derive(QueryableByName)]
struct IndicatorRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    org: uuid::Uuid,
}

/// The indicators first seen in `[from, to)`, each with the organisation whose report named it
/// first: for the published tables only where that report is TLP CLEAR, GREEN or AMBER; `own`,
/// those the organisation's report named first, whatever its TLP.
pub async fn indicator_items(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    own: Option<OrgId>,
) -> ApiResult<Vec<IndicatorItem>> {
    let rows: Vec<IndicatorRow> = diesel::sql_query(
        "SELECT i.type AS kind, f.org
         FROM indicators i
         CROSS JOIN LATERAL (
             SELECT r.reporter_org_id AS org, r.tlp FROM report_indicators ri JOIN reports r ON r.id = ri.report_id
             WHERE ri.indicator_id = i.id ORDER BY r.created_at, r.id LIMIT 1) f
         WHERE i.first_seen >= $1 AND i.first_seen < $2
           AND CASE WHEN $3::uuid IS NULL THEN f.tlp IN ('clear', 'green', 'amber') ELSE f.org = $3 END",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Nullable<SqlUuid>, _>(own)
    .load(conn)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Some(IndicatorItem { kind: r.kind.parse().ok()?, org: OrgId(r.org) })).collect())
}

#[derive(QueryableByName)]
struct LookupRow {
    #[diesel(sql_type = SqlUuid)]
    org: uuid::Uuid,
    #[diesel(sql_type = BigInt)]
    looked_up: i64,
    #[diesel(sql_type = BigInt)]
    found: i64,
}

/// The look-ups of `[from, to)` per organisation: values asked about and found as current,
/// read from the audit trail (a merged row holds each look-up in its entries; rows written
/// before look-ups recorded their outcome count as finding nothing).
pub async fn lookup_items(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    own: Option<OrgId>,
) -> ApiResult<Vec<LookupItem>> {
    let rows: Vec<LookupRow> = diesel::sql_query(
        "SELECT a.organization_id AS org,
                sum(coalesce((e->>'items')::bigint, 1))::bigint AS looked_up,
                sum(coalesce((e->>'found')::bigint, 0))::bigint AS found
         FROM audit_events a
         CROSS JOIN LATERAL jsonb_array_elements(
             CASE WHEN a.details ? 'entries' THEN a.details->'entries' ELSE jsonb_build_array(a.details) END) e
         WHERE a.at >= $1 AND a.at < $2 AND a.action = $3 AND a.outcome = 'ok'
           AND a.organization_id IS NOT NULL AND ($4::uuid IS NULL OR a.organization_id = $4)
         GROUP BY a.organization_id",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Text, _>(crate::access::Action::LookupIndicators.audit_name())
    .bind::<Nullable<SqlUuid>, _>(own)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LookupItem {
            org: OrgId(r.org),
            values: u64::try_from(r.looked_up).unwrap_or(0),
            found: u64::try_from(r.found).unwrap_or(0),
        })
        .collect())
}

/// The banks, by id, with their names (the regulators' per-bank tables).
pub async fn banks(conn: &mut Conn) -> ApiResult<BTreeMap<OrgId, String>> {
    use crate::kernel::db::schema::organizations;
    let rows: Vec<(uuid::Uuid, String)> = organizations::table
        .filter(organizations::kind.eq(crate::domain::OrgKind::Bank.as_str()))
        .select((organizations::id, organizations::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, name)| (OrgId(id), name)).collect())
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

/// The latest version of every period of `name`, oldest period first.
pub async fn all_periods(conn: &mut Conn, name: &str) -> ApiResult<Vec<Frozen>> {
    Ok(statistics_tables::table
        .filter(statistics_tables::name.eq(name))
        .distinct_on(statistics_tables::period)
        .order((statistics_tables::period, statistics_tables::version.desc()))
        .load(conn)
        .await?)
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

/// When the first report or alert came in, if any.
pub async fn first_item_at(conn: &mut Conn) -> ApiResult<Option<DateTime<Utc>>> {
    use crate::kernel::db::schema::{fraud_alerts, reports};
    let report: Option<DateTime<Utc>> =
        reports::table.select(diesel::dsl::min(reports::created_at)).first(conn).await?;
    let alert: Option<DateTime<Utc>> =
        fraud_alerts::table.select(diesel::dsl::min(fraud_alerts::created_at)).first(conn).await?;
    Ok(report.into_iter().chain(alert).min())
}

/// The demo's history: moves what was written since `since` (reports, their indicators' first
/// sightings, alerts, their outcomes) into the month starting at `at`, spread over its first
/// three weeks; an alert's first outcome follows it by one to forty hours.
pub async fn move_into_past(conn: &mut Conn, since: DateTime<Utc>, at: DateTime<Utc>) -> ApiResult<()> {
    let spread = "$2::timestamptz + ((hashtext(id::text)::bigint % 21 + 21) % 21) * interval '1 day'
                  + ((hashtext(id::text)::bigint % 9 + 9) % 9) * interval '1 hour'";
    for sql in [
        format!("UPDATE reports SET created_at = {spread}, updated_at = {spread} WHERE created_at >= $1"),
        format!("UPDATE indicators SET first_seen = {spread}, last_seen = {spread} WHERE first_seen >= $1"),
        format!(
            "UPDATE fraud_alerts SET created_at = {spread}, executed_at = {spread} - interval '1 day',
                 first_outcome_at = CASE WHEN first_outcome_at IS NULL THEN NULL
                     ELSE {spread} + (1 + (hashtext(id::text || 'o')::bigint % 40 + 40) % 40) * interval '1 hour' END
             WHERE created_at >= $1"
        ),
        "UPDATE fraud_alert_outcomes o SET created_at = a.first_outcome_at FROM fraud_alerts a
         WHERE a.id = o.alert_id AND o.created_at >= $1"
            .to_string(),
    ] {
        diesel::sql_query(sql).bind::<Timestamptz, _>(since).bind::<Timestamptz, _>(at).execute(conn).await?;
    }
    Ok(())
}
