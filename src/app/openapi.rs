//! The hand-written part of the OpenAPI document: info, tags and shared components.
//! Paths come from the handlers' `#[utoipa::path]` annotations.

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use crate::access::Action;
use crate::domain::Scope;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cyberbridge",
        description = "Cybercrime and online-fraud information sharing between law enforcement, prosecutors, \
FIUs, ISPs and banks: reports and indicators, screening look-ups, data requests, fraud alerts and proceeds tracing. \
Errors are RFC 9457 `application/problem+json`.",
    ),
    servers((url = "/", description = "The server this document was read from")),
    components(schemas(
        crate::kernel::error::Problem,
        crate::domain::FieldError,
        // Enums named only by query parameters, whose schemas utoipa does not collect.
        crate::alerts::model::AlertBox,
        crate::alerts::model::GraphFormat,
        crate::requests::model::RequestBox,
        crate::domain::PurposeReason,
        crate::statistics::service::TableScope,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health, readiness and metrics"),
        (name = "statistics", description = "Published trend tables over closed periods, held to a disclosure floor"),
        (name = "auth", description = "Login (with a second factor), token refresh, logout, sessions, who am I"),
        (name = "organizations", description = "The directory of participating organisations"),
        (name = "users", description = "People of an organisation"),
        (name = "api-keys", description = "Credentials of machine clients"),
        (name = "approvals", description = "Changes that grant powers, waiting for a second platform admin"),
        (name = "reports", description = "Cybercrime and fraud reports under TLP 2.0"),
        (name = "indicators", description = "Screening look-ups and correlation of observables"),
        (name = "screening", description = "Private screening: IBANs and phone numbers screened without revealing them (RFC 9497 VOPRF)"),
        (name = "watchlists", description = "Values your organisation wants to hear about"),
        (name = "events", description = "Your organisation's event feed (outbox), with long-poll"),
        (name = "webhooks", description = "Signed HTTPS deliveries of your events (Standard Webhooks)"),
        (name = "requests", description = "Data, preservation and freeze requests to ISPs and banks"),
        (name = "fraud-alerts", description = "Bank-to-bank fraud alerts, outcomes, traces of the proceeds, mule accounts, statistics"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "stix-taxii", description = "STIX 2.1 exports of reports, the platform's STIX extensions"),
        (name = "data-protection", description = "Legal holds, mule-flag contests, subject access"),
    ),
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.extend(crate::kernel::http::responses::components());
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/login (15 minutes)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`ApiKey cbk_...`: a key from POST /api/v1/api-keys, for machine clients",
            ))),
        );
    }
}

