//! `textDocument/completion`: Dockerfile keywords, directives, flags and their values, stages,
//! variables; compose keys from the schema, enum and well-known values, service names,
//! capabilities, `${` variables; broken YAML while typing, CRLF, UTF-16 columns, snippets only
//! for clients that support them.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::{Client, pull_capabilities, push_capabilities, uri};

/// Client capabilities without snippet support (UTF-16, push diagnostics).
fn plain_capabilities() -> Value {
    json!({
        "textDocument": {
            "publishDiagnostics": {"versionSupport": true},
            "completion": {"completionItem": {"snippetSupport": false}},
        },
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Utf8,
    Utf16,
}

/// A text with `|` marking the cursor: the text without it and the cursor's LSP position.
fn cursor(marked: &str, enc: Enc) -> (String, u32, u32) {
    let at = marked.find('|').expect("a cursor");
    let text = format!("{}{}", &marked[..at], &marked[at + 1..]);
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count();
    let col = match enc {
        Enc::Utf8 => before.len() - line_start,
        Enc::Utf16 => before[line_start..].encode_utf16().count(),
    };
    (text, line as u32, col as u32)
}

/// The text after applying an item's edit.
fn apply(text: &str, item: &Value, enc: Enc) -> String {
    support::apply_edits(text, &json!([item["textEdit"]]), enc == Enc::Utf16)
}

struct Session {
    client: Client,
    dir: tempfile::TempDir,
    enc: Enc,
    version: i64,
}

impl Session {
    fn new(caps: Value) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let enc = if caps.pointer("/general/positionEncodings").is_some() {
            Enc::Utf8
        } else {
            Enc::Utf16
        };
        let (client, result) = Client::start(caps, dir.path(), Value::Null);
        let announced = &result["capabilities"]["completionProvider"];
        assert!(announced["triggerCharacters"].is_array(), "{result}");
        Self {
            client,
            dir,
            enc,
            version: 0,
        }
    }

    fn utf8() -> Self {
        Self::new(push_capabilities())
    }

    fn utf16() -> Self {
        Self::new(pull_capabilities())
    }

    /// Opens (or reopens) `name` with `marked` (cursor `|`) and completes at the cursor.
    fn complete(&mut self, name: &str, language: &str, marked: &str) -> Completion {
        let (text, line, character) = cursor(marked, self.enc);
        let u = uri(&self.dir.path().join(name));
        self.version += 1;
        // Opening again replaces the document.
        self.client.open(&u, language, self.version, &text);
        let result = self
            .client
            .request(
                "textDocument/completion",
                json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}}),
            )
            .expect("a completion result");
        assert_eq!(result["isIncomplete"], false);
        let items = result["items"].as_array().cloned().expect("items");
        for item in &items {
            // Every edit is on the cursor's line and contains the cursor.
            let range = &item["textEdit"]["range"];
            assert_eq!(range["start"]["line"], line, "{item}");
            assert_eq!(range["end"]["line"], line, "{item}");
            assert!(
                range["start"]["character"].as_u64() <= Some(u64::from(character)),
                "{item}"
            );
            assert!(
                range["end"]["character"].as_u64() >= Some(u64::from(character)),
                "{item}"
            );
        }
        Completion {
            text,
            items,
            enc: self.enc,
        }
    }

    fn docker(&mut self, marked: &str) -> Completion {
        self.complete("Dockerfile", "dockerfile", marked)
    }

    fn compose(&mut self, marked: &str) -> Completion {
        self.complete("compose.yaml", "dockercompose", marked)
    }
}

struct Completion {
    text: String,
    items: Vec<Value>,
    enc: Enc,
}

impl Completion {
    fn labels(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| i["label"].as_str())
            .collect()
    }

    fn has(&self, label: &str) -> bool {
        self.labels().contains(&label)
    }

    fn item(&self, label: &str) -> &Value {
        self.items
            .iter()
            .find(|i| i["label"] == label)
            .unwrap_or_else(|| panic!("no `{label}` in {:?}", self.labels()))
    }

    /// The text after accepting `label`.
    fn accept(&self, label: &str) -> String {
        apply(&self.text, self.item(label), self.enc)
    }

    fn assert_has(&self, labels: &[&str]) {
        for l in labels {
            assert!(self.has(l), "`{l}` missing from {:?}", self.labels());
        }
    }

    fn assert_lacks(&self, labels: &[&str]) {
        for l in labels {
            assert!(!self.has(l), "`{l}` should not be in {:?}", self.labels());
        }
    }
}

// --- Dockerfile --------------------------------------------------------------------------------

#[test]
fn capability_is_announced_without_resolve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (client, result) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let provider = &result["capabilities"]["completionProvider"];
    let triggers: Vec<&str> = provider["triggerCharacters"]
        .as_array()
        .expect("triggers")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in ["-", "=", "$", "{", ":", " "] {
        assert!(triggers.contains(&t), "{triggers:?}");
    }
    assert_eq!(provider["resolveProvider"], false);
    client.shutdown();
}

