//! Organisations and people: the kinds of organisation, which fix what they may do, and the
//! roles of users inside them.

text_enum! {
    /// The kind of an organisation, which fixes what it may do.
    OrgKind {
        LawEnforcement = "law_enforcement",
        Prosecution = "prosecution",
        /// Validates the data requests named to it; submits nothing.
        Court = "court",
        Fiu = "fiu",
        Isp = "isp",
        Bank = "bank",
        Regulator = "regulator",
        Platform = "platform",
    }
}

impl OrgKind {
    /// Law enforcement, prosecution, courts and FIUs.
    pub fn is_public_sector(self) -> bool {
        matches!(self, OrgKind::LawEnforcement | OrgKind::Prosecution | OrgKind::Court | OrgKind::Fiu)
    }

    /// The public-sector kinds, for queries that test a kind in SQL.
    pub fn public_sector() -> Vec<OrgKind> {
        OrgKind::ALL.iter().copied().filter(|k| k.is_public_sector()).collect()
    }

    /// How an anonymous reporter of this kind is named to others.
    pub fn anonymous_name(self) -> &'static str {
        match self {
            OrgKind::LawEnforcement => "a law enforcement agency",
            OrgKind::Prosecution => "a prosecution office",
            OrgKind::Court => "a court",
            OrgKind::Fiu => "a financial intelligence unit",
            OrgKind::Isp => "an ISP",
            OrgKind::Bank => "a bank",
            OrgKind::Regulator => "a regulator",
            OrgKind::Platform => "the platform operator",
        }
    }
}

text_enum! {
    /// A user's role inside their organisation.
    Role {
        Member = "member",
        OrgAdmin = "org_admin",
    }
}

/// Who must enrol a second factor: roles (`org_admin`, `member`), `platform_admin`, and
/// organisation kinds, from a comma list; empty: nobody.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MfaPolicy {
    roles: Vec<Role>,
    kinds: Vec<OrgKind>,
    platform_admins: bool,
}

/// The default of `CYBERBRIDGE_MFA_REQUIRED`: org_admins (platform admins among them) and every
/// user of a public-sector organisation or a regulator.
pub const DEFAULT_MFA_REQUIRED: &str = "org_admin,platform_admin,law_enforcement,prosecution,court,fiu,regulator";

impl MfaPolicy {
    pub fn parse(list: &str) -> Result<MfaPolicy, String> {
        let mut policy = MfaPolicy::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "platform_admin" {
                policy.platform_admins = true;
            } else if let Ok(role) = item.parse::<Role>() {
                policy.roles.push(role);
            } else if let Ok(kind) = item.parse::<OrgKind>() {
                policy.kinds.push(kind);
            } else {
                return Err(format!(
                    "CYBERBRIDGE_MFA_REQUIRED: unknown `{item}`; give roles ({}), platform_admin, or organisation kinds ({})",
                    Role::NAMES.join(", "),
                    OrgKind::NAMES.join(", ")
                ));
            }
        }
        Ok(policy)
    }

    pub fn requires(&self, kind: OrgKind, role: Role) -> bool {
        self.roles.contains(&role)
            || self.kinds.contains(&kind)
            || (self.platform_admins && kind == OrgKind::Platform && role == Role::OrgAdmin)
    }
}

#[cfg(test)]
mod mfa_tests {
    use super::*;

    #[test]
    fn the_policy_names_roles_platform_admins_and_kinds() {
        let p = MfaPolicy::parse(DEFAULT_MFA_REQUIRED).unwrap();
        assert!(p.requires(OrgKind::Bank, Role::OrgAdmin));
        assert!(p.requires(OrgKind::LawEnforcement, Role::Member));
        assert!(!p.requires(OrgKind::Bank, Role::Member));
        assert!(!p.requires(OrgKind::Isp, Role::Member));
        let only_platform = MfaPolicy::parse("platform_admin").unwrap();
        assert!(only_platform.requires(OrgKind::Platform, Role::OrgAdmin));
        assert!(!only_platform.requires(OrgKind::Bank, Role::OrgAdmin));
        assert_eq!(MfaPolicy::parse("").unwrap(), MfaPolicy::default());
        assert!(MfaPolicy::parse("bank,admins").unwrap_err().contains("admins"));
    }
}
