//! Definition, references, highlights and rename: Dockerfile stages and variables (BuildKit's
//! scoping, shell scripts, heredocs, continuations), compose services across a project's files
//! (anchors and merge keys, overrides, open buffers), `.env` variables and file paths; UTF-16
//! positions with multibyte text, CRLF files, positions past the end.

mod support;

use std::fs;

use serde_json::{Value, json};
use support::{Client, apply_edits, offset, position, pull_capabilities, push_capabilities, uri};

/// The position of the `nth` (0-based) occurrence of `needle`, `delta` bytes into it.
fn at(text: &str, needle: &str, nth: usize, delta: usize, utf16: bool) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} in {text:?}"))
        .0;
    position(text, offset + delta, utf16)
}

/// `(line, text)` of each range of `locations` (Location or DocumentHighlight or TextEdit).
fn spans(text: &str, items: &Value, utf16: bool) -> Vec<(u64, String)> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|item| {
            let range = &item["range"];
            let (s, e) = (
                offset(text, &range["start"], utf16),
                offset(text, &range["end"], utf16),
            );
            (
                range["start"]["line"].as_u64().expect("line"),
                text[s..e].to_owned(),
            )
        })
        .collect()
}

fn tdp(u: &str, position: Value) -> Value {
    let mut params = json!({"textDocument": {"uri": u}});
    params["position"] = position;
    params
}

fn refs(u: &str, position: Value, declaration: bool) -> Value {
    let mut params = tdp(u, position);
    params["context"] = json!({"includeDeclaration": declaration});
    params
}

fn rename(u: &str, position: Value, name: &str) -> Value {
    let mut params = tdp(u, position);
    params["newName"] = json!(name);
    params
}

fn with_document_changes(mut caps: Value) -> Value {
    caps["workspace"]["workspaceEdit"] = json!({"documentChanges": true});
    caps
}

const STAGES: &str = "\
ARG BASE=alpine:3.20
FROM ${BASE} AS Builder
RUN make
FROM builder AS test
COPY --from=BUILDER /out /out
RUN --mount=type=cache,from=builder,target=/cache make test
COPY --from=0 /a /a
ONBUILD COPY --from=builder /x /x
FROM alpine:3.20
COPY --from=\"builder\" /out /srv
COPY --from=busybox /bin/sh /sh
";

