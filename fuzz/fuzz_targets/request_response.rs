//! Any request through the local gateway and the shared handlers, on the embedded engine:
//! every answer is a well-formed 2xx or 4xx, never a 5xx or a panic.
//!
//! `cargo fuzz run request_response` (see the README's "Fuzzing").

#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use articles::App;
use articles::auth::Verifier;
use articles_local::engine::Embedded;
use articles_local::server::Gateway;
use articles_local::{Limits, prepare_embedded};
use bytes::Bytes;
use http_body_util::Full;
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "fuzz-token-0123456789";

#[derive(Debug, Arbitrary)]
struct Input {
    method: Method,
    path: Path,
    query: Option<String>,
    token: Token,
    content_type: Option<ContentType>,
    accept: Option<String>,
    body: Body,
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Post,
    Delete,
    Put,
    Head,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Path {
    List,
    Article(u8),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Token {
    None,
    Valid,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum ContentType {
    Json,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Title(String),
    Json(String),
    Raw(Vec<u8>),
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    gateway: Gateway,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let gateway = runtime.block_on(async {
        let engine = Embedded::open(None).expect("the in-memory engine opens");
        let (store, _) = prepare_embedded(&engine, "articles")
            .await
            .expect("the table is created");
        let verifier = Verifier::from_token(TOKEN);
        Gateway::new(
            App::new(store, Some(verifier.clone())),
            verifier,
            Limits::default(),
        )
    });
    Fixture { runtime, gateway }
});

fn request(input: &Input) -> Option<http::Request<Full<Bytes>>> {
    let method = match &input.method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Delete => http::Method::DELETE,
        Method::Put => http::Method::PUT,
        Method::Head => http::Method::HEAD,
        Method::Other(raw) => http::Method::from_bytes(raw.as_bytes()).ok()?,
    };
    let mut uri = match &input.path {
        Path::List => "/articles".to_owned(),
        Path::Article(id) => format!("/articles/{id}"),
        Path::Raw(raw) => raw.clone(),
    };
    if let Some(query) = &input.query {
        uri = format!("{uri}?{query}");
    }
    let mut builder = http::Request::builder().method(method).uri(uri);
    match &input.token {
        Token::None => {}
        Token::Valid => builder = builder.header("authorization", format!("Bearer {TOKEN}")),
        Token::Raw(raw) => builder = builder.header("authorization", raw.as_str()),
    }
    match &input.content_type {
        None => {}
        Some(ContentType::Json) => builder = builder.header("content-type", "application/json"),
        Some(ContentType::Raw(raw)) => builder = builder.header("content-type", raw.as_str()),
    }
    if let Some(accept) = &input.accept {
        builder = builder.header("accept", accept.as_str());
    }
    let body = match &input.body {
        Body::Title(title) => serde_json::json!({ "title": title })
            .to_string()
            .into_bytes(),
        Body::Json(text) => text.clone().into_bytes(),
        Body::Raw(bytes) => bytes.clone(),
    };
    // Requests that hyper would refuse to parse (bad URI, bad header bytes) never get here.
    builder.body(Full::new(Bytes::from(body))).ok()
}

fuzz_target!(|input: Input| {
    let Some(request) = request(&input) else {
        return;
    };
    let head = request.method() == http::Method::HEAD;
    let fixture = &*FIXTURE;
    let response = fixture.runtime.block_on(fixture.gateway.respond(request));
    let status = response.status().as_u16();
    assert!((200..500).contains(&status), "{status} for {input:?}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    if status != 204 && !head {
        let body: &[u8] = match response.body() {
            lambda_http::Body::Text(text) => text.as_bytes(),
            lambda_http::Body::Binary(bytes) => bytes,
            _ => panic!("{status} without a body for {input:?}"),
        };
        let parsed: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
        if status >= 400 {
            assert_eq!(parsed["status"], status);
        }
    }
});
