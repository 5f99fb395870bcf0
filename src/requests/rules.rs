//! The rules of data requests as plain functions: the state machine and who moves it, the
//! deadlines, preservation, which requests wait for a prosecutor, what a validation does.

use chrono::{DateTime, Duration, Utc};

use super::model::{DataCategory, RequestRow, RequestStatus, RequestType, Urgency};
use crate::access::{Action, Principal};
use crate::domain::{OrgKind, Permission};

/// Which side moves a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Issuer,
    Addressee,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Issuer => "issuer",
            Side::Addressee => "addressee",
        }
    }
}

/// Where `side` may move a request from `from`.
pub fn allowed(from: RequestStatus, side: Side) -> Vec<RequestStatus> {
    use RequestStatus::*;
    let mut out = match (from, side) {
        (Submitted, Side::Addressee) => vec![Acknowledged, Rejected],
        (Acknowledged, Side::Addressee) => {
            vec![InProgress, ClarificationRequested, Fulfilled, PartiallyFulfilled, Rejected]
        }
        (InProgress, Side::Addressee) => vec![ClarificationRequested, Fulfilled, PartiallyFulfilled, Rejected],
        (ClarificationRequested, Side::Issuer) => vec![Acknowledged],
        _ => vec![],
    };
    if side == Side::Issuer && from.is_open() {
        out.push(Withdrawn);
    }
    out
}

/// The caller's side of the request, if it may act on it.
pub fn side(p: &Principal, r: &RequestRow) -> Option<Side> {
    if p.org_id == r.issuer_org_id && (p.can(Permission::IssueDataRequests) || p.can(Permission::IssueFreezeRequests)) {
        Some(Side::Issuer)
    } else if p.org_id == r.addressee_org_id && p.can(Permission::AnswerRequests) {
        Some(Side::Addressee)
    } else {
        None
    }
}

/// The action of issuing a request of `kind`: freezing funds needs its own permission.
pub fn issuing(kind: RequestType) -> Action {
    if kind == RequestType::FreezeFunds {
        Action::CreateFreezeRequest
    } else {
        Action::CreateDataRequest
    }
}

/// The time allowed to a request of `urgency` received at `received`, unless the issuer asked
/// for a later date.
pub fn deadline(urgency: Urgency, received: DateTime<Utc>, requested: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let by_urgency = received + urgency.time_allowed();
    requested.map_or(by_urgency, |r| r.max(by_urgency))
}

/// How long a preservation holds, from acknowledgement or from each extension.
pub const PRESERVATION_DAYS: i64 = 90;
/// How long an emergency request that went out unvalidated has to be validated.
pub const VALIDATION_HOURS: i64 = 48;

/// The end of a preservation extended at `now`: 90 days after its current end, or after now
/// when it has lapsed.
pub fn extended(until: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    until.max(now) + Duration::days(PRESERVATION_DAYS)
}

/// Whether a request of this issuer for these data categories needs a prosecutor's validation
/// (the `domestic` policy: law enforcement asking for traffic or content data).
pub fn needs_validation(issuer: OrgKind, categories: &[DataCategory]) -> bool {
    issuer == OrgKind::LawEnforcement
        && categories.iter().any(|c| matches!(c, DataCategory::Traffic | DataCategory::Content))
}

/// How a new request starts: whether it goes to the addressee now, and by when it must be
/// validated (an emergency goes out at once and is validated within 48 hours).
pub struct Start {
    pub status: RequestStatus,
    pub goes_out: bool,
    pub validation_due_at: Option<DateTime<Utc>>,
}

pub fn start(needs_validation: bool, urgency: Urgency, now: DateTime<Utc>) -> Start {
    let emergency = urgency == Urgency::Emergency;
    let goes_out = !needs_validation || emergency;
    Start {
        status: if goes_out { RequestStatus::Submitted } else { RequestStatus::PendingValidation },
        goes_out,
        validation_due_at: (needs_validation && emergency).then(|| now + Duration::hours(VALIDATION_HOURS)),
    }
}

