//! Optimistic concurrency, one rule for every versioned resource: every answer carries the
//! resource's `ETag`; every PATCH requires `If-Match` (428 without, 412 when stale);
//! state-changing POSTs (transitions, validation, outcomes) accept it and answer 412 when it
//! is stale, but do not require it (their state machine refuses a move that no longer applies).

use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};

use crate::kernel::error::{ApiError, ApiResult};

/// The `ETag` of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version a request's `If-Match` names: `None` when absent or `*`.
#[derive(Clone, Copy, Debug, Default)]
pub struct IfMatch(pub Option<i32>);

impl IfMatch {
    fn parse(req: &HttpRequest) -> ApiResult<Self> {
        let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        text.trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(|v| IfMatch(Some(v)))
            .map_err(|_| ApiError::BadRequest("If-Match must be an ETag returned by this API".into()))
    }

    /// For PATCH: the header must be there (428 without).
    pub fn required(self) -> ApiResult<IfMatch> {
        match self.0 {
            Some(_) => Ok(self),
            None => Err(ApiError::PreconditionRequired),
        }
    }

    /// 412 when a version was named and `current` is another one.
    pub fn check(self, current: i32) -> ApiResult<()> {
        match self.0 {
            Some(v) if v != current => Err(ApiError::PreconditionFailed(format!(
                "the resource changed: you sent version {v}, the current version is {current}; re-read it and retry"
            ))),
            _ => Ok(()),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(IfMatch::parse(req))
    }
}

/// A JSON answer with the resource's `ETag`.
pub fn with_etag<T: serde::Serialize>(status: StatusCode, version: i32, body: &T) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag(version))).json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_required_on_patch_and_checked_everywhere() {
        assert!(matches!(IfMatch(None).required(), Err(ApiError::PreconditionRequired)));
        assert!(IfMatch(None).check(7).is_ok(), "absent: nothing to compare");
        assert!(IfMatch(Some(7)).required().unwrap().check(7).is_ok());
        assert!(matches!(IfMatch(Some(6)).check(7), Err(ApiError::PreconditionFailed(_))));
    }
}
