//! What a report says about a case that other features share: its category and its TLP 2.0
//! label with the visibility rule that label implies.

use uuid::Uuid;

use super::OrgId;

text_enum! {
    /// Kind of crime.
    Category {
        Phishing = "phishing",
        BusinessEmailCompromise = "business_email_compromise",
        InvestmentFraud = "investment_fraud",
        RomanceScam = "romance_scam",
        AccountTakeover = "account_takeover",
        CardFraud = "card_fraud",
        OnlineShopFraud = "online_shop_fraud",
        Ransomware = "ransomware",
        Malware = "malware",
        Ddos = "ddos",
        Sextortion = "sextortion",
        MoneyMule = "money_mule",
        CryptoFraud = "crypto_fraud",
        IdentityTheft = "identity_theft",
        Other = "other",
    }
}

text_enum! {
    /// Traffic Light Protocol 2.0 label: who may see the report.
    Tlp {
        Clear = "clear",
        Green = "green",
        Amber = "amber",
        AmberStrict = "amber_strict",
        Red = "red",
    }
}

/// Who is asking, as report visibility sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub org_id: OrgId,
    pub public_sector: bool,
}

impl Tlp {
    /// Order of restriction, for "TLP may only be raised".
    pub fn rank(self) -> u8 {
        match self {
            Tlp::Clear => 0,
            Tlp::Green => 1,
            Tlp::Amber => 2,
            Tlp::AmberStrict => 3,
            Tlp::Red => 4,
        }
    }

    /// The more restrictive of the two.
    pub fn max_by_rank(self, other: Tlp) -> Tlp {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// The TLP 2.0 rule: the reporter and `shared_with` always; CLEAR and GREEN everyone;
    /// AMBER also every public-sector organisation; AMBER+STRICT and RED nobody else. The SQL
    /// function `report_visible` (migrations) is the same rule, applied by every query.
    pub fn visible(self, reporter: OrgId, shared_with: &[Uuid], viewer: Viewer) -> bool {
        reporter == viewer.org_id
            || shared_with.contains(&viewer.org_id.0)
            || matches!(self, Tlp::Clear | Tlp::Green)
            || (self == Tlp::Amber && viewer.public_sector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_decides_who_sees_a_report() {
        let reporter = OrgId(Uuid::now_v7());
        let partner = OrgId(Uuid::now_v7());
        let police = Viewer { org_id: OrgId(Uuid::now_v7()), public_sector: true };
        let bank = Viewer { org_id: OrgId(Uuid::now_v7()), public_sector: false };
        let shared = Viewer { org_id: partner, public_sector: false };
        let own = Viewer { org_id: reporter, public_sector: false };
        // (tlp, police, another bank, shared_with partner, reporter)
        let table = [
            (Tlp::Clear, true, true, true, true),
            (Tlp::Green, true, true, true, true),
            (Tlp::Amber, true, false, true, true),
            (Tlp::AmberStrict, false, false, true, true),
            (Tlp::Red, false, false, true, true),
        ];
        for (tlp, p, b, s, o) in table {
            let sees = |v| tlp.visible(reporter, &[partner.0], v);
            assert_eq!((sees(police), sees(bank), sees(shared), sees(own)), (p, b, s, o), "{tlp}");
        }
        assert!(Tlp::Red.rank() > Tlp::AmberStrict.rank() && Tlp::Amber.rank() > Tlp::Green.rank());
    }
}
