use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::{fraud_alert_outcomes, fraud_alerts};
use crate::domain::text_enum;
use crate::reports::model::{Category, Money};

text_enum! {
    /// What the receiving bank did.
    OutcomeKind {
        FundsFrozen = "funds_frozen",
        FundsReturned = "funds_returned",
        AlreadyMoved = "already_moved",
        AccountUnknown = "account_unknown",
        NoAction = "no_action",
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = fraud_alerts)]
pub struct AlertRow {
    pub id: Uuid,
    pub trace_id: Uuid,
    pub parent_alert_id: Option<Uuid>,
    pub hop: i32,
    pub sender_org_id: Uuid,
    pub receiver_org_id: Option<Uuid>,
    pub status: String,
    pub victim_iban: Option<String>,
    pub beneficiary_iban: Option<String>,
    pub beneficiary_account: Option<String>,
    pub beneficiary_bic: Option<String>,
    pub beneficiary_name: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub executed_at: DateTime<Utc>,
    pub payment_reference: Option<String>,
    pub category: String,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<Uuid>,
    pub description: Option<String>,
    pub first_outcome_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = fraud_alert_outcomes)]
pub struct OutcomeRow {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub outcome: String,
    pub amount_minor: Option<i64>,
    pub reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An account as a fraud alert names it: an IBAN, or a national account number with the BIC.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, Default)]
pub struct Account {
    pub iban: Option<String>,
    /// `COUNTRY:NUMBER` for countries without IBAN.
    pub bank_account: Option<String>,
    pub bic: Option<String>,
}

/// Body of `POST /fraud-alerts` (send `Idempotency-Key`).
#[derive(Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAlert {
    pub victim_account: Account,
    pub beneficiary_account: Account,
    pub beneficiary_name: Option<String>,
    pub amount: Money,
    /// Execution time with its offset.
    pub executed_at: DateTime<FixedOffset>,
    /// Payment reference or SWIFT UETR.
    pub payment_reference: Option<String>,
    #[schema(value_type = Category)]
    pub category: String,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<Uuid>,
    pub description: Option<String>,
}

/// One onward transfer of `already_moved`.
#[derive(Deserialize, ToSchema, Serialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OnwardTransfer {
    pub beneficiary_account: Account,
    pub amount: Money,
    pub executed_at: DateTime<FixedOffset>,
}

/// Body of `POST /fraud-alerts/{id}/outcomes`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutcome {
    #[schema(value_type = OutcomeKind)]
    pub outcome: String,
    /// For funds_frozen and funds_returned.
    pub amount: Option<Money>,
    /// For already_moved: each creates the next hop's alert.
    #[serde(default)]
    pub onward_transfers: Vec<OnwardTransfer>,
    /// For no_action (required) and any other.
    pub reason: Option<String>,
}

/// An outcome as recorded.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Outcome {
    pub id: Uuid,
    pub outcome: OutcomeKind,
    pub amount: Option<Money>,
    pub reason: Option<String>,
    /// Alerts created for onward transfers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub onward_alert_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A fraud alert.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Alert {
    pub id: Uuid,
    /// The money trail this alert belongs to (`GET /fraud-traces/{trace_id}`).
    pub trace_id: Uuid,
    pub parent_alert_id: Option<Uuid>,
    /// 1 for the original alert, then one more per onward transfer.
    pub hop: i32,
    /// `routed`, `unrouted` (no bank found: visible to the public sector) or `acted`.
    pub status: String,
    pub sender_id: Uuid,
    /// The beneficiary bank, or null when unrouted.
    pub routed_to: Option<Uuid>,
    pub victim_account: Account,
    pub beneficiary_account: Account,
    pub beneficiary_name: Option<String>,
    pub amount: Money,
    pub executed_at: DateTime<Utc>,
    pub payment_reference: Option<String>,
    pub category: String,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<Uuid>,
    pub description: Option<String>,
    pub outcomes: Vec<Outcome>,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `sent` or `received` (default: both).
    pub r#box: Option<String>,
    /// `routed`, `unrouted` or `acted`.
    pub status: Option<String>,
    pub from: Option<DateTime<FixedOffset>>,
    pub to: Option<DateTime<FixedOffset>>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub beneficiary_iban: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of alerts, newest first.
#[derive(Serialize, ToSchema)]
pub struct AlertPage {
    pub items: Vec<Alert>,
    pub next_cursor: Option<String>,
}

/// Whose alerts a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertBox {
    Sent,
    Received,
    Both,
}

/// Who reads alerts: a bank sees what it sent or received; the public sector and the platform
/// see all (unrouted ones included).
#[derive(Clone, Copy, Debug)]
pub struct AlertViewer {
    pub org_id: Uuid,
    pub sees_all: bool,
}

impl CreateOutcome {
    pub fn kind(&self) -> Result<OutcomeKind, String> {
        self.outcome.parse()
    }
}
