//! STIX's operations, as the JSON API calls them, over the reports' services.
//!
//! | function | action | does |
//! |---|---|---|
//! | [`report_bundle`] | `ReadReport` | one visible report as a bundle, with the caller's sightings |
//! | [`export`] | `ExportReports` | every page of a report query as one bundle, streamed |

use std::sync::Arc;

use futures_util::Stream;

use crate::access::{Action, Grant};
use crate::domain::{ReportId, Tlp};
use crate::indicators::service::Sightings;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::AppState;
use crate::reports::model::ReportQuery;
use crate::reports::service::Rendering;

/// Every TLP 2.0 marking definition, which each bundle carries.
fn all_markings() -> Vec<Tlp> {
    Tlp::ALL.to_vec()
}

/// One report as a STIX 2.1 bundle: the report, its reporter's identity (anonymised when the
/// report is anonymous to the caller), each value as an indicator and its observable, the
/// sightings the caller is told of, the marking definitions. 404 when the caller may not see it.
pub async fn report_bundle(state: &AppState, act: &Grant, id: ReportId) -> ApiResult<serde_json::Value> {
    act.expect(&[Action::ReadReport])?;
    let report = crate::reports::service::read(state, act, id, serde_json::json!({"format": "stix"})).await?;
    let mut objects = super::report_objects(&report);
    let values: Vec<String> = report.indicators.iter().map(|i| i.value.clone()).collect();
    let sighted = Sightings::of(&*state.pool.get().await?, act.org_id, &values).await?;
    objects.extend(super::sightings(&objects, &sighted.summaries, &report));
    Ok(super::bundle(objects, &all_markings()))
}

/// The reports of the query `q` as one STIX 2.1 bundle, streamed: its head with the marking
/// definitions, the objects page by page (an identity or observable named by several reports
/// once), its tail.
pub async fn export(
    state: Arc<AppState>,
    act: &Grant,
    q: &ReportQuery,
    query_text: &str,
    read_after: ReadAfter,
) -> ApiResult<impl Stream<Item = ApiResult<Vec<u8>>>> {
    act.expect(&[Action::ExportReports])?;
    let markings: Vec<String> =
        all_markings().into_iter().map(|t| super::tlp::marking_definition(t).to_string()).collect();
    let open =
        format!(r#"{{"type":"bundle","id":"bundle--{}","objects":[{}"#, uuid::Uuid::new_v4(), markings.join(","));
    let sent = std::cell::RefCell::new(std::collections::HashSet::new());
    let render = move |reports: &[crate::reports::model::Report], first: bool| {
        let mut out = if first { open.clone().into_bytes() } else { Vec::new() };
        // After the marking definitions, every object follows a comma.
        let mut sent = sent.borrow_mut();
        for o in reports.iter().flat_map(super::report_objects) {
            if !sent.insert(o["id"].as_str().unwrap_or_default().to_string()) {
                continue;
            }
            out.push(b',');
            out.extend(serde_json::to_vec(&o).map_err(ApiError::internal)?);
        }
        Ok(out)
    };
    let rendering = Rendering { render, trailer: Some(b"]}".to_vec()), format: Some("stix") };
    crate::reports::service::export(state, act, q, query_text, read_after, rendering).await
}