#[test]
fn stages_are_defined_referenced_and_renamed_case_insensitively() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let (mut client, result) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let caps = &result["capabilities"];
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["referencesProvider"], true);
    assert_eq!(caps["documentHighlightProvider"], true);
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    client.open(&u, "dockerfile", 1, STAGES);
    let text = STAGES;

    // From every kind of reference, definition is the `AS` name.
    for (needle, nth) in [
        ("builder", 0),
        ("BUILDER", 0),
        ("builder", 1),
        ("builder", 2),
        ("\"builder\"", 0),
    ] {
        let def = client
            .request(
                "textDocument/definition",
                tdp(&u, at(text, needle, nth, 2, false)),
            )
            .expect("definition");
        assert_eq!(
            spans(text, &def, false),
            [(1, "Builder".to_owned())],
            "{needle} #{nth}"
        );
    }
    // A stage index leads to the stage too.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "=0", 0, 1, false)),
        )
        .expect("definition");
    assert_eq!(spans(text, &def, false), [(1, "Builder".to_owned())]);

    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "Builder", 0, 0, false), true),
        )
        .expect("references");
    assert_eq!(
        spans(text, &found, false),
        [
            (1, "Builder".to_owned()),
            (3, "builder".to_owned()),
            (4, "BUILDER".to_owned()),
            (5, "builder".to_owned()),
            (6, "0".to_owned()),
            (7, "builder".to_owned()),
            (9, "builder".to_owned()),
        ]
    );
    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "BUILDER", 0, 7, false), false),
        )
        .expect("references");
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(6),
        "without the declaration"
    );

    let lights = client
        .request(
            "textDocument/documentHighlight",
            tdp(&u, at(text, "builder", 2, 0, false)),
        )
        .expect("highlight");
    let kinds: Vec<u64> = lights
        .as_array()
        .expect("array")
        .iter()
        .map(|h| h["kind"].as_u64().expect("kind"))
        .collect();
    assert_eq!(kinds, [3, 2, 2, 2, 2, 2, 2], "the declaration is a write");

    // Rename: the index is kept, quotes are kept, every spelling becomes the new name.
    let prep = client
        .request(
            "textDocument/prepareRename",
            tdp(&u, at(text, "BUILDER", 0, 3, false)),
        )
        .expect("prepare");
    assert_eq!(prep["placeholder"], "BUILDER");
    let edit = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "builder", 0, 0, false), "build-env"),
        )
        .expect("rename");
    let renamed = apply_edits(text, &edit["changes"][&u], false);
    assert_eq!(
        renamed,
        text.replace("Builder", "build-env")
            .replace("BUILDER", "build-env")
            .replace("builder", "build-env")
    );
    assert!(renamed.contains("--from=0 "), "{renamed}");

    // Invalid names, reserved names and collisions are refused with a reason.
    for (name, why) in [
        ("1st", "not a valid stage name"),
        ("a b", "not a valid stage name"),
        ("scratch", "built-in meaning"),
        ("Test", "already exists"),
        ("alpine:3.20", "not a valid stage name"),
    ] {
        let err = client
            .request(
                "textDocument/rename",
                rename(&u, at(text, "Builder", 0, 1, false), name),
            )
            .expect_err(name);
        assert!(err.message.contains(why), "{name}: {}", err.message);
    }
    // An image a stage would capture.
    let err = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "AS test", 0, 4, false), "BusyBox"),
        )
        .expect_err("image name");
    assert!(err.message.contains("image"), "{}", err.message);
    // Nothing to rename on an image or on a stage index.
    for (needle, delta) in [("alpine:3.20\n", 0), ("=0", 1), ("make", 1)] {
        let prep = client
            .request(
                "textDocument/prepareRename",
                tdp(&u, at(text, needle, 0, delta, false)),
            )
            .expect("prepare");
        assert_eq!(prep, Value::Null, "{needle}");
    }
    client.shutdown();
}

const VARIABLES: &str = "\
ARG VERSION=1.0 TAG
FROM alpine:${VERSION} AS base
ARG VERSION
ENV APP_DIR=/srv/app \\
    MODE=prod
WORKDIR $APP_DIR
RUN echo \"$VERSION in ${APP_DIR:-/}\" '$APP_DIR' \\$APP_DIR && \\
    APP_DIR=/tmp && echo $APP_DIR
