// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        organization_id -> Uuid,
        created_by -> Nullable<Uuid>,
        name -> Text,
        prefix -> Text,
        key_hash -> Bytea,
        scopes -> Array<Text>,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        allowed_networks -> Array<Text>,
        client_cert_sha256 -> Nullable<Text>,
        standing_case_reference -> Nullable<Text>,
        standing_purpose_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    approvals (id) {
        id -> Uuid,
        action -> Text,
        target_id -> Nullable<Uuid>,
        payload -> Jsonb,
        requested_by -> Uuid,
        requested_at -> Timestamptz,
        expires_at -> Timestamptz,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        reason -> Nullable<Text>,
        result_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    attachment_chunks (attachment_id, seq) {
        attachment_id -> Uuid,
        seq -> Int4,
        data -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_anchors (id) {
        id -> Int8,
        hash -> Bytea,
        purged_before -> Timestamptz,
        rows_purged -> Int8,
        purged_at -> Timestamptz,
    }
}

diesel::table! {
    audit_checkpoints (id) {
        id -> Int8,
        hash -> Bytea,
        verified_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Uuid>,
        api_key_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        action -> Text,
        object_type -> Nullable<Text>,
        object_id -> Nullable<Text>,
        outcome -> Text,
        client_addr -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Jsonb,
        hash -> Nullable<Bytea>,
        case_reference -> Nullable<Text>,
        purpose -> Nullable<Text>,
    }
}

diesel::table! {
    audit_retention (id) {
        id -> Bool,
        min_days -> Nullable<Int4>,
    }
}

diesel::table! {
    bank_identifiers (id) {
        id -> Uuid,
        organization_id -> Uuid,
        bic -> Nullable<Text>,
        country -> Text,
        bank_code -> Nullable<Text>,
    }
}

diesel::table! {
    capabilities (organization_id) {
        organization_id -> Uuid,
        catalogue -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    data_request_attachments (id) {
        id -> Uuid,
        response_id -> Uuid,
        request_id -> Uuid,
        filename -> Text,
        content_type -> Text,
        size -> Int8,
        sha256 -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    data_request_history (id) {
        id -> Int8,
        request_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_org_id -> Uuid,
        actor_id -> Nullable<Uuid>,
        reason_code -> Nullable<Text>,
        note -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::table! {
    data_request_messages (id) {
        id -> Uuid,
        request_id -> Uuid,
        author_org_id -> Uuid,
        author_id -> Nullable<Uuid>,
        body -> Text,
        created_at -> Timestamptz,
        recipient_org_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    data_request_responses (id) {
        id -> Uuid,
        request_id -> Uuid,
        records -> Jsonb,
        author_org_id -> Uuid,
        author_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    data_requests (id) {
        id -> Uuid,
        reference -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        issuer_org_id -> Uuid,
        issuer_actor_id -> Nullable<Uuid>,
        addressee_org_id -> Uuid,
        case_reference -> Text,
        legal_provision -> Text,
        legal_text -> Nullable<Text>,
        data_categories -> Array<Text>,
        urgency -> Text,
        justification -> Nullable<Text>,
        identifiers -> Jsonb,
        period_from -> Nullable<Timestamptz>,
        period_to -> Nullable<Timestamptz>,
        report_ids -> Array<Uuid>,
        no_customer_notification_until -> Nullable<Date>,
        status -> Text,
        requested_deadline -> Nullable<Timestamptz>,
        received_at -> Nullable<Timestamptz>,
        deadline -> Nullable<Timestamptz>,
        acknowledged_at -> Nullable<Timestamptz>,
        preservation_until -> Nullable<Timestamptz>,
        validation_due_at -> Nullable<Timestamptz>,
        validated_at -> Nullable<Timestamptz>,
        validated_by_org_id -> Nullable<Uuid>,
        notices_sent -> Array<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        validator_org_id -> Nullable<Uuid>,
        validation_table -> Nullable<Text>,
        validator_reads_answers -> Bool,
        sealed_at -> Nullable<Timestamptz>,
        seal_reason -> Nullable<Text>,
        issuing_officer -> Nullable<Jsonb>,
        validating_officer -> Nullable<Jsonb>,
    }
}

diesel::table! {
    enrolments (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        purpose -> Text,
        created_by -> Nullable<Uuid>,
        approval_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        redeemed_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    fraud_alert_outcomes (id) {
        id -> Uuid,
        alert_id -> Uuid,
        outcome -> Text,
        amount_minor -> Nullable<Int8>,
        reason -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    fraud_alerts (id) {
        id -> Uuid,
        trace_id -> Uuid,
        parent_alert_id -> Nullable<Uuid>,
        hop -> Int4,
        sender_org_id -> Uuid,
        receiver_org_id -> Nullable<Uuid>,
        status -> Text,
        victim_iban -> Nullable<Text>,
        beneficiary_iban -> Nullable<Text>,
        beneficiary_account -> Nullable<Text>,
        beneficiary_bic -> Nullable<Text>,
        beneficiary_name -> Nullable<Text>,
        amount_minor -> Int8,
        currency -> Text,
        executed_at -> Timestamptz,
        payment_reference -> Nullable<Text>,
        category -> Text,
        bank_case_reference -> Nullable<Text>,
        report_id -> Nullable<Uuid>,
        description -> Nullable<Text>,
        first_outcome_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        version -> Int4,
        mule_flag_withdrawn_at -> Nullable<Timestamptz>,
        uetr -> Nullable<Text>,
        end_to_end_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (organization_id, scope, key) {
        organization_id -> Uuid,
        key -> Text,
        scope -> Text,
        request_hash -> Bytea,
        status -> Int4,
        body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    indicators (id) {
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        value -> Text,
        first_seen -> Timestamptz,
        last_seen -> Timestamptz,
        report_count -> Int4,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> Uuid,
        object_type -> Text,
        object_id -> Uuid,
        organization_id -> Uuid,
        case_reference -> Text,
        reason -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        lifted_at -> Nullable<Timestamptz>,
        lifted_by -> Nullable<Uuid>,
        lift_reason -> Nullable<Text>,
    }
}

diesel::table! {
    login_addresses (email, address) {
        email -> Text,
        address -> Text,
        last_success_at -> Timestamptz,
    }
}

diesel::table! {
    login_challenges (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        expires_at -> Timestamptz,
        attempts -> Int4,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_guard (email, scope) {
        email -> Text,
        scope -> Text,
        window_start -> Timestamptz,
        attempts -> Int4,
    }
}

diesel::table! {
    mule_contest_answers (contest_id, organization_id) {
        contest_id -> Uuid,
        organization_id -> Uuid,
        decision -> Nullable<Text>,
        reason -> Nullable<Text>,
        answered_by -> Nullable<Uuid>,
        answered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mule_contests (id) {
        id -> Uuid,
        iban -> Text,
        holder_org_id -> Uuid,
        reason -> Text,
        status -> Text,
        deadline -> Timestamptz,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notices (id) {
        id -> Uuid,
        user_id -> Uuid,
        event_id -> Uuid,
        kind -> Text,
        reference -> Nullable<Text>,
        request_id -> Nullable<Uuid>,
        deadline -> Nullable<Timestamptz>,
        always -> Bool,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        alert_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        country -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Int8,
        event_id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        recipient_org_id -> Uuid,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    private_screening_dirty (indicator_id) {
        indicator_id -> Uuid,
    }
}

diesel::table! {
    private_screening_filled (organization_id) {
        organization_id -> Uuid,
        version -> Int8,
        size -> Int8,
    }
}

diesel::table! {
    private_screening_keys (key_id) {
        key_id -> Text,
        public_key -> Bytea,
        complete -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    private_screening_members (organization_id, indicator_id) {
        organization_id -> Uuid,
        indicator_id -> Uuid,
        added -> Int8,
        removed -> Nullable<Int8>,
    }
}

diesel::table! {
    private_screening_snapshots (organization_id, key_id) {
        organization_id -> Uuid,
        key_id -> Text,
        version -> Int8,
        size -> Int8,
        tags -> Bytea,
        built_at -> Timestamptz,
    }
}

diesel::table! {
    private_screening_state (id) {
        id -> Bool,
        version -> Int8,
        expired_through -> Timestamptz,
    }
}

diesel::table! {
    private_screening_tags (key_id, indicator_id) {
        key_id -> Text,
        indicator_id -> Uuid,
        tag -> Bytea,
    }
}

diesel::table! {
    private_screening_usage (organization_id, day) {
        organization_id -> Uuid,
        day -> Date,
        evaluated -> Int8,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_indicators (indicator_id, report_id) {
        indicator_id -> Uuid,
        report_id -> Uuid,
        role -> Nullable<Text>,
        confidence -> Int2,
        valid_until -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Uuid>,
        corrected_to -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    reports (id) {
        id -> Uuid,
        reference -> Text,
        reporter_org_id -> Uuid,
        reporter_user_id -> Nullable<Uuid>,
        reporter_api_key_id -> Nullable<Uuid>,
        category -> Text,
        title -> Text,
        description -> Text,
        status -> Text,
        tlp -> Text,
        shared_with -> Array<Uuid>,
        anonymous -> Bool,
        first_seen -> Nullable<Timestamptz>,
        last_seen -> Nullable<Timestamptz>,
        country -> Nullable<Text>,
        loss_amount_minor -> Nullable<Int8>,
        loss_currency -> Nullable<Text>,
        victim_count -> Nullable<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search -> Nullable<Tsvector>,
    }
}

diesel::table! {
    revoked_access_tokens (jti) {
        jti -> Uuid,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    second_factors (user_id) {
        user_id -> Uuid,
        secret -> Text,
        confirmed_at -> Nullable<Timestamptz>,
        last_step -> Int8,
        created_at -> Timestamptz,
        code_tries -> Int4,
        code_tries_since -> Nullable<Timestamptz>,
        session_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        client_addr -> Nullable<Text>,
        second_factor -> Bool,
        ended_at -> Nullable<Timestamptz>,
        ended_reason -> Nullable<Text>,
        console_secret_hash -> Nullable<Bytea>,
        csrf_token -> Nullable<Text>,
        case_reference -> Nullable<Text>,
        case_purpose -> Nullable<Text>,
    }
}

diesel::table! {
    sightings (id) {
        id -> Uuid,
        organization_id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        value -> Text,
        kind -> Text,
        source -> Text,
        count -> Int4,
        first_seen -> Timestamptz,
        last_seen -> Timestamptz,
        note -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    signed_documents (id) {
        id -> Uuid,
        request_id -> Uuid,
        kind -> Text,
        object_id -> Nullable<Uuid>,
        payload -> Text,
        jws -> Text,
        kid -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        public_key -> Bytea,
        first_used_at -> Timestamptz,
    }
}

diesel::table! {
    statistics_tables (name, period, version) {
        name -> Text,
        period -> Text,
        version -> Int4,
        computed_at -> Timestamptz,
        body -> Jsonb,
    }
}

diesel::table! {
    taxii_status (id) {
        id -> Uuid,
        organization_id -> Uuid,
        total_count -> Int4,
        successes -> Jsonb,
        failures -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        organization_id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_login_at -> Nullable<Timestamptz>,
        sessions_valid_after -> Nullable<Timestamptz>,
        password_change_required -> Bool,
        officer_function -> Nullable<Text>,
        officer_registration -> Nullable<Text>,
        may_issue_requests -> Bool,
        may_validate -> Bool,
        locale -> Nullable<Text>,
        notices_opt_out -> Bool,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    watchlist_items (watchlist_id, type_, value) {
        watchlist_id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        value -> Text,
        network -> Nullable<Inet>,
    }
}

diesel::table! {
    watchlists (id) {
        id -> Uuid,
        organization_id -> Uuid,
        name -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        at -> Timestamptz,
        status -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        outbox_id -> Int8,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        organization_id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        secret -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_keys -> organizations (organization_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(bank_identifiers -> organizations (organization_id));
diesel::joinable!(capabilities -> organizations (organization_id));
diesel::joinable!(data_request_attachments -> data_request_responses (response_id));
diesel::joinable!(data_request_attachments -> data_requests (request_id));
diesel::joinable!(data_request_history -> data_requests (request_id));
diesel::joinable!(data_request_messages -> data_requests (request_id));
diesel::joinable!(data_request_messages -> organizations (recipient_org_id));
diesel::joinable!(data_request_responses -> data_requests (request_id));
diesel::joinable!(enrolments -> approvals (approval_id));
diesel::joinable!(fraud_alert_outcomes -> fraud_alerts (alert_id));
diesel::joinable!(fraud_alerts -> reports (report_id));
diesel::joinable!(legal_holds -> organizations (organization_id));
diesel::joinable!(login_challenges -> users (user_id));
diesel::joinable!(mule_contest_answers -> mule_contests (contest_id));
diesel::joinable!(mule_contest_answers -> organizations (organization_id));
diesel::joinable!(mule_contests -> organizations (holder_org_id));
diesel::joinable!(notices -> users (user_id));
diesel::joinable!(outbox_events -> organizations (recipient_org_id));
diesel::joinable!(private_screening_filled -> organizations (organization_id));
diesel::joinable!(private_screening_members -> organizations (organization_id));
diesel::joinable!(private_screening_snapshots -> organizations (organization_id));
diesel::joinable!(private_screening_snapshots -> private_screening_keys (key_id));
diesel::joinable!(private_screening_tags -> private_screening_keys (key_id));
diesel::joinable!(private_screening_usage -> organizations (organization_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(report_indicators -> indicators (indicator_id));
diesel::joinable!(report_indicators -> reports (report_id));
diesel::joinable!(reports -> api_keys (reporter_api_key_id));
diesel::joinable!(reports -> organizations (reporter_org_id));
diesel::joinable!(reports -> users (reporter_user_id));
diesel::joinable!(second_factors -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sightings -> organizations (organization_id));
diesel::joinable!(signed_documents -> data_requests (request_id));
diesel::joinable!(signed_documents -> signing_keys (kid));
diesel::joinable!(taxii_status -> organizations (organization_id));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(watchlist_items -> watchlists (watchlist_id));
diesel::joinable!(watchlists -> organizations (organization_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> outbox_events (outbox_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    app_settings,
    approvals,
    attachment_chunks,
    audit_anchors,
    audit_checkpoints,
    audit_events,
    audit_retention,
    bank_identifiers,
    capabilities,
    data_request_attachments,
    data_request_history,
    data_request_messages,
    data_request_responses,
    data_requests,
    enrolments,
    fraud_alert_outcomes,
    fraud_alerts,
    idempotency_keys,
    indicators,
    legal_holds,
    login_addresses,
    login_challenges,
    login_guard,
    mule_contest_answers,
    mule_contests,
    notices,
    organizations,
    outbox_events,
    private_screening_dirty,
    private_screening_filled,
    private_screening_keys,
    private_screening_members,
    private_screening_snapshots,
    private_screening_state,
    private_screening_tags,
    private_screening_usage,
    recovery_codes,
    refresh_tokens,
    report_indicators,
    reports,
    revoked_access_tokens,
    second_factors,
    sessions,
    sightings,
    signed_documents,
    signing_keys,
    statistics_tables,
    taxii_status,
    users,
    watchlist_items,
    watchlists,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
);
