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
use crate::users::model::{OfficerAuthorisation, OfficerIdentity};

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

/// The caller as an accredited officer authorised to `what`: a person (an API key issues and
/// validates nothing), recorded as an officer by their org_admin, and authorised. 403 otherwise.
async fn officer(state: &AppState, act: &Grant, what: OfficerAuthorisation) -> ApiResult<OfficerIdentity> {
    let Some(user) = act.user_id() else {
        let why = "data requests are issued and validated by accredited officers, not by API keys";
        return Err(act.refuse(state, "organization", act.org_id, why).await);
    };
    let row = crate::users::store::get(&mut *state.pool.get().await?, user).await?;
    match row.as_ref().map(|u| u.officer_for(what)) {
        Some(Ok(officer)) => Ok(officer),
        Some(Err(why)) => Err(act.refuse(state, "user", user, why).await),
        None => Err(act.refuse(state, "user", user, "unknown user").await),
    }
}