/// Whether the request waits for a validation: pending, or an emergency out unvalidated.
pub fn awaits_validation(r: &RequestRow) -> bool {
    r.status == RequestStatus::PendingValidation
        || (r.validation_due_at.is_some() && r.validated_at.is_none() && r.status.is_open())
}

/// What a validation does to a request in `from`: its new status (`None`: unchanged) and
/// whether it now reaches the addressee. Approving a pending request sends it; refusing stops
/// it, or withdraws an emergency one already out.
pub fn validated(from: RequestStatus, approve: bool) -> (Option<RequestStatus>, bool) {
    match (approve, from) {
        (true, RequestStatus::PendingValidation) => (Some(RequestStatus::Submitted), true),
        (true, _) => (None, false),
        (false, RequestStatus::PendingValidation) => (Some(RequestStatus::ValidationRejected), false),
        (false, _) => (Some(RequestStatus::Withdrawn), false),
    }
}

/// Whether the addressee may respond in this state.
pub fn takes_response(status: RequestStatus) -> bool {
    matches!(status, RequestStatus::Acknowledged | RequestStatus::InProgress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestStatus::*;

    #[test]
    fn each_side_moves_a_request_only_where_allowed() {
        assert_eq!(allowed(Submitted, Side::Addressee), [Acknowledged, Rejected]);
        assert_eq!(allowed(Submitted, Side::Issuer), [Withdrawn]);
        assert_eq!(allowed(PendingValidation, Side::Addressee), []);
        assert_eq!(allowed(ClarificationRequested, Side::Issuer), [Acknowledged, Withdrawn]);
        assert_eq!(allowed(ClarificationRequested, Side::Addressee), []);
        for closed in [Fulfilled, PartiallyFulfilled, Rejected, Withdrawn, ValidationRejected] {
            assert!(
                allowed(closed, Side::Issuer).is_empty() && allowed(closed, Side::Addressee).is_empty(),
                "{closed}"
            );
        }
    }

    #[test]
    fn deadlines_follow_urgency_unless_a_later_one_is_asked() {
        let received = Utc::now();
        assert_eq!(deadline(Urgency::Emergency, received, None), received + Duration::hours(8));
        assert_eq!(deadline(Urgency::Urgent, received, None), received + Duration::days(3));
        let later = received + Duration::days(30);
        assert_eq!(deadline(Urgency::Routine, received, Some(later)), later);
        assert_eq!(
            deadline(Urgency::Routine, received, Some(received)),
            received + Duration::days(10),
            "never earlier"
        );
        let lapsed = received - Duration::days(5);
        assert_eq!(extended(lapsed, received), received + Duration::days(90));
        assert_eq!(extended(received + Duration::days(10), received), received + Duration::days(100));
    }

    #[test]
    fn police_traffic_and_content_requests_wait_for_a_prosecutor_unless_emergency() {
        use DataCategory::*;
        assert!(needs_validation(OrgKind::LawEnforcement, &[Subscriber, Traffic]));
        assert!(!needs_validation(OrgKind::LawEnforcement, &[Subscriber, IpIdentification]));
        assert!(!needs_validation(OrgKind::Prosecution, &[Content]));
        let now = Utc::now();
        let routine = start(true, Urgency::Routine, now);
        assert_eq!((routine.status, routine.goes_out, routine.validation_due_at), (PendingValidation, false, None));
        let emergency = start(true, Urgency::Emergency, now);
        assert_eq!((emergency.status, emergency.goes_out), (Submitted, true));
        assert_eq!(emergency.validation_due_at, Some(now + Duration::hours(48)));
        assert_eq!(start(false, Urgency::Emergency, now).validation_due_at, None);
    }

    #[test]
    fn a_validation_sends_stops_or_withdraws() {
        assert_eq!(validated(PendingValidation, true), (Some(Submitted), true));
        assert_eq!(validated(InProgress, true), (None, false));
        assert_eq!(validated(PendingValidation, false), (Some(ValidationRejected), false));
        assert_eq!(validated(Acknowledged, false), (Some(Withdrawn), false));
    }
}
