//! Fraud alerts and outcomes on the wire, parsed, and as rows.

use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::contest::MuleContest;
use crate::domain::indicator::normalize;
use crate::domain::money::MoneyInput;
use crate::domain::payment;
use crate::domain::ReportId;
use crate::domain::{text_enum, AlertId, Bic, Category, Check, Currency, Iban, IndicatorType, Invalid, Money, OrgId};
use crate::kernel::db::schema::{fraud_alert_outcomes, fraud_alerts};

text_enum! {
    /// Where an alert stands.
    AlertStatus {
        /// Delivered to the beneficiary bank, no outcome yet.
        Routed = "routed",
        /// No bank found for the account: visible to the public sector.
        Unrouted = "unrouted",
        /// The receiving bank recorded an outcome.
        Acted = "acted",
    }
}

impl AlertStatus {
    /// A new alert's status: routed when a bank was found.
    pub fn of_new(receiver: Option<OrgId>) -> Self {
        if receiver.is_some() {
            AlertStatus::Routed
        } else {
            AlertStatus::Unrouted
        }
    }
}

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

text_enum! {
    /// Whose alerts a list shows.
    AlertBox {
        Sent = "sent",
        Received = "received",
    }
}

/// `None` is inserted as NULL (not `DEFAULT`): one SQL text whatever is set, so the statement
/// is prepared once per connection, not on every insert.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = fraud_alerts, treat_none_as_default_value = false)]
pub struct AlertRow {
    pub id: AlertId,
    pub trace_id: AlertId,
    pub parent_alert_id: Option<AlertId>,
    pub hop: i32,
    pub sender_org_id: OrgId,
    pub receiver_org_id: Option<OrgId>,
    pub status: AlertStatus,
    pub victim_iban: Option<Iban>,
    pub beneficiary_iban: Option<Iban>,
    pub beneficiary_account: Option<String>,
    pub beneficiary_bic: Option<Bic>,
    pub beneficiary_name: Option<String>,
    pub amount_minor: i64,
    pub currency: Currency,
    pub executed_at: DateTime<Utc>,
    pub payment_reference: Option<String>,
    pub category: Category,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<ReportId>,
    pub description: Option<String>,
    pub first_outcome_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Bumped by each outcome; the `ETag`.
    pub version: i32,
    pub uetr: Option<String>,
    pub end_to_end_id: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = fraud_alert_outcomes)]
pub struct OutcomeRow {
    pub id: uuid::Uuid,
    pub alert_id: AlertId,
    pub outcome: OutcomeKind,
    pub amount_minor: Option<i64>,
    pub reason: Option<String>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An account as a fraud alert names it: an IBAN, or a national account number with the BIC.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, Default)]
pub struct Account {
    #[schema(example = "XK051212012345678906")]
    pub iban: Option<String>,
    /// `COUNTRY:NUMBER` for countries without IBAN.
    pub bank_account: Option<String>,
    pub bic: Option<String>,
}

/// An account, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRef {
    pub iban: Option<Iban>,
    pub bank_account: Option<String>,
    pub bic: Option<Bic>,
}

impl Account {
    /// An IBAN, or a `COUNTRY:NUMBER` account with its BIC; `None` when neither is given.
    pub fn parse(&self, check: &mut Check, field: &str, required: bool) -> Option<AccountRef> {
        let iban = check.optional(&format!("{field}.iban"), self.iban.as_deref(), Iban::parse);
        let bank_account = check.optional(&format!("{field}.bank_account"), self.bank_account.as_deref(), |b| {
            normalize(IndicatorType::BankAccount, b)
        });
        let bic = check.optional(&format!("{field}.bic"), self.bic.as_deref(), Bic::parse);
        if self.iban.is_none() && self.bank_account.is_none() {
            if required {
                check.add(field, "give an iban, or a bank_account with its bic");
            }
            return None;
        }
        if self.iban.is_none() && self.bic.is_none() {
            check.add(format!("{field}.bic"), "a bank_account needs the bank's bic");
        }
        Some(AccountRef { iban, bank_account, bic })
    }
}