/// The actions each authenticated operation authorizes (`principal.authorize(.., Action::X)` in
/// its handler; a test reads the handlers and fails when this differs). Its security
/// requirements are generated from them: a bearer token always, an API key with the scopes the
/// action table asks (`Action::key_scopes`), or none when it is for people only.
pub const OPERATIONS: &[(&str, &[Action])] = {
    use Action::*;
    &[
        ("answer_mule_contest", &[AnswerMuleContest]),
        ("approve", &[DecideApproval]),
        ("change_password", &[ChangePassword]),
        ("confirm_second_factor", &[ConfirmSecondFactor]),
        ("contest_mule_flag", &[ContestMuleFlag]),
        ("correct_indicator", &[CorrectIndicator]),
        ("create_api_key", &[CreateApiKey]),
        ("create_fraud_alert", &[CreateAlert]),
        ("create_fraud_alert_outcome", &[RecordOutcome]),
        ("create_legal_hold", &[CreateLegalHold]),
        ("create_organization", &[CreateOrganization]),
        ("create_report", &[CreateReport]),
        ("create_request", &[CreateDataRequest, CreateFreezeRequest]),
        ("create_request_message", &[PostRequestMessage]),
        ("create_request_response", &[RespondToRequest]),
        ("create_sighting", &[RecordSighting]),
        ("get_private_screening_config", &[ReadPrivateScreeningConfig]),
        ("get_private_tags", &[SyncPrivateTags]),
        ("evaluate_private", &[EvaluatePrivately]),
        ("create_user", &[CreateUser]),
        ("create_watchlist", &[CreateWatchlist]),
        ("create_webhook", &[CreateWebhook]),
        ("delete_watchlist", &[DeleteWatchlist]),
        ("delete_webhook", &[DeleteWebhook]),
        ("end_session", &[EndSession]),
        ("enrol_second_factor", &[EnrolSecondFactor]),
        ("export_reports", &[ExportReports]),
        ("export_reports_stix", &[ExportReports]),
        ("export_subject", &[ExportSubject]),
        ("extend_request", &[ExtendRequest]),
        ("get_approval", &[ListApprovals]),
        ("get_audit_head", &[ReadAuditHead]),
        ("get_capabilities", &[ReadCapabilities]),
        ("get_consultation_statistics", &[ReadConsultationStatistics]),
        ("get_fraud_alert", &[ReadAlert]),
        ("get_fraud_trace", &[ReadTrace]),
        ("get_fraud_trace_graph", &[ReadTrace]),
        ("get_me", &[ReadMe]),
        ("get_mule_account", &[ListMuleAccounts]),
        ("get_organization", &[ReadOrganizations]),
        ("get_proceeds_statistics", &[ReadProceedsStatistics]),
        ("get_statistics_table", &[ReadStatisticsTables]),
        ("get_report", &[ReadReport]),
        ("get_report_stix", &[ReadReport]),
        ("get_request", &[ReadRequest]),
        ("get_request_attachment", &[DownloadAttachment]),
        ("get_request_statistics", &[ReadRequestStatistics]),
        ("get_user", &[ReadUser]),
        ("get_watchlist", &[ReadWatchlist]),
        ("get_webhook", &[ListWebhooks]),
        ("lift_legal_hold", &[LiftLegalHold]),
        ("list_api_keys", &[ListApiKeys]),
        ("list_approvals", &[ListApprovals]),
        ("list_audit", &[ReadAudit]),
        ("list_events", &[ReadEvents]),
        ("list_fraud_alerts", &[ListAlerts]),
        ("list_indicator_reports", &[CorrelateIndicator]),
        ("list_legal_holds", &[ListLegalHolds]),
        ("list_mule_accounts", &[ListMuleAccounts]),
        ("list_organizations", &[ReadOrganizations]),
        ("list_reports", &[QueryReports]),
        ("list_statistics_tables", &[ReadStatisticsTables]),
        ("list_request_messages", &[ListRequestMessages]),
        ("list_request_responses", &[ReadRequest]),
        ("list_requests", &[ListRequests]),
        ("list_sessions", &[ListSessions]),
        ("list_signed_documents", &[ReadRequest]),
        ("list_users", &[ListUsers]),
        ("list_watchlists", &[ListWatchlists]),
        ("list_webhook_deliveries", &[ListWebhookDeliveries]),
        ("list_webhooks", &[ListWebhooks]),
        ("logout", &[Logout]),
        ("lookup_indicator", &[LookupIndicators]),
        ("lookup_indicators", &[LookupIndicators]),
        ("put_capabilities", &[UpdateCapabilities]),
        ("reject", &[DecideApproval]),
        ("renew_recovery_codes", &[RenewRecoveryCodes]),
        ("reset_second_factor", &[ResetSecondFactor]),
        ("revoke_api_key", &[RevokeApiKey]),
        ("send_enrolment_link", &[SendEnrolmentLink]),
        ("test_webhook", &[TestWebhook]),
        ("transition_request", &[TransitionRequest]),
        ("update_organization", &[UpdateOrganization]),
        ("update_report", &[UpdateReport]),
        ("update_user", &[UpdateUser]),
        ("update_preferences", &[UpdatePreferences]),
        ("update_watchlist", &[UpdateWatchlist]),
        ("update_webhook", &[UpdateWebhook]),
        ("validate_request", &[ValidateRequest]),
        ("verify_audit", &[VerifyAudit]),
        ("withdraw_indicator", &[WithdrawIndicator]),
    ]
};

/// The security requirements of an operation that authorizes `actions`.
fn requirements(actions: &[Action]) -> Vec<SecurityRequirement> {
    let mut out = vec![SecurityRequirement::new::<_, _, &str>("bearer", [])];
    let scopes: Option<Vec<Scope>> = actions.iter().map(|a| a.key_scopes()).try_fold(Vec::new(), |mut all, s| {
        all.extend(s?);
        Some(all)
    });
    if let Some(mut scopes) = scopes {
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        out.push(SecurityRequirement::new("api_key", scopes.iter().map(|s| s.as_str())));
    }
    out
}

/// What is done to the document once every path is in: operations marked `security(())`
/// (health, readiness, metrics, login, refresh) are public, written as an empty requirement
/// list, which says so explicitly; the others' requirements come from `OPERATIONS`.
pub fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let public = |security: &[utoipa::openapi::security::SecurityRequirement]| {
        security.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    };
    for item in openapi.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            if op.security.as_deref().is_some_and(public) {
                op.security = Some(Vec::new());
            } else if let Some((_, actions)) = OPERATIONS.iter().find(|(id, _)| op.operation_id.as_deref() == Some(*id))
            {
                op.security = Some(requirements(actions));
            }
        }
    }
    openapi
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
