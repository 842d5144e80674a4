//! The embedded DynamoDB-compatible engine (`dynoxide`), served over the DynamoDB API on a
//! loopback port, so the store talks to it through the AWS SDK exactly as it talks to AWS.

use std::net::SocketAddr;
use std::path::Path;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

/// A running engine; dropping it without [`Engine::stop`] leaves it running until the process ends.
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
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| EngineError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EngineError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(dynoxide::server::serve_with_shutdown(
            listener,
            db,
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
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
