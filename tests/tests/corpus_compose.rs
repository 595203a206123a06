//! Sweeps the shared corpus's compose files (`../shared/corpus`, read-only; skipped loudly when
//! absent): every file loads and lints with every rule on without panicking, keeps its bytes,
//! reports ranges inside the file on character boundaries, and `--fix` (unsafe fixes included)
//! never adds a YAML or schema problem and reaches a fixed point. The folder trees of projects
//! using `include` and `extends` are loaded as Compose would load them.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use drydock_compose::project::{self, LoadOptions, Project, RealFs};
use drydock_linter::compose::{ComposeInput, FileDiagnostic, lint_project};
use drydock_linter::fix::{OverlayFs, fix_compose};
use drydock_linter::registry;
use drydock_linter::settings::Settings;
use drydock_tests::{corpus_dir, corpus_files};
use drydock_text::TextRange;

fn check_range(range: TextRange, text: &str, what: &str, path: &Path) -> Result<(), String> {
    let (s, e) = (usize::from(range.start()), usize::from(range.end()));
    if s > e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
        return Err(format!(
            "{}: {what} range {range:?} is not inside the file on character boundaries",
            path.display()
        ));
    }
    Ok(())
}

fn check_project(project: &Project, found: &[FileDiagnostic]) -> Result<(), String> {
    for file in &project.files {
        let bytes = std::fs::read(&file.path).unwrap_or_default();
        if file.source.to_bytes() != bytes {
            return Err(format!(
                "{}: the text does not keep the file's bytes",
                file.path.display()
            ));
        }
    }
    for d in found {
        let file = project.file(d.file);
        let text = file.source.text();
        check_range(d.diagnostic.range, text, d.diagnostic.code, &file.path)?;
        for label in d.diagnostic.labels.iter().filter(|l| l.file.is_none()) {
            check_range(label.range, text, "label", &file.path)?;
        }
        for edit in d.diagnostic.fix.iter().flat_map(|f| &f.edits) {
            check_range(edit.range, text, "fix edit", &file.path)?;
        }
    }
    Ok(())
}

/// `.env` files that sat next to each compose file (the corpus flattens folders).
fn env_pairs(corpus: &Path) -> HashMap<PathBuf, Vec<PathBuf>> {
    let text = std::fs::read_to_string(corpus.join("ENV_PAIRS.tsv")).unwrap_or_default();
    let mut out: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for line in text.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(compose), Some(env)) = (cols.next(), cols.next()) else {
            continue;
        };
        // Compose reads `.env` itself; `.env.example` and friends are only templates.
        if env.ends_with("__.env") || env.ends_with("/.env") {
            out.entry(corpus.join(compose))
                .or_default()
                .push(corpus.join(env));
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    projects: usize,
    findings: BTreeMap<&'static str, usize>,
    files_with: BTreeMap<&'static str, usize>,
    fixes: usize,
    problems: Vec<String>,
}

impl Tally {
    fn lint(&mut self, options: &LoadOptions, settings: &Settings, label: &str) {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let project = project::load(options, &RealFs);
            let input = ComposeInput {
                fs: &RealFs,
                focus: None,
            };
            let found = lint_project(&project, &input, settings);
            check_project(&project, &found)?;
            // Fixes: never more problems than before, and a fixed point is reached.
            let fixed = fix_compose(options, &RealFs, None, settings, true);
            let overlay = OverlayFs {
                base: &RealFs,
                files: fixed
                    .changed
                    .iter()
                    .map(|(p, _, new)| (p.clone(), new.clone()))
                    .collect(),
            };
            let after = project::load(options, &overlay);
            let broken = |p: &Project, fs: &dyn project::FileSystem| {
                let input = ComposeInput { fs, focus: None };
                lint_project(p, &input, settings)
                    .iter()
                    .filter(|d| matches!(d.diagnostic.code, "CMP101" | "CMP102"))
                    .count()
            };
            let (before_n, after_n) = (broken(&project, &RealFs), broken(&after, &overlay));
            if after_n > before_n {
                return Err(format!(
                    "{label}: fixes added YAML/schema problems ({before_n} -> {after_n})"
                ));
            }
            if fixed.rejected {
                return Err(format!(
                    "{label}: a round of fixes made the project worse and was thrown away"
                ));
            }
            if !fixed.converged {
                return Err(format!("{label}: fixes did not reach a fixed point"));
            }
            Ok((found, fixed.applied))
        }));
        self.projects += 1;
        match outcome {
            Ok(Ok((found, applied))) => {
                self.fixes += applied;
                let mut codes: Vec<&'static str> = Vec::new();
                for d in &found {
                    *self.findings.entry(d.diagnostic.code).or_default() += 1;
                    codes.push(d.diagnostic.code);
                }
                codes.sort_unstable();
                codes.dedup();
                for code in codes {
                    *self.files_with.entry(code).or_default() += 1;
                }
            }
            Ok(Err(problem)) => self.problems.push(problem),
            Err(_) => self.problems.push(format!("{label}: panicked")),
        }
    }
}

#[test]
fn corpus_compose_files_load_lint_and_fix_without_problems() {
    let files = corpus_files("compose");
    let Some(corpus) = corpus_dir().filter(|_| !files.is_empty()) else {
        eprintln!(
            "SKIPPED: the shared corpus is not present (set DRYDOCK_CORPUS); nothing was checked"
        );
        return;
    };
    let all: Vec<_> = registry::ids().collect();
    let settings = Settings::only(&all);
    let pairs = env_pairs(&corpus);
    let started = Instant::now();
    let mut tally = Tally::default();
    for path in &files {
        let options = LoadOptions {
            files: vec![path.clone()],
            project_dir: path.parent().map(Path::to_owned),
            env_files: pairs.get(path).cloned().unwrap_or_default(),
            process_env: None,
            profiles: Vec::new(),
            root: Some(corpus.clone()),
        };
        tally.lint(&options, &settings, &path.display().to_string());
    }
    let single = tally.projects;

    // Folder trees with `include` and `extends`: each compose file with its project files.
    let trees = corpus.join("edge/trees");
    let mut tree_files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![trees.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                (n.starts_with("compose") || n.starts_with("docker-compose"))
                    && (n.ends_with(".yml") || n.ends_with(".yaml"))
            }) {
                tree_files.push(path);
            }
        }
    }
    tree_files.sort();
    let mut seen = Vec::new();
    for path in &tree_files {
        let (files, _) = project::project_files(path, &RealFs);
        if seen.contains(&files) {
            continue;
        }
        seen.push(files.clone());
        let options = LoadOptions {
            files,
            project_dir: None,
            env_files: Vec::new(),
            process_env: None,
            profiles: Vec::new(),
            root: Some(trees.clone()),
        };
        tally.lint(&options, &settings, &path.display().to_string());
    }
    let unresolved = ["CMP111", "CMP112"]
        .iter()
        .map(|c| tally.findings.get(c).copied().unwrap_or(0))
        .sum::<usize>();
    eprintln!(
        "compose corpus sweep: {single} files as single-file projects, {} tree projects, {} fixes applied, {} problems, {:.2?}",
        tally.projects - single,
        tally.fixes,
        tally.problems.len(),
        started.elapsed()
    );
    eprintln!("findings by code (findings / projects): ");
    for (code, n) in &tally.findings {
        eprintln!("  {code}: {n} / {}", tally.files_with[code]);
    }
    eprintln!("unresolved include/extends in trees and files: {unresolved}");
    assert!(tally.problems.is_empty(), "{}", tally.problems.join("\n"));
    assert!(
        tally.projects > 1000,
        "only {} projects linted",
        tally.projects
    );
}
