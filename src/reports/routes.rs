use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::*;
use super::{csv, store, view};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::{self, Check};
use crate::error::{ApiError, ApiResult};
use crate::http::{check_version, if_match, with_etag};
use crate::{idempotency, pagination, AppState};

const MAX_SHARED_WITH: usize = 100;
const IDEMPOTENCY_SCOPE: &str = "reports";

/// Times in the future (beyond clock skew) are refused.
fn check_time(check: &mut Check, field: &str, t: Option<DateTime<FixedOffset>>) -> Option<DateTime<Utc>> {
    let t = t?.with_timezone(&Utc);
    if t > Utc::now() + Duration::hours(1) {
        check.add(field, "is in the future");
    }
    Some(t)
}

/// Checks `shared_with`: distinct, at most 100, every one an active organisation.
async fn check_shared_with(conn: &mut crate::db::Conn, check: &mut Check, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() > MAX_SHARED_WITH {
        check.add("shared_with", format!("at most {MAX_SHARED_WITH} organisations"));
        return Ok(Vec::new());
    }
    let active = store::active_organizations(conn, &unique).await?;
    for (i, id) in ids.iter().enumerate() {
        if !active.contains(id) {
            check.add(format!("shared_with[{i}]"), "no such active organisation");
        }
    }
    Ok(unique)
}

/// Submits a report with its indicators (normalised; an invalid one is named:
/// `indicators[3].value: IBAN checksum failed`). With `Idempotency-Key`, a retry answers the
/// first answer and creates nothing.
#[utoipa::path(
    tag = "reports",
    request_body = CreateReport,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 201, body = Report, headers(("ETag" = String), ("Location" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports")]
pub async fn create_report(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateReport>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::SubmitReports, "report.create").await?;
    let key = idempotency::key(&req)?;
    let request_hash = idempotency::hash(&serde_json::to_value(&*body).map_err(ApiError::internal)?);
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let category = check.take("category", body.category.parse::<Category>());
    let title = check.text("title", &body.title, 1, 300);
    let description = check.text("description", &body.description, 1, 20_000);
    let tlp = check.take("tlp", body.tlp.parse::<Tlp>());
    let status = body.status.as_deref().map_or(Some(ReportStatus::Open), |s| check.take("status", s.parse()));
    let first_seen = check_time(&mut check, "first_seen", body.first_seen);
    let last_seen = check_time(&mut check, "last_seen", body.last_seen);
    if let (Some(f), Some(l)) = (first_seen, last_seen) {
        if f > l {
            check.add("last_seen", "is before first_seen");
        }
    }
    let country = body.country.as_deref().and_then(|c| check.take("country", domain::country(c)));
    let loss = body.loss.as_ref().and_then(|m| check_money(&mut check, "loss", m));
    if body.victim_count.is_some_and(|n| n < 0) {
        check.add("victim_count", "must not be negative");
    }
    let indicators = check_indicators(&mut check, &body.indicators);
    let shared_with = check_shared_with(&mut conn, &mut check, &body.shared_with).await?;
    check.finish()?;
    let (Some(category), Some(title), Some(description), Some(tlp), Some(status)) =
        (category, title, description, tlp, status)
    else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let now = Utc::now();
    let seen = (first_seen.unwrap_or(now), last_seen.or(first_seen).unwrap_or(now));
    let viewer = Viewer::of(&principal);
    let created = conn
        .transaction(async |c| {
            let new = NewReport {
                id: Uuid::now_v7(),
                reference: store::next_reference(c).await?,
                reporter_org_id: principal.org_id,
                reporter_user_id: principal.user_id(),
                reporter_api_key_id: principal.api_key_id(),
                category: category.as_str().into(),
                title,
                description,
                status: status.as_str().into(),
                tlp: tlp.as_str().into(),
                shared_with,
                anonymous: body.anonymous,
                first_seen,
                last_seen,
                country,
                loss_amount_minor: loss.as_ref().map(|m| m.amount_minor),
                loss_currency: loss.map(|m| m.currency),
                victim_count: body.victim_count,
            };
            let row = store::insert(c, &new).await?;
            let linked = store::attach_indicators(c, row.id, seen, &indicators).await?;
            crate::watchlists::store::emit_matches(c, row.id, &linked).await?;
            Entry::of(&principal, "report.create")
                .object("report", row.id)
                .details(serde_json::json!({"tlp": row.tlp, "indicators": indicators.len()}))
                .write(c)
                .await?;
            let report = view::views(c, &viewer, vec![row])
                .await?
                .pop()
                .ok_or_else(|| ApiError::Internal("report view missing".into()))?;
            let answer = serde_json::to_value(&report).map_err(ApiError::internal)?;
            if let Some(k) = &key {
                idempotency::record(c, principal.org_id, IDEMPOTENCY_SCOPE, k, &request_hash, 201, &answer).await?;
            }
            Ok::<_, ApiError>((201, answer))
        })
        .await;
    let (_, report) =
        idempotency::settle(&mut conn, principal.org_id, IDEMPOTENCY_SCOPE, key.as_deref(), &request_hash, created)
            .await?;
    let version = report["version"].as_i64().unwrap_or(1) as i32;
    let mut res = with_etag(StatusCode::CREATED, version, &report);
    if let Ok(loc) = actix_web::http::header::HeaderValue::from_str(&format!(
        "/api/v1/reports/{}",
        report["id"].as_str().unwrap_or("")
    )) {
        res.headers_mut().insert(actix_web::http::header::LOCATION, loc);
    }
    Ok(res)
}

/// Queries the reports visible to you: filters, free text, sort, keyset pagination, counts.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses(
        (status = 200, body = ReportPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> ApiResult<web::Json<ReportPage>> {
    audit::require(&state, &principal, Permission::ReadReports, "report.query").await?;
    let filter = parse_query(&q)?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<ReportCursor> = pagination::decode(q.cursor.as_deref())?;
    let count = match q.count.as_deref().unwrap_or("none") {
        "none" => None,
        "exact" => Some(true),
        "estimate" => Some(false),
        _ => return Err(ApiError::field("count", "one of exact, estimate, none")),
    };
    let viewer = Viewer::of(&principal);
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer, &filter, after.as_ref(), limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| filter.cursor_after(r));
    let total = match count {
        Some(exact) => Some(store::count(&mut conn, &viewer, &filter, exact).await?),
        None => None,
    };
    state.audit.push(
        Entry::of(&principal, "report.query")
            .details(serde_json::json!({"query": req.query_string(), "rows": rows.len()})),
    );
    let items = view::views(&mut conn, &viewer, rows).await?;
    Ok(web::Json(ReportPage {
        items,
        next_cursor,
        total,
        total_kind: count.map(|exact| if exact { "exact" } else { "estimate" }),
    }))
}

/// One report, if visible to you (404 otherwise).
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses(
        (status = 200, body = Report, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ReadReports, "report.read").await?;
    let id = id.into_inner();
    let viewer = Viewer::of(&principal);
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &viewer, id).await? else {
        return Err(audit::not_visible(&state, &principal, "report.read", "report", id).await);
    };
    state.audit.push(Entry::of(&principal, "report.read").object("report", id));
    let report = view::views(&mut conn, &viewer, vec![row]).await?.pop().ok_or(ApiError::NotFound)?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}

