//! The TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5). Not in the OpenAPI document:
//! TAXII clients code against the TAXII specification.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Collection, TAXII_MEDIA_TYPE};
use crate::access::{Action, Grant, Principal};
use crate::domain::report::Viewer;
use crate::domain::ReportId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::pagination;
use crate::kernel::AppState;
use diesel_async::AsyncConnection;

/// Routes of `/taxii2/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let collection = "/api/collections/{id}";
    cfg.service(
        web::scope("/taxii2")
            .route("/", web::get().to(discovery))
            .route("/api/", web::get().to(api_root))
            .route("/api/collections/", web::get().to(collections))
            .route(&format!("{collection}/"), web::get().to(get_collection))
            .route(&format!("{collection}/objects/"), web::get().to(objects))
            .route(&format!("{collection}/objects/"), web::post().to(add_objects))
            .route(&format!("{collection}/objects/{{object}}/"), web::get().to(object))
            .route(&format!("{collection}/objects/{{object}}/"), web::delete().to(delete_object))
            .route(&format!("{collection}/objects/{{object}}/versions/"), web::get().to(versions))
            .route(&format!("{collection}/manifest/"), web::get().to(manifest))
            .route("/api/status/{status}/", web::get().to(status)),
    );
}

/// 406 unless the client accepts TAXII 2.1 (or anything).
fn accepts(req: &HttpRequest) -> ApiResult<()> {
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let ok = accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let version = parts.find_map(|p| p.strip_prefix("version=")).map(str::to_string);
        match media.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
            _ => false,
        }
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(format!("this TAXII server answers {TAXII_MEDIA_TYPE}")))
    }
}

fn taxii(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type(TAXII_MEDIA_TYPE).json(body)
}

/// The API root's URL as the caller reached it.
fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}/taxii2", info.scheme(), info.host())
}

async fn discovery(state: web::Data<AppState>, principal: Principal, req: HttpRequest) -> ApiResult<HttpResponse> {
    accepts(&req)?;
    principal.authorize(&state, Action::TaxiiRead).await?;
    let root = format!("{}/api/", base(&req));
    Ok(taxii(
        StatusCode::OK,
        &json!({
            "title": "cyberbridge TAXII 2.1",
            "description": "Cybercrime and fraud reports and indicators shared under TLP 2.0",
            "contact": state.config.platform_name,
            "default": root,
            "api_roots": [root],
        }),
    ))
}

async fn api_root(state: web::Data<AppState>, principal: Principal, req: HttpRequest) -> ApiResult<HttpResponse> {
    accepts(&req)?;
    principal.authorize(&state, Action::TaxiiRead).await?;
    Ok(taxii(
        StatusCode::OK,
        &json!({
            "title": "cyberbridge",
            "description": "Reports and indicators visible to you",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": state.config.body_limit,
        }),
    ))
}

fn collection_resource(c: Collection) -> Value {
    let write = c == Collection::Submit;
    json!({
        "id": c.id(), "title": c.title(), "description": c.description(),
        "can_read": !write, "can_write": write,
        "media_types": [crate::stix::STIX_MEDIA_TYPE],
    })
}

/// The collections of the caller: the submit collection only for those who submit reports.
async fn collections(state: web::Data<AppState>, principal: Principal, req: HttpRequest) -> ApiResult<HttpResponse> {
    accepts(&req)?;
    principal.authorize(&state, Action::TaxiiRead).await?;
    let all: Vec<Value> = Collection::ALL
        .into_iter()
        .filter(|c| *c != Collection::Submit || principal.can(crate::domain::Permission::SubmitReports))
        .map(collection_resource)
        .collect();
    Ok(taxii(StatusCode::OK, &json!({ "collections": all })))
}

/// The collection of the path, for a caller who may read reports (404 for an unknown id; the
/// write-only submit collection is not read: 403).
async fn open(state: &AppState, principal: &Principal, req: &HttpRequest, id: &str) -> ApiResult<(Collection, Grant)> {
    accepts(req)?;
    let act = principal.authorize(state, Action::TaxiiRead).await?;
    let c = Collection::of(id).ok_or(ApiError::NotFound)?;
    if c == Collection::Submit {
        return Err(ApiError::Forbidden("the submit collection is write-only".into()));
    }
    let act = purpose_of(state, act, req).await?;
    Ok((c, act))
}

