//! The look-up query: every visible report naming any of the values, in one round trip.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::HitRow;
use crate::domain::report::Viewer;
use crate::kernel::db::schema::{indicators, report_indicators, reports};
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
