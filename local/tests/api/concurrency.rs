//! Concurrent writers: the atomic counter gives unique ids, and nothing is lost.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::helpers::{ids, spawn_app};

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