RUN <<EOF
cd $APP_DIR && echo '$VERSION'
EOF
RUN python3 <<'PY'
print(\"$APP_DIR\")
PY
COPY <<EOT /etc/app.conf
dir=$APP_DIR
EOT
CMD echo $APP_DIR $VERSION
FROM base AS child
RUN echo $VERSION $APP_DIR $TAG
FROM alpine:3.20
RUN echo $VERSION
";

#[test]
fn variables_follow_buildkit_scopes_and_shell_scripts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&u, "dockerfile", 1, VARIABLES);
    let text = VARIABLES;
    let refs_of = |client: &mut Client, needle: &str, nth: usize| {
        let found = client
            .request(
                "textDocument/references",
                refs(&u, at(text, needle, nth, 1, false), true),
            )
            .expect("references");
        spans(text, &found, false)
            .into_iter()
            .map(|(line, _)| line)
            .collect::<Vec<u64>>()
    };

    // The global ARG: its FROM reference and the stage's bare `ARG VERSION` that imports it,
    // then the stage's references (shell, RUN heredoc run as a script is single-quoted: no),
    // not CMD (an ARG is gone at run time), the child stage (inherited), not the last stage.
    assert_eq!(refs_of(&mut client, "VERSION", 0), [0, 1, 2, 6, 19]);
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "$VERSION", 0, 2, false)),
        )
        .expect("definition");
    assert_eq!(
        spans(text, &def, false),
        [(2, "VERSION".to_owned())],
        "the stage's ARG"
    );
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "ARG VERSION\n", 0, 5, false)),
        )
        .expect("definition");
    assert_eq!(
        spans(text, &def, false),
        [(0, "VERSION".to_owned())],
        "imports the global"
    );
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "${VERSION}", 0, 3, false)),
        )
        .expect("definition");
    assert_eq!(
        spans(text, &def, false),
        [(0, "VERSION".to_owned())],
        "FROM sees globals"
    );
    // The last stage does not see VERSION.
    let nothing = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "$VERSION", 4, 2, false)),
        )
        .expect("definition");
    assert_eq!(nothing, Value::Null);

    // ENV on a continuation line; references: WORKDIR, RUN (not in single quotes, not escaped,
    // not after the script assigns it), the RUN heredoc, not the quoted python heredoc, the
    // COPY heredoc (expanded by the builder), CMD (ENV is in the runtime environment), the child.
    assert_eq!(refs_of(&mut client, "APP_DIR", 0), [3, 5, 6, 9, 15, 17, 19]);
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "dir=$APP_DIR", 0, 6, false)),
        )
        .expect("definition");
    assert_eq!(spans(text, &def, false), [(3, "APP_DIR".to_owned())]);
    // The script's own APP_DIR after `APP_DIR=/tmp` is not the ENV.
    let nothing = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "echo $APP_DIR\n", 0, 7, false)),
        )
        .expect("definition");
    assert_eq!(nothing, Value::Null);

    // Highlights: the declaration is a write.
    let lights = client
        .request(
            "textDocument/documentHighlight",
            tdp(&u, at(text, "MODE", 0, 0, false)),
        )
        .expect("highlight");
    assert_eq!(
        lights,
        json!([{"range": {"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 8}}, "kind": 3}])
    );

    // Rename APP_DIR everywhere it is the same variable.
    let edit = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "$APP_DIR", 0, 1, false), "ROOT"),
        )
        .expect("rename");
    let renamed = apply_edits(text, &edit["changes"][&u], false);
    assert!(renamed.contains("ENV ROOT=/srv/app"), "{renamed}");
    assert!(renamed.contains("WORKDIR $ROOT\n"), "{renamed}");
    assert!(
        renamed.contains("in ${ROOT:-/}\" '$APP_DIR' \\$APP_DIR"),
        "{renamed}"
    );
    assert!(
        renamed.contains("APP_DIR=/tmp && echo $APP_DIR\n"),
        "{renamed}"
    );
    assert!(renamed.contains("print(\"$APP_DIR\")"), "{renamed}");
    assert!(renamed.contains("dir=$ROOT\n"), "{renamed}");
    assert!(renamed.contains("CMD echo $ROOT $VERSION"), "{renamed}");
    assert!(
        renamed.contains("RUN echo $VERSION $ROOT $TAG"),
        "{renamed}"
    );

    // Refused: invalid names, BuildKit's own, names already used where it is visible
    // (declared, or read by a script), and variables that are not declared here.
    for (needle, name, why) in [
        ("APP_DIR", "1X", "not a valid variable name"),
        ("APP_DIR", "A-B", "not a valid variable name"),
        ("APP_DIR", "TARGETARCH", "defined by BuildKit"),
        ("APP_DIR", "MODE", "already used"),
        ("APP_DIR", "VERSION", "already used"),
        ("APP_DIR", "TAG", "already used"),
    ] {
        let err = client
            .request(
                "textDocument/rename",
                rename(&u, at(text, needle, 0, 0, false), name),
            )
            .expect_err(name);
        assert!(err.message.contains(why), "{name}: {}", err.message);
    }
    // TAG in the child stage is the global TAG, which no stage declares: not visible there.
    let nothing = client
        .request(
            "textDocument/prepareRename",
            tdp(&u, at(text, "$TAG", 0, 1, false)),
        )
        .expect("prepare");
    assert_eq!(nothing, Value::Null);
    client.shutdown();
}

