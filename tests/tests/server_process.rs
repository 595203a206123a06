//! `drydock server` as a process: what only a real pipe shows. Broken framing stops it with a
//! clear message (and never makes it allocate what a header claims), bodies that are not JSON-RPC
//! get error responses while the server goes on, it exits when its client dies or closes its
//! end, and a burst of changes leaves memory flat. (Protocol behaviour in process:
//! `crates/drydock_server/tests/`.)

use std::io::{BufRead, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use drydock_tests::drydock_bin;
use serde_json::{Value, json};

/// Generous: only guards against hangs on a slow, busy machine.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Reads one framed body as JSON, whatever it holds (the transport's own reader would turn an
/// error response without an id into a new error).
fn read_body(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Value>,
}

fn start(dir: &std::path::Path) -> Server {
    let mut child = Command::new(drydock_bin())
        .arg("server")
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start drydock server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, frames) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        while let Some(value) = read_body(&mut reader) {
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    let stdin = child.stdin.take();
    Server {
        child,
        stdin,
        frames,
    }
}

impl Server {
    fn raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        let _ = stdin.write_all(bytes);
        let _ = stdin.flush();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// The next message matching `pred` (others are dropped).
    fn expect(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WATCHDOG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.frames.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {WATCHDOG:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server stopped before {what}"),
            }
        }
    }

    fn initialize(&mut self, process_id: Option<u32>) {
        self.send(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "processId": process_id,
                "rootUri": null,
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": true}}},
            }}),
        );
        self.expect("the initialize result", |v| v["id"] == 0);
        self.send(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    }

    /// Waits for the process to end; its exit code and standard error, and how long it took.
    fn wait(mut self) -> (Option<i32>, String, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let mut stderr = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                return (status.code(), stderr, started.elapsed());
            }
            if started.elapsed() > WATCHDOG {
                let _ = self.child.kill();
                panic!("drydock server still running after {WATCHDOG:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn peak_rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
    }
}

#[test]
fn broken_framing_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (input, expected) in [
        (
            &b"Content-Length 5\r\n\r\n{}"[..],
            "malformed message header",
        ),
        (b"Content-Length: lots\r\n\r\n", "is not a number"),
        (b"Content-Type: x\r\n\r\n{}", "without a Content-Length"),
        // Never allocated: the limit is checked before reading.
        (b"Content-Length: 18000000000000000000\r\n\r\n", "over the"),
        (
            b"Content-Length: 100\r\n\r\n{\"a\":",
            "ended inside a message",
        ),
    ] {
        let mut server = start(dir.path());
        server.raw(input);
        drop(server.stdin.take());
        let (code, stderr, _) = server.wait();
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(expected) && stderr.lines().count() == 1,
            "{stderr:?} should be one line saying {expected:?}"
        );
    }
}

