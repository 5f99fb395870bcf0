//! Fraud alert handlers, split by action: alerts (create, list, get), outcomes, traces
//! (trace, graph, mule accounts, statistics). Shared here: visibility, account checks, views.

use std::collections::HashMap;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::*;
use super::{store, trace};
use crate::audit::{self, Entry};
use crate::auth::{Permission, Principal};
use crate::domain::{self, Check, OrgKind};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType};
use crate::indicators::normalize::{normalize, IndicatorType};
use crate::reports::model::{check_money, Category, Money};
use crate::{idempotency, pagination, AppState};

/// The idempotency scope of alert creation.
const SCOPE: &str = "fraud-alerts";

mod alerts;
mod outcomes;
mod traces;

pub use alerts::*;
pub use outcomes::*;
pub use traces::*;

fn viewer(p: &Principal) -> AlertViewer {
    AlertViewer { org_id: p.org_id, sees_all: p.org_kind.is_public_sector() || p.org_kind == OrgKind::Platform }
}

/// Normalises an account: an IBAN, or a `COUNTRY:NUMBER` account with a BIC.
fn check_account(check: &mut Check, field: &str, a: &Account, required: bool) -> Option<Account> {
    let iban = a.iban.as_deref().and_then(|i| check.take(&format!("{field}.iban"), normalize(IndicatorType::Iban, i)));
    let bank_account = a
        .bank_account
        .as_deref()
        .and_then(|b| check.take(&format!("{field}.bank_account"), normalize(IndicatorType::BankAccount, b)));
    let bic = a.bic.as_deref().and_then(|b| check.take(&format!("{field}.bic"), normalize(IndicatorType::Bic, b)));
    if a.iban.is_none() && a.bank_account.is_none() {
        if required {
            check.add(field, "give an iban, or a bank_account with its bic");
        }
        return None;
    }
    if a.iban.is_none() && a.bic.is_none() {
        check.add(format!("{field}.bic"), "a bank_account needs the bank's bic");
    }
    Some(Account { iban, bank_account, bic })
}

fn view(row: AlertRow, outcomes: &[OutcomeRow], children: &[AlertRow]) -> ApiResult<Alert> {
    let outcomes = outcomes
        .iter()
        .filter(|o| o.alert_id == row.id)
        .map(|o| {
            Ok(Outcome {
                id: o.id,
                outcome: domain::from_db(&o.outcome)?,
                amount: o.amount_minor.map(|amount_minor| Money { amount_minor, currency: row.currency.clone() }),
                reason: o.reason.clone(),
                // Onward alerts are written in the outcome's transaction: same timestamp.
                onward_alert_ids: if o.outcome == "already_moved" {
                    children
                        .iter()
                        .filter(|c| c.parent_alert_id == Some(row.id) && c.created_at == o.created_at)
                        .map(|c| c.id)
                        .collect()
                } else {
                    Vec::new()
                },
                created_at: o.created_at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Alert {
        id: row.id,
        trace_id: row.trace_id,
        parent_alert_id: row.parent_alert_id,
        hop: row.hop,
        status: row.status,
        sender_id: row.sender_org_id,
        routed_to: row.receiver_org_id,
        victim_account: Account { iban: row.victim_iban, bank_account: None, bic: None },
        beneficiary_account: Account {
            iban: row.beneficiary_iban,
            bank_account: row.beneficiary_account,
            bic: row.beneficiary_bic,
        },
        beneficiary_name: row.beneficiary_name,
        amount: Money { amount_minor: row.amount_minor, currency: row.currency },
        executed_at: row.executed_at,
        payment_reference: row.payment_reference,
        category: row.category,
        bank_case_reference: row.bank_case_reference,
        report_id: row.report_id,
        description: row.description,
        outcomes,
        created_at: row.created_at,
    })
}

/// Payload of `alert.received`.
#[derive(Serialize)]
struct Received<'a> {
    alert_id: Uuid,
    trace_id: Uuid,
    hop: i32,
    sender_id: Uuid,
    beneficiary_iban: Option<&'a str>,
    amount: Money,
    executed_at: DateTime<Utc>,
    category: &'a str,
}

fn received_event(a: &AlertRow) -> Received<'_> {
    Received {
        alert_id: a.id,
        trace_id: a.trace_id,
        hop: a.hop,
        sender_id: a.sender_org_id,
        beneficiary_iban: a.beneficiary_iban.as_deref(),
        amount: Money { amount_minor: a.amount_minor, currency: a.currency.clone() },
        executed_at: a.executed_at,
        category: &a.category,
    }
}
