//! Bearer-token authentication: the one decision every write goes through.
//!
//! Only SHA-256 digests of the accepted tokens are held. A presented token is hashed and
//! compared with every digest in constant time, and no token is ever logged. The same
//! [`Verifier`] backs the API Gateway Lambda authorizer, the local server's authorizer step,
//! and the functions' own check when they are reached without an authorizer context.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use lambda_http::RequestExt;
use lambda_http::aws_lambda_events;
use lambda_http::request::RequestContext;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The authorizer-context key that names the token a request was let in with.
pub const PRINCIPAL_KEY: &str = "principal";

/// Why a set of token digests could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DigestsError {
    /// No digest was given, so no write could ever succeed.
    #[error("no token digest given; expected comma-separated 64-character hex SHA-256 digests")]
    Empty,
    /// One entry is not 64 hex characters.
    #[error("token digest #{0} is not a 64-character hex SHA-256 digest")]
    Malformed(usize),
}

/// Why a write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No `Authorization` header (401).
    Missing,
    /// A header that is not a valid bearer token (403).
    Invalid,
}

/// Who a request was let in as: a short, non-secret tag derived from the token's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(String);

impl Principal {
    /// The tag, e.g. `token:3f2a9c01`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks bearer tokens against a set of SHA-256 digests.
#[derive(Clone)]
pub struct Verifier {
    digests: Arc<[[u8; 32]]>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Verifier({} digests)", self.digests.len())
    }
}

impl Verifier {
    /// Reads comma-separated hex SHA-256 digests (the `TOKEN_SHA256` setting).
    ///
    /// # Errors
    /// [`DigestsError`] when the list is empty or an entry is not a digest.
    pub fn from_hex_digests(list: &str) -> Result<Self, DigestsError> {
        let digests = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, hex)| decode_digest(hex).ok_or(DigestsError::Malformed(i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        if digests.is_empty() {
            return Err(DigestsError::Empty);
        }
        Ok(Self {
            digests: digests.into(),
        })
    }

    /// Accepts exactly one plaintext token, for the local server.
    pub fn from_token(token: &str) -> Self {
        Self {
            digests: Arc::new([Sha256::digest(token.as_bytes()).into()]),
        }
    }

    /// Decides on an `Authorization` header value (`None` when the header is absent).
    ///
    /// # Errors
    /// [`Denied::Missing`] without a header, [`Denied::Invalid`] for anything but a bearer token
    /// whose digest is held.
    pub fn verify(&self, authorization: Option<&[u8]>) -> Result<Principal, Denied> {
        let header = authorization.ok_or(Denied::Missing)?;
        let token = bearer_token(header).ok_or(Denied::Invalid)?;
        let presented: [u8; 32] = Sha256::digest(token).into();
        // Compare against every digest, without stopping early, so timing says nothing about
        // which digest (if any) matched.
        let mut matched = None;
        for digest in self.digests.iter() {
            if bool::from(digest.ct_eq(&presented)) {
                matched = Some(digest);
            }
        }
        matched
            .map(|d| Principal(format!("token:{}", hex_prefix(d))))
            .ok_or(Denied::Invalid)
    }

    /// Decides on a request's headers.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_headers(&self, headers: &HeaderMap) -> Result<Principal, Denied> {
        self.verify(headers.get(AUTHORIZATION).map(|v| v.as_bytes()))
    }

    /// The API Gateway HTTP API Lambda authorizer, in the simple response format. It denies
    /// on anything it cannot read or verify, so an error never lets a request through.
    pub fn authorize(&self, event: serde_json::Value) -> SimpleResponse {
        let decision = serde_json::from_value::<ApiGatewayV2CustomAuthorizerV2Request>(event)
            .map_err(|e| tracing::warn!(error = %e, "unreadable authorizer event"))
            .and_then(|event| {
                self.verify_headers(&event.headers)
                    .map_err(|denied| tracing::info!(reason = ?denied, "denied"))
            });
        match decision {
            Ok(principal) => {
                tracing::info!(principal = principal.as_str(), "authorized");
                SimpleResponse::allow(principal)
            }
            Err(()) => SimpleResponse::deny(),
        }
    }
}