#[test]
fn bodies_that_are_not_messages_get_errors_and_the_server_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start(dir.path());
    // Before initialize, too.
    server.raw(b"Content-Length: 5\r\n\r\n{oops");
    let e = server.expect("a parse error", |v| v["error"]["code"] == -32700);
    assert_eq!(e["id"], Value::Null);
    server.initialize(None);
    server.raw(b"Content-Length: 22\r\n\r\n{\"id\": 5, \"method\": 3}");
    let e = server.expect("an invalid request", |v| v["error"]["code"] == -32600);
    assert_eq!(e["id"], 5);
    server.raw(b"Content-Length: 6\r\n\r\n[1, 2]");
    server.expect("an invalid request", |v| v["error"]["code"] == -32600);
    server.raw(b"Content-Length: 2\r\n\r\n\xff\xfe");
    server.expect("a parse error", |v| v["error"]["code"] == -32700);
    // A bare `\n` header ending and odd header names are accepted.
    let body = r#"{"jsonrpc":"2.0","id":7,"method":"drydock/unknown","params":{}}"#;
    server.raw(format!("content-length:{}\nX-Other: 1\n\n{body}", body.len()).as_bytes());
    let e = server.expect("method not found", |v| v["id"] == 7);
    assert_eq!(e["error"]["code"], -32601);
    server.send(&json!({"jsonrpc": "2.0", "id": 8, "method": "shutdown"}));
    server.expect("the shutdown result", |v| v["id"] == 8);
    server.send(&json!({"jsonrpc": "2.0", "method": "exit"}));
    let (code, stderr, _) = server.wait();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_server_exits_when_its_client_closes_its_end_or_dies() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Standard input closed without `exit`.
    let mut server = start(dir.path());
    server.initialize(None);
    drop(server.stdin.take());
    let (code, stderr, took) = server.wait();
    assert!(code.is_some(), "{stderr}");
    eprintln!("server exit after its input closed: {took:?}");

    // The client process dies while the pipe stays open (held here): the server watches the
    // `processId` it was given and leaves within a second or so.
    if !cfg!(target_os = "linux") {
        eprintln!("SKIPPED: client death is watched through /proc (Linux only)");
        return;
    }
    let mut client = Command::new("sleep")
        .arg("600")
        .spawn()
        .expect("start a stand-in client");
    let mut server = start(dir.path());
    server.initialize(Some(client.id()));
    let uri = drydock_server::uri::from_path(&dir.path().join("Dockerfile")).0;
    server.send(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "dockerfile", "version": 1, "text": "FROM debian:12\nRUN sudo x\n"}}}));
    server.expect("diagnostics", |v| {
        v["method"] == "textDocument/publishDiagnostics"
    });
    client.kill().expect("kill the client");
    let _ = client.wait();
    let (code, stderr, took) = server.wait();
    eprintln!("server exit after its client died: {took:?}");
    assert!(code.is_some(), "{stderr}");
    assert!(
        took < Duration::from_secs(5),
        "the server took {took:?} to notice its client died"
    );
}

#[test]
fn a_burst_of_changes_keeps_memory_flat_and_ends_with_the_final_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let uri = drydock_server::uri::from_path(&dir.path().join("Dockerfile")).0;
    let mut server = start(dir.path());
    server.initialize(None);
    // A document of some size, so that keeping every version would show.
    let body = "RUN apt-get install -y --no-install-recommends curl=8.5.0-2 \\\n    && echo done\n"
        .repeat(400);
    let text = |v: u32| format!("FROM debian:12\n# version {v}\n{body}USER 10001\n");
    server.send(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "dockerfile", "version": 0, "text": text(0)}}}),
    );
    server.expect("the first diagnostics", |v| {
        v["method"] == "textDocument/publishDiagnostics" && v["params"]["version"] == 0
    });
    let before = server.peak_rss_kb();
    let n = 10_000;
    for v in 1..=n {
        let change = if v == n {
            format!("FROM debian:12\nRUN sudo x\n{body}USER 10001\n")
        } else {
            text(v)
        };
        server.send(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": change}]}}),
        );
    }
    let last = server.expect("the final diagnostics", |v| {
        v["method"] == "textDocument/publishDiagnostics" && v["params"]["version"] == n
    });
    let codes: Vec<&str> = last["params"]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"DL3004"), "{codes:?}");
    let after = server.peak_rss_kb();
    if let (Some(before), Some(after)) = (before, after) {
        eprintln!(
            "peak RSS {before} kB after the first lint, {after} kB after {n} changes of {} bytes",
            text(0).len()
        );
        // Keeping every version queued would be ~{n} x 30 kB = 300 MB.
        assert!(
            after < before + 100 * 1024,
            "memory grew from {before} kB to {after} kB"
        );
    }
    server.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}));
    server.expect("the shutdown result", |v| v["id"] == 1);
    server.send(&json!({"jsonrpc": "2.0", "method": "exit"}));
    let (code, stderr, _) = server.wait();
    assert_eq!(code, Some(0), "{stderr}");
}
