//! One table of actions: for every handler, the name its audit rows carry and what the caller
//! needs. `Principal::authorize` is the one way a handler checks it.

use std::ops::Deref;

use serde_json::Value;

use super::Principal;
use crate::domain::Permission::{self, *};
use crate::domain::Scope;
use crate::kernel::audit::{AuditOutcome, Entry};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// What an action asks of the caller, beyond being authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any authenticated caller (object-level rules decide).
    Nothing,
    /// This permission.
    Permission(Permission),
    /// Every one of these permissions.
    All(&'static [Permission]),
    /// A write: every one of these permissions and, for an API key, this scope as well (a key
    /// that may read requests does not move them).
    Write(&'static [Permission], Scope),
}

macro_rules! actions {
    ($($(#[doc = $doc:literal])* $name:ident = $audit:literal, $need:expr;)+) => {
        /// Every action of the API.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[doc = $doc])* $name),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$name),+];

            /// The `action` of its audit rows.
            pub fn audit_name(self) -> &'static str {
                match self { $(Action::$name => $audit),+ }
            }

            /// What the caller needs.
            pub fn need(self) -> Need {
                match self { $(Action::$name => $need),+ }
            }

            /// What a user who must still enrol a second factor may do meanwhile.
            pub fn allowed_before_second_factor(self) -> bool {
                matches!(
                    self,
                    Action::ReadMe
                        | Action::Logout
                        | Action::ChangePassword
                        | Action::EnrolSecondFactor
                        | Action::ConfirmSecondFactor
                        | Action::ListSessions
                        | Action::EndSession
                        | Action::UpdatePreferences
                )
            }
        }
    };
}

/// Watchlists belong to organisations that read reports and events.
const WATCH: &[Permission] = &[ReadReports, ReadEvents];
/// Acting on a request one may read.
const REQUESTS: &[Permission] = &[ReadRequests];
/// Holding objects of one's cases.
const HOLDS: &[Permission] = &[IssueDataRequests];

actions! {
    ReadMe = "auth.me", Need::Nothing;
    Logout = "auth.logout", Need::Nothing;
    /// Starting the enrolment of one's own second factor.
    EnrolSecondFactor = "auth.second_factor_enrol", Need::Nothing;
    /// Confirming it with a first code (recovery codes are handed out).
    ConfirmSecondFactor = "auth.second_factor_confirm", Need::Nothing;
    /// New recovery codes, with a current code.
    RenewRecoveryCodes = "auth.recovery_codes_renew", Need::Nothing;
    /// An org_admin resets a member's second factor (lost device).
    ResetSecondFactor = "user.second_factor_reset", Need::Nothing;
    ListSessions = "auth.sessions_list", Need::Nothing;
    EndSession = "auth.session_end", Need::Nothing;
    /// One's own language and e-mail notices.
    UpdatePreferences = "user.preferences", Need::Nothing;
    CreateOrganization = "organization.create", Need::Permission(ManageOrganizations);
    ListApprovals = "approval.read", Need::Permission(ManageOrganizations);
    DecideApproval = "approval.decide", Need::Permission(ManageOrganizations);
    UpdateOrganization = "organization.update", Need::Permission(ManageOrganizations);
    ReadOrganizations = "organization.read", Need::Nothing;
    CreateUser = "user.create", Need::Nothing;
    ListUsers = "user.list", Need::Nothing;
    ReadUser = "user.read", Need::Nothing;
    UpdateUser = "user.update", Need::Nothing;
    ChangePassword = "user.password", Need::Nothing;
    /// An administrator's password reset: a new enrolment link for someone else.
    SendEnrolmentLink = "user.enrolment_link", Need::Nothing;
    CreateApiKey = "apikey.create", Need::Permission(ManageApiKeys);
    ListApiKeys = "apikey.list", Need::Permission(ManageApiKeys);
    RevokeApiKey = "apikey.revoke", Need::Permission(ManageApiKeys);
    CreateReport = "report.create", Need::Permission(SubmitReports);
    QueryReports = "report.query", Need::Permission(ReadReports);
    ReadReport = "report.read", Need::Permission(ReadReports);
    UpdateReport = "report.update", Need::Permission(SubmitReports);
    /// The reporter withdraws a value of its report.
    WithdrawIndicator = "report.indicator_withdraw", Need::Permission(SubmitReports);
    /// The reporter corrects a value of its report.
    CorrectIndicator = "report.indicator_correct", Need::Permission(SubmitReports);
    ExportReports = "report.export", Need::Permission(ReadReports);
    LookupIndicators = "indicator.lookup", Need::Permission(LookupIndicators);
    CorrelateIndicator = "indicator.correlate", Need::Permission(ReadReports);
    /// An organisation records that it saw a value, or found it a false positive or expired.
    RecordSighting = "indicator.sighting", Need::Permission(LookupIndicators);
    CreateWatchlist = "watchlist.create", Need::Write(WATCH, Scope::WatchlistsWrite);
    ListWatchlists = "watchlist.list", Need::All(WATCH);
    ReadWatchlist = "watchlist.read", Need::All(WATCH);
    UpdateWatchlist = "watchlist.update", Need::Write(WATCH, Scope::WatchlistsWrite);
    DeleteWatchlist = "watchlist.delete", Need::Write(WATCH, Scope::WatchlistsWrite);
    ReadEvents = "event.read", Need::Permission(ReadEvents);
    CreateWebhook = "webhook.create", Need::Permission(ManageWebhooks);
    ListWebhooks = "webhook.list", Need::Permission(ManageWebhooks);
    UpdateWebhook = "webhook.update", Need::Permission(ManageWebhooks);
    DeleteWebhook = "webhook.delete", Need::Permission(ManageWebhooks);
    ListWebhookDeliveries = "webhook.deliveries", Need::Permission(ManageWebhooks);
    TestWebhook = "webhook.test", Need::Permission(ManageWebhooks);
    ReadCapabilities = "capabilities.read", Need::Nothing;
    UpdateCapabilities = "capabilities.update", Need::Nothing;
    /// Issuing a request needs the permission its type needs (data or freeze).
    CreateDataRequest = "request.create", Need::Permission(IssueDataRequests);
    CreateFreezeRequest = "request.create", Need::Permission(IssueFreezeRequests);
    ListRequests = "request.list", Need::Permission(ReadRequests);
    ReadRequest = "request.read", Need::Permission(ReadRequests);
    TransitionRequest = "request.transition", Need::Write(REQUESTS, Scope::RequestsWrite);
    ValidateRequest = "request.validate", Need::Write(REQUESTS, Scope::RequestsWrite);
    ExtendRequest = "request.extend", Need::Write(REQUESTS, Scope::RequestsWrite);
    PostRequestMessage = "request.message", Need::Write(REQUESTS, Scope::RequestsWrite);
    ListRequestMessages = "request.messages", Need::Permission(ReadRequests);
    RespondToRequest = "request.response", Need::Permission(AnswerRequests);
    DownloadAttachment = "request.attachment.download", Need::Permission(ReadRequests);
    ReadRequestStatistics = "statistics.requests", Need::Nothing;
    CreateAlert = "alert.create", Need::Permission(PostAlerts);
    ListAlerts = "alert.list", Need::Permission(ReadAlerts);
    ReadAlert = "alert.read", Need::Permission(ReadAlerts);
    RecordOutcome = "alert.outcome", Need::Permission(PostAlerts);
    ReadTrace = "trace.read", Need::Permission(ReadAlerts);
    ListMuleAccounts = "mule.list", Need::Permission(ReadAlerts);
    /// The bank holding a flagged account contests the flag.
    ContestMuleFlag = "mule.contest", Need::Permission(PostAlerts);
    /// A sending bank confirms or withdraws its part in a contested flag.
    AnswerMuleContest = "mule.contest_answer", Need::Permission(PostAlerts);
    ReadProceedsStatistics = "statistics.proceeds", Need::Nothing;
    /// The published tables, held to the disclosure floor: every member reads them.
    ReadStatisticsTables = "statistics.tables", Need::Nothing;
    ReadAudit = "audit.read", Need::Permission(Permission::ReadAudit);
    VerifyAudit = "audit.verify", Need::Permission(Permission::ReadAudit);
    ReadAuditHead = "audit.head", Need::Permission(Permission::ReadAudit);
    /// Searches per case and purpose: an org_admin's own organisation, regulators all.
    ReadConsultationStatistics = "statistics.consultations", Need::Permission(Permission::ReadAudit);
    /// Law enforcement and prosecution (the kind checked by the handler) hold an object of
    /// their case: those who issue data requests (an API key: `requests:write`).
    CreateLegalHold = "legal_hold.create", Need::Write(HOLDS, Scope::RequestsWrite);
    ListLegalHolds = "legal_hold.list", Need::Nothing;
    LiftLegalHold = "legal_hold.lift", Need::Write(HOLDS, Scope::RequestsWrite);
    /// Reading the TAXII server (what a caller sees is what its report reads see).
    TaxiiRead = "taxii.read", Need::Permission(ReadReports);
    /// The platform operator's export of all held about one identifier (checked by the handler).
    ExportSubject = "subject_access.export", Need::Nothing;
    /// Private screening (banks and ISPs that owe no purpose, checked by the service): its
    /// key and the set's version.
    ReadPrivateScreeningConfig = "screening.private_config", Need::Permission(LookupIndicators);
    /// The caller's tag set, or what changed in it.
    SyncPrivateTags = "screening.private_tags", Need::Permission(LookupIndicators);
    /// Blinded values evaluated (counted, never seen).
    EvaluatePrivately = "screening.private_evaluate", Need::Permission(LookupIndicators);
}

/// What one platform admin, acting alone while the platform has a second, gets from an action
/// aimed at another organisation (its people, its objects, its standing). Every action has a
/// decision here, and a generated test (`tests/api/powers.rs`) sends each one, for every
/// organisation kind, and checks the server keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alone {
    /// Refused: 403, or 404 where the object is not the platform admin's to see.
    Refused,
    /// Filed for a second platform admin (202, an approval).
    FourEyes,
    /// Allowed, for the reason given: it grants no power over another organisation.
    Allowed(&'static str),
}

const OWN_ACCOUNT: Alone = Alone::Allowed("one's own account and sessions");
const READS: Alone = Alone::Allowed("a read: platform-wide reads are for platform admins, audited, granting nothing");
const OWN_ORG: Alone = Alone::Allowed("the platform organisation's own keys, watchlists, feed and webhooks");

impl Action {
    /// This action's decision for a lone platform admin (see `Alone`). No wildcard: a new action
    /// does not compile without one.
    pub fn alone(self) -> Alone {
        use Action::*;
        match self {
            ReadMe | Logout | EnrolSecondFactor | ConfirmSecondFactor | RenewRecoveryCodes | ListSessions
            | EndSession | UpdatePreferences => OWN_ACCOUNT,
            // Another organisation's people: only their own org_admins reset, add, change them.
            ResetSecondFactor | CreateUser | UpdateUser | ChangePassword | SendEnrolmentLink => Alone::Refused,
            // With its first org_admin (or a public-sector kind, a regulator, bank identifiers).
            CreateOrganization => Alone::FourEyes,
            // A move to another country (and a reactivation, bank identifiers).
            UpdateOrganization => Alone::FourEyes,
            // The four-eyes step itself: a platform admin never approves what they filed.
            DecideApproval => Alone::Refused,
            ListApprovals => Alone::Allowed("seeing what waits for a second platform admin"),
            ReadOrganizations | ListUsers | ReadUser => READS,
            // What belongs to an organisation itself: the platform's own is allowed, another's is
            // not even visible.
            CreateApiKey | ListApiKeys | CreateWatchlist | ListWatchlists | ReadEvents | CreateWebhook
            | ListWebhooks => OWN_ORG,
            RevokeApiKey
            | ReadWatchlist
            | UpdateWatchlist
            | DeleteWatchlist
            | UpdateWebhook
            | DeleteWebhook
            | ListWebhookDeliveries
            | TestWebhook => Alone::Refused,
            QueryReports | ReadReport | ExportReports | LookupIndicators | CorrelateIndicator | TaxiiRead => READS,
            ReadCapabilities | ListAlerts | ReadAlert | ReadTrace | ListMuleAccounts | ListLegalHolds => READS,
            ReadRequestStatistics | ReadProceedsStatistics | ReadConsultationStatistics | ReadStatisticsTables => READS,
            ReadAudit | VerifyAudit | ReadAuditHead => READS,
            RecordSighting => {
                Alone::Allowed("an observation of the platform organisation's own, weighed as one organisation")
            }
            ExportSubject => Alone::Allowed("the operator's answer to a data subject: audited, granting nothing"),
            // Banks' and ISPs' own screening: the platform's kind may not.
            ReadPrivateScreeningConfig | SyncPrivateTags | EvaluatePrivately => Alone::Refused,
            // Case work belongs to the organisations concerned.
            CreateReport | UpdateReport | WithdrawIndicator | CorrectIndicator | UpdateCapabilities
            | CreateDataRequest | CreateFreezeRequest | ListRequests | ReadRequest | TransitionRequest
            | ValidateRequest | ExtendRequest | PostRequestMessage | ListRequestMessages | RespondToRequest
            | DownloadAttachment | CreateAlert | RecordOutcome | ContestMuleFlag | AnswerMuleContest
            | CreateLegalHold | LiftLegalHold => Alone::Refused,
        }
    }
}

impl Action {
    /// The scopes an API key needs for this action, from the table above (the OpenAPI
    /// document's `api_key` requirements are generated from it); `None`: people only (the
    /// permission has no scope, or the handler refuses keys: an account, a decision, an order
    /// names a person).
    pub fn key_scopes(self) -> Option<Vec<Scope>> {
        use Action::*;
        let need = match self {
            Logout | EnrolSecondFactor | ConfirmSecondFactor | RenewRecoveryCodes | ResetSecondFactor
            | ListSessions | EndSession | UpdatePreferences | ListApprovals | DecideApproval | CreateUser
            | ListUsers | ReadUser | UpdateUser | ChangePassword | SendEnrolmentLink | ValidateRequest
            | UpdateCapabilities | ExportSubject | CreateDataRequest | CreateFreezeRequest | ExtendRequest => {
                return None
            }
            // Whole-platform figures are a person's (a regulator, a platform admin); a key reads
            // its organisation's with the read scope of what is counted.
            ReadRequestStatistics => Need::Permission(ReadRequests),
            ReadProceedsStatistics => Need::Permission(ReadAlerts),
            other => other.need(),
        };
        let mut scopes = match need {
            Need::Nothing => Vec::new(),
            Need::Permission(p) => vec![p.scope()?],
            Need::All(list) => list.iter().map(|p| p.scope()).collect::<Option<Vec<_>>>()?,
            Need::Write(list, scope) => {
                let mut all = list.iter().map(|p| p.scope()).collect::<Option<Vec<_>>>()?;
                all.push(scope);
                all
            }
        };
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        Some(scopes)
    }
}

/// An authorized call: the caller and the action, which is what its audit rows need.
#[derive(Clone, Debug)]
pub struct Grant {
    principal: Principal,
    action: Action,
    /// The purpose the caller stated for a search; every audit row of the grant carries it.
    purpose: Option<crate::domain::Purpose>,
}

impl Deref for Grant {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl Grant {
    pub(super) fn new(principal: Principal, action: Action) -> Self {
        Grant { principal, action, purpose: None }
    }

    /// The purpose of this search (`purpose`, `case_reference`): required of the organisation
    /// kinds in `CYBERBRIDGE_PURPOSE_REQUIRED` (422 naming the missing field), optional for
    /// others, and stored with every audit row the call writes.
    pub fn for_purpose(mut self, state: &AppState, params: &crate::domain::PurposeParams) -> ApiResult<Grant> {
        self.purpose =
            state.purpose_policy.check(self.principal.org_kind, params).map_err(|e| ApiError::Validation(vec![e]))?;
        Ok(self)
    }

    /// A key's standing purpose (`standing_feed` for `case_reference`) for its TAXII pulls.
    pub fn with_standing_purpose(mut self, case_reference: String) -> Grant {
        self.purpose =
            Some(crate::domain::Purpose { case_reference, reason: crate::domain::PurposeReason::StandingFeed });
        self
    }

    /// Whether the caller's organisation must state a purpose for every search.
    pub fn owes_purpose(&self, state: &AppState) -> bool {
        state.purpose_policy.requires(self.principal.org_kind)
    }

    /// The purpose of a read that always owes one, whoever calls (422 naming the missing field).
    pub fn for_required_purpose(mut self, params: &crate::domain::PurposeParams) -> ApiResult<Grant> {
        let policy = crate::domain::purpose::PurposePolicy::everyone();
        self.purpose = policy.check(self.principal.org_kind, params).map_err(|e| ApiError::Validation(vec![e]))?;
        Ok(self)
    }

    pub fn purpose(&self) -> Option<&crate::domain::Purpose> {
        self.purpose.as_ref()
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// A service function runs only under a grant issued for its own action (one of `actions`):
    /// a grant for one action cannot run another's operation. A mismatch is a programming
    /// error, answered 500 and logged.
    pub fn expect(&self, actions: &[Action]) -> ApiResult<()> {
        if actions.contains(&self.action) {
            Ok(())
        } else {
            Err(ApiError::internal(format!("a grant for {:?} cannot run an operation of {actions:?}", self.action)))
        }
    }

    /// The audit row of this action by this caller.
    pub fn entry(&self) -> Entry {
        Entry::new(self.principal.actor(), self.action.audit_name()).purpose(self.purpose.clone())
    }

    /// An audit row of this caller under another action name (a step of the action).
    pub fn entry_as(&self, action: &'static str) -> Entry {
        Entry::new(self.principal.actor(), action).purpose(self.purpose.clone())
    }

    /// The audit row of this action on one object.
    pub fn on(&self, object_type: &'static str, id: impl ToString) -> Entry {
        self.entry().object(object_type, id)
    }

    /// Queues the audit row of a read (written in batches: reads are high-rate).
    /// Records a read of case data (data requests, their answers and messages) in the audit
    /// trail before the answer goes out: these reads are rare and each is evidence, so they
    /// are not buffered (a crash loses none of them).
    pub async fn record_case_read(
        &self,
        conn: &mut Conn,
        object: (&'static str, String),
        details: Value,
    ) -> ApiResult<()> {
        self.entry().object(object.0, object.1).details(details).write(conn).await
    }

    pub fn record_read(&self, state: &AppState, object: Option<(&'static str, String)>, details: Value) {
        let mut entry = self.entry().details(details);
        if let Some((t, id)) = object {
            entry = entry.object(t, id);
        }
        state.audit.push(entry);
    }

    /// Checks one more permission, where which one applies depends on the caller or the object
    /// (a regulator reads statistics without reading alerts); a refusal is recorded and 403.
    pub async fn require(&self, state: &AppState, permission: Permission) -> Result<(), ApiError> {
        if self.principal.can(permission) {
            return Ok(());
        }
        record_denied(state, self.entry()).await;
        Err(ApiError::Forbidden(format!(
            "your organisation or credential may not {}",
            permission.as_str().replace('_', " ")
        )))
    }

    /// Records that this action on the object was refused (outcome `denied`).
    pub async fn deny(&self, state: &AppState, object_type: &'static str, id: impl ToString) {
        record_denied(state, self.on(object_type, id)).await;
    }

    /// 403: the caller may see the object but not do this to it. Recorded.
    pub async fn refuse(&self, state: &AppState, object_type: &'static str, id: impl ToString, why: &str) -> ApiError {
        self.deny(state, object_type, id).await;
        ApiError::Forbidden(why.to_string())
    }

    /// `error` (a 409, say): the caller may not do this to the object now. Recorded as refused.
    pub async fn refuse_with(
        &self,
        state: &AppState,
        object_type: &'static str,
        id: impl ToString,
        error: ApiError,
    ) -> ApiError {
        self.deny(state, object_type, id).await;
        error
    }

    /// 404: the object does not exist or is not the caller's to see. Recorded.
    pub async fn hide(&self, state: &AppState, object_type: &'static str, id: impl ToString) -> ApiError {
        self.deny(state, object_type, id).await;
        ApiError::NotFound
    }
}

/// Records a refused access in a transaction of its own (the refused request writes nothing).
pub(super) async fn record_denied(state: &AppState, entry: Entry) {
    let result = async {
        let conn = state.pool.get().await?;
        entry.outcome(AuditOutcome::Denied).write(&conn).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not record a denied access");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_audit_name_and_the_names_read_well() {
        for a in Action::ALL {
            let name = a.audit_name();
            assert!(
                name.contains('.') && name.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{name}"
            );
            let same: Vec<_> = Action::ALL.iter().filter(|b| b.audit_name() == name).collect();
            // Issuing a request is one audited action whichever permission its type needs.
            assert!(same.len() == 1 || name == "request.create", "{name} is used by {same:?}");
        }
    }
}