#[test]
fn keywords_follow_the_file_and_its_case() {
    let mut s = Session::utf8();
    // Before any FROM only FROM and ARG are valid.
    let c = s.docker("|");
    assert_eq!(c.labels(), ["FROM", "ARG"]);
    let c = s.docker("FROM debian:12\nR|");
    c.assert_has(&["RUN", "COPY", "CMD", "HEALTHCHECK", "MAINTAINER"]);
    assert_eq!(c.accept("RUN"), "FROM debian:12\nRUN ");
    assert_eq!(c.item("RUN")["kind"], 14);
    assert!(c.item("RUN")["documentation"].as_str().is_some());
    assert_eq!(c.item("MAINTAINER")["tags"], json!([1]), "deprecated");
    // A lowercase file gets lowercase keywords; the partial word is replaced.
    let c = s.docker("from debian:12\nrun true\nco|");
    c.assert_has(&["copy", "run"]);
    c.assert_lacks(&["COPY"]);
    assert_eq!(c.accept("copy"), "from debian:12\nrun true\ncopy ");
    // Editing the keyword of an existing instruction: no extra space.
    let c = s.docker("FROM debian:12\nRU|N true\n");
    assert_eq!(c.accept("RUN"), "FROM debian:12\nRUN true\n");
    // Not on a continuation line or in a RUN's arguments.
    let c = s.docker("FROM debian:12\nRUN apt-get update && \\\n    ap|");
    c.assert_lacks(&["RUN", "ADD"]);
    let c = s.docker("FROM debian:12\nRUN echo |");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    s.client.shutdown();
}

#[test]
fn onbuild_offers_only_its_triggers() {
    let mut s = Session::utf8();
    let c = s.docker("FROM debian:12\nONBUILD |");
    c.assert_has(&["RUN", "COPY", "ADD", "ENV"]);
    c.assert_lacks(&["ONBUILD", "FROM", "MAINTAINER"]);
    assert_eq!(c.accept("RUN"), "FROM debian:12\nONBUILD RUN ");
    let c = s.docker("from debian:12\nonbuild co|");
    assert_eq!(c.accept("copy"), "from debian:12\nonbuild copy ");
    // The trigger's flags.
    let c = s.docker("FROM debian:12\nONBUILD RUN --|");
    c.assert_has(&["--mount", "--network"]);
    s.client.shutdown();
}

