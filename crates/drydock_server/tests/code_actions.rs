//! `textDocument/codeAction`: quick fixes (safe and unsafe), suppression comments that the
//! linter honours (Dockerfile instructions, compose keys, whole files; CRLF files, BOMs,
//! directives, heredocs, continuations, anchors and merge keys), `source.fixAll.drydock` equal
//! to what `drydock check --fix` writes, in UTF-8 and UTF-16.

mod support;

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use support::{Client, pull_capabilities, push_capabilities, uri};

/// A client session that knows its encoding and how to get diagnostics (pushed or pulled).
struct Editor {
    client: Client,
    pull: bool,
    utf16: bool,
    version: i64,
}

impl Editor {
    /// A push client negotiating UTF-8 (Neovim-like) or a pull client in UTF-16 (VS Code-like).
    fn start(root: &Path, utf16: bool, options: Value) -> Self {
        Self::with_caps(
            root,
            if utf16 {
                pull_capabilities()
            } else {
                push_capabilities()
            },
            options,
        )
    }

    fn with_caps(root: &Path, caps: Value, options: Value) -> Self {
        let pull = caps.pointer("/textDocument/diagnostic").is_some();
        let (client, init) = Client::start(caps, root, options);
        let utf16 = init["capabilities"]["positionEncoding"] == "utf-16";
        assert!(
            init["capabilities"]["codeActionProvider"]["codeActionKinds"]
                .as_array()
                .is_some_and(|k| k.contains(&json!("quickfix"))
                    && k.contains(&json!("source.fixAll.drydock")))
        );
        Self {
            client,
            pull,
            utf16,
            version: 0,
        }
    }

    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        if self.pull {
            let report = self
                .client
                .request(
                    "textDocument/diagnostic",
                    json!({"textDocument": {"uri": uri}}),
                )
                .expect("report");
            report["items"].as_array().cloned().unwrap_or_default()
        } else {
            self.client.diagnostics(uri, self.version)
        }
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) -> Vec<Value> {
        self.version += 1;
        self.client.open(uri, language, self.version, text);
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.version += 1;
        self.client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": self.version}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics(uri)
    }

    fn actions(
        &mut self,
        uri: &str,
        range: Value,
        diagnostics: &[Value],
        only: Option<&[&str]>,
    ) -> Vec<Value> {
        let mut context = json!({"diagnostics": diagnostics});
        if let Some(only) = only {
            context["only"] = json!(only);
        }
        let mut params = json!({"textDocument": {"uri": uri}, "context": context});
        params["range"] = range;
        let result = self
            .client
            .request("textDocument/codeAction", params)
            .expect("code actions");
        result.as_array().cloned().expect("an array of actions")
    }

    /// The range of the `nth` occurrence of `needle` in `text`.
    fn range_of(&self, text: &str, needle: &str, nth: usize) -> Value {
        support::range_of(text, needle, nth, self.utf16)
    }

    /// A cursor at the start of the `nth` occurrence of `needle`.
    fn cursor_at(&self, text: &str, needle: &str, nth: usize) -> Value {
        let r = self.range_of(text, needle, nth);
        json!({"start": r["start"], "end": r["start"]})
    }

    /// Applies an action's edits to `text`, as a client does.
    fn apply(&self, text: &str, action: &Value, uri: &str) -> String {
        let edit = &action["edit"];
        let edits = match edit.get("documentChanges") {
            Some(changes) => {
                assert_eq!(changes[0]["textDocument"]["uri"], uri);
                changes[0]["edits"].clone()
            }
            None => edit["changes"][uri].clone(),
        };
        support::apply_edits(text, &edits, self.utf16)
    }
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> Vec<&'a Value> {
    diagnostics.iter().filter(|d| d["code"] == code).collect()
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no action `{title}` in {actions:#?}"))
}

