//! Document symbols (hierarchical and flat) and folding ranges for Dockerfiles and compose
//! files: stages, heredocs, continuations, comment blocks, anchors and merge keys, block
//! scalars, CRLF, UTF-16 columns after multibyte text, `lineFoldingOnly`.

mod support;

use serde_json::{Value, json};
use support::{Client, pull_capabilities, push_capabilities, uri};

fn doc(u: &str) -> Value {
    json!({"textDocument": {"uri": u}})
}

/// `(name, kind, children)` of a symbol tree, for compact assertions.
fn outline(symbols: &Value) -> Vec<Value> {
    symbols
        .as_array()
        .unwrap_or_else(|| panic!("an array: {symbols}"))
        .iter()
        .map(|s| {
            let children = s.get("children").map(outline).unwrap_or_default();
            if children.is_empty() {
                json!([s["name"], s["kind"]])
            } else {
                json!([s["name"], s["kind"], children])
            }
        })
        .collect()
}

/// `[startLine, endLine]` of folding ranges.
fn lines(folds: &Value) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap_or_else(|| panic!("an array: {folds}"))
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().expect("startLine"),
                f["endLine"].as_u64().expect("endLine"),
            )
        })
        .collect();
    out.sort_unstable();
    out
}

const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
# A build in two stages.
ARG VERSION=3.20
ARG TARGETARCH
FROM alpine:${VERSION} AS build
MAINTAINER someone
RUN apk add --no-cache \\
      curl \\
      # a comment inside
      jq && \\
    echo a-rather-long-command-line-that-goes-on-and-on-and-on
COPY <<EOF /etc/app.conf
key=value
EOF
FROM scratch
COPY --from=build /out /
";

#[test]
fn dockerfile_symbols_are_stages_with_their_instructions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let (mut client, result) = Client::start(push_capabilities(), dir.path(), Value::Null);
    assert_eq!(result["capabilities"]["documentSymbolProvider"], true);
    assert_eq!(result["capabilities"]["foldingRangeProvider"], true);
    client.open(&u, "dockerfile", 1, DOCKERFILE);
    let symbols = client
        .request("textDocument/documentSymbol", doc(&u))
        .expect("symbols");
    assert_eq!(
        json!(outline(&symbols)),
        json!([
            ["ARG VERSION=3.20", 13],
            ["ARG TARGETARCH", 13],
            [
                "build",
                5,
                [
                    ["MAINTAINER someone", 8],
                    [
                        "RUN apk add --no-cache curl jq && echo a-rather-long-comman…",
                        12
                    ],
                    ["COPY <<EOF /etc/app.conf", 1],
                ]
            ],
            ["scratch", 5, [["COPY --from=build /out /", 1]]],
        ])
    );
    let build = &symbols[2];
    assert_eq!(build["detail"], "alpine:${VERSION}");
    // The stage spans its FROM through its last instruction (the heredoc's terminator).
    assert_eq!(
        build["range"],
        json!({"start": {"line": 4, "character": 0}, "end": {"line": 13, "character": 3}})
    );
    assert_eq!(
        build["selectionRange"],
        json!({"start": {"line": 4, "character": 26}, "end": {"line": 4, "character": 31}})
    );
    let maintainer = &build["children"][0];
    assert_eq!(maintainer["tags"], json!([1]), "deprecated");
    let run = &build["children"][1];
    assert_eq!(
        run["selectionRange"],
        json!({"start": {"line": 6, "character": 0}, "end": {"line": 6, "character": 3}}),
        "the keyword"
    );
    assert_eq!(run["range"]["end"], json!({"line": 10, "character": 62}));
    assert_eq!(symbols[3]["detail"], "stage 1", "unnamed stage");
    client.shutdown();
}

