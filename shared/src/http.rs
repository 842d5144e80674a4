//! The request handlers, written against `lambda_http` types so that every Lambda function and
//! the local server call the very same code.
//!
//! [`App::handle`] takes a request that has already been routed (by API Gateway, by the
//! `cargo lambda watch` router or by the local server) and always returns a response: every
//! failure becomes a problem-details response through [`ApiError::to_response`].

use std::convert::Infallible;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, LINK, LOCATION, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::auth::{Verifier, authorizer_principal};
use crate::error::ApiError;
use crate::model::{ArticleId, Cursor, InvalidInput, Limit, Title, TitleBody};
use crate::routes::{self, Route, match_path};
use crate::store::Store;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The application: the store and the token verifier, built once per process.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    verifier: Option<Verifier>,
}

impl App {
    /// An app over `store`. Without a verifier, a write that no upstream authorizer let in is
    /// refused, so a function missing its token digests can never write.
    pub fn new(store: Store, verifier: Option<Verifier>) -> Self {
        Self { store, verifier }
    }

    /// The store, for tooling that seeds or inspects it.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The Lambda service for one route: what a function's `main` hands to `lambda_http::run`.
    pub fn into_service(
        self,
        route: Route,
    ) -> impl lambda_http::Service<Request, Response = Response<Body>, Error = Infallible, Future: Send>
    {
        lambda_http::service_fn(move |request: Request| {
            let app = self.clone();
            async move { Ok(app.handle(route, request).await) }
        })
    }

    /// Serves one request for `route` and returns its response; never fails.
    pub async fn handle(&self, route: Route, request: Request) -> Response<Body> {
        let mut response = match self.dispatch(route, &request).await {
            Ok(response) => response,
            Err(error) => error.to_response(request.headers()),
        };
        response
            .headers_mut()
            .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }

    async fn dispatch(&self, route: Route, request: &Request) -> Result<Response<Body>, ApiError> {
        if route.spec().auth {
            self.authenticate(request)?;
        }
        match route {
            Route::ListArticles => {
                let (limit, cursor) = list_parameters(request)?;
                let page = self.store.list(limit, cursor).await?;
                let mut response = json(StatusCode::OK, &page.articles)?;
                if let Some(next) = page.next {
                    let link = format!(
                        "<{}/articles?limit={}&cursor={next}>; rel=\"next\"",
                        stage_prefix(request),
                        limit.get()
                    );
                    response.headers_mut().insert(
                        LINK,
                        HeaderValue::try_from(link).map_err(|e| ApiError::Internal(Box::new(e)))?,
                    );
                }
                Ok(response)
            }
            Route::GetArticle => {
                let id = path_id(request)?;
                let article = self
                    .store
                    .get(id)
                    .await?
                    .ok_or(ApiError::NotFound(NO_ARTICLE))?;
                json(StatusCode::OK, &article)
            }
            Route::CreateArticle => {
                let title = title_body(request)?;
                let article = self.store.create(title).await?;
                let mut response = write_response(json(StatusCode::CREATED, &article)?);
                let location = format!("{}/articles/{}", stage_prefix(request), article.id);
                response.headers_mut().insert(
                    LOCATION,
                    HeaderValue::try_from(location).map_err(|e| ApiError::Internal(Box::new(e)))?,
                );
                Ok(response)
            }
            Route::UpdateArticle => {
                let id = path_id(request)?;
                let title = title_body(request)?;
                let article = self
                    .store
                    .update(id, title)
                    .await?
                    .ok_or(ApiError::NotFound(NO_ARTICLE))?;
                Ok(write_response(json(StatusCode::OK, &article)?))
            }
            Route::DeleteArticle => {
                let id = path_id(request)?;
                if !self.store.delete(id).await? {
                    return Err(ApiError::NotFound(NO_ARTICLE));
                }
                let mut response = Response::new(Body::Empty);
                *response.status_mut() = StatusCode::NO_CONTENT;
                Ok(write_response(response))
            }
        }
    }

