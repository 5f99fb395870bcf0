//! Watchlist queries, and the match of a report's new indicators against every watchlist.

use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{ParsedItem, WatchlistRow};
use crate::domain::{IndicatorType, OrgId, OrgKind, ReportId};
use crate::events::{self, EventType};
use crate::kernel::db::schema::{watchlist_items, watchlists};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn insert(conn: &mut Conn, row: &WatchlistRow) -> ApiResult<WatchlistRow> {
    Ok(diesel::insert_into(watchlists::table)
        .values(row)
        .returning(WatchlistRow::as_returning())
        .get_result(conn)
        .await?)
}

/// One of `org`'s watchlists (another organisation's is `None`).
pub async fn get(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<Option<WatchlistRow>> {
    Ok(watchlists::table
        .filter(watchlists::id.eq(id))
        .filter(watchlists::organization_id.eq(org))
        .select(WatchlistRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A watchlist, locked until the transaction ends.
pub async fn lock(conn: &mut Conn, id: Uuid) -> ApiResult<Option<WatchlistRow>> {
    Ok(watchlists::table.find(id).for_update().select(WatchlistRow::as_select()).first(conn).await.optional()?)
}

/// `org`'s watchlists with their item counts, newest first.
pub async fn list(conn: &mut Conn, org: OrgId) -> ApiResult<Vec<(WatchlistRow, i64)>> {
    let rows: Vec<WatchlistRow> = watchlists::table
        .filter(watchlists::organization_id.eq(org))
        .order(watchlists::id.desc())
        .select(WatchlistRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let counts: Vec<(Uuid, i64)> = watchlist_items::table
        .filter(watchlist_items::watchlist_id.eq_any(&ids))
        .group_by(watchlist_items::watchlist_id)
        .select((watchlist_items::watchlist_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.iter().find(|(id, _)| *id == r.id).map_or(0, |(_, n)| *n);
            (r, n)
        })
        .collect())
}

pub async fn items(conn: &mut Conn, id: Uuid) -> ApiResult<Vec<(IndicatorType, String)>> {
    Ok(watchlist_items::table
        .filter(watchlist_items::watchlist_id.eq(id))
        .order((watchlist_items::type_, watchlist_items::value))
        .select((watchlist_items::type_, watchlist_items::value))
        .load(conn)
        .await?)
}

fn columns(items: &[ParsedItem]) -> (Vec<String>, Vec<String>, Vec<bool>) {
    let types = items.iter().map(|(t, _, _)| t.as_str().to_string()).collect();
    let values = items.iter().map(|(_, v, _)| v.clone()).collect();
    let networks = items.iter().map(|(_, _, n)| *n).collect();
    (types, values, networks)
}

/// Adds items (one statement however many); returns how many were new.
pub async fn add_items(conn: &mut Conn, id: Uuid, items: &[ParsedItem]) -> ApiResult<usize> {
    if items.is_empty() {
        return Ok(0);
    }
    let (types, values, networks) = columns(items);
    Ok(diesel::sql_query(
        "INSERT INTO watchlist_items (watchlist_id, type, value, network) \
         SELECT $1, t, v, CASE WHEN n THEN v::inet END FROM unnest($2::text[], $3::text[], $4::bool[]) AS x(t, v, n) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Array<Text>, _>(types)
    .bind::<Array<Text>, _>(values)
    .bind::<Array<Bool>, _>(networks)
    .execute(conn)
    .await?)
}

pub async fn remove_items(conn: &mut Conn, id: Uuid, items: &[ParsedItem]) -> ApiResult<usize> {
    if items.is_empty() {
        return Ok(0);
    }
    let (types, values, _) = columns(items);
    Ok(diesel::sql_query(
        "DELETE FROM watchlist_items w USING unnest($2::text[], $3::text[]) AS x(t, v) \
         WHERE w.watchlist_id = $1 AND w.type = x.t AND w.value = x.v",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Array<Text>, _>(types)
    .bind::<Array<Text>, _>(values)
    .execute(conn)
    .await?)
}

pub async fn touch(conn: &mut Conn, id: Uuid, name: Option<&str>) -> ApiResult<WatchlistRow> {
    let row = diesel::update(watchlists::table.find(id))
        .set((watchlists::version.eq(watchlists::version + 1), watchlists::updated_at.eq(diesel::dsl::now)))
        .returning(WatchlistRow::as_returning())
        .get_result(conn)
        .await?;
    match name {
        Some(n) => Ok(diesel::update(watchlists::table.find(id))
            .set(watchlists::name.eq(n))
            .returning(WatchlistRow::as_returning())
            .get_result(conn)
            .await?),
        None => Ok(row),
    }
}

pub async fn delete(conn: &mut Conn, org: OrgId, id: Uuid) -> ApiResult<bool> {
    let n = diesel::delete(watchlists::table.filter(watchlists::id.eq(id)).filter(watchlists::organization_id.eq(org)))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

#[derive(QueryableByName)]
struct Match {
    #[diesel(sql_type = SqlUuid)]
    org_id: OrgId,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    payload: serde_json::Value,
}

/// Puts one `report.indicator_match` event on the feed of each organisation that watches any
/// of the report's newly linked indicators (exact values, or addresses inside a watched
/// network) and may see the report under TLP; the reporter is not told of its own report.
/// Values past their validity or withdrawn are not matched. Two index joins whatever the
/// number of watchlists. Returns how many events were written.
pub async fn notify_matches(conn: &mut Conn, report: ReportId, new_indicators: &[Uuid]) -> ApiResult<usize> {
    if new_indicators.is_empty() {
        return Ok(0);
    }
    let matches: Vec<Match> = diesel::sql_query(
        "SELECT m.org_id,
                jsonb_build_object('report_id', r.id, 'reference', r.reference, 'category', r.category, 'tlp', r.tlp,
                    'matches', jsonb_agg(jsonb_build_object('watchlist_id', m.watchlist_id, 'watchlist', m.watchlist,
                        'type', m.type, 'value', m.value, 'item', m.item) ORDER BY m.type, m.value, m.watchlist_id)) AS payload
         FROM reports r
         JOIN (
             SELECT w.organization_id AS org_id, w.id AS watchlist_id, w.name AS watchlist, i.type, i.value, wi.value AS item
             FROM indicators i
             JOIN watchlist_items wi ON wi.value = i.value AND wi.type = i.type AND wi.network IS NULL
             JOIN watchlists w ON w.id = wi.watchlist_id
             WHERE i.id = ANY($2) AND current_link(i.id, $1)
             UNION ALL
             SELECT w.organization_id, w.id, w.name, i.type, i.value, wi.value
             FROM indicators i
             JOIN watchlist_items wi ON wi.network IS NOT NULL
                 AND wi.network >>= (CASE WHEN i.type IN ('ipv4', 'ipv6') THEN i.value::inet END)
             JOIN watchlists w ON w.id = wi.watchlist_id
             WHERE i.id = ANY($2) AND i.type IN ('ipv4', 'ipv6') AND current_link(i.id, $1)
         ) m ON true
         JOIN organizations o ON o.id = m.org_id AND o.active
         WHERE r.id = $1
           AND o.id <> r.reporter_org_id
           AND report_visible(r.reporter_org_id, r.shared_with, r.tlp, o.id, o.kind = ANY($3))
         GROUP BY m.org_id, r.id, r.reference, r.category, r.tlp",
    )
    .bind::<SqlUuid, _>(report)
    .bind::<Array<SqlUuid>, _>(new_indicators)
    .bind::<Array<Text>, _>(OrgKind::public_sector())
    .load(conn)
    .await?;
    let events: Vec<(OrgId, serde_json::Value)> = matches.into_iter().map(|m| (m.org_id, m.payload)).collect();
    events::emit_many(conn, EventType::ReportIndicatorMatch, &events).await
}

#[derive(QueryableByName)]
struct OrgRow {
    #[diesel(sql_type = SqlUuid)]
    id: OrgId,
}

/// The organisations told that the report named (type, value) on their watchlists, that may
/// still see the report (a raised TLP may have taken it from some).
pub async fn matched_orgs(conn: &mut Conn, report: ReportId, t: IndicatorType, value: &str) -> ApiResult<Vec<OrgId>> {
    let probe = serde_json::json!([{"type": t, "value": value}]);
    let rows: Vec<OrgRow> = diesel::sql_query(
        "SELECT DISTINCT o.id FROM outbox_events e
         JOIN organizations o ON o.id = e.recipient_org_id AND o.active
         JOIN reports r ON r.id = $1
         WHERE e.type = $2 AND e.payload->>'report_id' = $1::text AND e.payload->'matches' @> $3
           AND report_visible(r.reporter_org_id, r.shared_with, r.tlp, o.id, o.kind = ANY($4))
         ORDER BY o.id",
    )
    .bind::<SqlUuid, _>(report)
    .bind::<Text, _>(EventType::ReportIndicatorMatch)
    .bind::<diesel::sql_types::Jsonb, _>(probe)
    .bind::<Array<Text>, _>(OrgKind::public_sector())
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
