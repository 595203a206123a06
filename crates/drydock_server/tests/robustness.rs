//! Robustness of the language server, in process: unknown methods, requests for closed
//! documents, out-of-order and stale versions, bursts of changes, cancellation, and the
//! handshake. (Malformed framing and client death need a real process: see
//! `tests/tests/server_process.rs`.)

mod support;

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use support::{Client, codes, pull_capabilities, push_capabilities, uri};

/// Generous: debug builds on a busy machine are slow; this only guards against hangs.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Requests a client may send about a document, with parameters for `uri`.
fn document_requests(uri: &str) -> Vec<(&'static str, Value)> {
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 5}});
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}});
    vec![
        ("textDocument/hover", at.clone()),
        ("textDocument/completion", at.clone()),
        ("textDocument/definition", at.clone()),
        ("textDocument/references", {
            let mut p = at.clone();
            p["context"] = json!({"includeDeclaration": true});
            p
        }),
        ("textDocument/documentHighlight", at.clone()),
        ("textDocument/prepareRename", at.clone()),
        ("textDocument/rename", {
            let mut p = at;
            p["newName"] = json!("x");
            p
        }),
        (
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        ),
        (
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        ),
        (
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri}}),
        ),
        (
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
        ),
        (
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        ),
    ]
}

/// Whether a response is an acceptable answer: a result, or a protocol error other than an
/// internal error (a panic caught on a worker).
fn acceptable(method: &str, outcome: &Result<Value, lsp_server::ResponseError>) {
    if let Err(e) = outcome {
        assert_ne!(
            e.code, -32603,
            "`{method}` failed inside the server: {}",
            e.message
        );
    }
}

#[test]
fn the_handshake_runs_on_initialized() {
    // A client that can answer `workspace/configuration` is asked for its settings once it
    // says `initialized`, and one that can watch files is asked to register the watchers.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut caps = pull_capabilities();
    caps["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    // Any round trip lets the server's own requests arrive first.
    let _ = client.request("drydock/nothing", Value::Null);
    let asked: Vec<String> = client
        .backlog
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) => Some(r.method.clone()),
            _ => None,
        })
        .collect();
    assert!(
        asked.iter().any(|m| m == "workspace/configuration"),
        "{asked:?}"
    );
    assert!(
        asked.iter().any(|m| m == "client/registerCapability"),
        "{asked:?}"
    );
    client.shutdown();
}

#[test]
fn unknown_methods_and_closed_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let compose = uri(&dir.path().join("compose.yaml"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    // Unknown requests are refused; unknown notifications (also `$/` ones) are ignored.
    for method in ["drydock/nope", "$/unknown", "workspace/executeCommand", ""] {
        let err = client.request(method, json!({})).expect_err(method);
        assert!(
            [-32601, -32602].contains(&err.code),
            "{method}: {}",
            err.message
        );
    }
    for method in [
        "drydock/nope",
        "$/unknown",
        "$/setTrace",
        "textDocument/willSave",
    ] {
        client.notify(method, json!({"anything": [1, 2, 3]}));
    }
    // Requests about documents that were never opened, or were closed: an answer, never a
    // failure.
    for target in [&docker, &compose] {
        for (method, params) in document_requests(target) {
            acceptable(method, &client.request(method, params));
        }
    }
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
    client.open(
        &compose,
        "dockercompose",
        1,
        "services:\n  web:\n    image: nginx\n",
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": docker}}),
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": compose}}),
    );
    for target in [&docker, &compose] {
        for (method, params) in document_requests(target) {
            acceptable(method, &client.request(method, params));
        }
        // Changes to a closed document are ignored; closing twice too.
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": target, "version": 5}, "contentChanges": [{"text": "FROM x\n"}]}),
        );
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": target}}),
        );
    }
    // Positions far outside the document and reversed ranges are clamped, not fatal.
    client.open(&docker, "dockerfile", 2, "FROM debian:12\nRUN sudo true\n");
    for (method, mut params) in document_requests(&docker) {
        if params.get("position").is_some() {
            params["position"] = json!({"line": 4_000_000_000_u32, "character": 4_000_000_000_u32});
        }
        if params.get("range").is_some() {
            params["range"] =
                json!({"start": {"line": 9, "character": 9}, "end": {"line": 0, "character": 0}});
        }
        acceptable(method, &client.request(method, params));
    }
    // Parameters of the wrong shape are invalid parameters, not a dead server.
    for (method, _) in document_requests(&docker) {
        let outcome = client.request(method, json!({"textDocument": 42, "position": "x"}));
        acceptable(method, &outcome);
    }
    // Other URI schemes and odd paths.
    for odd in [
        "untitled:Untitled-1",
        "file:///",
        "file:///nonexistent/%ZZ/Dockerfile",
        "vscode-notebook-cell:/x#y",
        "",
    ] {
        client.open(odd, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
        for (method, params) in document_requests(odd) {
            acceptable(method, &client.request(method, params));
        }
    }
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect("report");
    assert!(codes(report["items"].as_array().expect("items")).contains(&"DL3004".to_owned()));
    client.shutdown();
}