#[test]
fn parser_directives_only_at_the_top() {
    let mut s = Session::utf8();
    let c = s.docker("# |\nFROM debian:12\n");
    assert_eq!(c.labels(), ["syntax", "escape", "check"]);
    assert_eq!(c.accept("syntax"), "# syntax=\nFROM debian:12\n");
    let c = s.docker("# syntax=docker/dockerfile:1\n# |\nFROM debian:12\n");
    assert_eq!(c.labels(), ["escape", "check"], "syntax is already set");
    let c = s.docker("# syntax=|\nFROM debian:12\n");
    assert_eq!(
        c.accept("docker/dockerfile:1"),
        "# syntax=docker/dockerfile:1\nFROM debian:12\n"
    );
    let c = s.docker("# check=error=true;|\nFROM debian:12\n");
    assert_eq!(c.labels(), ["skip", "error", "experimental"]);
    let c = s.docker("# escape=|\n");
    assert_eq!(c.labels(), ["\\", "`"]);
    let c = s.docker("# check=skip=StageNameCasing,Und|\nFROM debian:12\n");
    c.assert_has(&["UndefinedVar", "all"]);
    c.assert_lacks(&["StageNameCasing"]);
    assert_eq!(
        c.accept("UndefinedVar"),
        "# check=skip=StageNameCasing,UndefinedVar\nFROM debian:12\n"
    );
    // After a comment or an instruction, directives are plain comments.
    let c = s.docker("FROM debian:12\n# |\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    let c = s.docker("# a comment\n# |\nFROM debian:12\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    // Suppression comments get rule codes.
    let c = s.docker("FROM debian:12\n# drydock ignore=DL30|\nRUN true\n");
    c.assert_has(&["DL3008"]);
    s.client.shutdown();
}

#[test]
fn flags_of_the_instruction_at_the_cursor() {
    let mut s = Session::utf8();
    let c = s.docker("FROM debian:12\nRUN --|");
    assert_eq!(
        c.labels(),
        ["--mount", "--network", "--security", "--device"]
    );
    assert_eq!(c.accept("--mount"), "FROM debian:12\nRUN --mount=");
    let c = s.docker("FROM debian:12 AS a\nFROM a\nCOPY --from=a --|");
    c.assert_has(&["--chown", "--chmod", "--link", "--exclude", "--parents"]);
    c.assert_lacks(&["--from", "--mount"]);
    assert_eq!(
        c.accept("--link"),
        "FROM debian:12 AS a\nFROM a\nCOPY --from=a --link"
    );
    let c = s.docker("FROM debian:12\nADD --|");
    c.assert_has(&["--checksum", "--keep-git-dir", "--unpack", "--chown"]);
    c.assert_lacks(&["--from"]);
    let c = s.docker("FROM debian:12\nHEALTHCHECK --interval=5s --|");
    c.assert_has(&[
        "--timeout",
        "--start-period",
        "--start-interval",
        "--retries",
    ]);
    c.assert_lacks(&["--interval"]);
    let c = s.docker("FROM --|");
    assert_eq!(c.labels(), ["--platform"]);
    // A repeatable flag is offered again; on a continuation line too.
    let c = s.docker("FROM debian:12\nRUN --mount=type=cache,target=/root/.cache \\\n    --|");
    c.assert_has(&["--mount", "--network"]);
    // After the first argument, no more flags.
    let c = s.docker("FROM debian:12\nCOPY a --|");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    // Instructions without flags.
    let c = s.docker("FROM debian:12\nWORKDIR --|");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    s.client.shutdown();
}

#[test]
fn mount_options_per_type() {
    let mut s = Session::utf8();
    let c = s.docker("FROM debian:12\nRUN --mount=|");
    c.assert_has(&["type", "target", "source", "from", "readwrite"]);
    assert_eq!(c.accept("type"), "FROM debian:12\nRUN --mount=type=");
    let c = s.docker("FROM debian:12\nRUN --mount=type=|");
    assert_eq!(c.labels(), ["cache", "bind", "secret", "ssh", "tmpfs"]);
    assert_eq!(c.accept("cache"), "FROM debian:12\nRUN --mount=type=cache");
    let c = s.docker("FROM debian:12\nRUN --mount=type=cache,ta|");
    c.assert_has(&["target", "id", "sharing", "readonly", "mode", "uid", "gid"]);
    c.assert_lacks(&["type", "size", "env", "required"]);
    assert_eq!(
        c.accept("target"),
        "FROM debian:12\nRUN --mount=type=cache,target="
    );
    let c = s.docker("FROM debian:12\nRUN --mount=type=secret,id=npm,|");
    c.assert_has(&["target", "env", "required", "mode"]);
    c.assert_lacks(&["id", "sharing", "from"]);
    assert_eq!(
        c.accept("required"),
        "FROM debian:12\nRUN --mount=type=secret,id=npm,required"
    );
    let c = s.docker("FROM debian:12\nRUN --mount=type=tmpfs,|");
    assert_eq!(c.labels(), ["target", "size"]);
    let c = s.docker("FROM debian:12\nRUN --mount=type=cache,sharing=|");
    assert_eq!(c.labels(), ["shared", "private", "locked"]);
    let c = s.docker("FROM golang:1 AS build\nFROM debian:12\nRUN --mount=from=|,target=/x");
    assert_eq!(c.labels(), ["build"]);
    assert_eq!(
        c.accept("build"),
        "FROM golang:1 AS build\nFROM debian:12\nRUN --mount=from=build,target=/x"
    );
    s.client.shutdown();
}

#[test]
fn flag_values() {
    let mut s = Session::utf8();
    let c = s.docker("FROM debian:12\nRUN --network=|");
    assert_eq!(c.labels(), ["default", "none", "host"]);
    let c = s.docker("FROM debian:12\nRUN --security=|");
    assert_eq!(c.labels(), ["insecure", "sandbox"]);
    let c = s.docker("FROM --platform=|");
    c.assert_has(&[
        "$BUILDPLATFORM",
        "$TARGETPLATFORM",
        "linux/amd64",
        "linux/arm64",
    ]);
    assert_eq!(c.accept("linux/arm64"), "FROM --platform=linux/arm64");
    // A `$` in the value: the variables in scope (the platform ARGs are global).
    let c = s.docker("FROM --platform=$BUILD| golang");
    c.assert_has(&["BUILDPLATFORM", "TARGETARCH"]);
    assert_eq!(
        c.accept("BUILDPLATFORM"),
        "FROM --platform=$BUILDPLATFORM golang"
    );
    let c = s.docker("FROM debian:12\nCOPY --link=|");
    assert_eq!(c.labels(), ["true", "false"]);
    s.client.shutdown();
}

#[test]
fn stage_names_come_from_earlier_stages() {
    let mut s = Session::utf8();
    let text = "FROM golang:1 AS build\nFROM alpine AS certs\nFROM scratch\nCOPY --from=| /app /app\nFROM debian AS later\n";
    let c = s.docker(text);
    assert_eq!(c.labels(), ["certs", "build"]);
    assert_eq!(c.item("build")["kind"], 18);
    assert_eq!(
        c.accept("build"),
        "FROM golang:1 AS build\nFROM alpine AS certs\nFROM scratch\nCOPY --from=build /app /app\nFROM debian AS later\n"
    );
    let c = s.docker("FROM golang:1 AS build\nFROM b|\nFROM debian AS later\n");
    assert_eq!(c.labels(), ["build", "scratch"]);
    let c = s.docker("FROM golang:1 AS build\nFROM |");
    c.assert_has(&["build", "scratch"]);
    // After the image: `AS`, in the file's case.
    let c = s.docker("FROM golang:1 |");
    assert_eq!(c.labels(), ["AS"]);
    assert_eq!(c.accept("AS"), "FROM golang:1 AS ");
    let c = s.docker("from golang:1 |");
    assert_eq!(c.labels(), ["as"]);
    s.client.shutdown();
}

#[test]
fn variables_in_scope() {
    let mut s = Session::utf8();
    let text = "ARG BASE=debian\nFROM $BASE AS one\nARG ONE=1\nFROM $BASE\nARG VERSION=1.2\nENV HOME_DIR=/srv\nRUN echo $|\nARG LATER=x\n";
    let c = s.docker(text);
    c.assert_has(&["VERSION", "HOME_DIR", "TARGETARCH"]);
    c.assert_lacks(&["ONE", "LATER", "BASE"]);
    assert_eq!(c.item("VERSION")["detail"], "ARG = 1.2");
    assert_eq!(c.item("HOME_DIR")["detail"], "ENV = /srv");
    assert_eq!(c.item("VERSION")["kind"], 6);
    // In scope first, the platform ARGs after.
    let labels = c.labels();
    let pos = |l: &str| labels.iter().position(|x| *x == l).expect("present");
    assert!(pos("VERSION") < pos("TARGETARCH"));
    // `${` closes the brace.
    let c = s.docker("FROM debian\nARG VERSION=1\nRUN echo ${VER|");
    assert_eq!(
        c.accept("VERSION"),
        "FROM debian\nARG VERSION=1\nRUN echo ${VERSION}"
    );
    let c = s.docker("FROM debian\nARG VERSION=1\nRUN echo ${VER|}");
    assert_eq!(
        c.accept("VERSION"),
        "FROM debian\nARG VERSION=1\nRUN echo ${VERSION}"
    );
    // In FROM: the global ARGs.
    let c = s.docker("ARG BASE=debian\nFROM ${|}");
    c.assert_has(&["BASE", "BUILDPLATFORM"]);
    // An escaped `$` is not a variable.
    let c = s.docker("FROM debian\nARG A=1\nRUN echo \\$|");
    c.assert_lacks(&["A"]);
    s.client.shutdown();
}

#[test]
fn heredocs_and_continuations() {
    let mut s = Session::utf8();
    let text = "FROM debian:12\nARG NAME=x\nRUN <<EOF\necho $N|\nEOF\n";
    let c = s.docker(text);
    c.assert_has(&["NAME"]);
    c.assert_lacks(&["RUN"]);
    // Inside a heredoc body, a word at the start of a line is not an instruction.
    let c = s.docker("FROM debian:12\nRUN <<EOF\nap|\nEOF\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    // After the heredoc, instructions again.
    let c = s.docker("FROM debian:12\nRUN <<EOF\necho\nEOF\nCO|");
    c.assert_has(&["COPY"]);
    // A flag after a continuation and a comment line inside the continuation.
    let c = s.docker("FROM debian:12\nRUN --network=none \\\n# a comment\n  --mount=type=|");
    c.assert_has(&["cache", "secret"]);
    // An empty line after a continuation at the end of the file is still the instruction.
    let c = s.docker("FROM debian:12\nRUN --network=none \\\n|");
    c.assert_has(&["--mount"]);
    c.assert_lacks(&["--network", "RUN"]);
    s.client.shutdown();
}

#[test]
fn healthcheck_and_exec_form_snippets() {
    let mut s = Session::utf8();
    let c = s.docker("FROM debian:12\nHEALTHCHECK --interval=5s |");
    c.assert_has(&["CMD", "NONE", "--timeout"]);
    let c = s.docker("from debian:12\nhealthcheck |");
    c.assert_has(&["cmd", "none"]);
    let c = s.docker("FROM debian:12\nCMD |");
    let item = c.item("[\"executable\", \"param\"]");
    assert_eq!(item["insertTextFormat"], 2);
    assert_eq!(item["kind"], 15);
    let c = s.docker("FROM debian:12\nCM|");
    let snippet = c.item("CMD [\"executable\", \"param\"]");
    assert_eq!(snippet["insertTextFormat"], 2);
    assert_eq!(
        snippet["textEdit"]["newText"],
        r#"CMD ["${1:executable}", "${2:param}"]$0"#
    );
    assert_eq!(c.item("CMD")["insertTextFormat"], 1);
    let c = s.docker("FROM debian:12\nSHELL |");
    assert_eq!(
        c.item("[\"executable\", \"-c\"]")["textEdit"]["newText"],
        r#"["${1:/bin/sh}", "${2:-c}"]$0"#
    );
    s.client.shutdown();

    // No snippets for a client that does not support them.
    let mut s = Session::new(plain_capabilities());
    let c = s.docker("FROM debian:12\nCM|");
    c.assert_has(&["CMD"]);
    c.assert_lacks(&["CMD [\"executable\", \"param\"]"]);
    assert!(c.items.iter().all(|i| i["insertTextFormat"] == 1));
    let c = s.docker("FROM debian:12\nCMD |");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    s.client.shutdown();
}

#[test]
fn utf16_columns_crlf_and_the_end_of_the_file() {
    // UTF-16: characters before the cursor that are 2 bytes, 3 bytes and a surrogate pair.
    let mut s = Session::utf16();
    let text = "FROM debian\nARG FOO=1\nRUN echo \"é€😀\" $FO|";
    let c = s.docker(text);
    let item = c.item("FOO");
    // `RUN echo "é€😀" $` is 17 UTF-16 units (the emoji is 2).
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": 2, "character": 17})
    );
    assert_eq!(
        c.accept("FOO"),
        "FROM debian\nARG FOO=1\nRUN echo \"é€😀\" $FOO"
    );
    // CRLF line ends.
    let c = s.docker("FROM debian:12\r\nRUN --network=none \\\r\n  --mo|\r\nUSER 1\r\n");
    assert_eq!(
        c.accept("--mount"),
        "FROM debian:12\r\nRUN --network=none \\\r\n  --mount=\r\nUSER 1\r\n"
    );
    let c = s.docker("FROM debian:12\r\nRU|\r\n");
    assert_eq!(c.accept("RUN"), "FROM debian:12\r\nRUN \r\n");
    // A position past the end is clamped to it.
    let u = uri(&s.dir.path().join("Dockerfile"));
    s.client.open(&u, "dockerfile", 99, "FROM debian:12\nR");
    let result = s
        .client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": {"line": 40, "character": 7}}),
        )
        .expect("result");
    let labels: Vec<&str> = result["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"RUN"), "{labels:?}");
    // A document that is not open: null.
    let result = s
        .client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": "file:///nowhere/Dockerfile"}, "position": {"line": 0, "character": 0}}),
        )
        .expect("result");
    assert_eq!(result, Value::Null);
    // Malformed parameters are an error, not a dead server.
    let err = s
        .client
        .request("textDocument/completion", json!({"textDocument": 1}))
        .expect_err("invalid params");
    assert_eq!(err.code, -32602);
    s.client.shutdown();
}

