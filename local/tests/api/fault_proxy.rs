//! A fault-injecting proxy between the store and the engine: it forwards DynamoDB API requests,
//! or, while a fault is set, answers DynamoDB's own error bodies, drops connections, delays,
//! or forwards and then drops the answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// What the proxy does to the requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers a DynamoDB error: HTTP status and `__type` code.
    Error(u16, &'static str),
    /// Closes the connection without answering.
    Drop,
    /// Waits this long, then forwards.
    Delay(Duration),
    /// Forwards, then closes the connection instead of returning the engine's answer.
    LoseAnswer,
}

/// DynamoDB's throttling and internal errors, as the service sends them.
pub const THROTTLING: Fault = Fault::Error(400, "ThrottlingException");
pub const THROUGHPUT_EXCEEDED: Fault = Fault::Error(400, "ProvisionedThroughputExceededException");
pub const INTERNAL_ERROR: Fault = Fault::Error(500, "InternalServerError");

#[derive(Debug, Default)]
struct State {
    fault: Option<Fault>,
    /// Only requests for this operation (`X-Amz-Target` suffix); `None` means all.
    only: Option<&'static str>,
    /// How many more requests the fault applies to; `None` means until cleared.
    remaining: Option<u32>,
    /// Operations that met a fault, in order.
    faulted: Vec<String>,
}

/// A running proxy; dropping it does not stop it (the test's runtime does).
#[derive(Clone)]
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (an `http://` URL).
    pub async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let proxy = Self {
            addr,
            state: state.clone(),
        };
        let client = reqwest::Client::new();
        let upstream: Arc<str> = upstream.into();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (state, client, upstream) = (state.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        handle(request, state.clone(), client.clone(), upstream.clone())
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        proxy
    }

    /// The proxy's URL, to give the store as its endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to every request until [`FaultProxy::clear`].
    pub fn set(&self, fault: Fault) {
        self.set_for(fault, None, None);
    }

    /// Applies `fault` to requests for `operation` only, `times` times (or until cleared).
    pub fn set_for(&self, fault: Fault, operation: Option<&'static str>, times: Option<u32>) {
        let mut state = self.state.lock().unwrap();
        state.fault = Some(fault);
        state.only = operation;
        state.remaining = times;
    }

    /// Forwards everything again.
    pub fn clear(&self) {
        let mut state = self.state.lock().unwrap();
        state.fault = None;
        state.only = None;
        state.remaining = None;
    }

    /// The operations that met a fault so far, and forgets them.
    pub fn take_faulted(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().faulted)
    }
}

/// An error that makes hyper close the connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    request: Request<Incoming>,
    state: Arc<Mutex<State>>,
    client: reqwest::Client,
    upstream: Arc<str>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let fault = {
        let mut state = state.lock().unwrap();
        let applies = state.fault.is_some()
            && state.only.is_none_or(|only| only == target)
            && state.remaining != Some(0);
        if applies {
            if let Some(n) = state.remaining.as_mut() {
                *n -= 1;
            }
            state.faulted.push(target.clone());
            state.fault
        } else {
            None
        }
    };
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    match fault {
        Some(Fault::Error(status, code)) => {
            let body = format!(
                r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"injected {code}"}}"#
            );
            return Ok(Response::builder()
                .status(status)
                .header("content-type", "application/x-amz-json-1.0")
                .header("x-amzn-requestid", "fault-proxy")
                .body(Full::new(Bytes::from(body)))
                .unwrap());
        }
        Some(Fault::Drop) => return Err(Dropped),
        Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(Fault::LoseAnswer) | None => {}
    }
    let mut forward = client.post(format!("{upstream}{}", parts.uri.path()));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let answer = forward.body(body).send().await.map_err(|_| Dropped)?;
    if fault == Some(Fault::LoseAnswer) {
        return Err(Dropped);
    }
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.map_err(|_| Dropped)?;
    Ok(response.body(Full::new(bytes)).unwrap())
}