fn titles(actions: &[Value]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| a["title"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn quick_fixes_safe_and_unsafe_in_both_encodings() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["DL3027"]}));
        // Multibyte text (and an astral character: two UTF-16 units) before the fixes.
        let text = "FROM debian:12\nRUN echo \"héllo 😀\" && apt update && apt install -y curl\n";
        let found = editor.open(&u, "dockerfile", text);
        let apt = with_code(&found, "DL3027");
        assert_eq!(apt.len(), 2, "{found:?}");
        assert_eq!(apt[0]["range"], editor.range_of(text, "apt", 0));

        // The client's own diagnostic (with a field the specification does not define, as
        // Neovim adds) is echoed on the action.
        let mut client_diag = apt[0].clone();
        client_diag["user_data"] = json!({"lsp": true});
        let actions = editor.actions(
            &u,
            editor.cursor_at(text, "apt update", 0),
            &[client_diag.clone()],
            None,
        );
        let safe: Vec<&Value> = actions
            .iter()
            .filter(|a| a["kind"] == "quickfix" && a["isPreferred"] == true)
            .collect();
        assert_eq!(safe.len(), 1, "{actions:#?}");
        let fix = safe[0];
        assert!(
            fix["title"]
                .as_str()
                .is_some_and(|t| t.ends_with("(DL3027)")),
            "{fix}"
        );
        assert_eq!(fix["diagnostics"], json!([client_diag]));
        assert!(
            fix["edit"].get("changes").is_some(),
            "no documentChanges support: {fix}"
        );
        assert_eq!(
            editor.apply(text, fix, &u),
            "FROM debian:12\nRUN echo \"héllo 😀\" && apt-get update && apt install -y curl\n"
        );
        // Suppressions come along, not preferred.
        assert!(titles(&actions).contains(&"Suppress DL3027 for this instruction".to_owned()));
        assert!(titles(&actions).contains(&"Suppress DL3027 in this file".to_owned()));

        // `apt install`: an unsafe fix, offered but not preferred, and its title says so.
        let actions = editor.actions(&u, editor.range_of(text, "apt install", 0), &[], None);
        let unsafe_fix = actions
            .iter()
            .find(|a| {
                a["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("may change behaviour"))
            })
            .unwrap_or_else(|| panic!("{actions:#?}"));
        assert_eq!(unsafe_fix["isPreferred"], false);
        assert_eq!(unsafe_fix["diagnostics"][0]["code"], "DL3027");
        assert_eq!(unsafe_fix["diagnostics"][0]["range"], apt[1]["range"]);
        assert_eq!(
            editor.apply(text, unsafe_fix, &u),
            "FROM debian:12\nRUN echo \"héllo 😀\" && apt update && apt-get install -y curl\n"
        );
        // A cursor elsewhere on the line has neither fix.
        let actions = editor.actions(
            &u,
            editor.cursor_at(text, "echo", 0),
            &[],
            Some(&["quickfix"]),
        );
        assert!(actions.is_empty(), "{actions:#?}");
        editor.client.shutdown();
    }
}

#[test]
fn document_changes_carry_the_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut caps = push_capabilities();
    caps["workspace"]["workspaceEdit"] = json!({"documentChanges": true});
    let mut editor = Editor::with_caps(dir.path(), caps, json!({"select": ["DL3027"]}));
    let text = "FROM debian:12\nRUN apt update\n";
    editor.open(&u, "dockerfile", text);
    let text2 = "FROM debian:12\nRUN apt update\nRUN true\n";
    let found = editor.change(&u, text2);
    assert_eq!(found.len(), 1, "{found:?}");
    let actions = editor.actions(&u, found[0]["range"].clone(), &found, None);
    for action in &actions {
        let changes = &action["edit"]["documentChanges"];
        assert_eq!(changes[0]["textDocument"]["version"], 2, "{action}");
        assert_eq!(changes[0]["textDocument"]["uri"], u);
        assert!(action["edit"].get("changes").is_none());
    }
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .expect("fix");
    assert_eq!(
        editor.apply(text2, fix, &u),
        "FROM debian:12\nRUN apt-get update\nRUN true\n"
    );
    editor.client.shutdown();
}

/// Applies the action titled `title` for the finding `code` at `needle`, then checks that the
/// finding is gone and returns the new text.
fn suppress(
    editor: &mut Editor,
    u: &str,
    text: &str,
    code: &str,
    needle: &str,
    title: &str,
) -> String {
    let found = editor.change(u, text);
    let before = with_code(&found, code).len();
    assert!(before > 0, "no {code} in {found:?}");
    let actions = editor.actions(u, editor.cursor_at(text, needle, 0), &[], None);
    let action = titled(&actions, title);
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], false);
    assert_eq!(action["diagnostics"][0]["code"], code, "{action}");
    let fixed = editor.apply(text, action, u);
    let after = editor.change(u, &fixed);
    assert!(
        with_code(&after, code).len() < before,
        "{title} did not suppress {code}:\n{fixed}\n{after:#?}"
    );
    assert!(
        !after
            .iter()
            .any(|d| d["code"] == "DY002" || d["code"] == "DL1000"),
        "{fixed}\n{after:#?}"
    );
    fixed
}

