//! What one client may hold of the local server: bounded headers, read and idle timeouts
//! (slow loris), and a connection cap.

use std::time::Duration;

use articles_local::{Backend, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TOKEN, TestApp, raw_exchange, spawn_limited};

/// Short limits so the tests wait seconds, not the defaults' tens of seconds.
fn short() -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections: 2,
    }
}

async fn spawn_short() -> TestApp {
    spawn_limited(Backend::Embedded { data: None }, short()).await
}

/// Far longer than any limit above: reaching it means the server held on.
const BOUND: Duration = Duration::from_secs(15);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes; panics if it never closes.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn headers_that_trickle_in_are_cut_off() {
    let app = spawn_short().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /articles HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = spawn_short().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /articles/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_in_is_408_and_writes_nothing() {
    let app = spawn_short().await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{{\"title\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(answer.contains("did not arrive in time"), "{answer}");
    assert_eq!(app.get_article(4).await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn headers_over_16_kib_are_refused_with_431() {
    let app = spawn_short().await;
    let request = format!(
        "GET /articles HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let answer = raw_exchange(&app.base, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    // Many small headers, over the limit together.
    let many: String = (0..2000).map(|i| format!("X-H{i}: value\r\n")).collect();
    let request = format!("GET /articles HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    let answer = raw_exchange(&app.base, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // Headers within the limit are fine.
    let request = format!(
        "GET /articles HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "a".repeat(8 * 1024)
    );
    let answer = raw_exchange(&app.base, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = spawn_limited(
        Backend::Embedded { data: None },
        Limits {
            header_read_timeout: Duration::from_secs(30),
            ..short()
        },
    )
    .await;
    let first = connect(&app).await;
    let second = connect(&app).await;
    // Both slots are held by silent connections: a third client is not served...
    let waiting = tokio::spawn({
        let client = app.client.clone();
        let url = format!("{}/articles/1", app.base);
        async move { client.get(url).send().await.map(|r| r.status()) }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "served past the connection cap");
    // ...until one of them goes away.
    drop(first);
    let status = tokio::time::timeout(BOUND, waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    drop(second);
    app.stop().await;
}
