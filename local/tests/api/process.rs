//! The real `articles-local` binary as a child process: an engine killed and restarted under
//! the API, `kill -9` and SIGTERM in the middle of a burst of writes, and what reaches the logs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use crate::helpers::free_port;

/// Long enough for a debug build to start, seed and finish; reaching it means a hang.
const BOUND: Duration = Duration::from_secs(60);
/// The token the child servers accept.
const SECRET: &str = "child-secret-token-5f2c9a";

/// A running `articles-local` process, its URL and everything it printed.
struct Child {
    process: tokio::process::Child,
    url: String,
    output: Arc<Mutex<String>>,
}

impl Child {
    /// Starts `articles-local ARGS` and waits for its "ready on URL" line.
    async fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_articles-local"))
            .args(args)
            .env("ARTICLES_API_TOKEN", SECRET)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        drain(
            process.stdout.take().unwrap(),
            output.clone(),
            Some(ready_tx),
        );
        drain(process.stderr.take().unwrap(), output.clone(), None);
        let url = match tokio::time::timeout(BOUND, ready_rx).await {
            Ok(Ok(url)) => url,
            _ => panic!(
                "articles-local {args:?} never said it was ready:\n{}",
                output.lock().unwrap()
            ),
        };
        Self {
            process,
            url,
            output,
        }
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder().timeout(BOUND).build().unwrap()
    }

    /// The port it serves on.
    fn port(&self) -> String {
        self.url.rsplit(':').next().unwrap().to_owned()
    }

    /// `kill -9`: no chance to flush or finish anything.
    async fn kill_9(&mut self) {
        self.process.kill().await.unwrap();
    }

    /// SIGTERM, then the exit status.
    async fn terminate(&mut self) -> std::process::ExitStatus {
        self.signal_term();
        tokio::time::timeout(BOUND, self.process.wait())
            .await
            .expect("exits after SIGTERM")
            .unwrap()
    }

    fn signal_term(&self) {
        let pid = self.process.id().expect("still running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

/// Copies a child's output into `into`, sending the URL of its "ready on URL" line once.
fn drain(
    from: impl AsyncRead + Unpin + Send + 'static,
    into: Arc<Mutex<String>>,
    mut ready: Option<tokio::sync::oneshot::Sender<String>>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some((_, rest)) = line.split_once("ready on ")
                && let Some(tx) = ready.take()
            {
                let url = rest.split_whitespace().next().unwrap_or_default();
                let _ = tx.send(url.to_owned());
            }
            let mut out = into.lock().unwrap();
            out.push_str(&line);
            out.push('\n');
        }
    });
}

fn data_arg(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_survives_its_engine_process_being_killed_and_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir.path().join("engine.db"));
    let port = free_port().to_string();
    let engine_args = ["dynamodb", "--port", &port, "--data", &data];
    let mut engine = Child::start(&engine_args, &[]).await;
    let endpoint = engine.url.clone();
    let api = Child::start(&["--port", "0", "--dynamodb-endpoint", &endpoint], &[]).await;
    let client = Child::client();
    let base = api.url.clone();
    let create = |title: &str| {
        client
            .post(format!("{base}/articles"))
            .bearer_auth(SECRET)
            .json(&json!({ "title": title }))
    };
    let created: Value = create("before").send().await.unwrap().json().await.unwrap();
    assert_eq!(created["id"], 4);

    engine.kill_9().await;
    let during = [
        client.get(format!("{base}/articles")),
        client.get(format!("{base}/articles/4")),
        create("during"),
        client
            .post(format!("{base}/articles/4"))
            .bearer_auth(SECRET)
            .json(&json!({ "title": "during" })),
        client
            .delete(format!("{base}/articles/4"))
            .bearer_auth(SECRET),
    ];
    for request in during {
        let response = request.send().await.expect("the API answers");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "1");
    }

    let engine = Child::start(&engine_args, &[]).await;
    assert_eq!(engine.port(), port);
    let fetched: Value = client
        .get(format!("{base}/articles/4"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created, "the acknowledged write is back");
    let next: Value = create("after").send().await.unwrap().json().await.unwrap();
    assert!(next["id"].as_i64().unwrap() > 4, "{next}");
    let listed = client.get(format!("{base}/articles")).send().await.unwrap();
    assert_eq!(listed.status(), 200);
}

