//! Rows to API reports, as a given viewer gets them.

use std::collections::HashMap;

use super::model::{Indicator, IndicatorRef, Report, ReportRow, Reporter, Withdrawal};
use super::store;
use crate::domain::report::Viewer;
use crate::domain::{Money, OrgId, OrgKind, ReportId};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::organizations;

/// Loads the rows' indicators and reporters (two queries for the whole page) and maps them.
pub async fn views(conn: &mut Conn, viewer: &Viewer, rows: Vec<ReportRow>) -> ApiResult<Vec<Report>> {
    let ids: Vec<ReportId> = rows.iter().map(|r| r.id).collect();
    let mut orgs: Vec<OrgId> = rows.iter().map(|r| r.reporter_org_id).collect();
    orgs.sort();
    orgs.dedup();
    let links = store::indicators_of(conn, &ids).await?;
    let replaced: Vec<uuid::Uuid> = links.iter().filter_map(|l| l.corrected_to).collect();
    let values: HashMap<uuid::Uuid, IndicatorRef> = store::indicator_values(conn, &replaced)
        .await?
        .into_iter()
        .map(|(id, type_, value)| (id, IndicatorRef { type_, value }))
        .collect();
    let reporters: HashMap<ReportId, OrgId> = rows.iter().map(|r| (r.id, r.reporter_org_id)).collect();
    let now = chrono::Utc::now();
    let mut by_report: HashMap<ReportId, Vec<Indicator>> = HashMap::new();
    for l in links {
        // A withdrawn value is the reporter's record only: nobody else sees it any more.
        let withdrawn = match (l.withdrawn_at, reporters.get(&l.report_id) == Some(&viewer.org_id)) {
            (None, _) => None,
            (Some(_), false) => continue,
            (Some(at), true) => Some(Withdrawal {
                at,
                reason: l.withdrawn_reason.unwrap_or_default(),
                corrected_to: l.corrected_to.and_then(|id| values.get(&id).cloned()),
            }),
        };
        by_report.entry(l.report_id).or_default().push(Indicator {
            type_: l.type_,
            value: l.value,
            role: l.role,
            confidence: l.confidence,
            valid_until: l.valid_until,
            stale: l.valid_until <= now,
            withdrawn,
        });
    }
    let names: HashMap<OrgId, (String, OrgKind)> = organizations::store::summaries(conn, &orgs)
        .await?
        .into_iter()
        .map(|(id, name, kind)| (id, (name, kind)))
        .collect();
    rows.into_iter()
        .map(|r| {
            let (name, kind) =
                names.get(&r.reporter_org_id).cloned().ok_or_else(|| ApiError::internal("reporter missing"))?;
            let own = r.reporter_org_id == viewer.org_id;
            Ok(Report {
                reporter: reporter(&r, viewer.org_id, name, kind),
                id: r.id,
                category: r.category,
                status: r.status,
                tlp: r.tlp,
                indicators: by_report.remove(&r.id).unwrap_or_default(),
                reference: r.reference,
                title: r.title,
                description: r.description,
                shared_with: own.then_some(r.shared_with),
                anonymous: r.anonymous,
                first_seen: r.first_seen,
                last_seen: r.last_seen,
                country: r.country,
                loss: match (r.loss_amount_minor, r.loss_currency) {
                    (Some(amount_minor), Some(currency)) => Some(Money { amount_minor, currency }),
                    _ => None,
                },
                victim_count: r.victim_count,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The one view of one report.
pub async fn view(conn: &mut Conn, viewer: &Viewer, row: ReportRow) -> ApiResult<Report> {
    views(conn, viewer, vec![row]).await?.pop().ok_or(ApiError::NotFound)
}

/// How an anonymous reporter is named to others, and the organisation to its own members.
pub fn reporter(row: &ReportRow, viewer: OrgId, name: String, kind: OrgKind) -> Reporter {
    if row.anonymous && row.reporter_org_id != viewer {
        Reporter { organization_id: None, name: kind.anonymous_name().into(), kind }
    } else {
        Reporter { organization_id: Some(row.reporter_org_id), name, kind }
    }
}
