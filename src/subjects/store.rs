//! The subject access queries: every table that can hold an identifier, without visibility
//! rules (the operator answers for the whole platform).

use diesel::sql_types::{Jsonb, Text};
use diesel_async::RunQueryDsl;

use super::model::{Consultation, SubjectAlert, SubjectReport, SubjectRequest, SubjectWatch};
use crate::domain::IndicatorType;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn reports(c: &mut Conn, t: IndicatorType, value: &str) -> ApiResult<Vec<SubjectReport>> {
    Ok(diesel::sql_query(
        "SELECT r.id, r.reference, r.reporter_org_id AS reporter_id, o.name AS reporter, r.anonymous, r.category, r.title,
                r.description, r.tlp, r.status, r.created_at, r.updated_at, ri.role, ri.confidence, ri.valid_until,
                ri.withdrawn_at, ri.withdrawn_reason
         FROM indicators i
         JOIN report_indicators ri ON ri.indicator_id = i.id
         JOIN reports r ON r.id = ri.report_id
         JOIN organizations o ON o.id = r.reporter_org_id
         WHERE i.type = $1 AND i.value = $2
         ORDER BY r.created_at, r.id",
    )
    .bind::<Text, _>(t)
    .bind::<Text, _>(value)
    .load(c)
    .await?)
}

pub async fn alerts(c: &mut Conn, iban: &str) -> ApiResult<Vec<SubjectAlert>> {
    Ok(diesel::sql_query(
        "SELECT id, trace_id, hop, CASE WHEN beneficiary_iban = $1 THEN 'beneficiary' ELSE 'victim' END AS named_as,
                sender_org_id AS sender_id, receiver_org_id AS receiver_id, amount_minor, currency, executed_at, status,
                created_at, mule_flag_withdrawn_at
         FROM fraud_alerts WHERE beneficiary_iban = $1 OR victim_iban = $1
         ORDER BY created_at, id",
    )
    .bind::<Text, _>(iban)
    .load(c)
    .await?)
}

pub async fn requests(c: &mut Conn, t: IndicatorType, value: &str) -> ApiResult<Vec<SubjectRequest>> {
    let probe = serde_json::json!([{"type": t, "value": value}]);
    Ok(diesel::sql_query(
        "SELECT r.id, r.reference, r.type AS type_, r.issuer_org_id AS issuer_id, r.addressee_org_id AS addressee_id, r.case_reference,
                r.legal_provision, r.status, r.created_at,
                (SELECT count(*) FROM data_request_responses x WHERE x.request_id = r.id) AS responses
         FROM data_requests r WHERE r.identifiers @> $1
         ORDER BY r.created_at, r.id",
    )
    .bind::<Jsonb, _>(probe)
    .load(c)
    .await?)
}

/// Watchlists holding the value, or (for an address) a network that holds it.
pub async fn watchlists(c: &mut Conn, t: IndicatorType, value: &str) -> ApiResult<Vec<SubjectWatch>> {
    const SELECT: &str = "SELECT w.organization_id, w.id AS watchlist_id, w.name AS watchlist, wi.value AS item
         FROM watchlist_items wi JOIN watchlists w ON w.id = wi.watchlist_id";
    let mut out: Vec<SubjectWatch> =
        diesel::sql_query(format!("{SELECT} WHERE wi.type = $1 AND wi.value = $2 AND wi.network IS NULL"))
            .bind::<Text, _>(t)
            .bind::<Text, _>(value)
            .load(c)
            .await?;
    if matches!(t, IndicatorType::Ipv4 | IndicatorType::Ipv6) {
        let inside: Vec<SubjectWatch> = diesel::sql_query(format!(
            "{SELECT} WHERE wi.type = $1 AND wi.network IS NOT NULL AND wi.network >>= $2::inet"
        ))
        .bind::<Text, _>(t)
        .bind::<Text, _>(value)
        .load(c)
        .await?;
        out.extend(inside);
    }
    Ok(out)
}

/// Audit rows about the value: their object (a mule account), or their details naming it
/// (`value`, or `type:value` in a batch; merged rows included), or feed pulls that served a
/// report naming it (`details.reports` holds one of `reports`).
pub async fn consultations(
    c: &mut Conn,
    t: IndicatorType,
    value: &str,
    reports: &[String],
) -> ApiResult<Vec<Consultation>> {
    Ok(diesel::sql_query(
        "SELECT id AS audit_id, at, organization_id, user_id, api_key_id, action, case_reference, purpose
         FROM audit_events
         WHERE action <> 'subject_access.export'
           AND (object_id = $1
                OR jsonb_path_exists(details, 'strict $.** ? (@ == $a || @ == $b)', jsonb_build_object('a', $1::text, 'b', $2::text))
                OR (action = 'taxii.read' AND (details -> 'reports') ?| $3))
         ORDER BY id DESC LIMIT 10000",
    )
    .bind::<Text, _>(value)
    .bind::<Text, _>(format!("{t}:{value}"))
    .bind::<diesel::sql_types::Array<Text>, _>(reports)
    .load(c)
    .await?)
}
