//! The local runner of the articles API: the whole API on one machine, one command.
//!
//! - [`engine`]: the embedded DynamoDB-compatible engine (`dynoxide`) on a loopback port.
//! - [`transport`]: the SDK's in-process transport to the embedded engine.
//! - [`server`]: the HTTP server that does what API Gateway does, then calls the shared handlers.
//! - [`start`]: engine, table, seed and server, composed the way `articles-local` runs them.

pub mod engine;
pub mod server;
pub mod transport;

use std::net::SocketAddr;
use std::path::PathBuf;

use articles::auth::Verifier;
use articles::store::Seeded;
use articles::{App, Store, StoreConfig};

use crate::engine::{Embedded, EngineError};
pub use crate::server::Limits;
use crate::server::Server;

/// The token the local server accepts when `ARTICLES_API_TOKEN` is not set.
pub const DEV_TOKEN: &str = "dev-token";
/// The table name used unless `--table` says otherwise.
pub const DEFAULT_TABLE: &str = "articles";

/// Which DynamoDB the API uses.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The embedded engine, in memory or in a file.
    Embedded {
        /// A persistent database file; `None` keeps everything in memory.
        data: Option<PathBuf>,
    },
    /// Any endpoint speaking the DynamoDB API.
    Endpoint(String),
}

/// What [`start`] needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the API listens (port 0 picks a free one).
    pub addr: SocketAddr,
    /// Which DynamoDB it uses.
    pub backend: Backend,
    /// The table name.
    pub table: String,
    /// The bearer token writes must present.
    pub token: String,
    /// Timeouts and the connection cap.
    pub limits: Limits,
}

/// Why the local API could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The embedded engine failed to start.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store refused or could not be reached while preparing the table.
    #[error("cannot prepare table `{table}` at {endpoint}: {source}")]
    Store {
        /// The table.
        table: String,
        /// The endpoint.
        endpoint: String,
        /// The store's reason.
        source: articles::store::StoreError,
    },
    /// The API's address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS's reason.
        source: std::io::Error,
    },
}

/// The running API.
pub struct Running {
    server: Server,
    seeded: Seeded,
}

impl Running {
    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Whether this start wrote the seed articles or found them already there.
    pub fn seeded(&self) -> Seeded {
        self.seeded
    }

    /// Stops the API gracefully; the last handle to an embedded engine closes it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Connects to the table at a DynamoDB endpoint, creating and seeding it when needed.
///
/// # Errors
/// [`StartError::Store`] when the store refuses or cannot be reached.
pub async fn prepare_store(endpoint: &str, table: &str) -> Result<(Store, Seeded), StartError> {
    let config = store_config(table, endpoint);
    prepare(Store::connect(&config).await, &config).await
}

/// Connects to the table in an in-process engine, creating and seeding it when needed.
///
/// # Errors
/// [`StartError::Store`] when the engine refuses.
pub async fn prepare_embedded(
    engine: &Embedded,
    table: &str,
) -> Result<(Store, Seeded), StartError> {
    let config = store_config(table, "in-process");
    prepare(Store::in_process(table, engine.client()), &config).await
}

fn store_config(table: &str, endpoint: &str) -> StoreConfig {
    StoreConfig {
        table: table.to_owned(),
        endpoint: Some(endpoint.to_owned()),
    }
}

async fn prepare(store: Store, config: &StoreConfig) -> Result<(Store, Seeded), StartError> {
    let wrap = |source| StartError::Store {
        table: config.table.clone(),
        endpoint: config.endpoint.clone().unwrap_or_default(),
        source,
    };
    store.create_table_if_missing().await.map_err(wrap)?;
    let seeded = store.seed().await.map_err(wrap)?;
    Ok((store, seeded))
}

/// Starts the engine (when embedded), prepares the table and serves the API.
///
/// # Errors
/// [`StartError`] naming what failed.
pub async fn start(options: &Options) -> Result<Running, StartError> {
    let (store, seeded) = match &options.backend {
        Backend::Embedded { data } => {
            prepare_embedded(&Embedded::open(data.as_deref())?, &options.table).await?
        }
        Backend::Endpoint(url) => prepare_store(url, &options.table).await?,
    };
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: options.addr,
            source,
        })?;
    let verifier = Verifier::from_token(&options.token);
    let app = App::new(store, Some(verifier.clone()));
    let server = Server::start(listener, app, verifier, options.limits).map_err(|source| {
        StartError::Bind {
            addr: options.addr,
            source,
        }
    })?;
    Ok(Running { server, seeded })
}
