//! The look-up query: every visible report naming any of the values, in one round trip.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::HitRow;
use crate::db::schema::{indicators, report_indicators, reports};
use crate::db::Conn;
use crate::error::ApiResult;
use crate::reports::model::Viewer;
use crate::reports::store::visible_to;

/// Read-only: safe to send to a replica.
pub async fn lookup(conn: &mut Conn, viewer: &Viewer, values: &[String]) -> ApiResult<Vec<HitRow>> {
    Ok(indicators::table
        .inner_join(report_indicators::table.inner_join(reports::table))
        .filter(indicators::value.eq_any(values))
        .filter(visible_to(viewer))
        .select((
            indicators::type_,
            indicators::value,
            reports::id,
            reports::category,
            reports::tlp,
            reports::first_seen,
            reports::last_seen,
            reports::created_at,
        ))
        .load(conn)
        .await?)
}
