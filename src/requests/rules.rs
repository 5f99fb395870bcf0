//! The rules of data requests as plain functions: the state machine and who moves it, the
//! deadlines, preservation, which requests wait for a prosecutor, what a validation does.

use chrono::{DateTime, Duration, Utc};

use super::model::{RequestRow, RequestStatus, RequestType, Urgency};
use super::policy::Requirement;
use crate::access::{Action, Principal};
use crate::domain::{Country, OrgId, OrgKind, Permission};

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

/// Whether `caller` may issue a request of `kind` (the permission of its action).
pub fn may_issue(caller: &crate::access::Principal, kind: RequestType) -> bool {
    match issuing(kind).need() {
        crate::access::Need::Permission(p) => caller.can(p),
        _ => false,
    }
}

/// Who answers a request of `kind`: providers for communications data, banks for accounts,
/// transactions and freezes, either for a preservation.
pub fn addressed_to(kind: RequestType) -> &'static [OrgKind] {
    use RequestType::*;
    match kind {
        SubscriberInfo | TrafficData | ContentData | DomainRegistrationInfo => &[OrgKind::Isp],
        AccountInfo | TransactionHistory | FreezeFunds => &[OrgKind::Bank],
        Preservation => &[OrgKind::Isp, OrgKind::Bank],
    }
}

/// Whether the validator the issuer named (id, kind, country) is the one the requirement asks
/// for: one where validation is needed (of a kind the table allows, of the issuer's country,
/// not the issuer itself), none where it is not. The refusal names the field.
pub fn named_validator(
    requirement: &Requirement,
    issuer: OrgId,
    issuer_country: &Country,
    named: Option<&(OrgId, OrgKind, Country)>,
) -> Result<(), (&'static str, String)> {
    let table = &requirement.table;
    if requirement.conflict {
        return Err((
            "data_categories",
            format!("under the {table} table the rules for these categories ask for validators no single kind satisfies: issue one request per category"),
        ));
    }
    match (requirement.needed(), named) {
        (true, None) => Err((
            "validator_id",
            format!(
                "under the {table} table this request needs a validation by a {}: name it",
                kinds(&requirement.validators)
            ),
        )),
        (true, Some((id, _, _))) if *id == issuer => {
            Err(("validator_id", "an organisation does not validate its own request".into()))
        }
        (true, Some((_, kind, _))) if !requirement.validators.contains(kind) => Err((
            "validator_id",
            format!(
                "under the {table} table a {} validates this request, not a {kind}",
                kinds(&requirement.validators)
            ),
        )),
        (true, Some((_, _, country))) if country != issuer_country => {
            Err(("validator_id", format!("the validator must be of your country ({issuer_country})")))
        }
        (false, Some(_)) => Err(("validator_id", format!("under the {table} table this request needs no validation"))),
        _ => Ok(()),
    }
}

/// `a or b or c`.
pub fn kinds(list: &[OrgKind]) -> String {
    list.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" or ")
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

/// How a new request starts: whether it goes to the addressee now, and by when it must be
/// validated (where the table lets an emergency go out first, within 48 hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub status: RequestStatus,
    pub goes_out: bool,
    pub validation_due_at: Option<DateTime<Utc>>,
}

pub fn start(requirement: &Requirement, urgency: Urgency, now: DateTime<Utc>) -> Start {
    let early = urgency == Urgency::Emergency && requirement.emergency_first;
    let goes_out = !requirement.needed() || early;
    Start {
        status: if goes_out { RequestStatus::Submitted } else { RequestStatus::PendingValidation },
        goes_out,
        validation_due_at: (requirement.needed() && early).then(|| now + Duration::hours(VALIDATION_HOURS)),
    }
}

/// What an organisation is to a request, if anything: the addressee only once the request
/// reached it, the validator only when named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Issuer,
    Addressee,
    Validator { reads_answers: bool },
}

pub fn access(org: OrgId, r: &RequestRow) -> Option<Access> {
    if org == r.issuer_org_id {
        Some(Access::Issuer)
    } else if org == r.addressee_org_id && r.received_at.is_some() {
        Some(Access::Addressee)
    } else if r.validator_org_id == Some(org) {
        Some(Access::Validator { reads_answers: r.validator_reads_answers })
    } else {
        None
    }
}

/// The organisations a request concerns now: the issuer, the validator named, the addressee
/// once the request reached it.
pub fn parties(r: &RequestRow) -> Vec<OrgId> {
    let mut out = vec![r.issuer_org_id];
    out.extend(r.validator_org_id);
    if r.received_at.is_some() {
        out.push(r.addressee_org_id);
    }
    out
}

/// Whether `access` reads the addressee's answers: never once sealed; a validator only where
/// the table lets its kind.
pub fn reads_answers(access: Access, r: &RequestRow) -> bool {
    r.sealed_at.is_none()
        && match access {
            Access::Issuer | Access::Addressee => true,
            Access::Validator { reads_answers } => reads_answers,
        }
}

