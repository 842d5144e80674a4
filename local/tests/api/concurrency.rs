//! Concurrent writers: the atomic counter gives unique ids, nothing is lost, and racing
//! updates and deletes end in a state some serial order of them gives.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use articles_local::Backend;
use articles_local::engine::Engine;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::helpers::{engine_client, ids, spawn_app, spawn_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_creates_get_unique_ids_and_are_all_listed() {
    let app = Arc::new(spawn_app().await);
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move {
                app.create(&format!("concurrent {n}")).await["id"]
                    .as_i64()
                    .unwrap()
            })
        })
        .collect();
    let mut created = BTreeSet::new();
    for task in tasks {
        assert!(created.insert(task.await.unwrap()), "duplicate id");
    }
    assert_eq!(created.len(), 64);
    assert_eq!(created, (4..68).collect::<BTreeSet<i64>>());
    let listed = ids(&app.list_all(1000).await);
    let expected: Vec<i64> = (1..68).collect();
    assert_eq!(listed, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_creates_get_unique_ids_and_the_counter_is_the_highest() {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let app = Arc::new(spawn_with(Backend::Endpoint(engine.endpoint())).await);
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move {
                let created = app.create(&format!("race {n}")).await;
                (created["id"].as_i64().unwrap(), created["title"].clone())
            })
        })
        .collect();
    let mut created = BTreeMap::new();
    for task in tasks {
        let (id, title) = task.await.unwrap();
        assert!(created.insert(id, title).is_none(), "duplicate id {id}");
    }
    assert_eq!(created.len(), 200);
    let highest = *created.keys().max().unwrap();
    assert!(
        created.keys().all(|&id| id > 3),
        "seed ids are never handed out again"
    );
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
        AttributeValue::N(highest.to_string())
    );
    for article in app.list_all(1000).await.iter().skip(3) {
        let id = article["id"].as_i64().unwrap();
        assert_eq!(created[&id], article["title"], "article {id}");
    }
    engine.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_updates_and_deletes_end_in_a_state_some_serial_order_gives() {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let app = Arc::new(spawn_with(Backend::Endpoint(engine.endpoint())).await);
    for round in 0..5 {
        let id = app.create(&format!("contended {round}")).await["id"]
            .as_i64()
            .unwrap();
        let updates: Vec<_> = (0..40)
            .map(|n| {
                let app = app.clone();
                tokio::spawn(async move {
                    let title = format!("round {round} update {n}");
                    let body = serde_json::json!({ "title": title }).to_string();
                    let response = app.post_article(id, &body).await;
                    let status = response.status().as_u16();
                    if status == 200 {
                        let echoed: serde_json::Value = response.json().await.unwrap();
                        assert_eq!(
                            echoed["title"],
                            title.as_str(),
                            "an update answers its own write"
                        );
                        assert_eq!(echoed["status"], "created");
                    }
                    (title, status)
                })
            })
            .collect();
        let deletes: Vec<_> = (0..4)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move { app.delete_article(id).await.status().as_u16() })
            })
            .collect();
        let mut applied = BTreeSet::new();
        let mut refused = BTreeSet::new();
        for update in updates {
            let (title, status) = update.await.unwrap();
            match status {
                200 => applied.insert(title),
                404 => refused.insert(title),
                other => panic!("update answered {other}"),
            };
        }
        let mut delete_statuses = Vec::new();
        for delete in deletes {
            delete_statuses.push(delete.await.unwrap());
        }
        delete_statuses.sort_unstable();
        assert_eq!(
            delete_statuses,
            [204, 404, 404, 404],
            "exactly one delete wins"
        );

        // Deleted for good: never revived, never edited again.
        assert_eq!(app.get_article(id).await.status(), 404);
        assert_eq!(
            app.post_article(id, r#"{"title":"revive?"}"#)
                .await
                .status(),
            404
        );
        let stored = engine_client(&engine.endpoint())
            .get_item()
            .table_name("articles")
            .key("id", AttributeValue::N(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let stored = stored.item().unwrap();
        assert_eq!(stored["status"], AttributeValue::S("deleted".into()));
        assert!(!stored.contains_key("live"), "left the list index");
        let AttributeValue::S(title) = &stored["title"] else {
            panic!("title is a string")
        };
        // Serial order: every acknowledged update, then the delete, then every refused update.
        // So the stored title is the original or an acknowledged one, never a refused one.
        assert!(
            !refused.contains(title),
            "a refused update was applied: {title}"
        );
        assert!(
            applied.contains(title)
                || (applied.is_empty() && *title == format!("contended {round}")),
            "stored title {title} is not what a serial order gives (applied: {applied:?})"
        );
    }
    engine.stop().await;
}
