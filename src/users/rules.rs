//! Who administers whose people.

use crate::access::Principal;
use crate::domain::Permission;
use crate::domain::{OrgId, UserId};

/// Whether the caller administers the users of `org`: a platform admin, or an org_admin of it.
pub fn manages(principal: &Principal, org: OrgId) -> bool {
    principal.is_platform_admin() || (principal.can(Permission::ManageUsers) && principal.org_id == org)
}

/// Whether the caller may see the user `id` of `org`: themselves, or one they administer.
pub fn sees(principal: &Principal, id: UserId, org: OrgId) -> bool {
    principal.user_id() == Some(id) || manages(principal, org)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Credential;
    use crate::domain::{OrgKind, Role};

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
        let me = member.user_id().unwrap();
        assert!(sees(&member, me, bank) && !sees(&member, UserId::new(), bank));
    }
}
