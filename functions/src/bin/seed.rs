//! The CloudFormation custom resource that seeds articles 1-3 and the id counter when the
//! stack is created, with the same idempotent code the local server runs.

use articles::{Store, config, custom_resource, telemetry};
use lambda_runtime::{LambdaEvent, service_fn};

// Lambda hands a sandbox one event at a time, so one thread serves it; a single-threaded
// runtime also starts without spawning workers or reading the cgroup CPU quota.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let store = Store::connect(&config::store_config()?).await;
    let store = &store;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            custom_resource::handle(store, event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}
