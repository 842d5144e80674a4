//! The seeding custom resource, invoked with CloudFormation Create, Update and Delete events.
//! The response URL points at a local HTTP server that records what CloudFormation would get.

use articles::custom_resource::{self, CustomResourceResponse};
use articles::{Store, StoreConfig};
use articles_local::engine::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A one-shot "S3 pre-signed URL": accepts one PUT and hands back its method, path,
/// content type and body.
async fn response_url() -> (
    String,
    tokio::task::JoinHandle<(String, String, CustomResourceResponse)>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/cfn-response/abc?X-Amz-Signature=xyz",
        listener.local_addr().unwrap()
    );
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let (head, body) = loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before the request ended");
            buffer.extend_from_slice(&chunk[..n]);
            let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0);
                buffer.extend_from_slice(&chunk[..n]);
            }
            break (head, buffer[end + 4..end + 4 + length].to_vec());
        };
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let request_line = head.lines().next().unwrap().to_owned();
        (request_line, head, serde_json::from_slice(&body).unwrap())
    });
    (url, task)
}

fn event(request_type: &str, url: &str, physical: Option<&str>) -> Value {
    let mut event = json!({
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:seed",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/articles/1a2b",
        "RequestId": format!("req-{request_type}"),
        "ResourceType": "Custom::SeedArticles",
        "LogicalResourceId": "SeedArticles",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:seed", "TableName": "articles"}
    });
    if let Some(id) = physical {
        event["PhysicalResourceId"] = json!(id);
    }
    event
}

async fn invoke(
    store: &Store,
    request_type: &str,
    physical: Option<&str>,
) -> (String, String, CustomResourceResponse) {
    let (url, received) = response_url().await;
    custom_resource::handle(store, event(request_type, &url, physical))
        .await
        .unwrap();
    received.await.unwrap()
}

async fn engine_with_table() -> (Engine, Store) {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let store = Store::connect(&StoreConfig {
        table: "articles".to_owned(),
        endpoint: Some(engine.endpoint()),
    })
    .await;
    // The deployed table comes from the template; here the engine needs one, unseeded.
    store.create_table_if_missing().await.unwrap();
    (engine, store)
}

#[tokio::test]
async fn create_seeds_update_changes_nothing_and_delete_keeps_the_data() {
    let (engine, store) = engine_with_table().await;
    assert!(
        store
            .list(Default::default(), None)
            .await
            .unwrap()
            .articles
            .is_empty()
    );

    let (request_line, head, created) = invoke(&store, "Create", None).await;
    assert!(
        request_line.starts_with("PUT /cfn-response/abc?X-Amz-Signature=xyz "),
        "{request_line}"
    );
    assert!(
        head.to_ascii_lowercase().contains("content-type: \r\n")
            || head.to_ascii_lowercase().contains("content-type:\r\n"),
        "{head}"
    );
    assert_eq!(created.status, "SUCCESS");
    assert_eq!(created.request_id, "req-Create");
    assert_eq!(created.logical_resource_id, "SeedArticles");
    assert_eq!(
        created.stack_id,
        "arn:aws:cloudformation:us-east-1:123456789012:stack/articles/1a2b"
    );
    assert!(!created.physical_resource_id.is_empty());
    let seeded = store.list(Default::default(), None).await.unwrap();
    assert_eq!(
        seeded
            .articles
            .iter()
            .map(|a| a.id.get())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );

    let (_, _, updated) = invoke(&store, "Update", Some(&created.physical_resource_id)).await;
    assert_eq!(updated.status, "SUCCESS");
    assert_eq!(
        updated.physical_resource_id, created.physical_resource_id,
        "never replaced"
    );
    assert!(
        updated.reason.contains("already seeded"),
        "{}",
        updated.reason
    );
    assert_eq!(store.list(Default::default(), None).await.unwrap(), seeded);

    let (_, _, deleted) = invoke(&store, "Delete", Some(&created.physical_resource_id)).await;
    assert_eq!(deleted.status, "SUCCESS");
    assert_eq!(deleted.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        store.list(Default::default(), None).await.unwrap(),
        seeded,
        "data retained"
    );
    engine.stop().await;
}

#[tokio::test]
async fn a_failed_seeding_still_answers_failed_with_a_reason() {
    let (engine, _) = engine_with_table().await;
    let missing = Store::connect(&StoreConfig {
        table: "no-such-table".to_owned(),
        endpoint: Some(engine.endpoint()),
    })
    .await;
    let (_, _, answer) = invoke(&missing, "Create", None).await;
    assert_eq!(answer.status, "FAILED");
    assert!(
        answer.reason.contains("seeding failed"),
        "{}",
        answer.reason
    );
    assert_eq!(answer.request_id, "req-Create");
    engine.stop().await;
}

#[tokio::test]
async fn unknown_and_unreadable_events_answer_failed() {
    let (engine, store) = engine_with_table().await;
    let (_, _, answer) = invoke(&store, "Rollback", Some("x")).await;
    assert_eq!(answer.status, "FAILED");
    assert!(answer.reason.contains("unknown request type"));

    let (url, received) = response_url().await;
    let unreadable = json!({"ResponseURL": url, "RequestType": 7, "StackId": "s", "RequestId": "r", "LogicalResourceId": "l"});
    custom_resource::handle(&store, unreadable).await.unwrap();
    let (_, _, answer) = received.await.unwrap();
    assert_eq!(answer.status, "FAILED");
    assert_eq!(answer.request_id, "r");
    engine.stop().await;
}