impl From<AccountRef> for Account {
    fn from(a: AccountRef) -> Self {
        Account { iban: a.iban.map(String::from), bank_account: a.bank_account, bic: a.bic.map(String::from) }
    }
}

/// Body of `POST /fraud-alerts` (send `Idempotency-Key`).
#[derive(Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"victim_account": {"iban": "XK051512000000000013"},
    "beneficiary_account": {"iban": "XK051212012345678906"}, "beneficiary_name": "J. Doe",
    "amount": {"amount_minor": 950000, "currency": "EUR"}, "executed_at": "2026-11-28T09:30:00+01:00",
    "payment_reference": "INV 4711", "category": "investment_fraud", "bank_case_reference": "FR-2026-0042",
    "description": "Victim paid a fake investment platform"}))]
pub struct CreateAlert {
    pub victim_account: Account,
    pub beneficiary_account: Account,
    pub beneficiary_name: Option<String>,
    pub amount: MoneyInput,
    /// Execution time with its offset.
    pub executed_at: DateTime<FixedOffset>,
    /// The remittance information or reference the payer gave.
    pub payment_reference: Option<String>,
    /// The transfer's UETR (SWIFT gpi / ISO 20022 `UETR`, a UUID v4), kept in lower case.
    #[schema(example = "eb6305c9-1f7f-49de-aed0-16487c27b42d")]
    pub uetr: Option<String>,
    /// The transfer's ISO 20022 end-to-end identification (`EndToEndId`, at most 35 characters).
    #[schema(example = "E2E-2026-0001")]
    pub end_to_end_id: Option<String>,
    #[schema(value_type = Category)]
    pub category: String,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<ReportId>,
    pub description: Option<String>,
}

/// A new alert, parsed.
#[derive(Debug)]
pub struct AlertInput {
    pub victim: Option<AccountRef>,
    pub beneficiary: AccountRef,
    pub beneficiary_name: Option<String>,
    pub amount: Money,
    pub executed_at: DateTime<Utc>,
    pub payment_reference: Option<String>,
    pub uetr: Option<String>,
    pub end_to_end_id: Option<String>,
    pub category: Category,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<ReportId>,
    pub description: Option<String>,
}

impl CreateAlert {
    pub fn parse(&self) -> Result<AlertInput, Invalid> {
        let mut check = Check::new();
        let victim = self.victim_account.parse(&mut check, "victim_account", false);
        let beneficiary = self.beneficiary_account.parse(&mut check, "beneficiary_account", true);
        let amount = self.amount.parse_positive(&mut check, "amount");
        let category = check.take("category", self.category.parse());
        let beneficiary_name = check.optional_text("beneficiary_name", self.beneficiary_name.as_deref(), 200);
        let payment_reference = check.optional_text("payment_reference", self.payment_reference.as_deref(), 200);
        let bank_case_reference = check.optional_text("bank_case_reference", self.bank_case_reference.as_deref(), 200);
        let uetr = check.optional("uetr", self.uetr.as_deref(), payment::uetr);
        let end_to_end_id = check.optional("end_to_end_id", self.end_to_end_id.as_deref(), payment::end_to_end_id);
        let description = check.optional_text("description", self.description.as_deref(), 5000);
        check.done(|| {
            Some(AlertInput {
                victim,
                beneficiary: beneficiary?,
                beneficiary_name,
                amount: amount?,
                executed_at: self.executed_at.with_timezone(&Utc),
                payment_reference,
                uetr,
                end_to_end_id,
                category: category?,
                bank_case_reference,
                report_id: self.report_id,
                description,
            })
        })
    }
}

/// One onward transfer of `already_moved`.
#[derive(Deserialize, ToSchema, Serialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OnwardTransfer {
    pub beneficiary_account: Account,
    pub amount: MoneyInput,
    pub executed_at: DateTime<FixedOffset>,
    /// The onward transfer's own UETR, carried into the next hop's alert.
    #[serde(default)]
    pub uetr: Option<String>,
    /// The onward transfer's own end-to-end identification, carried into the next hop's alert.
    #[serde(default)]
    pub end_to_end_id: Option<String>,
}

