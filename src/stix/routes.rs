//! Reports as STIX 2.1 bundles; the extension definitions of the platform's new SCOs.

use actix_web::{get, web, HttpRequest, HttpResponse};

use futures_util::TryStreamExt;

use super::service;
use crate::access::{Action, Principal};
use crate::domain::{PurposeParams, ReportId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::{ReadAfter, ReadAfterHeader};
use crate::kernel::http::responses::{Common, Denied, Missing, Public};
use crate::kernel::AppState;
use crate::reports::model::ReportQuery;

/// One report as a STIX 2.1 bundle: the report, its reporter's identity (anonymised when the
/// report is anonymous to you), each value as an indicator and its observable, the TLP 2.0
/// marking definitions. 404 when you may not see the report.
#[utoipa::path(
    tag = "stix-taxii",
    params(("id" = uuid::Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "the bundle", content_type = "application/stix+json", body = Object), Common, Denied, Missing)
)]
#[get("/reports/{id}/stix")]
pub async fn get_report_stix(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ReportId>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ReadReport).await?;
    let bundle = service::report_bundle(&state, &act, id.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type(super::STIX_MEDIA_TYPE).json(bundle))
}

/// The same query as `GET /reports` (and the same purpose rule), every page, as one STIX 2.1
/// bundle (streamed).
#[utoipa::path(
    tag = "stix-taxii",
    params(ReportQuery, PurposeParams, ReadAfterHeader),
    security(("bearer" = []), ("api_key" = ["reports:read"])),
    responses((status = 200, description = "the bundle", content_type = "application/stix+json", body = Object), Common, Denied)
)]
#[get("/reports/export.stix")]
pub async fn export_reports_stix(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
    purpose: web::Query<PurposeParams>,
    read_after: ReadAfter,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::ExportReports).await?.for_purpose(&state, &purpose)?;
    let pages = service::export(state.into_inner(), &act, &q, req.query_string(), read_after).await?;
    Ok(HttpResponse::Ok()
        .content_type(super::STIX_MEDIA_TYPE)
        .insert_header(("Content-Disposition", "attachment; filename=\"reports.stix.json\""))
        .streaming(pages.map_ok(web::Bytes::from)))
}

/// The extension definitions of the platform's new SCO types (`bank-account`,
/// `cryptocurrency-wallet`, `phone-number`), as a bundle. Public.
#[utoipa::path(
    tag = "stix-taxii",
    security(()),
    responses((status = 200, description = "the extension definitions", content_type = "application/stix+json", body = Object), Public)
)]
#[get("/stix/extension-definitions")]
pub async fn get_extension_definitions(req: HttpRequest) -> HttpResponse {
    let base = format!("{}://{}/api/v1/stix/schemas", req.connection_info().scheme(), req.connection_info().host());
    let mut objects = vec![serde_json::json!({
        "type": "identity", "spec_version": "2.1", "id": super::platform_identity_id(),
        "created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z",
        "name": "cyberbridge", "identity_class": "system",
    })];
    objects.extend(super::extension_definitions(&base));
    HttpResponse::Ok().content_type(super::STIX_MEDIA_TYPE).json(super::bundle(objects, &[]))
}

/// The JSON schema of one new SCO type. Public.
#[utoipa::path(
    tag = "stix-taxii",
    params(("file" = String, Path, description = "`bank-account.json`, `cryptocurrency-wallet.json` or `phone-number.json`")),
    security(()),
    responses((status = 200, description = "the JSON schema", content_type = "application/schema+json", body = Object), Public, Missing)
)]
#[get("/stix/schemas/{file}")]
pub async fn get_sco_schema(file: web::Path<String>) -> ApiResult<HttpResponse> {
    let schema = file.strip_suffix(".json").and_then(super::sco_schema).ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().content_type("application/schema+json").json(schema))
}
