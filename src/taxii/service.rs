//! TAXII's operations, as its handlers call them: the purpose a pull is made for, a page of a
//! collection (audited), and adding an envelope to the submit collection.
//!
//! | function | action | does |
//! |---|---|---|
//! | [`purpose_of`] | `TaxiiRead` | a key's standing purpose, or the purpose a bearer pull states |
//! | [`pull`] | `TaxiiRead` | a page of a collection, its reports audited |
//! | [`find`] | `TaxiiRead` | every version of one object, audited when `audit` |
//! | [`add`] | `CreateReport` | reports and sightings of the caller's organisation, one transaction |

use chrono::Utc;
use diesel_async::AsyncConnection;
use serde_json::{json, Value};

use super::pages::{self, Filters, Item, Next};
use super::Collection;
use crate::access::{Action, Grant};
use crate::domain::PurposeParams;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// The purpose a pull is made for: a key's standing purpose (`standing_feed`, until its end),
/// or, with a bearer token, `purpose` and `case_reference` in the query as REST searches state
/// them (`params`, ignored for a key). Organisations that owe a purpose for every search pull
/// with one or get 422.
pub async fn purpose_of(state: &AppState, act: Grant, params: &PurposeParams) -> ApiResult<Grant> {
    act.expect(&[Action::TaxiiRead])?;
    let Some(key) = act.api_key_id() else { return act.for_purpose(state, params) };
    let standing = crate::apikeys::store::standing_purpose(&mut *state.pool.get().await?, key).await?;
    match standing {
        Some((case, until)) if until > Utc::now() => Ok(act.with_standing_purpose(case)),
        Some((_, until)) if act.owes_purpose(state) => Err(ApiError::field(
            "standing_purpose",
            format!("this key's standing purpose ended at {until}: make a key with a new one"),
        )),
        None if act.owes_purpose(state) => Err(ApiError::field(
            "standing_purpose",
            "your organisation states a purpose for every search: pull with a key that has a standing purpose \
             (POST /api/v1/api-keys with standing_purpose)",
        )),
        _ => Ok(act),
    }
}

/// Up to the filters' `limit` objects of the collection, and where the next page starts; the
/// reports served are audited.
pub async fn pull(state: &AppState, act: &Grant, c: Collection, f: &Filters) -> ApiResult<(Vec<Item>, Option<Next>)> {
    act.expect(&[Action::TaxiiRead])?;
    let limit = pages::limit_of(f)?;
    let (items, next) = pages::page(state, &act.viewer(), c, f, limit).await?;
    audit_pull(state, act, c, &items).await?;
    Ok((items, next))
}

/// The object `object` of the collection (404 when none is visible), filtered by `f` and its
/// reports audited when given; its versions alone otherwise.
pub async fn find(
    state: &AppState,
    act: &Grant,
    c: Collection,
    object: &str,
    f: Option<&Filters>,
) -> ApiResult<Vec<Item>> {
    act.expect(&[Action::TaxiiRead])?;
    let items = pages::find(state, &act.viewer(), c, object).await?;
    let Some(f) = f else { return Ok(items) };
    let items: Vec<Item> = items.into_iter().filter(|i| f.matches(&i.object)).collect();
    audit_pull(state, act, c, &items).await?;
    Ok(items)
}

/// Adds an envelope's `objects` to the submit collection: reports and indicators become reports
/// of the caller's organisation and sightings its sightings, in one transaction; what cannot be
/// taken is a failure of its object in the status, not of the request.
pub async fn add(state: &AppState, act: &Grant, objects: &[Value]) -> ApiResult<super::store::StatusRow> {
    act.expect(&[Action::CreateReport])?;
    if objects.len() > 10_000 {
        return Err(ApiError::field("objects", "at most 10,000 objects per envelope"));
    }
    let mut parsed = crate::stix::ingest::parse(objects);
    // A sighting takes what REST's sightings take (`indicators:lookup` for a key).
    if !parsed.sightings.is_empty() && !act.can(crate::domain::Permission::LookupIndicators) {
        for s in std::mem::take(&mut parsed.sightings) {
            let why = "recording a sighting takes what POST /indicators/{type}/{value}/sightings takes (an API key: the indicators:lookup scope)";
            crate::stix::ingest::move_to_failures(&mut parsed, &s.id, why.into());
        }
    }
    let now = chrono::Utc::now();
    let row = super::store::StatusRow {
        id: uuid::Uuid::now_v7(),
        organization_id: act.org_id,
        total_count: objects.len() as i32,
        successes: serde_json::to_value(&parsed.successes).map_err(ApiError::internal)?,
        failures: serde_json::to_value(&parsed.failures).map_err(ApiError::internal)?,
        created_at: now,
    };
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        for incoming in &parsed.reports {
            crate::reports::service::create(c, act, incoming.report_input(), now).await?;
        }
        for s in &parsed.sightings {
            let sighting = s.new_sighting(now);
            let row = crate::indicators::store::insert_sighting(c, act.org_id, act.actor_id(), &sighting).await?;
            // As REST's sightings are audited: subject access finds them by their value.
            let details = json!({"type": row.type_, "value": row.value, "kind": row.kind, "count": row.count, "via": "taxii"});
            act.entry_as("indicator.sighting").object("sighting", row.id).details(details).write(c).await?;
        }
        super::store::insert(c, &row).await?;
        let details =
            json!({"taxii_status": row.id, "reports": parsed.reports.len(), "sightings": parsed.sightings.len(), "failures": parsed.failures.len()});
        act.entry_as("taxii.add").details(details).write(c).await
    })
    .await?;
    Ok(row)
}

/// The audit row of a pull, naming the reports it served (never their values: who may read
/// the row may not read the reports), so that "who read report X" (`GET /audit?object_id=X`)
/// and subject access (through the reports naming a value) find it. Written at once, not
/// buffered: a row of its own, never merged with others.
async fn audit_pull(state: &AppState, act: &Grant, c: Collection, items: &[Item]) -> ApiResult<()> {
    let mut reports: Vec<String> = items.iter().map(|i| i.report.to_string()).collect();
    reports.dedup();
    let conn = state.pool.get().await?;
    act.entry().details(json!({"collection": c.id(), "objects": items.len(), "reports": reports})).write(&conn).await
}

/// The status of an envelope the caller's organisation added (another's: 404).
pub async fn status(state: &AppState, act: &Grant, id: uuid::Uuid) -> ApiResult<super::store::StatusRow> {
    act.expect(&[Action::TaxiiRead])?;
    super::store::get(&mut *state.pool.get().await?, act.org_id, id).await?.ok_or(ApiError::NotFound)
}
