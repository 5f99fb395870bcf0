//! Who administers whose people, and which changes to people grant powers: pure rules with
//! table tests. Later users and roles of an organisation come only from its own org_admins; a
//! platform admin adds no one to another organisation except its first org_admin (or the
//! replacement of its last), which takes a second platform admin; alone, a platform admin may
//! only deactivate.

use crate::access::four_eyes::ApprovalAction;
use crate::access::Principal;
use crate::domain::{OrgId, OrgKind, Permission, Role, UserId};

/// Whether the caller administers the users of `org` for reading them and for deactivating
/// them: a platform admin (any organisation), or an org_admin of it.
pub fn manages(principal: &Principal, org: OrgId) -> bool {
    principal.is_platform_admin() || administers_own(principal, org)
}

/// Whether the caller is an org_admin of `org` itself (a platform admin of the platform
/// organisation included): who adds people and changes their roles.
pub fn administers_own(principal: &Principal, org: OrgId) -> bool {
    principal.can(Permission::ManageUsers) && principal.org_id == org && principal.is_user()
}

/// Whether the caller may see the user `id` of `org`: themselves, or one they administer.
pub fn sees(principal: &Principal, id: UserId, org: OrgId) -> bool {
    principal.user_id() == Some(id) || manages(principal, org)
}

/// How a new account may be made.
#[derive(Debug, PartialEq, Eq)]
pub enum Creation {
    /// At once, with an enrolment link for its owner.
    Direct,
    /// Filed for a second platform admin (or made at once while the platform has one).
    FourEyes(ApprovalAction),
    /// Not by this caller (403, with the reason).
    Refused(&'static str),
}

/// How the caller may add a user of `role` to an organisation of `kind` with `active_admins`
/// active org_admins (the caller administers it or is a platform admin).
pub fn creation(principal: &Principal, org: OrgId, kind: OrgKind, role: Role, active_admins: i64) -> Creation {
    if administers_own(principal, org) {
        return match (kind, role) {
            (OrgKind::Platform, Role::OrgAdmin) => Creation::FourEyes(ApprovalAction::UserPlatformAdmin),
            _ => Creation::Direct,
        };
    }
    match role {
        Role::OrgAdmin if active_admins == 0 => Creation::FourEyes(ApprovalAction::OrganizationOrgAdmin),
        Role::OrgAdmin => Creation::Refused(
            "the organisation has an org_admin: its people and roles come from its own org_admins",
        ),
        Role::Member => Creation::Refused(
            "people of an organisation are added by its own org_admins; a platform admin files only its first org_admin",
        ),
    }
}

/// What a platform admin may change alone about a person of another organisation: only a
/// deactivation (an emergency); never a role, a name, an officer identity or a reactivation.
pub fn outside_change_allowed(role: bool, active: Option<bool>, other_fields: bool) -> Result<(), &'static str> {
    match (role, active, other_fields) {
        (false, Some(false), false) => Ok(()),
        _ => Err("a platform admin may only deactivate people of another organisation; its own org_admins change them"),
    }
}

