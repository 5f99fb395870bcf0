use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::kernel::audit::AuditOutcome;
use crate::kernel::db::schema::audit_events;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: AuditOutcome,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
    pub hash: Option<Vec<u8>>,
    pub case_reference: Option<String>,
    /// As text: a row must always be readable and hashable, whatever it holds.
    pub purpose: Option<String>,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user who acted, if a user.
    pub user_id: Option<Uuid>,
    /// The API key that acted, if a machine client.
    pub api_key_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// What was done, e.g. `auth.login`, `user.create`, `apikey.revoke`.
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: AuditOutcome,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The case a search was made for, where stated.
    pub case_reference: Option<String>,
    /// Why a search was made, where stated.
    #[schema(value_type = Option<crate::domain::PurposeReason>)]
    pub purpose: Option<String>,
    /// Hex SHA-256 chain hash, once sealed.
    pub hash: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            at: r.at,
            user_id: r.user_id,
            api_key_id: r.api_key_id,
            organization_id: r.organization_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            outcome: r.outcome,
            client_addr: r.client_addr,
            request_id: r.request_id,
            details: r.details,
            case_reference: r.case_reference,
            purpose: r.purpose,
            hash: r.hash.map(hex::encode),
        }
    }
}

/// Filters of the audit query.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Rows at or after this time.
    #[serde(default, deserialize_with = "crate::domain::instant::utc")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Rows before this time.
    #[serde(default, deserialize_with = "crate::domain::instant::utc")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
    /// Only this organisation's rows (regulators and platform admins; others see their own only).
    pub organization_id: Option<Uuid>,
    /// Only rows of this user or API key.
    pub principal_id: Option<Uuid>,
    /// Only this action, e.g. `auth.login_failed`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Only searches made for this case (the `case_reference` their caller stated).
    pub case_reference: Option<String>,
    /// Only searches made for this purpose.
    #[param(value_type = Option<crate::domain::PurposeReason>)]
    pub purpose: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The period of `GET /statistics/consultations`.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct ConsultationQuery {
    /// Start of the period (default: 30 days ago).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<chrono::FixedOffset>>,
    /// End of the period (default: now).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<chrono::FixedOffset>>,
    /// Only this organisation (regulators and platform admins; others see their own).
    pub organization_id: Option<Uuid>,
}

/// Searches made for one case by one organisation.
#[derive(Serialize, ToSchema, Debug)]
pub struct CaseConsultations {
    pub organization_id: Option<Uuid>,
    pub case_reference: String,
    /// Searches (a batch look-up counts once; merged audit rows count each search).
    pub consultations: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Searches made for one purpose.
#[derive(Serialize, ToSchema, Debug)]
pub struct PurposeConsultations {
    /// Null: searches without a stated purpose.
    pub purpose: Option<crate::domain::PurposeReason>,
    pub consultations: i64,
}

/// `GET /statistics/consultations`: report queries, look-ups, correlations and exports over a
/// period, per case and per purpose.
#[derive(Serialize, ToSchema, Debug)]
pub struct ConsultationStatistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub by_case: Vec<CaseConsultations>,
    pub by_purpose: Vec<PurposeConsultations>,
}

/// A page of audit rows, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

/// The result of recomputing the hash chain.
#[derive(Serialize, ToSchema)]
pub struct ChainVerification {
    /// Whether every row checked matches its content and predecessor, the checkpoint it
    /// started from is unchanged, and the head you supplied (if any) is in the chain.
    pub ok: bool,
    /// Sealed rows recomputed by this verification.
    pub rows_checked: i64,
    /// The first row whose hash does not match (or the checkpoint row, when it changed).
    pub first_broken_id: Option<i64>,
    /// The row the verification started after: the last checkpoint, or null from the genesis.
    pub from_id: Option<i64>,
    /// The last row verified: keep it (or a signed head) to check against later.
    pub last_id: Option<i64>,
    /// Its chain hash, hex.
    pub last_hash: Option<String>,
    /// With `head_id`/`head_hash`: whether that row is in the chain with that hash. False when
    /// it was rewritten or deleted since (rows newer than a witnessed head included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_matches: Option<bool>,
}

/// What `GET /audit/verify` checks.
#[derive(Deserialize, IntoParams, Default, Debug)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Recompute from the genesis instead of from the last checkpoint (implied by a head).
    pub full: Option<bool>,
    /// The id of a head you kept (`GET /audit/head`, the witness file).
    pub head_id: Option<i64>,
    /// Its hash, hex.
    pub head_hash: Option<String>,
}

/// The head of the audit chain (its newest sealed row) signed with the platform's Ed25519 key.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
pub struct AuditHead {
    /// The newest sealed row.
    pub id: i64,
    /// Its chain hash, hex.
    pub hash: String,
    /// When the head was signed.
    pub signed_at: DateTime<Utc>,
    pub key_id: String,
    /// Base64 Ed25519 signature of `cyberbridge-audit-head/v1\n{id}\n{hash}\n{signed_at}`
    /// (`signed_at` as RFC 3339 in seconds with `Z`; no final newline).
    pub signature: String,
}

/// The public key that checks signed heads.
#[derive(Serialize, ToSchema)]
pub struct AuditPublicKey {
    /// `Ed25519`.
    pub algorithm: String,
    pub key_id: String,
    /// The 32 key bytes, base64.
    pub public_key: String,
    /// The same as a PEM SubjectPublicKeyInfo.
    pub public_key_pem: String,
    /// True when no key is configured and this one was made at start-up: heads signed before
    /// the last restart do not verify with it.
    pub ephemeral: bool,
}
