//! Which changes to an organisation grant powers, and so take a second platform admin: new
//! bank identifiers (they route money alerts), a move to another country (another legal regime:
//! which requests need a validator), a reactivation. Its kind never changes.

use super::model::{OrgChanges, OrgRow};
use crate::access::four_eyes::ApprovalAction;

/// The change's part that takes a second platform admin, with its field, if any; `Err` names a
/// second such field (each is filed alone).
pub fn power(
    current: &OrgRow,
    changes: &OrgChanges,
    new_bank_identifiers: bool,
) -> Result<Option<(&'static str, ApprovalAction)>, &'static str> {
    let mut powers = Vec::new();
    if new_bank_identifiers {
        powers.push(("bank_identifiers", ApprovalAction::OrganizationBankIdentifiers));
    }
    if changes.country.as_ref().is_some_and(|c| *c != current.country) {
        powers.push(("country", ApprovalAction::OrganizationCountry));
    }
    if changes.active == Some(true) && !current.active {
        powers.push(("active", ApprovalAction::OrganizationReactivate));
    }
    match powers.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        [_, (second, _), ..] => Err(second),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Country, Email, OrgId, OrgKind};

    fn org(country: &str, active: bool) -> OrgRow {
        OrgRow {
            id: OrgId::new(),
            name: "Police".into(),
            kind: OrgKind::LawEnforcement,
            country: Country::parse(country).unwrap(),
            contact_name: "Desk".into(),
            contact_email: Email::parse("desk@police.example").unwrap(),
            contact_phone: String::new(),
            active,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn moves_reactivations_and_identifiers_take_two_and_one_at_a_time() {
        let de = org("DE", true);
        let to = |c: &str| OrgChanges { country: Some(Country::parse(c).unwrap()), ..Default::default() };
        assert_eq!(power(&de, &to("FR"), false), Ok(Some(("country", ApprovalAction::OrganizationCountry))));
        assert_eq!(power(&de, &to("DE"), false), Ok(None), "the same country is no move");
        let renamed = OrgChanges { name: Some("Polizei".into()), ..Default::default() };
        assert_eq!(power(&de, &renamed, false), Ok(None));
        let off = OrgChanges { active: Some(false), ..Default::default() };
        assert_eq!(power(&de, &off, false), Ok(None), "deactivating is one admin's emergency");
        let on = OrgChanges { active: Some(true), ..Default::default() };
        assert_eq!(power(&de, &on, false), Ok(None), "already active");
        assert_eq!(power(&org("DE", false), &on, false), Ok(Some(("active", ApprovalAction::OrganizationReactivate))));
        assert_eq!(
            power(&de, &OrgChanges::default(), true),
            Ok(Some(("bank_identifiers", ApprovalAction::OrganizationBankIdentifiers)))
        );
        assert_eq!(power(&de, &to("FR"), true), Err("country"));
    }
}
