//! End-to-end tests of `drydock check` on compose files: grouping files into projects the way
//! Compose loads them, overlays reporting only their own findings, standard input, Compose's
//! global flags, configuration, and fixes.

use std::fs;
use std::path::Path;

use drydock_tests::{run_drydock, run_drydock_with};

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

/// `(file, code, line)` of every finding in JSON output.
fn findings(out: &std::process::Output) -> Vec<(String, String, u64)> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(out), stderr(out)));
    items
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap_or_default().to_owned(),
                i["code"].as_str().unwrap_or_default().to_owned(),
                i["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn has(found: &[(String, String, u64)], file: &str, code: &str) -> bool {
    found.iter().any(|(f, c, _)| f == file && c == code)
}

/// A project with a base file, an override file and an overlay, each with one host-namespace
/// problem of its own.
fn project(dir: &Path) {
    write(
        dir,
        "app/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
    );
    write(
        dir,
        "app/compose.override.yaml",
        "services:\n  web:\n    network_mode: host\n",
    );
    write(
        dir,
        "app/compose.prod.yaml",
        "services:\n  web:\n    pid: host\n",
    );
}

#[test]
fn walked_files_are_grouped_into_projects_without_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let out = run_drydock(
        dir.path(),
        &["check", "--format", "json", "--select", "CMP"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    assert!(has(&found, "app/compose.yaml", "CMP001"), "{found:?}");
    assert!(
        has(&found, "app/compose.override.yaml", "CMP015"),
        "{found:?}"
    );
    assert!(has(&found, "app/compose.prod.yaml", "CMP013"), "{found:?}");
    let mut unique = found.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), found.len(), "no finding twice: {found:?}");
    let files: Vec<&String> = found.iter().map(|(f, _, _)| f).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "sorted by file");
}

#[test]
fn an_overlay_named_alone_reports_only_its_own_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "CMP",
            "app/compose.prod.yaml",
        ],
    );
    let found = findings(&out);
    assert!(has(&found, "app/compose.prod.yaml", "CMP013"), "{found:?}");
    assert!(
        found.iter().all(|(f, _, _)| f == "app/compose.prod.yaml"),
        "{found:?}"
    );

    // The same through standard input: the buffer stands in for the file.
    let out = run_drydock_with(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "CMP",
            "--stdin-filename",
            "app/compose.prod.yaml",
            "-",
        ],
        Some("services:\n  web:\n    ipc: host\n"),
        &[],
    );
    let found = findings(&out);
    assert_eq!(
        found,
        [("app/compose.prod.yaml".to_owned(), "CMP014".to_owned(), 3)]
    );
}

#[test]
fn compose_file_env_file_and_process_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Names drydock does not discover: only `--compose-file` makes them a project.
    write(
        dir.path(),
        "base.yml",
        "services:\n  web:\n    image: nginx:1.27\n    privileged: ${PRIV:-false}\n",
    );
    write(
        dir.path(),
        "extra.yml",
        "services:\n  web:\n    pid: host\n",
    );
    write(dir.path(), "ci.env", "PRIV=true\n");
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    assert!(findings(&out).is_empty(), "{}", stdout(&out));

    let args = [
        "check",
        "--format",
        "json",
        "--select",
        "CMP",
        "--compose-file",
        "base.yml",
        "--compose-file",
        "extra.yml",
    ];
    let found = findings(&run_drydock(dir.path(), &args));
    assert!(has(&found, "extra.yml", "CMP013"), "{found:?}");
    assert!(!has(&found, "base.yml", "CMP001"), "{found:?}");

    let mut with_env = args.to_vec();
    with_env.extend(["--env-file", "ci.env"]);
    let found = findings(&run_drydock(dir.path(), &with_env));
    assert!(has(&found, "base.yml", "CMP001"), "{found:?}");

    // The process environment counts only when asked for.
    let found = findings(&run_drydock_with(
        dir.path(),
        &args,
        None,
        &[("PRIV", "true")],
    ));
    assert!(!has(&found, "base.yml", "CMP001"), "{found:?}");
    let mut from_process = args.to_vec();
    from_process.push("--env-from-process");
    let found = findings(&run_drydock_with(
        dir.path(),
        &from_process,
        None,
        &[("PRIV", "true")],
    ));
    assert!(has(&found, "base.yml", "CMP001"), "{found:?}");
}

