//! `ANY /articles`, `ANY /articles/{id}` and `$default` on the deployed API: 405 with `Allow`
//! for a known path, 404 for any other, in the API's problem format.
//!
//! API Gateway itself would answer 404 for a method no route has; this function makes the
//! deployed API answer exactly what the local server answers.

use articles::telemetry;
use lambda_http::{Request, service_fn};

// Lambda hands a sandbox one event at a time, so one thread serves it; a single-threaded
// runtime also starts without spawning workers or reading the cgroup CPU quota.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    lambda_http::run(service_fn(|request: Request| async move {
        Ok::<_, std::convert::Infallible>(articles::http::fallback(&request))
    }))
    .await
}
