//! Request statistics.

use actix_web::{get, web};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{Action, Principal};
use crate::domain::{OrgId, Permission};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::responses::{Common, Denied};
use crate::kernel::AppState;
use crate::requests::store;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestStatsQuery {
    /// Start of the period (default: 30 days ago).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<FixedOffset>>,
    /// End of the period (default: now).
    #[serde(default, deserialize_with = "crate::domain::instant::fixed")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<FixedOffset>>,
}

/// A count of requests with one value of a dimension.
#[derive(Serialize, ToSchema)]
pub struct Count {
    pub value: String,
    pub count: i64,
}

/// Figures of one addressee.
#[derive(Serialize, ToSchema)]
pub struct AddresseeFigures {
    pub addressee_id: OrgId,
    pub addressee: String,
    pub received: i64,
    pub median_seconds_to_acknowledge: Option<f64>,
    pub p90_seconds_to_acknowledge: Option<f64>,
    pub median_seconds_to_fulfil: Option<f64>,
    pub p90_seconds_to_fulfil: Option<f64>,
    /// Of the requests answered (fulfilled, partly, rejected), the share answered in time.
    pub share_answered_within_deadline: Option<f64>,
}

/// `GET /statistics/requests`.
#[derive(Serialize, ToSchema)]
pub struct RequestStatistics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub by_type: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_urgency: Vec<Count>,
    pub by_addressee: Vec<AddresseeFigures>,
}

/// Counts by type, status and urgency; times to acknowledge and to fulfil; share answered
/// within the deadline, per addressee. Regulators and platform admins see all requests; any
/// other organisation the requests it issued or received.
#[utoipa::path(
    tag = "requests",
    params(RequestStatsQuery),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
    responses((status = 200, description = "the figures", body = RequestStatistics), Common, Denied)
)]
#[get("/statistics/requests")]
pub async fn get_request_statistics(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<RequestStatsQuery>,
) -> ApiResult<web::Json<RequestStatistics>> {
    let act = principal.authorize(&state, Action::ReadRequestStatistics).await?;
    let all = act.is_platform_admin() || act.is_regulator_user();
    if !all {
        act.require(&state, Permission::ReadRequests).await?;
    }
    let to = q.to.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let from = q.from.map_or(to - Duration::days(30), |t| t.with_timezone(&Utc));
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    let only = (!all).then_some(act.org_id);
    let (counts, by_addressee) = state
        .read_long(ReadAfter::default(), async |conn| {
            Ok((store::counts(conn, from, to, only).await?, store::by_addressee(conn, from, to, only).await?))
        })
        .await?;
    Ok(web::Json(RequestStatistics::from_rows(from, to, counts, by_addressee)))
}

impl RequestStatistics {
    fn from_rows(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        counts: Vec<store::CountRow>,
        by_addressee: Vec<store::AddresseeRow>,
    ) -> Self {
        let pick = |dim: &str| {
            counts
                .iter()
                .filter(|c| c.dimension == dim)
                .map(|c| Count { value: c.value.clone(), count: c.count })
                .collect()
        };
        RequestStatistics {
            from,
            to,
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
}
