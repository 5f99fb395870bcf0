//! Rows to API reports, as a given viewer gets them.

use std::collections::HashMap;

use uuid::Uuid;

use super::model::{Indicator, Money, Report, ReportRow, Reporter, Viewer};
use super::store;
use crate::db::Conn;
use crate::domain::{from_db, OrgKind};
use crate::error::ApiResult;

/// How an anonymous reporter is named to others.
fn anonymous_name(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::LawEnforcement => "a law enforcement agency",
        OrgKind::Prosecution => "a prosecution office",
        OrgKind::Fiu => "a financial intelligence unit",
        OrgKind::Isp => "an ISP",
        OrgKind::Bank => "a bank",
        OrgKind::Regulator => "a regulator",
        OrgKind::Platform => "the platform operator",
    }
}

/// Loads the rows' indicators and reporters (two queries for the whole page) and maps them.
pub async fn views(conn: &mut Conn, viewer: &Viewer, rows: Vec<ReportRow>) -> ApiResult<Vec<Report>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut orgs: Vec<Uuid> = rows.iter().map(|r| r.reporter_org_id).collect();
    orgs.sort();
    orgs.dedup();
    let mut by_report: HashMap<Uuid, Vec<Indicator>> = HashMap::new();
    for (report, t, value, role) in store::indicators_of(conn, &ids).await? {
        by_report.entry(report).or_default().push(Indicator { type_: from_db(&t)?, value, role });
    }
    let names: HashMap<Uuid, (String, String)> =
        store::reporters(conn, &orgs).await?.into_iter().map(|(id, name, kind)| (id, (name, kind))).collect();
    rows.into_iter()
        .map(|r| {
            let own = r.reporter_org_id == viewer.org_id;
            let (name, kind) = names.get(&r.reporter_org_id).cloned().unwrap_or_default();
            let kind: OrgKind = from_db(&kind)?;
            let reporter = if r.anonymous && !own {
                Reporter { organization_id: None, name: anonymous_name(kind).into(), kind }
            } else {
                Reporter { organization_id: Some(r.reporter_org_id), name, kind }
            };
            Ok(Report {
                id: r.id,
                category: from_db(&r.category)?,
                status: from_db(&r.status)?,
                tlp: from_db(&r.tlp)?,
                indicators: by_report.remove(&r.id).unwrap_or_default(),
                reference: r.reference,
                title: r.title,
                description: r.description,
                shared_with: own.then_some(r.shared_with),
                anonymous: r.anonymous,
                reporter,
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
