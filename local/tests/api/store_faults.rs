//! The store's bad days: an unreachable engine is a 503 with `Retry-After`, the API recovers
//! by itself, and a malformed item is an opaque 500.

use std::collections::HashMap;

use articles_local::Backend;
use articles_local::engine::Engine;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::helpers::{problem, spawn_with};

#[tokio::test]
async fn every_route_is_503_while_the_store_is_down_and_recovers_after() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("outage.db");
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), Some(&data))
        .await
        .unwrap();
    let addr = engine.addr();
    let app = spawn_with(Backend::Endpoint(engine.endpoint())).await;
    assert_eq!(app.create("before").await["id"], 4);

    engine.stop().await;
    let responses = [
        app.get_articles("").await,
        app.get_article(1).await,
        app.post_articles(r#"{"title":"during"}"#).await,
        app.post_article(1, r#"{"title":"during"}"#).await,
        app.delete_article(1).await,
    ];
    for response in responses {
        assert_eq!(response.headers()["retry-after"], "1");
        let body = problem(response, 503).await;
        let text = body.to_string();
        assert!(
            !text.contains("127.0.0.1") && !text.contains("dispatch"),
            "{text}"
        );
    }

    let engine = Engine::start(addr, Some(&data)).await.unwrap();
    assert_eq!(app.get_article(1).await.status(), 200);
    assert_eq!(app.get_article(4).await.status(), 200);
    let after = app.create("after").await["id"].as_i64().unwrap();
    assert!(
        after >= 5,
        "ids continue above every acknowledged id, got {after}"
    );
    assert_eq!(
        app.get_article(1)
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap()["title"],
        "First!"
    );
    app.stop().await;
    engine.stop().await;
}

#[tokio::test]
async fn a_malformed_item_is_an_opaque_500() {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let app = spawn_with(Backend::Endpoint(engine.endpoint())).await;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .endpoint_url(engine.endpoint())
        .http_client(articles::store::http_client())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    client
        .put_item()
        .table_name("articles")
        .set_item(Some(HashMap::from([
            ("id".to_owned(), AttributeValue::N("50".into())),
            ("title".to_owned(), AttributeValue::N("12".into())),
            ("status".to_owned(), AttributeValue::S("created".into())),
            ("live".to_owned(), AttributeValue::N("1".into())),
        ])))
        .send()
        .await
        .unwrap();
    for response in [app.get_article(50).await, app.get_articles("").await] {
        let body = problem(response, 500).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            !detail.contains("attribute") && !detail.contains("malformed"),
            "{detail}"
        );
        assert_eq!(body["title"], "Internal Server Error");
    }
    // The other routes still work.
    assert_eq!(app.get_article(1).await.status(), 200);
    app.stop().await;
    engine.stop().await;
}