#[test]
fn builtin_and_image_variables_are_not_renamed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let text = "FROM --platform=$BUILDPLATFORM golang:1.23\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\nWORKDIR $HOME/src\n";
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&u, "dockerfile", 1, text);
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "$TARGETARCH", 0, 3, false)),
        )
        .expect("definition");
    assert_eq!(spans(text, &def, false), [(1, "TARGETARCH".to_owned())]);
    for needle in ["TARGETARCH", "$HOME", "$BUILDPLATFORM"] {
        let prep = client
            .request(
                "textDocument/prepareRename",
                tdp(&u, at(text, needle, 0, 1, false)),
            )
            .expect("prepare");
        assert_eq!(prep, Value::Null, "{needle}");
    }
    let err = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "TARGETARCH", 0, 1, false), "ARCH"),
        )
        .expect_err("builtin");
    assert!(err.message.contains("BuildKit"), "{}", err.message);
    // `$HOME` comes from the image: highlighted, no definition.
    let lights = client
        .request(
            "textDocument/documentHighlight",
            tdp(&u, at(text, "$HOME", 0, 2, false)),
        )
        .expect("highlight");
    assert_eq!(spans(text, &lights, false), [(3, "HOME".to_owned())]);
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "$HOME", 0, 2, false)),
        )
        .expect("definition");
    assert_eq!(def, Value::Null);
    client.shutdown();
}

#[test]
fn utf16_positions_crlf_and_the_end_of_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    // Multibyte text before the names (é: 2 bytes, 1 UTF-16 unit; 🐳: 4 bytes, 2 units).
    let text = "FROM alpine AS bâse\r\nLABEL note=\"🐳 é\" dir=$DIR\r\nENV DIR=/ü\r\nRUN echo \"🐳 $DIR\"\r\nFROM bâse\r\nCOPY --from=bâse /a /b";
    let (mut client, result) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    client.open(&u, "dockerfile", 1, text);
    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "$DIR\"", 0, 2, true), true),
        )
        .expect("references");
    assert_eq!(
        spans(text, &found, true),
        [(2, "DIR".to_owned()), (3, "DIR".to_owned())],
        "the LABEL before the ENV does not see it"
    );
    assert_eq!(
        found[1]["range"]["start"],
        json!({"line": 3, "character": 14})
    );
    // Stage names with non-ASCII letters are not valid for BuildKit, but are still navigable.
    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "bâse", 2, 4, true), true),
        )
        .expect("references");
    assert_eq!(spans(text, &found, true).len(), 3);
    // The cursor at the very end of the file touches the last name.
    let end = position(text, text.len(), true);
    let def = client
        .request("textDocument/definition", tdp(&u, end))
        .expect("definition");
    assert_eq!(
        def.as_array().map(Vec::len),
        None,
        "`/b` is not a name: {def}"
    );
    // Past the end: clamped, no error.
    for pos in [
        json!({"line": 99, "character": 0}),
        json!({"line": 5, "character": 999}),
    ] {
        for method in [
            "textDocument/definition",
            "textDocument/documentHighlight",
            "textDocument/prepareRename",
        ] {
            let out = client.request(method, tdp(&u, pos.clone())).expect(method);
            assert!(out.is_null(), "{method}: {out}");
        }
    }
    // A rename's edits are in UTF-16 and keep CRLF lines intact.
    let edit = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "DIR=", 0, 0, true), "ROOT"),
        )
        .expect("rename");
    let renamed = apply_edits(text, &edit["changes"][&u], true);
    assert_eq!(
        renamed,
        text.replace("ENV DIR", "ENV ROOT")
            .replace("🐳 $DIR", "🐳 $ROOT")
    );
    client.shutdown();
}

