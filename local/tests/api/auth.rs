//! No write succeeds without a valid token: 401 without a header, 403 with a wrong one.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, json_body, problem, send, spawn_app};

async fn snapshot(app: &TestApp) -> Vec<Value> {
    app.list_all(100).await
}

fn writes() -> [(Method, &'static str, &'static str); 3] {
    [
        (Method::POST, "/articles", r#"{"title":"sneaky"}"#),
        (Method::POST, "/articles/1", r#"{"title":"sneaky"}"#),
        (Method::DELETE, "/articles/1", ""),
    ]
}

#[tokio::test]
async fn writes_without_a_header_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    for (method, path, body) in writes() {
        let response = send(json_body(app.request(method.clone(), path), body)).await;
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer",
            "{method} {path}"
        );
        problem(response, 401).await;
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn writes_with_an_invalid_token_are_403() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    let bad_headers = [
        "Bearer wrong-token",
        "Bearer",
        "Bearer ",
        "Basic dGVzdDp0ZXN0",
        "test-token-0123456789",
        "Bearer test-token-0123456789x",
        "Token test-token-0123456789",
    ];
    for (method, path, body) in writes() {
        for header in bad_headers {
            let response = send(json_body(
                app.request(method.clone(), path)
                    .header("authorization", header),
                body,
            ))
            .await;
            problem(response, 403).await;
        }
    }
    assert_eq!(snapshot(&app).await, before);
    // And the next id is untouched.
    assert_eq!(app.create("legit").await["id"], 4);
}

#[tokio::test]
async fn reads_need_no_token() {
    let app = spawn_app().await;
    assert_eq!(app.get_articles("").await.status(), 200);
    assert_eq!(app.get_article(1).await.status(), 200);
    // A wrong token on a read is ignored, as API Gateway does for routes without an authorizer.
    let response = send(
        app.request(Method::GET, "/articles")
            .bearer_auth("whatever"),
    )
    .await;
    assert_eq!(response.status(), 200);
}
