//! Rows to API data requests.

use super::model::{Attachment, DataRequest, HistoryRow, RequestRow, Response};
use super::{rules, store};
use crate::domain::{OrgId, RequestId};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// A request with its history (list pages: responses are read with the one request).
pub fn summary(r: RequestRow, history: Vec<HistoryRow>) -> DataRequest {
    DataRequest::from_rows(r, history)
}

/// A request with its history and, for a reader of the answers (`rules::reads_answers`), its
/// responses, as `viewer` sees it.
pub async fn full(conn: &mut Conn, row: RequestRow, viewer: OrgId) -> ApiResult<DataRequest> {
    let history = store::history(conn, &[row.id]).await?;
    let reads = rules::access(viewer, &row).is_some_and(|a| rules::reads_answers(a, &row));
    let responses = if reads { answers(conn, row.id).await? } else { Vec::new() };
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
