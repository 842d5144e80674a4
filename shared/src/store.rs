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

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::SharedHttpClient;
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
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

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

/// The SDK's HTTP client: hyper with rustls on `ring`, the only TLS stack in the build.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
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

/// The articles table, reached through the AWS SDK.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: Arc<str>,
}

impl Store {
    /// Builds the SDK client once. With an endpoint and no AWS credentials in the environment
    /// it uses static local credentials and a fixed region, so it never probes the
    /// instance-metadata service; otherwise it reads credentials and region from the
    /// environment, as a Lambda function does (region `us-east-1` if none is set).
    pub async fn connect(config: &StoreConfig) -> Self {
        Self::connect_with(config, http_client()).await
    }

    /// As [`Store::connect`], over a given HTTP client (e.g. an in-process engine's).
    pub async fn connect_with(config: &StoreConfig, http_client: SharedHttpClient) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let retry = RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS);
        // A local engine or emulator gets static credentials and a fixed region, so nothing
        // probes the instance-metadata service. With AWS credentials in the environment
        // (a Lambda function, or `--dynamodb-endpoint` pointed at AWS) the standard chain
        // is used, with the endpoint override if one is given.
        let aws_credentials = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
        let sdk_config = match &config.endpoint {
            Some(endpoint) if !aws_credentials => aws_sdk_dynamodb::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("local", "local", None, None, "static"))
                .endpoint_url(endpoint)
                .http_client(http_client)
                .timeout_config(timeouts)
                .retry_config(retry)
                .build(),
            endpoint => {
                let region = aws_config::meta::region::RegionProviderChain::default_provider()
                    .or_else(Region::new("us-east-1"));
                let shared = aws_config::defaults(BehaviorVersion::latest())
                    .region(region)
                    .http_client(http_client)
                    .timeout_config(timeouts)
                    .retry_config(retry)
                    .load()
                    .await;
                let mut builder = aws_sdk_dynamodb::config::Builder::from(&shared);
                builder.set_endpoint_url(endpoint.clone());
                builder.build()
            }
        };
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
            .region(Region::new("us-east-1"))
            .endpoint_url("http://in-process.invalid")
            .allow_no_auth()
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

    /// The SDK's HTTP client: hyper with rustls on `ring`, the only TLS stack in the build.
    pub fn http_client() -> SharedHttpClient {
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https()
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
