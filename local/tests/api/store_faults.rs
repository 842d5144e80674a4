//! The store's bad days: an unreachable, throttling, failing, slow or flaky engine is a 503
//! with `Retry-After` on every route within a bounded time, the API recovers by itself, a
//! half-done create leaves nothing visible, and a malformed item is an opaque 500.

use std::collections::HashMap;
use std::time::Duration;

use articles_local::Backend;
use articles_local::engine::Engine;
use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::Response;

use crate::fault_proxy::{Fault, FaultProxy, INTERNAL_ERROR, THROTTLING, THROUGHPUT_EXCEEDED};
use crate::helpers::{TestApp, engine_client, ids, problem, spawn_with};

/// Longer than any store call may take (5 s operation budget) plus the server's own work:
/// a request still unanswered by then has hung.
const NO_HANG: Duration = Duration::from_secs(20);

/// One request to each route, all at once; panics if any hangs.
async fn every_route(app: &TestApp) -> [Response; 5] {
    let all = async {
        tokio::join!(
            app.get_articles(""),
            app.get_article(1),
            app.post_articles(r#"{"title":"during"}"#),
            app.post_article(1, r#"{"title":"during"}"#),
            app.delete_article(1),
        )
    };
    let (list, get, create, update, delete) = tokio::time::timeout(NO_HANG, all)
        .await
        .expect("every route answers within the bound");
    [list, get, create, update, delete]
}

/// A 503 problem with `Retry-After` and nothing internal in its body.
async fn unavailable(response: Response) {
    assert_eq!(response.headers()["retry-after"], "1");
    let text = problem(response, 503).await.to_string();
    for internal in [
        "127.0.0.1",
        "dispatch",
        "Exception",
        "injected",
        "InternalServerError",
    ] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }
}

/// The engine behind a fault proxy, and the API on the proxy.
async fn behind_proxy() -> (Engine, FaultProxy, TestApp) {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let proxy = FaultProxy::start(engine.endpoint()).await;
    let app = spawn_with(Backend::Endpoint(proxy.endpoint())).await;
    (engine, proxy, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_503_under_each_store_fault_and_recovers_after() {
    let (engine, proxy, app) = behind_proxy().await;
    let faults = [
        THROTTLING,
        THROUGHPUT_EXCEEDED,
        INTERNAL_ERROR,
        Fault::Drop,
        Fault::Delay(Duration::from_secs(30)),
    ];
    for fault in faults {
        proxy.set(fault);
        for response in every_route(&app).await {
            unavailable(response).await;
        }
        let faulted = proxy.take_faulted();
        assert!(
            faulted.len() >= 5,
            "{fault:?}: every route reached the store: {faulted:?}"
        );
        proxy.clear();
        // Recovered by itself: nothing was written while the store failed.
        assert_eq!(ids(&app.list_all(100).await), [1, 2, 3], "{fault:?}");
        assert_eq!(app.get_article(1).await.status(), 200, "{fault:?}");
    }
    // Every route works again, one after the other.
    assert_eq!(app.get_articles("").await.status(), 200);
    assert_eq!(app.create("after").await["id"], 4);
    assert_eq!(
        app.post_article(4, r#"{"title":"renamed"}"#).await.status(),
        200
    );
    assert_eq!(app.get_article(4).await.status(), 200);
    assert_eq!(app.delete_article(4).await.status(), 204);
    app.stop().await;
    engine.stop().await;
}

#[tokio::test]
async fn throttling_for_one_attempt_is_retried_by_the_sdk() {
    let (engine, proxy, app) = behind_proxy().await;
    proxy.set_for(THROTTLING, Some("Query"), Some(1));
    assert_eq!(app.get_articles("").await.status(), 200);
    assert_eq!(proxy.take_faulted(), ["Query"]);
    app.stop().await;
    engine.stop().await;
}

#[tokio::test]
async fn a_create_that_fails_after_the_counter_moved_leaves_nothing_visible() {
    let (engine, proxy, app) = behind_proxy().await;
    proxy.set_for(INTERNAL_ERROR, Some("PutItem"), None);
    unavailable(app.post_articles(r#"{"title":"lost"}"#).await).await;
    assert_eq!(
        proxy.take_faulted(),
        ["PutItem"; 3],
        "the SDK tried its whole budget"
    );
    proxy.clear();

    // The counter moved (id 4 was handed out) but no article 4 exists anywhere.
    let counter = engine_client(&engine.endpoint())
        .get_item()
        .table_name("articles")
        .key("id", AttributeValue::N("0".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        counter.item().unwrap()["last_id"],
        AttributeValue::N("4".into())
    );
    assert_eq!(app.get_article(4).await.status(), 404);
    assert_eq!(ids(&app.list_all(100).await), [1, 2, 3]);

    // The next create works; the gap in ids is the only trace.
    let next = app.create("next").await;
    assert_eq!(next["id"], 5);
    assert_eq!(ids(&app.list_all(100).await), [1, 2, 3, 5]);
    app.stop().await;
    engine.stop().await;
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_acknowledged_once_not_failed() {
    let (engine, proxy, app) = behind_proxy().await;
    // The engine writes the item, the answer never arrives, the SDK retries and meets its own
    // write: that is a success, not a 500 and not a second article.
    proxy.set_for(Fault::LoseAnswer, Some("PutItem"), Some(1));
    let created = app.create("written once").await;
    assert_eq!(proxy.take_faulted(), ["PutItem"]);
    assert_eq!(created["id"], 4);
    let listed = app.list_all(100).await;
    assert_eq!(ids(&listed), [1, 2, 3, 4]);
    assert_eq!(listed[3], created);

    // An update whose answer was lost is simply applied again.
    proxy.set_for(Fault::LoseAnswer, Some("UpdateItem"), Some(1));
    let updated = app.post_article(4, r#"{"title":"renamed"}"#).await;
    assert_eq!(updated.status(), 200);
    assert_eq!(proxy.take_faulted(), ["UpdateItem"]);
    let fetched: serde_json::Value = app.get_article(4).await.json().await.unwrap();
    assert_eq!(fetched["title"], "renamed");
    app.stop().await;
    engine.stop().await;
}

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
    engine_client(&engine.endpoint())
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
