//! drydock never reaches outside: it executes nothing (ShellCheck only when asked), opens no
//! network connection, never fetches a remote `include`, and reads only the files it was
//! pointed at, its configuration and ignore files, and the project files they reference inside
//! the project root (the project folder or the folder walked, whichever is higher).
//!
//! Watched with `strace` (system calls `execve`, `socket`, `connect`, `open*`), and run in a
//! network namespace of its own (`unshare`). Where a tool is missing or namespaces are not
//! allowed, the test says SKIPPED loudly; with `DRYDOCK_REQUIRE_STRACE=1` or
//! `DRYDOCK_REQUIRE_NETNS=1` (CI) it fails instead.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use drydock_tests::drydock_bin;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// A project that references files inside and outside its root, with files that must never be
/// read next to it.
fn project(top: &Path) {
    // Outside the project: never read.
    write(
        top,
        "outside.yaml",
        "services:\n  evil:\n    privileged: true\n",
    );
    write(top, "outside.env", "SECRET=1\n");
    write(top, "outside/Dockerfile", "FROM debian:12\n");
    write(top, "outside/.dockerignore", "*\n");
    // Inside, but neither linted nor referenced.
    write(top, "project/notes.txt", "FROM debian:12\n");
    write(top, "project/ignored/Dockerfile", "FROM debian:12\n");
    write(top, "project/.gitignore", "ignored/\n");
    // The project.
    write(top, "project/.drydock.yaml", "ignore: [CMP109]\n");
    write(
        top,
        "project/Dockerfile",
        "FROM debian:12\nCOPY . /app\nRUN sudo true\nUSER 10001\n",
    );
    write(top, "project/.dockerignore", "*.md\n");
    write(
        top,
        "project/compose.yaml",
        "include:\n  - inc.yaml\n  - https://example.com/remote.yaml\n  - ../outside.yaml\n\
         services:\n  web:\n    image: nginx:${TAG}\n    build: .\n    env_file: [web.env, ../outside.env]\n\
         \x20 api:\n    extends: {file: base.yaml, service: b}\n  ctx:\n    build: ../outside\n",
    );
    write(
        top,
        "project/compose.override.yaml",
        "services:\n  web:\n    cap_drop: [ALL]\n",
    );
    write(top, "project/.env", "TAG=1.27\n");
    write(top, "project/web.env", "A=1\n");
    write(
        top,
        "project/inc.yaml",
        "services:\n  inc:\n    image: redis:7\n",
    );
    write(
        top,
        "project/base.yaml",
        "services:\n  b:\n    image: busybox:1\n",
    );
}

/// Files under the project folder drydock may open.
const MAY_READ: &[&str] = &[
    "project/.drydock.yaml",
    "project/.gitignore",
    "project/Dockerfile",
    "project/.dockerignore",
    "project/compose.yaml",
    "project/compose.override.yaml",
    "project/.env",
    "project/web.env",
    "project/inc.yaml",
    "project/base.yaml",
];

fn required(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| v == "1")
}

fn skip(var: &str, why: &str) {
    assert!(!required(var), "{why} ({var}=1 requires this test to run)");
    eprintln!("\n=== SKIPPED: {why}: NOT CHECKED ===\n");
}