#[test]
fn continuations_heredocs_and_versioned_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let text = "FROM debian:12 AS build\nARG PKG=curl\nRUN apt-get update && \\\n    # a comment line\n    apt-get install -y \\\n      ${PKG} && \\\n    echo done\nRUN <<EOF bash\nset -e\necho \"$PKG\"\nEOF\n";
    let caps = with_document_changes(push_capabilities());
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    client.open(&u, "dockerfile", 7, text);
    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "PKG=", 0, 0, false), true),
        )
        .expect("references");
    assert_eq!(
        spans(text, &found, false),
        [
            (1, "PKG".to_owned()),
            (5, "PKG".to_owned()),
            (9, "PKG".to_owned())
        ]
    );
    let edit = client
        .request(
            "textDocument/rename",
            rename(&u, at(text, "${PKG}", 0, 3, false), "PACKAGES"),
        )
        .expect("rename");
    let change = &edit["documentChanges"][0];
    assert_eq!(change["textDocument"], json!({"uri": u, "version": 7}));
    assert_eq!(
        apply_edits(text, &change["edits"], false),
        text.replace("PKG", "PACKAGES")
    );
    client.shutdown();
}

#[test]
fn documents_that_are_not_open_give_null() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    let pos = json!({"line": 0, "character": 0});
    for method in [
        "textDocument/definition",
        "textDocument/documentHighlight",
        "textDocument/prepareRename",
    ] {
        assert_eq!(
            client.request(method, tdp(&u, pos.clone())).expect(method),
            Value::Null
        );
    }
    assert_eq!(
        client
            .request("textDocument/references", refs(&u, pos.clone(), true))
            .expect("refs"),
        Value::Null
    );
    assert_eq!(
        client
            .request("textDocument/rename", rename(&u, pos, "x"))
            .expect("rename"),
        Value::Null
    );
    let err = client
        .request("textDocument/definition", json!({"textDocument": 3}))
        .expect_err("malformed");
    assert_eq!(err.code, -32602);
    // Plain YAML is not navigated.
    let other = uri(&dir.path().join("values.yaml"));
    client.open(&other, "yaml", 1, "services:\n  a:\n    depends_on: [a]\n");
    let out = client
        .request(
            "textDocument/definition",
            tdp(&other, json!({"line": 2, "character": 17})),
        )
        .expect("definition");
    assert_eq!(out, Value::Null);
    client.shutdown();
}

// --- compose ----------------------------------------------------------------------------------

const BASE: &str = "\
x-defaults: &defaults
  restart: always
  depends_on:
    - db
