//! With `--data FILE`, a restart keeps every acknowledged write, and seeding never repeats.

use articles::store::Seeded;
use serde_json::Value;

use crate::helpers::{ids, spawn_on_file};

#[tokio::test]
async fn a_restart_keeps_every_acknowledged_write_and_does_not_reseed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("articles.db");

    let app = spawn_on_file(&path).await;
    let created = app.create("kept").await;
    assert_eq!(created["id"], 4);
    assert_eq!(
        app.post_article(1, r#"{"title":"renamed"}"#).await.status(),
        200
    );
    assert_eq!(app.delete_article(2).await.status(), 204);
    let before: Vec<Value> = app.list_all(100).await;
    app.stop().await;

    let app = spawn_on_file(&path).await;
    assert_eq!(app.list_all(100).await, before);
    assert_eq!(ids(&before), [1, 3, 4]);
    assert_eq!(
        app.get_article(2).await.status(),
        404,
        "still deleted, not reseeded"
    );
    assert_eq!(
        app.create("after restart").await["id"],
        5,
        "the counter continues"
    );
    app.stop().await;
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.db");
    let endpoint_engine =
        articles_local::engine::Engine::start(([127, 0, 0, 1], 0).into(), Some(&path))
            .await
            .unwrap();
    let endpoint = endpoint_engine.endpoint();
    let (store, first) = articles_local::prepare_store(&endpoint, "articles")
        .await
        .unwrap();
    assert_eq!(first, Seeded::Now);
    let page_before = store.list(Default::default(), None).await.unwrap();
    let (_, second) = articles_local::prepare_store(&endpoint, "articles")
        .await
        .unwrap();
    assert_eq!(second, Seeded::Already);
    let page_after = store.list(Default::default(), None).await.unwrap();
    assert_eq!(page_before, page_after);
    assert_eq!(page_after.articles.len(), 3);
    let created = store
        .create(articles::model::Title::parse("four").unwrap())
        .await
        .unwrap();
    assert_eq!(created.id.get(), 4, "the counter was not reset");
    endpoint_engine.stop().await;
}