/// The purpose a pull is made for: a key's standing purpose (`standing_feed`, until its end),
/// or, with a bearer token, `purpose` and `case_reference` in the query as REST searches state
/// them. Organisations that owe a purpose for every search pull with one or get 422.
async fn purpose_of(state: &AppState, act: Grant, req: &HttpRequest) -> ApiResult<Grant> {
    let Some(key) = act.api_key_id() else {
        let params = web::Query::<crate::domain::PurposeParams>::from_query(req.query_string())
            .map_err(|e| ApiError::field("purpose", e.to_string()))?;
        return act.for_purpose(state, &params);
    };
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

async fn get_collection(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (c, _) = open(&state, &principal, &req, &id).await?;
    Ok(taxii(StatusCode::OK, &collection_resource(c)))
}

/// The filters of objects and manifest requests (TAXII 2.1, 3.4).
#[derive(Deserialize, Debug, Default)]
struct Filters {
    added_after: Option<String>,
    limit: Option<i64>,
    next: Option<String>,
    #[serde(rename = "match[id]")]
    id: Option<String>,
    #[serde(rename = "match[type]")]
    type_: Option<String>,
    #[serde(rename = "match[version]")]
    version: Option<String>,
    #[serde(rename = "match[spec_version]")]
    spec_version: Option<String>,
}

/// Where a page ended: the last report read (in the order reports last changed) and how many
/// of its objects were sent.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Next {
    t: DateTime<Utc>,
    i: ReportId,
    k: usize,
}

/// One object of a collection with the time it was added (its report's last change).
struct Item {
    added: DateTime<Utc>,
    object: Value,
    /// The report it came from, for the pull's audit.
    report: ReportId,
}

fn list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

/// TAXII timestamps (`date_added`, the date headers): RFC 3339, UTC, microseconds, so that
/// `added_after` of one equals the stored time.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Filters {
    fn matches(&self, o: &Value) -> bool {
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
async fn page(
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

fn limit_of(f: &Filters) -> ApiResult<usize> {
    match f.limit {
        None => Ok(1000),
        Some(n) if (1..=10_000).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::field("limit", "from 1 to 10,000")),
    }
}

fn with_dates(mut res: HttpResponse, items: &[Item]) -> HttpResponse {
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        for (name, t) in [("X-TAXII-Date-Added-First", first.added), ("X-TAXII-Date-Added-Last", last.added)] {
            if let Ok(v) = header::HeaderValue::from_str(&ts(t)) {
                res.headers_mut().insert(
                    header::HeaderName::from_static(if name.ends_with("First") {
                        "x-taxii-date-added-first"
                    } else {
                        "x-taxii-date-added-last"
                    }),
                    v,
                );
            }
        }
    }
    res
}

/// An envelope of objects (TAXII 2.1, 5.4).
async fn objects(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    f: web::Query<Filters>,
) -> ApiResult<HttpResponse> {
    let (c, act) = open(&state, &principal, &req, &id).await?;
    let viewer = act.viewer();
    let limit = limit_of(&f)?;
    let (items, next) = page(&state, &viewer, c, &f, limit).await?;
    audit_pull(&state, &act, c, &items).await?;
    let body = envelope(items.iter().map(|i| i.object.clone()).collect(), next.as_ref());
    Ok(with_dates(taxii(StatusCode::OK, &body), &items))
}

/// A manifest of the objects (TAXII 2.1, 5.3).
async fn manifest(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    f: web::Query<Filters>,
) -> ApiResult<HttpResponse> {
    let (c, act) = open(&state, &principal, &req, &id).await?;
    let viewer = act.viewer();
    let limit = limit_of(&f)?;
    let (items, next) = page(&state, &viewer, c, &f, limit).await?;
    audit_pull(&state, &act, c, &items).await?;
    let objects: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({"id": i.object["id"], "date_added": ts(i.added), "version": i.object["modified"],
                   "media_type": crate::stix::STIX_MEDIA_TYPE})
        })
        .collect();
    Ok(with_dates(taxii(StatusCode::OK, &envelope(objects, next.as_ref())), &items))
}

/// Every object of the collection with this id (a walk of the collection: ids of reports and
/// indicators are derived, not stored). 404 when none is visible to the caller.
async fn find(state: &AppState, viewer: &Viewer, c: Collection, object: &str) -> ApiResult<Vec<Item>> {
    let f = Filters { id: Some(object.to_string()), ..Default::default() };
    let (items, _) = page(state, viewer, c, &f, 10).await?;
    if items.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(items)
}

async fn object(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: web::Query<Filters>,
) -> ApiResult<HttpResponse> {
    let (id, object) = path.into_inner();
    let (c, act) = open(&state, &principal, &req, &id).await?;
    let viewer = act.viewer();
    let items: Vec<Item> =
        find(&state, &viewer, c, &object).await?.into_iter().filter(|i| f.matches(&i.object)).collect();
    audit_pull(&state, &act, c, &items).await?;
    let body = json!({"more": false, "objects": items.iter().map(|i| &i.object).collect::<Vec<_>>()});
    Ok(with_dates(taxii(StatusCode::OK, &body), &items))
}