services:
  web:
    <<: *defaults
    image: nginx:1.27
    depends_on:
      db:
        condition: service_healthy
      cache: {}
    links: [\"db:database\"]
    volumes_from: [\"cache:ro\"]
  worker:
    <<: [*defaults]
    network_mode: \"service:web\"
    extends: web
  db:
    image: postgres:17
  cache:
    extends:
      service: db
";

const OVERRIDE: &str = "\
services:
  db:
    ports: [\"5432:5432\"]
  admin:
    pid: service:db
    build:
      context: .
      additional_contexts:
        base: service:db
";

#[test]
fn compose_services_across_the_project_with_anchors() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("compose.yaml"), BASE).expect("write");
    let base = uri(&dir.path().join("compose.yaml"));
    let over = uri(&dir.path().join("compose.override.yaml"));
    let caps = with_document_changes(push_capabilities());
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    // The base file is read from disk; the override exists only as an open buffer.
    client.open(&over, "dockercompose", 3, OVERRIDE);

    // From the override, definition leads into the base file (the declaration) and to the
    // override's own key.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&over, at(OVERRIDE, "service:db", 0, 9, false)),
        )
        .expect("definition");
    let uris: Vec<&str> = def
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["uri"].as_str().expect("uri"))
        .collect();
    assert_eq!(uris, [base.as_str(), over.as_str()], "base first");
    assert_eq!(
        def[0]["range"]["start"],
        json!({"line": 18, "character": 2})
    );

    // References to db across both files; the anchor's `- db` once, no merge key, no alias.
    let found = client
        .request(
            "textDocument/references",
            refs(&over, at(OVERRIDE, "db:", 0, 0, false), true),
        )
        .expect("references");
    let mut lines: Vec<(String, u64)> = found
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            (
                if l["uri"] == base { "base" } else { "over" }.to_owned(),
                l["range"]["start"]["line"].as_u64().expect("line"),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            ("base".to_owned(), 3),
            ("base".to_owned(), 9),
            ("base".to_owned(), 12),
            ("base".to_owned(), 18),
            ("base".to_owned(), 22),
            ("over".to_owned(), 1),
            ("over".to_owned(), 4),
            ("over".to_owned(), 8),
        ]
    );

    // Rename db: one edit per file, the open buffer versioned, the file on disk without one.
    let edit = client
        .request(
            "textDocument/rename",
            rename(&over, at(OVERRIDE, "db:", 0, 1, false), "postgres"),
        )
        .expect("rename");
    let changes = edit["documentChanges"].as_array().expect("documentChanges");
    assert_eq!(changes.len(), 2);
    let for_base = changes
        .iter()
        .find(|c| c["textDocument"]["uri"] == base)
        .expect("base");
    let for_over = changes
        .iter()
        .find(|c| c["textDocument"]["uri"] == over)
        .expect("over");
    assert_eq!(for_base["textDocument"]["version"], Value::Null);
    assert_eq!(for_over["textDocument"]["version"], 3);
    let new_base = apply_edits(BASE, &for_base["edits"], false);
    assert_eq!(
        new_base,
        BASE.replace("- db\n", "- postgres\n")
            .replace("      db:\n", "      postgres:\n")
            .replace("\"db:database\"", "\"postgres:database\"")
            .replace("  db:\n    image", "  postgres:\n    image")
            .replace("service: db", "service: postgres")
    );
    assert_eq!(
        apply_edits(OVERRIDE, &for_over["edits"], false),
        OVERRIDE.replace("db", "postgres")
    );

    // Other reference forms from the base file (opened now: its buffer wins).
    client.open(&base, "dockercompose", 1, BASE);
    for (needle, nth, delta, line) in [
        ("cache: {}", 0, 0, 20),
        ("cache:ro", 0, 2, 20),
        ("service:web", 0, 9, 5),
        ("extends: web", 0, 10, 5),
    ] {
        let def = client
            .request(
                "textDocument/definition",
                tdp(&base, at(BASE, needle, nth, delta, false)),
            )
            .expect("definition");
        assert_eq!(def[0]["range"]["start"]["line"], line, "{needle}");
    }
    // The merge key and the alias are not services.
    for needle in ["<<", "*defaults", "defaults]"] {
        let def = client
            .request(
                "textDocument/definition",
                tdp(&base, at(BASE, needle, 0, 1, false)),
            )
            .expect("definition");
        assert_eq!(def, Value::Null, "{needle}");
    }
    // Highlights stay in the document.
    let lights = client
        .request(
            "textDocument/documentHighlight",
            tdp(&base, at(BASE, "web:", 0, 0, false)),
        )
        .expect("highlight");
    assert_eq!(
        spans(BASE, &lights, false),
        [
            (5, "web".to_owned()),
            (16, "web".to_owned()),
            (17, "web".to_owned())
        ]
    );

    // Refused: invalid names and existing services (in either file).
    for (name, why) in [
        ("web app", "not a valid service name"),
        ("", "not a valid service name"),
        ("cache", "already exists"),
        ("admin", "already exists"),
    ] {
        let err = client
            .request(
                "textDocument/rename",
                rename(&base, at(BASE, "web:", 0, 0, false), name),
            )
            .expect_err(name);
        assert!(err.message.contains(why), "{name:?}: {}", err.message);
    }
    let prep = client
        .request(
            "textDocument/prepareRename",
            tdp(&base, at(BASE, "image: nginx", 0, 8, false)),
        )
        .expect("prepare");
    assert_eq!(prep, Value::Null);
    let prep = client
        .request(
            "textDocument/prepareRename",
            tdp(&base, at(BASE, "worker", 0, 6, false)),
        )
        .expect("prepare");
    assert_eq!(
        prep["placeholder"], "worker",
        "the end of the name still touches it"
    );
    client.shutdown();
}

