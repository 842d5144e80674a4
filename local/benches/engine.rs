//! Where a list request's time goes inside the process, per call:
//!
//! - `engine/query`: the embedded engine's own `Query` (what `GET /articles` asks of it),
//!   called directly with a parsed request: the floor no transport can go under;
//! - `store/list`: the same `Query` through the AWS SDK and the in-process transport, plus
//!   the item mapping: what the handler awaits.
//!
//! Run: `cargo bench -p articles-local --bench engine`.

use std::hint::black_box;

use articles::model::Limit;
use articles_local::engine::Embedded;
use criterion::{Criterion, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = Embedded::open(None).unwrap();
    let (store, _) = runtime
        .block_on(articles_local::prepare_embedded(&engine, "articles"))
        .unwrap();
    let db = engine.database();
    let request = r##"{"TableName":"articles","IndexName":"live-by-id","KeyConditionExpression":"#live = :live AND #id > :after","ExpressionAttributeNames":{"#live":"live","#id":"id"},"ExpressionAttributeValues":{":live":{"N":"1"},":after":{"N":"0"}},"Limit":101}"##;
    c.bench_function("engine/query (3 articles)", |b| {
        b.iter(|| {
            let parsed = serde_json::from_str(black_box(request)).unwrap();
            black_box(db.query(parsed).unwrap())
        })
    });
    c.bench_function("store/list (3 articles, SDK + in-process transport)", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(store.list(Limit::default(), None).await.unwrap()) })
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
