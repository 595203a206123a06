//! `--fix` never loses data, over a copy of the whole shared corpus (`../shared/corpus`,
//! read-only; skipped loudly when absent): every rule on, unsafe fixes included. Every fixed
//! Dockerfile is exactly what the in-process fixer makes of it (so no byte outside the fixes'
//! ranges changes, by the fixer's own property tests) and has no more syntax errors; every fixed
//! compose file has no more YAML problems; byte order marks and line endings are kept; a second
//! `--fix` changes nothing; and drydock killed at any moment leaves each file either as it was or
//! as a complete run leaves it, never truncated or half-written.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use drydock_compose::project::{self, LoadOptions, Problem, RealFs};
use drydock_dockerfile::parse;
use drydock_linter::fix::{fix_dockerfile, uses_crlf};
use drydock_linter::{DockerfileInput, Settings, registry};
use drydock_tests::{corpus_dir, drydock_bin};
use drydock_text::SourceText;

const FIX: &[&str] = &[
    "check",
    "--fix",
    "--unsafe-fixes",
    "--select",
    "ALL",
    "--no-fail",
    "--quiet",
    "--format",
    "json",
];

/// Corpus files to fix, relative to the corpus root: (path, is a Dockerfile).
fn corpus_list(corpus: &Path) -> Vec<(String, bool)> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap_or_default();
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let path = cols.next()?;
            match cols.next()? {
                "dockerfile" => Some((path.to_owned(), true)),
                "compose" => Some((path.to_owned(), false)),
                _ => None,
            }
        })
        .collect()
}

/// Copies the corpus's `dockerfiles/` and `compose/` into `to` (writable), returns the bytes of
/// every file copied by relative path.
fn copy_corpus(corpus: &Path, to: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for top in ["dockerfiles", "compose"] {
        let mut stack = vec![corpus.join(top)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)
                .expect("read corpus folder")
                .flatten()
            {
                let path = entry.path();
                let rel = path
                    .strip_prefix(corpus)
                    .expect("inside the corpus")
                    .to_string_lossy()
                    .into_owned();
                if path.is_dir() {
                    std::fs::create_dir_all(to.join(&rel)).expect("mkdir");
                    stack.push(path);
                } else {
                    let bytes = std::fs::read(&path).expect("read corpus file");
                    let dest = to.join(&rel);
                    std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
                    std::fs::write(&dest, &bytes).expect("write copy");
                    files.insert(rel, bytes);
                }
            }
        }
    }
    files
}

fn snapshot(root: &Path, files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    files
        .keys()
        .map(|rel| {
            (
                rel.clone(),
                std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")),
            )
        })
        .collect()
}

