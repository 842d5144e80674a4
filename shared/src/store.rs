//! The DynamoDB store: connecting, the table's schema, idempotent seeding, and one method per
//! operation the API performs.
//!
//! - create: `UpdateItem ADD` on the counter (`UPDATED_NEW`), then a `PutItem` conditioned on
//!   the id being new;
//! - update and delete: one `UpdateItem` each, conditioned on the article being live;
//! - get: one strongly consistent `GetItem`;
//! - list: one `Query` on the sparse index of live articles. Nothing here ever `Scan`s.
//!
//! The SDK's own retries are the only ones; throttling and outages surface as
//! [`StoreError::is_unavailable`] so the API answers 503.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_sdk_dynamodb::config::StalledStreamProtectionConfig;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType, TransactWriteItem,
};
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};

use crate::item::{self, Item};
use crate::model::{Article, ArticleId, Created, Cursor, Limit, Status, Title};

/// The titles of the three articles every new table starts with (ids 1, 2, 3).
pub const SEED_TITLES: [&str; 3] = ["First!", "Second Article", "Third Article"];

/// Timeouts for every store call. An attempt that takes longer is retried by the SDK within
/// the operation budget; past the budget the request answers 503.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest a single attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest one operation may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per operation, the first included (the SDK's standard retry strategy).
pub const MAX_ATTEMPTS: u32 = 3;
// The SDK's stalled-stream protection is off: it would only fail a response body that
// stalls for 5 s, and the attempt timeout has cut such an attempt off after 2 s already.
// It costs a timer and a body wrapper per call.

/// Where the store lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The table name.
    pub table: String,
    /// A DynamoDB-compatible endpoint (local engine or emulator); `None` means AWS itself,
    /// with credentials and region from the environment.
    pub endpoint: Option<String>,
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} failed ({kind:?})")]
pub struct StoreError {
    operation: &'static str,
    kind: FailureKind,
    #[source]
    source: Box<dyn StdError + Send + Sync>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    /// Unreachable, timed out, throttled or failing on its side: worth retrying later.
    Unavailable,
    /// Anything else: a bug or a misconfiguration.
    Failed,
}

impl StoreError {
    /// Whether the store was unreachable, slow or throttling (503), rather than a bug (500).
    pub fn is_unavailable(&self) -> bool {
        self.kind == FailureKind::Unavailable
    }

    fn failed(operation: &'static str, source: impl StdError + Send + Sync + 'static) -> Self {
        Self {
            operation,
            kind: FailureKind::Failed,
            source: Box::new(source),
        }
    }

    #[cfg(test)]
    pub(crate) fn unavailable_for_test() -> Self {
        Self {
            operation: "Test",
            kind: FailureKind::Unavailable,
            source: "down".into(),
        }
    }
}

/// DynamoDB error codes that mean "try again later".
const UNAVAILABLE_CODES: [&str; 6] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
];

fn sdk_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let unavailable = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(e) => e
            .err()
            .code()
            .is_some_and(|code| UNAVAILABLE_CODES.contains(&code)),
        _ => false,
    };
    StoreError {
        operation,
        kind: if unavailable {
            FailureKind::Unavailable
        } else {
            FailureKind::Failed
        },
        source: Box::new(err),
    }
}

/// The root certificates of Amazon Trust Services, which issues the certificates of AWS's
/// endpoints; see `amazon_roots.pem`.
pub const AMAZON_ROOTS_PEM: &str = include_str!("amazon_roots.pem");

/// The SDK's HTTP client for `endpoint`: hyper, with rustls on `ring` (the only TLS stack in
/// the build) where TLS is needed.
///
/// - AWS itself (`None`): only the Amazon Trust Services roots are trusted. A cold start
///   then parses five certificates instead of every file in the system's store.
/// - An `https://` endpoint of your own: the system's trust store.
/// - An `http://` endpoint (a local engine or emulator): no TLS at all.
pub fn http_client(endpoint: Option<&str>) -> SharedHttpClient {
    let builder = aws_smithy_http_client::Builder::new();
    match endpoint {
        Some(url) if url.starts_with("http://") => builder.build_http(),
        Some(_) => builder
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https(),
        None => builder
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .tls_context(amazon_tls())
            .build_https(),
    }
}