/// Whom `access` may write to: the issuer to the validator it named and, once the request
/// reached it, to the addressee (the default then); the addressee and the validator to the
/// issuer. Never the addressee before the request reached it.
pub fn may_write_to(access: Access, r: &RequestRow) -> Vec<OrgId> {
    match access {
        Access::Issuer => {
            let mut out: Vec<OrgId> = r.received_at.map(|_| r.addressee_org_id).into_iter().collect();
            out.extend(r.validator_org_id);
            out
        }
        Access::Addressee | Access::Validator { .. } => vec![r.issuer_org_id],
    }
}

/// The recipient of a message of `access`: the one asked for if it may write to it, else its
/// first choice.
pub fn message_to(access: Access, r: &RequestRow, wanted: Option<OrgId>) -> Option<OrgId> {
    let reachable = may_write_to(access, r);
    match wanted {
        Some(w) => reachable.contains(&w).then_some(w),
        None => reachable.first().copied(),
    }
}

/// Whether the request waits for its validator's decision: pending, or an emergency that
/// went out first (the decision may come in any state, even after it was answered).
pub fn awaits_validation(r: &RequestRow) -> bool {
    r.validated_at.is_none()
        && (r.status == RequestStatus::PendingValidation || (r.validation_due_at.is_some() && r.received_at.is_some()))
}

/// What a validator's decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    /// The new status (`None`: unchanged).
    pub status: Option<RequestStatus>,
    /// The request now reaches the addressee.
    pub reaches: bool,
    /// The answers are sealed and the addressee told to delete or restrict what it produced.
    pub seals: bool,
}

/// Approving a pending request sends it; refusing it stops it. Refusing one that went out
/// first withdraws it if still open and, in any state, seals its answers.
pub fn validated(from: RequestStatus, out: bool, approve: bool) -> Validated {
    match (approve, out) {
        (true, false) => Validated { status: Some(RequestStatus::Submitted), reaches: true, seals: false },
        (true, true) => Validated { status: None, reaches: false, seals: false },
        (false, false) => Validated { status: Some(RequestStatus::ValidationRejected), reaches: false, seals: false },
        (false, true) => {
            Validated { status: from.is_open().then_some(RequestStatus::Withdrawn), reaches: false, seals: true }
        }
    }
}

/// Whether the addressee may respond in this state.
pub fn takes_response(status: RequestStatus) -> bool {
    matches!(status, RequestStatus::Acknowledged | RequestStatus::InProgress)
}

