//! Cold-start measurement: a small Lambda Runtime API emulator that execs a function's
//! `bootstrap` and times, from `exec`:
//!
//! - **init**: until its first `GET /2018-06-01/runtime/invocation/next`;
//! - **first response**: until it posts the response to its first event (init plus one
//!   invocation, against a served embedded engine with the table seeded).
//!
//! ```text
//! lambda-coldstart [--runs N] [--as-deployed] NAME=BOOTSTRAP[:EVENT_FILE] ...
//! ```
//!
//! Each `NAME=BOOTSTRAP` is run `N` times (default 10); without an event file it is sent
//! `{}`. It prints the median and minimum of both times for each.
//!
//! The child gets Lambda's environment and nothing else: the Runtime API address, the
//! function's name and memory, the region and a set of session credentials (placeholders:
//! the engine checks no signature), so the SDK is configured as on Lambda. It also gets
//! `DYNAMODB_ENDPOINT`, the served engine's plain-HTTP address, so its store client needs no
//! TLS. With `--as-deployed` it does not: the store client is built for AWS itself, with its
//! TLS trust store, exactly as deployed. Only init is measured then, since AWS cannot be
//! reached from here.

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use articles_local::engine::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify};

const TOKEN: &str = "test-token-0123456789";

struct Target {
    name: String,
    bootstrap: PathBuf,
    event: Bytes,
}

#[derive(Default)]
struct Timings {
    init: Option<Duration>,
    first_response: Option<Duration>,
    served: bool,
}

struct Emulator {
    started: Instant,
    /// Ends the run at the first `next`, without an event.
    init_only: bool,
    event: Bytes,
    timings: Mutex<Timings>,
    done: Notify,
}

async fn runtime_api(emulator: Arc<Emulator>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let _ = request.into_body().collect().await;
    let elapsed = emulator.started.elapsed();
    if method == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let first = {
            let mut t = emulator.timings.lock().await;
            t.init.get_or_insert(elapsed);
            !std::mem::replace(&mut t.served, true)
        };
        if emulator.init_only {
            emulator.done.notify_one();
        }
        if !first || emulator.init_only {
            // One invocation per cold start: park the runtime until it is killed.
            std::future::pending::<()>().await;
        }
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis()
            + 30_000;
        return Response::builder()
            .header("lambda-runtime-aws-request-id", "cold-start-1")
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:cold-start",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000",
            )
            .body(Full::new(emulator.event.clone()))
            .unwrap_or_default();
    }
    if method == Method::POST && (path.ends_with("/response") || path.ends_with("/error")) {
        let mut t = emulator.timings.lock().await;
        t.first_response.get_or_insert(elapsed);
        if path.ends_with("/error") {
            eprintln!("warning: the function reported an error at {path}");
        }
        emulator.done.notify_one();
        return Response::builder()
            .status(StatusCode::ACCEPTED)
            .body(Full::new(Bytes::new()))
            .unwrap_or_default();
    }
    if path.ends_with("/init/error") {
        emulator.done.notify_one();
    }
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

/// One cold start: init, and the first response unless `engine` is `None` (as deployed).
async fn cold_start(
    target: &Target,
    engine: Option<&str>,
) -> anyhow::Result<(Duration, Option<Duration>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let api = listener.local_addr()?;
    let emulator = Arc::new(Emulator {
        started: Instant::now(),
        init_only: engine.is_none(),
        event: target.event.clone(),
        timings: Mutex::new(Timings::default()),
        done: Notify::new(),
    });
    let server_emulator = emulator.clone();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let emulator = server_emulator.clone();
            tokio::spawn(async move {
                let service = service_fn(move |r| {
                    let emulator = emulator.clone();
                    async move { Ok::<_, Infallible>(runtime_api(emulator, r).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    // The clock starts just before exec, as Lambda's init phase does.
    let started = Instant::now();
    let mut command = tokio::process::Command::new(&target.bootstrap);
    command.env_clear();
    if let Some(engine) = engine {
        command.env("DYNAMODB_ENDPOINT", engine);
    }
    let mut child = command
        .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &target.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/cold-start")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "ASIACOLDSTARTEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "cold-start-placeholder-secret")
        .env("AWS_SESSION_TOKEN", "cold-start-placeholder-session")
        .env("TABLE_NAME", "articles")
        .env("TOKEN_SHA256", articles::auth::token_digest_hex(TOKEN))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot exec {}", target.bootstrap.display()))?;
    let offset = emulator.started.duration_since(started);
    let finished = tokio::time::timeout(Duration::from_secs(30), emulator.done.notified()).await;
    let _ = child.kill().await;
    server.abort();
    if finished.is_err() {
        bail!("{} did not answer its first event within 30 s", target.name);
    }
    let t = emulator.timings.lock().await;
    match (t.init, t.first_response) {
        (Some(init), first) if engine.is_none() || first.is_some() => {
            Ok((init + offset, first.map(|f| f + offset)))
        }
        _ => bail!("{} ended without answering", target.name),
    }
}

fn parse_target(arg: &str) -> anyhow::Result<Target> {
    let (name, rest) = arg
        .split_once('=')
        .context("expected NAME=BOOTSTRAP[:EVENT_FILE]")?;
    let (bootstrap, event) = match rest.split_once(':') {
        Some((b, e)) => (
            b,
            Bytes::from(std::fs::read(e).with_context(|| format!("cannot read {e}"))?),
        ),
        None => (rest, Bytes::from_static(b"{}")),
    };
    Ok(Target {
        name: name.to_owned(),
        bootstrap: PathBuf::from(bootstrap),
        event,
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let mut runs = 10usize;
    let mut as_deployed = false;
    let mut targets = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--as-deployed" {
            as_deployed = true;
        } else if arg == "--runs" {
            runs = args
                .next()
                .context("--runs needs a number")?
                .parse()
                .context("--runs needs a number")?;
        } else {
            targets.push(parse_target(&arg)?);
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    if targets.is_empty() {
        bail!("usage: lambda-coldstart [--runs N] [--as-deployed] NAME=BOOTSTRAP[:EVENT_FILE] ...");
    }
    let engine = Engine::start(([127, 0, 0, 1], 0).into(), None).await?;
    articles_local::prepare_store(&engine.endpoint(), "articles").await?;
    println!(
        "{:<16} {:>10} {:>10} {:>14} {:>14}",
        "function", "init p50", "init min", "first resp p50", "first resp min"
    );
    let endpoint = (!as_deployed).then(|| engine.endpoint());
    for target in &targets {
        let mut inits = Vec::with_capacity(runs);
        let mut firsts = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (init, first) = cold_start(target, endpoint.as_deref()).await?;
            inits.push(init);
            firsts.extend(first);
        }
        inits.sort();
        firsts.sort();
        let first = |i: usize| firsts.get(i).map_or_else(|| "-".to_owned(), |d| ms(*d));
        println!(
            "{:<16} {:>8} ms {:>8} ms {:>12} ms {:>12} ms",
            target.name,
            ms(inits[runs / 2]),
            ms(inits[0]),
            first(runs / 2),
            first(0)
        );
    }
    engine.stop().await;
    Ok(())
}