fn amazon_tls() -> TlsContext {
    let roots = TrustStore::empty().with_pem_certificate(AMAZON_ROOTS_PEM.as_bytes());
    match TlsContext::builder().with_trust_store(roots).build() {
        Ok(context) => context,
        // Building a context only gathers its settings; should that ever fail, the system's
        // store still verifies AWS's certificates.
        Err(e) => {
            tracing::warn!(error = %e, "falling back to the system trust store");
            TlsContext::default()
        }
    }
}

/// One page of live articles, in ascending id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The articles on this page.
    pub articles: Vec<Article>,
    /// Where the next page starts, when more may remain.
    pub next: Option<Cursor>,
}

/// What seeding found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    /// The three articles and the counter were written now.
    Now,
    /// They were already there; nothing changed.
    Already,
}

/// The region used when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Where [`Store::connect`] takes its credentials and region from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CredentialSource {
    /// An endpoint of our own and no AWS credentials in the environment: a local engine or
    /// emulator, with static placeholder credentials and [`DEFAULT_REGION`].
    Local,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and a region in the environment, as a
    /// Lambda function always has them. These come first in the SDK's default chain, so
    /// reading them directly gives the same answer without building the rest of the chain
    /// (profile files, SSO, web identity, container and instance metadata): about a
    /// millisecond of every cold start.
    Environment(Region),
    /// Anything else: the SDK's whole default chain.
    Chain,
}

impl CredentialSource {
    fn for_endpoint(custom_endpoint: bool) -> Self {
        Self::from_env(custom_endpoint, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    fn from_env(custom_endpoint: bool, var: impl Fn(&str) -> Option<String>) -> Self {
        let access_key = var("AWS_ACCESS_KEY_ID").is_some();
        if custom_endpoint && !access_key {
            return Self::Local;
        }
        match var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
            Some(region) if access_key && var("AWS_SECRET_ACCESS_KEY").is_some() => {
                Self::Environment(Region::new(region))
            }
            _ => Self::Chain,
        }
    }
}

/// The articles table, reached through the AWS SDK.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: Arc<str>,
}

impl Store {
    /// Builds the SDK client once. Its credentials and region: static placeholders for an
    /// endpoint of our own when the environment has no AWS keys (a local engine); the
    /// environment's keys and region when it has all three (a Lambda function); the SDK's
    /// default chain otherwise. Nothing probes the instance-metadata service unless the chain
    /// gets that far.
    pub async fn connect(config: &StoreConfig) -> Self {
        Self::connect_with(config, http_client(config.endpoint.as_deref())).await
    }

