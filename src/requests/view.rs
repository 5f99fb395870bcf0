//! Rows to API data requests.

use super::model::{Attachment, DataRequest, HistoryRow, RequestRow, Response};
use super::store;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// A request with its history (list pages: responses are read with the one request).
pub fn summary(r: RequestRow, history: Vec<HistoryRow>) -> DataRequest {
    DataRequest::from_rows(r, history)
}

/// A request with its history and responses.
pub async fn full(conn: &mut Conn, row: RequestRow) -> ApiResult<DataRequest> {
    let history = store::history(conn, &[row.id]).await?;
    let (responses, mut attachments) = store::responses(conn, row.id).await?;
    let mut request = DataRequest::from_rows(row, history);
    request.responses = responses
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
        .collect();
    Ok(request)
}