// --- compose -----------------------------------------------------------------------------------

#[test]
fn compose_keys_from_the_schema() {
    let mut s = Session::utf8();
    let c = s.compose("|");
    c.assert_has(&[
        "services", "networks", "volumes", "secrets", "configs", "name",
    ]);
    assert_eq!(c.item("services")["kind"], 10);
    assert_eq!(c.item("version")["tags"], json!([1]), "obsolete");
    assert_eq!(c.accept("services"), "services:\n  $0");
    assert_eq!(c.item("services")["insertTextFormat"], 2);
    let c = s.compose("services:\n  web:\n    image: nginx\n    |\n    ports: [\"80:80\"]\n");
    c.assert_has(&["build", "restart", "cap_drop", "deploy", "healthcheck"]);
    c.assert_lacks(&["image", "ports", "services"]);
    assert!(
        c.item("read_only")["documentation"]
            .as_str()
            .is_some_and(|d| d.contains("read-only"))
    );
    // Scalars get `key: `, lists and mappings a snippet with the block started.
    assert_eq!(c.item("restart")["textEdit"]["newText"], "restart: ");
    assert_eq!(
        c.item("cap_drop")["textEdit"]["newText"],
        "cap_drop:\n  - $0"
    );
    assert_eq!(c.item("deploy")["textEdit"]["newText"], "deploy:\n  $0");
    assert_eq!(c.item("deploy")["insertTextFormat"], 2);
    // Deeper mappings.
    let c = s.compose("services:\n  web:\n    build:\n      context: .\n      d|\n");
    c.assert_has(&["dockerfile", "dockerfile_inline", "args", "target"]);
    c.assert_lacks(&["context", "image"]);
    let c = s.compose(
        "services:\n  web:\n    deploy:\n      resources:\n        limits:\n          |\n",
    );
    assert_eq!(c.labels(), ["cpus", "memory", "pids"]);
    let c =
        s.compose("services:\n  web:\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      |");
    c.assert_has(&["interval", "timeout", "retries", "start_period"]);
    c.assert_lacks(&["test"]);
    // The long volume syntax: the first key of an item, then the others.
    let c = s.compose("services:\n  web:\n    volumes:\n      - t|\n");
    c.assert_has(&["type", "source", "target", "read_only"]);
    let c = s.compose(
        "services:\n  web:\n    volumes:\n      - type: bind\n        |\n        target: /x\n",
    );
    c.assert_has(&["source", "read_only", "bind"]);
    c.assert_lacks(&["type", "target"]);
    let c = s.compose("networks:\n  front:\n    |\n");
    c.assert_has(&["driver", "ipam", "external", "internal"]);
    // Editing a key in place keeps its colon.
    let c = s.compose("services:\n  web:\n    imag|e: nginx\n");
    assert_eq!(c.accept("image"), "services:\n  web:\n    image: nginx\n");
    s.client.shutdown();

    // Without snippets, every key is `key: `.
    let mut s = Session::new(plain_capabilities());
    let c = s.compose("services:\n  web:\n    dep|");
    assert_eq!(c.item("deploy")["textEdit"]["newText"], "deploy: ");
    assert_eq!(c.item("deploy")["insertTextFormat"], 1);
    s.client.shutdown();
}

