//! Rows to API data requests.

use super::model::{Attachment, DataRequest, RequestRow, Response};
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
