//! What a request being written will meet once it is sent, for the console's request form: the
//! types its addressee answers (by kind and by its catalogue), the categories of the type, the
//! validation the policy table asks for and who may give it, and when the deadline falls. The
//! same rules `service::issue` applies (`rules`, `policy`), read without writing anything.

use chrono::{DateTime, Utc};

use super::model::{Capabilities, DataCategory, RequestType, Urgency};
use super::policy::Requirement;
use super::rules::{self, Start};
use crate::domain::{OrgId, OrgKind};

/// An organisation as the form names it.
#[derive(Debug, Clone)]
pub struct Named {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
}

/// The outline of a draft; what the draft leaves open is `None` or every choice.
#[derive(Debug, Clone)]
pub struct Outline {
    /// The addressee, when the draft names an active ISP or bank.
    pub addressee: Option<Named>,
    /// Its published catalogue, if any.
    pub catalogue: Option<Capabilities>,
    /// The types it may be sent: addressed to its kind and not declared unsupported.
    pub types: Vec<RequestType>,
    /// The draft's type, when it is one of `types`.
    pub kind: Option<RequestType>,
    /// The categories the type asks for (every one for a preservation or a freeze).
    pub categories: Vec<DataCategory>,
    /// With an addressee and a type: the validation the table asks for.
    pub requirement: Option<Requirement>,
    /// Organisations that may validate it: of a kind the table names, of the issuer's country,
    /// not the issuer.
    pub validators: Vec<Named>,
    /// How it would start if sent now.
    pub start: Option<Start>,
    /// Its deadline if sent now and it goes out at once.
    pub deadline: Option<DateTime<Utc>>,
    /// The draft's urgency, which sets the time the addressee has from receiving it.
    pub urgency: Urgency,
}

/// The types a request to an addressee of `kind` (with its catalogue) may have; every type
/// before an addressee is chosen.
pub fn types_for(addressee: Option<OrgKind>, catalogue: Option<&serde_json::Value>) -> Vec<RequestType> {
    RequestType::ALL
        .iter()
        .copied()
        .filter(|t| addressee.is_none_or(|k| rules::addressed_to(*t).contains(&k)))
        .filter(|t| !rules::declared_unsupported(catalogue, *t))
        .collect()
}

/// When a request of `urgency` sent `now` starts, and its deadline if it goes out at once.
pub fn timing(
    requirement: &Requirement,
    urgency: Urgency,
    requested: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (Start, Option<DateTime<Utc>>) {
    let start = rules::start(requirement, urgency, now);
    let deadline = start.goes_out.then(|| rules::deadline(urgency, now, requested));
    (start, deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::policy::Table;
    use chrono::Duration;

    #[test]
    fn a_bank_is_offered_bank_types_and_a_catalogue_removes_what_it_cannot_answer() {
        let bank = types_for(Some(OrgKind::Bank), None);
        assert!(bank.contains(&RequestType::AccountInfo) && bank.contains(&RequestType::Preservation));
        assert!(!bank.contains(&RequestType::TrafficData));
        let catalogue = serde_json::json!({"request_types": [{"type": "content_data", "supported": false}]});
        let isp = types_for(Some(OrgKind::Isp), Some(&catalogue));
        assert!(isp.contains(&RequestType::TrafficData) && !isp.contains(&RequestType::ContentData));
        assert_eq!(types_for(None, None).len(), RequestType::ALL.len());
    }

    #[test]
    fn the_deadline_shows_only_for_a_request_that_goes_out_at_once() {
        let now = Utc::now();
        let table = Table::domestic();
        let needs = table.requirement(OrgKind::LawEnforcement, RequestType::TrafficData, &[DataCategory::Traffic]);
        let (start, deadline) = timing(&needs, Urgency::Routine, None, now);
        assert!(!start.goes_out && deadline.is_none());
        let (start, deadline) = timing(&needs, Urgency::Emergency, None, now);
        assert!(start.goes_out);
        assert_eq!(deadline, Some(now + Duration::hours(8)));
        assert_eq!(start.validation_due_at, Some(now + Duration::hours(48)));
        let free = table.requirement(OrgKind::LawEnforcement, RequestType::SubscriberInfo, &[DataCategory::Subscriber]);
        let (_, deadline) = timing(&free, Urgency::Urgent, None, now);
        assert_eq!(deadline, Some(now + Duration::days(3)));
    }
}
