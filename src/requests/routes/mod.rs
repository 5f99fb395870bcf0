//! Data request handlers: the providers' capability catalogue, requests, their workflow
//! (transitions, validation, extension) and messages.

mod capabilities;
mod messages;
mod requests;
mod workflow;

pub use capabilities::*;
pub use messages::*;
pub use requests::*;
pub use workflow::*;

use uuid::Uuid;

use super::model::{DataRequest, RequestRow};
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
    Ok(DataRequest::from_rows(row, history))
}
