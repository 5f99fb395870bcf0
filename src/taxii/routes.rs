//! The TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5). Not in the OpenAPI document:
//! TAXII clients code against the TAXII specification.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::pages::{envelope, ts, Filters, Item};
use super::{service, Collection, TAXII_MEDIA_TYPE};
use crate::access::{Action, Grant, Principal};
use crate::domain::PurposeParams;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

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
/// write-only submit collection is not read: 403), and the grant with the pull's purpose.
async fn open(state: &AppState, principal: &Principal, req: &HttpRequest, id: &str) -> ApiResult<(Collection, Grant)> {
    accepts(req)?;
    let act = principal.authorize(state, Action::TaxiiRead).await?;
    let c = Collection::of(id).ok_or(ApiError::NotFound)?;
    if c == Collection::Submit {
        return Err(ApiError::Forbidden("the submit collection is write-only".into()));
    }
    // A key pulls under its standing purpose; a bearer pull states one in the query.
    let purpose = match act.api_key_id() {
        Some(_) => PurposeParams::default(),
        None => web::Query::<PurposeParams>::from_query(req.query_string())
            .map_err(|e| ApiError::field("purpose", e.to_string()))?
            .into_inner(),
    };
    Ok((c, service::purpose_of(state, act, &purpose).await?))
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

fn with_dates(mut res: HttpResponse, items: &[Item]) -> HttpResponse {
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        for (name, t) in [("x-taxii-date-added-first", first.added), ("x-taxii-date-added-last", last.added)] {
            if let Ok(v) = header::HeaderValue::from_str(&ts(t)) {
                res.headers_mut().insert(header::HeaderName::from_static(name), v);
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
    let (items, next) = service::pull(&state, &act, c, &f).await?;
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
    let (items, next) = service::pull(&state, &act, c, &f).await?;
    let objects: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({"id": i.object["id"], "date_added": ts(i.added), "version": i.object["modified"],
                   "media_type": crate::stix::STIX_MEDIA_TYPE})
        })
        .collect();
    Ok(with_dates(taxii(StatusCode::OK, &envelope(objects, next.as_ref())), &items))
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
    let items = service::find(&state, &act, c, &object, Some(&f)).await?;
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
    let items = service::find(&state, &act, c, &object, None).await?;
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
    let row = service::add(&state, &act, objects).await?;
    Ok(taxii(StatusCode::ACCEPTED, &status_resource(&row)))
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
    Ok(taxii(StatusCode::OK, &status_resource(&service::status(&state, &act, id).await?)))
}

/// Shared evidence is removed only under the REST API's rules and audit.
async fn delete_object() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET")).finish()
}
