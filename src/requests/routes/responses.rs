//! Responses of the addressee (records and attachments) and attachment downloads.

use actix_web::body::SizedStream;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::visible;
use crate::access::{Action, Grant, Principal};
use crate::domain::RequestId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Conflict, Denied, Missing, Sealed, TooLarge, WrongMedia};
use crate::kernel::AppState;
use crate::requests::model::{DataRequest, RequestRow, ResponseList};
use crate::requests::{rules, service, store, upload, view};

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
    let r = visible(&state, &act, id).await?;
    if act.org_id != r.addressee_org_id {
        return Err(act.refuse(&state, "data_request", id, "the addressee responds").await);
    }
    // Nothing of the body is read before the request is known to take a response.
    service::takes_response(&r)?;
    // Files go to the database in chunks as they arrive; the response and its attachment rows
    // are one transaction after the body, and a refusal deletes the chunks.
    let upload = upload::read(form, state.config.response_limit, &state.pool).await?;
    let ids: Vec<_> = upload.files.iter().map(|f| f.id).collect();
    let stored = async {
        let mut conn = state.pool.get().await?;
        conn.transaction(async |c| service::respond(c, &act, &state.signer, id, upload, Utc::now()).await).await
    }
    .await;
    if stored.is_err() {
        upload::discard(&state.pool, &ids).await;
    }
    Ok(HttpResponse::Created().json(stored?))
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
    let id = id.into_inner();
    let r = answered(&state, &act, id).await?;
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"responses": true})).await?;
    let items = view::answers(&mut conn, r.id).await?;
    Ok(web::Json(ResponseList { items }))
}

/// A request whose answers the caller reads: 404 when it does not (a validator the table keeps
/// from them), 410 once sealed. Both recorded.
async fn answered(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<RequestRow> {
    let r = visible(state, act, id).await?;
    if let Some(reason) = &r.seal_reason {
        act.deny(state, "data_request", id).await;
        return Err(ApiError::Gone(format!("the answers of this request are sealed: {reason}")));
    }
    if !rules::access(act.org_id, &r).is_some_and(|a| rules::reads_answers(a, &r)) {
        return Err(act.hide(state, "data_request", id).await);
    }
    Ok(r)
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
    answered(&state, &act, id).await?;
    let mut conn = state.pool.get().await?;
    let Some(meta) = store::attachment(&mut conn, id, aid).await? else {
        return Err(act.hide(&state, "attachment", aid).await);
    };
    let sha = hex::encode(&meta.sha256);
    // Chain of custody: written before the bytes leave.
    let details = serde_json::json!({"request_id": id, "sha256": sha, "size": meta.size});
    act.on("attachment", aid).details(details).write(&conn).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Content-SHA256", sha))
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", meta.filename)))
        .body(SizedStream::new(meta.size as u64, chunks(state.pool.clone(), aid))))
}

/// The chunks of a stored file in order, each read when the previous one has gone out.
fn chunks(
    pool: crate::kernel::db::Pool,
    attachment: Uuid,
) -> impl futures_util::Stream<Item = Result<web::Bytes, ApiError>> + 'static {
    futures_util::stream::try_unfold(0i32, move |seq| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await?;
            let data = store::chunk(&mut conn, attachment, seq).await?;
            Ok(data.map(|d| (web::Bytes::from(d), seq + 1)))
        }
    })
}
