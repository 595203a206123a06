//! `textDocument/hover`: rule documentation on findings and on codes in suppression comments
//! (drydock, hadolint, BuildKit names, YAML comments), Dockerfile keywords, flags, `--mount`
//! options and directives, compose keys (through anchors and merge keys), variables of compose
//! files and Dockerfiles; Markdown or plain text; UTF-8 and UTF-16; CRLF, heredocs,
//! continuations, the end of the file.

mod support;

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use support::{Client, pull_capabilities, push_capabilities, uri};

struct Editor {
    client: Client,
    utf16: bool,
    version: i64,
}

impl Editor {
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
        let (client, init) = Client::start(caps, root, options);
        assert_eq!(init["capabilities"]["hoverProvider"], true);
        let utf16 = init["capabilities"]["positionEncoding"] == "utf-16";
        Self {
            client,
            utf16,
            version: 0,
        }
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.version += 1;
        self.client.open(uri, language, self.version, text);
    }

    fn position(&self, text: &str, offset: usize) -> Value {
        support::position(text, offset, self.utf16)
    }

    fn range_of(&self, text: &str, needle: &str) -> Value {
        support::range_of(text, needle, 0, self.utf16)
    }

    /// Hovers `within` `needle`, at byte `at` of it (the needle's first occurrence).
    fn hover_at(&mut self, uri: &str, text: &str, needle: &str, at: usize) -> Value {
        let start = text
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` in the text"));
        let position = self.position(text, start + at);
        self.hover_position(uri, &position)
    }

    fn hover_position(&mut self, uri: &str, position: &Value) -> Value {
        self.client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": position}),
            )
            .expect("hover")
    }
}

fn value(hover: &Value) -> &str {
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    hover["contents"]["value"].as_str().expect("a hover")
}

#[test]
fn findings_show_their_rule_documentation() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, Value::Null);
        // Multibyte text before the hovered word on the same line, and a continuation.
        let text =
            "FROM debian:12\nRUN echo \"é😀\" && apt-get update \\\n    && sudo true\nUSER 10001\n";
        editor.open(&u, "dockerfile", text);
        let hover = editor.hover_at(&u, text, "sudo", 2);
        let md = value(&hover);
        assert!(md.starts_with("**DL3004** `sudo-in-run`"), "{md}");
        assert!(
            md.contains("### What it does") && md.contains("### Why is this bad?"),
            "{md}"
        );
        assert!(!md.contains("Use instead"), "{md}");
        assert!(md.contains("rules.md#dl3004-sudo-in-run)"), "{md}");
        assert_eq!(hover["range"], editor.range_of(text, "sudo"));
        // Not on a finding nor on anything documented: nothing.
        let none = editor.hover_at(&u, text, "10001", 1);
        assert_eq!(none, Value::Null);
        editor.client.shutdown();
    }
}

#[test]
fn plain_text_for_clients_without_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut caps = push_capabilities();
    caps["textDocument"]["hover"] = json!({"contentFormat": ["plaintext"]});
    let mut editor = Editor::with_caps(dir.path(), caps, Value::Null);
    let text = "FROM debian:12\nRUN sudo true\n";
    editor.open(&u, "dockerfile", text);
    let hover = editor.hover_at(&u, text, "sudo", 0);
    assert_eq!(hover["contents"]["kind"], "plaintext");
    let plain = hover["contents"]["value"].as_str().expect("text");
    assert!(plain.starts_with("DL3004 sudo-in-run"), "{plain}");
    assert!(
        !plain.contains("**") && !plain.contains('`') && !plain.contains("###"),
        "{plain}"
    );
    let hover = editor.hover_at(&u, text, "FROM", 1);
    let plain = hover["contents"]["value"].as_str().expect("text");
    assert!(
        plain.starts_with("FROM: starts a new build stage"),
        "{plain}"
    );
    assert!(plain.contains("FROM [--platform=<platform>]"), "{plain}");
    editor.client.shutdown();
}

