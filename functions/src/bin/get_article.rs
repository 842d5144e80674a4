//! `GET /articles/{id}`: returns one live article.
//!
//! Holds no logic: tracing, the store client and the verifier are set up once, and each
//! request goes to [`articles::App::handle`] for [`Route::GetArticle`].

use articles::{Route, config, telemetry};

// Lambda hands a sandbox one event at a time, so one thread serves it; a single-threaded
// runtime also starts without spawning workers or reading the cgroup CPU quota.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = config::app_from_env().await?;
    lambda_http::run(app.into_service(Route::GetArticle)).await
}