#[test]
fn dockerfile_suppressions_are_honoured_by_the_linter() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(
            dir.path(),
            utf16,
            json!({"select": ["DL3004", "DL3015", "DY001"]}),
        );
        editor.open(&u, "dockerfile", "FROM debian:12\n");
        let text = "# syntax=docker/dockerfile:1\n\
                    FROM debian:12\n\
                    RUN echo \"é😀\" && apt-get install -y curl \\\n    \
                    && sudo true\n  \
                    # hadolint ignore=DL3059\n  \
                    RUN sudo true\n\
                    # drydock ignore=DL3015 -- installed by hand\n\
                    RUN sudo apt-get install -y wget && apt-get install -y jq\n\
                    RUN <<EOF\n\
                    sudo chown root /srv\n\
                    EOF\n";
        // A finding on a continuation line: the comment goes above the instruction's first line.
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo true\n  # hadolint",
            "Suppress DL3004 for this instruction",
        );
        assert!(
            fixed.contains("FROM debian:12\n# drydock ignore=DL3004\nRUN echo \"é😀\""),
            "{fixed}"
        );
        // An indented instruction under a hadolint pragma: the new comment keeps the
        // indentation and goes above the hadolint one, which must stay directly above.
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo true\n# drydock",
            "Suppress DL3004 for this instruction",
        );
        assert!(
            fixed.contains(
                "\n  # drydock ignore=DL3004\n  # hadolint ignore=DL3059\n  RUN sudo true\n"
            ),
            "{fixed}"
        );
        // A drydock comment already there: the code is added to it, its reason kept.
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo apt-get install -y wget",
            "Suppress DL3004 for this instruction",
        );
        assert!(
            fixed.contains("\n# drydock ignore=DL3015,DL3004 -- installed by hand\nRUN sudo apt-get install -y wget && apt-get install -y jq\n"),
            "{fixed}"
        );
        // A heredoc body: the comment goes above `RUN <<EOF`.
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo chown",
            "Suppress DL3004 for this instruction",
        );
        assert!(
            fixed.contains("\n# drydock ignore=DL3004\nRUN <<EOF\n"),
            "{fixed}"
        );
        // The whole file: after the parser directive, which must stay first.
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo chown",
            "Suppress DL3004 in this file",
        );
        assert!(
            fixed.starts_with("# syntax=docker/dockerfile:1\n# drydock global ignore=DL3004\nFROM"),
            "{fixed}"
        );
        let after = editor.change(&u, &fixed);
        assert!(with_code(&after, "DL3004").is_empty(), "{after:#?}");
        // A second code joins the global comment.
        let actions = editor.actions(
            &u,
            editor.cursor_at(&fixed, "apt-get install -y curl", 0),
            &[],
            None,
        );
        let again = editor.apply(&fixed, titled(&actions, "Suppress DL3015 in this file"), &u);
        assert!(
            again.contains("\n# drydock global ignore=DL3004,DL3015\n"),
            "{again}"
        );
        editor.client.shutdown();
    }
}

#[test]
fn crlf_and_bom_files_stay_crlf() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["DL3004", "DL3027"]}));
        editor.open(&u, "dockerfile", "FROM debian:12\r\n");
        let text =
            "\u{feff}# escape=`\r\nFROM debian:12\r\n    RUN apt update && `\r\n  sudo true\r\n";
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo",
            "Suppress DL3004 for this instruction",
        );
        assert_eq!(
            fixed,
            "\u{feff}# escape=`\r\nFROM debian:12\r\n    # drydock ignore=DL3004\r\n    RUN apt update && `\r\n  sudo true\r\n"
        );
        let fixed = suppress(
            &mut editor,
            &u,
            text,
            "DL3004",
            "sudo",
            "Suppress DL3004 in this file",
        );
        assert_eq!(
            fixed,
            "\u{feff}# escape=`\r\n# drydock global ignore=DL3004\r\nFROM debian:12\r\n    RUN apt update && `\r\n  sudo true\r\n"
        );
        editor.change(&u, text);
        let actions = editor.actions(
            &u,
            editor.cursor_at(text, "apt", 0),
            &[],
            Some(&["quickfix"]),
        );
        let fix = actions
            .iter()
            .find(|a| a["isPreferred"] == true)
            .expect("a fix");
        assert_eq!(
            editor.apply(text, fix, &u),
            "\u{feff}# escape=`\r\nFROM debian:12\r\n    RUN apt-get update && `\r\n  sudo true\r\n"
        );
        editor.client.shutdown();
    }
}

