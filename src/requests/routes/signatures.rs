//! Signed orders and receipts: a request's signed documents, and the keys that check them.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::visible;
use crate::access::{Action, Principal};
use crate::domain::RequestId;
use base64::Engine;

use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::responses::{Common, Missing, Public};
use crate::kernel::signing;
use crate::kernel::AppState;
use crate::requests::model::{SignedDocument, SignedDocumentList};
use crate::requests::{rules, signed, store};

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
    let id = id.into_inner();
    let r = visible(&state, &act, id).await?;
    let answers = r.seal_reason.is_none() && rules::access(act.org_id, &r).is_some_and(|a| rules::reads_answers(a, &r));
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"signed_documents": true}))
        .await?;
    let items = store::signed_documents(&mut conn, id)
        .await?
        .into_iter()
        .filter(|d| d.kind != signed::RESPONSE || answers)
        .map(SignedDocument::from)
        .collect();
    Ok(web::Json(SignedDocumentList { items }))
}

/// A JSON Web Key Set (RFC 7517).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"}]}))]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<serde_json::Value>,
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
    let mut keys = vec![signing::jwk(state.signer.kid(), state.signer.public_key())];
    for text in &state.config.signing_previous_keys {
        let key =
            base64::engine::general_purpose::STANDARD.decode(text.trim()).ok().filter(|k| k.len() == 32).ok_or_else(
                || ApiError::internal("CYBERBRIDGE_SIGNING_PREVIOUS_KEYS holds a key that is not 32 bytes of base64"),
            )?;
        keys.push(signing::jwk(&signing::key_id(&key), &key));
    }
    Ok(web::Json(Jwks { keys }))
}
