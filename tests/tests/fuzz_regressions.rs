//! The fuzz targets' checks (`drydock_tests::fuzz`) on stable: every input a fuzzer ever
//! crashed on (`fuzz/regressions/<target>/`), and the fixtures, which seed the fuzzers.

use std::path::{Path, PathBuf};

use drydock_tests::fuzz::{self, TARGETS};
use drydock_tests::repo_root;

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn saved_crash_inputs_stay_fixed() {
    let mut replayed = 0;
    for target in TARGETS {
        let dir = repo_root().join("fuzz/regressions").join(target);
        for path in files_under(&dir, &|p| {
            p.file_name()
                .is_some_and(|n| n != ".gitkeep" && n != "README.md")
        }) {
            let data = std::fs::read(&path).expect("read regression input");
            let outcome = std::panic::catch_unwind(|| fuzz::run(target, &data));
            assert!(outcome.is_ok(), "{target}: {} fails again", path.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} saved fuzz inputs");
}

#[test]
fn fixtures_pass_the_fuzz_checks() {
    let fixtures = repo_root().join("fixtures");
    let dockerfiles = files_under(&fixtures, &|p| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        (name.starts_with("dockerfile") || name.ends_with(".dockerfile"))
            && !name.ends_with(".snap")
    });
    let composes = files_under(&fixtures.join("compose"), &|p| {
        p.extension().is_some_and(|e| e == "yaml" || e == "yml")
    });
    assert!(dockerfiles.len() > 100 && composes.len() > 50);
    for path in &dockerfiles {
        let data = std::fs::read(path).expect("read fixture");
        let outcome = std::panic::catch_unwind(|| {
            fuzz::dockerfile_parse(&data);
            let mut input = vec![0u8];
            input.extend_from_slice(&data);
            fuzz::lint_fix(&input);
        });
        assert!(outcome.is_ok(), "{}", path.display());
    }
    for path in &composes {
        let data = std::fs::read(path).expect("read fixture");
        let outcome = std::panic::catch_unwind(|| {
            fuzz::compose_load(&data);
            let mut input = vec![1u8];
            input.extend_from_slice(&data);
            fuzz::lint_fix(&input);
        });
        assert!(outcome.is_ok(), "{}", path.display());
    }
}

#[test]
fn the_lsp_target_handles_sessions_and_garbage() {
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let open = frame(
        r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///nonexistent-drydock-fuzz/Dockerfile","languageId":"dockerfile","version":1,"text":"FROM debian:12\nRUN sudo x\n"}}}"#,
    );
    let hover = frame(
        r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///nonexistent-drydock-fuzz/Dockerfile"},"position":{"line":1,"character":5}}}"#,
    );
    for mode in [0u8, 2] {
        let mut input = vec![mode];
        input.extend_from_slice(open.as_bytes());
        input.extend_from_slice(hover.as_bytes());
        input.extend_from_slice(b"Content-Length: 3\r\n\r\n{x}");
        input.extend_from_slice(hover.as_bytes());
        input.extend_from_slice(b"garbage without framing");
        fuzz::lsp_messages(&input);
    }
    // The input's own `initialize`, with a process id the harness removes.
    let mut input = vec![1u8];
    input.extend_from_slice(
        frame(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"processId":1,"capabilities":{}}}"#)
            .as_bytes(),
    );
    input.extend_from_slice(open.as_bytes());
    fuzz::lsp_messages(&input);
}
