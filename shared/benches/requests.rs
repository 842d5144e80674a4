//! Per-request work outside the store, for each route: API Gateway event JSON -> handler ->
//! response, including JSON and the DynamoDB item mapping.
//!
//! The store's HTTP client is replaced by one that answers every DynamoDB call at once with
//! a canned body, so what is measured is everything a function does per request except the
//! store's own work and the network: event parsing, routing, auth, the AWS SDK's request
//! building, signing and response parsing, item mapping and the response JSON. The
//! `mapping_and_json` group measures only our code on the list path (item mapping and JSON).
//!
//! Run: `cargo bench -p articles --bench requests`.

use std::collections::HashMap;
use std::hint::black_box;

use articles::auth::Verifier;
use articles::model::Article;
use articles::{App, Route, Store, StoreConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use criterion::{Criterion, criterion_group, criterion_main};

const TOKEN: &str = "test-token-0123456789";

fn item_json(id: u32) -> String {
    format!(
        r#"{{"id":{{"N":"{id}"}},"title":{{"S":"Article number {id}"}},"created":{{"S":"2026-12-03T16:06:53Z"}},"status":{{"S":"created"}},"live":{{"N":"1"}}}}"#
    )
}

/// Answers each DynamoDB operation with a fixed, valid body.
#[derive(Debug, Clone)]
struct Canned;

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = match target.rsplit('.').next().unwrap_or_default() {
            "Query" => format!(
                r#"{{"Count":3,"ScannedCount":3,"Items":[{},{},{}]}}"#,
                item_json(1),
                item_json(2),
                item_json(3)
            ),
            "GetItem" => format!(r#"{{"Item":{}}}"#, item_json(1)),
            "UpdateItem" => format!(r#"{{"Attributes":{}}}"#, item_json(4)).replace(
                r#""N":"4"},"title""#,
                r#""N":"4"},"last_id":{"N":"4"},"title""#,
            ),
            _ => "{}".to_owned(),
        };
        let mut response = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.0");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../functions/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn requests(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(async {
        let config = StoreConfig {
            table: "articles".to_owned(),
            endpoint: Some("http://canned.invalid".to_owned()),
        };
        App::new(
            Store::connect_with(&config, SharedHttpClient::new(Canned)).await,
            Some(Verifier::from_token(TOKEN)),
        )
    });
    let list = fixture("list-articles")
        .replace(r#""rawQueryString": "limit=2""#, r#""rawQueryString": """#)
        .replace(r#""queryStringParameters": {"limit": "2"},"#, "");
    let routes = [
        ("list_articles (3 articles)", Route::ListArticles, list, 200),
        (
            "get_article",
            Route::GetArticle,
            fixture("get-article"),
            200,
        ),
        (
            "create_article",
            Route::CreateArticle,
            fixture("create-article"),
            201,
        ),
        (
            "update_article",
            Route::UpdateArticle,
            fixture("update-article"),
            200,
        ),
        (
            "delete_article",
            Route::DeleteArticle,
            fixture("delete-article"),
            204,
        ),
    ];
    let mut group = c.benchmark_group("event_to_response");
    for (name, route, event, status) in routes {
        // Check the path really succeeds before timing it.
        let response =
            runtime.block_on(app.handle(route, lambda_http::request::from_str(&event).unwrap()));
        assert_eq!(response.status(), status, "{name}: {:?}", response.body());
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let request = lambda_http::request::from_str(black_box(&event)).unwrap();
                black_box(app.handle(route, request).await)
            })
        });
    }
    group.finish();

    let items: Vec<HashMap<String, AttributeValue>> = (1..=3)
        .map(|id| {
            HashMap::from([
                ("id".to_owned(), AttributeValue::N(id.to_string())),
                (
                    "title".to_owned(),
                    AttributeValue::S(format!("Article number {id}")),
                ),
                (
                    "created".to_owned(),
                    AttributeValue::S("2026-12-03T16:06:53Z".to_owned()),
                ),
                ("status".to_owned(), AttributeValue::S("created".to_owned())),
                ("live".to_owned(), AttributeValue::N("1".to_owned())),
            ])
        })
        .collect();
    c.bench_function("mapping_and_json/list_articles (3 articles)", |b| {
        b.iter(|| {
            let articles = black_box(&items)
                .iter()
                .map(Article::try_from)
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            black_box(serde_json::to_string(&articles).unwrap())
        })
    });
}

criterion_group!(benches, requests);
criterion_main!(benches);