#[test]
fn compose_overlays_and_includes_share_the_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let base = "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx\n";
    let overlay = "services:\n  web:\n    depends_on: [db]\n";
    let included = "services:\n  db:\n    image: postgres\n";
    fs::create_dir_all(root.join("db")).expect("mkdir");
    fs::write(root.join("compose.yaml"), base).expect("write");
    fs::write(root.join("compose.prod.yaml"), overlay).expect("write");
    fs::write(root.join("db/compose.yaml"), included).expect("write");
    let base_uri = uri(&root.join("compose.yaml"));
    let overlay_uri = uri(&root.join("compose.prod.yaml"));
    let included_uri = uri(&root.join("db/compose.yaml"));
    let (mut client, _) = Client::start(push_capabilities(), root, Value::Null);
    client.open(&base_uri, "dockercompose", 1, base);
    // From the base, `web` is also declared by the overlay (on disk, not open).
    let found = client
        .request(
            "textDocument/references",
            refs(&base_uri, at(base, "web", 0, 0, false), true),
        )
        .expect("references");
    let uris: Vec<&str> = found
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["uri"].as_str().expect("uri"))
        .collect();
    assert_eq!(uris, [base_uri.as_str(), overlay_uri.as_str()]);
    // From the overlay, `db` is the included file's service.
    client.open(&overlay_uri, "dockercompose", 1, overlay);
    let def = client
        .request(
            "textDocument/definition",
            tdp(&overlay_uri, at(overlay, "db", 0, 1, false)),
        )
        .expect("definition");
    assert_eq!(def[0]["uri"], included_uri);
    let edit = client
        .request(
            "textDocument/rename",
            rename(&overlay_uri, at(overlay, "db", 0, 0, false), "pg"),
        )
        .expect("rename");
    let changes = edit["changes"].as_object().expect("changes");
    assert_eq!(changes.len(), 2, "{edit}");
    assert_eq!(
        apply_edits(included, &changes[&included_uri], false),
        included.replace("db", "pg")
    );
    client.shutdown();
}

