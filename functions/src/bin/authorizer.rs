//! The API Gateway HTTP API Lambda authorizer (simple responses) for every write route.
//!
//! Holds no logic: the token digests are read once from `TOKEN_SHA256`, and each event goes
//! to [`articles::auth::Verifier::authorize`], which denies on anything it cannot verify.

use articles::{config, telemetry};
use lambda_runtime::{LambdaEvent, service_fn};

// Lambda hands a sandbox one event at a time, so one thread serves it; a single-threaded
// runtime also starts without spawning workers or reading the cgroup CPU quota.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let verifier = config::verifier()?;
    let verifier = &verifier;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            Ok::<_, std::convert::Infallible>(verifier.authorize(event.payload))
        },
    ))
    .await
}