#[test]
fn compose_suppressions_with_anchors_merge_keys_and_crlf() {
    for (utf16, crlf) in [(false, false), (true, true)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("compose.yaml");
        let u = uri(&path);
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["CMP001", "CMP107"]}));
        let eol = if crlf { "\r\n" } else { "\n" };
        let text = [
            "x-base: &base",
            "  image: nginx:1.27 # é😀",
            "  # drydock ignore=CMP011",
            "  privileged: true",
            "services:",
            "  web:",
            "    <<: *base",
            "    labels: {note: \"é😀\"}",
            "    ports:",
            "      - 22:22",
            "",
        ]
        .join(eol);
        fs::write(&path, &text).expect("write");
        editor.open(&u, "dockercompose", &text);
        // A value brought in by a merge key is reported (and suppressed) where it is written;
        // the code joins the drydock comment above the key.
        let fixed = suppress(
            &mut editor,
            &u,
            &text,
            "CMP001",
            "true",
            "Suppress CMP001 for this key",
        );
        assert_eq!(
            fixed,
            text.replace("ignore=CMP011", "ignore=CMP011,CMP001"),
            "{fixed}"
        );
        // A list item: a new comment above it, indented like it.
        let fixed = suppress(
            &mut editor,
            &u,
            &text,
            "CMP107",
            "22:22",
            "Suppress CMP107 for this key",
        );
        assert_eq!(
            fixed,
            text.replace(
                &format!("    ports:{eol}      - 22:22"),
                &format!("    ports:{eol}      # drydock ignore=CMP107{eol}      - 22:22")
            )
        );
        // The whole file.
        let fixed = suppress(
            &mut editor,
            &u,
            &text,
            "CMP107",
            "22:22",
            "Suppress CMP107 in this file",
        );
        assert_eq!(fixed, format!("# drydock global ignore=CMP107{eol}{text}"));
        if crlf {
            assert!(
                !fixed.replace("\r\n", "").contains('\n'),
                "LF in a CRLF file"
            );
        }
        // The rule's own fix, preferred.
        editor.change(&u, &text);
        let actions = editor.actions(&u, editor.cursor_at(&text, "22:22", 0), &[], None);
        let fix = actions
            .iter()
            .find(|a| a["isPreferred"] == true)
            .expect("a fix");
        assert!(
            fix["title"]
                .as_str()
                .is_some_and(|t| t.ends_with("(CMP107)")),
            "{fix}"
        );
        assert_eq!(
            editor.apply(&text, fix, &u),
            text.replace("- 22:22", "- \"22:22\"")
        );
        editor.client.shutdown();
    }
}

#[test]
fn fix_all_equals_check_fix_for_dockerfiles() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Dockerfile");
        let u = uri(&path);
        let mut editor = Editor::start(dir.path(), utf16, Value::Null);
        let text = "from debian:12 as Build\r\nLABEL note=\"é😀\"\r\nRUN apt update && apt-get install curl\r\nexpose 80/TCP\r\nUSER 10001\r\n";
        editor.open(&u, "dockerfile", text);
        let expected = drydock_linter::fix::fix_dockerfile(
            text.as_bytes().to_vec(),
            drydock_linter::DockerfileInput {
                path: Some(&path),
                target_stage: None,
                context: None,
            },
            &drydock_linter::Settings::from_defaults(),
            false,
        )
        .output;
        let expected = String::from_utf8(expected).expect("utf-8");
        assert_ne!(expected, text, "something to fix");
        let actions = editor.actions(
            &u,
            editor.cursor_at(text, "USER", 0),
            &[],
            Some(&["source.fixAll"]),
        );
        assert_eq!(actions.len(), 1, "{actions:#?}");
        let all = &actions[0];
        assert_eq!(all["kind"], "source.fixAll.drydock");
        assert_eq!(editor.apply(text, all, &u), expected);
        // Asked for quick fixes only: no fix-all; asked for nothing in particular: it is there.
        let quick = editor.actions(
            &u,
            editor.cursor_at(text, "apt", 0),
            &[],
            Some(&["quickfix"]),
        );
        assert!(quick.iter().all(|a| a["kind"] == "quickfix"), "{quick:#?}");
        let any = editor.actions(&u, editor.cursor_at(text, "apt", 0), &[], None);
        assert!(any.iter().any(|a| a["kind"] == "source.fixAll.drydock"));
        // Nothing left to fix: no fix-all action.
        editor.change(&u, &expected);
        let none = editor.actions(
            &u,
            editor.cursor_at(&expected, "USER", 0),
            &[],
            Some(&["source"]),
        );
        assert!(none.is_empty(), "{none:#?}");
        editor.client.shutdown();
    }
}

