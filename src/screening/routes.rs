//! Private screening over HTTP: handlers over `service`.

use actix_web::{get, post, web};

use super::model::*;
use super::service;
use crate::access::{Action, Principal};
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Conflict, Denied, JsonBody};
use crate::kernel::AppState;

/// Private screening's parameters: the suite (RFC 9497 VOPRF, ristretto255-SHA512), the OPRF
/// public key and its id (signed with the platform's document key), the tag size, the batch
/// limit, the tag set's version and your organisation's quota. Banks and ISPs only (not the
/// organisations that owe a purpose for each search); 503 when the platform has no OPRF key.
#[utoipa::path(
    tag = "screening",
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "how to screen privately", body = PrivateScreeningConfig), Common, Denied)
)]
#[get("/screening/private/config")]
pub async fn get_private_screening_config(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<PrivateScreeningConfig>> {
    let act = principal.authorize(&state, Action::ReadPrivateScreeningConfig).await?;
    Ok(web::Json(service::config(&state, &act).await?))
}

/// Your organisation's tag set: one 16-byte tag per IBAN or phone number your audited look-up
/// would find now (TLP, `shared_with`, withdrawal and validity applied), sorted. With `since`,
/// only what was added and removed after that version. 409 for a key that is not the
/// platform's; 503 while the tags under the key are still being computed.
#[utoipa::path(
    tag = "screening",
    params(TagQuery),
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "the set, or what changed in it", body = TagSet), Common, Denied, Conflict)
)]
#[get("/screening/private/tags")]
pub async fn get_private_tags(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<TagQuery>,
) -> ApiResult<web::Json<TagSet>> {
    let act = principal.authorize(&state, Action::SyncPrivateTags).await?;
    Ok(web::Json(service::tags(&state, &act, &q).await?))
}

/// Evaluates up to 1,000 blinded values under the OPRF key (`key_id`; 409 naming the current
/// one when it is not a key of the platform) and proves it with one batched DLEQ proof. The
/// platform learns how many values you screened, never which, nor whether they matched; they
/// count against your organisation's daily quota (429 past it).
#[utoipa::path(
    tag = "screening",
    request_body = EvaluateRequest,
    security(("bearer" = []), ("api_key" = ["indicators:lookup"])),
    responses((status = 200, description = "the evaluated elements and the proof", body = EvaluateResponse), Common, JsonBody, Denied, Conflict)
)]
#[post("/screening/private/evaluate")]
pub async fn evaluate_private(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<EvaluateRequest>,
) -> ApiResult<web::Json<EvaluateResponse>> {
    let act = principal.authorize(&state, Action::EvaluatePrivately).await?;
    Ok(web::Json(service::evaluate(&state, &act, &body).await?))
}