    /// Lets a write through when an upstream Lambda authorizer already did, and otherwise
    /// checks the token itself with the same verifier.
    fn authenticate(&self, request: &Request) -> Result<(), ApiError> {
        if authorizer_principal(request).is_some() {
            return Ok(());
        }
        let Some(verifier) = &self.verifier else {
            tracing::warn!("write refused: no authorizer context and no token digests configured");
            return Err(ApiError::Forbidden);
        };
        verifier
            .verify_headers(request.headers())
            .map(drop)
            .map_err(ApiError::from)
    }
}

/// The deployed API's answer for `ANY /articles`, `ANY /articles/{id}` and `$default`: the
/// requests no route function takes. A known path gets 405 with `Allow`, any other 404.
pub fn fallback(request: &Request) -> Response<Body> {
    let error = match routes::resolve(request.method(), request.uri().path()) {
        Err(error) => error,
        // API Gateway sends the routed methods to their own functions; should one arrive
        // here anyway, it is still not a method this function serves.
        Ok(matched) => ApiError::MethodNotAllowed {
            allow: matched.spec.path.allow(),
        },
    };
    error.to_response(request.headers())
}

/// The path prefix of the API Gateway stage (`/v1`), empty for `$default` and locally, so
/// `Location` and `Link` point where the client can follow them.
fn stage_prefix(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => match context.stage.as_deref() {
            Some(stage) if !stage.is_empty() && stage != "$default" => format!("/{stage}"),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

const NO_ARTICLE: &str = "no live article has this id";

/// A JSON response with `value` as its body.
fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Response<Body>, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// Marks a write's response as never to be cached.
fn write_response(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The `{id}` of the path: from the path parameters API Gateway (or the local server) set,
/// or, when a router set none, from the path itself.
fn path_id(request: &Request) -> Result<ArticleId, ApiError> {
    request
        .path_parameters_ref()
        .and_then(|p| p.first("id"))
        .or_else(|| match_path(request.uri().path()).and_then(|(_, id)| id))
        .and_then(ArticleId::parse)
        .ok_or(ApiError::NotFound("article ids are positive integers"))
}

/// `limit` and `cursor` from the query string; each may be given at most once.
fn list_parameters(request: &Request) -> Result<(Limit, Option<Cursor>), ApiError> {
    let Some(query) = request.query_string_parameters_ref() else {
        return Ok((Limit::default(), None));
    };
    let single = |name: &str, invalid: InvalidInput| -> Result<Option<&str>, ApiError> {
        match query.all(name).as_deref() {
            None | Some([]) => Ok(None),
            Some([one]) => Ok(Some(*one)),
            Some(_) => Err(ApiError::Invalid(invalid)),
        }
    };
    let limit = single("limit", InvalidInput::Limit)?
        .map(Limit::parse)
        .transpose()?
        .unwrap_or_default();
    let cursor = single("cursor", InvalidInput::Cursor)?
        .map(Cursor::parse)
        .transpose()?;
    Ok((limit, cursor))
}

/// The validated title of a write's JSON body.
fn title_body(request: &Request) -> Result<Title, ApiError> {
    let body: &[u8] = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if let Some(content_type) = request.headers().get(CONTENT_TYPE)
        && !is_json(content_type)
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    Ok(TitleBody::parse(body)?)
}

/// Whether a `Content-Type` names JSON: `application/json` or any `application/*+json`.
pub fn is_json(content_type: &HeaderValue) -> bool {
    let Ok(value) = content_type.to_str() else {
        return false;
    };
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json"
        || media
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && sub.len() > "+json".len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json(&HeaderValue::from_static(ok)), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/+json",
            "json",
            "",
        ] {
            assert!(!is_json(&HeaderValue::from_static(bad)), "{bad}");
        }
    }
}
