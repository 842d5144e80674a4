//! The CloudFormation custom resource that seeds the table when the stack is created.
//!
//! It runs the same idempotent [`Store::seed`] as the local server, so an update re-runs it
//! harmlessly, and a delete changes nothing (the table is retained). Whatever happens, it
//! answers CloudFormation's pre-signed response URL, with `FAILED` and a reason when seeding
//! failed, so a stack never hangs waiting for it.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

use crate::store::{Seeded, Store};

/// How long the answer to CloudFormation may take before it is given up.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(20);

/// The fields of a CloudFormation custom resource request this handler uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceEvent {
    /// `Create`, `Update` or `Delete`.
    pub request_type: String,
    /// Where the answer is `PUT`.
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    /// Echoed back.
    pub stack_id: String,
    /// Echoed back.
    pub request_id: String,
    /// Echoed back.
    pub logical_resource_id: String,
    /// Present on `Update` and `Delete`.
    #[serde(default)]
    pub physical_resource_id: Option<String>,
}

/// The answer CloudFormation expects at the response URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceResponse {
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    /// Why it failed, or what it did; CloudFormation shows it in the stack events.
    pub reason: String,
    /// Stable across updates, so CloudFormation never replaces the resource.
    pub physical_resource_id: String,
    /// From the request.
    pub stack_id: String,
    /// From the request.
    pub request_id: String,
    /// From the request.
    pub logical_resource_id: String,
}

/// Why the answer could not be delivered to CloudFormation.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The response URL is not a URL.
    #[error("the response URL is invalid")]
    Url(#[source] http::Error),
    /// The PUT failed or timed out.
    #[error("the response could not be sent")]
    Send(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The URL answered something other than 2xx.
    #[error("the response URL answered {0}")]
    Status(http::StatusCode),
}

/// Runs the request (seeding on `Create` and `Update`, nothing on `Delete`) and returns the
/// answer to send; it never fails, since a failure is itself an answer.
pub async fn run(store: &Store, event: &CustomResourceEvent) -> CustomResourceResponse {
    let outcome = match event.request_type.as_str() {
        "Create" | "Update" => match store.seed().await {
            Ok(Seeded::Now) => Ok("seeded articles 1-3 and the id counter".to_owned()),
            Ok(Seeded::Already) => Ok("already seeded; nothing changed".to_owned()),
            Err(e) => {
                tracing::error!(error = %e, source = ?std::error::Error::source(&e), "seeding failed");
                Err(format!("seeding failed: {e}"))
            }
        },
        "Delete" => Ok("nothing to do: the table and its data are retained".to_owned()),
        other => Err(format!("unknown request type `{other}`")),
    };
    let (status, reason) = match outcome {
        Ok(reason) => ("SUCCESS", reason),
        Err(reason) => ("FAILED", reason),
    };
    CustomResourceResponse {
        status: status.to_owned(),
        reason,
        physical_resource_id: event
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| format!("{}-seed", event.logical_resource_id)),
        stack_id: event.stack_id.clone(),
        request_id: event.request_id.clone(),
        logical_resource_id: event.logical_resource_id.clone(),
    }
}

/// `PUT`s the answer to the response URL (HTTPS in AWS; plain HTTP accepted for tests).
///
/// # Errors
/// [`ResponseError`] when it could not be delivered.
pub async fn send(url: &str, response: &CustomResourceResponse) -> Result<(), ResponseError> {
    let body = serde_json::to_vec(response).map_err(|e| ResponseError::Send(Box::new(e)))?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| ResponseError::Send(Box::new(e)))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    // The pre-signed URL is signed for an empty content type.
    let request = http::Request::put(url)
        .header(CONTENT_TYPE, "")
        .header(CONTENT_LENGTH, body.len())
        .body(Full::new(Bytes::from(body)))
        .map_err(ResponseError::Url)?;
    let answer = tokio::time::timeout(RESPONSE_TIMEOUT, client.request(request))
        .await
        .map_err(|e| ResponseError::Send(Box::new(e)))?
        .map_err(|e| ResponseError::Send(Box::new(e)))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(ResponseError::Status(answer.status()))
    }
}

/// The whole Lambda handler: run the request, then answer CloudFormation.
///
/// # Errors
/// [`ResponseError`] when the answer could not be delivered (Lambda logs it; CloudFormation
/// then times the resource out, which is all that is left to do).
pub async fn handle(store: &Store, event: serde_json::Value) -> Result<(), ResponseError> {
    let event: CustomResourceEvent = match serde_json::from_value(event.clone()) {
        Ok(event) => event,
        Err(e) => {
            // Without the echo fields no valid answer can be built, but try the URL anyway
            // so the stack does not hang for an hour.
            tracing::error!(error = %e, "unreadable custom resource event");
            let Some(url) = event.get("ResponseURL").and_then(|u| u.as_str()) else {
                return Ok(());
            };
            let field = |name: &str| {
                event
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let response = CustomResourceResponse {
                status: "FAILED".to_owned(),
                reason: format!("unreadable custom resource event: {e}"),
                physical_resource_id: field("PhysicalResourceId"),
                stack_id: field("StackId"),
                request_id: field("RequestId"),
                logical_resource_id: field("LogicalResourceId"),
            };
            return send(url, &response).await;
        }
    };
    let response = run(store, &event).await;
    tracing::info!(status = %response.status, reason = %response.reason, "custom resource answered");
    send(&event.response_url, &response).await
}
