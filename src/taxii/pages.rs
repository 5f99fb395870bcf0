//! TAXII's paging engine: the objects of a collection in the order their reports last
//! changed, from a keyset position (`next`), filtered as TAXII 2.1 section 3.4 says; the
//! reports are read as the caller may see them on every page, so `next` is never a grant.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Collection;
use crate::domain::report::Viewer;
use crate::domain::ReportId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::pagination;
use crate::kernel::AppState;

/// The filters of objects and manifest requests (TAXII 2.1, 3.4).
#[derive(Deserialize, Debug, Default)]
pub struct Filters {
    pub added_after: Option<String>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    #[serde(rename = "match[id]")]
    pub id: Option<String>,
    #[serde(rename = "match[type]")]
    pub type_: Option<String>,
    #[serde(rename = "match[version]")]
    pub version: Option<String>,
    #[serde(rename = "match[spec_version]")]
    pub spec_version: Option<String>,
}

/// Where a page ended: the last report read (in the order reports last changed) and how many
/// of its objects were sent.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Next {
    t: DateTime<Utc>,
    i: ReportId,
    k: usize,
}

/// One object of a collection with the time it was added (its report's last change).
pub struct Item {
    pub added: DateTime<Utc>,
    pub object: Value,
    /// The report it came from, for the pull's audit.
    pub report: ReportId,
}

fn list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

/// TAXII timestamps (`date_added`, the date headers): RFC 3339, UTC, microseconds, so that
/// `added_after` of one equals the stored time.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Filters {
    pub fn matches(&self, o: &Value) -> bool {
        let ids = list(&self.id);
        let types = list(&self.type_);
        let specs = list(&self.spec_version);
        let versions = list(&self.version);
        let modified = o["modified"].as_str().unwrap_or_default();
        (ids.is_empty() || ids.iter().any(|i| o["id"] == i.as_str()))
            && (types.is_empty() || types.iter().any(|t| o["type"] == t.as_str()))
            && (specs.is_empty() || specs.iter().any(|s| s == "2.1"))
            // One version of each object is served (the current one): `last`, `first` and `all`
            // name it, a timestamp only when it is that one.
            && (versions.is_empty()
                || versions.iter().any(|v| matches!(v.as_str(), "last" | "first" | "all") || v == modified))
    }
}

/// Up to `limit` objects of the collection from the `next` position, and whether more follow.
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    c: Collection,
    f: &Filters,
    limit: usize,
) -> ApiResult<(Vec<Item>, Option<Next>)> {
    const REPORTS: i64 = 200;
    let added_after = match f.added_after.as_deref() {
        None => None,
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| ApiError::field("added_after", "must be an RFC 3339 timestamp"))?
                .with_timezone(&Utc),
        ),
    };
    let start: Option<Next> = pagination::decode_param("next", f.next.as_deref())?;
    // A feed: no commit position to wait for; any usable replica serves it.
    state
        .read_long(ReadAfter::default(), async |conn| {
            // The report the cursor stopped in is read again (its first `k` objects skipped)
            // unless it changed since: then it comes again later, re-added.
            let mut from = start.as_ref().map(|n| ((n.t, n.i), true));
            let mut out: Vec<Item> = Vec::new();
            let mut last: Option<Next> = None;
            loop {
                let rows = crate::reports::store::changed_since(conn, viewer, from, added_after, REPORTS).await?;
                let done = (rows.len() as i64) < REPORTS;
                let reports = crate::reports::view::views(conn, viewer, rows).await?;
                for r in &reports {
                    let objects: Vec<Value> = crate::stix::report_objects(r)
                        .into_iter()
                        .filter(|o| c.holds(o["type"].as_str().unwrap_or("")))
                        .collect();
                    let skip = match &start {
                        Some(n) if n.i == r.id && n.t == r.updated_at => n.k,
                        _ => 0,
                    };
                    for (k, o) in objects.into_iter().enumerate().skip(skip) {
                        if !f.matches(&o) {
                            continue;
                        }
                        if out.len() == limit {
                            // One more exists: the page ends before it.
                            return Ok((out, last));
                        }
                        out.push(Item { added: r.updated_at, object: o, report: r.id });
                        last = Some(Next { t: r.updated_at, i: r.id, k: k + 1 });
                    }
                    from = Some(((r.updated_at, r.id), false));
                }
                if done {
                    return Ok((out, None));
                }
            }
        })
        .await
}

pub fn limit_of(f: &Filters) -> ApiResult<usize> {
    match f.limit {
        None => Ok(1000),
        Some(n) if (1..=10_000).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::field("limit", "from 1 to 10,000")),
    }
}

/// Every object of the collection with this id (a walk of the collection: ids of reports and
/// indicators are derived, not stored). 404 when none is visible to the caller.
pub async fn find(state: &AppState, viewer: &Viewer, c: Collection, object: &str) -> ApiResult<Vec<Item>> {
    let f = Filters { id: Some(object.to_string()), ..Default::default() };
    let (items, _) = page(state, viewer, c, &f, 10).await?;
    if items.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(items)
}

/// A page of an objects or manifest envelope: `more`, `next` when there is more.
pub fn envelope(objects: Vec<Value>, next: Option<&Next>) -> Value {
    let mut body = json!({"more": next.is_some(), "objects": objects});
    if let Some(n) = next {
        body["next"] = json!(pagination::encode(n));
    }
    body
}