    /// As [`Store::connect`], over a given HTTP client (e.g. an in-process engine's).
    pub async fn connect_with(config: &StoreConfig, http_client: SharedHttpClient) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let retry = RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS);
        let builder = match CredentialSource::for_endpoint(config.endpoint.is_some()) {
            CredentialSource::Local => aws_sdk_dynamodb::Config::builder()
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(Credentials::new("local", "local", None, None, "static")),
            CredentialSource::Environment(region) => aws_sdk_dynamodb::Config::builder()
                .region(region)
                .credentials_provider(EnvironmentVariableCredentialsProvider::new()),
            CredentialSource::Chain => {
                let region = aws_config::meta::region::RegionProviderChain::default_provider()
                    .or_else(Region::new(DEFAULT_REGION));
                let shared = aws_config::defaults(BehaviorVersion::latest())
                    .region(region)
                    .load()
                    .await;
                aws_sdk_dynamodb::config::Builder::from(&shared)
            }
        };
        let mut builder = builder.behavior_version(BehaviorVersion::latest());
        builder.set_endpoint_url(config.endpoint.clone());
        let sdk_config = builder
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .http_client(http_client)
            .timeout_config(timeouts)
            .retry_config(retry)
            .build();
        Self {
            client: Client::from_conf(sdk_config),
            table: Arc::from(config.table.as_str()),
        }
    }

    /// A store over an in-process engine's HTTP client. Its requests are not signed: they
    /// never leave the process, and the engine does not check signatures, so SigV4 would only
    /// cost CPU. Everything else (the operations, their serialization, retries) is as
    /// [`Store::connect`] has it.
    pub fn in_process(table: &str, http_client: SharedHttpClient) -> Self {
        let sdk_config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(DEFAULT_REGION))
            .endpoint_url("http://in-process.invalid")
            .allow_no_auth()
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .http_client(http_client)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .build();
        Self {
            client: Client::from_conf(sdk_config),
            table: Arc::from(table),
        }
    }

    /// Creates the table with its sparse index, unless it exists. Local tooling only: the
    /// deployed stack's table comes from `template.yaml`.
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses or is unreachable.
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(|e| StoreError::failed("CreateTable", e))
        };
        let number_attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::N)
                .build()
                .map_err(|e| StoreError::failed("CreateTable", e))
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(item::LIVE_INDEX)
            .key_schema(key(item::LIVE, KeyType::Hash)?)
            .key_schema(key(item::ID, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(|e| StoreError::failed("CreateTable", e))?;
        let result = self
            .client
            .create_table()
            .table_name(&*self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(number_attr(item::ID)?)
            .attribute_definitions(number_attr(item::LIVE)?)
            .key_schema(key(item::ID, KeyType::Hash)?)
            .global_secondary_indexes(index)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ResourceInUseException") => Ok(()),
            Err(e) => Err(sdk_error("CreateTable", e)),
        }
    }

    /// Writes articles 1-3 and the counter at 3 in one transaction, each put conditioned on
    /// its item being new. Running it again changes nothing.
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses or is unreachable.
    pub async fn seed(&self) -> Result<Seeded, StoreError> {
        let created = Created::now();
        let mut items: Vec<Item> = Vec::with_capacity(SEED_TITLES.len() + 1);
        for (n, title) in (1..).zip(SEED_TITLES) {
            let article = Article {
                id: ArticleId::new(n)
                    .ok_or_else(|| StoreError::failed("Seed", ItemError("seed id")))?,
                title: Title::parse(title).map_err(|e| StoreError::failed("Seed", e))?,
                created,
                status: Status::Created,
            };
            items.push(Item::from(&article));
        }
        let mut counter = item::counter_key();
        counter.insert(item::LAST_ID.to_owned(), item::number(SEED_TITLES.len()));
        items.push(counter);

        let mut request = self.client.transact_write_items();
        for item in items {
            let put = Put::builder()
                .table_name(&*self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#id)")
                .expression_attribute_names("#id", item::ID)
                .build()
                .map_err(|e| StoreError::failed("Seed", e))?;
            request = request.transact_items(TransactWriteItem::builder().put(put).build());
        }
        match request.send().await {
            Ok(_) => Ok(Seeded::Now),
            Err(e) if e.code() == Some("TransactionCanceledException") && already_exists(&e) => {
                Ok(Seeded::Already)
            }
            Err(e) => Err(sdk_error("TransactWriteItems", e)),
        }
    }

    /// Creates an article with the next id from the counter.
    ///
    /// A failure after the counter moved leaves a gap in the ids and nothing else: the
    /// article's item is written by one conditional `PutItem` or not at all.
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses or is unreachable.
    pub async fn create(&self, title: Title) -> Result<Article, StoreError> {
        let updated = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(item::counter_key()))
            .update_expression("ADD #last :one")
            .expression_attribute_names("#last", item::LAST_ID)
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        let id =
            item::last_id(updated.attributes()).map_err(|e| StoreError::failed("UpdateItem", e))?;
        let article = Article {
            id,
            title,
            created: Created::now(),
            status: Status::Created,
        };
        let written = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(Item::from(&article)))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", item::ID)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written {
            Ok(_) => {}
            Err(e) => match e.as_service_error() {
                // An attempt whose answer was lost did write the item; the SDK's retry then
                // finds it. The same id, title and second can only be our own write.
                Some(PutItemError::ConditionalCheckFailedException(failed))
                    if failed
                        .item()
                        .and_then(|old| Article::try_from(old).ok())
                        .is_some_and(|old| old == article) => {}
                // The counter handed out an id that is already taken: the counter is behind
                // the data, which only a bug or a hand edit can cause.
                Some(PutItemError::ConditionalCheckFailedException(_)) => {
                    return Err(StoreError::failed(
                        "PutItem",
                        ItemError("id from the counter already taken"),
                    ));
                }
                _ => return Err(sdk_error("PutItem", e)),
            },
        }
        Ok(article)
    }

    /// Reads one live article, strongly consistent; `None` when missing or deleted.
    ///
    /// # Errors
    /// [`StoreError`] when the store is unreachable or the item is malformed.
    pub async fn get(&self, id: ArticleId) -> Result<Option<Article>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(item::article_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        let Some(found) = output.item() else {
            return Ok(None);
        };
        let article = Article::try_from(found).map_err(|e| StoreError::failed("GetItem", e))?;
        Ok((article.status == Status::Created).then_some(article))
    }

    /// Sets a live article's title; `None` when it is missing or deleted (nothing changes).
    ///
    /// # Errors
    /// [`StoreError`] when the store is unreachable or the item is malformed.
    pub async fn update(&self, id: ArticleId, title: Title) -> Result<Option<Article>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(item::article_key(id)))
            .update_expression("SET #title = :title")
            .condition_expression("#status = :created")
            .expression_attribute_names("#title", item::TITLE)
            .expression_attribute_names("#status", item::STATUS)
            .expression_attribute_values(":title", AttributeValue::S(title.as_str().to_owned()))
            .expression_attribute_values(
                ":created",
                AttributeValue::S(Status::Created.as_str().to_owned()),
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let attributes = output.attributes().cloned().unwrap_or_default();
                Article::try_from(&attributes)
                    .map(Some)
                    .map_err(|e| StoreError::failed("UpdateItem", e))
            }
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    /// Soft-deletes a live article: its status becomes `deleted` and it leaves the list index.
    /// Returns `false` when it was missing or already deleted (nothing changes).
    ///
    /// # Errors
    /// [`StoreError`] when the store is unreachable.
    pub async fn delete(&self, id: ArticleId) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(item::article_key(id)))
            .update_expression("SET #status = :deleted REMOVE #live")
            .condition_expression("#status = :created")
            .expression_attribute_names("#status", item::STATUS)
            .expression_attribute_names("#live", item::LIVE)
            .expression_attribute_values(
                ":created",
                AttributeValue::S(Status::Created.as_str().to_owned()),
            )
            .expression_attribute_values(
                ":deleted",
                AttributeValue::S(Status::Deleted.as_str().to_owned()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    /// One page of live articles after `cursor`, from the sparse index.
    ///
    /// It asks for one item more than the page holds, so a `next` cursor is given only when
    /// another article really follows (or DynamoDB's 1 MB page cap cut the page short).
    ///
    /// # Errors
    /// [`StoreError`] when the store is unreachable or an item is malformed.
    pub async fn list(&self, limit: Limit, cursor: Option<Cursor>) -> Result<Page, StoreError> {
        let after = cursor.map_or(0, |c| c.last_seen().get());
        let page_size = usize::from(limit.get());
        let output = self
            .client
            .query()
            .table_name(&*self.table)
            .index_name(item::LIVE_INDEX)
            .key_condition_expression("#live = :live AND #id > :after")
            .expression_attribute_names("#live", item::LIVE)
            .expression_attribute_names("#id", item::ID)
            .expression_attribute_values(":live", AttributeValue::N(item::LIVE_VALUE.to_owned()))
            .expression_attribute_values(":after", item::number(after))
            .limit(i32::from(limit.get()) + 1)
            .send()
            .await
            .map_err(|e| sdk_error("Query", e))?;
        let items = output.items();
        let mut articles = items
            .iter()
            .take(page_size)
            .map(Article::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::failed("Query", e))?;
        let more = items.len() > page_size || output.last_evaluated_key().is_some();
        let next = articles
            .last()
            .filter(|_| more)
            .map(|last| Cursor::after(last.id));
        articles.retain(|a| a.status == Status::Created);
        Ok(Page { articles, next })
    }
}

fn is_condition_failure<R>(e: &SdkError<UpdateItemError, R>) -> bool {
    matches!(
        e.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

/// Whether a cancelled seeding transaction was cancelled only because items already exist.
fn already_exists<R>(
    e: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
            .cancellation_reasons()
            .iter()
            .all(|r| matches!(r.code(), Some("ConditionalCheckFailed" | "None") | None)),
        _ => false,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ItemError(&'static str);

#[cfg(test)]
mod tests {
    use super::*;

    fn source(custom_endpoint: bool, vars: &[(&str, &str)]) -> CredentialSource {
        CredentialSource::from_env(custom_endpoint, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn a_local_endpoint_without_aws_keys_gets_placeholder_credentials() {
        assert_eq!(source(true, &[]), CredentialSource::Local);
        assert_eq!(
            source(true, &[("AWS_REGION", "eu-west-1")]),
            CredentialSource::Local
        );
    }

    #[test]
    fn keys_and_a_region_in_the_environment_are_used_directly() {
        let lambda = [KEYS[0], KEYS[1], ("AWS_REGION", "eu-west-1")];
        for custom_endpoint in [false, true] {
            assert_eq!(
                source(custom_endpoint, &lambda),
                CredentialSource::Environment(Region::new("eu-west-1"))
            );
        }
        let default_region = [KEYS[0], KEYS[1], ("AWS_DEFAULT_REGION", "ap-south-1")];
        assert_eq!(
            source(false, &default_region),
            CredentialSource::Environment(Region::new("ap-south-1"))
        );
    }

    #[test]
    fn anything_less_goes_to_the_default_chain() {
        assert_eq!(source(false, &[]), CredentialSource::Chain);
        assert_eq!(source(false, &KEYS), CredentialSource::Chain, "no region");
        assert_eq!(
            source(true, &[KEYS[0], ("AWS_REGION", "eu-west-1")]),
            CredentialSource::Chain,
            "no secret"
        );
    }

    #[test]
    fn the_bundled_roots_are_the_five_amazon_trust_services_publishes() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        use sha2::{Digest, Sha256};
        // SHA-256 of each root's SubjectPublicKeyInfo, as Amazon Trust Services lists them.
        let published = [
            "fbe3018031f9586bcbf41727e417b7d1c45c2f47f93be372a17b96b50757d5a2",
            "7f4296fc5b6a4e3b35d3c369623e364ab1af381d8fa7121533c9d6c633ea2461",
            "36abc32656acfc645c61b71613c4bf21c787f5cabbee48348d58597803d7abc9",
            "f7ecded5c66047d28ed6466b543c40e0743abe81d109254dcf845d4c2c7853c5",
            "2b071c59a0a0ae76b0eadb2bad23bad4580b69c3601b630c2eaf0613afa83f92",
        ];
        // Parsed exactly as the SDK's TLS setup parses them (it panics on a bad one).
        let certs = CertificateDer::pem_slice_iter(AMAZON_ROOTS_PEM.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("the bundle is valid PEM");
        let mut store = rustls::RootCertStore::empty();
        let mut hashes = Vec::new();
        for cert in certs {
            let anchor = webpki::anchor_from_trusted_cert(&cert).expect("a usable trust anchor");
            // The anchor holds the SubjectPublicKeyInfo without its outer SEQUENCE header.
            let spki = anchor.subject_public_key_info.as_ref();
            let mut der = vec![0x30];
            match spki.len() {
                n if n < 0x80 => der.push(n as u8),
                n if n < 0x100 => der.extend([0x81, n as u8]),
                n => der.extend([0x82, (n >> 8) as u8, n as u8]),
            }
            der.extend_from_slice(spki);
            let hash = Sha256::digest(&der);
            hashes.push(hash.iter().map(|b| format!("{b:02x}")).collect::<String>());
            store.add(cert.clone()).expect("rustls accepts it");
        }
        assert_eq!(hashes, published);
        assert_eq!(store.len(), 5);
    }
}
