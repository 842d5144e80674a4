//! The local HTTP server: what API Gateway does for the deployed stack, done in-process.
//!
//! For each request it finds the route in the shared route table (404/405 otherwise), runs the
//! shared authorizer code before every write (401/403), reads the body within the 16 KiB
//! limit (413), turns the request into what API Gateway would hand the function (path
//! parameters, query parameters, the authorizer's context) and calls the very handler the
//! Lambda functions call.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use articles::auth::{PRINCIPAL_KEY, Verifier};
use articles::http::MAX_BODY_BYTES;
use articles::routes;
use articles::{ApiError, App};
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

/// The most bytes of request line and headers one request may send (hyper's floor is 8 KiB).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long a graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What one client may hold of the server, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's headers, counted from the first byte
    /// of the request and, on a kept-alive connection, from the end of the previous answer
    /// (slow-loris and idle guard).
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body (413 past the size limit, 408
    /// past this).
    pub body_read_timeout: Duration,
    /// The most connections served at once; further ones wait in the accept queue.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
        }
    }
}

/// What API Gateway does before a function runs (route, authorize, bound the body), then the
/// function's own handler: one request in, one response out.
pub struct Gateway {
    app: App,
    verifier: Verifier,
    limits: Limits,
}

impl Gateway {
    /// A gateway in front of `app`, authorizing writes with `verifier`, within `limits`.
    pub fn new(app: App, verifier: Verifier, limits: Limits) -> Self {
        Self {
            app,
            verifier,
            limits,
        }
    }

    /// Routes, authorizes, reads the body within its limits, and calls the route's handler.
    pub async fn respond<B>(&self, request: Request<B>) -> Response<Body>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let matched = match routes::resolve(&parts.method, parts.uri.path()) {
            Ok(matched) => matched,
            Err(e) => return e.to_response(&parts.headers),
        };
        let principal = if matched.spec.auth {
            match self.verifier.verify_headers(&parts.headers) {
                Ok(principal) => Some(principal),
                Err(denied) => return ApiError::from(denied).to_response(&parts.headers),
            }
        } else {
            None
        };
        let body = match read_body(&parts.headers, body, self.limits.body_read_timeout).await {
            Ok(body) => body,
            Err(e) => return e.to_response(&parts.headers),
        };
        let route = matched.spec.route;
        let id = matched.id.map(str::to_owned);
        let event = to_event(Request::from_parts(parts, body), id, principal);
        self.app.handle(route, event).await
    }
}

/// A server accepting connections; [`Server::shutdown`] stops it gracefully.
pub struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    /// Serves `app` on `listener`, authorizing writes with `verifier`, within `limits`.
    pub fn start(
        listener: TcpListener,
        app: App,
        verifier: Verifier,
        limits: Limits,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let state = Arc::new(Gateway::new(app, verifier, limits));
        let task = tokio::spawn(accept_loop(listener, state, stopped));
        Ok(Self { addr, stop, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes idle connections and waits (up to [`SHUTDOWN_GRACE`]) for the
    /// requests in flight to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<Gateway>,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(state.limits.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.limits.header_read_timeout)
        .max_buf_size(MAX_HEADER_BYTES)
        .keep_alive(true);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut stopped => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait, never die.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let service = service_fn(move |request| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(serve(&state, request).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the shutdown grace period were cut off");
    }
}

async fn serve(state: &Gateway, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = state.respond(request).await;
    tracing::info!(
        target: "access",
        "{method} {path} {} {}us",
        response.status().as_u16(),
        started.elapsed().as_micros()
    );
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(data) => Bytes::from(data),
        _ => Bytes::new(),
    };
    Response::from_parts(parts, Full::new(bytes))
}

/// Reads the body, refusing more than [`MAX_BODY_BYTES`] before reading past the limit, and
/// a body that takes longer than `timeout`.
async fn read_body<B>(headers: &HeaderMap, body: B, timeout: Duration) -> Result<Body, ApiError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    if declared == Some(0) {
        return Ok(Body::Empty);
    }
    let collected = tokio::time::timeout(timeout, Limited::new(body, MAX_BODY_BYTES).collect())
        .await
        .map_err(|_| ApiError::RequestTimeout)?
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::PayloadTooLarge
            } else {
                ApiError::Invalid(articles::model::InvalidInput::Body(
                    "the request body could not be read".to_owned(),
                ))
            }
        })?
        .to_bytes();
    Ok(if collected.is_empty() {
        Body::Empty
    } else {
        Body::Binary(collected.to_vec())
    })
}

/// The request as API Gateway would hand it to the function.
fn to_event(
    request: Request<Body>,
    id: Option<String>,
    principal: Option<articles::auth::Principal>,
) -> lambda_http::Request {
    let query = request.uri().query().map(str::to_owned);
    let mut event = request;
    if let Some(id) = id {
        event = event.with_path_parameters(HashMap::from([("id".to_owned(), id)]));
    }
    if let Some(query) = query
        && let Ok(parameters) = query.parse::<lambda_http::aws_lambda_events::query_map::QueryMap>()
    {
        event = event.with_query_string_parameters(parameters);
    }
    if let Some(principal) = principal {
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer
            .fields
            .insert(PRINCIPAL_KEY.to_owned(), principal.as_str().into());
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        event = event.with_request_context(RequestContext::ApiGatewayV2(context));
    }
    event
}