#[test]
fn codes_in_suppression_comments() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, Value::Null);
        let text = "# check=skip=StageNameCasing;error=true\n\
                    # drydock global ignore=DS101 -- é😀 later\n\
                    FROM debian:12 AS build\n\
                    # drydock ignore=DL3008,sudo-in-run,UndefinedVar\n\
                    RUN sudo apt-get install -y curl\n\
                    # hadolint ignore=DL3003,SC2086\n\
                    RUN cd /x && echo $X\n";
        editor.open(&u, "dockerfile", text);
        let hover = editor.hover_at(&u, text, "DS101", 2);
        assert!(value(&hover).starts_with("**DS101**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "DS101"));
        // A rule named by its name, and at the end of the code.
        let hover = editor.hover_at(&u, text, "sudo-in-run", 11);
        assert!(
            value(&hover).starts_with("**DL3004** `sudo-in-run`"),
            "{hover}"
        );
        assert_eq!(hover["range"], editor.range_of(text, "sudo-in-run"));
        // A BuildKit name in a drydock comment.
        let hover = editor.hover_at(&u, text, "UndefinedVar", 3);
        let md = value(&hover);
        // (It suppresses nothing, so the unused-suppression finding comes first.)
        assert!(md.starts_with("**DY001**"), "{md}");
        assert!(
            md.contains("\n---\n\n**BK011** `undefined-var`") && md.contains("`UndefinedVar`"),
            "{md}"
        );
        assert_eq!(hover["range"], editor.range_of(text, "UndefinedVar"));
        let hover = editor.hover_at(&u, text, "DL3003", 0);
        assert!(value(&hover).starts_with("**DL3003**"), "{hover}");
        let hover = editor.hover_at(&u, text, "SC2086", 3);
        assert!(
            value(&hover).contains("shellcheck.net/wiki/SC2086"),
            "{hover}"
        );
        // BuildKit names in the check directive resolve to their rule.
        let hover = editor.hover_at(&u, text, "StageNameCasing", 5);
        let md = value(&hover);
        assert!(md.contains("`StageNameCasing`"), "{md}");
        assert_eq!(hover["range"], editor.range_of(text, "StageNameCasing"));
        // The directive's name.
        let hover = editor.hover_at(&u, text, "check", 1);
        assert!(value(&hover).contains("build checks"), "{hover}");
        editor.client.shutdown();
    }
}

