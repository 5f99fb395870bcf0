//! The outside witness of the audit chain: the signed head appended, one JSON line at a time,
//! to a file the operator ships off the machine. Deleting or rewriting rows up to a witnessed
//! head is then found by `GET /audit/verify?head_id=..&head_hash=..`.

use std::io::Write;

use super::model::AuditHead;
use super::store;
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// Appends the current signed head to `CYBERBRIDGE_AUDIT_WITNESS_FILE` (nothing when unset or
/// when nothing is sealed yet).
pub async fn write(state: &AppState, conn: &mut Conn) -> ApiResult<()> {
    let Some(path) = &state.config.audit_witness_file else { return Ok(()) };
    let Some(head) = signed_head(state, conn).await? else { return Ok(()) };
    let line = serde_json::to_string(&head).map_err(ApiError::internal)?;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(ApiError::internal)?;
    writeln!(file, "{line}").map_err(ApiError::internal)
}

/// The newest sealed row, signed now.
pub async fn signed_head(state: &AppState, conn: &mut Conn) -> ApiResult<Option<AuditHead>> {
    let Some((id, hash)) = store::head(conn).await? else { return Ok(None) };
    let signed_at = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default();
    let signature = state.audit_signer.sign(id, &hash, signed_at)?;
    Ok(Some(AuditHead { id, hash: hex::encode(hash), signed_at, key_id: state.audit_signer.key_id(), signature }))
}
