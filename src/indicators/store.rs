//! The look-up query: every visible report naming any of the values, in one round trip.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use uuid::Uuid;

use super::model::{HitRow, Sighting, SightingKind, SightingSource};
use crate::domain::report::Viewer;
use crate::domain::{IndicatorType, OrgId};
use crate::kernel::db::schema::{indicators, report_indicators, reports, sightings};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::reports::store::visible_to;

/// Read-only: safe to send to a replica. One value is asked as `value = $1`, whose generic
/// plan PostgreSQL keeps cached; `value = ANY($1)` gets re-planned on every execution, a cost
/// a batch of 1,000 amortises and a single look-up would not.
pub async fn lookup(conn: &mut Conn, viewer: &Viewer, values: &[String]) -> ApiResult<Vec<HitRow>> {
    let query = indicators::table
        .inner_join(report_indicators::table.inner_join(reports::table))
        .filter(visible_to(viewer))
        .filter(report_indicators::withdrawn_at.is_null())
        .select((
            indicators::type_,
            indicators::value,
            reports::id,
            reports::category,
            reports::tlp,
            reports::first_seen,
            reports::last_seen,
            reports::created_at,
            report_indicators::confidence,
            report_indicators::valid_until,
        ));
    Ok(match values {
        [one] => query.filter(indicators::value.eq(one)).load(conn).await?,
        many => query.filter(indicators::value.eq_any(many)).load(conn).await?,
    })
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
}

/// Every organisation's sightings of the values, counted per value (one query for a batch).
pub async fn sighting_summaries(conn: &mut Conn, values: &[String]) -> ApiResult<Vec<SummaryRow>> {
    Ok(diesel::sql_query(
        "SELECT type AS type_, value,
                coalesce(sum(count) FILTER (WHERE kind = 'seen'), 0)::bigint AS seen,
                coalesce(sum(count) FILTER (WHERE kind = 'false_positive'), 0)::bigint AS false_positive,
                coalesce(sum(count) FILTER (WHERE kind = 'expired'), 0)::bigint AS expired,
                count(DISTINCT organization_id) FILTER (WHERE kind = 'false_positive' AND created_at > now() - interval '90 days')
                    AS false_positive_organizations,
                min(first_seen) FILTER (WHERE kind = 'seen') AS first_seen,
                max(last_seen) FILTER (WHERE kind = 'seen') AS last_seen
         FROM sightings WHERE value = ANY($1) GROUP BY type, value",
    )
    .bind::<Array<Text>, _>(values)
    .load(conn)
    .await?)
}

/// The organisation's latest sighting of each of the values.
pub async fn own_latest_sightings(conn: &mut Conn, org: OrgId, values: &[String]) -> ApiResult<Vec<Sighting>> {
    Ok(sightings::table
        .filter(sightings::organization_id.eq(org))
        .filter(sightings::value.eq_any(values))
        .distinct_on((sightings::type_, sightings::value))
        .order((sightings::type_, sightings::value, sightings::created_at.desc()))
        .select(Sighting::as_select())
        .load(conn)
        .await?)
}
