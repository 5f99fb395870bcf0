//! Data request handlers: the providers' capability catalogue, requests, their workflow
//! (transitions, validation, extension) and messages.

mod capabilities;
mod messages;
mod requests;
mod responses;
mod statistics;
mod workflow;

pub use capabilities::*;
pub use messages::*;
pub use requests::*;
pub use responses::*;
pub use statistics::*;
pub use workflow::*;

use uuid::Uuid;

use super::model::{Attachment, DataRequest, RequestRow, Response};
use super::store::{self, RequestViewer};
use crate::audit;
use crate::auth::Principal;
use crate::db::Conn;
use crate::domain::OrgKind;
use crate::error::ApiResult;
use crate::AppState;

fn viewer(p: &Principal) -> RequestViewer {
    RequestViewer { org_id: p.org_id, prosecution: p.org_kind == OrgKind::Prosecution }
}

/// A request the caller may see, or 404 (recorded).
async fn visible(
    state: &AppState,
    conn: &mut Conn,
    principal: &Principal,
    id: Uuid,
    action: &'static str,
) -> ApiResult<RequestRow> {
    match store::get_visible(conn, &viewer(principal), id).await? {
        Some(r) => Ok(r),
        None => Err(audit::not_visible(state, principal, action, "data_request", id).await),
    }
}

async fn full(conn: &mut Conn, row: RequestRow) -> ApiResult<DataRequest> {
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
