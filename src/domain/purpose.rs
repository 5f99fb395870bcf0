//! The purpose of a search (Law Enforcement Directive art. 25: consultations are logged with
//! their justification): a case reference and a reason code, required of the organisation
//! kinds named in `CYBERBRIDGE_PURPOSE_REQUIRED`.

use serde::Deserialize;
use utoipa::IntoParams;

use super::org::OrgKind;
use super::FieldError;

text_enum! {
    /// Why a search is made.
    PurposeReason {
        /// A criminal investigation of the case named.
        CriminalInvestigation = "criminal_investigation",
        /// Preparing or conducting criminal proceedings.
        CriminalProceedings = "criminal_proceedings",
        /// Analysis of suspicious transactions (FIU).
        FinancialAnalysis = "financial_analysis",
        /// Preventing a fraud in progress (stopping a payment, warning a victim).
        FraudPrevention = "fraud_prevention",
        /// Helping a victim (recovery of funds, information).
        VictimSupport = "victim_support",
        /// Threat intelligence and prevention of further offences.
        ThreatIntelligence = "threat_intelligence",
        /// Supervision by a regulator or a data-protection authority.
        Supervision = "supervision",
        /// Answering a data subject's request.
        DataSubjectRequest = "data_subject_request",
        Other = "other",
        /// An API key's standing purpose for its TAXII pulls (set on the key, never per call).
        StandingFeed = "standing_feed",
    }
}

/// The default of `CYBERBRIDGE_PURPOSE_REQUIRED`: the public-sector kinds.
pub const DEFAULT_PURPOSE_REQUIRED: &str = "law_enforcement,prosecution,court,fiu";

/// The longest a key's standing purpose lasts.
pub const STANDING_PURPOSE_MAX_DAYS: i64 = 90;

/// Longest case reference.
pub const MAX_CASE_REFERENCE: usize = 100;

/// The purpose a search was made for, as stored with its audit row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Purpose {
    pub case_reference: String,
    pub reason: PurposeReason,
}

/// The purpose fields of a search (query parameters of a GET, fields of a POST body).
#[derive(Deserialize, IntoParams, Default, Debug, Clone, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PurposeParams {
    /// Why you search (required of the organisation kinds in `CYBERBRIDGE_PURPOSE_REQUIRED`,
    /// by default the public sector). `standing_feed` is an API key's standing purpose, never
    /// a call's (422).
    #[param(value_type = Option<PurposeReason>)]
    #[schema(value_type = Option<PurposeReason>)]
    pub purpose: Option<String>,
    /// The case the search is for (up to 100 characters; required with `purpose`).
    pub case_reference: Option<String>,
}

/// Who must state a purpose: organisation kinds, from a comma list; empty: nobody.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PurposePolicy {
    kinds: Vec<OrgKind>,
}

impl PurposePolicy {
    pub fn parse(list: &str) -> Result<PurposePolicy, String> {
        let mut kinds = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            kinds.push(item.parse::<OrgKind>().map_err(|e| format!("CYBERBRIDGE_PURPOSE_REQUIRED: {e}"))?);
        }
        Ok(PurposePolicy { kinds })
    }

    pub fn requires(&self, kind: OrgKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// A policy requiring a purpose of everyone (for reads that always owe one, such as the
    /// operator's subject-access export).
    pub fn everyone() -> PurposePolicy {
        PurposePolicy { kinds: OrgKind::ALL.to_vec() }
    }

    /// The purpose of a search by an organisation of `kind`: both fields or neither (where not
    /// required); a missing one where required, an unknown reason, or a malformed case is an
    /// error naming the field.
    pub fn check(&self, kind: OrgKind, p: &PurposeParams) -> Result<Option<Purpose>, FieldError> {
        let fail = |field: &str, message: String| FieldError { field: field.into(), message };
        let case = p.case_reference.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let reason = p.purpose.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let required = self.requires(kind);
        let (case, reason) = match (case, reason) {
            (None, None) if !required => return Ok(None),
            (_, None) => {
                return Err(fail(
                    "purpose",
                    format!(
                        "is required of your organisation: why you search, one of {}",
                        PurposeReason::NAMES.join(", ")
                    ),
                ))
            }
            (None, Some(_)) => return Err(fail("case_reference", "is required: the case this search is for".into())),
            (Some(c), Some(r)) => (c, r),
        };
        let reason: PurposeReason = reason.parse().map_err(|e| fail("purpose", e))?;
        if reason == PurposeReason::StandingFeed {
            return Err(fail(
                "purpose",
                "standing_feed is an API key's standing purpose for its TAXII pulls; state this search's own".into(),
            ));
        }
        if case.chars().count() > MAX_CASE_REFERENCE || case.chars().any(char::is_control) {
            return Err(fail("case_reference", format!("at most {MAX_CASE_REFERENCE} printable characters")));
        }
        Ok(Some(Purpose { case_reference: case.to_string(), reason }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(purpose: Option<&str>, case: Option<&str>) -> PurposeParams {
        PurposeParams { purpose: purpose.map(Into::into), case_reference: case.map(Into::into) }
    }

    #[test]
    fn the_public_sector_states_a_purpose_and_others_may() {
        let p = PurposePolicy::parse(DEFAULT_PURPOSE_REQUIRED).unwrap();
        assert_eq!(p.check(OrgKind::LawEnforcement, &params(None, None)).unwrap_err().field, "purpose");
        assert_eq!(
            p.check(OrgKind::Fiu, &params(Some("financial_analysis"), None)).unwrap_err().field,
            "case_reference"
        );
        assert_eq!(p.check(OrgKind::Prosecution, &params(Some("guess"), Some("C-1"))).unwrap_err().field, "purpose");
        let ok = p.check(OrgKind::Court, &params(Some("criminal_proceedings"), Some(" C-1 "))).unwrap().unwrap();
        assert_eq!((ok.case_reference.as_str(), ok.reason), ("C-1", PurposeReason::CriminalProceedings));
        assert_eq!(p.check(OrgKind::Bank, &params(None, None)).unwrap(), None);
        assert!(p.check(OrgKind::Bank, &params(Some("fraud_prevention"), Some("B-7"))).unwrap().is_some());
        assert_eq!(p.check(OrgKind::Bank, &params(None, Some("B-7"))).unwrap_err().field, "purpose");
        let long = "x".repeat(101);
        assert_eq!(p.check(OrgKind::Fiu, &params(Some("other"), Some(&long))).unwrap_err().field, "case_reference");
        assert_eq!(PurposePolicy::parse("").unwrap().check(OrgKind::Fiu, &params(None, None)).unwrap(), None);
        assert!(PurposePolicy::parse("police").is_err());
    }
}