/// Changes a report (reporter's organisation only). Needs `If-Match` with the ETag (428
/// without, 412 when stale). TLP may only be raised and `shared_with` only widened;
/// `indicators` are added.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = UpdateReport,
    security(("bearer" = []), ("api_key" = ["reports:write"])),
    responses(
        (status = 200, body = Report, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/reports/{id}")]
pub async fn update_report(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UpdateReport>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::SubmitReports, "report.update").await?;
    let id = id.into_inner();
    let viewer = Viewer::of(&principal);
    let mut conn = state.pool.get().await?;
    let Some(current) = store::get_visible(&mut conn, &viewer, id).await? else {
        return Err(audit::not_visible(&state, &principal, "report.update", "report", id).await);
    };
    if current.reporter_org_id != principal.org_id {
        audit::record_denied(&state, Entry::of(&principal, "report.update").object("report", id)).await;
        return Err(ApiError::Forbidden("only the reporting organisation changes a report".into()));
    }
    let expected = if_match(&req)?.ok_or(ApiError::PreconditionRequired)?;
    let mut check = Check::new();
    let current_tlp: Tlp = domain::from_db(&current.tlp)?;
    let tlp = body.tlp.as_deref().and_then(|t| check.take("tlp", t.parse::<Tlp>()));
    if tlp.is_some_and(|t| t.rank() < current_tlp.rank()) {
        check.add("tlp", format!("TLP may only be raised (it is {current_tlp})"));
    }
    let shared_with = match &body.shared_with {
        Some(list) => {
            let unique = check_shared_with(&mut conn, &mut check, list).await?;
            if current.shared_with.iter().any(|o| !unique.contains(o)) {
                check.add("shared_with", "may only be widened: keep every organisation already listed");
            }
            Some(unique)
        }
        None => None,
    };
    let first_seen = check_time(&mut check, "first_seen", body.first_seen);
    let last_seen = check_time(&mut check, "last_seen", body.last_seen);
    if let (Some(f), Some(l)) = (first_seen.or(current.first_seen), last_seen.or(current.last_seen)) {
        if f > l {
            check.add("last_seen", "is before first_seen");
        }
    }
    if body.victim_count.is_some_and(|n| n < 0) {
        check.add("victim_count", "must not be negative");
    }
    let loss = body.loss.as_ref().and_then(|m| check_money(&mut check, "loss", m));
    let changes = ReportChanges {
        category: body
            .category
            .as_deref()
            .and_then(|c| check.take("category", c.parse::<Category>()))
            .map(|c| c.as_str().into()),
        title: body.title.as_deref().and_then(|t| check.text("title", t, 1, 300)),
        description: body.description.as_deref().and_then(|t| check.text("description", t, 1, 20_000)),
        status: body
            .status
            .as_deref()
            .and_then(|s| check.take("status", s.parse::<ReportStatus>()))
            .map(|s| s.as_str().into()),
        tlp: tlp.map(|t| t.as_str().into()),
        shared_with,
        first_seen: first_seen.map(Some),
        last_seen: last_seen.map(Some),
        country: body.country.as_deref().and_then(|c| check.take("country", domain::country(c))).map(Some),
        loss_amount_minor: loss.as_ref().map(|m| Some(m.amount_minor)),
        loss_currency: loss.map(|m| Some(m.currency)),
        victim_count: body.victim_count.map(Some),
    };
    let indicators = body.indicators.as_deref().map(|items| check_indicators(&mut check, items)).unwrap_or_default();
    check.finish()?;
    let report = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            check_version(Some(expected), locked.version)?;
            let row = store::update(c, id, &changes).await?;
            let now = Utc::now();
            let seen = (row.first_seen.unwrap_or(now), row.last_seen.or(row.first_seen).unwrap_or(now));
            let linked = store::attach_indicators(c, id, seen, &indicators).await?;
            // A widened audience (TLP is only raised, but shared_with may grow) is not re-matched:
            // events follow new indicators.
            crate::watchlists::store::emit_matches(c, id, &linked).await?;
            let added = linked.len();
            Entry::of(&principal, "report.update")
                .object("report", id)
                .details(serde_json::json!({"tlp": row.tlp, "indicators_added": added, "version": row.version}))
                .write(c)
                .await?;
            view::views(c, &viewer, vec![row]).await?.pop().ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, report.version, &report))
}