async fn versions(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, object) = path.into_inner();
    let (c, act) = open(&state, &principal, &req, &id).await?;
    let viewer = act.viewer();
    let items = find(&state, &viewer, c, &object).await?;
    let versions: Vec<&Value> = items.iter().map(|i| &i.object["modified"]).collect();
    Ok(with_dates(taxii(StatusCode::OK, &json!({"more": false, "versions": versions})), &items))
}

/// Adds an envelope of STIX objects to the submit collection (TAXII 2.1, 5.5): reports and
/// indicators become reports of the caller's organisation, in one transaction; what cannot be
/// taken is a failure of its object in the status, not of the request. 202 with the status
/// (complete: the work is done before the answer). The read collections: 403. 415 for a body
/// that is not TAXII.
async fn add_objects(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    accepts(&req)?;
    let c = Collection::of(&id).ok_or(ApiError::NotFound)?;
    let media = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !media.to_ascii_lowercase().starts_with("application/taxii+json") {
        return Err(ApiError::UnsupportedMediaType(format!("send {TAXII_MEDIA_TYPE}")));
    }
    let act = principal.authorize(&state, Action::CreateReport).await?;
    if c != Collection::Submit {
        return Err(act
            .refuse(&state, "taxii_collection", c.id(), "this collection is read-only; add to the submit collection")
            .await);
    }
    let envelope: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::field("objects", format!("not JSON: {e}")))?;
    let objects =
        envelope["objects"].as_array().ok_or_else(|| ApiError::field("objects", "an envelope needs `objects`"))?;
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
            crate::reports::service::create(c, &act, report_input(incoming), now).await?;
        }
        for s in &parsed.sightings {
            let first = s.first_seen.unwrap_or(now).min(now);
            let sighting = crate::indicators::store::NewSighting {
                kind_of_value: s.kind_of_value,
                value: s.value.clone(),
                kind: if s.negative {
                    crate::indicators::model::SightingKind::FalsePositive
                } else {
                    crate::indicators::model::SightingKind::Seen
                },
                source: crate::indicators::model::SightingSource::Other,
                count: s.count,
                first_seen: first,
                last_seen: s.last_seen.unwrap_or(first).clamp(first, now),
                note: Some("added over TAXII".into()),
            };
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
    Ok(taxii(StatusCode::ACCEPTED, &status_resource(&row)))
}

/// The report an incoming STIX report becomes.
fn report_input(i: &crate::stix::ingest::Incoming) -> crate::reports::model::ReportInput {
    use crate::reports::model::{IndicatorLink, ReportInput, ReportStatus};
    let mut links: Vec<IndicatorLink> = Vec::new();
    for v in &i.values {
        if !links.iter().any(|l| l.kind == v.kind && l.value == v.value) {
            links.push(IndicatorLink {
                kind: v.kind,
                value: v.value.clone(),
                role: None,
                confidence: v.confidence.map_or(crate::domain::indicator::DEFAULT_CONFIDENCE, |c| c as i16),
                valid_until: v.valid_until,
            });
        }
    }
    ReportInput {
        category: i.category,
        title: i.title.clone(),
        description: i.description.clone(),
        tlp: i.tlp,
        status: ReportStatus::Open,
        shared_with: Vec::new(),
        anonymous: false,
        first_seen: i.first_seen.filter(|t| *t <= chrono::Utc::now()),
        last_seen: None,
        country: None,
        loss: None,
        victim_count: None,
        indicators: links,
    }
}

fn status_resource(row: &super::store::StatusRow) -> Value {
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    json!({
        "id": row.id, "status": "complete", "request_timestamp": ts(row.created_at),
        "total_count": row.total_count,
        "success_count": count(&row.successes), "successes": row.successes,
        "failure_count": count(&row.failures), "failures": row.failures,
        "pending_count": 0, "pendings": [],
    })
}

/// A status of an envelope your organisation added (another's: 404).
async fn status(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    accepts(&req)?;
    let act = principal.authorize(&state, Action::TaxiiRead).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let row = super::store::get(&mut *state.pool.get().await?, act.org_id, id).await?.ok_or(ApiError::NotFound)?;
    Ok(taxii(StatusCode::OK, &status_resource(&row)))
}

/// Shared evidence is removed only under the REST API's rules and audit.
async fn delete_object() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET")).finish()
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

/// A page of an objects or manifest envelope: `more`, `next` when there is more.
fn envelope(objects: Vec<Value>, next: Option<&Next>) -> Value {
    let mut body = json!({"more": next.is_some(), "objects": objects});
    if let Some(n) = next {
        body["next"] = json!(pagination::encode(n));
    }
    body
}
