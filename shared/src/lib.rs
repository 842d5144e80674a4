//! The articles API's domain crate: everything but the process around it.
//!
//! - [`model`]: the article and its parsed newtypes (`ArticleId`, `Title`, `Limit`, `Cursor`).
//! - [`error`]: the one error enum and its mapping to problem-details responses.
//! - [`auth`]: bearer-token verification against SHA-256 digests, and the Lambda authorizer.
//! - [`item`]: the DynamoDB item layout and its mapping to domain types.
//! - [`store`]: the DynamoDB store: schema, seeding, atomic counter, conditional writes, list.
//! - [`routes`]: the route table every router and the deployment agree with.
//! - [`http`]: the request handlers, on `lambda_http` types.
//! - [`custom_resource`]: the CloudFormation custom resource that seeds a deployed table.
//! - [`config`]: settings read once from the environment by the Lambda functions.
//! - [`telemetry`]: logging setup.

pub mod auth;
pub mod config;
pub mod custom_resource;
pub mod error;
pub mod http;
pub mod item;
pub mod model;
pub mod routes;
pub mod store;
pub mod telemetry;

pub use error::ApiError;
pub use http::App;
pub use routes::Route;
pub use store::{Store, StoreConfig};
