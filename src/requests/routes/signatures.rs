//! Signed orders and receipts: a request's signed documents, and the keys that check them.

use actix_web::{get, web};

use crate::access::{Action, Principal};
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::http::responses::{Common, Missing, Public};
use crate::kernel::AppState;
use crate::requests::model::{Jwks, SignedDocumentList};
use crate::requests::service;

/// The documents the platform signed for this request, oldest first: the order as it reached
/// the addressee, validation decisions, and the responses (to those who read the answers, and
/// not once sealed). Each carries the exact signed text (RFC 8785 canonical JSON) and a
/// detached JWS (EdDSA) that the keys at `GET /signing-keys` verify, offline and years later.
#[utoipa::path(
    tag = "requests",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the signed documents", body = SignedDocumentList), Common, Missing)
)]
#[get("/requests/{id}/signed-documents")]
pub async fn list_signed_documents(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<RequestId>,
) -> ApiResult<web::Json<SignedDocumentList>> {
    let act = principal.authorize(&state, Action::ReadRequest).await?;
    Ok(web::Json(service::signed_documents(&state, &act, id.into_inner()).await?))
}

/// The public keys that sign orders, validation decisions and responses: the current one and
/// the earlier ones configured after rotations (`CYBERBRIDGE_SIGNING_PREVIOUS_KEYS`), so that an
/// old signature stays verifiable. Only configured keys: nothing in the database adds one.
/// Public: a verifier needs no account.
#[utoipa::path(
    tag = "requests",
    security(()),
    responses((status = 200, description = "the JWKS", body = Jwks), Public)
)]
#[get("/signing-keys")]
pub async fn get_signing_keys(state: web::Data<AppState>) -> ApiResult<web::Json<Jwks>> {
    Ok(web::Json(service::signing_keys(&state)?))
}
