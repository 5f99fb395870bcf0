//! Data request handlers: the providers' capability catalogue, requests, their workflow
//! (transitions, validation, extension), messages, responses and statistics.

mod capabilities;
mod messages;
mod requests;
mod responses;
mod signatures;
mod statistics;
mod workflow;

pub use capabilities::*;
pub use messages::*;
pub use requests::*;
pub use responses::*;
pub use signatures::*;
pub use statistics::*;
pub use workflow::*;

use super::model::RequestRow;
use super::store::{self, RequestViewer};
use crate::access::Grant;
use crate::domain::RequestId;
use crate::kernel::error::ApiResult;
use crate::kernel::AppState;

fn viewer(act: &Grant) -> RequestViewer {
    RequestViewer { org_id: act.org_id }
}

/// A request the caller may see, or 404 (recorded).
async fn visible(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<RequestRow> {
    match store::get_visible(&mut *state.pool.get().await?, &viewer(act), id).await? {
        Some(r) => Ok(r),
        None => Err(act.hide(state, "data_request", id).await),
    }
}
