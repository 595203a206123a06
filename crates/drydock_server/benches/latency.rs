//! didChange -> publishDiagnostics latency, server side, over the in-memory connection: a
//! 2,000-line Dockerfile and a 1,000-line compose file, one keystroke per change (alternately
//! typing and deleting a character), every rule on its defaults.
//!
//!     cargo bench -p drydock_server --bench latency
//!
//! Prints min / p50 / p90 / p99 / max over the measured changes. The target is p99 <= 3 ms.
//! The server runs with the allocator the `drydock` binary ships with (mimalloc).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WARMUP: usize = 20;
const MEASURED: usize = 500;

fn dockerfile(lines: usize) -> String {
    let mut out = String::from("# syntax=docker/dockerfile:1\nARG BASE=debian:12\n");
    let mut stage = 0;
    while out.lines().count() < lines {
        let _ = write!(
            out,
            "FROM ${{BASE}} AS stage{stage}\nENV APP_HOME=/srv/app{stage} PATH=/srv/bin:$PATH\n\
             WORKDIR /srv/app{stage}\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=8.5.0 ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n\
             COPY --chown=10001:10001 src/ /srv/app{stage}/\nRUN set -eux; for f in a b c; do echo \"$f\" >> /tmp/list; done\n\
             EXPOSE 80{stage:02}\nUSER 10001\nHEALTHCHECK CMD curl -fsS http://localhost/ || exit 1\n"
        );
        stage += 1;
    }
    out.lines().take(lines).collect::<Vec<_>>().join("\n") + "\n"
}

fn compose(lines: usize) -> String {
    let mut out = String::from("name: bench\nservices:\n");
    let mut n = 0;
    while out.lines().count() < lines {
        let _ = write!(
            out,
            "  svc{n}:\n    image: registry.example.com/app/svc{n}:1.4.{n}\n    user: \"10001\"\n    read_only: true\n\
             \x20   cap_drop: [ALL]\n    security_opt:\n      - no-new-privileges:true\n    ports:\n      - \"127.0.0.1:{port}:80\"\n\
             \x20   environment:\n      LOG_LEVEL: info\n      DB_HOST: db{n}\n    deploy:\n      resources:\n        limits:\n\
             \x20         memory: 256m\n          cpus: \"0.5\"\n          pids: 200\n    depends_on: [svc0]\n    restart: on-failure:3\n",
            port = 8000 + n
        );
        n += 1;
    }
    out.lines().take(lines).collect::<Vec<_>>().join("\n") + "\n"
}

struct Bench {
    conn: Connection,
    server: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Bench {
    fn start() -> Self {
        let (server_conn, conn) = Connection::memory();
        let server = std::thread::spawn(move || drydock_server::run(server_conn));
        let root = std::env::temp_dir();
        conn.sender
            .send(Message::Request(Request {
                id: RequestId::from(1),
                method: "initialize".into(),
                params: json!({
                    "processId": null,
                    "rootUri": drydock_server::uri::from_path(&root),
                    "capabilities": {
                        "general": {"positionEncodings": ["utf-8"]},
                        "textDocument": {"publishDiagnostics": {"versionSupport": true}},
                    },
                }),
            }))
            .expect("send");
        loop {
            if let Ok(Message::Response(_)) = conn.receiver.recv() {
                break;
            }
        }
        let bench = Self {
            conn,
            server: Some(server),
        };
        bench.notify("initialized", json!({}));
        bench
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification {
                method: method.into(),
                params,
            }))
            .expect("send");
    }

    /// Waits for the diagnostics of `version`: when they arrived, and how many there are.
    fn wait_for(&self, uri: &str, version: i64) -> (Instant, usize) {
        loop {
            let msg = self
                .conn
                .receiver
                .recv_timeout(Duration::from_secs(30))
                .expect("diagnostics arrive");
            // The clock stops when the message arrives (what the client then does with it,
            // down to freeing it, is not the server's time).
            let arrived = Instant::now();
            if let Message::Notification(n) = msg
                && n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri
                && n.params["version"] == version
            {
                return (
                    arrived,
                    n.params["diagnostics"].as_array().map_or(0, Vec::len),
                );
            }
        }
    }

    /// Opens `text`, then measures `MEASURED` single-character edits on `line`.
    fn measure(&self, name: &str, language: &str, text: &str, line: u32) -> Vec<Duration> {
        let uri = format!("file:///tmp/drydock-bench/{name}");
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 0, "text": text}}),
        );
        let (_, findings) = self.wait_for(&uri, 0);
        let mut times = Vec::with_capacity(MEASURED);
        for i in 1..=(WARMUP + MEASURED) {
            let version = i64::try_from(i).unwrap_or(i64::MAX);
            let change = if i % 2 == 1 {
                json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "#"})
            } else {
                json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""})
            };
            let started = Instant::now();
            self.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
            );
            let (arrived, _) = self.wait_for(&uri, version);
            if i > WARMUP {
                times.push(arrived - started);
            }
        }
        println!(
            "{name}: {} lines, {} bytes, {findings} findings",
            text.lines().count(),
            text.len()
        );
        times
    }

    fn stop(mut self) {
        self.conn
            .sender
            .send(Message::Request(Request {
                id: RequestId::from(2),
                method: "shutdown".into(),
                params: Value::Null,
            }))
            .expect("send");
        self.notify("exit", Value::Null);
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times[i.min(times.len() - 1)]
    };
    println!(
        "  {name}: {} changes: min {:.2?}, p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
        times.len(),
        times[0],
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1],
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let bench = Bench::start();
    let docker = dockerfile(2_000);
    let times = bench.measure("Dockerfile", "dockerfile", &docker, 1_000);
    report("Dockerfile didChange -> diagnostics", times);
    let comp = compose(1_000);
    let times = bench.measure("compose.yaml", "dockercompose", &comp, 500);
    report("compose.yaml didChange -> diagnostics", times);
    bench.stop();
}
