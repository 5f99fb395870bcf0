//! The rules of fraud alerts as plain functions: who sees an alert, which bank an account
//! belongs to, how much of a hop is accounted for, who hears of an outcome.

use super::model::{AlertRow, OutcomeKind, OutcomeRow};
use crate::access::Principal;
use crate::domain::{Bic, Iban, Invalid, OrgId};

/// Who reads alerts: a bank sees what it sent or received; the public sector and platform
/// admins see all (unrouted ones included), not the platform's other members or its keys.
#[derive(Clone, Copy, Debug)]
pub struct AlertViewer {
    pub org_id: OrgId,
    pub sees_all: bool,
}

impl AlertViewer {
    pub fn of(p: &Principal) -> Self {
        AlertViewer { org_id: p.org_id, sees_all: p.org_kind.is_public_sector() || p.is_platform_admin() }
    }

    pub fn sees(&self, a: &AlertRow) -> bool {
        self.sees_all || a.sender_org_id == self.org_id || a.receiver_org_id == Some(self.org_id)
    }
}

/// A bank identifier an account may be routed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankRoute {
    pub org_id: OrgId,
    pub country: String,
    pub bank_code: Option<String>,
    pub bic: Option<Bic>,
}

/// The bank an account belongs to: the longest national bank code registered for the IBAN's
/// country that starts its BBAN, else the bank whose BIC has the same first 8 characters.
pub fn route(iban: Option<&Iban>, bic: Option<&Bic>, routes: &[BankRoute]) -> Option<OrgId> {
    let by_code = iban.and_then(|iban| {
        routes
            .iter()
            .filter(|r| r.country == iban.country())
            .filter_map(|r| r.bank_code.as_deref().filter(|c| iban.bban().starts_with(c)).map(|c| (c.len(), r.org_id)))
            .max_by_key(|(len, _)| *len)
            .map(|(_, org)| org)
    });
    by_code.or_else(|| {
        let bic = bic?;
        routes.iter().find(|r| r.bic.as_ref().is_some_and(|b| b.bic8() == bic.bic8())).map(|r| r.org_id)
    })
}

/// What a hop already accounted for: frozen, returned, and moved on (its next hops).
pub fn allocated(outcomes: &[OutcomeRow], next_hops: &[AlertRow]) -> i64 {
    let kept = outcomes.iter().filter(|o| o.outcome != OutcomeKind::AlreadyMoved).filter_map(|o| o.amount_minor);
    kept.chain(next_hops.iter().map(|h| h.amount_minor)).fold(0, i64::saturating_add)
}

/// Frozen + returned + moved on never exceed what the hop received (422 naming `field`).
pub fn check_allocation(received: i64, allocated: i64, adding: i64, field: &str) -> Result<(), Invalid> {
    let reach = allocated.saturating_add(adding);
    if reach > received {
        return Err(Invalid::field(
            field,
            format!(
                "frozen, returned and moved on would reach {reach} but {received} was received at this hop ({allocated} already accounted for)",
            ),
        ));
    }
    Ok(())
}

/// The senders of this hop and of every earlier one, but `by` itself: who hears of an outcome.
pub fn upstream_senders(trail: &[AlertRow], hop: &AlertRow, by: OrgId) -> Vec<OrgId> {
    let mut tell: Vec<OrgId> = Vec::new();
    let mut at = Some(hop);
    while let Some(h) = at {
        if h.sender_org_id != by && !tell.contains(&h.sender_org_id) {
            tell.push(h.sender_org_id);
        }
        at = h.parent_alert_id.and_then(|p| trail.iter().find(|t| t.id == p));
    }
    tell
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::alerts::model::AlertStatus;
    use crate::domain::{AlertId, Category, Currency};

    fn route_of(org: OrgId, country: &str, code: Option<&str>, bic: Option<&str>) -> BankRoute {
        BankRoute {
            org_id: org,
            country: country.into(),
            bank_code: code.map(Into::into),
            bic: bic.map(|b| Bic::parse(b).unwrap()),
        }
    }

    #[test]
    fn accounts_route_by_the_longest_bank_code_then_by_bic() {
        let (a, b, c) = (OrgId::new(), OrgId::new(), OrgId::new());
        let routes = [
            route_of(a, "XK", Some("12"), None),
            route_of(b, "XK", Some("1212"), None),
            route_of(c, "DE", Some("37040044"), Some("COBADEFF")),
        ];
        let iban = |s: &str| Iban::parse(s).unwrap();
        assert_eq!(route(Some(&iban("XK051212012345678906")), None, &routes), Some(b), "1212 is longer than 12");
        assert_eq!(route(Some(&iban("DE89370400440532013000")), None, &routes), Some(c));
        assert_eq!(route(Some(&iban("AL47212110090000000235698741")), None, &routes), None, "no bank of that country");
        let bic = Bic::parse("COBADEFFXXX").unwrap();
        assert_eq!(route(None, Some(&bic), &routes), Some(c), "BIC8 match");
    }

    fn hop(id: AlertId, parent: Option<AlertId>, sender: OrgId, amount: i64) -> AlertRow {
        AlertRow {
            id,
            trace_id: parent.unwrap_or(id),
            parent_alert_id: parent,
            hop: 1,
            sender_org_id: sender,
            receiver_org_id: None,
            status: AlertStatus::Routed,
            victim_iban: None,
            beneficiary_iban: None,
            beneficiary_account: None,
            beneficiary_bic: None,
            beneficiary_name: None,
            amount_minor: amount,
            currency: Currency::parse("EUR").unwrap(),
            executed_at: Utc::now(),
            payment_reference: None,
            uetr: None,
            end_to_end_id: None,
            category: Category::Other,
            bank_case_reference: None,
            report_id: None,
            description: None,
            first_outcome_at: None,
            created_at: Utc::now(),
            version: 1,
        }
    }

    fn outcome(alert: AlertId, kind: OutcomeKind, amount: Option<i64>) -> OutcomeRow {
        OutcomeRow {
            id: uuid::Uuid::now_v7(),
            alert_id: alert,
            outcome: kind,
            amount_minor: amount,
            reason: None,
            created_by: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_hop_never_accounts_for_more_than_it_received() {
        let first = AlertId::new();
        let bank = OrgId::new();
        let earlier = [
            outcome(first, OutcomeKind::FundsFrozen, Some(300)),
            // The amount of already_moved is the sum of its next hops, counted once through them.
            outcome(first, OutcomeKind::AlreadyMoved, Some(500)),
        ];
        let next = [hop(AlertId::new(), Some(first), bank, 500)];
        assert_eq!(allocated(&earlier, &next), 800);
        assert!(check_allocation(1000, 800, 200, "amount").is_ok());
        let Invalid(errors) = check_allocation(1000, 800, 201, "onward_transfers").unwrap_err();
        assert_eq!(errors[0].field, "onward_transfers");
    }

    #[test]
    fn every_earlier_sender_hears_of_an_outcome_but_not_the_bank_that_recorded_it() {
        let (victim_bank, mule_bank, next_bank) = (OrgId::new(), OrgId::new(), OrgId::new());
        let (h1, h2, h3) = (AlertId::new(), AlertId::new(), AlertId::new());
        let trail =
            [hop(h1, None, victim_bank, 1000), hop(h2, Some(h1), mule_bank, 800), hop(h3, Some(h2), next_bank, 500)];
        assert_eq!(upstream_senders(&trail, &trail[2], OrgId::new()), [next_bank, mule_bank, victim_bank]);
        assert_eq!(upstream_senders(&trail, &trail[1], mule_bank), [victim_bank]);
    }
}