#[test]
fn compose_broken_yaml_while_typing() {
    let mut s = Session::utf8();
    // `    pri` under a mapping is a YAML error; the context comes from the indentation.
    let c =
        s.compose("services:\n  web:\n    image: nginx\n    pri|\n  db:\n    image: postgres\n");
    c.assert_has(&["privileged", "pid", "pull_policy"]);
    assert_eq!(
        c.accept("privileged"),
        "services:\n  web:\n    image: nginx\n    privileged: \n  db:\n    image: postgres\n"
    );
    // An unclosed flow sequence above, and a value being typed.
    let c = s.compose("services:\n  web:\n    command: [\"a\",\n    restart: |");
    c.assert_has(&["always", "unless-stopped"]);
    // An unclosed flow sequence in another service.
    let c = s.compose("services:\n  web:\n    command: [\"a\",\n  db:\n    cgroup: |");
    c.assert_has(&["host", "private"]);
    // Tabs and garbage: no panic.
    let c = s.compose("services:\n\tweb: [\n\t\t|\n\t- : :\n");
    let _ = c.labels();
    // Comments and block scalars: nothing, except rule codes in suppressions.
    let c = s.compose("services:\n  web:\n    # restart: |");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    let c = s.compose("services:\n  web:\n    privileged: true # drydock ignore=CMP0|\n");
    c.assert_has(&["CMP001"]);
    c.assert_lacks(&["DL3008"]);
    assert_eq!(
        c.accept("CMP001"),
        "services:\n  web:\n    privileged: true # drydock ignore=CMP001\n"
    );
    let c = s.compose("services:\n  web:\n    # hadolint ignore=|\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    let c = s.compose("services:\n  web:\n    command: |\n      echo |");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    // `key:` without the space yet: nothing (the space triggers).
    let c = s.compose("services:\n  web:\n    restart:|");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    s.client.shutdown();
}

#[test]
fn compose_enum_and_policy_values() {
    let mut s = Session::utf8();
    let c = s.compose("services:\n  web:\n    cgroup: |\n");
    assert_eq!(c.labels(), ["host", "private"]);
    let c = s.compose("services:\n  web:\n    restart: |\n");
    assert_eq!(c.labels(), ["no", "always", "on-failure", "unless-stopped"]);
    // `no` is quoted (YAML 1.1 reads it as false).
    assert_eq!(c.accept("no"), "services:\n  web:\n    restart: \"no\"\n");
    let c = s.compose("services:\n  web:\n    restart: \"|\"\n");
    assert_eq!(
        c.accept("always"),
        "services:\n  web:\n    restart: \"always\"\n"
    );
    let c = s.compose("services:\n  web:\n    pull_policy: m|\n");
    c.assert_has(&["missing", "always", "never", "build", "daily"]);
    assert_eq!(
        c.accept("missing"),
        "services:\n  web:\n    pull_policy: missing\n"
    );
    let text = "services:\n  web:\n    depends_on:\n      db:\n        condition: |\n  db:\n    image: x\n";
    let c = s.compose(text);
    assert_eq!(
        c.labels(),
        [
            "service_started",
            "service_healthy",
            "service_completed_successfully"
        ]
    );
    let c = s.compose("services:\n  web:\n    read_only: |\n");
    assert_eq!(c.labels(), ["true", "false"]);
    let c =
        s.compose("services:\n  web:\n    deploy:\n      restart_policy:\n        condition: |\n");
    assert_eq!(c.labels(), ["any", "on-failure", "none"]);
    let c = s.compose("services:\n  web:\n    volumes:\n      - type: |\n");
    c.assert_has(&["bind", "volume", "tmpfs"]);
    s.client.shutdown();
}

#[test]
fn compose_service_names() {
    let mut s = Session::utf8();
    let base = "services:\n  web:\n    image: nginx\n    SLOT\n  db:\n    image: postgres\n  cache:\n    image: redis\n";
    let at = |slot: &str| base.replace("SLOT", slot);
    // depends_on, list form: other services, not itself, not those already listed.
    let c = s.compose(&at("depends_on:\n      - db\n      - |"));
    assert_eq!(c.labels(), ["cache"]);
    assert_eq!(c.item("cache")["kind"], 18);
    // Map form: service names as keys, with a condition when snippets are supported.
    let c = s.compose(&at("depends_on:\n      |"));
    assert_eq!(c.labels(), ["db", "cache"]);
    assert_eq!(
        c.item("db")["textEdit"]["newText"],
        "db:\n  condition: ${1:service_healthy}$0"
    );
    let c = s.compose(&at("depends_on: [db, |]"));
    assert_eq!(c.labels(), ["cache"]);
    let c = s.compose(&at("extends: |"));
    assert_eq!(c.labels(), ["db", "cache"]);
    let c = s.compose(&at("extends:\n      service: |"));
    assert_eq!(c.labels(), ["db", "cache"]);
    let c = s.compose(&at("network_mode: |"));
    c.assert_has(&[
        "host",
        "none",
        "bridge",
        "service:db",
        "service:cache",
        "container:",
    ]);
    c.assert_lacks(&["service:web"]);
    let c = s.compose(&at("network_mode: service:|"));
    assert_eq!(c.accept("service:db"), at("network_mode: service:db"));
    let c = s.compose(&at("pid: |"));
    c.assert_has(&["host", "service:db"]);
    let c = s.compose(&at("ipc: |"));
    c.assert_has(&["shareable", "service:cache"]);
    let c = s.compose(&at("volumes_from:\n      - |"));
    assert_eq!(c.labels(), ["db", "cache"]);
    let c = s.compose(&at("links:\n    - |"));
    assert_eq!(c.labels(), ["db", "cache"]);
    s.client.shutdown();
}

#[test]
fn compose_services_of_the_project_and_the_broken_file() {
    let mut s = Session::utf8();
    // The base file on disk declares `db`; the override being typed refers to it.
    fs::write(
        s.dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres\n  web:\n    image: nginx\n",
    )
    .expect("write");
    let c = s.complete(
        "compose.override.yaml",
        "dockercompose",
        "services:\n  web:\n    depends_on:\n      - |\n  broken: [\n",
    );
    // This file's own services first (even one being typed), then the base file's.
    assert_eq!(c.labels(), ["broken", "db"]);
    s.client.shutdown();
}

#[test]
fn compose_capabilities_and_security_options() {
    let mut s = Session::utf8();
    let c = s.compose("services:\n  web:\n    cap_add:\n      - NET_ADMIN\n      - |\n");
    c.assert_has(&["NET_BIND_SERVICE", "SYS_PTRACE", "CHOWN"]);
    c.assert_lacks(&["ALL", "NET_ADMIN"]);
    assert_eq!(c.item("CHOWN")["detail"], "default");
    let c = s.compose("services:\n  web:\n    cap_drop:\n    - |\n");
    assert_eq!(c.labels()[0], "ALL");
    let c = s.compose("services:\n  web:\n    cap_drop: [ALL]\n    cap_add: [NET_B|]\n");
    assert_eq!(
        c.accept("NET_BIND_SERVICE"),
        "services:\n  web:\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n"
    );
    let c = s.compose("services:\n  web:\n    security_opt:\n      - |\n");
    assert_eq!(
        c.labels(),
        ["no-new-privileges:true", "seccomp=", "apparmor=", "label="]
    );
    assert_eq!(
        c.accept("no-new-privileges:true"),
        "services:\n  web:\n    security_opt:\n      - no-new-privileges:true\n"
    );
    s.client.shutdown();
}

#[test]
fn compose_variables_from_the_env_file() {
    let mut s = Session::utf8();
    fs::write(
        s.dir.path().join(".env"),
        "TAG=1.27\nDB_PASSWORD=hunter2\n# comment\nexport PORT=8080\n",
    )
    .expect("write");
    let c =
        s.compose("services:\n  web:\n    image: nginx:${|\n    environment:\n      X: $OTHER\n");
    assert_eq!(c.labels(), ["TAG", "DB_PASSWORD", "PORT", "OTHER"]);
    assert_eq!(c.item("TAG")["detail"], ".env = 1.27");
    assert_eq!(
        c.item("DB_PASSWORD")["detail"],
        ".env",
        "secret values are not shown"
    );
    assert_eq!(c.item("OTHER")["detail"], "used in this file");
    assert_eq!(
        c.accept("TAG"),
        "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      X: $OTHER\n"
    );
    let c = s.compose("services:\n  web:\n    image: nginx:${T|}\n");
    assert_eq!(
        c.accept("TAG"),
        "services:\n  web:\n    image: nginx:${TAG}\n"
    );
    // An open `.env` buffer wins over the file on disk.
    let env = uri(&s.dir.path().join(".env"));
    s.client.open(&env, "dotenv", 1, "FROM_BUFFER=1\n");
    let c = s.compose("services:\n  web:\n    image: nginx:${|\n");
    assert_eq!(c.labels(), ["FROM_BUFFER"]);
    // `$$` is an escaped dollar.
    let c = s.compose("services:\n  web:\n    command: echo $$|\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    s.client.shutdown();
}

#[test]
fn compose_build_stages_args_and_ulimits() {
    let mut s = Session::utf8();
    fs::create_dir_all(s.dir.path().join("app")).expect("mkdir");
    fs::write(
        s.dir.path().join("app/Dockerfile.prod"),
        "ARG BASE=debian\nFROM golang:1 AS build\nARG VERSION\nFROM $BASE AS runtime\nFROM runtime\n",
    )
    .expect("write");
    let text = "services:\n  web:\n    build:\n      context: app\n      dockerfile: Dockerfile.prod\n      target: |\n";
    let c = s.compose(text);
    assert_eq!(c.labels(), ["build", "runtime"]);
    assert_eq!(c.item("build")["documentation"], "FROM golang:1");
    let text = "services:\n  web:\n    build:\n      context: app\n      dockerfile: Dockerfile.prod\n      args:\n        VERSION: 1\n        |\n";
    let c = s.compose(text);
    assert_eq!(c.labels(), ["BASE"]);
    assert_eq!(c.item("BASE")["textEdit"]["newText"], "BASE: ");
    let text = "services:\n  web:\n    build:\n      context: app\n      dockerfile: Dockerfile.prod\n      args:\n        - |\n";
    let c = s.compose(text);
    assert_eq!(c.labels(), ["BASE=", "VERSION="]);
    // An open Dockerfile buffer wins over the file on disk; the default is ./Dockerfile.
    let docker = uri(&s.dir.path().join("Dockerfile"));
    s.client.open(
        &docker,
        "dockerfile",
        1,
        "FROM alpine AS base\nFROM base AS final\n",
    );
    let c = s.compose("services:\n  api:\n    build:\n      target: |\n");
    assert_eq!(c.labels(), ["base", "final"]);
    // A Dockerfile outside the workspace is not read.
    let c = s.compose("services:\n  api:\n    build:\n      context: /etc\n      target: |\n");
    assert!(c.items.is_empty(), "{:?}", c.labels());
    let c = s.compose("services:\n  web:\n    ulimits:\n      nproc: 65535\n      |\n");
    c.assert_has(&["nofile", "memlock"]);
    c.assert_lacks(&["nproc"]);
    s.client.shutdown();
}

#[test]
fn byte_order_marks() {
    let mut s = Session::utf8();
    let c = s.docker("\u{feff}# |\nFROM debian\n");
    c.assert_has(&["syntax"]);
    let c = s.docker("\u{feff}FR|");
    c.assert_has(&["FROM"]);
    let c = s.compose("\u{feff}services:\n  web:\n    cgroup: |\n");
    assert_eq!(c.labels(), ["host", "private"]);
    let c = s.compose("\u{feff}serv|");
    c.assert_has(&["services"]);
    s.client.shutdown();
}

#[test]
fn compose_anchors_and_merge_keys() {
    let mut s = Session::utf8();
    let text = "x-common: &common\n  restart: always\n  |\nservices:\n  web:\n    <<: *common\n    image: nginx\n";
    let c = s.compose(text);
    // The extension is merged into a service: it takes service keys.
    c.assert_has(&["logging", "cap_drop"]);
    c.assert_lacks(&["restart"]);
    let c = s.compose("x-log: &log\n  driver: |\nservices:\n  web:\n    logging: *log\n");
    assert!(
        c.items.is_empty(),
        "an alias that is not merged gives no context"
    );
    let c = s.compose("x-common: &common\n  restart: |\nservices:\n  web:\n    <<: [*common]\n");
    c.assert_has(&["always"]);
    // A service using merge keys still completes its own keys.
    let c = s.compose(
        "x-common: &common\n  restart: always\nservices:\n  web:\n    <<: *common\n    cap|\n",
    );
    c.assert_has(&["cap_add", "cap_drop"]);
    s.client.shutdown();
}

#[test]
fn compose_crlf_and_utf16_columns() {
    let mut s = Session::utf16();
    let c = s.compose("services:\r\n  web:\r\n    image: nginx\r\n    res|\r\n");
    assert_eq!(
        c.accept("restart"),
        "services:\r\n  web:\r\n    image: nginx\r\n    restart: \r\n"
    );
    let c = s.compose("services:\r\n  web:\r\n    restart: |\r\n");
    c.assert_has(&["always"]);
    // Multibyte text before the cursor on its line (UTF-16 columns).
    let text = "services:\n  web:\n    security_opt: [\"label=user:é😀\", no-n|]\n";
    let c = s.compose(text);
    let item = c.item("no-new-privileges:true");
    // `    security_opt: ["label=user:é😀", ` is 37 UTF-16 units (39 bytes).
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": 2, "character": 37})
    );
    assert_eq!(
        c.accept("no-new-privileges:true"),
        "services:\n  web:\n    security_opt: [\"label=user:é😀\", no-new-privileges:true]\n"
    );
    let c = s.compose("services:\n  wéb:\n    environment:\n      GREETING: \"héllo ${US|\"\n      X: ${USER_NAME}\n");
    assert_eq!(c.labels(), ["USER_NAME"]);
    // `      GREETING: "héllo ${` is 25 UTF-16 units.
    assert_eq!(
        c.item("USER_NAME")["textEdit"]["range"]["start"],
        json!({"line": 3, "character": 25})
    );
    assert_eq!(
        c.accept("USER_NAME"),
        "services:\n  wéb:\n    environment:\n      GREETING: \"héllo ${USER_NAME}\"\n      X: ${USER_NAME}\n"
    );
    s.client.shutdown();
}

#[test]
fn other_yaml_gets_nothing() {
    let mut s = Session::utf8();
    let c = s.complete("values.yaml", "yaml", "services:\n  web:\n    |");
    assert!(c.items.is_empty());
    s.client.shutdown();
}
