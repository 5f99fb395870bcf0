//! What the receiving bank did, and the next hops.

use actix_web::{post, web, HttpResponse};

use crate::access::{Action, Principal};
use crate::alerts::model::{CreateOutcome, Outcome};
use crate::alerts::service;
use crate::domain::AlertId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::responses::{Common, JsonBody, Missing, Stale};
use crate::kernel::AppState;

/// Records what the receiving bank did. Several outcomes may follow each other (part frozen,
/// the rest moved on); frozen + returned + moved on never exceed the amount received (422).
/// Each onward transfer becomes the next hop's alert, routed and announced like the first.
/// The sender and every earlier bank of the trace get an `alert.outcome` event. `If-Match`
/// with the alert's ETag is checked when sent (412 when another outcome came first).
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the alert you read")),
    request_body = CreateOutcome,
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses(
        (status = 201, description = "recorded", body = Outcome),
        (status = 403, description = "only the receiving bank records outcomes", body = crate::kernel::error::Problem, content_type = "application/problem+json"),
        Common, JsonBody, Missing, Stale,
    )
)]
#[post("/fraud-alerts/{id}/outcomes")]
pub async fn create_fraud_alert_outcome(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    id: web::Path<AlertId>,
    body: web::Json<CreateOutcome>,
) -> ApiResult<HttpResponse> {
    let act = principal.authorize(&state, Action::RecordOutcome).await?;
    let outcome = service::record(&state, &act, id.into_inner(), if_match, &body).await?;
    Ok(HttpResponse::Created().json(outcome))
}
