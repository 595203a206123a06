//! didChange -> publishDiagnostics latency, server side, over the in-memory connection: a
//! 2,000-line Dockerfile and a 1,000-line compose file, one keystroke per change (alternately
//! typing and deleting a character), every rule on its defaults. Then both again with the
//! server's own transport over pipes, as `drydock server` runs over standard input and output:
//! the clock also runs while the client's message is framed and read, and while the findings
//! are written out as JSON and the client reads them.
//!
//!     cargo bench -p drydock_server --bench latency
//!
//! Prints min / p50 / p90 / p99 / max over the measured changes. The target is p99 <= 3 ms.
//! The server runs with the allocator the `drydock` binary ships with (mimalloc).

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, PipeWriter, Read as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
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

/// How the bench talks to the server.
enum Link {
    /// `lsp-server`'s in-memory connection: messages are handed over as they are.
    Memory(Connection),
    /// Pipes to the server's transport: messages framed as JSON text both ways; a thread
    /// reads the server's, noting when each has been read in full.
    Pipes {
        to_server: Mutex<PipeWriter>,
        from_server: Receiver<(Instant, Message)>,
    },
}

struct Bench {
    link: Link,
    server: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

/// Reads framed messages from `input` until it ends, each with when its last byte was read.
fn read_frames(input: std::io::PipeReader, out: &Sender<(Instant, Message)>) {
    let mut input = BufReader::new(input);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if input.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("a Content-Length")];
        if input.read_exact(&mut body).is_err() {
            return;
        }
        let read = Instant::now();
        let message = serde_json::from_slice(&body).expect("a message");
        if out.send((read, message)).is_err() {
            return;
        }
    }
}

impl Bench {
    fn start(pipes: bool) -> Self {
        let (link, server) = if pipes {
            let (server_in, to_server) = std::io::pipe().expect("a pipe");
            let (from_server_raw, server_out) = std::io::pipe().expect("a pipe");
            let (connection, text, _io) =
                drydock_server::transport::over(BufReader::new(server_in), server_out);
            let server = std::thread::spawn(move || drydock_server::run_on_text(connection, text));
            let (tx, from_server) = crossbeam_channel::unbounded();
            std::thread::spawn(move || read_frames(from_server_raw, &tx));
            let link = Link::Pipes {
                to_server: Mutex::new(to_server),
                from_server,
            };
            (link, server)
        } else {
            let (server_conn, conn) = Connection::memory();
            let server = std::thread::spawn(move || drydock_server::run(server_conn));
            (Link::Memory(conn), server)
        };
        let bench = Self {
            link,
            server: Some(server),
        };
        let root = std::env::temp_dir();
        bench.send(Message::Request(Request {
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
        }));
        while !matches!(bench.next().1, Message::Response(_)) {}
        bench.notify("initialized", json!({}));
        bench
    }

    fn send(&self, message: Message) {
        match &self.link {
            Link::Memory(conn) => conn.sender.send(message).expect("send"),
            Link::Pipes { to_server, .. } => {
                let mut pipe = to_server.lock().expect("the pipe");
                message.write(&mut *pipe).expect("send");
            }
        }
    }

    /// The next message from the server, with when it arrived.
    fn next(&self) -> (Instant, Message) {
        let timeout = Duration::from_secs(30);
        match &self.link {
            Link::Memory(conn) => {
                let message = conn.receiver.recv_timeout(timeout).expect("a message");
                (Instant::now(), message)
            }
            Link::Pipes { from_server, .. } => {
                from_server.recv_timeout(timeout).expect("a message")
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Message::Notification(Notification {
            method: method.into(),
            params,
        }));
    }

    /// Waits for the diagnostics of `version`: when they arrived, and how many there are.
    fn wait_for(&self, uri: &str, version: i64) -> (Instant, usize) {
        loop {
            // The clock stops when the message arrives (what the client then does with it,
            // down to freeing it, is not the server's time).
            let (arrived, msg) = self.next();
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
        self.send(Message::Request(Request {
            id: RequestId::from(2),
            method: "shutdown".into(),
            params: Value::Null,
        }));
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
    let bench = Bench::start(false);
    let docker = dockerfile(2_000);
    let times = bench.measure("Dockerfile", "dockerfile", &docker, 1_000);
    report("Dockerfile didChange -> diagnostics", times);
    let comp = compose(1_000);
    let times = bench.measure("compose.yaml", "dockercompose", &comp, 500);
    report("compose.yaml didChange -> diagnostics", times);
    bench.stop();
    let bench = Bench::start(true);
    let times = bench.measure("Dockerfile over pipes", "dockerfile", &docker, 1_000);
    report("Dockerfile didChange -> diagnostics, over pipes", times);
    let times = bench.measure("compose.yaml over pipes", "dockercompose", &comp, 500);
    report("compose.yaml didChange -> diagnostics, over pipes", times);
    bench.stop();
}
