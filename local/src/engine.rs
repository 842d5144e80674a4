//! The embedded DynamoDB-compatible engine (`dynoxide`). The store always talks to it through
//! the AWS SDK, exactly as it talks to AWS: in-process through [`Embedded::client`] (no TCP
//! hop), or over the DynamoDB HTTP API once [`Embedded::serve`]d.

use std::net::SocketAddr;
use std::path::Path;

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::transport::EngineClient;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The database could not be opened or created.
    #[error("cannot open the engine's database {path}: {source}")]
    Open {
        /// The file, or `:memory:`.
        path: String,
        /// The engine's reason.
        source: dynoxide::DynoxideError,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS's reason.
        source: std::io::Error,
    },
}

/// The engine's database, opened but not yet served.
pub struct Embedded {
    db: dynoxide::Database,
    file: bool,
}

impl Embedded {
    /// Opens the database: the `data` file (created if missing), or a fresh one in memory.
    ///
    /// # Errors
    /// [`EngineError::Open`] when the file cannot be opened or created.
    pub fn open(data: Option<&Path>) -> Result<Self, EngineError> {
        let db = match data {
            Some(path) => {
                let shown = path.display().to_string();
                dynoxide::Database::new(&shown).map_err(|source| EngineError::Open {
                    path: shown,
                    source,
                })?
            }
            None => dynoxide::Database::memory().map_err(|source| EngineError::Open {
                path: ":memory:".to_owned(),
                source,
            })?,
        };
        Ok(Self {
            db,
            file: data.is_some(),
        })
    }

    /// The SDK's HTTP client for this engine, in-process (see [`crate::transport`]).
    pub fn client(&self) -> SharedHttpClient {
        EngineClient::new(self.db.clone(), self.file).shared()
    }

    /// The engine's database itself, for measuring it without any transport.
    pub fn database(&self) -> &dynoxide::Database {
        &self.db
    }

    /// Serves the engine's DynamoDB API on `addr` (port 0 picks one).
    ///
    /// # Errors
    /// [`EngineError::Bind`] when the address cannot be bound.
    pub async fn serve(self, addr: SocketAddr) -> Result<Engine, EngineError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| EngineError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EngineError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(dynoxide::server::serve_with_shutdown(
            listener,
            self.db,
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Engine {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running engine served over HTTP; dropping it without [`Engine::stop`] leaves it
/// running until the process ends.
pub struct Engine {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), String>>>,
}

impl Engine {
    /// Opens the database (`data` file, or in memory) and serves it on `addr` (port 0 picks one).
    ///
    /// # Errors
    /// [`EngineError`] when the file cannot be opened or the address bound.
    pub async fn start(addr: SocketAddr, data: Option<&Path>) -> Result<Self, EngineError> {
        Embedded::open(data)?.serve(addr).await
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The DynamoDB endpoint URL for the SDK.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets running requests finish, and closes the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "engine stopped with an error"),
                Err(e) => tracing::warn!(error = %e, "engine task failed"),
            }
        }
    }
}
