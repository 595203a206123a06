//! Measures per-rule agreement between drydock and hadolint on a set of Dockerfiles.
//!
//! ```text
//! compare-hadolint --hadolint HADOLINT.json --files LIST [--root DIR] [--hadolint-failed LIST]
//!                  [--details CODE]... [--shellcheck BIN [--hadolint-quirks]
//!                  [--one-per-run] [--shell-reset]]
//! ```
//!
//! - `HADOLINT.json`: hadolint's `-f json` output for the files (one array, or several arrays one
//!   after another, as batched runs print them).
//! - `LIST`: the Dockerfiles, one path per line, spelled exactly as they were passed to hadolint
//!   (its `file` field is matched against them). No directory is walked.
//! - `--hadolint-failed LIST`: files hadolint crashed on (no output at all); left out and listed.
//! - `--root DIR`: paths are shown relative to it.
//! - `--details CODE`: prints every differing (file, line) for that code with the source line
//!   (`--details SC` for every ShellCheck code).
//! - `--shellcheck BIN`: also runs ShellCheck (this binary, 0.11 as in hadolint 2.15.1) and
//!   compares the SC codes, per code, on (file, code, first line of the `RUN`).
//! - `--hadolint-quirks`: with `--shellcheck`, reproduce two hadolint 2.15.1 bugs, to tell them
//!   apart from real differences (`--one-per-run` and `--shell-reset` reproduce one each):
//!   - only one ShellCheck finding is kept per `RUN`: hadolint's `CheckFailure` orders by line
//!     only, so the set it collects them in keeps the last one in ShellCheck's order (position,
//!     then severity from error to style, then code);
//!   - an `ARG` or `ENV` resets the shell to `/bin/sh` (so PowerShell after an `ENV` is checked
//!     as sh), and `ONBUILD RUN` sees only the proxy variables.
//!
//! Each file is linted in-process with hadolint-mode settings (only default-on DL rules). A
//! drydock finding counts on the first line of the top-level instruction containing its start,
//! because hadolint reports every finding there; a finding outside any instruction keeps its own
//! line. SC codes are ignored unless `--shellcheck` is given. Files hadolint cannot parse
//! (DL1000) are left out of the per-rule comparison and listed separately.
//!
//! `scripts/compare-hadolint` installs hadolint, runs it on the corpus and then runs this.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use drydock_linter::config::Configuration;
use drydock_linter::{DockerfileInput, Settings, lint_dockerfile, registry};
use drydock_text::{SourceText, TextSize};

const USAGE: &str = "usage: compare-hadolint --hadolint HADOLINT.json --files LIST [--root DIR] \
                     [--hadolint-failed LIST] [--details CODE]... [--shellcheck BIN \
                     [--hadolint-quirks] [--one-per-run] [--shell-reset]]";

/// The parse-error code, compared per file rather than per line.
const PARSE_ERROR: &str = "DL1000";

struct Args {
    hadolint: PathBuf,
    files: PathBuf,
    failed: Option<PathBuf>,
    root: Option<PathBuf>,
    details: Vec<String>,
    shellcheck: Option<PathBuf>,
    one_per_run: bool,
    shell_reset: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut hadolint = None;
    let mut files = None;
    let mut failed = None;
    let mut root = None;
    let mut details = Vec::new();
    let mut shellcheck = None;
    let mut one_per_run = false;
    let mut shell_reset = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        match arg.as_str() {
            "--hadolint-quirks" => {
                one_per_run = true;
                shell_reset = true;
                continue;
            }
            "--one-per-run" => {
                one_per_run = true;
                continue;
            }
            "--shell-reset" => {
                shell_reset = true;
                continue;
            }
            _ => {}
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.into())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--hadolint" => hadolint = Some(PathBuf::from(value()?)),
            "--files" => files = Some(PathBuf::from(value()?)),
            "--hadolint-failed" => failed = Some(PathBuf::from(value()?)),
            "--root" => root = Some(PathBuf::from(value()?)),
            "--details" => details.push(value()?.to_string_lossy().to_ascii_uppercase()),
            "--shellcheck" => shellcheck = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument `{arg}`\n{USAGE}")),
        }
    }
    Ok(Args {
        hadolint: hadolint.ok_or_else(|| format!("--hadolint is required\n{USAGE}"))?,
        files: files.ok_or_else(|| format!("--files is required\n{USAGE}"))?,
        failed,
        root,
        details,
        shellcheck,
        one_per_run,
        shell_reset,
    })
}

