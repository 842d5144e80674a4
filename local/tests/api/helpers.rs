//! `spawn_app()` and one helper per route, named `verb_path`.

use std::net::SocketAddr;
use std::path::Path;

use articles_local::{Backend, Limits, Options, Running, start};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// The token the test servers accept.
pub const TOKEN: &str = "test-token-0123456789";

/// A running local server with a fresh engine, and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    running: Option<Running>,
}

/// Starts the real local server on port 0 with a fresh in-memory engine.
pub async fn spawn_app() -> TestApp {
    spawn_with(Backend::Embedded { data: None }).await
}

/// Starts the real local server on port 0 on a given backend.
pub async fn spawn_with(backend: Backend) -> TestApp {
    spawn_limited(backend, Limits::default()).await
}

/// Starts the real local server on port 0 on a given backend, within `limits`.
pub async fn spawn_limited(backend: Backend, limits: Limits) -> TestApp {
    let running = start(&Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        backend,
        table: "articles".to_owned(),
        token: TOKEN.to_owned(),
        limits,
    })
    .await
    .expect("the local server starts");
    TestApp {
        base: format!("http://{}", running.addr()),
        client: reqwest::Client::new(),
        running: Some(running),
    }
}

/// Starts the server on a persistent data file.
pub async fn spawn_on_file(path: &Path) -> TestApp {
    spawn_with(Backend::Embedded {
        data: Some(path.to_owned()),
    })
    .await
}

impl TestApp {
    /// A request to `path` with no credentials and no body.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// A request carrying the valid token.
    pub fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(TOKEN)
    }

    pub async fn get_articles(&self, query: &str) -> Response {
        send(self.request(Method::GET, &format!("/articles{query}"))).await
    }

    pub async fn get_article(&self, id: impl std::fmt::Display) -> Response {
        send(self.request(Method::GET, &format!("/articles/{id}"))).await
    }

    pub async fn post_articles(&self, body: &str) -> Response {
        send(json_body(self.authed(Method::POST, "/articles"), body)).await
    }

    pub async fn post_article(&self, id: impl std::fmt::Display, body: &str) -> Response {
        send(json_body(
            self.authed(Method::POST, &format!("/articles/{id}")),
            body,
        ))
        .await
    }

    pub async fn delete_article(&self, id: impl std::fmt::Display) -> Response {
        send(self.authed(Method::DELETE, &format!("/articles/{id}"))).await
    }

    /// Creates an article and returns its JSON.
    pub async fn create(&self, title: &str) -> Value {
        let response = self
            .post_articles(&serde_json::json!({ "title": title }).to_string())
            .await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// Every live article, walking all pages of `limit`.
    pub async fn list_all(&self, limit: u16) -> Vec<Value> {
        let mut out = Vec::new();
        let mut path = format!("/articles?limit={limit}");
        for _ in 0..10_000 {
            let response = send(self.request(Method::GET, &path)).await;
            assert_eq!(response.status(), 200);
            let next = next_link(&response);
            let page: Vec<Value> = response.json().await.unwrap();
            assert!(page.len() <= usize::from(limit));
            out.extend(page);
            match next {
                Some(next) => path = next,
                None => return out,
            }
        }
        panic!("pagination never ended");
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

/// The target of a `Link: <...>; rel="next"` header.
pub fn next_link(response: &Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().ok()?;
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    Some(link.split_once('<')?.1.split_once('>')?.0.to_owned())
}

pub fn json_body(request: RequestBuilder, body: &str) -> RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body.to_owned())
}

pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("the server answers")
}

/// Reads a problem-details body and checks its shape and status.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], "about:blank");
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// A plain SDK client for the engine at `endpoint`, to look at or edit items directly.
pub fn engine_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(articles::store::http_client(Some(endpoint)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The ids of a list of articles.
pub fn ids(articles: &[Value]) -> Vec<i64> {
    articles.iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

/// Sends raw bytes to the server and returns everything it answers until it closes.
pub async fn raw_exchange(base: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading everything; a failed write is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// A loopback port that was free a moment ago, for a process that must keep its port across
/// restarts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
