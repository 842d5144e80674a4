//! The handlers, called the way Lambda calls them: real API Gateway HTTP API (v2) events from
//! `functions/fixtures/`, parsed by `lambda_http`, against a fresh embedded engine.

use articles::auth::Verifier;
use articles::{App, Route};
use articles_local::engine::Engine;
use lambda_http::{Body, Response};
use serde_json::Value;

use crate::helpers::TOKEN;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../functions/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn event(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&fixture(name)).expect("a valid API Gateway v2 event")
}

fn json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

async fn fresh_app(verifier: Option<Verifier>) -> (App, Engine) {
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let (store, _) = articles_local::prepare_store(&engine.endpoint(), "articles")
        .await
        .unwrap();
    (App::new(store, verifier), engine)
}

#[tokio::test]
async fn each_function_answers_its_fixture_event() {
    let (app, engine) = fresh_app(Some(Verifier::from_token(TOKEN))).await;

    let listed = app
        .handle(Route::ListArticles, event("list-articles"))
        .await;
    assert_eq!(listed.status(), 200);
    assert_eq!(json(&listed).as_array().unwrap().len(), 2);
    let link = listed.headers()["link"].to_str().unwrap();
    assert!(link.starts_with("</articles?limit=2&cursor="), "{link}");

    let got = app.handle(Route::GetArticle, event("get-article")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(json(&got)["id"], 1);

    let created = app
        .handle(Route::CreateArticle, event("create-article"))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["location"], "/articles/4");
    assert_eq!(json(&created)["title"], "From a Lambda event");

    let base64 = app
        .handle(Route::CreateArticle, event("create-article-base64"))
        .await;
    assert_eq!(base64.status(), 201);
    assert_eq!(json(&base64)["title"], "Base64 body");

    let updated = app
        .handle(Route::UpdateArticle, event("update-article"))
        .await;
    assert_eq!(updated.status(), 200);
    assert_eq!(json(&updated)["title"], "Renamed by a Lambda event");

    let deleted = app
        .handle(Route::DeleteArticle, event("delete-article"))
        .await;
    assert_eq!(deleted.status(), 204);
    let again = app
        .handle(Route::DeleteArticle, event("delete-article"))
        .await;
    assert_eq!(again.status(), 404);

    let no_token = app
        .handle(Route::CreateArticle, event("create-article-no-token"))
        .await;
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    engine.stop().await;
}

#[tokio::test]
async fn a_function_without_digests_trusts_only_the_authorizer_context() {
    let (app, engine) = fresh_app(None).await;
    let let_in = app
        .handle(Route::CreateArticle, event("create-article-via-authorizer"))
        .await;
    assert_eq!(let_in.status(), 201);
    // Same token, but no authorizer ran and the function holds no digests: refused.
    let direct = app
        .handle(Route::CreateArticle, event("create-article"))
        .await;
    assert_eq!(direct.status(), 403);
    engine.stop().await;
}

#[tokio::test]
async fn the_authorizer_allows_its_fixture_and_denies_a_wrong_token() {
    let verifier = Verifier::from_token(TOKEN);
    let allowed = verifier.authorize(serde_json::from_str(&fixture("authorizer")).unwrap());
    assert!(allowed.is_authorized);
    let denied =
        verifier.authorize(serde_json::from_str(&fixture("authorizer-wrong-token")).unwrap());
    assert!(!denied.is_authorized);
    assert!(denied.context.is_empty());
}
