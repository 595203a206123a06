//! Protocol tests over lsp-server's in-memory connection: the handshake, document sync,
//! diagnostics (push and pull), stale versions, compose projects with open buffers, bad input.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::{Client, codes, pull_capabilities, push_capabilities, uri};

#[test]
fn initialize_negotiates_utf8_and_announces_capabilities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (client, result) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert!(caps.get("diagnosticProvider").is_none(), "push client");
    assert_eq!(result["serverInfo"]["name"], "drydock");
    client.shutdown();

    let (client, result) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    let caps = &result["capabilities"];
    assert_eq!(
        caps["positionEncoding"], "utf-16",
        "UTF-16 when UTF-8 is not offered"
    );
    assert!(caps["diagnosticProvider"].is_object(), "pull client");
    client.shutdown();
}

#[test]
fn push_diagnostics_follow_edits_in_order_with_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    let u = uri(&path);
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(
        &u,
        "dockerfile",
        1,
        "FROM debian:12\nRUN sudo true\nUSER 10001\n",
    );
    let first = client.diagnostics(&u, 1);
    assert!(codes(&first).contains(&"DL3004".to_owned()), "{first:?}");
    let sudo = first
        .iter()
        .find(|d| d["code"] == "DL3004")
        .expect("DL3004");
    // `RUN sudo true`: the word `sudo`, UTF-8 columns.
    assert_eq!(
        sudo["range"],
        json!({"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 8}})
    );
    assert_eq!(sudo["source"], "drydock");
    assert_eq!(sudo["severity"], 1);
    assert!(
        sudo["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("rules.md#dl3004-sudo-in-run")),
        "{sudo}"
    );

    // Two edits in one notification, applied in order: remove `sudo `, then touch line 0.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": u, "version": 2},
            "contentChanges": [
                {"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 9}}, "text": ""},
                {"range": {"start": {"line": 0, "character": 14}, "end": {"line": 0, "character": 14}}, "text": " AS base"},
            ],
        }),
    );
    // A burst of changes: only versions that are still current may be published.
    for v in 3..=6 {
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": u, "version": v},
                "contentChanges": [{"text": format!("FROM debian:12\nRUN echo {v}\nUSER 10001\n")}],
            }),
        );
    }
    let last = client.diagnostics(&u, 6);
    assert!(!codes(&last).contains(&"DL3004".to_owned()), "{last:?}");
    // Anything published for this document in between was for a version that was current then:
    // never a version older than one already published.
    let mut seen = Vec::new();
    for msg in &client.backlog {
        if let lsp_server::Message::Notification(n) = msg
            && n.method == "textDocument/publishDiagnostics"
            && n.params["uri"] == u
        {
            seen.push(n.params["version"].as_i64().unwrap_or_default());
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(seen, sorted, "published versions only move forward");
    client.shutdown();
}

/// The server takes the shell views of the instructions an edit did not touch from the
/// previous version's model: after a series of edits before, inside and after `RUN`s, the
/// findings are those of the same text opened fresh.
#[test]
fn edited_documents_get_the_findings_of_a_fresh_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let edited = uri(&dir.path().join("Dockerfile"));
    let mut text = String::from(
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN curl -k https://x | sh\nRUN sudo make install\nUSER root\n",
    );
    client.open(&edited, "dockerfile", 0, &text);
    client.diagnostics(&edited, 0);
    // (line, start character, end character, new text)
    let edits = [
        (2, 0, 0, "# note\n"),
        (3, 8, 8, " --fail"),
        (0, 0, 0, "ARG X=1\n"),
        (5, 4, 9, ""),
        (5, 4, 4, "wget http://y | bash; "),
        (1, 5, 14, "ubuntu:24.04"),
    ];
    for (i, (line, start, end, new)) in edits.into_iter().enumerate() {
        let version = i64::try_from(i).unwrap_or_default() + 1;
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": edited, "version": version},
                "contentChanges": [{"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}, "text": new}],
            }),
        );
        let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        text.replace_range(line_start + start..line_start + end, new);
        let after_edit = client.diagnostics(&edited, version);
        let fresh = uri(&dir.path().join(format!("fresh{i}.Dockerfile")));
        client.open(&fresh, "dockerfile", 0, &text);
        let fresh_findings = client.diagnostics(&fresh, 0);
        assert!(!after_edit.is_empty());
        // (Related information names the document.)
        let fresh_findings = Value::Array(fresh_findings)
            .to_string()
            .replace(&fresh, &edited);
        assert_eq!(
            Value::Array(after_edit).to_string(),
            fresh_findings,
            "after edit {i}: {text}"
        );
    }
    client.shutdown();
}

