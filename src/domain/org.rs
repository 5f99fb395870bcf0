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