/// Whether `caller` may record `target` as an officer or grant them authorisations: an
/// org_admin of the same organisation (checked by the caller), never themselves, with a
/// confirmed second factor, in an organisation that has a second active org_admin.
pub fn accreditation(
    caller: Option<UserId>,
    target: UserId,
    caller_has_second_factor: bool,
    active_admins: i64,
) -> Result<(), &'static str> {
    let Some(caller) = caller else { return Err("officers are accredited by a person, not by an API key") };
    if caller == target {
        return Err("officers are accredited by another org_admin of their organisation, never by themselves");
    }
    if !caller_has_second_factor {
        return Err("enrol a second factor before accrediting officers (POST /api/v1/me/second-factor)");
    }
    if active_admins < 2 {
        return Err("an organisation with a single org_admin accredits no one: a second org_admin is needed first");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Credential;

    fn user(kind: OrgKind, role: Role, org: OrgId) -> Principal {
        Principal {
            credential: Credential::User { user_id: UserId::new(), jti: uuid::Uuid::nil(), exp: 0, sid: None },
            org_id: org,
            org_kind: kind,
            role,
            must_change_password: false,
            must_enrol_second_factor: false,
            meta: Default::default(),
        }
    }

    #[test]
    fn org_admins_manage_their_own_people_and_platform_admins_everyone() {
        let (bank, other) = (OrgId::new(), OrgId::new());
        let admin = user(OrgKind::Bank, Role::OrgAdmin, bank);
        let member = user(OrgKind::Bank, Role::Member, bank);
        let platform = user(OrgKind::Platform, Role::OrgAdmin, OrgId::new());
        assert!(manages(&admin, bank) && !manages(&admin, other));
        assert!(!manages(&member, bank));
        assert!(manages(&platform, bank) && manages(&platform, other));
        assert!(!administers_own(&platform, bank) && administers_own(&platform, platform.org_id));
        let me = member.user_id().unwrap();
        assert!(sees(&member, me, bank) && !sees(&member, UserId::new(), bank));
    }

    #[test]
    fn who_adds_whom() {
        use Creation::*;
        let police = OrgId::new();
        let org_admin = user(OrgKind::LawEnforcement, Role::OrgAdmin, police);
        let platform = user(OrgKind::Platform, Role::OrgAdmin, OrgId::new());
        let refused = |c: Creation| matches!(c, Refused(_));
        // (caller, organisation, kind, role, active org_admins) -> decision
        assert_eq!(creation(&org_admin, police, OrgKind::LawEnforcement, Role::Member, 1), Direct);
        assert_eq!(creation(&org_admin, police, OrgKind::LawEnforcement, Role::OrgAdmin, 1), Direct);
        assert_eq!(
            creation(&platform, police, OrgKind::LawEnforcement, Role::OrgAdmin, 0),
            FourEyes(ApprovalAction::OrganizationOrgAdmin)
        );
        assert!(refused(creation(&platform, police, OrgKind::LawEnforcement, Role::OrgAdmin, 1)));
        assert!(refused(creation(&platform, police, OrgKind::LawEnforcement, Role::Member, 0)));
        for kind in OrgKind::ALL.iter().copied().filter(|k| *k != OrgKind::Platform) {
            assert!(refused(creation(&platform, police, kind, Role::Member, 1)), "{kind}");
            assert!(refused(creation(&platform, police, kind, Role::OrgAdmin, 1)), "{kind}");
        }
        let own = platform.org_id;
        assert_eq!(creation(&platform, own, OrgKind::Platform, Role::Member, 1), Direct);
        assert_eq!(
            creation(&platform, own, OrgKind::Platform, Role::OrgAdmin, 1),
            FourEyes(ApprovalAction::UserPlatformAdmin)
        );
    }

    #[test]
    fn alone_a_platform_admin_only_deactivates_outside() {
        assert!(outside_change_allowed(false, Some(false), false).is_ok());
        assert!(outside_change_allowed(false, Some(true), false).is_err(), "reactivate");
        assert!(outside_change_allowed(true, None, false).is_err(), "promote");
        assert!(outside_change_allowed(true, Some(false), false).is_err());
        assert!(outside_change_allowed(false, None, true).is_err(), "rename, accredit");
        assert!(outside_change_allowed(false, Some(false), true).is_err());
    }

    #[test]
    fn nobody_accredits_themselves_and_two_org_admins_with_a_second_factor_are_needed() {
        let (me, other) = (UserId::new(), UserId::new());
        assert!(accreditation(Some(me), other, true, 2).is_ok());
        assert!(accreditation(Some(me), me, true, 3).is_err(), "self");
        assert!(accreditation(Some(me), other, false, 2).is_err(), "no second factor");
        assert!(accreditation(Some(me), other, true, 1).is_err(), "a single org_admin");
        assert!(accreditation(None, other, true, 2).is_err(), "an API key");
    }
}