/// Paths, one per line (a trailing `\r` is dropped; empty lines are skipped).
fn read_list(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut seen = BTreeSet::new();
    Ok(text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .filter(|l| seen.insert((*l).to_owned()))
        .map(str::to_owned)
        .collect())
}

/// One finding: rule code, 1-based line, message.
#[derive(Clone, Debug)]
struct Finding {
    code: String,
    line: usize,
    message: String,
}

/// hadolint's findings by file name. Accepts one array or several concatenated arrays.
fn read_hadolint(path: &Path) -> Result<BTreeMap<String, Vec<Finding>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut by_file: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    for (n, value) in stream.enumerate() {
        let value = value.map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let items = value
            .as_array()
            .ok_or_else(|| format!("{}: value {n} is not an array", path.display()))?;
        for item in items {
            let field = |key: &str| item.get(key).and_then(serde_json::Value::as_str);
            let (Some(code), Some(file), Some(line)) = (
                field("code"),
                field("file"),
                item.get("line").and_then(serde_json::Value::as_u64),
            ) else {
                return Err(format!(
                    "{}: an item lacks code, file or line: {item}",
                    path.display()
                ));
            };
            by_file.entry(file.to_owned()).or_default().push(Finding {
                code: code.to_owned(),
                line: usize::try_from(line).unwrap_or(usize::MAX),
                message: field("message").unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(by_file)
}

/// What drydock found in one file: DL findings mapped to hadolint's lines, and parse errors.
struct DrydockResult {
    findings: Vec<Finding>,
    parse_errors: Vec<Finding>,
}

/// Start offsets of the lines, counting only `\n` as hadolint does (a lone `\r` is not a break).
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// 1-based line of `offset`.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset)
}

fn lint_with_drydock(
    path: &Path,
    bytes: Vec<u8>,
    settings: &Settings,
    one_per_run: bool,
) -> DrydockResult {
    let lint = lint_dockerfile(
        SourceText::from_bytes(bytes),
        DockerfileInput {
            path: Some(path),
            target_stage: None,
            context: None,
        },
        settings,
    );
    let starts = line_starts(lint.model.text());
    let instructions: Vec<_> = lint.model.instructions().map(|(_, i)| i.range).collect();
    let mut findings = Vec::new();
    let mut parse_errors = Vec::new();
    // With the quirks: per RUN line, the ShellCheck finding hadolint keeps (the greatest by
    // position, severity, code, message) and its index in `findings`.
    let mut last_sc: BTreeMap<usize, (TextSize, drydock_linter::Severity, &str, &str, usize)> =
        BTreeMap::new();
    let mut dropped: BTreeSet<usize> = BTreeSet::new();
    for d in &lint.diagnostics {
        if !d.code.starts_with("DL") && !registry::is_shellcheck_code(d.code) {
            continue;
        }
        let start: TextSize = d.range.start();
        let own = line_of(&starts, usize::from(start));
        let finding = Finding {
            code: d.code.to_owned(),
            line: own,
            message: d.message.clone(),
        };
        if d.code == PARSE_ERROR {
            parse_errors.push(finding);
            continue;
        }
        // Instructions are in file order; find the one whose range contains the start.
        let at = instructions.partition_point(|r| r.start() <= start);
        let line = at
            .checked_sub(1)
            .map(|i| instructions[i])
            .filter(|r| r.contains_inclusive(start))
            .map_or(own, |r| line_of(&starts, usize::from(r.start())));
        findings.push(Finding { line, ..finding });
        if one_per_run && registry::is_shellcheck_code(d.code) {
            let here = (
                start,
                d.severity,
                d.code,
                d.message.as_str(),
                findings.len() - 1,
            );
            match last_sc.get(&line) {
                Some(kept)
                    if (kept.0, kept.1, kept.2, kept.3) >= (here.0, here.1, here.2, here.3) =>
                {
                    dropped.insert(here.4);
                }
                Some(kept) => {
                    dropped.insert(kept.4);
                    last_sc.insert(line, here);
                }
                None => {
                    last_sc.insert(line, here);
                }
            }
        }
        if line != own {
            // Keep where drydock itself points, for --details.
            let last = findings.last_mut().expect("just pushed");
            last.message = format!("{} [drydock points at line {own}]", last.message);
        }
    }
    let findings = findings
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, f)| f)
        .collect();
    DrydockResult {
        findings,
        parse_errors,
    }
}

