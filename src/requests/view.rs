//! Rows to API data requests.

use chrono::{DateTime, Utc};

use super::model::*;
use super::{rules, store};
use uuid::Uuid;

use crate::domain::report::Viewer;
use crate::domain::RequestId;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::reports;

/// Requests with their histories (list pages: responses are read with the one request), each
/// naming only the reports `viewer` may see.
pub async fn summaries(conn: &mut Conn, rows: Vec<RequestRow>, viewer: &Viewer) -> ApiResult<Vec<DataRequest>> {
    let ids: Vec<RequestId> = rows.iter().map(|r| r.id).collect();
    let mut history = store::history(conn, &ids).await?;
    let named: Vec<Uuid> = rows.iter().flat_map(|r| r.report_ids.iter().copied()).collect();
    let visible = reports::store::visible_among(conn, viewer, &named).await?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.report_ids.retain(|id| visible.contains(id));
            let mine = history.extract_if(.., |h| h.request_id == r.id).collect();
            DataRequest::from_rows(r, mine)
        })
        .collect())
}

/// A request with its history and, for a reader of the answers (`rules::reads_answers`), its
/// responses, as `viewer` sees it: the reports it names only where `viewer` may see them.
pub async fn full(conn: &mut Conn, mut row: RequestRow, viewer: &Viewer) -> ApiResult<DataRequest> {
    let history = store::history(conn, &[row.id]).await?;
    let reads = rules::access(viewer.org_id, &row).is_some_and(|a| rules::reads_answers(a, &row));
    let responses = if reads { answers(conn, row.id).await? } else { Vec::new() };
    let visible = reports::store::visible_among(conn, viewer, &row.report_ids).await?;
    row.report_ids.retain(|id| visible.contains(id));
    let mut request = DataRequest::from_rows(row, history);
    request.responses = responses;
    Ok(request)
}

/// The addressee's responses to a request, with their attachments.
pub async fn answers(conn: &mut Conn, id: RequestId) -> ApiResult<Vec<Response>> {
    let (responses, mut attachments) = store::responses(conn, id).await?;
    Ok(responses
        .into_iter()
        .map(|r| Response {
            id: r.id,
            created_at: r.created_at,
            records: r.records,
            attachments: attachments
                .extract_if(.., |a| a.response_id == r.id)
                .map(|a| Attachment {
                    id: a.id,
                    filename: a.filename,
                    content_type: a.content_type,
                    size: a.size,
                    sha256: hex::encode(a.sha256),
                })
                .collect(),
        })
        .collect())
}

impl DataRequest {
    pub fn from_rows(r: RequestRow, history: Vec<HistoryRow>) -> Self {
        let now = Utc::now();
        let open = r.status.is_open();
        DataRequest {
            id: r.id,
            reference: r.reference,
            type_: r.type_,
            overdue: open && r.deadline.is_some_and(|d| d < now),
            validation_overdue: r.validated_at.is_none() && r.validation_due_at.is_some_and(|d| d < now),
            status: r.status,
            issuer_id: r.issuer_org_id,
            addressee_id: r.addressee_org_id,
            case_reference: r.case_reference,
            legal_basis: LegalBasis { provision: r.legal_provision, text: r.legal_text },
            data_categories: r.data_categories,
            urgency: r.urgency,
            justification: r.justification,
            identifiers: r.identifiers,
            period: r
                .period_from
                .zip(r.period_to)
                .map(|(f, t)| Period { from: f.fixed_offset(), to: t.fixed_offset() }),
            report_ids: r.report_ids,
            no_customer_notification_until: r.no_customer_notification_until,
            received_at: r.received_at,
            deadline: r.deadline,
            preservation_until: r.preservation_until,
            validator_id: r.validator_org_id,
            validation_table: r.validation_table,
            validation_due_at: r.validation_due_at,
            validated_at: r.validated_at,
            sealed_at: r.sealed_at,
            seal_reason: r.seal_reason,
            issuing_officer: r.issuing_officer.and_then(|v| serde_json::from_value(v).ok()),
            validating_officer: r.validating_officer.and_then(|v| serde_json::from_value(v).ok()),
            history: history
                .into_iter()
                .map(|h| HistoryEntry {
                    from: h.from_status,
                    to: h.to_status,
                    actor_organization_id: h.actor_org_id,
                    actor_id: h.actor_id,
                    reason_code: h.reason_code,
                    note: h.note,
                    at: h.at,
                })
                .collect(),
            responses: Vec::new(),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<SignedRow> for SignedDocument {
    fn from(r: SignedRow) -> Self {
        SignedDocument {
            id: r.id,
            kind: r.kind,
            object_id: r.object_id,
            payload: r.payload,
            jws: r.jws,
            kid: r.kid,
            created_at: r.created_at,
        }
    }
}

/// A message of the thread as the API shows it.
pub fn message(m: MessageRow) -> Message {
    Message {
        id: m.id,
        author_organization_id: m.author_org_id,
        author_id: m.author_id,
        body: m.body,
        created_at: m.created_at,
    }
}

/// The figures of a period from the counted rows.
pub fn statistics(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    scope: crate::statistics::service::ReadScope,
    counts: Vec<store::CountRow>,
    by_addressee: Vec<store::AddresseeRow>,
) -> RequestStatistics {
    let pick = |dim: &str| {
        counts.iter().filter(|c| c.dimension == dim).map(|c| Count { value: c.value.clone(), count: c.count }).collect()
    };
    RequestStatistics {
        from,
        to,
        scope,
        by_type: pick("type"),
        by_status: pick("status"),
        by_urgency: pick("urgency"),
        by_addressee: by_addressee
            .into_iter()
            .map(|r| AddresseeFigures {
                addressee_id: r.addressee_id,
                addressee: r.addressee,
                received: r.received,
                median_seconds_to_acknowledge: r.median_seconds_to_acknowledge,
                p90_seconds_to_acknowledge: r.p90_seconds_to_acknowledge,
                median_seconds_to_fulfil: r.median_seconds_to_fulfil,
                p90_seconds_to_fulfil: r.p90_seconds_to_fulfil,
                share_answered_within_deadline: r.share_answered_within_deadline,
            })
            .collect(),
    }
}
