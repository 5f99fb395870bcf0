//! The error responses OpenAPI operations share, as reusable `components/responses` and as
//! sets an operation lists in its `#[utoipa::path(responses(..))]`: one place that says what a
//! 401 or a 429 looks like, instead of one attribute line per status per handler.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::IntoResponses;

/// A shared response: (status, component name, description, extra headers with their meaning).
type Shared = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const RESPONSES: &[Shared] = &[
    ("400", "BadRequest", "Malformed JSON, a path id that is not a UUID, or an unreadable header", &[]),
    (
        "401",
        "Unauthorized",
        "No credential, or a revoked, expired or unknown one",
        &[("WWW-Authenticate", "Bearer, ApiKey")],
    ),
    (
        "403",
        "Forbidden",
        "Your organisation, role or API-key scope may not do this, or your generated first password must be changed first",
        &[],
    ),
    ("404", "NotFound", "No such object, or one you may not see", &[]),
    ("409", "Conflict", "The object's state or a unique value does not allow it", &[]),
    ("410", "Gone", "No longer served: the answers of a request whose validation was refused are sealed", &[]),
    ("412", "PreconditionFailed", "`If-Match` names a version that is no longer current", &[]),
    ("413", "PayloadTooLarge", "The body, a part or a batch is over its limit", &[]),
    ("415", "UnsupportedMediaType", "The body is not `application/json`", &[]),
    ("422", "ValidationFailed", "A field is invalid; `errors[]` names each one", &[]),
    ("428", "PreconditionRequired", "Send `If-Match` with the `ETag` you read", &[]),
    (
        "429",
        "TooManyRequests",
        "Rate limit or login lockout; retry after `Retry-After` seconds",
        &[
            ("Retry-After", "Seconds to wait"),
            ("RateLimit-Limit", "Requests allowed per second"),
            ("RateLimit-Remaining", "Requests left now (0)"),
            ("RateLimit-Reset", "Seconds until a request is admitted again"),
        ],
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database is unreachable; retry after `Retry-After` seconds",
        &[("Retry-After", "Seconds to wait")],
    ),
];

/// Every shared response, to register under `components/responses`.
pub fn components() -> Vec<(String, RefOr<Response>)> {
    RESPONSES
        .iter()
        .map(|(_, name, description, headers)| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            let mut response =
                ResponseBuilder::new().description(*description).content("application/problem+json", content);
            for (header, what) in *headers {
                let schema = ObjectBuilder::new().schema_type(if header.starts_with("WWW") {
                    Type::String
                } else {
                    Type::Integer
                });
                response = response
                    .header(*header, HeaderBuilder::new().schema(Some(schema)).description(Some(*what)).build());
            }
            (name.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

fn refs(statuses: &[&str]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .filter_map(|s| RESPONSES.iter().find(|(status, ..)| status == s))
        .map(|(status, name, ..)| (status.to_string(), RefOr::Ref(Ref::from_response_name(*name))))
        .collect()
}

macro_rules! response_set {
    ($(#[doc = $doc:literal])* $name:ident = [$($status:literal),+]) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                refs(&[$($status),+])
            }
        }
    };
}

response_set! {
    /// What any authenticated operation can answer: a malformed request, no valid credential,
    /// a refusal (a generated password not yet changed refuses everything), an invalid
    /// parameter, the rate limit, the database away.
    Common = ["400", "401", "403", "422", "429", "503"]
}
response_set! {
    /// What an operation with a JSON body can also answer.
    JsonBody = ["413", "415"]
}
response_set! {
    /// The caller's organisation, role or scope may not.
    Denied = ["403"]
}
response_set! {
    /// The object does not exist or is not visible to the caller.
    Missing = ["404"]
}
response_set! {
    /// The object's state (or a unique value) refuses the change.
    Conflict = ["409"]
}
response_set! {
    /// No longer served (sealed answers).
    Sealed = ["410"]
}
response_set! {
    /// PATCH: `If-Match` required (428) and checked (412).
    Versioned = ["412", "428"]
}
response_set! {
    /// A state-changing POST that accepts `If-Match` (412 when stale).
    Stale = ["412"]
}
response_set! {
    /// A body, part or batch over its limit (multipart uploads).
    TooLarge = ["413"]
}
response_set! {
    /// A body of another media type than the operation takes (multipart uploads).
    WrongMedia = ["415"]
}
response_set! {
    /// What an unauthenticated operation (login, refresh) can answer.
    Public = ["400", "413", "415", "422", "429", "503"]
}