/// What linting one listed file gave.
enum Linted {
    Done(DrydockResult),
    Crashed,
    Unreadable(String),
    Panicked,
}

/// Lints the files on every CPU, in list order.
fn lint_all(
    files: &[String],
    crashed: &BTreeSet<String>,
    settings: &Settings,
    one_per_run: bool,
) -> Vec<Linted> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Linted>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else {
                        break;
                    };
                    let linted = if crashed.contains(file) {
                        Linted::Crashed
                    } else {
                        match std::fs::read(file) {
                            Err(e) => Linted::Unreadable(e.to_string()),
                            Ok(bytes) => catch_unwind(AssertUnwindSafe(|| {
                                lint_with_drydock(Path::new(file), bytes, settings, one_per_run)
                            }))
                            .map_or(Linted::Panicked, Linted::Done),
                        }
                    };
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(linted);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| r.unwrap_or(Linted::Panicked))
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    both: usize,
    hadolint_only: usize,
    drydock_only: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.both += other.both;
        self.hadolint_only += other.hadolint_only;
        self.drydock_only += other.drydock_only;
    }

    fn agreement(self) -> String {
        let total = self.both + self.hadolint_only + self.drydock_only;
        if total == 0 {
            "—".to_owned()
        } else {
            #[allow(clippy::cast_precision_loss)]
            let pct = 100.0 * self.both as f64 / total as f64;
            format!("{pct:.1}")
        }
    }

    fn row(self, label: &str) -> String {
        format!(
            "| {label} | {} | {} | {} | {} |",
            self.both,
            self.hadolint_only,
            self.drydock_only,
            self.agreement()
        )
    }
}

/// A difference, for `--details`.
struct Difference {
    file: String,
    line: usize,
    hadolint_only: bool,
    message: String,
}

/// Shows `path` relative to `root` when it is inside it.
fn display(path: &str, root: Option<&Path>) -> String {
    root.and_then(|r| Path::new(path).strip_prefix(r).ok())
        .map_or_else(|| path.to_owned(), |p| p.display().to_string())
}