fn fix_command(dir: &Path, list: &[(String, bool)]) -> Command {
    let mut cmd = Command::new(drydock_bin());
    cmd.args(FIX)
        .args(list.iter().map(|(p, _)| p))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env_remove("HADOLINT_IGNORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_fix(dir: &Path, list: &[(String, bool)]) {
    let out = fix_command(dir, list).output().expect("run drydock");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn bare_lf(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
        .count()
}

fn crlf(bytes: &[u8]) -> usize {
    bytes.windows(2).filter(|w| w == b"\r\n").count()
}

fn yaml_problems(path: &Path, root: &Path) -> usize {
    let options = LoadOptions {
        files: vec![path.to_owned()],
        root: Some(root.to_owned()),
        ..LoadOptions::default()
    };
    project::load(&options, &RealFs)
        .problems
        .iter()
        .filter(|p| {
            matches!(p, Problem::Yaml { .. }) && {
                let Problem::Yaml { origin, .. } = p else {
                    return false;
                };
                origin.file == 0
            }
        })
        .count()
}

#[test]
fn fix_over_the_corpus_loses_nothing_and_is_idempotent() {
    let Some(corpus) = corpus_dir() else {
        eprintln!(
            "SKIPPED: the shared corpus is not present (set DRYDOCK_CORPUS); nothing was checked"
        );
        return;
    };
    let list = corpus_list(&corpus);
    let work = tempfile::tempdir().expect("tempdir");
    let original = copy_corpus(&corpus, work.path());
    run_fix(work.path(), &list);
    let fixed = snapshot(work.path(), &original);

    let all: Vec<_> = registry::ids().collect();
    let settings = Settings::only(&all);
    let kinds: BTreeMap<&str, bool> = list.iter().map(|(p, d)| (p.as_str(), *d)).collect();
    let mut problems = Vec::new();
    let (mut changed_docker, mut changed_compose) = (0, 0);
    for (rel, before) in &original {
        let after = &fixed[rel];
        if after == before {
            continue;
        }
        let Some(&is_dockerfile) = kinds.get(rel.as_str()) else {
            problems.push(format!(
                "{rel}: changed, but it is neither a Dockerfile nor a compose file"
            ));
            continue;
        };
        if before.starts_with(b"\xef\xbb\xbf") != after.starts_with(b"\xef\xbb\xbf") {
            problems.push(format!("{rel}: the byte order mark was not kept"));
        }
        if uses_crlf(before) && bare_lf(after) > bare_lf(before) {
            problems.push(format!("{rel}: CRLF file got bare LF line ends"));
        }
        if !before.contains(&b'\r') && crlf(after) > 0 {
            problems.push(format!("{rel}: LF file got CRLF line ends"));
        }
        let abs = work.path().join(rel);
        if is_dockerfile {
            changed_docker += 1;
            let errors = |b: &[u8]| parse(SourceText::from_bytes(b.to_vec())).errors().len();
            if errors(after) > errors(before) {
                problems.push(format!("{rel}: fixing added syntax errors"));
            }
            let input = DockerfileInput {
                path: Some(&abs),
                target_stage: None,
                context: None,
            };
            let expected = fix_dockerfile(before.clone(), input, &settings, true).output;
            if *after != expected {
                problems.push(format!(
                    "{rel}: the file on disk differs from what the fixer makes of it"
                ));
            }
        } else {
            changed_compose += 1;
            // The fixed file against a copy of the original beside it.
            let orig_copy = abs.with_extension("orig.yaml");
            std::fs::write(&orig_copy, before).expect("write");
            let (b, a) = (
                yaml_problems(&orig_copy, work.path()),
                yaml_problems(&abs, work.path()),
            );
            std::fs::remove_file(&orig_copy).expect("remove");
            if a > b {
                problems.push(format!("{rel}: fixing added YAML problems ({b} -> {a})"));
            }
        }
    }
    // Nothing else was written: no temporary files left, no new files.
    let mut stack = vec![work.path().to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("ls").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(work.path())
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                if !original.contains_key(&rel) {
                    problems.push(format!("{rel}: a file drydock left behind"));
                }
            }
        }
    }
    // A second run changes nothing.
    run_fix(work.path(), &list);
    let again = snapshot(work.path(), &original);
    for (rel, bytes) in &again {
        if *bytes != fixed[rel] {
            problems.push(format!("{rel}: a second --fix changed it again"));
        }
    }
    eprintln!(
        "corpus --fix: {} files, {changed_docker} Dockerfiles and {changed_compose} compose files fixed, {} problems",
        list.len(),
        problems.len()
    );
    assert!(
        changed_docker > 100 && changed_compose > 100,
        "too few fixes to mean anything"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn killed_mid_run_every_file_is_old_or_new_never_partial() {
    let Some(corpus) = corpus_dir() else {
        eprintln!(
            "SKIPPED: the shared corpus is not present (set DRYDOCK_CORPUS); nothing was checked"
        );
        return;
    };
    let list = corpus_list(&corpus);
    // What a complete run makes of every file.
    let complete = tempfile::tempdir().expect("tempdir");
    let original = copy_corpus(&corpus, complete.path());
    run_fix(complete.path(), &list);
    let fixed = snapshot(complete.path(), &original);
    let changed = original.iter().filter(|(k, v)| fixed[*k] != **v).count();
    let mut kills = 0;
    for delay_ms in [150, 400, 900, 1600, 2800, 4500, 7000] {
        let work = tempfile::tempdir().expect("tempdir");
        copy_corpus(&corpus, work.path());
        let mut child = fix_command(work.path(), &list)
            .spawn()
            .expect("run drydock");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().expect("wait").is_some();
        let _ = child.kill();
        let _ = child.wait();
        if !finished {
            kills += 1;
        }
        let mut partial = Vec::new();
        let (mut old, mut new) = (0, 0);
        for (rel, before) in &original {
            let now = std::fs::read(work.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
            if now == *before {
                old += 1;
            } else if now == fixed[rel] {
                new += 1;
            } else {
                partial.push(rel.clone());
            }
        }
        eprintln!(
            "killed after {delay_ms} ms{}: {old} files as they were, {new} fixed, {} partial ({changed} fixed by a complete run)",
            if finished { " (had finished)" } else { "" },
            partial.len()
        );
        assert!(
            partial.is_empty(),
            "files neither old nor new after a kill at {delay_ms} ms: {partial:?}"
        );
    }
    assert!(kills > 0, "drydock always finished before being killed");
}
