//! The look-up query: every visible report naming any of the values, in one round trip.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use uuid::Uuid;

use super::model::{HitRow, Sighting, SightingKind, SightingSource};
use crate::domain::report::Viewer;
use crate::domain::{IndicatorType, OrgId};
use crate::kernel::db::schema::sightings;
use crate::kernel::db::{BindMore, Conn};
use crate::kernel::error::ApiResult;

/// The look-up, in a shape whose plan is index scans whatever the statistics: from the values
/// (index on `value`) to their links (primary key) to their reports (primary key), each step a
/// `LATERAL` subquery the planner cannot flatten (`OFFSET 0`). Flattened, the planner chose a
/// hash join over every report on tables not yet analysed after a bulk load (57 ms for one
/// value at 4*10^4 links, 471 ms for a batch of 1,000; this shape: 0.15 ms and 10 ms).
/// Read-only: safe to send to a replica. One value is asked as `value = $3`, whose generic plan
/// PostgreSQL keeps cached; a batch as `= ANY($3)`.
const LOOKUP: &str = "SELECT i.type AS type_, i.value, r.id AS report_id, r.category, r.tlp, r.first_seen, r.last_seen,
       r.created_at, l.confidence, l.valid_until
FROM VALUES_
CROSS JOIN LATERAL (SELECT ri.report_id, ri.confidence, ri.valid_until FROM report_indicators ri
                    WHERE ri.indicator_id = i.id AND ri.withdrawn_at IS NULL OFFSET 0) l
CROSS JOIN LATERAL (SELECT x.id, x.category, x.tlp, x.first_seen, x.last_seen, x.created_at FROM reports x
                    WHERE x.id = l.report_id AND report_visible(x.reporter_org_id, x.shared_with, x.tlp, $1, $2)
                    OFFSET 0) r";

/// One value by `value = $3`; a batch from the values themselves (each an index probe).
fn lookup_sql(values: &[String]) -> String {
    let from = if values.len() == 1 {
        "indicators i WHERE_ONE"
    } else {
        "unnest($3::text[]) AS v(value)
CROSS JOIN LATERAL (SELECT y.id, y.type, y.value FROM indicators y WHERE y.value = v.value OFFSET 0) i"
    };
    let sql = LOOKUP.replace("VALUES_", from);
    match sql.split_once(" WHERE_ONE") {
        Some((head, tail)) => format!("{head}{tail}\nWHERE i.value = $3"),
        None => sql,
    }
}

pub async fn lookup(conn: &Conn, viewer: &Viewer, values: &[String]) -> ApiResult<Vec<HitRow>> {
    let q = crate::kernel::db::prepared_sql(lookup_sql(values))
        .bind::<diesel::sql_types::Uuid, _>(viewer.org_id)
        .bind::<diesel::sql_types::Bool, _>(viewer.public_sector);
    Ok(match values {
        [one] => q.bind::<Text, _>(one).load(&mut &*conn).await?,
        many => q.bind::<Array<Text>, _>(many).load(&mut &*conn).await?,
    })
}

/// The plan of the look-up (`EXPLAIN`, text), for the test that keeps it on indexes.
pub async fn explain_lookup(conn: &mut Conn, viewer: &Viewer, values: &[String]) -> ApiResult<String> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let q = diesel::sql_query(format!("EXPLAIN {}", lookup_sql(values)))
        .bind::<diesel::sql_types::Uuid, _>(viewer.org_id)
        .bind::<diesel::sql_types::Bool, _>(viewer.public_sector);
    let lines: Vec<Line> = match values {
        [one] => q.bind::<Text, _>(one).load(conn).await?,
        many => q.bind::<Array<Text>, _>(many).load(conn).await?,
    };
    Ok(lines.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n"))
}

/// Records a sighting.
pub async fn insert_sighting(conn: &mut Conn, org: OrgId, by: Uuid, s: &NewSighting) -> ApiResult<Sighting> {
    Ok(diesel::insert_into(sightings::table)
        .values((
            sightings::id.eq(Uuid::now_v7()),
            sightings::organization_id.eq(org),
            sightings::type_.eq(s.kind_of_value),
            sightings::value.eq(&s.value),
            sightings::kind.eq(s.kind),
            sightings::source.eq(s.source),
            sightings::count.eq(s.count),
            sightings::first_seen.eq(s.first_seen),
            sightings::last_seen.eq(s.last_seen),
            sightings::note.eq(&s.note),
            sightings::created_by.eq(by),
        ))
        .returning(Sighting::as_returning())
        .get_result(conn)
        .await?)
}

