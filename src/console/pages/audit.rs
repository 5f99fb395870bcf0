//! The audit trail in the console (`audit::service`, as the API): rows filtered by action,
//! organisation and period (an org_admin its own organisation's, regulators and platform admins
//! every one's), and for regulators and platform admins the signed head, "Verify" with its
//! result, and consultations per case and purpose.

use std::collections::HashMap;

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::requests::names;
use crate::access::Action;
use crate::audit::model::{AuditQuery, ChainVerification, ConsultationQuery, VerifyQuery};
use crate::audit::service;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::Fields;
use crate::domain::{OrgId, OrgKind};
use crate::kernel::error::{ApiError, ApiResult};

struct Row {
    at: String,
    organisation: String,
    action: String,
    object: String,
    outcome: String,
    case: String,
}

struct Consulted {
    organisation: String,
    case: String,
    count: i64,
    last: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPageView {
    t: Tr,
    chrome: Chrome,
    all: bool,
    action: String,
    from: String,
    to: String,
    organisation: String,
    organisations: Vec<(String, String)>,
    rows: Vec<Row>,
    next: Option<String>,
    head: Option<(i64, String, String, String)>,
    verified: Option<ChainVerification>,
    cases: Vec<Consulted>,
    purposes: Vec<(String, i64)>,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct Filter {
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    organisation: Option<String>,
    cursor: Option<String>,
}

fn org_name(names: &HashMap<OrgId, (String, OrgKind)>, id: Option<uuid::Uuid>) -> String {
    id.and_then(|id| names.get(&OrgId(id))).map(|n| n.0.clone()).unwrap_or_else(|| "—".to_string())
}

async fn view(v: &Visitor, f: &Filter, verified: Option<ChainVerification>) -> ApiResult<AuditPageView> {
    let t = v.tr;
    let act = v.authorize(Action::ReadAudit).await?;
    let all = act.reads_all_audit();
    let names = names(v).await?;
    let mut error = String::new();
    // Days as the reader types them, in the reader's zone; one that does not read is named.
    let day = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| t.typed_day(s).map(|d| d.with_timezone(&chrono::Utc)))
    };
    let mut read = |field: &str, text: &Option<String>| match day(text) {
        Some(Err(_)) => {
            error = t.arg("audit-bad-day", "field", t.get(&format!("audit-{field}")));
            None
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let from = read("from", &f.from);
    let to = read("to", &f.to).map(|d| d + chrono::Duration::days(1));
    let organization_id = f
        .organisation
        .as_deref()
        .filter(|s| !s.is_empty() && all)
        .map(|s| uuid::Uuid::parse_str(s).map_err(|_| ApiError::field("organisation", "not an organisation")))
        .transpose()?;
    let q = AuditQuery {
        from,
        to,
        organization_id,
        action: f.action.clone().filter(|a| !a.trim().is_empty()).map(|a| a.trim().to_string()),
        limit: Some(50),
        cursor: f.cursor.clone().filter(|c| !c.is_empty()),
        ..Default::default()
    };
    // A filter that does not read lists nothing rather than everything.
    let page = if error.is_empty() {
        service::list(&v.state, &act, &q).await?
    } else {
        crate::audit::model::AuditPage { items: Vec::new(), next_cursor: None }
    };
    let rows = page
        .items
        .iter()
        .map(|r| Row {
            at: t.when(&r.at),
            organisation: org_name(&names, r.organization_id),
            action: r.action.clone(),
            object: match (&r.object_type, &r.object_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                (Some(kind), None) => kind.clone(),
                _ => String::new(),
            },
            outcome: serde_json::to_value(r.outcome)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            case: match (&r.case_reference, &r.purpose) {
                (Some(c), Some(p)) => format!("{c} ({p})"),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            },
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, val) in [("action", &f.action), ("from", &f.from), ("to", &f.to), ("organisation", &f.organisation)] {
            if let Some(val) = val {
                q.append_pair(k, val);
            }
        }
        q.append_pair("cursor", &c);
        q.finish()
    });
    let (mut head, mut cases, mut purposes) = (None, Vec::new(), Vec::new());
    if all {
        let head_act = v.authorize(Action::ReadAuditHead).await?;
        head = match service::head(&v.state, &head_act).await {
            Ok(h) => Some((h.id, h.hash, t.when(&h.signed_at), h.signature)),
            Err(ApiError::NotFound) => None,
            Err(e) => return Err(e),
        };
        let consult = v.authorize(Action::ReadConsultationStatistics).await?;
        let stats = service::consultations(&v.state, &consult, &ConsultationQuery::default()).await?;
        cases = stats
            .by_case
            .iter()
            .take(50)
            .map(|c| Consulted {
                organisation: org_name(&names, c.organization_id),
                case: c.case_reference.clone(),
                count: c.consultations,
                last: t.when(&c.last_at),
            })
            .collect();
        purposes = stats
            .by_purpose
            .iter()
            .map(|p| {
                let name = p
                    .purpose
                    .map(|p| t.get(&format!("purpose-{}", p.as_str())))
                    .unwrap_or_else(|| t.get("audit-no-purpose"));
                (name, p.consultations)
            })
            .collect();
    }
    let mut organisations: Vec<(String, String)> =
        names.iter().map(|(id, (n, _))| (id.0.to_string(), n.clone())).collect();
    organisations.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(AuditPageView {
        t,
        chrome: v.chrome("audit"),
        all,
        action: f.action.clone().unwrap_or_default(),
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        organisation: f.organisation.clone().unwrap_or_default(),
        organisations: if all { organisations } else { Vec::new() },
        rows,
        next,
        head,
        verified,
        cases,
        purposes,
        error,
    })
}

#[get("/audit")]
pub async fn audit_page(v: Visitor, f: web::Query<Filter>) -> ApiResult<HttpResponse> {
    site::page(&view(&v, &f, None).await?)
}

/// "Verify": recomputes the chain from the last checkpoint (or from the genesis, `full`), and
/// against the signed head shown when asked; the page states the result.
#[post("/audit/verify")]
pub async fn verify(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let act = v.authorize(Action::VerifyAudit).await?;
    let q = VerifyQuery {
        full: Some(f.get("full") == "on"),
        head_id: f.opt("head_id").and_then(|h| h.parse().ok()),
        head_hash: f.opt("head_hash"),
    };
    let result = service::verify(&v.state, &act, &q).await?;
    site::page(&view(&v, &Filter::default(), Some(result)).await?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page).service(verify);
}
