//! Every row of the error table: a clear 4xx that changes nothing, and opaque 5xx.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TOKEN, ids, json_body, problem, raw_exchange, send, spawn_app};

#[tokio::test]
async fn bad_bodies_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let long = format!(r#"{{"title":"{}"}}"#, "x".repeat(256));
    let cases = [
        ("", "JSON object"),
        ("{", "not valid JSON"),
        ("not json", "JSON object"),
        (r#"{"title": 42}"#, "must be a string"),
        (r#"{"title": null}"#, "must be a string"),
        (r#"{"title": ["a"]}"#, "must be a string"),
        ("{}", "is required"),
        (r#"{"title":"ok","extra":1}"#, "unknown field `extra`"),
        (r#"{"title":"   "}"#, "blank"),
        (long.as_str(), "at most 255"),
        (r#"{"title":"line\nbreak"}"#, "control characters"),
        (r#"["title"]"#, "JSON object"),
        (r#"{"title":"a"} trailing"#, "not valid JSON"),
    ];
    for (body, expected) in cases {
        for response in [
            app.post_articles(body).await,
            app.post_article(1, body).await,
        ] {
            let problem = problem(response, 400).await;
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(expected), "{body:?}: {detail}");
        }
    }
    let listed: Vec<Value> = app.get_articles("").await.json().await.unwrap();
    assert_eq!(ids(&listed), [1, 2, 3]);
    assert_eq!(listed[0]["title"], "First!");
    // Nothing was created: the next id is still 4.
    assert_eq!(app.create("after").await["id"], 4);
}

#[tokio::test]
async fn a_title_of_exactly_255_characters_is_accepted() {
    let app = spawn_app().await;
    let title = "é".repeat(255);
    assert_eq!(app.create(&title).await["title"], title.as_str());
}

#[tokio::test]
async fn bad_limits_and_cursors_are_400() {
    let app = spawn_app().await;
    for query in [
        "?limit=0",
        "?limit=1001",
        "?limit=-1",
        "?limit=abc",
        "?limit=",
        "?limit=1.5",
        "?limit=1&limit=2",
        "?cursor=",
        "?cursor=garbage!",
        "?cursor=YWZ0ZXI6MA",
        "?cursor=MTIz",
    ] {
        let body = problem(app.get_articles(query).await, 400).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("limit") || detail.contains("cursor"),
            "{query}: {detail}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_and_bad_ids_are_404() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/nope",
        "/articles/",
        "/articles/1/x",
        "/articlesx",
        "/Articles",
    ] {
        problem(send(app.request(Method::GET, path)).await, 404).await;
    }
    for id in [
        "0",
        "-1",
        "abc",
        "1.5",
        "9223372036854775808",
        "99999999999999999999",
        "%31x",
    ] {
        problem(app.get_article(id).await, 404).await;
        problem(app.post_article(id, r#"{"title":"x"}"#).await, 404).await;
        problem(app.delete_article(id).await, 404).await;
    }
    problem(app.get_article(9223372036854775807_i64).await, 404).await;
    problem(app.get_article(4).await, 404).await;
    problem(app.post_article(4, r#"{"title":"x"}"#).await, 404).await;
    problem(app.delete_article(4).await, 404).await;
    // None of those created anything.
    assert_eq!(app.create("next").await["id"], 4);
}

#[tokio::test]
async fn unsupported_methods_are_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (Method::PUT, "/articles", "GET, POST"),
        (Method::DELETE, "/articles", "GET, POST"),
        (Method::PATCH, "/articles", "GET, POST"),
        (Method::PUT, "/articles/1", "GET, POST, DELETE"),
        (Method::PATCH, "/articles/1", "GET, POST, DELETE"),
        (Method::OPTIONS, "/articles/1", "GET, POST, DELETE"),
    ] {
        let response = send(app.authed(method.clone(), path)).await;
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        problem(response, 405).await;
    }
}

#[tokio::test]
async fn bodies_over_16_kib_are_413() {
    let app = spawn_app().await;
    let big = format!(r#"{{"title":"{}"}}"#, "x".repeat(16 * 1024));
    problem(app.post_articles(&big).await, 413).await;
    problem(app.post_article(1, &big).await, 413).await;
    // Without a Content-Length (chunked), the limit still holds.
    let head = format!(
        "POST /articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut raw = head.into_bytes();
    for chunk in big.as_bytes().chunks(4096) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&app.base, &raw).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(app.create("after").await["id"], 4);
}

#[tokio::test]
async fn non_json_content_types_are_415() {
    let app = spawn_app().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = send(
            app.authed(Method::POST, "/articles")
                .header("content-type", content_type)
                .body(r#"{"title":"x"}"#),
        )
        .await;
        problem(response, 415).await;
    }
    assert_eq!(app.create("after").await["id"], 4);
}

#[tokio::test]
async fn problem_json_is_sent_when_accepted() {
    let app = spawn_app().await;
    let response = send(
        app.request(Method::GET, "/articles/999")
            .header("accept", "application/problem+json"),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 404);
    let plain = send(
        app.request(Method::GET, "/articles/999")
            .header("accept", "*/*"),
    )
    .await;
    assert_eq!(plain.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn writes_check_auth_before_anything_else() {
    let app = spawn_app().await;
    // A bad body without a token is a 401, as API Gateway's authorizer answers first.
    let response = send(json_body(app.request(Method::POST, "/articles"), "{")).await;
    problem(response, 401).await;
    let response = send(json_body(
        app.request(Method::POST, "/articles").bearer_auth("nope"),
        "{",
    ))
    .await;
    problem(response, 403).await;
    let response = send(json_body(
        app.request(Method::POST, "/articles").bearer_auth(TOKEN),
        "{",
    ))
    .await;
    problem(response, 400).await;
}