#[test]
fn hadolint_configuration_leaves_compose_rules_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".hadolint.yaml", "ignored:\n  - DL3008\n");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
    );
    let found = findings(&run_drydock(dir.path(), &["check", "--format", "json"]));
    assert!(has(&found, "compose.yaml", "CMP001"), "{found:?}");
}

#[test]
fn size_limit_and_broken_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".drydock.yaml", "max-file-size: 20\n");
    write(
        dir.path(),
        "big/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    write(dir.path(), "broken/compose.yaml", "services:\n  web: [\n");
    // Dockerfiles too: over the limit by a byte, and at it exactly.
    write(dir.path(), "big/Dockerfile", "FROM  alpine:latest \n");
    write(dir.path(), "fits/Dockerfile", "FROM  alpine:latest\n");
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    let found = findings(&out);
    assert!(has(&found, "big/compose.yaml", "DY003"), "{found:?}");
    assert!(has(&found, "broken/compose.yaml", "CMP102"), "{found:?}");
    assert!(has(&found, "big/Dockerfile", "DY003"), "{found:?}");
    assert!(!has(&found, "fits/Dockerfile", "DY003"), "{found:?}");
    assert!(has(&found, "fits/Dockerfile", "DL3007"), "{found:?}");
}

#[test]
fn fix_diff_and_fix_on_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = "services:\n  web:\n    image: nginx:1.27\n    # drydock ignore=CMP015\n    user: \"10001\"\n";
    write(dir.path(), "compose.yaml", original);
    let select = ["--select", "CMP015,DY001"];

    let mut args = vec!["check", "--diff"];
    args.extend(select);
    let diff = run_drydock(dir.path(), &args);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    assert!(
        stdout(&diff).contains("-    # drydock ignore=CMP015\n"),
        "{}",
        stdout(&diff)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose.yaml")).expect("read"),
        original
    );

    let mut args = vec!["check", "--fix"];
    args.extend(select);
    let out = run_drydock(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("Fixed 1 problem"), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(dir.path().join("compose.yaml")).expect("read"),
        "services:\n  web:\n    image: nginx:1.27\n    user: \"10001\"\n"
    );

    // On standard input the fixed buffer alone goes to standard output; the report to stderr.
    let mut args = vec!["check", "--fix", "--stdin-filename", "compose.yaml", "-"];
    args.extend(select);
    args.push("--extend-select=CMP001");
    let out = run_drydock_with(
        dir.path(),
        &args,
        Some("services:\n  web:\n    # drydock ignore=CMP015\n    privileged: true\n"),
        &[],
    );
    assert_eq!(
        stdout(&out),
        "services:\n  web:\n    privileged: true\n",
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("CMP001"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn profiles_limit_the_services_like_compose() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n  debug:\n    image: busybox:1.36\n    profiles: [debug]\n    pid: host\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--select", "CMP001,CMP013"];
        args.extend(extra);
        let out = run_drydock(dir.path(), &args);
        let items: Vec<serde_json::Value> =
            serde_json::from_slice(&out.stdout).expect("JSON output");
        items
            .iter()
            .map(|i| {
                (
                    i["code"].as_str().unwrap_or_default().to_owned(),
                    i["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Every service by default, each finding saying which profile it needs.
    let all = run(&[]);
    assert_eq!(all.len(), 2, "{all:?}");
    let debug = all.iter().find(|(c, _)| c == "CMP013").expect("CMP013");
    assert!(debug.1.contains("profile `debug`"), "{}", debug.1);
    // With profiles, only what Compose would start.
    let other = run(&["--profile", "other"]);
    assert_eq!(
        other.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["CMP001"]
    );
    assert_eq!(run(&["--profile", "debug"]).len(), 2);
    assert_eq!(run(&["--profile", "*"]).len(), 2);
}

#[test]
fn dockerfiles_built_by_a_service_use_its_build_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  app:\n    build:\n      context: ./src\n      dockerfile: ../docker/Dockerfile\n",
    );
    write(dir.path(), "src/.dockerignore", "secrets.txt\n");
    write(
        dir.path(),
        "docker/Dockerfile",
        "FROM alpine:3.20\nCOPY secrets.txt /srv/\nUSER 10001\n",
    );
    let args = ["check", "--format", "json", "--select", "BK018"];
    // Through the project: the context is `src/`, whose .dockerignore excludes the file.
    let found = findings(&run_drydock(dir.path(), &args));
    assert!(has(&found, "docker/Dockerfile", "BK018"), "{found:?}");
    // On its own: the context is the Dockerfile's folder, which has no .dockerignore.
    let mut alone = args.to_vec();
    alone.push("docker/Dockerfile");
    let found = findings(&run_drydock(dir.path(), &alone));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn show_files_show_settings_and_statistics() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    write(dir.path(), "app/.env", "TAG=1.2\nDB_PASSWORD=hunter2\n");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nRUN sudo false\n",
    );
    write(dir.path(), ".drydock.yaml", "ignore: [DS101]\n");

    let out = run_drydock(dir.path(), &["check", "--show-files"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .to_owned()
    };
    assert!(
        line("Dockerfile").contains("dockerfile; config .drydock.yaml"),
        "{text}"
    );
    assert!(
        line("app/compose.prod.yaml").contains(
            "project app/compose.yaml + app/compose.prod.yaml (only this file's findings)"
        ),
        "{text}"
    );
    assert!(
        line("app/compose.override.yaml")
            .contains("project app/compose.yaml + app/compose.override.yaml"),
        "{text}"
    );

    let out = run_drydock(dir.path(), &["check", "--show-settings"]);
    let text = stdout(&out);
    assert!(text.contains("configuration file used:"), "{text}");
    assert!(text.contains("TAG=1.2"), "{text}");
    assert!(text.contains("DB_PASSWORD=****"), "{text}");
    assert!(
        !text.contains("hunter2"),
        "secrets are never printed:\n{text}"
    );

    let out = run_drydock(
        dir.path(),
        &["check", "--statistics", "--select", "DL3004,CMP"],
    );
    assert_eq!(out.status.code(), Some(1), "statistics keep the exit code");
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["2", "DL3004", "sudo-in-run"]),
        "{text}"
    );
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--statistics",
            "--select",
            "DL3004",
            "--format",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows[0]["code"], "DL3004");
    assert_eq!(rows[0]["count"], 2);
}

#[test]
fn add_ignore_suppresses_every_finding_and_unused_ones_are_reported_later() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dockerfile = "FROM debian:12\nRUN cd /srv && sudo make\nUSER 10001\n";
    write(dir.path(), "Dockerfile", dockerfile);
    write(
        dir.path(),
        "compose.yaml",
        "name: demo\nservices:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
    );
    let select = ["--select", "DL3003,DL3004,CMP001,DY001"];

    // --diff shows the comments and writes nothing.
    let mut args = vec!["check", "--add-ignore", "--diff"];
    args.extend(select);
    let diff = run_drydock(dir.path(), &args);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    assert!(
        stdout(&diff)
            .contains("+# drydock ignore=DL3003,DL3004 -- TODO: say why this is acceptable"),
        "{}",
        stdout(&diff)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).expect("read"),
        dockerfile
    );

    let mut args = vec!["check", "--add-ignore=legacy image, tracked in #12"];
    args.extend(select);
    let out = run_drydock(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("added 3 suppressions"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).expect("read"),
        "FROM debian:12\n# drydock ignore=DL3003,DL3004 -- legacy image, tracked in #12\nRUN cd /srv && sudo make\nUSER 10001\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose.yaml")).expect("read"),
        "name: demo\nservices:\n  web:\n    image: nginx:1.27\n    # drydock ignore=CMP001 -- legacy image, tracked in #12\n    privileged: true\n"
    );

    // Clean now; once a problem is fixed, its suppression is reported as unused.
    let mut args = vec!["check", "--format", "json"];
    args.extend(select);
    assert!(findings(&run_drydock(dir.path(), &args)).is_empty());
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\n# drydock ignore=DL3003,DL3004 -- legacy image, tracked in #12\nRUN cd /srv && make\nUSER 10001\n",
    );
    let found = findings(&run_drydock(dir.path(), &args));
    assert!(has(&found, "Dockerfile", "DY001"), "{found:?}");
}