#[test]
fn fix_all_equals_check_fix_for_compose_files() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("compose.yaml");
        let u = uri(&path);
        let text = "version: \"3.8\"\nx-ports: &ports\n  - 22:22\nservices:\n  web:\n    image: nginx:1.27 # é😀\n    ports: *ports\n  db:\n    image: postgres:17\n    ports: [5432:5432]\n";
        fs::write(&path, text).expect("write");
        let mut editor = Editor::start(dir.path(), utf16, Value::Null);
        editor.open(&u, "dockercompose", text);
        let options = drydock_compose::project::LoadOptions {
            files: vec![path.clone()],
            root: Some(dir.path().to_owned()),
            ..Default::default()
        };
        let outcome = drydock_linter::fix::fix_compose(
            &options,
            &drydock_compose::project::RealFs,
            Some(std::slice::from_ref(&path)),
            &drydock_linter::Settings::from_defaults(),
            false,
        );
        let expected = String::from_utf8(outcome.changed[0].2.clone()).expect("utf-8");
        assert!(
            expected.contains("\"22:22\"") && !expected.contains("version"),
            "{expected}"
        );
        let actions = editor.actions(
            &u,
            editor.cursor_at(text, "services", 0),
            &[],
            Some(&["source.fixAll.drydock"]),
        );
        assert_eq!(actions.len(), 1, "{actions:#?}");
        assert_eq!(editor.apply(text, &actions[0], &u), expected);
        editor.client.shutdown();
    }
}

#[test]
fn no_suppressions_when_pragmas_are_disabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join(".drydock.yaml"),
        "disable-ignore-pragma: true\n",
    )
    .expect("write");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut editor = Editor::start(dir.path(), false, Value::Null);
    let text = "FROM debian:12\nRUN apt update\nUSER 10001\n";
    editor.open(&u, "dockerfile", text);
    let actions = editor.actions(&u, editor.range_of(text, "RUN apt update", 0), &[], None);
    assert!(!actions.is_empty());
    assert!(
        actions.iter().all(|a| !a["title"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Suppress")),
        "{actions:#?}"
    );
    editor.client.shutdown();
}

#[test]
fn unknown_documents_old_clients_and_bad_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut editor = Editor::start(dir.path(), true, Value::Null);
    let far = json!({"start": {"line": 99, "character": 99}, "end": {"line": 120, "character": 0}});
    // Not open: an empty answer, not an error.
    assert!(editor.actions(&u, far.clone(), &[], None).is_empty());
    // Positions past the end are clamped; a diagnostic at the very end still gets actions.
    let text = "FROM debian:12\nRUN sudo";
    editor.open(&u, "dockerfile", text);
    let actions = editor.actions(&u, far, &[], None);
    assert!(actions.iter().all(Value::is_object));
    // A cursor at the very end of the file, right after the finding (no final line break).
    let end = json!({"start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 8}});
    let actions = editor.actions(&u, end, &[], Some(&["quickfix"]));
    let here = titled(&actions, "Suppress DL3004 for this instruction");
    assert_eq!(
        editor.apply(text, here, &u),
        "FROM debian:12\n# drydock ignore=DL3004\nRUN sudo"
    );
    let file = titled(&actions, "Suppress DL3004 in this file");
    assert_eq!(
        editor.apply(text, file, &u),
        "# drydock global ignore=DL3004\nFROM debian:12\nRUN sudo"
    );
    // Malformed parameters are an error.
    let err = editor
        .client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}}),
        )
        .expect_err("no range");
    assert_eq!(err.code, -32602);
    editor.client.shutdown();

    // A client without code action literals gets nothing (it could only run commands).
    let mut caps = push_capabilities();
    caps["textDocument"]
        .as_object_mut()
        .expect("object")
        .remove("codeAction");
    let mut editor = Editor::with_caps(dir.path(), caps, Value::Null);
    editor.open(&u, "dockerfile", text);
    let all = json!({"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}});
    assert!(editor.actions(&u, all, &[], None).is_empty());
    editor.client.shutdown();
}