#[test]
fn stale_and_out_of_order_versions_never_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&docker, "dockerfile", 10, "FROM debian:12\nRUN sudo true\n");
    assert!(codes(&client.diagnostics(&docker, 10)).contains(&"DL3004".to_owned()));
    // An older version arrives after a newer one: the text still follows the changes in the
    // order they arrive (the client's buffer is what they describe), and the published
    // version is the one the text is at.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": docker, "version": 12}, "contentChanges": [{"text": "FROM debian:12\nRUN true\nUSER 1\n"}]}),
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": docker, "version": 11}, "contentChanges": [{"text": "FROM debian:12\nRUN sudo a\nUSER 1\n"}]}),
    );
    let last = client.diagnostics(&docker, 11);
    assert_eq!(codes(&last), ["DL3004"], "{last:?}");
    // Opening again replaces the document whatever its version.
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nUSER 1\n");
    assert!(client.diagnostics(&docker, 1).is_empty());
    client.shutdown();
}

#[test]
fn a_burst_of_changes_ends_with_the_diagnostics_of_the_final_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let mut text = String::from("FROM debian:12\nUSER 1\n");
    client.open(&docker, "dockerfile", 0, &text);
    let n = 10_000;
    for v in 1..=n {
        // Append one character at a time to the end of the second line, then, last, make it
        // something a rule reports.
        let (line, col) = (1, 6 + v - 1);
        let insert = if v == n { "\nRUN sudo x" } else { "0" };
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": docker, "version": v},
                "contentChanges": [{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": insert}],
            }),
        );
        if v == n {
            text.push_str("\nRUN sudo x");
        } else {
            text.insert(text.len() - 1, '0');
        }
    }
    let last = client.diagnostics(&docker, i64::from(n));
    assert!(codes(&last).contains(&"DL3004".to_owned()), "{last:?}");
    let sudo = last.iter().find(|d| d["code"] == "DL3004").expect("DL3004");
    assert_eq!(sudo["range"]["start"], json!({"line": 2, "character": 4}));
    // The pull answer agrees: the server's text is the client's.
    let mut caps_client_text = None;
    for (method, params) in document_requests(&docker) {
        if method == "textDocument/documentSymbol" {
            caps_client_text = Some(client.request(method, params));
        }
    }
    acceptable("documentSymbol", &caps_client_text.expect("asked"));
    // Far fewer lint runs than changes were published: each one for a version current then.
    let published = client
        .backlog
        .iter()
        .filter(|m| matches!(m, Message::Notification(n) if n.method == "textDocument/publishDiagnostics"))
        .count();
    assert!(published < 1000, "{published} publications for {n} changes");
    client.shutdown();
}