/// The same query as `GET /reports`, every page, as CSV (streamed). Cells that spreadsheets
/// would evaluate as formulas are prefixed with `'`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/export.csv")]
pub async fn export_reports(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ReadReports, "report.export").await?;
    let filter = parse_query(&q)?;
    let viewer = Viewer::of(&principal);
    {
        let mut conn = state.pool.get().await?;
        Entry::of(&principal, "report.export")
            .details(serde_json::json!({"query": req.query_string()}))
            .write(&mut conn)
            .await?;
    }
    const PAGE: i64 = 500;
    struct Walk {
        state: web::Data<AppState>,
        viewer: Viewer,
        filter: ReportFilter,
        after: Option<ReportCursor>,
        first: bool,
        done: bool,
    }
    let walk = Walk { state: state.clone(), viewer, filter, after: None, first: true, done: false };
    let stream = futures_util::stream::unfold(walk, |mut w| async move {
        if w.done {
            return None;
        }
        let chunk = async {
            let mut conn = w.state.pool.get().await?;
            let rows = store::list(&mut conn, &w.viewer, &w.filter, w.after.as_ref(), PAGE).await?;
            let (rows, next) = pagination::page(rows, PAGE, |r| w.filter.cursor_after(r));
            w.after = next.and_then(|n| pagination::decode::<ReportCursor>(Some(&n)).ok().flatten());
            w.done = w.after.is_none();
            let reports = view::views(&mut conn, &w.viewer, rows).await?;
            csv::render(&reports, w.first).map_err(ApiError::internal)
        }
        .await;
        w.first = false;
        match chunk {
            Ok(bytes) => Some((Ok::<_, ApiError>(web::Bytes::from(bytes)), w)),
            Err(e) => {
                // The status line is gone already: end the stream, the client sees a truncated body.
                tracing::error!(error = %e, "CSV export failed mid-stream");
                w.done = true;
                Some((Err(e), w))
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"reports.csv\""))
        .streaming(stream))
}
