//! The one error type of the API and the one place where it becomes an HTTP response.
//!
//! Bodies are RFC 9457 problem details. They are sent as `application/problem+json` when the
//! request's `Accept` names it, and as `application/json` otherwise, since clients of the
//! comparison apps check for that. A 5xx body says nothing internal; the log keeps the
//! whole source chain.

use std::error::Error as StdError;

use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::auth::Denied;
use crate::model::InvalidInput;
use crate::store::StoreError;

/// Seconds a client is told to wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Everything a request can end in other than success; each variant is one decision for the
/// client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Unknown path, malformed id, or an article that is missing or deleted.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The path exists but not with this method; `allow` lists the ones it has.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The `Allow` header value.
        allow: &'static str,
    },
    /// The client sent input that breaks a rule.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// A write without an `Authorization` header.
    #[error("missing credentials")]
    Unauthorized,
    /// A write whose `Authorization` header is not a valid bearer token.
    #[error("invalid credentials")]
    Forbidden,
    /// A body larger than the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// A body that did not arrive within the server's read timeout.
    #[error("request body timed out")]
    RequestTimeout,
    /// A body whose `Content-Type` is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The store is unreachable, timing out or throttling; nothing was half-written.
    #[error("store unavailable")]
    Unavailable(#[source] StoreError),
    /// A bug: the client gets an opaque 500, the log gets the chain.
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Missing => Self::Unauthorized,
            Denied::Invalid => Self::Forbidden,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            Self::Unavailable(e)
        } else {
            Self::Internal(Box::new(e))
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
}

impl ApiError {
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::NotFound(what) => (*what).to_owned(),
            Self::MethodNotAllowed { allow } => format!("this path supports only {allow}"),
            Self::Invalid(reason) => reason.to_string(),
            Self::Unauthorized => {
                "this request needs an `Authorization: Bearer <token>` header".to_owned()
            }
            Self::Forbidden => "the bearer token is not valid".to_owned(),
            Self::PayloadTooLarge => format!(
                "request body must be at most {} bytes",
                crate::http::MAX_BODY_BYTES
            ),
            Self::RequestTimeout => "the request body did not arrive in time".to_owned(),
            Self::UnsupportedMediaType => {
                "request body must be sent as `Content-Type: application/json`".to_owned()
            }
            Self::Unavailable(_) => {
                "the data store is unavailable; retry after the time in `Retry-After`".to_owned()
            }
            Self::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
        }
    }

    /// The problem-details response for this error, in the format `request_headers` accept.
    pub fn to_response(&self, request_headers: &HeaderMap) -> Response<Body> {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, chain = %SourceChain(self), "request failed");
        }
        let detail = self.detail();
        let body = serde_json::to_string(&Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: &detail,
        })
        .unwrap_or_default();
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, problem_content_type(request_headers));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        match self {
            Self::MethodNotAllowed { allow } => {
                headers.insert(ALLOW, HeaderValue::from_static(allow));
            }
            Self::Unauthorized => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::Unavailable(_) => {
                headers.insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response
    }
}

/// `application/problem+json` when the client's `Accept` names it, else `application/json`.
fn problem_content_type(request_headers: &HeaderMap) -> HeaderValue {
    let wants_problem = request_headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let media = range.split(';').next().unwrap_or("").trim();
            media.eq_ignore_ascii_case("application/problem+json")
        });
    HeaderValue::from_static(if wants_problem {
        "application/problem+json"
    } else {
        "application/json"
    })
}

/// Displays an error followed by each of its sources, for the log.
struct SourceChain<'a>(&'a dyn StdError);

impl std::fmt::Display for SourceChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut source = self.0.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[test]
    fn errors_are_problem_details_sent_as_json_by_default() {
        let response = ApiError::NotFound("no article with id 9").to_response(&HeaderMap::new());
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let body = body_json(&response);
        assert_eq!(body["type"], "about:blank");
        assert_eq!(body["title"], "Not Found");
        assert_eq!(body["status"], 404);
        assert_eq!(body["detail"], "no article with id 9");
    }

    #[test]
    fn problem_json_is_sent_when_the_client_accepts_it() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("text/html, application/problem+json;q=0.9"),
        );
        let response = ApiError::Forbidden.to_response(&headers);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    }

    #[test]
    fn internal_errors_say_nothing_internal() {
        let source: Box<dyn StdError + Send + Sync> = "secret table name xyz".into();
        let response = ApiError::Internal(source).to_response(&HeaderMap::new());
        assert_eq!(response.status(), 500);
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        assert!(!text.contains("xyz"), "{text}");
    }

    #[test]
    fn special_statuses_carry_their_headers() {
        let h = HeaderMap::new();
        assert_eq!(
            ApiError::MethodNotAllowed { allow: "GET, POST" }
                .to_response(&h)
                .headers()[ALLOW],
            "GET, POST"
        );
        assert_eq!(
            ApiError::Unauthorized.to_response(&h).headers()[WWW_AUTHENTICATE],
            "Bearer"
        );
        let unavailable = ApiError::Unavailable(StoreError::unavailable_for_test()).to_response(&h);
        assert_eq!(unavailable.status(), 503);
        assert_eq!(unavailable.headers()[RETRY_AFTER], "1");
    }
}
