//! Shared helpers for drydock's end-to-end tests.

pub mod adversarial;
pub mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// The shared corpus (`../shared/corpus` next to the repository, or `$DRYDOCK_CORPUS`), if
/// present.
#[must_use]
pub fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DRYDOCK_CORPUS") {
        let dir = PathBuf::from(dir);
        return dir.join("MANIFEST.tsv").is_file().then_some(dir);
    }
    let candidates = [
        repo_root().join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ];
    candidates
        .into_iter()
        .find(|d| d.join("MANIFEST.tsv").is_file())
}

/// Corpus files of one kind (`dockerfile`, `compose`, `env`), from `MANIFEST.tsv`.
#[must_use]
pub fn corpus_files(kind: &str) -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let path = cols.next()?;
            (cols.next()? == kind).then(|| dir.join(path))
        })
        .collect()
}

/// [`corpus_files`] for a test that needs them: `None`, after saying on standard error that
/// the test checked nothing, when the shared corpus is not present.
#[must_use]
pub fn corpus_files_or_skip(kind: &str) -> Option<Vec<PathBuf>> {
    let files = corpus_files(kind);
    if files.is_empty() {
        eprintln!(
            "SKIPPED: the shared corpus is not present (set DRYDOCK_CORPUS); nothing was checked"
        );
        return None;
    }
    Some(files)
}

/// The `drydock` binary, built on first use with the same profile as the tests.
///
/// # Panics
/// When the binary cannot be built.
#[must_use]
pub fn drydock_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("DRYDOCK_BIN") {
            return PathBuf::from(bin);
        }
        // target/<profile>/deps/<test> -> target/<profile>/drydock
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile folder")
            .to_owned();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--quiet", "--bin", "drydock", "-p", "drydock"])
            .current_dir(repo_root());
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "cargo build --bin drydock failed");
        profile_dir.join(format!("drydock{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Runs `drydock` with `args` in `dir`, without standard input, with colours off and `HOME`
/// in `dir` (so no user configuration is read).
#[must_use]
pub fn run_drydock(dir: &Path, args: &[&str]) -> Output {
    run_drydock_with(dir, args, None, &[])
}

/// Runs the `drydock` binary in `dir` like [`run_drydock`], with `stdin` as its standard input
/// and extra environment variables.
///
/// # Panics
/// When the binary cannot be started.
#[must_use]
pub fn run_drydock_with(
    dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(drydock_bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("HADOLINT_IGNORE")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run drydock");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait for drydock")
}