#[test]
fn cancelling_a_queued_request_answers_request_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    // A document that takes a while to lint, asked about many times: the workers are busy.
    let big = format!(
        "FROM debian:12\n{}",
        "RUN apt-get install -y curl && sudo make install\n".repeat(2000)
    );
    client.open(&docker, "dockerfile", 1, &big);
    let busy: Vec<RequestId> = (0..8)
        .map(|_| {
            client.send_request(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": docker}}),
            )
        })
        .collect();
    let target = client.send_request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": docker}}),
    );
    client.notify("$/cancelRequest", json!({"id": target}));
    let err = client.response(&target).expect_err("cancelled");
    assert_eq!(err.code, -32800, "{}", err.message);
    for id in &busy {
        let outcome = client.response(id);
        assert!(
            outcome.is_ok() || outcome.as_ref().is_err_and(|e| e.code == -32800),
            "{outcome:?}"
        );
    }
    // Cancelling what already finished, or never existed, changes nothing.
    client.notify("$/cancelRequest", json!({"id": target}));
    client.notify("$/cancelRequest", json!({"id": "nope"}));
    client.notify("$/cancelRequest", json!({"nope": 1}));
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect("report");
    assert!(codes(report["items"].as_array().expect("items")).contains(&"DL3004".to_owned()));
    client.shutdown();
}

#[test]
fn messages_before_initialize_and_after_shutdown() {
    let (server_conn, conn) = lsp_server::Connection::memory();
    let server = std::thread::spawn(move || drydock_server::run(server_conn));
    let send = |m: Message| conn.sender.send(m).expect("server alive");
    // A request before `initialize` is refused; a notification is ignored.
    send(Message::Request(Request {
        id: RequestId::from(1),
        method: "textDocument/hover".into(),
        params: json!({}),
    }));
    send(Message::Notification(Notification {
        method: "textDocument/didOpen".into(),
        params: json!({}),
    }));
    let Ok(Message::Response(r)) = conn.receiver.recv_timeout(TIMEOUT) else {
        panic!("an answer to the early request")
    };
    assert_eq!(r.response_result.expect_err("refused").code, -32002);
    send(Message::Request(Request {
        id: RequestId::from(2),
        method: "initialize".into(),
        params: json!({"capabilities": {}, "processId": null, "rootUri": null}),
    }));
    let Ok(Message::Response(r)) = conn.receiver.recv_timeout(TIMEOUT) else {
        panic!("initialize result")
    };
    assert!(r.response_result.is_ok());
    // A client that skips `initialized` and goes on is still served.
    send(Message::Request(Request {
        id: RequestId::from(3),
        method: "shutdown".into(),
        params: Value::Null,
    }));
    let Ok(Message::Response(r)) = conn.receiver.recv_timeout(TIMEOUT) else {
        panic!("shutdown result")
    };
    assert_eq!(r.id, RequestId::from(3));
    send(Message::Notification(Notification {
        method: "exit".into(),
        params: Value::Null,
    }));
    server
        .join()
        .expect("server thread")
        .expect("server stops cleanly");
}

#[test]
fn a_panic_in_a_handler_is_an_error_response_and_the_server_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
    for _ in 0..3 {
        let err = client
            .request("drydock/debug/panic", json!({}))
            .expect_err("a panicking handler must answer with an error");
        assert_eq!(err.code, -32603, "{}", err.message);
        assert!(
            err.message.contains("deliberate panic"),
            "the panic's message is passed on: {}",
            err.message
        );
    }
    // The workers survived: every request still gets its answer.
    for (method, params) in document_requests(&docker) {
        acceptable(method, &client.request(method, params));
    }
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": docker}, "position": {"line": 1, "character": 5}}),
        )
        .expect("hover after the panics");
    assert!(hover.to_string().contains("sudo"), "{hover}");
    client.shutdown();
}