#[test]
fn compose_files_are_linted_with_their_project_and_open_buffers_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    privileged: ${PRIV:-false}\n",
    )
    .expect("write");
    fs::write(dir.path().join(".env"), "PRIV=false\n").expect("write");
    let base = uri(&dir.path().join("compose.yaml"));
    let over = uri(&dir.path().join("compose.override.yaml"));
    let env = uri(&dir.path().join(".env"));
    let (mut client, _) = Client::start(
        push_capabilities(),
        dir.path(),
        json!({"select": ["CMP001", "CMP013"]}),
    );
    let text = fs::read_to_string(dir.path().join("compose.yaml")).expect("read");
    client.open(&base, "yaml", 1, &text);
    assert!(client.diagnostics(&base, 1).is_empty());

    // An unsaved `.env` buffer decides the variable.
    client.open(&env, "dotenv", 1, "PRIV=true\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": base, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    let found = client.diagnostics(&base, 2);
    assert_eq!(codes(&found), ["CMP001"], "{found:?}");

    // An override file opened on its own reports its own findings, with its base merged.
    client.open(
        &over,
        "dockercompose",
        1,
        "services:\n  web:\n    pid: host\n",
    );
    let found = client.diagnostics(&over, 1);
    assert_eq!(codes(&found), ["CMP013"], "{found:?}");
    assert_eq!(
        found[0]["range"]["start"],
        json!({"line": 2, "character": 9})
    );
    // Its label on the service points into the base file.
    let related = found[0]["relatedInformation"].as_array().expect("related");
    assert_eq!(related[0]["location"]["uri"], base);
    client.shutdown();
}

#[test]
fn pull_diagnostics_and_other_yaml_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let other = uri(&dir.path().join("values.yaml"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
    client.open(&other, "yaml", 1, "services:\n  x:\n    privileged: true\n");
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect("report");
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().expect("items");
    assert!(codes(items).contains(&"DL3004".to_owned()), "{items:?}");
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": other}}),
        )
        .expect("report");
    assert_eq!(report["items"], json!([]), "plain YAML is not linted");
    client.shutdown();
}

#[test]
fn bad_input_gets_errors_not_a_dead_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    let err = client
        .request("textDocument/nonsense", json!({}))
        .expect_err("unknown method");
    assert_eq!(err.code, -32601);
    let err = client
        .request("textDocument/diagnostic", json!({"textDocument": 42}))
        .expect_err("malformed params");
    assert_eq!(err.code, -32602);
    // Notifications with broken parameters and for unknown documents are ignored.
    client.notify("textDocument/didChange", json!({"nope": true}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": docker, "version": 9}, "contentChanges": [{"text": "x"}]}),
    );
    // The server still works.
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect("report");
    assert!(!report["items"].as_array().expect("items").is_empty());
    // After shutdown, requests are refused.
    let _ = client.request("shutdown", Value::Null).expect("shutdown");
    let err = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect_err("after shutdown");
    assert_eq!(err.code, -32600);
    client.notify("exit", Value::Null);
}

#[test]
fn a_broken_configuration_is_shown_and_defaults_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join(".drydock.yaml"), "select: [DS101\n").expect("write");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&docker, "dockerfile", 1, "FROM debian:12\nRUN sudo true\n");
    let found = client.diagnostics(&docker, 1);
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("configuration error") && m.contains(".drydock.yaml")),
        "{found:?}"
    );
    assert!(codes(&found).contains(&"DL3004".to_owned()));
    client.shutdown();
}

fn pull(client: &mut Client, uri: &str) -> Vec<String> {
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .expect("report");
    codes(report["items"].as_array().expect("items"))
}

#[test]
fn settings_from_workspace_configuration_and_watched_configuration_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    client.open(
        &docker,
        "dockerfile",
        1,
        "FROM debian:12\nRUN sudo true\nRUN cd /x\nUSER 1\n",
    );
    let all = pull(&mut client, &docker);
    assert!(
        all.contains(&"DL3004".to_owned()) && all.contains(&"DL3003".to_owned()),
        "{all:?}"
    );

    // The editor's settings change: the server asks for them again, then asks the client to
    // pull diagnostics anew.
    client.configuration = json!({"select": ["DL3003"]});
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    client.wait_server_request("workspace/diagnostic/refresh", 1);
    assert_eq!(pull(&mut client, &docker), ["DL3003"]);

    // A configuration file changes on disk: it is read again.
    client.configuration = json!({});
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    client.wait_server_request("workspace/diagnostic/refresh", 2);
    fs::write(dir.path().join(".drydock.yaml"), "ignore: [DL3003]\n").expect("write");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.path().join(".drydock.yaml")), "type": 1}]}),
    );
    client.wait_server_request("workspace/diagnostic/refresh", 3);
    let now = pull(&mut client, &docker);
    assert!(
        !now.contains(&"DL3003".to_owned()) && now.contains(&"DL3004".to_owned()),
        "{now:?}"
    );
    assert!(
        client
            .server_requests
            .contains(&"client/registerCapability".to_owned()),
        "configuration files are watched: {:?}",
        client.server_requests
    );
    client.shutdown();
}

#[test]
fn settings_pushed_by_clients_without_workspace_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(
        push_capabilities(),
        dir.path(),
        json!({"ignore": ["DL3003"]}),
    );
    client.open(
        &docker,
        "dockerfile",
        1,
        "FROM debian:12\nRUN sudo true\nRUN cd /x\nUSER 1\n",
    );
    let first = codes(&client.diagnostics(&docker, 1));
    assert!(first.contains(&"DL3004".to_owned()), "{first:?}");
    assert!(
        !first.contains(&"DL3003".to_owned()),
        "initializationOptions apply: {first:?}"
    );
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"drydock": {"select": ["DL3003"]}}}),
    );
    let again = client.notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == docker.as_str()
            && p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().all(|d| d["code"] == "DL3003") && !d.is_empty())
    });
    assert_eq!(
        codes(again["diagnostics"].as_array().expect("items")),
        ["DL3003"]
    );
    client.shutdown();
}
