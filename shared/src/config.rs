//! Settings read once from the environment when a Lambda function starts.
//!
//! - `TABLE_NAME` (required): the DynamoDB table.
//! - `TOKEN_SHA256` (optional): comma-separated hex SHA-256 digests of the accepted tokens,
//!   for the authorizer and for writes reached without an authorizer context.
//! - `DYNAMODB_ENDPOINT` (optional): a DynamoDB-compatible endpoint instead of AWS.

use crate::auth::{DigestsError, Verifier};
use crate::http::App;
use crate::store::{Store, StoreConfig};

/// Why the environment does not describe a working function.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is missing or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// `TOKEN_SHA256` is set but not a digest list.
    #[error("TOKEN_SHA256: {0}")]
    Digests(#[from] DigestsError),
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The store settings from `TABLE_NAME` and `DYNAMODB_ENDPOINT`.
///
/// # Errors
/// [`ConfigError::Missing`] without `TABLE_NAME`.
pub fn store_config() -> Result<StoreConfig, ConfigError> {
    Ok(StoreConfig {
        table: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
        endpoint: var("DYNAMODB_ENDPOINT"),
    })
}

/// The token verifier from `TOKEN_SHA256`.
///
/// # Errors
/// [`ConfigError::Missing`] when unset, [`ConfigError::Digests`] when malformed.
pub fn verifier() -> Result<Verifier, ConfigError> {
    let digests = var("TOKEN_SHA256").ok_or(ConfigError::Missing("TOKEN_SHA256"))?;
    Ok(Verifier::from_hex_digests(&digests)?)
}

/// The whole app from the environment: store client built once, verifier when digests are set.
///
/// # Errors
/// [`ConfigError`] when a setting is missing or malformed.
pub async fn app_from_env() -> Result<App, ConfigError> {
    let verifier = match verifier() {
        Ok(v) => Some(v),
        Err(ConfigError::Missing(_)) => None,
        Err(e) => return Err(e),
    };
    let store = Store::connect(&store_config()?).await;
    Ok(App::new(store, verifier))
}