fn tool_works(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn findings(stdout: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

fn assert_outcome(items: &[serde_json::Value]) {
    let has = |code: &str, file: &str, text: &str| {
        items.iter().any(|i| {
            i["code"] == code
                && i["file"].as_str().is_some_and(|f| f.ends_with(file))
                && i["message"].as_str().is_some_and(|m| m.contains(text))
        })
    };
    assert!(has("DL3004", "Dockerfile", "sudo"), "{items:#?}");
    assert!(has("DY005", "compose.yaml", "remote.yaml"), "{items:#?}");
    for outside in ["outside.yaml", "outside.env", "outside"] {
        assert!(
            has("DY006", "compose.yaml", outside),
            "no DY006 for {outside}: {items:#?}"
        );
    }
}

#[test]
fn executes_nothing_connects_nowhere_and_reads_only_what_it_should() {
    if !tool_works(&["strace", "-V"]) {
        skip("DRYDOCK_REQUIRE_STRACE", "strace is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let top = fs::canonicalize(dir.path()).expect("canonical");
    project(&top);
    let trace = top.join("trace.txt");
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,execveat,socket,connect,open,openat,openat2,creat",
            "-o",
        ])
        .arg(&trace)
        .arg(drydock_bin())
        .args(["check", "--format", "json", "--no-fail", "project"])
        .current_dir(&top)
        .env("HOME", &top)
        .env("XDG_CONFIG_HOME", top.join(".config"))
        .env("NO_COLOR", "1")
        .env_remove("HADOLINT_IGNORE")
        .stdin(Stdio::null())
        .output()
        .expect("run strace");
    let trace_text = fs::read_to_string(&trace).unwrap_or_default();
    if !out.status.success() && trace_text.is_empty() {
        // ptrace not permitted here (a container without the capability).
        skip(
            "DRYDOCK_REQUIRE_STRACE",
            &format!(
                "strace cannot trace here: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
        return;
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_outcome(&findings(&out.stdout));

    let top_str = top.display().to_string();
    let mut problems = Vec::new();
    let mut execs = 0;
    let mut opened: Vec<String> = Vec::new();
    for line in trace_text.lines() {
        // `PID call(args) = result`; failed calls (`= -1 ENOENT ...`) read nothing.
        let Some((_, call)) = line.split_once(' ') else {
            continue;
        };
        let call = call.trim_start();
        let ok = call
            .rsplit_once(" = ")
            .is_some_and(|(_, r)| !r.trim_start().starts_with('-'));
        if call.starts_with("execve") {
            execs += 1;
            if execs > 1 {
                problems.push(format!("executed something: {call}"));
            }
        } else if call.starts_with("socket(") || call.starts_with("connect(") {
            problems.push(format!("network: {call}"));
        } else if ok && (call.starts_with("open") || call.starts_with("creat")) {
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            // Relative paths are relative to the working folder, `top`.
            let absolute = if path.starts_with('/') {
                path.to_owned()
            } else {
                format!("{top_str}/{path}")
            };
            if !absolute.starts_with(&top_str) {
                continue;
            }
            let rel = absolute[top_str.len()..].trim_start_matches('/');
            let rel = rel.strip_prefix("./").unwrap_or(rel);
            let is_dir = top.join(rel).is_dir();
            if rel == "trace.txt" || is_dir {
                continue;
            }
            opened.push(rel.to_owned());
            if !MAY_READ.contains(&rel) {
                problems.push(format!("opened {rel}: {call}"));
            }
        }
    }
    assert!(
        execs >= 1,
        "the trace has no execve of drydock: {trace_text}"
    );
    opened.sort();
    opened.dedup();
    eprintln!("files opened in the project: {opened:?}");
    for must in [
        "project/Dockerfile",
        "project/compose.yaml",
        "project/base.yaml",
    ] {
        assert!(
            opened.iter().any(|o| o == must),
            "{must} was not read: {opened:?}"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn works_with_the_network_unshared() {
    // As root `unshare -n` is enough; otherwise a user namespace maps the user in.
    let prefix: &[&str] = if tool_works(&["unshare", "-n", "true"]) {
        &["unshare", "-n", "--"]
    } else if tool_works(&["unshare", "-rn", "true"]) {
        &["unshare", "-rn", "--"]
    } else {
        skip(
            "DRYDOCK_REQUIRE_NETNS",
            "network namespaces are unavailable (unshare -n and unshare -rn fail)",
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let out = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg(drydock_bin())
        .args(["check", "--format", "json", "--no-fail", "project"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join(".config"))
        .env("NO_COLOR", "1")
        .env_remove("HADOLINT_IGNORE")
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_outcome(&findings(&out.stdout));
}