/// Body of `POST /fraud-alerts/{id}/outcomes`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "already_moved", "onward_transfers": [{
    "beneficiary_account": {"iban": "DE89370400440532013000"},
    "amount": {"amount_minor": 600000, "currency": "EUR"}, "executed_at": "2026-11-28T10:05:00+01:00"}]}))]
pub struct CreateOutcome {
    #[schema(value_type = OutcomeKind)]
    pub outcome: String,
    /// For funds_frozen and funds_returned.
    pub amount: Option<MoneyInput>,
    /// For already_moved: each creates the next hop's alert.
    #[serde(default)]
    pub onward_transfers: Vec<OnwardTransfer>,
    /// For no_action (required) and any other.
    pub reason: Option<String>,
}

/// A transfer onward out of the account, parsed: the next hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub iban: Iban,
    pub amount_minor: i64,
    pub executed_at: DateTime<Utc>,
    pub uetr: Option<String>,
    pub end_to_end_id: Option<String>,
}

/// An outcome, parsed against the alert's currency.
#[derive(Debug)]
pub struct OutcomeInput {
    pub kind: OutcomeKind,
    /// Frozen or returned.
    pub amount_minor: Option<i64>,
    pub transfers: Vec<Transfer>,
    pub reason: Option<String>,
}

impl OutcomeInput {
    /// What this outcome accounts for at its hop: the amount, or the sum moved on.
    pub fn adding(&self) -> i64 {
        // Saturating: a sum past what 64 bits hold is refused by the allocation check, not wrapped.
        self.transfers.iter().fold(self.amount_minor.unwrap_or(0), |sum, t| sum.saturating_add(t.amount_minor))
    }
}

impl CreateOutcome {
    /// Every amount in `currency` (the alert's), more than zero.
    pub fn parse(&self, currency: &Currency) -> Result<OutcomeInput, Invalid> {
        let mut check = Check::new();
        let kind = check.take("outcome", self.outcome.parse::<OutcomeKind>());
        let reason = check.optional_text("reason", self.reason.as_deref(), 2000);
        let same_currency = |check: &mut Check, field: &str, m: &MoneyInput| -> Option<i64> {
            let m = m.parse_positive(check, field)?;
            if m.currency != *currency {
                check.add(format!("{field}.currency"), format!("must be the alert's currency, {currency}"));
                return None;
            }
            Some(m.amount_minor)
        };
        let mut amount_minor = None;
        let mut transfers = Vec::new();
        match kind {
            Some(OutcomeKind::FundsFrozen | OutcomeKind::FundsReturned) => match &self.amount {
                Some(m) => amount_minor = same_currency(&mut check, "amount", m),
                None => check.add("amount", "required for this outcome"),
            },
            Some(OutcomeKind::AlreadyMoved) => {
                if self.onward_transfers.is_empty() {
                    check.add("onward_transfers", "give at least one onward transfer");
                }
                for (i, t) in self.onward_transfers.iter().enumerate() {
                    let field = format!("onward_transfers[{i}]");
                    let account =
                        t.beneficiary_account.parse(&mut check, &format!("{field}.beneficiary_account"), true);
                    let minor = same_currency(&mut check, &format!("{field}.amount"), &t.amount);
                    let uetr = check.optional(&format!("{field}.uetr"), t.uetr.as_deref(), payment::uetr);
                    let end_to_end_id = check.optional(
                        &format!("{field}.end_to_end_id"),
                        t.end_to_end_id.as_deref(),
                        payment::end_to_end_id,
                    );
                    match (account.map(|a| a.iban), minor) {
                        (Some(Some(iban)), Some(amount_minor)) => transfers.push(Transfer {
                            iban,
                            amount_minor,
                            executed_at: t.executed_at.with_timezone(&Utc),
                            uetr,
                            end_to_end_id,
                        }),
                        (Some(None), Some(_)) => check
                            .add(format!("{field}.beneficiary_account.iban"), "onward transfers are traced by IBAN"),
                        _ => {}
                    }
                }
            }
            Some(OutcomeKind::NoAction) if reason.is_none() => check.add("reason", "required for no_action"),
            _ => {}
        }
        check.done(|| Some(OutcomeInput { kind: kind?, amount_minor, transfers, reason }))
    }
}

