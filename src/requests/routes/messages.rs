//! The clarification thread between the issuer and the addressee.

use actix_web::{get, post, web, HttpResponse};
use diesel_async::AsyncConnection;

use super::visible;
use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Denied, JsonBody, Missing};
use crate::kernel::AppState;
use crate::requests::model::*;
use crate::requests::{rules, service, store};

fn message(m: MessageRow) -> Message {
    Message {
        id: m.id,
        author_organization_id: m.author_org_id,
        author_id: m.author_id,
        body: m.body,
        created_at: m.created_at,
    }
}

/// Posts a message to the other side of the request: the validator, while the request waits for
/// its validation; the addressee, once it reached it (a validator writes to the issuer).
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    request_body = NewMessage,
    security(("bearer" = []), ("api_key" = ["requests:write"])),
    responses((status = 201, description = "posted", body = Message), Common, JsonBody, Denied, Missing)
)]
#[post("/requests/{id}/messages")]
pub async fn create_request_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
    body: web::Json<NewMessage>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::PostRequestMessage).await?;
    let id = id.into_inner();
    let r = visible(&state, &act, id).await?;
    let Some(to) = rules::access(act.org_id, &r).and_then(|a| rules::message_to(a, &r, body.to)) else {
        if body.to.is_some() {
            return Err(crate::domain::Invalid::field("to", "not a party of this request you may write to").into());
        }
        return Err(act.refuse(&state, "data_request", id, "this request has nobody to write to yet").await);
    };
    let mut check = crate::domain::Check::new();
    let text = check.text("body", &body.body, 1, 20_000);
    let text = check.done(|| text)?;
    let mut conn = state.pool.get().await?;
    let saved = conn.transaction(async |c| service::post_message(c, &act, &r, to, text).await).await?;
    Ok(HttpResponse::Created().json(message(saved)))
}

/// The messages of a request, oldest first.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the thread, oldest first", body = MessageList), Common, Denied, Missing)
)]
#[get("/requests/{id}/messages")]
pub async fn list_request_messages(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<web::Json<MessageList>> {
    let act = principal.authorize(&state, Action::ListRequestMessages).await?;
    let id = id.into_inner();
    let r = visible(&state, &act, id).await?;
    let between = matches!(rules::access(act.org_id, &r), Some(rules::Access::Issuer | rules::Access::Addressee));
    let mut conn = state.pool.get().await?;
    let rows = store::messages(&mut conn, id, act.org_id, between).await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"messages": rows.len()}))
        .await?;
    Ok(web::Json(MessageList { items: rows.into_iter().map(message).collect(), next_cursor: None }))
}