/// Whether the addressee declared it cannot answer `kind`.
pub fn declared_unsupported(catalogue: Option<&serde_json::Value>, kind: RequestType) -> bool {
    catalogue
        .and_then(|c| c["request_types"].as_array())
        .is_some_and(|types| types.iter().any(|t| t["type"] == kind.as_str() && t["supported"] == false))
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

    fn requirement(validators: Vec<crate::domain::OrgKind>, emergency_first: bool) -> Requirement {
        Requirement { table: "t".into(), validators, emergency_first, read_answers: vec![], conflict: false }
    }

    #[test]
    fn a_request_waits_for_its_validator_unless_the_table_lets_an_emergency_go_first() {
        use crate::domain::OrgKind::*;
        let now = Utc::now();
        let none = start(&requirement(vec![], true), Urgency::Emergency, now);
        assert_eq!((none.status, none.goes_out, none.validation_due_at), (Submitted, true, None));
        let routine = start(&requirement(vec![Prosecution], true), Urgency::Routine, now);
        assert_eq!((routine.status, routine.goes_out, routine.validation_due_at), (PendingValidation, false, None));
        let emergency = start(&requirement(vec![Prosecution], true), Urgency::Emergency, now);
        assert_eq!((emergency.status, emergency.goes_out), (Submitted, true));
        assert_eq!(emergency.validation_due_at, Some(now + Duration::hours(48)));
        let judge_first = start(&requirement(vec![Court], false), Urgency::Emergency, now);
        assert_eq!((judge_first.status, judge_first.goes_out), (PendingValidation, false), "art. 4(5): content waits");
    }

    #[test]
    fn a_validation_sends_stops_or_seals() {
        let v = |status, reaches, seals| Validated { status, reaches, seals };
        assert_eq!(validated(PendingValidation, false, true), v(Some(Submitted), true, false));
        assert_eq!(validated(InProgress, true, true), v(None, false, false));
        assert_eq!(validated(PendingValidation, false, false), v(Some(ValidationRejected), false, false));
        assert_eq!(validated(Acknowledged, true, false), v(Some(Withdrawn), false, true));
        assert_eq!(validated(Fulfilled, true, false), v(None, false, true), "after the answer: sealed, not reopened");
    }

    fn row(received: bool, validator: Option<OrgId>, reads: bool, sealed: bool) -> RequestRow {
        let now = Utc::now();
        RequestRow {
            id: crate::domain::RequestId::new(),
            reference: "REQ-1".into(),
            type_: RequestType::TrafficData,
            issuer_org_id: ISSUER,
            issuer_actor_id: None,
            addressee_org_id: ADDRESSEE,
            case_reference: "C".into(),
            legal_provision: "P".into(),
            legal_text: None,
            data_categories: vec![],
            urgency: Urgency::Routine,
            justification: None,
            identifiers: serde_json::json!([]),
            period_from: None,
            period_to: None,
            report_ids: vec![],
            no_customer_notification_until: None,
            status: if received { Submitted } else { PendingValidation },
            requested_deadline: None,
            received_at: received.then_some(now),
            deadline: None,
            acknowledged_at: None,
            preservation_until: None,
            validation_due_at: None,
            validated_at: None,
            validated_by_org_id: None,
            notices_sent: vec![],
            version: 1,
            created_at: now,
            updated_at: now,
            validator_org_id: validator,
            validation_table: None,
            validator_reads_answers: reads,
            sealed_at: sealed.then_some(now),
            seal_reason: sealed.then(|| "refused".into()),
            issuing_officer: None,
            validating_officer: None,
        }
    }

    const ISSUER: OrgId = OrgId(uuid::Uuid::from_u128(1));
    const ADDRESSEE: OrgId = OrgId(uuid::Uuid::from_u128(2));
    const VALIDATOR: OrgId = OrgId(uuid::Uuid::from_u128(3));
    const OTHER: OrgId = OrgId(uuid::Uuid::from_u128(4));

    /// (received, validator reads answers, sealed) -> for issuer, addressee, validator, other:
    /// (sees it, reads the answers, writes to)
    #[test]
    fn who_sees_what_and_writes_to_whom() {
        type Seen = (bool, bool, Option<OrgId>);
        let table: Vec<((bool, bool, bool), [Seen; 4])> = vec![
            (
                (false, true, false),
                [(true, true, Some(VALIDATOR)), (false, false, None), (true, true, Some(ISSUER)), (false, false, None)],
            ),
            (
                (true, true, false),
                [
                    (true, true, Some(ADDRESSEE)),
                    (true, true, Some(ISSUER)),
                    (true, true, Some(ISSUER)),
                    (false, false, None),
                ],
            ),
            (
                (true, false, false),
                [
                    (true, true, Some(ADDRESSEE)),
                    (true, true, Some(ISSUER)),
                    (true, false, Some(ISSUER)),
                    (false, false, None),
                ],
            ),
            (
                (true, true, true),
                [
                    (true, false, Some(ADDRESSEE)),
                    (true, false, Some(ISSUER)),
                    (true, false, Some(ISSUER)),
                    (false, false, None),
                ],
            ),
        ];
        for ((received, reads, sealed), expected) in table {
            let r = row(received, Some(VALIDATOR), reads, sealed);
            for (org, want) in [ISSUER, ADDRESSEE, VALIDATOR, OTHER].into_iter().zip(expected) {
                let a = access(org, &r);
                let got =
                    (a.is_some(), a.is_some_and(|a| reads_answers(a, &r)), a.and_then(|a| message_to(a, &r, None)));
                assert_eq!(got, want, "received {received}, reads {reads}, sealed {sealed}, org {org}");
            }
            if let Some(Access::Issuer) = access(ISSUER, &r) {
                assert_eq!(
                    message_to(Access::Issuer, &r, Some(VALIDATOR)),
                    Some(VALIDATOR),
                    "the issuer answers its validator"
                );
                let to_addressee = message_to(Access::Issuer, &r, Some(ADDRESSEE));
                assert_eq!(
                    to_addressee,
                    received.then_some(ADDRESSEE),
                    "never the addressee before it has the request"
                );
                assert_eq!(message_to(Access::Issuer, &r, Some(OTHER)), None);
            }
            let mut parties = parties(&r);
            parties.sort();
            let mut want = if received { vec![ISSUER, ADDRESSEE, VALIDATOR] } else { vec![ISSUER, VALIDATOR] };
            want.sort();
            assert_eq!(parties, want);
        }
    }

    #[test]
    fn a_decision_is_awaited_while_pending_or_after_going_out_first() {
        let mut pending = row(false, Some(VALIDATOR), true, false);
        assert!(awaits_validation(&pending));
        pending.validated_at = Some(Utc::now());
        assert!(!awaits_validation(&pending));
        let mut first = row(true, Some(VALIDATOR), true, false);
        assert!(!awaits_validation(&first), "out without an emergency: nothing to decide");
        first.validation_due_at = Some(Utc::now());
        first.status = Fulfilled;
        assert!(awaits_validation(&first), "even after the answer");
    }
}
