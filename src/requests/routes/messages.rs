//! The clarification thread between the issuer and the addressee.

use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::visible;
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::Check;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::requests::model::*;
use crate::requests::store;
use crate::AppState;

fn message(m: MessageRow) -> Message {
    Message {
        id: m.id,
        author_organization_id: m.author_org_id,
        author_id: m.author_id,
        body: m.body,
        created_at: m.created_at,
    }
}

/// Posts a message to the other side of the request.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = NewMessage,
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses(
        (status = 201, body = Message),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/messages")]
pub async fn create_request_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewMessage>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.message").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let r = visible(&state, &mut conn, &principal, id, "request.message").await?;
    if principal.org_id != r.issuer_org_id && principal.org_id != r.addressee_org_id {
        audit::record_denied(&state, Entry::of(&principal, "request.message").object("data_request", id)).await;
        return Err(ApiError::Forbidden("messages are between the issuer and the addressee".into()));
    }
    let mut check = Check::new();
    let text = check.text("body", &body.body, 1, 20_000);
    check.finish()?;
    let row = MessageRow {
        id: Uuid::now_v7(),
        request_id: id,
        author_org_id: principal.org_id,
        author_id: principal.user_id().or(principal.api_key_id()),
        body: text.unwrap_or_default(),
        created_at: Utc::now(),
    };
    let other = if principal.org_id == r.issuer_org_id { r.addressee_org_id } else { r.issuer_org_id };
    let saved = conn
        .transaction(async |c| {
            let saved = store::insert_message(c, &row).await?;
            events::emit(
                c,
                EventType::RequestMessage,
                other,
                &serde_json::json!({"request_id": id, "reference": r.reference, "message_id": saved.id}),
            )
            .await?;
            Entry::of(&principal, "request.message").object("data_request", id).write(c).await?;
            Ok::<_, ApiError>(saved)
        })
        .await?;
    Ok(HttpResponse::Created().json(message(saved)))
}

/// The messages of a request, oldest first.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses(
        (status = 200, body = MessageList),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}/messages")]
pub async fn list_request_messages(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MessageList>> {
    audit::require(&state, &principal, Permission::ReadRequests, "request.messages").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    visible(&state, &mut conn, &principal, id, "request.messages").await?;
    let items = store::messages(&mut conn, id).await?.into_iter().map(message).collect();
    Ok(web::Json(MessageList { items, next_cursor: None }))
}