/// An outcome as recorded.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Outcome {
    pub id: uuid::Uuid,
    pub outcome: OutcomeKind,
    pub amount: Option<Money>,
    pub reason: Option<String>,
    /// Alerts created for onward transfers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub onward_alert_ids: Vec<AlertId>,
    pub created_at: DateTime<Utc>,
}

/// A fraud alert.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Alert {
    pub id: AlertId,
    /// The money trail this alert belongs to (`GET /fraud-traces/{trace_id}`).
    pub trace_id: AlertId,
    pub parent_alert_id: Option<AlertId>,
    /// 1 for the original alert, then one more per onward transfer.
    pub hop: i32,
    pub status: AlertStatus,
    pub sender_id: OrgId,
    /// The beneficiary bank, or null when unrouted.
    pub routed_to: Option<OrgId>,
    pub victim_account: Account,
    pub beneficiary_account: Account,
    pub beneficiary_name: Option<String>,
    pub amount: Money,
    pub executed_at: DateTime<Utc>,
    pub payment_reference: Option<String>,
    /// The transfer's UETR, lower case.
    pub uetr: Option<String>,
    /// The transfer's ISO 20022 end-to-end identification.
    pub end_to_end_id: Option<String>,
    pub category: Category,
    pub bank_case_reference: Option<String>,
    pub report_id: Option<ReportId>,
    pub description: Option<String>,
    pub outcomes: Vec<Outcome>,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `sent` or `received` (default: both).
    #[param(value_type = Option<AlertBox>)]
    pub r#box: Option<String>,
    #[param(value_type = Option<AlertStatus>)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<FixedOffset>>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub beneficiary_iban: Option<String>,
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// A bank of the alert, its sender or its receiver (for a bank, which reads only its own
    /// alerts: the other bank).
    #[param(value_type = Option<uuid::Uuid>)]
    pub counterparty: Option<String>,
    /// The transfer's UETR (any case).
    pub uetr: Option<String>,
    /// The transfer's end-to-end identification, exactly.
    pub end_to_end_id: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The list filter, parsed.
pub struct AlertFilter {
    pub r#box: Option<AlertBox>,
    pub status: Option<AlertStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub beneficiary_iban: Option<Iban>,
    pub category: Option<Category>,
    pub counterparty: Option<OrgId>,
    pub uetr: Option<String>,
    pub end_to_end_id: Option<String>,
}

impl AlertQuery {
    pub fn parse(&self) -> Result<AlertFilter, Invalid> {
        let mut check = Check::new();
        let filter = AlertFilter {
            r#box: check.optional("box", self.r#box.as_deref(), str::parse),
            status: check.optional("status", self.status.as_deref(), str::parse),
            from: self.from.map(|t| t.with_timezone(&Utc)),
            to: self.to.map(|t| t.with_timezone(&Utc)),
            amount_min: self.amount_min,
            amount_max: self.amount_max,
            beneficiary_iban: check.optional("beneficiary_iban", self.beneficiary_iban.as_deref(), Iban::parse),
            category: check.optional("category", self.category.as_deref(), str::parse),
            counterparty: check.optional("counterparty", self.counterparty.as_deref(), |v| {
                v.parse::<uuid::Uuid>().map(OrgId).map_err(|_| "must be an organisation's id (a UUID)".to_string())
            }),
            uetr: check.optional("uetr", self.uetr.as_deref(), payment::uetr),
            end_to_end_id: check.optional("end_to_end_id", self.end_to_end_id.as_deref(), payment::end_to_end_id),
        };
        check.finish()?;
        Ok(filter)
    }
}