#[test]
fn instructions_flags_and_mount_options() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["DS101"]}));
        let text = "FROM --platform=linux/amd64 golang:1.23 AS build\n\
                    LABEL note=\"é😀\"\n\
                    run --mount=type=cache,target=/root/.cache \\\n  \
                    --network=none go build ./...\n\
                    FROM alpine:3.20\n\
                    COPY --from=build --chmod=755 /out /usr/bin/app\n\
                    ONBUILD RUN echo hi\n\
                    HEALTHCHECK --interval=5s CMD [\"/app\", \"health\"]\n\
                    USER 10001";
        editor.open(&u, "dockerfile", text);
        let md = |h: &Value| value(h).to_owned();
        let hover = editor.hover_at(&u, text, "FROM", 0);
        assert!(md(&hover).starts_with("**FROM**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "FROM"));
        let hover = editor.hover_at(&u, text, "--platform", 3);
        assert!(md(&hover).starts_with("**--platform**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "--platform"));
        // A lowercase keyword.
        let hover = editor.hover_at(&u, text, "run --mount", 1);
        assert!(md(&hover).starts_with("**RUN**"), "{hover}");
        let hover = editor.hover_at(&u, text, "--mount", 4);
        assert!(md(&hover).starts_with("**--mount**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "--mount"));
        let hover = editor.hover_at(&u, text, "type=cache", 6);
        assert!(md(&hover).starts_with("**type**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "type=cache"));
        let hover = editor.hover_at(&u, text, "target=/root", 2);
        assert!(md(&hover).starts_with("**target**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "target=/root/.cache"));
        // A flag on a continuation line.
        let hover = editor.hover_at(&u, text, "--network", 5);
        assert!(md(&hover).starts_with("**--network**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "--network"));
        let hover = editor.hover_at(&u, text, "--from", 2);
        assert!(md(&hover).starts_with("**--from**"), "{hover}");
        let hover = editor.hover_at(&u, text, "--chmod", 2);
        assert!(md(&hover).starts_with("**--chmod**"), "{hover}");
        // The instruction ONBUILD wraps.
        let hover = editor.hover_at(&u, text, "RUN echo hi", 1);
        assert!(md(&hover).starts_with("**RUN**"), "{hover}");
        let hover = editor.hover_at(&u, text, "ONBUILD", 1);
        assert!(md(&hover).starts_with("**ONBUILD**"), "{hover}");
        let hover = editor.hover_at(&u, text, "--interval", 3);
        assert!(md(&hover).starts_with("**--interval**"), "{hover}");
        let hover = editor.hover_at(&u, text, "CMD [", 1);
        assert!(md(&hover).starts_with("**HEALTHCHECK**"), "{hover}");
        // The last word of a file without a final line break, cursor after it.
        let hover = editor.hover_at(&u, text, "USER", 4);
        assert!(md(&hover).starts_with("**USER**"), "{hover}");
        // Past the end of the file: clamped, never an error.
        let hover = editor.hover_position(&u, &json!({"line": 40, "character": 3}));
        assert!(hover.is_null() || hover["contents"].is_object());
        editor.client.shutdown();
    }
}

#[test]
fn dockerfile_variables() {
    for utf16 in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let u = uri(&dir.path().join("Dockerfile"));
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["DS101"]}));
        let text = "ARG VERSION=3.20\n\
                    FROM --platform=$BUILDPLATFORM alpine:${VERSION}\n\
                    ARG PORT\n\
                    ENV APP_HOME=/srv/app NOTE=\"é😀\"\n\
                    WORKDIR $APP_HOME\n\
                    COPY . ${APP_HOME:-/x}/${MISSING:-dflt}\n\
                    EXPOSE $PORT\n\
                    RUN echo \"é😀 $APP_HOME\" $shellvar \\\n  \
                    && echo $TARGETARCH\n\
                    COPY <<EOF /etc/app.conf\n\
                    home=$APP_HOME\n\
                    EOF\n\
                    RUN <<'EOF'\n\
                    echo $APP_HOME\n\
                    EOF\n\
                    USER 10001\n";
        editor.open(&u, "dockerfile", text);
        let hover = editor.hover_at(&u, text, "${VERSION}", 3);
        let md = value(&hover);
        assert!(md.contains("`3.20`") && md.contains("on line 1"), "{md}");
        assert_eq!(hover["range"], editor.range_of(text, "${VERSION}"));
        let hover = editor.hover_at(&u, text, "$BUILDPLATFORM", 1);
        assert!(value(&hover).contains("set by BuildKit"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(text, "$BUILDPLATFORM"));
        let hover = editor.hover_at(&u, text, "$APP_HOME\nCOPY", 2);
        let md = value(&hover);
        assert!(md.contains("`/srv/app`, set by `ENV` on line 4"), "{md}");
        assert_eq!(
            hover["range"],
            editor.range_of(text, "$APP_HOME\nCOPY").clone_with_len(
                &editor,
                text,
                "$APP_HOME\nCOPY",
                9
            )
        );
        // Modifiers: the expansion is shown.
        let hover = editor.hover_at(&u, text, "${MISSING:-dflt}", 4);
        let md = value(&hover);
        assert!(md.contains("expands to `dflt`"), "{md}");
        assert_eq!(hover["range"], editor.range_of(text, "${MISSING:-dflt}"));
        let hover = editor.hover_at(&u, text, "$PORT", 2);
        assert!(
            value(&hover).contains("without a default on line 3"),
            "{hover}"
        );
        // In a shell-form RUN, after multibyte text: described, the shell expands it.
        let hover = editor.hover_at(&u, text, "$APP_HOME\"", 3);
        let md = value(&hover);
        assert!(
            md.contains("`/srv/app`") && md.contains("The shell expands it"),
            "{md}"
        );
        assert_eq!(
            hover["range"],
            editor
                .range_of(text, "$APP_HOME\"")
                .clone_with_len(&editor, text, "$APP_HOME\"", 9)
        );
        // A variable of the script itself: nothing to say.
        assert_eq!(editor.hover_at(&u, text, "$shellvar", 2), Value::Null);
        // A platform argument on a continuation line: not declared in the stage.
        let hover = editor.hover_at(&u, text, "$TARGETARCH", 3);
        assert_eq!(
            hover,
            Value::Null,
            "not declared in the stage: the shell sees it empty"
        );
        // Heredocs: expanded by the builder unless the delimiter is quoted.
        let hover = editor.hover_at(&u, text, "$APP_HOME\nEOF", 1);
        assert!(value(&hover).contains("`/srv/app`"), "{hover}");
        let quoted = text.rfind("$APP_HOME").expect("quoted heredoc");
        let position = editor.position(text, quoted + 1);
        assert_eq!(editor.hover_position(&u, &position), Value::Null);
        editor.client.shutdown();
    }
}

trait RangeLen {
    fn clone_with_len(&self, editor: &Editor, text: &str, needle: &str, len: usize) -> Value;
}

impl RangeLen for Value {
    /// The range of the first `len` bytes of `needle`.
    fn clone_with_len(&self, editor: &Editor, text: &str, needle: &str, len: usize) -> Value {
        let start = text.find(needle).expect("needle");
        json!({"start": editor.position(text, start), "end": editor.position(text, start + len)})
    }
}

#[test]
fn compose_keys_variables_and_comments() {
    for (utf16, crlf) in [(false, false), (true, true)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let eol = if crlf { "\r\n" } else { "\n" };
        fs::write(
            dir.path().join(".env"),
            format!("# versions{eol}TAG=1.27{eol}"),
        )
        .expect("write");
        let path = dir.path().join("compose.yaml");
        let u = uri(&path);
        let text = [
            "x-base: &base # drydock ignore=CMP005",
            "  privileged: true # é😀",
            "services:",
            "  web:",
            "    <<: *base",
            "    labels: {note: \"é😀\"}",
            "    image: \"nginx:${TAG}-${FLAVOR:-alpine}\" # é😀 $NOT_A_VAR",
            "    environment:",
            "      HOME: $$HOME/$UNSET",
            "    ports:",
            "      - target: 80",
            "",
        ]
        .join(eol);
        let mut editor = Editor::start(dir.path(), utf16, json!({"select": ["CMP001"]}));
        editor.open(&u, "dockercompose", &text);
        // A key through an anchor and a merge key: the service field's description.
        let hover = editor.hover_at(&u, &text, "privileged", 4);
        let md = value(&hover);
        let doc = &drydock_compose::schema::field_doc(&["services", "*", "privileged"])
            .expect("documented")
            .doc;
        assert!(
            md.starts_with("**`privileged`** (boolean | string)"),
            "{md}"
        );
        assert!(md.contains(doc.as_str()), "{md}");
        assert_eq!(hover["range"], editor.range_of(&text, "privileged"));
        let hover = editor.hover_at(&u, &text, "<<", 0);
        assert!(value(&hover).contains("merge key"), "{hover}");
        let hover = editor.hover_at(&u, &text, "target", 6);
        let doc = &drydock_compose::schema::field_doc(&["services", "*", "ports", "*", "target"])
            .expect("documented")
            .doc;
        assert!(value(&hover).contains(doc.as_str()), "{hover}");
        let hover = editor.hover_at(&u, &text, "image", 0);
        assert!(value(&hover).starts_with("**`image`**"), "{hover}");
        // A rule code in a YAML comment.
        let hover = editor.hover_at(&u, &text, "CMP005", 3);
        assert!(value(&hover).starts_with("**CMP005**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(&text, "CMP005"));
        // Variables: from `.env` (with its line), a default, unknown, escaped.
        let hover = editor.hover_at(&u, &text, "${TAG}", 3);
        let md = value(&hover);
        assert!(md.contains("`1.27`, from `.env` line 2"), "{md}");
        assert_eq!(hover["range"], editor.range_of(&text, "${TAG}"));
        let hover = editor.hover_at(&u, &text, "${FLAVOR:-alpine}", 4);
        let md = value(&hover);
        assert!(
            md.contains("not set") && md.contains("is `alpine` here"),
            "{md}"
        );
        let hover = editor.hover_at(&u, &text, "$UNSET", 3);
        assert!(value(&hover).contains("unknown"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(&text, "$UNSET"));
        assert_eq!(editor.hover_at(&u, &text, "$$HOME", 3), Value::Null);
        // In a comment, `$X` is not a variable.
        assert_eq!(editor.hover_at(&u, &text, "$NOT_A_VAR", 2), Value::Null);
        // A finding on the value: its rule.
        let hover = editor.hover_at(&u, &text, "true #", 1);
        assert!(value(&hover).starts_with("**CMP001**"), "{hover}");
        assert_eq!(hover["range"], editor.range_of(&text, "true"));
        editor.client.shutdown();
    }
}

#[test]
fn unknown_documents_and_other_files_get_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let other = uri(&dir.path().join("values.yaml"));
    let mut editor = Editor::start(dir.path(), true, Value::Null);
    let at = json!({"line": 0, "character": 1});
    assert_eq!(editor.hover_position(&docker, &at), Value::Null);
    editor.open(&other, "yaml", "services:\n  web:\n    privileged: true\n");
    assert_eq!(editor.hover_position(&other, &at), Value::Null);
    let err = editor
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": docker}}),
        )
        .expect_err("no position");
    assert_eq!(err.code, -32602);
    // An empty document.
    editor.open(&docker, "dockerfile", "");
    let hover = editor.hover_position(&docker, &json!({"line": 0, "character": 0}));
    assert!(hover.is_null() || hover["contents"].is_object());
    editor.client.shutdown();
}