/// The authorizer's answer in API Gateway's simple response format.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SimpleResponse {
    /// Whether API Gateway lets the request through.
    pub is_authorized: bool,
    /// Passed to the function as `requestContext.authorizer.lambda`.
    pub context: serde_json::Map<String, serde_json::Value>,
}

impl SimpleResponse {
    fn allow(principal: Principal) -> Self {
        let mut context = serde_json::Map::new();
        context.insert(PRINCIPAL_KEY.to_owned(), principal.0.into());
        Self {
            is_authorized: true,
            context,
        }
    }

    fn deny() -> Self {
        Self {
            is_authorized: false,
            context: serde_json::Map::new(),
        }
    }
}

/// The principal an upstream Lambda authorizer let this request in as, if one ran.
///
/// API Gateway attaches the authorizer's context only to requests the authorizer allowed,
/// and a client cannot forge it, so its presence is the proof.
pub fn authorizer_principal(request: &lambda_http::Request) -> Option<&str> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => {
            ctx.authorizer.as_ref()?.fields.get(PRINCIPAL_KEY)?.as_str()
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The token of a `Bearer <token>` header value (scheme case-insensitive).
fn bearer_token(header: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = header.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

fn decode_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

fn hex_prefix(digest: &[u8; 32]) -> String {
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The lowercase hex SHA-256 of a token: what the deployed stack is given instead of the token.
pub fn token_digest_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "s3cret-token";

    fn verifier() -> Verifier {
        Verifier::from_hex_digests(&format!("{},{}", "ab".repeat(32), token_digest_hex(TOKEN)))
            .unwrap()
    }

    #[test]
    fn a_held_token_is_accepted_with_any_scheme_case() {
        let v = verifier();
        for header in [
            "Bearer s3cret-token",
            "bearer s3cret-token",
            "BEARER  s3cret-token ",
        ] {
            let principal = v.verify(Some(header.as_bytes())).unwrap();
            assert!(principal.as_str().starts_with("token:"), "{header}");
            assert!(!principal.as_str().contains(TOKEN));
        }
    }

    #[test]
    fn a_missing_header_is_unauthorized_and_a_wrong_one_forbidden() {
        let v = verifier();
        assert_eq!(v.verify(None), Err(Denied::Missing));
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Basic s3cret-token",
            "s3cret-token",
            "Bearer s3cret-tokenx",
            "Bearer\ts3cret-token",
        ] {
            assert_eq!(
                v.verify(Some(bad.as_bytes())),
                Err(Denied::Invalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn digest_lists_must_hold_real_digests() {
        assert!(matches!(
            Verifier::from_hex_digests(""),
            Err(DigestsError::Empty)
        ));
        assert!(matches!(
            Verifier::from_hex_digests(" , "),
            Err(DigestsError::Empty)
        ));
        assert!(matches!(
            Verifier::from_hex_digests(&format!("{},zz", token_digest_hex("a"))),
            Err(DigestsError::Malformed(2))
        ));
        assert!(matches!(
            Verifier::from_hex_digests(&"g".repeat(64)),
            Err(DigestsError::Malformed(1))
        ));
    }

    #[test]
    fn the_digest_of_a_token_is_its_sha256() {
        // Known vector: SHA-256("abc").
        assert_eq!(
            token_digest_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_authorizer_allows_only_valid_tokens_and_denies_unreadable_events() {
        let v = verifier();
        let event = |headers: serde_json::Value| {
            serde_json::json!({
                "version": "2.0", "type": "REQUEST", "routeKey": "POST /articles",
                "rawPath": "/articles", "headers": headers,
                "requestContext": {"http": {"method": "POST", "path": "/articles"}}
            })
        };
        assert!(!v.authorize(event(serde_json::json!({}))).is_authorized);
        assert!(
            !v.authorize(event(serde_json::json!({"authorization": "Bearer nope"})))
                .is_authorized
        );
        assert!(!v.authorize(serde_json::json!("garbage")).is_authorized);
        assert!(!v.authorize(serde_json::json!({"headers": 5})).is_authorized);
        let allowed = v.authorize(event(
            serde_json::json!({"authorization": format!("Bearer {TOKEN}")}),
        ));
        assert!(allowed.is_authorized);
        assert!(
            allowed.context[PRINCIPAL_KEY]
                .as_str()
                .unwrap()
                .starts_with("token:")
        );
    }
}
