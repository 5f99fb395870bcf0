use actix_web::{get, web};

use super::model::*;
use super::store;
use crate::access::{Action, Principal};
use crate::domain::indicator::normalize;
use crate::domain::IndicatorType;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Denied};
use crate::kernel::AppState;

/// Everything the platform holds about one identifier, across every organisation: the reports
/// naming it (reporters named, withdrawn values included), fraud alerts and the mule flag,
/// data requests, watchlists, legal holds, and who consulted it, when and why. For the
/// platform operator (platform admins) answering a data subject's request or a data-protection
/// audit; the export itself is audited with its purpose.
#[utoipa::path(
    tag = "data-protection",
    params(SubjectQuery, SubjectPurpose),
    security(("bearer" = [])),
    responses((status = 200, description = "all held about the identifier", body = SubjectExport), Common, Denied)
)]
#[get("/subject-access")]
pub async fn export_subject(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<SubjectQuery>,
    purpose: web::Query<SubjectPurpose>,
) -> ApiResult<web::Json<SubjectExport>> {
    let act = principal.authorize(&state, Action::ExportSubject).await?;
    if !act.is_platform_admin() {
        return Err(act
            .refuse(&state, "subject", "export", "the platform operator (platform admins) exports subject data")
            .await);
    }
    // A subject access export always names the request it answers (its number, its purpose).
    let act = act.for_required_purpose(&purpose.params())?;
    let t: IndicatorType = q.type_.parse().map_err(|e: String| ApiError::field("type", e))?;
    let value = normalize(t, &q.value).map_err(|e| ApiError::field("value", e))?;
    // Long work: every consultation of the value is looked for in the audit trail.
    let mut conn = state.long_pool.get().await?;
    let reports = store::reports(&mut conn, t, &value).await?;
    let (alerts, mule_account) = if t == IndicatorType::Iban {
        let alerts = store::alerts(&mut conn, &value).await?;
        let figures = crate::alerts::store::mule_account(&mut conn, &value).await?;
        // The operator reads every answer (a platform admin).
        let reader = crate::alerts::contest::ContestReader { org_id: act.org_id, sees_all: true };
        let contest = crate::alerts::contest::latest(&mut conn, std::slice::from_ref(&value), reader)
            .await?
            .pop()
            .map(|(_, c)| c);
        // Only an account named as a beneficiary (or once contested) has mule-flag figures.
        let named = figures.is_some() || contest.is_some();
        (alerts, named.then(|| crate::alerts::view::mule_view(value.clone(), figures, contest)))
    } else {
        (Vec::new(), None)
    };
    let data_requests = store::requests(&mut conn, t, &value).await?;
    let watchlists = store::watchlists(&mut conn, t, &value).await?;
    let mut objects: Vec<uuid::Uuid> = reports.iter().map(|r| r.id).collect();
    objects.extend(alerts.iter().map(|a| a.trace_id));
    objects.extend(data_requests.iter().map(|r| r.id));
    let legal_holds = crate::holds::store::on_objects(&mut conn, &objects).await?.into_iter().map(Into::into).collect();
    let naming: Vec<String> = reports.iter().map(|r| r.id.to_string()).collect();
    let consultations = store::consultations(&mut conn, t, &value, &naming).await?;
    let details = serde_json::json!({
        "type": t, "subject": value, "reports": reports.len(), "alerts": alerts.len(),
        "data_requests": data_requests.len(), "consultations": consultations.len(),
    });
    act.entry().details(details).write(&conn).await?;
    Ok(web::Json(SubjectExport {
        type_: t,
        value,
        generated_at: chrono::Utc::now(),
        reports,
        alerts,
        mule_account,
        data_requests,
        watchlists,
        legal_holds,
        consultations,
    }))
}
