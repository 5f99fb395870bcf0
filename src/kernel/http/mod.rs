//! HTTP plumbing shared by every route: the request-id and metrics middleware, the extractor
//! error handlers and the fallback service (so that every failure is problem+json), request
//! metadata, ETags and `If-Match`, pagination, idempotent creation, the rate limiter and the
//! error responses every OpenAPI operation shares.

pub mod consistency;
pub mod etag;
pub mod idempotency;
pub mod pagination;
pub mod ratelimit;
pub mod responses;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, ResponseError};
use tracing::Instrument;

use super::error::ApiError;
use super::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request (`X-Request-Id`), in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    ok.then(|| s.to_string())
}

/// Accepts or makes the request id, runs the request inside a span carrying it, echoes it,
/// logs one line per request and records the request's metrics.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %redacted_path(req.path()));
    let (result, written_for) = super::notify::collecting(next.call(req).instrument(span.clone())).await;
    if let Some(state) = &state {
        state.announcer.announce(written_for);
    }
    let mut res = match result {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            // Middleware errors carry their own response; make it problem+json too.
            let api = ApiError::internal(err.to_string());
            return Err(actix_web::error::InternalError::from_response(err, api.error_response()).into());
        }
    };
    if let Some(state) = &state {
        consistency::stamp(state, &mut res).await;
    }
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    let elapsed = start.elapsed();
    if let Some(state) = state {
        state.metrics.observe(&method, &route, status, elapsed);
    }
    span.in_scope(|| tracing::info!(status, route = %route, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "answered"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// The path as logged: an indicator value in it (`/indicators/{type}/{value}/reports`) is
/// personal data (an IBAN, an e-mail address, a phone number) and is replaced by `:value`.
/// Query strings are never logged.
pub fn redacted_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').collect();
    if let Some(i) = segments.iter().position(|s| *s == "indicators") {
        if let Some(value) = segments.get_mut(i + 2) {
            *value = ":value";
        }
    }
    segments.join("/")
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => {
            ApiError::PayloadTooLarge(format!("the body is {length} bytes; the limit is {limit}"))
        }
        JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the body is over the limit of {limit} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType("send the body as application/json".into()),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::field(json_error_field(&e.to_string()), e.to_string())
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(format!("cannot read the body: {other}")),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Best effort: the field named in a serde error message ("missing field `email`").
fn json_error_field(message: &str) -> String {
    message.split('`').nth(1).filter(|_| message.contains("field")).unwrap_or("body").to_string()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let api = ApiError::BadRequest(format!("invalid path parameter: {err}"));
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

pub fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        QueryPayloadError::Deserialize(e) => {
            let message = e.to_string();
            let named = json_error_field(&message);
            match (named.as_str(), bad_time_parameter(req.query_string())) {
                // The error does not say which parameter: a time that is not one does.
                ("body", Some(parameter)) => {
                    ApiError::field(parameter, format!("must be {}", crate::domain::instant::EXPECTED))
                }
                ("body", None) => ApiError::field("query", message),
                _ => ApiError::field(named, message),
            }
        }
        other => ApiError::BadRequest(format!("invalid query string: {other}")),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// The first time parameter of the query that holds no time.
fn bad_time_parameter(query: &str) -> Option<String> {
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query).ok()?.into_inner();
    pairs
        .into_iter()
        .find(|(k, v)| {
            crate::domain::instant::PARAMETERS.contains(&k.as_str()) && crate::domain::instant::parse(v).is_err()
        })
        .map(|(k, _)| k)
}

/// Fallback for requests no route takes: 405 when the path exists under another method, else 404.
pub async fn fallback(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    if req.resource_map().has_resource(req.path()) {
        Err(ApiError::MethodNotAllowed)
    } else {
        Err(ApiError::NoRoute(req.path().to_string()))
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// The verified client certificate's SHA-256 (lower-case hex), from the configured proxy header.
    pub client_cert: Option<String>,
    /// The call came from the web console (a page), not the JSON API: its audit rows say so.
    pub console: bool,
}

impl RequestMeta {
    pub fn of(req: &HttpRequest) -> Self {
        RequestMeta {
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            client_addr: client_addr(req),
            client_cert: client_cert(req),
            console: false,
        }
    }

    /// A key of the client's address for per-address limits (all unknown addresses share one).
    pub fn address_key(&self) -> uuid::Uuid {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.client_addr.as_deref().unwrap_or("unknown").as_bytes());
        uuid::Uuid::from_slice(&digest[..16]).unwrap_or_default()
    }
}

/// The client certificate's fingerprint the trusted proxy passed, normalised.
fn client_cert(req: &HttpRequest) -> Option<String> {
    let name = req
        .app_data::<actix_web::web::Data<crate::kernel::AppState>>()
        .and_then(|s| s.config.client_cert_header.clone())?;
    // The proxy sets the header once; a second value is the client's say, and voids both.
    let mut values = req.headers().get_all(name.as_str());
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() {
        return None;
    }
    crate::domain::net::fingerprint(value).ok()
}

/// The client's address: the last entry of the configured proxy header when one is set (the
/// entry the trusted proxy added; earlier ones are the client's say), else the TCP peer.
fn client_addr(req: &HttpRequest) -> Option<String> {
    let header = req
        .app_data::<actix_web::web::Data<crate::kernel::AppState>>()
        .and_then(|s| s.config.client_address_header.clone());
    if let Some(name) = header {
        let last = req
            .headers()
            .get_all(name.as_str())
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
            .and_then(|v| v.parse::<std::net::IpAddr>().ok());
        if let Some(ip) = last {
            return Some(ip.to_string());
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

impl actix_web::FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(RequestMeta::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn indicator_values_never_reach_the_log() {
        assert_eq!(
            redacted_path("/api/v1/indicators/iban/XK051212012345678906/reports"),
            "/api/v1/indicators/iban/:value/reports"
        );
        assert_eq!(
            redacted_path("/api/v1/indicators/email/a%40b.example/reports"),
            "/api/v1/indicators/email/:value/reports"
        );
        assert_eq!(redacted_path("/api/v1/indicators/lookup"), "/api/v1/indicators/lookup");
        assert_eq!(redacted_path("/api/v1/reports/0193"), "/api/v1/reports/0193");
    }
}