/// The text of 1-based `line` of a file, shortened for display.
fn source_line(path: &str, line: usize) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return "<unreadable>".to_owned();
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some(raw) = text.split('\n').nth(line.saturating_sub(1)) else {
        return "<past the end of the file>".to_owned();
    };
    let raw = raw.strip_suffix('\r').unwrap_or(raw).trim_end();
    let mut shown: String = raw.chars().take(160).collect();
    if shown.len() < raw.len() {
        shown.push('…');
    }
    shown
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare-hadolint: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let files = read_list(&args.files)?;
    if files.is_empty() {
        return Err(format!("{}: no files listed", args.files.display()));
    }
    let hadolint = read_hadolint(&args.hadolint)?;
    let crashed: BTreeSet<String> = match &args.failed {
        Some(list) => read_list(list)?.into_iter().collect(),
        None => BTreeSet::new(),
    };
    let root = args.root.as_deref();
    let mut settings = Configuration {
        hadolint_mode: true,
        ..Default::default()
    }
    .to_settings()?;
    let with_shellcheck = args.shellcheck.is_some();
    if let Some(binary) = &args.shellcheck {
        settings.shellcheck.enabled = true;
        settings.shellcheck.path = Some(std::path::absolute(binary).map_err(|e| e.to_string())?);
        settings.shellcheck.hadolint_2_15_quirks = args.shell_reset;
    }
    // The codes compared: DL always, SC with --shellcheck.
    let compared_code = |code: &str| {
        code.starts_with("DL") || (with_shellcheck && registry::is_shellcheck_code(code))
    };
    let drydock_codes: BTreeSet<&str> = registry::ids()
        .filter(|&id| settings.is_enabled(id))
        .map(|id| id.meta().code)
        .filter(|c| c.starts_with("DL") && *c != PARSE_ERROR)
        .collect();

    let listed: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let unknown: Vec<&String> = hadolint
        .keys()
        .filter(|f| !listed.contains(f.as_str()))
        .collect();
    if !unknown.is_empty() {
        eprintln!(
            "compare-hadolint: warning: hadolint's output names {} file(s) not in the list (paths must be spelled the same), e.g. {}",
            unknown.len(),
            unknown[0]
        );
    }

    let mut counts: BTreeMap<String, Counts> = drydock_codes
        .iter()
        .map(|c| ((*c).to_owned(), Counts::default()))
        .collect();
    let mut differences: Vec<(String, Difference)> = Vec::new();
    // (file, hadolint's first parse error, drydock's first parse error)
    let mut rejected: Vec<(String, Finding, Option<Finding>)> = Vec::new();
    let mut drydock_only_parse: Vec<(String, Finding)> = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();
    let mut panicked: Vec<String> = Vec::new();
    let mut crashed_listed: Vec<String> = Vec::new();
    let mut compared = 0usize;
    let no_findings = Vec::new();

    // Lint every file first, in parallel (ShellCheck makes a file cost a process).
    let results = lint_all(&files, &crashed, &settings, args.one_per_run);
    for notice in drydock_linter::shellcheck::take_notices() {
        eprintln!("compare-hadolint: warning: {notice}");
    }
    for (file, result) in files.iter().zip(results) {
        let ours = match result {
            Linted::Crashed => {
                crashed_listed.push(file.clone());
                continue;
            }
            Linted::Unreadable(e) => {
                unreadable.push((file.clone(), e));
                continue;
            }
            Linted::Panicked => {
                panicked.push(file.clone());
                continue;
            }
            Linted::Done(ours) => ours,
        };
        let theirs = hadolint.get(file).unwrap_or(&no_findings);
        if let Some(error) = theirs.iter().find(|f| f.code == PARSE_ERROR) {
            rejected.push((
                file.clone(),
                error.clone(),
                ours.parse_errors.first().cloned(),
            ));
            continue;
        }
        if let Some(error) = ours.parse_errors.first() {
            drydock_only_parse.push((file.clone(), error.clone()));
        }
        compared += 1;

        let key = |f: &Finding| (f.code.clone(), f.line);
        let mut h: BTreeMap<(String, usize), &Finding> = BTreeMap::new();
        for f in theirs.iter().filter(|f| compared_code(&f.code)) {
            h.entry(key(f)).or_insert(f);
        }
        let mut d: BTreeMap<(String, usize), &Finding> = BTreeMap::new();
        for f in ours.findings.iter().filter(|f| compared_code(&f.code)) {
            d.entry(key(f)).or_insert(f);
        }
        for (k, f) in &h {
            let c = counts.entry(k.0.clone()).or_default();
            if d.contains_key(k) {
                c.both += 1;
            } else {
                c.hadolint_only += 1;
                differences.push((
                    k.0.clone(),
                    Difference {
                        file: file.clone(),
                        line: k.1,
                        hadolint_only: true,
                        message: f.message.clone(),
                    },
                ));
            }
        }
        for (k, f) in &d {
            if !h.contains_key(k) {
                counts.entry(k.0.clone()).or_default().drydock_only += 1;
                differences.push((
                    k.0.clone(),
                    Difference {
                        file: file.clone(),
                        line: k.1,
                        hadolint_only: false,
                        message: f.message.clone(),
                    },
                ));
            }
        }
    }

    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "## drydock vs hadolint, per DL rule\n");
    let _ = writeln!(
        w,
        "| code | both | hadolint only | drydock only | agreement % |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|");
    let mut total = Counts::default();
    let mut implemented = Counts::default();
    for (code, c) in counts.iter().filter(|(code, _)| !code.starts_with("SC")) {
        let _ = writeln!(w, "{}", c.row(code));
        total.add(*c);
        if drydock_codes.contains(code.as_str()) {
            implemented.add(*c);
        }
    }
    let _ = writeln!(w, "{}", total.row("**total**"));
    let _ = writeln!(
        w,
        "{}",
        implemented.row("**total, rules drydock implements**")
    );
    let missing: Vec<&str> = counts
        .keys()
        .map(String::as_str)
        .filter(|c| !drydock_codes.contains(c) && !c.starts_with("SC"))
        .collect();
    let _ = writeln!(
        w,
        "\ndrydock runs {} DL rules in hadolint mode (DL1000 aside); a registered rule may still be a stub.",
        drydock_codes.len()
    );
    if !missing.is_empty() {
        let _ = writeln!(
            w,
            "Codes hadolint reported that drydock does not have ({}): {}.",
            missing.len(),
            missing.join(", ")
        );
    }
    if with_shellcheck {
        let _ = writeln!(
            w,
            "\n## drydock vs hadolint, per ShellCheck code{}\n",
            match (args.one_per_run, args.shell_reset) {
                (true, true) =>
                    " (hadolint 2.15.1's one finding per RUN and shell reset reproduced)",
                (true, false) => " (hadolint 2.15.1's one finding per RUN reproduced)",
                (false, true) => " (hadolint 2.15.1's shell reset reproduced)",
                (false, false) => "",
            }
        );
        let _ = writeln!(
            w,
            "A finding is (file, code, first line of the RUN).\n\n| code | both | hadolint only | drydock only | agreement % |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|");
        let mut sc_total = Counts::default();
        for (code, c) in counts.iter().filter(|(code, _)| code.starts_with("SC")) {
            let _ = writeln!(w, "{}", c.row(code));
            sc_total.add(*c);
        }
        let _ = writeln!(w, "{}", sc_total.row("**total SC**"));
    }
    let _ = writeln!(
        w,
        "\nFiles: {} given, {compared} compared, {} rejected by hadolint (DL1000), {} hadolint crashed on, {} drydock panicked on, {} unreadable.",
        files.len(),
        rejected.len(),
        crashed_listed.len(),
        panicked.len(),
        unreadable.len()
    );

    if !rejected.is_empty() {
        let agree = rejected.iter().filter(|r| r.2.is_some()).count();
        let _ = writeln!(
            w,
            "\n### Files hadolint could not parse ({}; drydock also reports DL1000 in {agree})\n",
            rejected.len()
        );
        for (file, theirs, ours) in &rejected {
            let ours = ours.as_ref().map_or_else(
                || "drydock: parses".to_owned(),
                |f| format!("drydock: line {}: {}", f.line, first_line(&f.message)),
            );
            let _ = writeln!(
                w,
                "- {}:{}: hadolint: {} — {ours}",
                display(file, root),
                theirs.line,
                first_line(&theirs.message)
            );
        }
    }
    if !drydock_only_parse.is_empty() {
        let _ = writeln!(
            w,
            "\n### Files only drydock reports DL1000 in ({}; still compared)\n",
            drydock_only_parse.len()
        );
        for (file, f) in &drydock_only_parse {
            let _ = writeln!(
                w,
                "- {}:{}: {}",
                display(file, root),
                f.line,
                first_line(&f.message)
            );
        }
    }
    for (title, list) in [
        ("Files hadolint crashed on (left out)", &crashed_listed),
        ("Files drydock panicked on (left out)", &panicked),
    ] {
        if !list.is_empty() {
            let _ = writeln!(w, "\n### {title} ({})\n", list.len());
            for file in list {
                let _ = writeln!(w, "- {}", display(file, root));
            }
        }
    }
    if !unreadable.is_empty() {
        let _ = writeln!(w, "\n### Unreadable files ({})\n", unreadable.len());
        for (file, e) in &unreadable {
            let _ = writeln!(w, "- {}: {e}", display(file, root));
        }
    }

    for code in &args.details {
        let _ = writeln!(w, "\n## Differences for {code}\n");
        // `SC` alone: every ShellCheck code.
        let matches = |c: &str| c == code || (code == "SC" && c.starts_with("SC"));
        for (hadolint_only, heading) in [(true, "hadolint only"), (false, "drydock only")] {
            let mut rows: Vec<(&String, &Difference)> = differences
                .iter()
                .filter(|(c, d)| matches(c) && d.hadolint_only == hadolint_only)
                .map(|(c, d)| (c, d))
                .collect();
            rows.sort_by(|(_, a), (_, b)| (&a.file, a.line).cmp(&(&b.file, b.line)));
            let _ = writeln!(w, "### {heading} ({})\n", rows.len());
            for (c, d) in rows {
                let who = if d.hadolint_only {
                    "hadolint"
                } else {
                    "drydock"
                };
                let _ = writeln!(
                    w,
                    "- {}:{}: `{}`\n  {who} {c}: {}",
                    display(&d.file, root),
                    d.line,
                    source_line(&d.file, d.line),
                    first_line(&d.message)
                );
            }
            let _ = writeln!(w);
        }
    }
    print!("{out}");
    Ok(())
}
