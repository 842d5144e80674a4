//! An in-process transport between the AWS SDK and the embedded engine: no TCP hop.
//!
//! The store's code is unchanged: the SDK still builds, signs and sends each DynamoDB
//! request, and still parses each response and error. Only the transport differs. Instead of
//! writing the request to a socket, [`EngineClient`] hands its JSON body to the engine's
//! operation for the `X-Amz-Target` header and returns the engine's JSON answer, with the
//! status and error body the engine's own HTTP server would send.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use dynoxide::Database;
use serde::Serialize;
use serde::de::DeserializeOwned;

const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// The SDK's HTTP client, answered by an in-process engine.
#[derive(Clone)]
pub struct EngineClient {
    db: Database,
    blocking: bool,
}

impl std::fmt::Debug for EngineClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineClient")
            .field("blocking", &self.blocking)
            .finish()
    }
}

impl EngineClient {
    /// A client for `db`. With `blocking`, each operation runs on tokio's blocking pool (for
    /// a file-backed engine, whose commits wait for the disk); otherwise inline, since an
    /// in-memory operation takes microseconds.
    pub fn new(db: Database, blocking: bool) -> Self {
        Self { db, blocking }
    }

    /// As the SDK's shared HTTP client.
    pub fn shared(self) -> SharedHttpClient {
        SharedHttpClient::new(self)
    }
}

impl HttpClient for EngineClient {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for EngineClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.strip_prefix(TARGET_PREFIX))
            .unwrap_or_default()
            .to_owned();
        let body = request
            .body()
            .bytes()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        if self.blocking {
            let db = self.db.clone();
            HttpConnectorFuture::new(async move {
                let answer = tokio::task::spawn_blocking(move || dispatch(&db, &operation, &body))
                    .await
                    .unwrap_or_else(|_| internal_error());
                Ok(response(answer))
            })
        } else {
            HttpConnectorFuture::ready(Ok(response(dispatch(&self.db, &operation, &body))))
        }
    }
}

/// A status and a JSON body, as the engine's HTTP server would answer.
struct Answer(u16, Vec<u8>);

fn response(Answer(status, body): Answer) -> HttpResponse {
    let status = status
        .try_into()
        .unwrap_or_else(|_| 500u16.try_into().expect("500 is a status"));
    let mut response = HttpResponse::new(status, SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

fn run<Req, Resp>(body: &[u8], op: impl FnOnce(Req) -> dynoxide::Result<Resp>) -> Answer
where
    Req: DeserializeOwned,
    Resp: Serialize,
{
    let request = match serde_json::from_slice::<Req>(body) {
        Ok(request) => request,
        Err(e) => {
            let error = dynoxide::DynoxideError::SerializationException(e.to_string());
            return Answer(error.status_code(), error.to_json().into_bytes());
        }
    };
    match op(request) {
        Ok(answer) => match serde_json::to_vec(&answer) {
            Ok(json) => Answer(200, json),
            Err(_) => internal_error(),
        },
        Err(error) => Answer(error.status_code(), error.to_json().into_bytes()),
    }
}

fn internal_error() -> Answer {
    let error = dynoxide::DynoxideError::InternalServerError("the engine failed".to_owned());
    Answer(error.status_code(), error.to_json().into_bytes())
}

/// The operations the store and its tooling use.
fn dispatch(db: &Database, operation: &str, body: &[u8]) -> Answer {
    match operation {
        "GetItem" => run(body, |r| db.get_item(r)),
        "Query" => run(body, |r| db.query(r)),
        "PutItem" => run(body, |r| db.put_item(r)),
        "UpdateItem" => run(body, |r| db.update_item(r)),
        "DeleteItem" => run(body, |r| db.delete_item(r)),
        "TransactWriteItems" => run(body, |r| db.transact_write_items(r)),
        "CreateTable" => run(body, |r| db.create_table(r)),
        "DescribeTable" => run(body, |r| db.describe_table(r)),
        _ => Answer(
            400,
            br#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#.to_vec(),
        ),
    }
}
