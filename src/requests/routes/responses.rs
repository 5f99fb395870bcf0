//! Responses of the addressee (records and attachments) and attachment downloads.

use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{full, visible};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::requests::model::*;
use crate::requests::store;
use crate::AppState;

pub const MAX_ATTACHMENT: usize = 25 * 1024 * 1024;
const MAX_RECORDS: usize = 5 * 1024 * 1024;
const MAX_ATTACHMENTS: usize = 20;

/// The content type from the content's first bytes; what the sender claims is not trusted.
pub fn sniff(content: &[u8]) -> &'static str {
    const MAGIC: [(&[u8], &str); 9] = [
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"\xd4\xc3\xb2\xa1", "application/vnd.tcpdump.pcap"),
        (b"\xa1\xb2\xc3\xd4", "application/vnd.tcpdump.pcap"),
    ];
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| content.starts_with(m)) {
        return t;
    }
    match std::str::from_utf8(content) {
        Ok(text) if serde_json::from_str::<serde_json::Value>(text).is_ok() => "application/json",
        Ok(text) if text.lines().next().is_some_and(|l| l.contains(',') || l.contains(';')) => "text/csv",
        Ok(_) => "text/plain",
        Err(_) => "application/octet-stream",
    }
}

fn safe_filename(name: Option<&str>, i: usize) -> String {
    let base = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    if clean.trim().is_empty() {
        format!("attachment-{}", i + 1)
    } else {
        clean
    }
}

/// Answers a request (addressee): multipart with a `records` part (a JSON array: subscriber,
/// address, assignment times...) and any number of `attachment` file parts (up to 25 MiB each),
/// stored with their size and SHA-256. The issuer gets a `request.response` event.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "`records`: JSON array; `attachment`: files (repeatable)"),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 201, body = DataRequest),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/responses")]
pub async fn create_request_response(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    mut form: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::AnswerRequests, "request.response").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let r = visible(&state, &mut conn, &principal, id, "request.response").await?;
    if principal.org_id != r.addressee_org_id {
        audit::record_denied(&state, Entry::of(&principal, "request.response").object("data_request", id)).await;
        return Err(ApiError::Forbidden("the addressee responds".into()));
    }
    let bad = |e: actix_multipart::MultipartError| ApiError::BadRequest(format!("cannot read the multipart body: {e}"));
    let mut records: Option<serde_json::Value> = None;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        let limit = if name == "records" { MAX_RECORDS } else { MAX_ATTACHMENT };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if data.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!("part `{name}` is over {} MiB", limit / 1024 / 1024)));
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "records" => {
                let value: serde_json::Value =
                    serde_json::from_slice(&data).map_err(|e| ApiError::field("records", format!("not JSON: {e}")))?;
                if !value.is_array() {
                    return Err(ApiError::field("records", "must be a JSON array"));
                }
                records = Some(value);
            }
            "attachment" => {
                if files.len() == MAX_ATTACHMENTS {
                    return Err(ApiError::field(
                        "attachment",
                        format!("at most {MAX_ATTACHMENTS} attachments per response"),
                    ));
                }
                files.push((safe_filename(filename.as_deref(), files.len()), data));
            }
            other => {
                return Err(ApiError::field(other.to_string(), "unknown part; send `records` and `attachment` parts"))
            }
        }
    }
    if records.is_none() && files.is_empty() {
        return Err(ApiError::field("records", "send records, attachments, or both"));
    }
    let request = conn
        .transaction(async |c| {
            let r = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            let status: RequestStatus = crate::domain::from_db(&r.status)?;
            if !matches!(status, RequestStatus::Acknowledged | RequestStatus::InProgress) {
                return Err(ApiError::InvalidTransition {
                    detail: format!("a request in `{status}` takes no response; acknowledge it first"),
                    allowed: vec![],
                });
            }
            let response = ResponseRow {
                id: Uuid::now_v7(),
                request_id: id,
                records: records.unwrap_or(serde_json::Value::Array(vec![])),
                author_org_id: principal.org_id,
                author_id: principal.user_id().or(principal.api_key_id()),
                created_at: Utc::now(),
            };
            store::insert_response(c, &response).await?;
            let mut hashes = Vec::new();
            for (filename, content) in files {
                let sha256 = Sha256::digest(&content).to_vec();
                hashes.push(hex::encode(&sha256));
                store::insert_attachment(
                    c,
                    &NewAttachment {
                        id: Uuid::now_v7(),
                        response_id: response.id,
                        request_id: id,
                        filename,
                        content_type: sniff(&content).to_string(),
                        size: content.len() as i64,
                        sha256,
                        content,
                    },
                )
                .await?;
            }
            events::emit(
                c,
                EventType::RequestResponse,
                r.issuer_org_id,
                &serde_json::json!({"request_id": id, "reference": r.reference, "response_id": response.id}),
            )
            .await?;
            Entry::of(&principal, "request.response")
                .object("data_request", id)
                .details(serde_json::json!({"response_id": response.id, "attachments_sha256": hashes}))
                .write(c)
                .await?;
            full(c, r).await
        })
        .await?;
    Ok(HttpResponse::Created().json(request))
}

/// Downloads an attachment, with its SHA-256 in `X-Content-SHA256`. Every download is audited.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path), ("aid" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, description = "the file", headers(("X-Content-SHA256" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}/attachments/{aid}")]
pub async fn get_request_attachment(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.attachment").await?;
    let (id, aid) = path.into_inner();
    let mut conn = state.pool.get().await?;
    visible(&state, &mut conn, &principal, id, "request.attachment").await?;
    let Some((meta, content)) = store::attachment(&mut conn, id, aid).await? else {
        return Err(audit::not_visible(&state, &principal, "request.attachment", "attachment", aid).await);
    };
    let sha = hex::encode(&meta.sha256);
    // Chain of custody: written before the bytes leave.
    Entry::of(&principal, "request.attachment.download")
        .object("attachment", aid)
        .details(serde_json::json!({"request_id": id, "sha256": sha, "size": meta.size}))
        .write(&mut conn)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(meta.content_type)
        .insert_header(("X-Content-SHA256", sha))
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", meta.filename)))
        .body(content))
}
