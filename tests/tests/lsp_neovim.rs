//! The language server driven by a real editor: headless Neovim 0.11 through the shared
//! harness (`../shared/lsp-harness/run.sh`, which installs its own Neovim on first use). On a
//! Dockerfile and a compose file: diagnostics, a hover, a quick fix applied by Neovim (the
//! document afterwards), completion and symbols.
//!
//! Skipped, loudly, when the harness is not there; `DRYDOCK_REQUIRE_LSP_HARNESS=1` (set by CI)
//! turns the skip into a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use drydock_tests::{drydock_bin, repo_root};
use serde_json::Value;

fn harness() -> Option<PathBuf> {
    let found = [
        repo_root().join("../shared/lsp-harness/run.sh"),
        PathBuf::from("/work/shared/lsp-harness/run.sh"),
    ]
    .into_iter()
    .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("DRYDOCK_REQUIRE_LSP_HARNESS").is_none(),
            "DRYDOCK_REQUIRE_LSP_HARNESS is set but ../shared/lsp-harness is missing"
        );
        eprintln!("SKIPPED: ../shared/lsp-harness is not present; nothing was checked");
    }
    found
}

/// Runs the harness on `file` with `args`; returns its JSON lines.
fn run(harness: &Path, file: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new("bash")
        .arg(harness)
        .args(args)
        .arg(file)
        .arg("--")
        .arg(drydock_bin())
        .arg("server")
        .env("LSP_HARNESS_HARD_TIMEOUT", "240")
        .output()
        .expect("run the harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "harness exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn of_kind<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["kind"] == kind).collect()
}

fn codes(lines: &[Value], phase: &str) -> Vec<String> {
    of_kind(lines, "diagnostic")
        .into_iter()
        .filter(|d| d["phase"] == phase)
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn neovim_on_a_dockerfile() {
    let Some(harness) = harness() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("Dockerfile");
    std::fs::write(
        &file,
        "FROM debian:12 as build\nRUN apt-get update && apt-get install -y curl\nUSER 10001\n",
    )
    .expect("write");
    let lines = run(
        &harness,
        &file,
        &[
            "--hover",
            "2:1",
            "--completion",
            "3:1",
            "--symbols",
            "--code-actions",
            "1:16",
            "--apply-code-action",
            "1",
        ],
    );
    let server = &of_kind(&lines, "server")[0];
    assert_eq!(server["name"], "drydock");
    assert_eq!(
        server["offset_encoding"], "utf-8",
        "UTF-8 negotiated with Neovim"
    );

    // Diagnostics with exact columns (1-based in the harness's output).
    let initial = codes(&lines, "initial");
    for code in ["BK002", "DL3008", "DL3009", "DL3015"] {
        assert!(initial.contains(&code.to_owned()), "{code} in {initial:?}");
    }
    let pin = of_kind(&lines, "diagnostic")
        .into_iter()
        .find(|d| d["code"] == "DL3008")
        .expect("DL3008");
    assert_eq!(
        (pin["line"].as_u64(), pin["col"].as_u64()),
        (Some(2), Some(42))
    );
    assert_eq!(pin["end_col"].as_u64(), Some(46), "the package word `curl`");
    assert!(
        pin["code_href"]
            .as_str()
            .is_some_and(|h| h.ends_with("#dl3008-unpinned-apt-package"))
    );

    // Hover on the RUN keyword: the instruction's documentation.
    let hover = &of_kind(&lines, "hover")[0];
    assert!(
        hover["text"].as_str().is_some_and(|t| t.contains("RUN")),
        "{hover}"
    );
    // Completion at the start of a line: instructions.
    let completion = &of_kind(&lines, "completion")[0];
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"COPY") && labels.contains(&"RUN"),
        "{labels:?}"
    );
    // Symbols: the stage with its instructions.
    let symbols = &of_kind(&lines, "symbols")[0];
    let flat = symbols["flat"].as_array().expect("flat symbols");
    assert_eq!(flat[0]["name"], "build");
    assert!(flat.iter().any(|s| s["name"] == "USER 10001"), "{flat:?}");

    // The preferred quick fix, applied by Neovim: `as` becomes `AS`, and BK002 is gone.
    let actions = &of_kind(&lines, "code_actions")[0];
    assert_eq!(actions["actions"][0]["is_preferred"], true);
    let document = &of_kind(&lines, "document")[0];
    assert_eq!(
        document["text"],
        "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y curl\nUSER 10001\n"
    );
    let after = codes(&lines, "after-code-action");
    assert!(!after.contains(&"BK002".to_owned()), "{after:?}");
    assert!(after.contains(&"DL3008".to_owned()), "{after:?}");
}

#[test]
fn neovim_on_a_compose_file() {
    let Some(harness) = harness() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "name: demo\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - 8080:80\n    cap_\n",
    )
    .expect("write");
    std::fs::write(dir.path().join(".env"), "TAG=1.27\n").expect("write");
    let lines = run(
        &harness,
        &file,
        &[
            "--language-id",
            "yaml",
            "--hover",
            "4:5",
            "--completion",
            "7:9",
            "--symbols",
            "--code-actions",
            "6:9",
            "--apply-code-action",
            "1",
        ],
    );
    let initial = codes(&lines, "initial");
    for code in ["CMP107", "CMP037", "CMP005"] {
        assert!(initial.contains(&code.to_owned()), "{code} in {initial:?}");
    }
    // Hover on a key: drydock's description of it.
    let hover = &of_kind(&lines, "hover")[0];
    assert!(
        hover["text"].as_str().is_some_and(|t| t.contains("image")),
        "{hover}"
    );
    // Completion of a half-typed key: service keys from the compose schema.
    let completion = &of_kind(&lines, "completion")[0];
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"cap_drop") && labels.contains(&"cap_add"),
        "{labels:?}"
    );
    // Symbols: the services section and the service.
    let symbols = &of_kind(&lines, "symbols")[0];
    let flat = symbols["flat"].as_array().expect("flat symbols");
    assert!(flat.iter().any(|s| s["name"] == "web"), "{flat:?}");
    // The quick fix quoting the port, applied by Neovim.
    let actions = &of_kind(&lines, "code_actions")[0];
    assert!(
        actions["actions"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("CMP107")),
        "{actions}"
    );
    let document = &of_kind(&lines, "document")[0];
    assert!(
        document["text"]
            .as_str()
            .is_some_and(|t| t.contains("- \"8080:80\"")),
        "{document}"
    );
}
