//! The permission matrix of DESIGN.md as plain data: what each kind of organisation may do,
//! which API-key scope grants it to a machine client, and which need the org_admin role.

use super::OrgKind;

text_enum! {
    /// What an API key may be used for; a subset of what its organisation may do.
    Scope {
        ReportsRead = "reports:read",
        ReportsWrite = "reports:write",
        IndicatorsLookup = "indicators:lookup",
        AlertsRead = "alerts:read",
        AlertsWrite = "alerts:write",
        RequestsRead = "requests:read",
        RequestsWrite = "requests:write",
        EventsRead = "events:read",
        WebhooksManage = "webhooks:manage",
        /// Create, change and delete watchlists (reading them needs `reports:read` and `events:read`).
        WatchlistsWrite = "watchlists:write",
    }
}

text_enum! {
    /// Named permissions, following DESIGN.md's table.
    Permission {
        SubmitReports = "submit_reports",
        ReadReports = "read_reports",
        LookupIndicators = "lookup_indicators",
        IssueDataRequests = "issue_data_requests",
        IssueFreezeRequests = "issue_freeze_requests",
        AnswerRequests = "answer_requests",
        ReadRequests = "read_requests",
        PostAlerts = "post_alerts",
        ReadAlerts = "read_alerts",
        ReadEvents = "read_events",
        ManageWebhooks = "manage_webhooks",
        ReadAudit = "read_audit",
        ManageOrganizations = "manage_organizations",
        ManageUsers = "manage_users",
        ManageApiKeys = "manage_api_keys",
    }
}

impl Permission {
    /// Whether an organisation of `kind` may do this at all.
    pub fn allowed_for_kind(self, kind: OrgKind) -> bool {
        use OrgKind::*;
        let operational = matches!(kind, LawEnforcement | Prosecution | Fiu | Isp | Bank);
        match self {
            Permission::SubmitReports => operational,
            // A court reads reports as the public sector does and validates requests; nothing else.
            Permission::ReadReports | Permission::LookupIndicators => operational || matches!(kind, Court | Platform),
            Permission::IssueDataRequests => matches!(kind, LawEnforcement | Prosecution),
            Permission::IssueFreezeRequests => matches!(kind, LawEnforcement | Prosecution | Fiu),
            Permission::AnswerRequests => matches!(kind, Isp | Bank),
            Permission::ReadRequests => operational || kind == Court,
            Permission::PostAlerts => kind == Bank,
            Permission::ReadAlerts => matches!(kind, LawEnforcement | Prosecution | Fiu | Bank | Platform),
            Permission::ReadEvents | Permission::ManageWebhooks => kind != Regulator,
            Permission::ReadAudit | Permission::ManageUsers | Permission::ManageApiKeys => true,
            Permission::ManageOrganizations => kind == Platform,
        }
    }

    /// The API-key scope that grants it; `None`: users only.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Permission::SubmitReports => Some(Scope::ReportsWrite),
            Permission::ReadReports => Some(Scope::ReportsRead),
            Permission::LookupIndicators => Some(Scope::IndicatorsLookup),
            Permission::IssueDataRequests | Permission::IssueFreezeRequests | Permission::AnswerRequests => {
                Some(Scope::RequestsWrite)
            }
            Permission::ReadRequests => Some(Scope::RequestsRead),
            Permission::PostAlerts => Some(Scope::AlertsWrite),
            Permission::ReadAlerts => Some(Scope::AlertsRead),
            Permission::ReadEvents => Some(Scope::EventsRead),
            Permission::ManageWebhooks => Some(Scope::WebhooksManage),
            Permission::ReadAudit
            | Permission::ManageOrganizations
            | Permission::ManageUsers
            | Permission::ManageApiKeys => None,
        }
    }

    /// Whether a user needs the org_admin role for it.
    pub fn needs_admin(self) -> bool {
        matches!(
            self,
            Permission::ReadAudit
                | Permission::ManageOrganizations
                | Permission::ManageUsers
                | Permission::ManageApiKeys
                | Permission::ManageWebhooks
        )
    }
}

impl Scope {
    /// Whether an organisation of `kind` may hold a key with this scope.
    pub fn allowed_for_kind(self, kind: OrgKind) -> bool {
        if self == Scope::WatchlistsWrite {
            return Permission::ReadReports.allowed_for_kind(kind) && Permission::ReadEvents.allowed_for_kind(kind);
        }
        Permission::ALL.iter().any(|p| p.scope() == Some(self) && p.allowed_for_kind(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgKind::*;
    use Permission::*;

    /// DESIGN.md's table, row by row: the kinds that may, in the order of `OrgKind::ALL`.
    #[test]
    fn the_matrix_is_the_design_table() {
        let table: &[(Permission, &[OrgKind])] = &[
            (SubmitReports, &[LawEnforcement, Prosecution, Fiu, Isp, Bank]),
            (ReadReports, &[LawEnforcement, Prosecution, Court, Fiu, Isp, Bank, Platform]),
            (LookupIndicators, &[LawEnforcement, Prosecution, Court, Fiu, Isp, Bank, Platform]),
            (IssueDataRequests, &[LawEnforcement, Prosecution]),
            (IssueFreezeRequests, &[LawEnforcement, Prosecution, Fiu]),
            (AnswerRequests, &[Isp, Bank]),
            (ReadRequests, &[LawEnforcement, Prosecution, Court, Fiu, Isp, Bank]),
            (PostAlerts, &[Bank]),
            (ReadAlerts, &[LawEnforcement, Prosecution, Fiu, Bank, Platform]),
            (ReadEvents, &[LawEnforcement, Prosecution, Court, Fiu, Isp, Bank, Platform]),
            (ManageWebhooks, &[LawEnforcement, Prosecution, Court, Fiu, Isp, Bank, Platform]),
            (ReadAudit, OrgKind::ALL),
            (ManageOrganizations, &[Platform]),
            (ManageUsers, OrgKind::ALL),
            (ManageApiKeys, OrgKind::ALL),
        ];
        assert_eq!(table.len(), Permission::ALL.len(), "every permission has its row");
        for (permission, kinds) in table {
            for kind in OrgKind::ALL {
                assert_eq!(permission.allowed_for_kind(*kind), kinds.contains(kind), "{permission} for {kind}");
            }
        }
    }

    #[test]
    fn scopes_follow_the_kind() {
        assert!(Scope::AlertsWrite.allowed_for_kind(Bank));
        assert!(!Scope::AlertsWrite.allowed_for_kind(Isp));
        assert!(Scope::RequestsWrite.allowed_for_kind(Isp), "ISPs answer requests");
        assert!(!Scope::ReportsRead.allowed_for_kind(Regulator));
        assert!(ManageUsers.scope().is_none() && ManageUsers.needs_admin());
    }
}