#[test]
fn flat_symbols_for_clients_without_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut caps = pull_capabilities();
    caps["textDocument"]["documentSymbol"] = json!({});
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    // UTF-16 columns after multibyte text, CRLF line ends.
    let text = "FROM alpine AS bâse\r\nLABEL note=\"🐳\"\r\nRUN echo é\r\n";
    client.open(&u, "dockerfile", 1, text);
    let symbols = client
        .request("textDocument/documentSymbol", doc(&u))
        .expect("symbols");
    assert_eq!(
        symbols,
        json!([
            {"name": "bâse", "kind": 5, "location": {"uri": u, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 10}}}},
            {"name": "LABEL note=\"🐳\"", "kind": 7, "containerName": "bâse", "location": {"uri": u, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 15}}}},
            {"name": "RUN echo é", "kind": 12, "containerName": "bâse", "location": {"uri": u, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 10}}}},
        ])
    );
    client.shutdown();
}

const COMPOSE: &str = "\
name: shop
x-defaults: &defaults
  restart: always
  logging:
    driver: json-file
include:
  - common.yaml
  - path: [db.yaml]
services:
  web:
    <<: *defaults
    image: nginx:1.27
    ports:
      - \"80:80\"
      - target: 443
        published: 8443
    command: |
      nginx -g
      'daemon off;'
  worker: *defaults
networks:
  front: {}
volumes:
  data:
secrets:
  token:
    file: ./token.txt
";

#[test]
fn compose_symbols_are_sections_entries_and_service_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("compose.yaml"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&u, "dockercompose", 1, COMPOSE);
    let symbols = client
        .request("textDocument/documentSymbol", doc(&u))
        .expect("symbols");
    assert_eq!(
        json!(outline(&symbols)),
        json!([
            ["name", 7],
            ["x-defaults", 19, [["restart", 7], ["logging", 7]]],
            ["include", 2, [["common.yaml", 1], ["db.yaml", 1]]],
            [
                "services",
                2,
                [
                    ["web", 5, [["image", 7], ["ports", 7], ["command", 7]]],
                    ["worker", 5],
                ]
            ],
            ["networks", 2, [["front", 11]]],
            ["volumes", 2, [["data", 23]]],
            ["secrets", 2, [["token", 20]]],
        ])
    );
    assert_eq!(symbols[0]["detail"], "shop");
    let web = &symbols[3]["children"][0];
    assert_eq!(web["detail"], "nginx:1.27");
    assert_eq!(web["children"][1]["detail"], "80:80, target: 443");
    assert_eq!(web["children"][2]["detail"], "nginx -g 'daemon off;'");
    assert_eq!(
        web["range"],
        json!({"start": {"line": 9, "character": 2}, "end": {"line": 18, "character": 19}}),
        "the key through the end of its block scalar"
    );
    assert_eq!(
        web["selectionRange"],
        json!({"start": {"line": 9, "character": 2}, "end": {"line": 9, "character": 5}})
    );
    assert_eq!(symbols[3]["children"][1]["detail"], "*defaults", "an alias");
    client.shutdown();
}

#[test]
fn dockerfile_folding_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let mut caps = push_capabilities();
    caps["textDocument"]["foldingRange"] = json!({"lineFoldingOnly": true});
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    client.open(&u, "dockerfile", 1, DOCKERFILE);
    let folds = client
        .request("textDocument/foldingRange", doc(&u))
        .expect("folds");
    assert_eq!(
        lines(&folds),
        [
            (0, 1),   // the comment block (a directive and a comment)
            (4, 13),  // the first stage
            (6, 10),  // RUN with continuations
            (11, 13), // COPY with its heredoc
            (14, 15), // the second stage
        ]
    );
    let comment = folds
        .as_array()
        .expect("array")
        .iter()
        .find(|f| f["startLine"] == 0)
        .expect("comment fold");
    assert_eq!(comment["kind"], "comment");
    assert!(
        folds
            .as_array()
            .expect("array")
            .iter()
            .all(|f| f.get("startCharacter").is_none()),
        "whole lines for lineFoldingOnly clients"
    );
    // Two heredocs: each body folds from the line before it.
    let text = "RUN <<A cat - <<B\r\necho a\r\nA\r\necho b\r\nB\r\n";
    client.open(&u, "dockerfile", 2, text);
    let folds = client
        .request("textDocument/foldingRange", doc(&u))
        .expect("folds");
    assert_eq!(lines(&folds), [(0, 2), (0, 4), (2, 4)]);
    client.shutdown();
}

