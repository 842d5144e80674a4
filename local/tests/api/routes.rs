//! Each route's success path, and the data rules around it.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{ids, next_link, send, spawn_app};

fn assert_whole_seconds_utc(created: &str) {
    let parsed = chrono_like(created);
    assert!(parsed, "not RFC 3339 UTC whole seconds: {created}");
}

/// `YYYY-MM-DDTHH:MM:SSZ`, nothing more.
fn chrono_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test]
async fn the_three_seeded_articles_are_listed_in_id_order() {
    let app = spawn_app().await;
    let response = app.get_articles("").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers().get("link").is_none());
    let articles: Vec<Value> = response.json().await.unwrap();
    assert_eq!(ids(&articles), [1, 2, 3]);
    for a in &articles {
        assert_eq!(a["status"], "created");
        assert!(!a["title"].as_str().unwrap().is_empty());
        assert_whole_seconds_utc(a["created"].as_str().unwrap());
        assert_eq!(a.as_object().unwrap().len(), 4, "{a}");
    }
}

#[tokio::test]
async fn the_first_create_gets_id_4_with_201_and_location() {
    let app = spawn_app().await;
    let response = app.post_articles(r#"{"title": "  Fourth  "}"#).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "/articles/4");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["id"], 4);
    assert_eq!(created["title"], "Fourth");
    assert_eq!(created["status"], "created");
    assert_whole_seconds_utc(created["created"].as_str().unwrap());

    let fetched: Value = app.get_article(4).await.json().await.unwrap();
    assert_eq!(fetched, created);
    assert_eq!(app.create("Fifth").await["id"], 5);
}

#[tokio::test]
async fn get_returns_one_article() {
    let app = spawn_app().await;
    let response = app.get_article(2).await;
    assert_eq!(response.status(), 200);
    let article: Value = response.json().await.unwrap();
    assert_eq!(article["id"], 2);
    assert_eq!(article["title"], "Second Article");
}

#[tokio::test]
async fn update_sets_the_title_and_keeps_the_rest() {
    let app = spawn_app().await;
    let before: Value = app.get_article(1).await.json().await.unwrap();
    let response = app.post_article(1, r#"{"title":"Renamed"}"#).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["title"], "Renamed");
    assert_eq!(updated["id"], before["id"]);
    assert_eq!(updated["created"], before["created"]);
    assert_eq!(updated["status"], "created");
    let after: Value = app.get_article(1).await.json().await.unwrap();
    assert_eq!(after, updated);
}

#[tokio::test]
async fn a_deleted_article_is_never_returned_edited_or_deleted_again() {
    let app = spawn_app().await;
    let response = app.delete_article(2).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.bytes().await.unwrap().is_empty());

    assert_eq!(app.get_article(2).await.status(), 404);
    assert_eq!(
        ids(&app
            .get_articles("")
            .await
            .json::<Vec<Value>>()
            .await
            .unwrap()),
        [1, 3]
    );
    assert_eq!(
        app.post_article(2, r#"{"title":"Revived?"}"#)
            .await
            .status(),
        404
    );
    assert_eq!(app.delete_article(2).await.status(), 404);
    // Still deleted, still not revived by the failed update.
    assert_eq!(app.get_article(2).await.status(), 404);
    assert_eq!(app.list_all(10).await.len(), 2);
}

#[tokio::test]
async fn walking_pages_of_two_returns_every_live_article_exactly_once() {
    let app = spawn_app().await;
    for n in 0..9 {
        app.create(&format!("Article {n}")).await;
    }
    for id in [2, 5, 6, 12] {
        assert_eq!(app.delete_article(id).await.status(), 204);
    }
    let all = app.list_all(2).await;
    assert_eq!(ids(&all), [1, 3, 4, 7, 8, 9, 10, 11]);
    let mut pages = 0;
    let mut path = "/articles?limit=2".to_owned();
    loop {
        let response = send(app.request(Method::GET, &path)).await;
        pages += 1;
        match next_link(&response) {
            Some(next) => {
                assert!(next.starts_with("/articles?limit=2&cursor="), "{next}");
                path = next;
            }
            None => break,
        }
    }
    assert_eq!(
        pages, 4,
        "8 live articles in pages of 2, and no empty last page"
    );
}

#[tokio::test]
async fn limit_caps_the_page_and_defaults_to_100() {
    let app = spawn_app().await;
    let one: Vec<Value> = app.get_articles("?limit=1").await.json().await.unwrap();
    assert_eq!(ids(&one), [1]);
    let exact = app.get_articles("?limit=3").await;
    assert!(
        exact.headers().get("link").is_none(),
        "no next page when exactly the rest fits"
    );
    for n in 0..100 {
        app.create(&format!("n{n}")).await;
    }
    let default = app.get_articles("").await;
    let next = next_link(&default).expect("a next link past 100");
    let page: Vec<Value> = default.json().await.unwrap();
    assert_eq!(page.len(), 100);
    assert!(next.starts_with("/articles?limit=100&cursor="));
    let big: Vec<Value> = app.get_articles("?limit=1000").await.json().await.unwrap();
    assert_eq!(big.len(), 103);
}

#[tokio::test]
async fn no_fractional_seconds_appear_anywhere() {
    let app = spawn_app().await;
    app.create("a").await;
    app.post_article(4, r#"{"title":"b"}"#).await;
    let body = app.get_articles("").await.text().await.unwrap();
    let articles: Vec<Value> = serde_json::from_str(&body).unwrap();
    for a in &articles {
        assert_whole_seconds_utc(a["created"].as_str().unwrap());
    }
}

#[tokio::test]
async fn a_missing_content_type_is_read_as_json() {
    let app = spawn_app().await;
    let response = send(
        app.authed(Method::POST, "/articles")
            .body(r#"{"title":"no type"}"#),
    )
    .await;
    assert_eq!(response.status(), 201);
    let charset = send(
        app.authed(Method::POST, "/articles")
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"title":"with charset"}"#),
    )
    .await;
    assert_eq!(charset.status(), 201);
}

#[tokio::test]
async fn unicode_titles_are_kept_exactly() {
    let app = spawn_app().await;
    let created = app.create("Ünïcødé — 記事 🚀").await;
    assert_eq!(created["title"], "Ünïcødé — 記事 🚀");
    let fetched: Value = app
        .get_article(created["id"].as_i64().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["title"], "Ünïcødé — 記事 🚀");
}