#[test]
fn compose_rename_without_document_changes_and_extends_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let common = "services:\n  base:\n    image: alpine:3.20\n  helper:\n    depends_on: [base]\n";
    let main = "services:\n  base:\n    image: busybox\n  app:\n    extends:\n      file: common-services.yml\n      service: base\n    depends_on: [base]\n";
    fs::write(dir.path().join("common-services.yml"), common).expect("write");
    fs::write(dir.path().join("compose.yaml"), main).expect("write");
    let main_uri = uri(&dir.path().join("compose.yaml"));
    let common_uri = uri(&dir.path().join("common-services.yml"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&main_uri, "dockercompose", 1, main);

    // `service: base` under `extends.file` is the other file's service...
    let def = client
        .request(
            "textDocument/definition",
            tdp(&main_uri, at(main, "service: base", 0, 10, false)),
        )
        .expect("definition");
    assert_eq!(
        def,
        json!([{"uri": common_uri, "range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 6}}}])
    );
    // ...and `depends_on: [base]` is this project's.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&main_uri, at(main, "[base]", 0, 1, false)),
        )
        .expect("definition");
    assert_eq!(def[0]["uri"], main_uri);
    assert_eq!(def.as_array().map(Vec::len), Some(1));

    // Renaming the other file's service: its key, its own reference, and the extends.
    let edit = client
        .request(
            "textDocument/rename",
            rename(&main_uri, at(main, "service: base", 0, 9, false), "core"),
        )
        .expect("rename");
    let changes = &edit["changes"];
    assert_eq!(
        apply_edits(common, &changes[&common_uri], false),
        common.replace("base", "core")
    );
    assert_eq!(
        apply_edits(main, &changes[&main_uri], false),
        main.replace("service: base", "service: core")
    );
    // `extends.file` leads to the file.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&main_uri, at(main, "common-services", 0, 3, false)),
        )
        .expect("definition");
    assert_eq!(
        def,
        json!([{"uri": common_uri, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}])
    );
    client.shutdown();
}

#[test]
fn compose_variables_and_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("app")).expect("mkdir");
    fs::write(root.join("app/Dockerfile.dev"), "FROM alpine\n").expect("write");
    fs::write(root.join("app/Dockerfile"), "FROM alpine\n").expect("write");
    fs::write(root.join("web.env"), "A=1\n").expect("write");
    fs::write(root.join("other.yaml"), "services: {}\n").expect("write");
    fs::write(
        root.join(".env"),
        "# settings\nTAG=1.27\r\nTAG=1.28\r\nPORT=80\r\n",
    )
    .expect("write");
    // CRLF compose file with multibyte text before a variable.
    let text = "include:\r\n  - other.yaml\r\n  - path: missing.yaml\r\nservices:\r\n  web:\r\n    image: \"nginx:${TAG:-latest}\"\r\n    labels: {note: \"é🐳 $PORT\"}\r\n    env_file: [web.env]\r\n    build:\r\n      context: ./app\r\n      dockerfile: Dockerfile.dev\r\n  api:\r\n    build: ./app\r\n    command: |\r\n      echo ${PORT}\r\n";
    let compose = root.join("compose.yaml");
    fs::write(&compose, text).expect("write");
    let u = uri(&compose);
    let (mut client, _) = Client::start(pull_capabilities(), root, Value::Null);
    client.open(&u, "dockercompose", 1, text);
    let env_uri = uri(&root.join(".env"));

    // `${TAG}` leads to the `.env` line that wins (the last).
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "TAG", 0, 1, true)),
        )
        .expect("definition");
    assert_eq!(
        def,
        json!([{"uri": env_uri, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 3}}}])
    );
    // After multibyte text, in UTF-16.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "$PORT", 0, 3, true)),
        )
        .expect("definition");
    assert_eq!(def[0]["range"]["start"], json!({"line": 3, "character": 0}));
    // A block scalar.
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "${PORT}", 0, 2, true)),
        )
        .expect("definition");
    assert_eq!(def[0]["uri"], env_uri);
    // References to PORT: the .env entry and both uses; highlights in this file.
    let found = client
        .request(
            "textDocument/references",
            refs(&u, at(text, "$PORT", 0, 1, true), true),
        )
        .expect("references");
    assert_eq!(found.as_array().map(Vec::len), Some(3), "{found}");
    let lights = client
        .request(
            "textDocument/documentHighlight",
            tdp(&u, at(text, "${PORT}", 0, 3, true)),
        )
        .expect("highlight");
    assert_eq!(
        spans(text, &lights, true),
        [(6, "PORT".to_owned()), (14, "PORT".to_owned())]
    );
    // The highlighted range is in UTF-16 units after `é🐳 `.
    assert_eq!(
        lights[0]["range"]["start"],
        json!({"line": 6, "character": 25})
    );

    // Paths lead to their files, at 0:0; a missing file leads nowhere.
    let zero = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    for (needle, target) in [
        ("other.yaml", root.join("other.yaml")),
        ("web.env", root.join("web.env")),
        ("Dockerfile.dev", root.join("app/Dockerfile.dev")),
        ("./app\r\n    command", root.join("app/Dockerfile")),
    ] {
        let def = client
            .request(
                "textDocument/definition",
                tdp(&u, at(text, needle, 0, 2, true)),
            )
            .expect("definition");
        assert_eq!(
            def,
            json!([{"uri": uri(&target), "range": zero}]),
            "{needle}"
        );
    }
    let def = client
        .request(
            "textDocument/definition",
            tdp(&u, at(text, "missing", 0, 2, true)),
        )
        .expect("definition");
    assert_eq!(def, Value::Null);
    // Variables are not renamed.
    let prep = client
        .request(
            "textDocument/prepareRename",
            tdp(&u, at(text, "$PORT", 0, 2, true)),
        )
        .expect("prepare");
    assert_eq!(prep, Value::Null);
    client.shutdown();
}
