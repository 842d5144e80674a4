//! `articles-local`: runs the articles API on this machine.
//!
//! - `articles-local [--port 8000] [--bind 127.0.0.1] [--data FILE | --dynamodb-endpoint URL]`
//!   serves the whole API on an embedded DynamoDB-compatible engine (or any DynamoDB endpoint);
//! - `articles-local dynamodb [--port 8001] [--data FILE]` runs only the engine, with the table
//!   created and seeded, for `cargo lambda watch`;
//! - `articles-local token` prints a fresh random token and its SHA-256 digest.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use articles_local::engine::Engine;
use articles_local::{Backend, DEFAULT_TABLE, DEV_TOKEN, Limits, Options, prepare_store, start};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

// Requests allocate many small, short-lived buffers; mimalloc serves them faster than glibc's
// malloc (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    version,
    about = "Runs the articles API locally on an embedded DynamoDB-compatible engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Port to serve the API on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Keep the data in this file, so a restart keeps every acknowledged write
    /// (default: in memory).
    #[arg(long, value_name = "FILE", conflicts_with = "dynamodb_endpoint")]
    data: Option<PathBuf>,
    /// Use this DynamoDB API endpoint (AWS or any emulator) instead of the embedded engine.
    #[arg(long, value_name = "URL", value_parser = parse_endpoint)]
    dynamodb_endpoint: Option<String>,
    /// Table name.
    #[arg(long, default_value = DEFAULT_TABLE)]
    table: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run only the embedded DynamoDB engine, with the table created and seeded.
    Dynamodb {
        /// Port for the DynamoDB API.
        #[arg(long, default_value_t = 8001)]
        port: u16,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Keep the data in this file (default: in memory).
        #[arg(long, value_name = "FILE")]
        data: Option<PathBuf>,
        /// Table name.
        #[arg(long, default_value = DEFAULT_TABLE)]
        table: String,
    },
    /// Print a fresh random API token and its SHA-256 digest (for `TokenSha256` when deploying).
    Token,
}

fn parse_endpoint(raw: &str) -> Result<String, String> {
    match raw.split_once("://") {
        Some(("http" | "https", rest)) if !rest.is_empty() => {
            Ok(raw.trim_end_matches('/').to_owned())
        }
        _ => Err("expected an http:// or https:// URL, e.g. http://127.0.0.1:8001".to_owned()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Log lines (one per request) are written by a background thread in batches, so a
    // request never waits for the terminal or the disk. The writer blocks rather than drops
    // lines when it falls behind, and `_log_guard` flushes what is left at exit.
    let (log_writer, _log_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        ));
    // The engine logs every conditional-check failure (a routine 404 here) as a warning.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,dynoxide=error")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false)
        .with_writer(log_writer)
        .init();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Dynamodb {
            port,
            bind,
            data,
            table,
        }) => engine_only(SocketAddr::new(bind, port), data, &table).await,
        Some(Command::Token) => print_token(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = match std::env::var("ARTICLES_API_TOKEN") {
        Ok(token) if !token.trim().is_empty() => {
            println!("writes need the token from ARTICLES_API_TOKEN");
            token
        }
        _ => {
            println!(
                "writes need the development token `{DEV_TOKEN}` (set ARTICLES_API_TOKEN to change it)"
            );
            DEV_TOKEN.to_owned()
        }
    };
    let backend = match (args.dynamodb_endpoint, args.data) {
        (Some(url), _) => Backend::Endpoint(url),
        (None, data) => Backend::Embedded { data },
    };
    let described = match &backend {
        Backend::Embedded { data: None } => "embedded engine, in memory".to_owned(),
        Backend::Embedded { data: Some(path) } => {
            format!("embedded engine, file {}", path.display())
        }
        Backend::Endpoint(url) => format!("DynamoDB at {url}"),
    };
    let options = Options {
        addr: SocketAddr::new(args.bind, args.port),
        backend,
        table: args.table,
        token,
        limits: Limits::default(),
    };
    let running = start(&options)
        .await
        .context("articles-local could not start")?;
    println!(
        "articles-local ready on http://{} (store: {described}, table `{}`)",
        running.addr(),
        options.table
    );
    shutdown_signal().await;
    println!("shutting down: finishing requests in flight");
    running.shutdown().await;
    Ok(())
}

async fn engine_only(addr: SocketAddr, data: Option<PathBuf>, table: &str) -> anyhow::Result<()> {
    let engine = Engine::start(addr, data.as_deref()).await?;
    prepare_store(&engine.endpoint(), table).await?;
    println!(
        "DynamoDB engine ready on {} (table `{table}` created and seeded, {})",
        engine.endpoint(),
        data.map_or("in memory".to_owned(), |p| format!("file {}", p.display()))
    );
    shutdown_signal().await;
    engine.stop().await;
    Ok(())
}

fn print_token() -> anyhow::Result<()> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    println!("token:  {token}");
    println!("sha256: {}", articles::auth::token_digest_hex(&token));
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