/// A sighting to record, checked.
#[derive(Debug)]
pub struct NewSighting {
    pub kind_of_value: IndicatorType,
    pub value: String,
    pub kind: SightingKind,
    pub source: SightingSource,
    pub count: i32,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(QueryableByName, Debug)]
pub struct SummaryRow {
    #[diesel(sql_type = Text)]
    pub type_: IndicatorType,
    #[diesel(sql_type = Text)]
    pub value: String,
    #[diesel(sql_type = BigInt)]
    pub seen: i64,
    #[diesel(sql_type = BigInt)]
    pub false_positive: i64,
    #[diesel(sql_type = BigInt)]
    pub expired: i64,
    #[diesel(sql_type = BigInt)]
    pub false_positive_organizations: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_seen: Option<DateTime<Utc>>,
    /// The same, of the asking organisation's sightings alone.
    #[diesel(sql_type = BigInt)]
    pub own_seen: i64,
    #[diesel(sql_type = BigInt)]
    pub own_false_positive: i64,
    #[diesel(sql_type = BigInt)]
    pub own_expired: i64,
    #[diesel(sql_type = BigInt)]
    pub own_false_positive_recent: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub own_first_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub own_last_seen: Option<DateTime<Utc>>,
}

/// Every organisation's sightings of the values, counted per value, and `org`'s own alone (one
/// query for a batch). A false positive weighs once per organisation, whatever its count.
pub async fn sighting_summaries(conn: &Conn, org: OrgId, values: &[String]) -> ApiResult<Vec<SummaryRow>> {
    Ok(crate::kernel::db::prepared_sql(
        "SELECT type AS type_, value,
                coalesce(sum(count) FILTER (WHERE kind = 'seen'), 0)::bigint AS seen,
                count(DISTINCT organization_id) FILTER (WHERE kind = 'false_positive') AS false_positive,
                coalesce(sum(count) FILTER (WHERE kind = 'expired'), 0)::bigint AS expired,
                count(DISTINCT organization_id) FILTER (WHERE kind = 'false_positive' AND created_at > now() - interval '90 days')
                    AS false_positive_organizations,
                min(first_seen) FILTER (WHERE kind = 'seen') AS first_seen,
                max(last_seen) FILTER (WHERE kind = 'seen') AS last_seen,
                coalesce(sum(count) FILTER (WHERE kind = 'seen' AND organization_id = $2), 0)::bigint AS own_seen,
                count(DISTINCT organization_id) FILTER (WHERE kind = 'false_positive' AND organization_id = $2)
                    AS own_false_positive,
                coalesce(sum(count) FILTER (WHERE kind = 'expired' AND organization_id = $2), 0)::bigint AS own_expired,
                count(DISTINCT organization_id) FILTER (WHERE kind = 'false_positive' AND organization_id = $2
                    AND created_at > now() - interval '90 days') AS own_false_positive_recent,
                min(first_seen) FILTER (WHERE kind = 'seen' AND organization_id = $2) AS own_first_seen,
                max(last_seen) FILTER (WHERE kind = 'seen' AND organization_id = $2) AS own_last_seen
         FROM sightings WHERE value = ANY($1) GROUP BY type, value",
    )
    .bind::<Array<Text>, _>(values)
    .bind::<diesel::sql_types::Uuid, _>(org)
    .load(&mut &*conn)
    .await?)
}

/// The organisation's latest sighting of each of the values.
pub async fn own_latest_sightings(conn: &Conn, org: OrgId, values: &[String]) -> ApiResult<Vec<Sighting>> {
    Ok(sightings::table
        .filter(sightings::organization_id.eq(org))
        .filter(sightings::value.eq_any(values))
        .distinct_on((sightings::type_, sightings::value))
        .order((sightings::type_, sightings::value, sightings::created_at.desc()))
        .select(Sighting::as_select())
        .load(&mut &*conn)
        .await?)
}
