//! Responses of the addressee (records and attachments) and attachment downloads.

use actix_web::body::SizedStream;
use actix_web::{get, post, web, HttpResponse};
use futures_util::TryStreamExt;
use uuid::Uuid;

use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Conflict, Denied, Missing, Sealed, TooLarge, WrongMedia};
use crate::kernel::AppState;
use crate::requests::model::{DataRequest, ResponseList};
use crate::requests::service;

/// The multipart form of a response.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "it describes the form to OpenAPI; the handler streams the parts")]
pub struct ResponseForm {
    /// A JSON array of records (subscriber, address, assignment times...).
    #[schema(value_type = Option<String>, example = json!("[{\"subscriber\": \"Jane Roe\", \"address\": \"Prishtina\"}]"))]
    records: Option<String>,
    /// Files (repeat the part), up to 25 MiB each.
    #[schema(value_type = Vec<String>, format = Binary)]
    attachment: Vec<Vec<u8>>,
}

/// The bytes of an attachment.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "it describes the download to OpenAPI")]
#[schema(value_type = String, format = Binary)]
pub struct FileContent(Vec<u8>);

/// Answers a request (addressee): multipart with a `records` part (a JSON array: subscriber,
/// address, assignment times...) and up to 20 `attachment` file parts (up to 25 MiB each, 100
/// MiB in all by default: 413 above), stored with their size and SHA-256. The issuer gets a `request.response` event.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body(content = ResponseForm, content_type = "multipart/form-data", description = "`records`: JSON array; `attachment`: files (repeatable)"),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses((status = 201, description = "stored", body = DataRequest), Common, Denied, Missing, Conflict, TooLarge, WrongMedia)
)]
#[post("/requests/{id}/responses")]
pub async fn create_request_response(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
    form: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::RespondToRequest).await?;
    let id = id.into_inner();
    // Nothing of the body is read before the request is known to take a response from the
    // caller; files go to the database in chunks as they arrive.
    let upload = service::receive(&state, &act, id, form, &[], None).await?;
    Ok(HttpResponse::Created().json(service::respond(&state, &act, id, upload).await?))
}

/// The addressee's responses (records and attachments), to whoever reads the answers: the
/// issuer, the addressee, and the validator where the table lets it (README, "Validation").
/// Once a refused validation sealed them: 410 with the reason.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the responses, oldest first", body = ResponseList), Common, Denied, Missing, Sealed)
)]
#[get("/requests/{id}/responses")]
pub async fn list_request_responses(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<web::Json<ResponseList>> {
    let act = principal.authorize(&state, Action::ReadRequest).await?;
    Ok(web::Json(service::responses(&state, &act, id.into_inner()).await?))
}

/// Downloads an attachment, with its SHA-256 in `X-Content-SHA256`. Every download is audited.
/// Once a refused validation sealed the answers: 410 with the reason.
/// It comes as `application/octet-stream` with `nosniff`: a file from another organisation is
/// never rendered by the browser that fetched it.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path), ("aid" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, description = "the file (its sniffed type is in the response's `attachments`)", content_type = "application/octet-stream", body = FileContent, headers(("X-Content-SHA256" = String))),
        Common, Denied, Missing, Sealed,
    )
)]
#[get("/requests/{id}/attachments/{aid}")]
pub async fn get_request_attachment(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(RequestId, Uuid)>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::DownloadAttachment).await?;
    let (id, aid) = path.into_inner();
    let (meta, chunks) = service::attachment(&state, &act, id, aid).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Content-SHA256", hex::encode(&meta.sha256)))
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", meta.filename)))
        .body(SizedStream::new(meta.size as u64, chunks.map_ok(web::Bytes::from))))
}