/// What a writer did to one article, and which of it was acknowledged.
#[derive(Debug, Default, Clone)]
struct Record {
    title: String,
    update_sent: bool,
    update_acked: bool,
    delete_sent: bool,
    delete_acked: bool,
}

/// Writers that create, rename and sometimes delete their own articles until the server
/// stops answering; every status they get must be the success they asked for.
struct Burst {
    records: Arc<Mutex<BTreeMap<i64, Record>>>,
    acked_creates: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Burst {
    fn start(base: &str, writers: usize) -> Self {
        let records = Arc::new(Mutex::new(BTreeMap::new()));
        let acked_creates = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..writers)
            .map(|w| {
                let (records, acked, stop) = (records.clone(), acked_creates.clone(), stop.clone());
                let base = base.to_owned();
                tokio::spawn(async move {
                    let client = Child::client();
                    for n in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let title = format!("w{w} n{n}");
                        let Ok(response) = client
                            .post(format!("{base}/articles"))
                            .bearer_auth(SECRET)
                            .json(&json!({ "title": title }))
                            .send()
                            .await
                        else {
                            return;
                        };
                        assert_eq!(response.status(), 201, "a create ends in 201 or no answer");
                        let Ok(body) = response.json::<Value>().await else {
                            return;
                        };
                        let id = body["id"].as_i64().unwrap();
                        records.lock().unwrap().insert(
                            id,
                            Record {
                                title: title.clone(),
                                ..Record::default()
                            },
                        );
                        acked.fetch_add(1, Ordering::Relaxed);

                        records.lock().unwrap().get_mut(&id).unwrap().update_sent = true;
                        let Ok(response) = client
                            .post(format!("{base}/articles/{id}"))
                            .bearer_auth(SECRET)
                            .json(&json!({ "title": format!("{title} renamed") }))
                            .send()
                            .await
                        else {
                            return;
                        };
                        assert_eq!(response.status(), 200, "an update ends in 200 or no answer");
                        records.lock().unwrap().get_mut(&id).unwrap().update_acked = true;

                        if n % 3 == 0 {
                            records.lock().unwrap().get_mut(&id).unwrap().delete_sent = true;
                            let Ok(response) = client
                                .delete(format!("{base}/articles/{id}"))
                                .bearer_auth(SECRET)
                                .send()
                                .await
                            else {
                                return;
                            };
                            assert_eq!(response.status(), 204, "a delete ends in 204 or no answer");
                            records.lock().unwrap().get_mut(&id).unwrap().delete_acked = true;
                        }
                    }
                })
            })
            .collect();
        Self {
            records,
            acked_creates,
            stop,
            workers,
        }
    }

    async fn wait_for_creates(&self, n: usize) {
        tokio::time::timeout(BOUND, async {
            while self.acked_creates.load(Ordering::Relaxed) < n {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the burst makes progress");
    }

    /// Waits for the writers (which end at their first unanswered request).
    async fn finish(self) -> BTreeMap<i64, Record> {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            tokio::time::timeout(BOUND, worker)
                .await
                .expect("writers end")
                .expect("every answer was the success asked for");
        }
        Arc::try_unwrap(self.records).unwrap().into_inner().unwrap()
    }
}

/// Restarts on `data` and checks every acknowledged write against what is stored.
async fn check_after_restart(data: &str, records: &BTreeMap<i64, Record>) {
    assert!(!records.is_empty());
    let count = |f: fn(&Record) -> bool| records.values().filter(|r| f(r)).count();
    eprintln!(
        "checking {} acknowledged creates, {} updates ({} unanswered), {} deletes ({} unanswered)",
        records.len(),
        count(|r| r.update_acked),
        count(|r| r.update_sent && !r.update_acked),
        count(|r| r.delete_acked),
        count(|r| r.delete_sent && !r.delete_acked),
    );
    let api = Child::start(&["--port", "0", "--data", data], &[]).await;
    let client = Child::client();
    for (id, record) in records {
        let response = client
            .get(format!("{}/articles/{id}", api.url))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if record.delete_acked {
            assert_eq!(status, 404, "acknowledged delete of {id} lost");
            continue;
        }
        if status == 404 {
            assert!(record.delete_sent, "acknowledged create of {id} lost");
            continue;
        }
        assert_eq!(status, 200);
        let stored: Value = response.json().await.unwrap();
        let renamed = format!("{} renamed", record.title);
        if record.update_acked {
            assert_eq!(stored["title"], renamed, "acknowledged update of {id} lost");
        } else if record.update_sent {
            assert!(stored["title"] == record.title || stored["title"] == renamed);
        } else {
            assert_eq!(stored["title"], record.title);
        }
    }
    let highest = records.keys().max().copied().unwrap();
    let next: Value = client
        .post(format!("{}/articles", api.url))
        .bearer_auth(SECRET)
        .json(&json!({ "title": "after restart" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        next["id"].as_i64().unwrap() > highest,
        "ids continue above every acknowledged id ({highest}): {next}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir.path().join("kill9.db"));
    let mut api = Child::start(&["--port", "0", "--data", &data], &[]).await;
    let burst = Burst::start(&api.url, 8);
    burst.wait_for_creates(150).await;
    api.kill_9().await;
    let records = burst.finish().await;
    check_after_restart(&data, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_finishes_or_refuses_each_request_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir.path().join("sigterm.db"));
    let mut api = Child::start(&["--port", "0", "--data", &data], &[]).await;
    let burst = Burst::start(&api.url, 8);
    burst.wait_for_creates(100).await;
    let exit = api.terminate().await;
    assert!(exit.success(), "a clean exit after SIGTERM: {exit}");
    assert!(api.output().contains("shutting down"), "{}", api.output());
    let records = burst.finish().await;
    check_after_restart(&data, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_reaches_the_logs_even_at_trace_level() {
    let mut api = Child::start(&["--port", "0"], &[("RUST_LOG", "trace")]).await;
    let client = Child::client();
    let wrong = "wrong-token-7d1e0b3a";
    let requests = [
        client
            .post(format!("{}/articles", api.url))
            .bearer_auth(SECRET)
            .json(&json!({ "title": "logged?" })),
        client
            .post(format!("{}/articles/1", api.url))
            .bearer_auth(SECRET)
            .json(&json!({ "title": "renamed" })),
        client
            .delete(format!("{}/articles/2", api.url))
            .bearer_auth(SECRET),
        client
            .post(format!("{}/articles", api.url))
            .bearer_auth(wrong)
            .json(&json!({ "title": "refused" })),
        client
            .delete(format!("{}/articles/3", api.url))
            .header("authorization", format!("Basic {wrong}")),
        client
            .post(format!("{}/articles", api.url))
            .bearer_auth(SECRET)
            .body("{not json"),
    ];
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [201, 200, 204, 403, 403, 400]);
    assert!(api.terminate().await.success());
    let output = api.output();
    // The capture works: the access log lines are there.
    for line in [
        "POST /articles 201",
        "DELETE /articles/2 204",
        "POST /articles 403",
    ] {
        assert!(output.contains(line), "no `{line}` in:\n{output}");
    }
    for secret in [SECRET, wrong] {
        assert!(
            !output.contains(secret),
            "`{secret}` reached the logs:\n{output}"
        );
    }
}
