//! API keys' operations, as the JSON API and the console call them. Each takes the grant of its
//! action (`Grant::expect` refuses any other):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`create`] | `CreateApiKey` | a new key of the caller's organisation, the key shown this once |
//! | [`list`] | `ListApiKeys` | the organisation's keys, never the keys themselves |
//! | [`revoke`] | `RevokeApiKey` | revokes one at once (404 for another organisation's) |

use chrono::Utc;
use diesel_async::AsyncConnection;

use super::model::*;
use super::store;
use crate::access::{Action, Grant};
use crate::domain::ApiKeyId;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::{tokens, AppState};

/// Creates a key for the caller's organisation, audited with its scopes and bindings.
pub async fn create(state: &AppState, act: &Grant, body: &CreateApiKey) -> ApiResult<CreatedApiKey> {
    act.expect(&[Action::CreateApiKey])?;
    let input = body.parse(act.org_kind, Utc::now(), state.config.client_cert_header.is_some())?;
    let (key, prefix) = tokens::new_api_key();
    let new = NewApiKey {
        id: ApiKeyId::new(),
        organization_id: act.org_id,
        created_by: act.user_id().map(|u| u.0),
        name: input.name,
        prefix,
        key_hash: tokens::sha256(&key),
        scopes: input.scopes,
        expires_at: input.expires_at,
        allowed_networks: input.allowed_networks,
        client_cert_sha256: input.client_cert_sha256,
        standing_case_reference: input.standing_purpose.as_ref().map(|p| p.case_reference.clone()),
        standing_purpose_until: input.standing_purpose.as_ref().map(|p| p.until),
    };
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction(async |c| {
            let row = store::insert(c, &new).await?;
            let details = serde_json::json!({
                "scopes": row.scopes, "allowed_networks": row.allowed_networks,
                "client_certificate_sha256": row.client_cert_sha256, "standing_purpose": row.standing_purpose(),
            });
            act.on("api_key", row.id).details(details).write(c).await?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    let standing_purpose = row.standing_purpose();
    Ok(CreatedApiKey {
        id: row.id,
        key,
        prefix: row.prefix,
        name: row.name,
        scopes: row.scopes,
        expires_at: row.expires_at,
        created_at: row.created_at,
        standing_purpose,
        allowed_networks: row.allowed_networks,
        client_certificate_sha256: row.client_cert_sha256,
    })
}

/// The caller's organisation's keys, newest first.
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<Vec<ApiKey>> {
    act.expect(&[Action::ListApiKeys])?;
    let rows = store::list_by_org(&mut *state.pool.get().await?, act.org_id).await?;
    Ok(rows.into_iter().map(ApiKey::from).collect())
}

/// Revokes one of the caller's organisation's keys at once; 404 (audited) for any other.
pub async fn revoke(state: &AppState, act: &Grant, id: ApiKeyId) -> ApiResult<()> {
    act.expect(&[Action::RevokeApiKey])?;
    let mut conn = state.pool.get().await?;
    let revoked = conn
        .transaction(async |c| {
            let row = store::revoke(c, act.org_id, id).await?;
            if row.is_some() {
                act.on("api_key", id).write(c).await?;
            }
            Ok::<_, ApiError>(row.is_some())
        })
        .await?;
    if !revoked {
        return Err(act.hide(state, "api_key", id).await);
    }
    // Other instances learn it from the database's notification; this one at once.
    state.hub.key_cache.clear();
    Ok(())
}
