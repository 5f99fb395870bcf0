//! The one error type of the service and its RFC 9457 `application/problem+json` form.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::check::{FieldError, Invalid};

/// The cause of an unexpected failure, kept for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem (`urn:cyberbridge:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short human summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Human explanation of this occurrence.
    pub detail: String,
    /// Field-level errors, present on validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members for some problems (allowed transitions, retry time, ...).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthenticated(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("no route for {0}")]
    NoRoute(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed")]
    PreconditionFailed(String),
    #[error("precondition required")]
    PreconditionRequired,
    #[error("transition not allowed: {detail}")]
    InvalidTransition { detail: String, allowed: Vec<String> },
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// The client accepts no media type this endpoint answers with (TAXII).
    #[error("not acceptable")]
    NotAcceptable(String),
    #[error("too many requests")]
    TooManyRequests { detail: String, retry_after_secs: u64, limit: u32 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A bounded resource (password hashing) is saturated: retry in a second.
    #[error("busy: {0}")]
    Busy(String),
    #[error("internal error: {0}")]
    Internal(#[source] Cause),
}

/// What PostgreSQL says when it cancels a statement that ran out `statement_timeout`.
const STATEMENT_TIMEOUT: &str = "statement timeout";

impl ApiError {
    /// The database cancelled a statement that ran out its bound (it would run it out again).
    pub fn is_statement_timeout(&self) -> bool {
        matches!(self, Self::Unavailable(cause) if cause.contains(STATEMENT_TIMEOUT))
    }

    /// A single-field validation failure.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// An unexpected failure; its cause is logged (with its chain), never sent.
    pub fn internal(e: impl Into<Cause>) -> Self {
        Self::Internal(e.into())
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Validation(_) => "validation",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound | Self::NoRoute(_) => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::Gone(_) => "gone",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::InvalidTransition { .. } => "invalid-transition",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::NotAcceptable(_) => "not-acceptable",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) | Self::Busy(_) => "service-unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::Validation(_) => "Validation failed",
            Self::Unauthenticated(_) => "Authentication required",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound | Self::NoRoute(_) => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict(_) => "Conflict",
            Self::Gone(_) => "Gone",
            Self::PreconditionFailed(_) => "Precondition failed",
            Self::PreconditionRequired => "Precondition required",
            Self::InvalidTransition { .. } => "Transition not allowed",
            Self::PayloadTooLarge(_) => "Payload too large",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::NotAcceptable(_) => "Not acceptable",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Unavailable(_) | Self::Busy(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d)
            | Self::Unauthenticated(d)
            | Self::Forbidden(d)
            | Self::Conflict(d)
            | Self::Gone(d)
            | Self::PreconditionFailed(d)
            | Self::PayloadTooLarge(d)
            | Self::UnsupportedMediaType(d)
            | Self::NotAcceptable(d) => d.clone(),
            Self::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for: {}", fields.join(", "))
            }
            Self::NotFound => "the resource does not exist or is not visible to you".into(),
            Self::PreconditionRequired => "send If-Match with the ETag of the version you read".into(),
            Self::InvalidTransition { detail, .. } => detail.clone(),
            Self::NoRoute(path) => format!("no endpoint at {path}"),
            Self::MethodNotAllowed => "this endpoint does not accept that method".into(),
            Self::TooManyRequests { detail, .. } => detail.clone(),
            Self::Unavailable(_) => "the database is unreachable; retry shortly".into(),
            Self::Busy(d) => d.clone(),
            Self::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:cyberbridge:problem:{}", self.code()),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            extra: match self {
                Self::InvalidTransition { allowed, .. } => {
                    let mut m = serde_json::Map::new();
                    m.insert("allowed_transitions".into(), serde_json::json!(allowed));
                    Some(m)
                }
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound | Self::NoRoute(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::InvalidTransition { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                let mut chain = Vec::new();
                let mut source = cause.source();
                while let Some(s) = source {
                    chain.push(s.to_string());
                    source = s.source();
                }
                tracing::error!(cause = %cause, chain = ?chain, "internal error")
            }
            Self::Unavailable(cause) => tracing::warn!(cause = %cause, "database unavailable"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unauthenticated(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer, ApiKey"));
            }
            Self::TooManyRequests { retry_after_secs, limit, .. } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
                builder.insert_header(("RateLimit-Limit", limit.to_string()));
                builder.insert_header(("RateLimit-Remaining", "0"));
                builder.insert_header(("RateLimit-Reset", retry_after_secs.to_string()));
            }
            Self::Unavailable(_) | Self::Busy(_) => {
                builder.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        builder.json(self.problem())
    }
}

/// Runs `attempt` (a transaction on a connection of its own) again when it lost to a concurrent
/// one (a deadlock or a serialisation failure, which become `ApiError::Busy`): three tries in all.
pub async fn retry_conflicts<T, F, Fut>(mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(ApiError::Busy(_)) if tries < 3 => continue,
            other => return other,
        }
    }
}

impl ApiError {
    /// The error of a statement sent after another failed in the same transaction.
    pub fn is_aborted_transaction(&self) -> bool {
        matches!(self, Self::Internal(cause) if cause.to_string().contains("current transaction is aborted"))
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Conflict(
                info.constraint_name()
                    .map(|c| format!("an object with the same unique value already exists ({c})"))
                    .unwrap_or_else(|| "an object with the same unique value already exists".into()),
            ),
            // Two transactions took the same rows in opposite orders (a webhook deleted while its
            // deliveries are recorded) or could not be serialised: transient, retry.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Busy("a concurrent change took the same rows; retry in a second".into())
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("deadlock detected") =>
            {
                Self::Busy("a concurrent change took the same rows; retry in a second".into())
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_string()),
            // The statement bound (`CYBERBRIDGE_STATEMENT_TIMEOUT_MS`) passed: the server cancelled it.
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains(STATEMENT_TIMEOUT) =>
            {
                Self::Unavailable(info.message().to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info) if is_connection_failure(info.message()) => {
                Self::Unavailable(info.message().to_string())
            }
            // A text field that no check covered carried U+0000, which PostgreSQL text cannot hold.
            Error::DatabaseError(_, ref info)
                if info.message().contains("0x00") || info.message().contains("\\u0000") =>
            {
                Self::field("body", "text must not contain the NUL character (U+0000)")
            }
            other => Self::Internal(Box::new(other)),
        }
    }
}

fn is_connection_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("connection closed")
        || m.contains("connection reset")
        || m.contains("broken pipe")
        || m.contains("error communicating")
        || m.contains("unexpected eof")
        || m.contains("timed out")
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Validation(errors)
    }
}

impl From<super::db::PoolError> for ApiError {
    fn from(e: super::db::PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    struct Info(&'static str);

    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn a_lost_deadlock_is_a_retryable_503_never_a_500() {
        use diesel::result::{DatabaseErrorKind, Error};
        let deadlock = Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(Info("deadlock detected")));
        let e = ApiError::from(deadlock);
        assert!(matches!(e, ApiError::Busy(_)));
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.error_response().headers().contains_key("retry-after"));
        let serial =
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, Box::new(Info("could not serialize")));
        assert!(matches!(ApiError::from(serial), ApiError::Busy(_)));
    }
}
