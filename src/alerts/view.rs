//! Rows to API alerts.

use super::contest::MuleContest;
use super::model::{Account, AccountRef, Alert, AlertRow, MuleAccount, Outcome, OutcomeKind, OutcomeRow};
use crate::domain::Money;

/// An alert with its outcomes; `next_hops`: the alerts created by its onward transfers.
pub fn alert(row: AlertRow, outcomes: &[OutcomeRow], next_hops: &[AlertRow]) -> Alert {
    let outcomes = outcomes
        .iter()
        .filter(|o| o.alert_id == row.id)
        .map(|o| Outcome {
            id: o.id,
            outcome: o.outcome,
            amount: o.amount_minor.map(|amount_minor| Money { amount_minor, currency: row.currency.clone() }),
            reason: o.reason.clone(),
            // Onward alerts are written in the outcome's transaction: same timestamp.
            onward_alert_ids: if o.outcome == OutcomeKind::AlreadyMoved {
                next_hops
                    .iter()
                    .filter(|c| c.parent_alert_id == Some(row.id) && c.created_at == o.created_at)
                    .map(|c| c.id)
                    .collect()
            } else {
                Vec::new()
            },
            created_at: o.created_at,
        })
        .collect();
    Alert {
        id: row.id,
        trace_id: row.trace_id,
        parent_alert_id: row.parent_alert_id,
        hop: row.hop,
        status: row.status,
        sender_id: row.sender_org_id,
        routed_to: row.receiver_org_id,
        victim_account: AccountRef { iban: row.victim_iban, ..Default::default() }.into(),
        beneficiary_account: Account::from(AccountRef {
            iban: row.beneficiary_iban,
            bank_account: row.beneficiary_account,
            bic: row.beneficiary_bic,
        }),
        beneficiary_name: row.beneficiary_name,
        amount: Money { amount_minor: row.amount_minor, currency: row.currency },
        executed_at: row.executed_at,
        payment_reference: row.payment_reference,
        uetr: row.uetr,
        end_to_end_id: row.end_to_end_id,
        category: row.category,
        bank_case_reference: row.bank_case_reference,
        report_id: row.report_id,
        description: row.description,
        outcomes,
        created_at: row.created_at,
    }
}

/// The view of an account from its figures (none: no alert counts any more) and latest contest.
pub fn mule_view(iban: String, row: Option<super::store::MuleRow>, contest: Option<MuleContest>) -> MuleAccount {
    MuleAccount {
        iban,
        sending_banks: row.as_ref().map_or(0, |r| r.sending_banks),
        alerts: row.as_ref().map_or(0, |r| r.alerts),
        holder_id: row.as_ref().and_then(|r| r.holder_id),
        first_alert_at: row.as_ref().map(|r| r.first_alert_at),
        last_alert_at: row.as_ref().map(|r| r.last_alert_at),
        flagged: row.as_ref().is_some_and(|r| r.sending_banks >= crate::alerts::contest::FLAG_THRESHOLD),
        contested: contest.as_ref().is_some_and(|c| c.status == super::contest::ContestStatus::Open),
        contest,
    }
}