#[test]
fn folding_ranges_with_characters_for_other_clients() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("Dockerfile"));
    let (mut client, _) = Client::start(pull_capabilities(), dir.path(), Value::Null);
    let text = "FROM alpine\nRUN echo é \\\n  🐳\n";
    client.open(&u, "dockerfile", 1, text);
    let folds = client
        .request("textDocument/foldingRange", doc(&u))
        .expect("folds");
    assert_eq!(
        folds,
        json!([
            {"startLine": 0, "endLine": 2, "startCharacter": 11, "endCharacter": 4},
            {"startLine": 1, "endLine": 2, "startCharacter": 12, "endCharacter": 4},
        ])
    );
    client.shutdown();
}

#[test]
fn compose_folding_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let u = uri(&dir.path().join("compose.yaml"));
    let mut caps = push_capabilities();
    caps["textDocument"]["foldingRange"] = json!({"lineFoldingOnly": true});
    let (mut client, _) = Client::start(caps, dir.path(), Value::Null);
    let text = COMPOSE
        .replace('\n', "\r\n")
        .replace("networks:", "# Networks\r\n# and more\r\nnetworks:");
    client.open(&u, "dockercompose", 1, &text);
    let folds = client
        .request("textDocument/foldingRange", doc(&u))
        .expect("folds");
    assert_eq!(
        lines(&folds),
        [
            (1, 4),   // x-defaults
            (3, 4),   // logging
            (5, 7),   // include
            (8, 19),  // services
            (9, 18),  // web
            (12, 15), // ports
            (14, 15), // - target: 443
            (16, 18), // command: |
            (20, 21), // the comment block
            (22, 23), // networks
            (24, 25), // volumes (a key with a null value below it)
            (26, 28), // secrets
            (27, 28), // token
        ]
    );
    // Documents that are not open, and other YAML.
    let other = uri(&dir.path().join("values.yaml"));
    assert_eq!(
        client
            .request("textDocument/foldingRange", doc(&other))
            .expect("folds"),
        Value::Null
    );
    client.open(&other, "yaml", 1, "a:\n  b: 1\n");
    assert_eq!(
        client
            .request("textDocument/documentSymbol", doc(&other))
            .expect("symbols"),
        json!([])
    );
    assert_eq!(
        client
            .request("textDocument/foldingRange", doc(&other))
            .expect("folds"),
        json!([])
    );
    client.shutdown();
}

#[test]
fn broken_and_empty_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docker = uri(&dir.path().join("Dockerfile"));
    let compose = uri(&dir.path().join("compose.yaml"));
    let (mut client, _) = Client::start(push_capabilities(), dir.path(), Value::Null);
    client.open(&docker, "dockerfile", 1, "");
    client.open(&compose, "dockercompose", 1, "services:\n  web: [\n");
    for u in [&docker, &compose] {
        for method in ["textDocument/documentSymbol", "textDocument/foldingRange"] {
            let out = client.request(method, doc(u)).expect(method);
            assert!(out.is_array(), "{method}: {out}");
        }
    }
    // An unterminated heredoc and an unknown instruction.
    client.open(&docker, "dockerfile", 2, "FROM a\nFOO bar\nRUN <<EOF\necho");
    let symbols = client
        .request("textDocument/documentSymbol", doc(&docker))
        .expect("symbols");
    assert_eq!(
        json!(outline(&symbols)),
        json!([["a", 5, [["FOO bar", 8], ["RUN <<EOF", 12]]]])
    );
    client.shutdown();
}