/// A page of alerts, newest first.
#[derive(Serialize, ToSchema)]
pub struct AlertPage {
    pub items: Vec<Alert>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount_minor: i64, currency: &str) -> MoneyInput {
        MoneyInput { amount_minor, currency: currency.into() }
    }

    #[test]
    fn an_outcome_must_fit_its_kind_and_the_alerts_currency() {
        let eur = Currency::parse("EUR").unwrap();
        let frozen = CreateOutcome {
            outcome: "funds_frozen".into(),
            amount: Some(money(100, "EUR")),
            onward_transfers: vec![],
            reason: None,
        };
        assert_eq!(frozen.parse(&eur).unwrap().adding(), 100);
        let usd = CreateOutcome { amount: Some(money(100, "USD")), ..frozen };
        assert_eq!(usd.parse(&eur).unwrap_err().0[0].field, "amount.currency");
        let silent =
            CreateOutcome { outcome: "no_action".into(), amount: None, onward_transfers: vec![], reason: None };
        assert_eq!(silent.parse(&eur).unwrap_err().0[0].field, "reason");
        let moved = CreateOutcome {
            outcome: "already_moved".into(),
            amount: None,
            onward_transfers: vec![OnwardTransfer {
                beneficiary_account: Account { iban: Some("DE89 3704 0044 0532 0130 00".into()), ..Default::default() },
                amount: money(250, "EUR"),
                executed_at: "2026-11-28T10:00:00+01:00".parse().unwrap(),
                uetr: None,
                end_to_end_id: None,
            }],
            reason: None,
        };
        let parsed = moved.parse(&eur).unwrap();
        assert_eq!((parsed.adding(), parsed.transfers[0].iban.as_str()), (250, "DE89370400440532013000"));
    }
}

text_enum! {
    /// How a graph is written: `json` (default) or Graphviz `dot`.
    GraphFormat {
        Json = "json",
        Dot = "dot",
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    #[param(value_type = Option<GraphFormat>)]
    pub format: Option<String>,
}

/// A likely mule account.
#[derive(Serialize, ToSchema, Debug)]
pub struct MuleAccount {
    pub iban: String,
    /// Different banks whose alerts named it as beneficiary.
    pub sending_banks: i64,
    pub alerts: i64,
    /// The bank holding it, as routed.
    pub holder_id: Option<OrgId>,
    pub first_alert_at: Option<DateTime<Utc>>,
    pub last_alert_at: Option<DateTime<Utc>>,
    /// Two or more banks' alerts (not withdrawn) name it.
    pub flagged: bool,
    /// Its latest contest is open: the holder disputes the flag.
    pub contested: bool,
    /// The latest contest of the flag, open or closed.
    pub contest: Option<MuleContest>,
}

/// Likely mule accounts.
#[derive(Serialize, ToSchema)]
pub struct MuleAccountList {
    pub items: Vec<MuleAccount>,
    pub next_cursor: Option<String>,
}

/// Proceeds statistics of one bank over the period.
#[derive(Serialize, ToSchema)]
pub struct BankProceeds {
    pub bank_id: OrgId,
    pub bank: String,
    pub alerts_sent: i64,
    pub alerts_received: i64,
    pub median_seconds_to_first_outcome: Option<f64>,
    pub p90_seconds_to_first_outcome: Option<f64>,
    pub amount_reported_minor: i64,
    pub amount_frozen_minor: i64,
    pub amount_returned_minor: i64,
}

/// `GET /statistics/proceeds`.
#[derive(Serialize, ToSchema)]
pub struct ProceedsStatistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `supervisor` (a regulator: every bank), `own` (a bank: itself) or `published` (anyone
    /// else: no bank's figures; the published tables hold the trends).
    pub scope: crate::statistics::service::ReadScope,
    pub banks: Vec<BankProceeds>,
}
