//! End-to-end tests of the `drydock` binary: discovery, output, exit codes, configuration,
//! stdin, and `--fix` writing files safely.

use std::fs;
use std::path::Path;

use drydock_tests::{repo_root, run_drydock};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &std::process::Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(out), stderr(out)))
}

const INSECURE: &str = "FROM debian:12\nRUN sudo apt-get update\n";
const CLEAN: &str = "FROM debian:12\nUSER 10001\n";

#[test]
fn bundled_examples_report_problems() {
    let out = run_drydock(&repo_root(), &["check", "examples", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let items = json(&out);
    let codes: Vec<&str> = items.iter().filter_map(|i| i["code"].as_str()).collect();
    for code in ["DS101", "DL3004"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn json_has_hadolint_keys_positions_and_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "b/Dockerfile", INSECURE);
    write(
        dir.path(),
        "a/Dockerfile",
        "FROM alpine:3.20\n# drydock ignore=DL3002\nRUN echo é && sudo true\n",
    );
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let items = json(&out);
    let files: Vec<&str> = items.iter().filter_map(|i| i["file"].as_str()).collect();
    let mut sorted = files.clone();
    sorted.sort_unstable();
    assert_eq!(files, sorted, "sorted by file");
    let sudo = items
        .iter()
        .find(|i| i["file"] == "a/Dockerfile" && i["code"] == "DL3004")
        .expect("DL3004 in a/");
    // `RUN echo é && sudo true`: columns count characters, the end is exclusive.
    assert_eq!(
        (sudo["line"].as_u64(), sudo["column"].as_u64()),
        (Some(3), Some(15))
    );
    assert_eq!(
        (sudo["end_line"].as_u64(), sudo["end_column"].as_u64()),
        (Some(3), Some(19))
    );
    assert_eq!(sudo["level"], "error");
    let unused = items.iter().find(|i| i["code"] == "DY001").expect("DY001");
    assert_eq!(unused["fix"]["applicability"], "safe");
    assert_eq!(unused["fix"]["edits"][0]["content"], "");
    for item in &items {
        for key in [
            "code",
            "column",
            "file",
            "level",
            "line",
            "message",
            "end_line",
            "end_column",
        ] {
            assert!(item.get(key).is_some(), "missing key {key} in {item}");
        }
    }
}

#[test]
fn exit_codes_and_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", CLEAN);
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("No problems found"));

    // DS101 is an error; DL3002 a warning, DL3066 info.
    write(dir.path(), "Dockerfile", "FROM debian:12\nUSER root\n");
    assert_eq!(run_drydock(dir.path(), &["check"]).status.code(), Some(1));
    assert_eq!(
        run_drydock(dir.path(), &["check", "--failure-threshold", "error"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run_drydock(dir.path(), &["check", "--no-fail"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run_drydock(dir.path(), &["check", "-t", "none"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run_drydock(dir.path(), &["check", "--ignore", "DL3002,DL3066"])
            .status
            .code(),
        Some(0)
    );
    let bad = run_drydock(dir.path(), &["check", "--failure-threshold", "loud"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--failure-threshold"),
        "{}",
        stderr(&bad)
    );
    let unknown = run_drydock(dir.path(), &["check", "--select", "DL9999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("DL9999"));
}

#[test]
fn missing_paths_and_empty_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_drydock(dir.path(), &["check", "nope/Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nope/Dockerfile: no such file or folder"),
        "{}",
        stderr(&out)
    );
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("no Dockerfiles or compose files found"));
}

#[test]
fn discovery_follows_names_and_gitignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "Dockerfile",
        "Dockerfile.prod",
        "api.dockerfile",
        "Containerfile",
        "sub/Dockerfile-dev",
        "ignored/Dockerfile",
    ] {
        write(dir.path(), name, INSECURE);
    }
    write(dir.path(), "Dockerfile.dockerignore", "*.md\n");
    write(dir.path(), "notes.txt", INSECURE);
    write(dir.path(), ".gitignore", "ignored/\n");
    let out = run_drydock(
        dir.path(),
        &["check", "--format", "json", "--select", "DL3004"],
    );
    let mut files: Vec<String> = json(&out)
        .iter()
        .filter_map(|i| i["file"].as_str().map(str::to_owned))
        .collect();
    files.dedup();
    assert_eq!(
        files,
        [
            "Containerfile",
            "Dockerfile",
            "Dockerfile.prod",
            "api.dockerfile",
            "sub/Dockerfile-dev"
        ]
    );
    // An explicit path is linted whatever its name.
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "DL3004",
            "notes.txt",
        ],
    );
    assert_eq!(json(&out).len(), 1);
    // --exclude
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "DL3004",
            "--exclude",
            "sub/**",
        ],
    );
    assert!(json(&out).iter().all(|i| i["file"] != "sub/Dockerfile-dev"));
}

#[test]
fn stdin_and_fix_on_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(drydock_tests::drydock_bin())
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    };
    let out = run(
        &[
            "check",
            "-",
            "--stdin-filename",
            "svc/Dockerfile",
            "--format",
            "json",
        ],
        INSECURE,
    );
    let items = json(&out);
    assert!(items.iter().all(|i| i["file"] == "svc/Dockerfile"));
    assert!(items.iter().any(|i| i["code"] == "DL3004"));

    let input = "FROM debian:12\n# drydock ignore=DL3004 -- not needed\nRUN true\nUSER 1\n";
    let out = run(&["check", "-", "--fix"], input);
    assert_eq!(stdout(&out), "FROM debian:12\nRUN true\nUSER 1\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn fix_writes_atomically_and_keeps_line_endings_bom_and_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = "\u{feff}# drydock ignore=DL3004,DS101\r\nFROM debian:12\r\nRUN true\r\n";
    write(dir.path(), "Dockerfile", original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.path().join("Dockerfile"),
            fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
    }
    // --diff shows the change and writes nothing.
    let diff = run_drydock(dir.path(), &["check", "--diff"]);
    assert_eq!(diff.status.code(), Some(1));
    assert!(
        stdout(&diff).contains("# drydock ignore=DL3004,DS101\r\n+"),
        "{}",
        stdout(&diff)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).expect("read"),
        original
    );

    let out = run_drydock(dir.path(), &["check", "--fix"]);
    let fixed = fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert_eq!(
        fixed,
        "\u{feff}# drydock ignore=DS101\r\nFROM debian:12\r\nRUN true\r\n",
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Fixed 1 problem"), "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("Dockerfile"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing left to fix: a second run changes nothing.
    let again = run_drydock(dir.path(), &["check", "--fix"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).expect("read"),
        fixed,
        "{}",
        stderr(&again)
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".drydock"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn config_discovery_nearest_wins_and_errors_have_locations() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".drydock.yaml", "ignore: [DL3004]\n");
    write(dir.path(), "Dockerfile", INSECURE);
    write(dir.path(), "svc/.drydock.yaml", "select: [DL3004]\n");
    write(dir.path(), "svc/Dockerfile", INSECURE);
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    let items = json(&out);
    assert!(
        items
            .iter()
            .any(|i| i["file"] == "svc/Dockerfile" && i["code"] == "DL3004")
    );
    assert!(
        items
            .iter()
            .all(|i| i["file"] == "svc/Dockerfile" || i["code"] != "DL3004")
    );
    assert!(
        items
            .iter()
            .all(|i| i["file"] != "svc/Dockerfile" || i["code"] == "DL3004"),
        "svc selects only DL3004"
    );

    write(
        dir.path(),
        "svc/.drydock.yaml",
        "select: [DL3004]\nfailure_threshold: error\n",
    );
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".drydock.yaml:2:1: unknown field `failure_threshold`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn hadolint_configuration_means_hadolint_rules_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        ".hadolint.yaml",
        "ignored:\n  - DL3002\nunknown-key: 1\n",
    );
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nUSER root\nRUN sudo true\n",
    );
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    let codes: Vec<String> = json(&out)
        .iter()
        .filter_map(|i| i["code"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        codes,
        ["DL3066", "DL3004"],
        "DS rules stay off and DL3002 is ignored"
    );
    assert!(
        stderr(&out).contains("unknown key `unknown-key`"),
        "{}",
        stderr(&out)
    );
    // More can be selected explicitly.
    write(dir.path(), "other/Dockerfile", "FROM debian:12\n");
    let out = run_drydock(dir.path(), &["check", "--format", "json", "other"]);
    assert!(json(&out).is_empty());
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--extend-select",
            "DS101",
            "other",
        ],
    );
    assert!(json(&out).iter().any(|i| i["code"] == "DS101"));
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[test]
fn fifo_and_unreadable_files_are_errors_not_hangs() {
    let dir = tempfile::tempdir().expect("tempdir");
    #[cfg(unix)]
    {
        make_fifo(&dir.path().join("Dockerfile"));
        let out = run_drydock(dir.path(), &["check", "Dockerfile"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
        // The walk skips it.
        let out = run_drydock(dir.path(), &["check"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

/// Reading within a size limit: the size is asked of the open file, before its type; a file
/// over the limit is not read.
#[test]
fn read_within_a_size_limit() {
    use drydock_compose::project::{Within, read_regular_file_within};
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ten");
    fs::write(&file, "0123456789").expect("write");
    assert_eq!(
        read_regular_file_within(&file, 10).expect("read"),
        Within::Read(b"0123456789".to_vec())
    );
    assert_eq!(
        read_regular_file_within(&file, 9).expect("read"),
        Within::TooLarge(10)
    );
    let missing = read_regular_file_within(&dir.path().join("missing"), 10);
    assert_eq!(
        missing.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::NotFound)
    );
    // A folder is no regular file; its size is checked first.
    let folder = dir.path().join("folder");
    fs::create_dir(&folder).expect("mkdir");
    let size = fs::metadata(&folder).expect("metadata").len();
    let inside = read_regular_file_within(&folder, size);
    assert!(
        inside
            .as_ref()
            .is_err_and(|e| e.to_string().contains("not a regular file")),
        "{inside:?}"
    );
    if size > 0 {
        assert_eq!(
            read_regular_file_within(&folder, size - 1).expect("size"),
            Within::TooLarge(size)
        );
    }
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo");
        make_fifo(&fifo);
        // Opened without waiting for a writer, and refused.
        let read = read_regular_file_within(&fifo, 10);
        assert!(
            read.as_ref()
                .is_err_and(|e| e.to_string().contains("not a regular file")),
            "{read:?}"
        );
    }
}

#[test]
fn rule_and_rules_commands() {
    let dir = repo_root();
    let out = run_drydock(&dir, &["rule", "ds101"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# DS101: missing-user"));
    assert!(stdout(&out).contains("## Why is this bad?"));
    let out = run_drydock(&dir, &["rule", "NOPE"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_drydock(&dir, &["rules", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        rules
            .iter()
            .any(|r| r["code"] == "DL3004" && r["name"] == "sudo-in-run")
    );
    let out = run_drydock(&dir, &["rules", "--format", "markdown"]);
    let expected = fs::read_to_string(dir.join("rules.md")).expect("rules.md");
    assert!(
        stdout(&out) == expected,
        "`drydock rules --format markdown` differs from rules.md; regenerate it with \
         DRYDOCK_UPDATE=1 cargo test -p drydock_tests --test registry"
    );
}

/// The library entry point can run several times in one process (benchmarks and embedders do):
/// the thread that joined the first run's pool is not stuck in it.
#[test]
fn check_runs_several_times_in_one_process() {
    let example = drydock_tests::repo_root().join("examples/Dockerfile");
    for _ in 0..3 {
        let status = drydock::main_with_args(
            [
                "drydock".as_ref(),
                "check".as_ref(),
                "--no-fail".as_ref(),
                "-q".as_ref(),
                "-f".as_ref(),
                "json".as_ref(),
                "-o".as_ref(),
                "/dev/null".as_ref(),
                example.as_os_str(),
            ]
            .map(std::ffi::OsString::from),
        );
        assert_eq!(status, drydock::commands::check::ExitStatus::Success);
    }
}

/// The terminal output is written file by file as linting goes (in path order, whatever the
/// threads finish first): byte for byte what the collected report holds, Dockerfiles and
/// compose files merged by path, and a Dockerfile built by a compose service is linted with
/// that service's build context.
#[test]
fn terminal_output_streams_in_path_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    for i in 0..40 {
        // Names that interleave the two kinds and sort differently from creation order.
        let folder = format!("p{:02}", (i * 7) % 40);
        if i % 3 == 0 {
            let name = format!("{folder}/compose.yaml");
            let body = format!(
                "services:\n  s{i}:\n    image: nginx:1.{i}\n    privileged: true\n    build: ./b\n"
            );
            write(dir.path(), &name, &body);
            write(
                dir.path(),
                &format!("{folder}/b/.dockerignore"),
                "secret.txt\n",
            );
            write(
                dir.path(),
                &format!("{folder}/b/Dockerfile"),
                "FROM alpine:3.20\nCOPY secret.txt /\nRUN sudo true\n",
            );
            paths.push(name);
            paths.push(format!("{folder}/b/Dockerfile"));
        } else {
            let name = format!("{folder}/Dockerfile");
            let body = format!("FROM debian:12\nRUN sudo apt-get install -y curl{i}\n");
            write(dir.path(), &name, &body);
            paths.push(name);
        }
    }
    let streamed = run_drydock(dir.path(), &["check", "--threads", "2", "."]);
    assert_eq!(
        streamed.status.code(),
        Some(1),
        "stderr: {}",
        stderr(&streamed)
    );
    let streamed = stdout(&streamed);
    // The same report through the collected path (a report file is written at the end, after
    // sorting), and with one thread.
    let collected = run_drydock(
        dir.path(),
        &["check", "--threads", "2", "-o", "report.txt", "."],
    );
    assert_eq!(
        collected.status.code(),
        Some(1),
        "stderr: {}",
        stderr(&collected)
    );
    let collected = fs::read_to_string(dir.path().join("report.txt")).expect("report");
    let one = stdout(&run_drydock(dir.path(), &["check", "--threads", "1", "."]));
    for (name, other) in [("collected", &collected), ("one thread", &one)] {
        if let Some(at) = streamed
            .bytes()
            .zip(other.bytes())
            .position(|(a, b)| a != b)
        {
            let end = (at + 200).min(streamed.len()).min(other.len());
            panic!(
                "streamed and {name} differ at byte {at}:\n{}\n---\n{}",
                &streamed[at.saturating_sub(200)..end],
                &other[at.saturating_sub(200)..end]
            );
        }
        assert_eq!(streamed.len(), other.len(), "{name}");
    }
    // Files appear in path order, each once.
    let shown: Vec<&str> = streamed
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
        .filter_map(|l| l.split(':').next())
        .collect();
    let mut order = shown.clone();
    order.dedup();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(order, sorted, "files in path order, each once");
    paths.sort();
    assert_eq!(order, paths);
    assert!(
        streamed.contains("BK018"),
        "the build context's .dockerignore is read"
    );
}

/// A reader that stops early (`| head`) ends the run quietly: no error, no panic.
#[test]
fn closed_standard_output_is_quiet() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..300 {
        write(
            dir.path(),
            &format!("d{i:03}/Dockerfile"),
            "FROM debian:12\nRUN sudo apt-get install -y curl\n",
        );
    }
    let mut child = Command::new(drydock_tests::drydock_bin())
        .args(["check", "--threads", "2", "."])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start drydock");
    // Read a little, then close the pipe.
    let mut first = [0_u8; 64];
    let mut out = child.stdout.take().expect("stdout");
    std::io::Read::read_exact(&mut out, &mut first).expect("some output");
    drop(out);
    let done = child.wait_with_output().expect("wait");
    let err = stderr(&done);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("cannot write output"), "{err}");
    assert_eq!(done.status.code(), Some(1), "{err}");
}
