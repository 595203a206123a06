//! `drydock check`: find files, lint them in parallel, print, exit 0/1/2.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use drydock_compose::project::Within;
use drydock_linter::config::Configuration;
use drydock_linter::fix::fix_dockerfile;
use drydock_linter::settings::{Origin, Threshold};
use drydock_linter::{Diagnostic, DockerfileInput, Severity, lint_dockerfile, registry};
use drydock_text::{LineIndex, SourceText, TextRange};
use rayon::prelude::*;
use termcolor::{ColorChoice as TermColor, StandardStream};

use drydock_compose::project;

use super::compose;
use crate::args::{CheckArgs, ColorChoice, Format, Kind};
use crate::discover::{self, Candidate, FileKind};
use crate::output::{self, Counts, FileResult, Finding};
use crate::resolve::{ResolveError, Resolved, Resolver};
use crate::write::write_atomic;

/// Exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the threshold.
    Success = 0,
    /// Findings at or above the threshold.
    Failure = 1,
    /// Usage, configuration or I/O error.
    Error = 2,
}

/// Where a file's bytes come from.
pub(super) enum Input {
    File(PathBuf),
    Stdin(Vec<u8>),
}

struct Job {
    /// Path shown in output.
    display: PathBuf,
    /// Path used to find configuration and the folder (absolute when possible).
    lookup: PathBuf,
    kind: FileKind,
    input: Input,
}

/// One file of the run's output.
enum Item<'a> {
    /// A Dockerfile (or another file) to lint.
    Dockerfile(&'a Job),
    /// A compose file's merged findings, to render.
    Compose(compose::Raw),
}

/// What linting one file produced.
pub(super) struct Outcome {
    pub(super) result: FileResult,
    pub(super) fails: bool,
    pub(super) error: Option<String>,
    pub(super) stdout: Vec<u8>,
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

fn cli_layer(args: &CheckArgs) -> Result<Configuration, String> {
    let failure_threshold = match &args.failure_threshold {
        None => None,
        Some(t) => Some(Threshold::parse(t).ok_or_else(|| {
            format!(
                "--failure-threshold: `{t}` is not one of error, warning, info, style, ignore, none"
            )
        })?),
    };
    // hadolint gives a rule named at several levels the most serious one: apply the least
    // serious first so that the last one wins. These come after the configuration file's
    // overrides (`Configuration::merge` appends), so the command line wins over the file.
    let mut severity = Vec::new();
    for (codes, level) in [
        (&args.style, Severity::Style),
        (&args.info, Severity::Info),
        (&args.warning, Severity::Warning),
        (&args.error, Severity::Error),
    ] {
        severity.extend(codes.iter().map(|code| (code.clone(), level)));
    }
    let mut label_schema = BTreeMap::new();
    for item in &args.require_label {
        let (label, ty) = parse_label_requirement(item)?;
        label_schema.insert(label, ty);
    }
    Ok(Configuration {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        severity,
        failure_threshold,
        no_fail: args.no_fail.then_some(true),
        preview: args.preview.then_some(true),
        disable_ignore_pragma: args.disable_ignore_pragma.then_some(true),
        exclude: args.exclude.clone(),
        trusted_registries: args.trusted_registry.clone(),
        label_schema,
        strict_labels: args.strict_labels.then_some(true),
        shellcheck: args.shellcheck.then_some(true),
        ..Configuration::default()
    })
}

/// The label types of hadolint's label schema.
const LABEL_TYPES: [&str; 7] = ["text", "url", "semver", "hash", "rfc3339", "spdx", "email"];

/// `--require-label LABEL:TYPE` (`LABEL` alone means text, as in hadolint).
fn parse_label_requirement(item: &str) -> Result<(String, String), String> {
    let (label, ty) = match item.rsplit_once(':') {
        Some((label, ty)) => (label.trim(), ty.trim()),
        None => (item.trim(), "text"),
    };
    let ty = if ty.is_empty() { "text" } else { ty };
    if label.is_empty() {
        return Err(format!("--require-label: `{item}` names no label"));
    }
    if !LABEL_TYPES.contains(&ty) {
        return Err(format!(
            "--require-label: invalid label type `{ty}` in `{item}` (expected one of {})",
            LABEL_TYPES.join(", ")
        ));
    }
    Ok((label.to_owned(), ty.to_owned()))
}

/// Runs `drydock check`.
#[must_use]
pub fn run(args: &CheckArgs) -> ExitStatus {
    if args.version {
        println!("drydock {}", env!("CARGO_PKG_VERSION"));
        return ExitStatus::Success;
    }
    match run_inner(args) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("drydock: error: {message}");
            ExitStatus::Error
        }
    }
}

fn run_inner(args: &CheckArgs) -> Result<ExitStatus, String> {
    let started = start_time();
    let clock = Instant::now();
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let cli = cli_layer(args)?;
    let resolver = Resolver::new(cli, args.config.as_deref(), &cwd).map_err(|e| e.to_string())?;
    for warning in resolver.warnings() {
        eprintln!("drydock: warning: {warning}");
    }
    // Run-wide settings (output format, colour) come from the configuration that applies to
    // the working folder. A broken one is reported when a file uses it.
    let run_config = resolver.for_file(&cwd.join("Dockerfile")).ok();
    let outputs = plan_outputs(args, run_config.as_deref())?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .max(1);
    // This thread is one of the workers: one thread fewer to start, and a single file is
    // linted without handing it to another thread (the pre-commit case). rayon keeps a thread
    // that joined a pool registered, so a second run in the same process (a benchmark, an
    // embedder) gets a pool of its own threads instead.
    // Stacks: room for the recursive walks over nested YAML (bounded by the YAML layer's depth
    // limit); the calling thread has the main thread's stack (8 MiB on Linux).
    let builder = || {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(16 << 20)
    };
    let pool = builder()
        .use_current_thread()
        .build()
        .or_else(|_| builder().build())
        .map_err(|e| e.to_string())?;

    // `--no-color` wins; then an explicit `--color`; then the configuration's `no-color`.
    let config_no_color = run_config
        .as_deref()
        .and_then(|r| r.config.no_color)
        .unwrap_or(false);
    let color = !args.no_color
        && match args.color {
            ColorChoice::Auto => !config_no_color && use_color(ColorChoice::Auto),
            choice => use_color(choice),
        };
    let tty_to_stdout = outputs
        .iter()
        .any(|(f, d)| *f == Format::Tty && d.is_none());
    let ctx = output::Context {
        rules_url: args.rules_url.clone(),
        path_in_report: args.file_path_in_report.clone(),
        started,
        ..output::Context::default()
    };

    // Finding the files and their projects stats each one: on the pool too.
    let (jobs, candidates, mut had_error) =
        pool.install(|| collect_jobs(args, &resolver, threads, &cwd))?;
    let projects = pool.install(|| compose::group(candidates, args));
    if args.show_files || args.show_settings {
        let shared = compose::shared(args, &cwd);
        show(args, &jobs, &projects, &resolver, &shared)?;
        return Ok(if had_error {
            ExitStatus::Error
        } else {
            ExitStatus::Success
        });
    }
    if jobs.is_empty() && projects.is_empty() && !had_error {
        eprintln!("drydock: no Dockerfiles or compose files found");
        if args.verbose {
            print_settings(&resolver);
        }
        if !args.diff {
            // Machine readers still get a document.
            let ctx = output::Context {
                elapsed: clock.elapsed(),
                ..ctx
            };
            write_outputs(&outputs, &[], &ctx, color, false)?;
        }
        return Ok(ExitStatus::Success);
    }
    let fixing = args.fix || args.diff || args.add_ignore.is_some();
    // Findings are rendered once, in colour when a colourful standard output gets them; files
    // get them with the colours taken out.
    let render = outputs
        .iter()
        .any(|(f, _)| *f == Format::Tty)
        .then_some(color && tty_to_stdout);
    let mut shared = compose::shared(args, &cwd);
    // (Without Dockerfiles to lint, no project needs to say where its builds' contexts are.)
    shared.contexts = !jobs.is_empty();
    let progress = progress_bar(args, jobs.len() + projects.len());
    let tick = || {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    };
    // With the tty rendering as the only output, each file keeps its rendering and the tally
    // of its findings, not the findings (memory stays small on large runs).
    let slim = !args.statistics && outputs.iter().all(|(f, _)| *f == Format::Tty);
    // `--fix` on standard input prints the fixed buffer on standard output (an editor or a
    // pipe replaces the file with it), so the report goes to standard error.
    let stdin_fix = (args.fix || args.add_ignore.is_some())
        && !args.diff
        && args.paths.iter().any(|p| p.as_os_str() == "-");
    // When the terminal rendering on standard output is the only output, each file's is
    // written as soon as every file before it in path order is done, and then dropped: the
    // output starts at once, memory does not grow with the run, and writing overlaps linting.
    let stream = slim
        && progress.is_none()
        && !args.diff
        && !stdin_fix
        && matches!(outputs.as_slice(), [(Format::Tty, None)]);
    let keep = Keep {
        render,
        findings: !slim,
        held: !stream,
    };

    // Compose projects first: loading them also gives the build context of each Dockerfile a
    // service builds, which that Dockerfile is linted with (`.dockerignore`).
    // The Dockerfiles are put in path order meanwhile (a stable sort: standard input keeps its
    // place among equal paths), on whichever thread is free first.
    let mut jobs = jobs;
    let processed: Vec<Result<compose::Processed, ResolveError>> = pool.install(|| {
        rayon::join(
            || {
                projects
                    .par_iter()
                    .with_max_len(1)
                    .map(|job| {
                        let processed = compose::process(job, args, &shared, &resolver);
                        tick();
                        processed
                    })
                    .collect()
            },
            || jobs.sort_by(|a, b| a.display.cmp(&b.display)),
        )
        .0
    });
    let mut contexts = std::collections::HashMap::new();
    let mut compose_raws = Vec::with_capacity(
        processed
            .iter()
            .map(|p| p.as_ref().map_or(0, |p| p.raws.len()))
            .sum(),
    );
    for processed in processed {
        let processed = processed.map_err(|e| e.to_string())?;
        // A Dockerfile built with several contexts gets the first, in project and service
        // order.
        for (dockerfile, context) in processed.contexts {
            contexts.entry(dockerfile).or_insert(context);
        }
        compose_raws.extend(processed.raws);
    }
    let composed = compose::merge(compose_raws);

    // Then the Dockerfiles, in path order, merged with the compose files: a compose file comes
    // before a Dockerfile of a later path and after one of the same path. The compose files are
    // rendered there too, so each file's rendering is written and dropped as its turn comes.
    let mut items: Vec<Item<'_>> = Vec::with_capacity(jobs.len() + composed.len());
    let mut composed = composed.into_iter().peekable();
    for job in &jobs {
        while let Some(raw) = composed.next_if(|c| c.path() < job.display.as_path()) {
            items.push(Item::Compose(raw));
        }
        items.push(Item::Dockerfile(job));
    }
    items.extend(composed.map(Item::Compose));
    let mut writer = stream.then(|| Streamed::new(color && tty_to_stdout));
    let mut all: Vec<Outcome> = Vec::with_capacity(items.len());
    let mut failure: Option<ResolveError> = None;
    for_each_ordered(
        &pool,
        items,
        |item| match item {
            Item::Dockerfile(job) => {
                let outcome = process(job, args, &resolver, keep, &contexts);
                tick();
                outcome
            }
            Item::Compose(raw) => Ok(raw.finish(keep)),
        },
        |outcome| match outcome {
            Ok(mut outcome) => {
                if let Some(writer) = &mut writer {
                    writer.write(&mut outcome);
                }
                all.push(outcome);
                true
            }
            Err(e) => {
                failure.get_or_insert(e);
                false
            }
        },
    );
    if let Some(e) = failure {
        return Err(e.to_string());
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(writer) = writer {
        writer.finish()?;
    }
    // A missing or failing ShellCheck is said once for the whole run; the exit code is unaffected.
    for notice in drydock_linter::shellcheck::take_notices() {
        eprintln!("drydock: warning: {notice}");
    }

    let mut results = Vec::new();
    let mut fails = false;
    let mut stdout_extra = Vec::new();
    for outcome in all {
        if let Some(error) = &outcome.error {
            eprintln!("drydock: error: {error}");
            had_error = true;
        }
        fails |= outcome.fails;
        stdout_extra.extend(outcome.stdout);
        results.push(outcome.result);
    }
    if args.verbose {
        print_settings(&resolver);
    }
    // `--add-ignore` counts comments written, not fixes.
    let added: usize = if args.add_ignore.is_some() {
        results
            .iter_mut()
            .map(|r| std::mem::take(&mut r.fixed))
            .sum()
    } else {
        0
    };
    if added > 0 && !args.quiet && !args.diff {
        eprintln!(
            "drydock: added {added} suppression{} (codes in `# drydock ignore=` comments)",
            if added == 1 { "" } else { "s" },
        );
    }

    let write_result = (|| -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(&stdout_extra)?;
        stdout.flush()
    })();
    if let Err(e) = write_result
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(format!("cannot write output: {e}"));
    }
    if args.statistics && !args.diff {
        let json = outputs.iter().any(|(f, _)| *f == Format::Json);
        let written = if stdin_fix {
            output::statistics::write(&results, json, &mut io::stderr().lock())
        } else {
            output::statistics::write(&results, json, &mut io::stdout().lock())
        };
        if let Err(e) = written
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            return Err(format!("cannot write output: {e}"));
        }
    } else if !args.diff {
        let ctx = output::Context {
            elapsed: clock.elapsed(),
            ..ctx
        };
        if !stream {
            write_outputs(&outputs, &results, &ctx, color && tty_to_stdout, stdin_fix)?;
        }
        if outputs.iter().any(|(f, _)| *f == Format::Tty) && !args.quiet {
            let mut err = StandardStream::stderr(if color {
                TermColor::Always
            } else {
                TermColor::Never
            });
            let summary = output::tty::summary(&Counts::of(&results), fixing, &mut err);
            if let Err(e) = summary
                && e.kind() != io::ErrorKind::BrokenPipe
            {
                return Err(format!("cannot write output: {e}"));
            }
        }
    }
    if had_error {
        return Ok(ExitStatus::Error);
    }
    if args.diff {
        let pending = Counts::of(&results).fixed + added;
        return Ok(if pending > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    // hadolint exits 0 whatever is found when codeclimate or codacy output is asked for.
    let forced = outputs.iter().any(|(f, _)| f.forces_success());
    Ok(if fails && !forced {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Runs `work` on every item on the pool's threads, which take the items in order, and hands
/// the results to `sink` in item order, each as soon as every earlier one is done (so only
/// the few results finished out of order wait). `sink` returning `false` stops the run: items
/// not yet started are skipped.
///
/// One thread at a time is the writer: it hands the results that are ready to `sink` without
/// holding the lock the others take to leave their results, so a slow `sink` (a terminal, a
/// pipe) holds up no one's linting.
fn for_each_ordered<T: Send, R: Send>(
    pool: &rayon::ThreadPool,
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
    sink: impl FnMut(R) -> bool + Send,
) {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, PoisonError};

    struct Order<R> {
        /// The next item `sink` gets.
        cursor: usize,
        /// The results of the items from `cursor` on, as they are done.
        waiting: VecDeque<Option<R>>,
        /// Whether a thread is handing results to `sink`.
        writing: bool,
    }

    let threads = pool.current_num_threads().min(items.len());
    // The items, handed out in order.
    let next = Mutex::new(items.into_iter().enumerate());
    let stopped = AtomicBool::new(false);
    let order = Mutex::new(Order {
        cursor: 0,
        waiting: VecDeque::new(),
        writing: false,
    });
    // Only the writer takes it.
    let sink = Mutex::new(sink);
    let worker = || {
        let mut ready = Vec::new();
        while !stopped.load(Ordering::Relaxed) {
            let Some((i, item)) = next.lock().unwrap_or_else(PoisonError::into_inner).next() else {
                break;
            };
            let result = work(item);
            {
                let mut order = order.lock().unwrap_or_else(PoisonError::into_inner);
                let at = i - order.cursor;
                if order.waiting.len() <= at {
                    order.waiting.resize_with(at + 1, || None);
                }
                order.waiting[at] = Some(result);
                if order.writing || order.waiting.front().is_none_or(Option::is_none) {
                    continue;
                }
                order.writing = true;
            }
            // The writer: hands over what is ready, then looks again, until nothing is.
            loop {
                {
                    let mut order = order.lock().unwrap_or_else(PoisonError::into_inner);
                    while let Some(Some(_)) = order.waiting.front() {
                        ready.extend(order.waiting.pop_front().flatten());
                        order.cursor += 1;
                    }
                    if ready.is_empty() {
                        order.writing = false;
                        break;
                    }
                }
                let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
                for result in ready.drain(..) {
                    if !stopped.load(Ordering::Relaxed) && !(sink)(result) {
                        stopped.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    };
    pool.install(|| (0..threads).into_par_iter().for_each(|_| worker()));
}

/// The terminal rendering written to standard output file by file (see `stream` in
/// [`run_inner`]).
struct Streamed {
    out: io::BufWriter<io::Stdout>,
    color: bool,
    /// The first write error other than a closed pipe.
    error: Option<io::Error>,
    /// A write failed: nothing more is written.
    closed: bool,
}

impl Streamed {
    fn new(color: bool) -> Self {
        Self {
            out: io::BufWriter::with_capacity(64 << 10, io::stdout()),
            color,
            error: None,
            closed: false,
        }
    }

    /// Writes `outcome`'s rendering and drops it from `outcome`.
    fn write(&mut self, outcome: &mut Outcome) {
        if !self.closed
            && let Err(e) = output::tty::write(
                std::slice::from_ref(&outcome.result),
                self.color,
                &mut self.out,
            )
        {
            self.fail(e);
        }
        outcome.result.rendered = Vec::new();
    }

    fn fail(&mut self, e: io::Error) {
        self.closed = true;
        if e.kind() != io::ErrorKind::BrokenPipe {
            self.error.get_or_insert(e);
        }
    }

    fn finish(mut self) -> Result<(), String> {
        if !self.closed
            && let Err(e) = self.out.flush()
        {
            self.fail(e);
        }
        match self.error {
            Some(e) => Err(format!("cannot write output: {e}")),
            None => Ok(()),
        }
    }
}

/// When the run started: `SOURCE_DATE_EPOCH` when set (reproducible reports), else now.
fn start_time() -> SystemTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or_else(SystemTime::now, |secs| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
        })
}

/// Each output: its format and its file (`None`: standard output).
type Outputs = Vec<(Format, Option<PathBuf>)>;

/// Pairs formats with `--output` files as hadolint does: formats without a file go to standard
/// output, files without a format get tty. Without `--format`, the formats come from the
/// configuration (`format:`), else tty.
fn plan_outputs(args: &CheckArgs, run_config: Option<&Resolved>) -> Result<Outputs, String> {
    let mut formats = args.format.clone();
    if formats.is_empty()
        && let Some(resolved) = run_config
    {
        for name in &resolved.config.formats {
            match Format::parse(name) {
                Some(format) => formats.push(format),
                None => {
                    let known: Vec<&str> = <Format as clap::ValueEnum>::value_variants()
                        .iter()
                        .map(|f| f.name())
                        .collect();
                    let message = format!(
                        "format: unknown format `{name}` (expected one of {})",
                        known.join(", ")
                    );
                    match &resolved.config.origin {
                        Origin::Drydock(path) => {
                            return Err(format!("{}: {message}", path.display()));
                        }
                        Origin::Hadolint(path) if !path.as_os_str().is_empty() => {
                            eprintln!("drydock: warning: {}: {message}; ignored", path.display());
                        }
                        _ => eprintln!("drydock: warning: {message}; ignored"),
                    }
                }
            }
        }
    }
    let n = formats.len().max(args.output.len()).max(1);
    Ok((0..n)
        .map(|i| {
            let format = formats.get(i).copied().unwrap_or(Format::Tty);
            let file = args.output.get(i).filter(|p| p.as_os_str() != "-").cloned();
            (format, file)
        })
        .collect())
}

/// Writes every output. `color`: whether standard output may keep the tty colours;
/// `to_stderr`: standard output is taken (the fixed buffer of `--fix -`), so reports meant for
/// it go to standard error.
fn write_outputs(
    outputs: &Outputs,
    results: &[FileResult],
    ctx: &output::Context,
    color: bool,
    to_stderr: bool,
) -> Result<(), String> {
    for (format, file) in outputs {
        let written = match file {
            Some(path) => std::fs::File::create(path)
                .and_then(|f| {
                    let mut out = io::BufWriter::new(f);
                    output::write(*format, results, ctx, false, &mut out)?;
                    out.flush()
                })
                .map_err(|e| format!("cannot write {}: {}", path.display(), describe_io(&e))),
            None => {
                let result = if to_stderr {
                    let mut out = io::stderr().lock();
                    output::write(*format, results, ctx, color, &mut out).and_then(|()| out.flush())
                } else {
                    let mut out = io::BufWriter::new(io::stdout().lock());
                    output::write(*format, results, ctx, color, &mut out).and_then(|()| out.flush())
                };
                match result {
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                        Err(format!("cannot write output: {e}"))
                    }
                    _ => Ok(()),
                }
            }
        };
        written?;
    }
    Ok(())
}

/// `--show-files` and `--show-settings`: what would be linted and how, on standard output.
fn show(
    args: &CheckArgs,
    jobs: &[Job],
    projects: &[compose::ProjectJob],
    resolver: &Resolver,
    shared: &compose::Shared<'_>,
) -> Result<(), String> {
    use std::fmt::Write as _;
    let mut lines: Vec<(PathBuf, String, PathBuf)> = Vec::new();
    for job in jobs {
        let how = match &job.input {
            Input::Stdin(_) => "dockerfile, read from standard input".to_owned(),
            Input::File(_) => "dockerfile".to_owned(),
        };
        lines.push((job.display.clone(), how, job.lookup.clone()));
    }
    for project in projects {
        for (display, how) in project.describe(shared.cwd) {
            let lookup = shared.cwd.join(&display);
            lines.push((display, how, lookup));
        }
    }
    lines.sort();
    let mut out = String::new();
    if args.show_files {
        let width = lines
            .iter()
            .map(|(d, _, _)| d.display().to_string().chars().count())
            .max()
            .unwrap_or(0);
        for (display, how, lookup) in &lines {
            let config = match resolver.for_file(lookup) {
                Ok(resolved) => match &resolved.config.origin {
                    drydock_linter::settings::Origin::Drydock(p) => format!(
                        "config {}",
                        p.strip_prefix(shared.cwd).unwrap_or(p).display()
                    ),
                    drydock_linter::settings::Origin::Hadolint(p) if p.as_os_str().is_empty() => {
                        "hadolint's HADOLINT_* variables".to_owned()
                    }
                    drydock_linter::settings::Origin::Hadolint(p) => {
                        format!("hadolint config {}", p.display())
                    }
                    drydock_linter::settings::Origin::Defaults => "defaults".to_owned(),
                },
                Err(e) => format!("broken configuration: {e}"),
            };
            let shown = display.display().to_string();
            let _ = writeln!(out, "{shown:<width$}  {how}; {config}");
        }
    }
    if args.show_settings {
        let mut seen: Vec<*const drydock_linter::config::resolve::Resolved> = Vec::new();
        for (display, _, lookup) in &lines {
            let resolved = resolver.for_file(lookup).map_err(|e| e.to_string())?;
            let key = std::sync::Arc::as_ptr(&resolved);
            if seen.contains(&key) {
                let _ = writeln!(out, "{}: the same settings as above", display.display());
                continue;
            }
            seen.push(key);
            let _ = write!(out, "{}: {}", display.display(), resolved.describe());
        }
        for project in projects {
            out.push_str(&project.describe_environment(shared));
        }
    }
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("cannot write output: {e}")),
        _ => Ok(()),
    }
}

/// A progress bar on standard error for long runs (many files) when it is a terminal.
fn progress_bar(args: &CheckArgs, total: usize) -> Option<indicatif::ProgressBar> {
    const MIN_FILES: usize = 200;
    if total < MIN_FILES || args.quiet || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} linting {pos}/{len} {wide_bar} {elapsed}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// `--verbose`: the configurations used and their effective settings, on standard error.
fn print_settings(resolver: &Resolver) {
    for resolved in resolver.used() {
        eprint!("drydock: {}", resolved.describe());
    }
}

/// A file to lint: a Dockerfile on its own, or a compose file to group into a project.
enum Made {
    Dockerfile(Job),
    Compose(compose::Candidate),
}

impl Made {
    /// `job` under its kind: a compose file's path is normalised for grouping (its walk root
    /// is set by the caller: none for a file named on the command line).
    fn new(job: Job) -> Self {
        if job.kind == FileKind::Compose {
            Self::Compose(compose::Candidate {
                display: job.display,
                lookup: project::normalize(&job.lookup),
                input: job.input,
                walk_root: None,
            })
        } else {
            Self::Dockerfile(job)
        }
    }
}

/// Dockerfiles to lint one by one, and compose files to group into projects.
type Collected = (Vec<Job>, Vec<compose::Candidate>, bool);

fn collect_jobs(
    args: &CheckArgs,
    resolver: &Resolver,
    threads: usize,
    cwd: &Path,
) -> Result<Collected, String> {
    let mut jobs = Vec::new();
    let mut candidates = Vec::new();
    let mut had_error = false;
    let here = [PathBuf::from(".")];
    let paths: &[PathBuf] = if !args.paths.is_empty() {
        &args.paths
    } else if args.compose_file.is_empty() {
        &here
    } else {
        // `--compose-file` alone lints that project only.
        &[]
    };
    let mut push = |made: Made, walk_root: Option<PathBuf>| match made {
        Made::Dockerfile(job) => jobs.push(job),
        Made::Compose(candidate) => candidates.push(compose::Candidate {
            walk_root,
            ..candidate
        }),
    };
    let forced = args.kind.map(|k| match k {
        Kind::Dockerfile => FileKind::Dockerfile,
        Kind::Compose => FileKind::Compose,
    });
    // What each path is, asked in parallel (a long explicit list is the pre-commit case), and
    // each regular file's job, made in parallel too.
    let named: Vec<&Path> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(PathBuf::as_path)
        .collect();
    let types = discover::named_types(&named);
    let made: Vec<Option<Made>> = named
        .par_iter()
        .zip(&types)
        .map(|(path, meta)| {
            matches!(meta, Ok(discover::Named::File)).then(|| {
                let kind = forced.unwrap_or_else(|| discover::kind_of_explicit(path));
                Made::new(Job {
                    display: path.to_path_buf(),
                    lookup: cwd.join(path),
                    kind,
                    input: Input::File(path.to_path_buf()),
                })
            })
        })
        .collect();
    // Each named path's type, with its job when it is a regular file.
    let mut answers = types.into_iter().zip(made);
    for path in paths {
        let (meta, made) = if path.as_os_str() == "-" {
            (None, None)
        } else {
            answers
                .next()
                .map_or((None, None), |(meta, made)| (Some(meta), made))
        };
        let Some(meta) = meta else {
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            let display = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("-"));
            let kind = forced.unwrap_or_else(|| {
                args.stdin_filename
                    .as_deref()
                    .map_or(FileKind::Dockerfile, discover::kind_of_explicit)
            });
            let default = match kind {
                FileKind::Dockerfile => "Dockerfile",
                FileKind::Compose => "<stdin>.yaml",
            };
            let lookup = cwd.join(args.stdin_filename.as_deref().unwrap_or(Path::new(default)));
            push(
                Made::new(Job {
                    display,
                    lookup,
                    kind,
                    input: Input::Stdin(bytes),
                }),
                None,
            );
            continue;
        };
        let meta = match meta {
            Ok(meta) => meta,
            Err(e) => {
                eprintln!("drydock: error: {}: {}", path.display(), describe_io(&e));
                had_error = true;
                continue;
            }
        };
        if meta == discover::Named::Folder {
            let walk_root = project::normalize(&cwd.join(path));
            let walked = discover::walk(path, threads);
            for warning in &walked.warnings {
                eprintln!("drydock: warning: {warning}");
            }
            for error in &walked.errors {
                eprintln!("drydock: error: {error}");
                had_error = true;
            }
            for Candidate {
                path: found, kind, ..
            } in walked.files
            {
                let display = discover::display_path(&found);
                let lookup = std::path::absolute(&found).unwrap_or_else(|_| found.clone());
                let resolved = resolver.for_file(&lookup).map_err(|e| e.to_string())?;
                if resolved.excludes(&display, &lookup) {
                    continue;
                }
                push(
                    Made::new(Job {
                        display,
                        lookup,
                        kind,
                        input: Input::File(found),
                    }),
                    Some(walk_root.clone()),
                );
            }
        } else if let Some(made) = made {
            push(made, None);
        } else {
            eprintln!(
                "drydock: error: {}: not a regular file (a FIFO, socket or device is never opened)",
                path.display()
            );
            had_error = true;
        }
    }
    Ok((jobs, candidates, had_error))
}

pub(super) fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// Whether bytes look like a binary file rather than text.
pub(super) fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    // Bytes other than printable ASCII and the usual whitespace (`\t` to `\r`, and escape).
    // Branch-free compares summed over a chunk (no early exit, unlike `all`) are compiled to
    // vector instructions: a few per 16 bytes, not several per byte.
    let odd = |b: u8| {
        let plain = (b.wrapping_sub(0x20) < 0x5f) | (b.wrapping_sub(b'\t') < 5) | (b == 0x1b);
        u8::from(!plain)
    };
    // Counted in bytes per chunk of 255 (no overflow), which keeps the vectors at 16 lanes.
    let odd_bytes: usize = head
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n.wrapping_add(odd(b)))))
        .sum();
    // Each character counted below as bad has an odd byte, and a character has at most four
    // bytes: with few odd bytes (nearly every file: none, or UTF-8 in a comment), bad
    // characters cannot make a tenth of the text.
    if 40 * odd_bytes <= head.len() {
        return false;
    }
    let text = String::from_utf8_lossy(head);
    let bad = text
        .chars()
        .filter(|&c| {
            c == '\u{fffd}'
                || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1b'))
        })
        .count();
    bad * 10 > text.chars().count()
}

pub(super) fn engine_finding(
    code: &str,
    message: String,
    settings: &drydock_linter::Settings,
) -> Option<Diagnostic> {
    let id = registry::by_code(code)?;
    if !settings.is_enabled(id) {
        return None;
    }
    let severity = settings.severity_override(id).unwrap_or(id.meta().severity);
    Some(Diagnostic::new(
        id.meta().code,
        severity,
        TextRange::default(),
        message,
    ))
}

fn process(
    job: &Job,
    args: &CheckArgs,
    resolver: &Resolver,
    keep: Keep,
    contexts: &std::collections::HashMap<PathBuf, PathBuf>,
) -> Result<Outcome, ResolveError> {
    let resolved: Arc<Resolved> = resolver.for_file(&job.lookup)?;
    let settings = &resolved.settings;
    let mut outcome = Outcome {
        result: FileResult {
            path: job.display.clone(),
            kind: job.kind,
            findings: Vec::new(),
            rendered: Vec::new(),
            fixed: 0,
            dropped: None,
        },
        fails: false,
        error: None,
        stdout: Vec::new(),
    };
    if job.kind != FileKind::Dockerfile {
        return Ok(outcome);
    }
    let limit = resolved.config.max_file_size();
    // A file not linted: its one finding says why.
    let skip = |outcome: &mut Outcome, code: &str, message: String| {
        let findings = engine_finding(code, message, settings)
            .into_iter()
            .collect();
        finish(outcome, "", findings, settings, keep);
    };
    let bytes = match &job.input {
        Input::Stdin(bytes) => bytes.clone(),
        Input::File(path) => {
            // A walked symlink may lead to a FIFO or a device: never opened.
            match drydock_compose::project::read_regular_file_within(path, limit) {
                Ok(Within::Read(bytes)) => bytes,
                Ok(Within::TooLarge(size)) => {
                    let message = format!(
                        "skipped: {size} bytes is over the {limit}-byte limit (`max-file-size`)"
                    );
                    skip(&mut outcome, "DY003", message);
                    return Ok(outcome);
                }
                Err(e) => {
                    outcome.error = Some(format!("{}: {}", path.display(), describe_io(&e)));
                    return Ok(outcome);
                }
            }
        }
    };
    if looks_binary(&bytes) {
        let message = "skipped: the file looks binary, not like a Dockerfile".to_owned();
        skip(&mut outcome, "DY004", message);
        return Ok(outcome);
    }
    let input = DockerfileInput {
        path: Some(&job.lookup),
        target_stage: None,
        context: contexts
            .get(&project::normalize(&job.lookup))
            .map(PathBuf::as_path),
    };
    if args.fix || args.diff || args.add_ignore.is_some() {
        let fixed = match &args.add_ignore {
            Some(reason) => {
                drydock_linter::fix::add_ignores_dockerfile(bytes.clone(), input, settings, reason)
            }
            None => fix_dockerfile(bytes.clone(), input, settings, args.unsafe_fixes),
        };
        if fixed.output != bytes {
            outcome.result.fixed = fixed.applied;
            if args.diff {
                outcome.stdout =
                    crate::diff::unified(&job.display, &bytes, &fixed.output).into_bytes();
            } else {
                match &job.input {
                    Input::Stdin(_) => outcome.stdout = fixed.output.clone(),
                    Input::File(path) => {
                        if let Err(e) = write_atomic(path, &bytes, &fixed.output) {
                            outcome.error = Some(e.to_string());
                            outcome.result.fixed = 0;
                        }
                    }
                }
            }
        } else if matches!(job.input, Input::Stdin(_))
            && (args.fix || args.add_ignore.is_some())
            && !args.diff
        {
            outcome.stdout = bytes.clone();
        }
        let source = SourceText::from_bytes(if outcome.error.is_some() {
            bytes
        } else {
            fixed.output
        });
        finish(&mut outcome, source.text(), fixed.remaining, settings, keep);
        return Ok(outcome);
    }
    let lint = lint_dockerfile(SourceText::from_bytes(bytes), input, settings);
    finish(
        &mut outcome,
        lint.model.text(),
        lint.diagnostics,
        settings,
        keep,
    );
    Ok(outcome)
}

pub(super) fn finish(
    outcome: &mut Outcome,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    settings: &drydock_linter::Settings,
    keep: Keep,
) {
    finish_with_files(
        outcome,
        text,
        diagnostics,
        settings,
        keep,
        &output::tty::OtherFiles::new(),
    );
}

/// [`finish`], with the text of other files that labels point into. The text's line index is
/// built only if the findings are kept (the terminal rendering finds its own lines).
pub(super) fn finish_with_files(
    outcome: &mut Outcome,
    text: &str,
    diagnostics: Vec<Diagnostic>,
    settings: &drydock_linter::Settings,
    keep: Keep,
    others: &output::tty::OtherFiles,
) {
    let threshold = settings.failure_threshold;
    outcome.fails = !settings.no_fail && diagnostics.iter().any(|d| threshold.fails(d.severity));
    if let Some(color) = keep.render {
        outcome.result.rendered =
            output::tty::render_with_files(&outcome.result.path, text, &diagnostics, color, others);
    }
    if keep.findings {
        let index = LineIndex::new(text);
        outcome.result.findings = diagnostics
            .into_iter()
            .map(|d| Finding::new(d, text, &index))
            .collect();
    } else {
        outcome.result.dropped = Some(Counts::of_diagnostics(&diagnostics));
        if keep.held {
            outcome.result.rendered.shrink_to_fit();
        }
    }
}

/// What a linted file keeps for the outputs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Keep {
    /// Its terminal rendering (`Some(true)`: in colour).
    pub(super) render: Option<bool>,
    /// Its findings with their positions, fixes and digests (for the report formats); without
    /// them only their tally is kept (the terminal rendering is the only output).
    pub(super) findings: bool,
    /// The rendering is held until the end of the run (so it is shrunk to its size); otherwise
    /// it is written and dropped as soon as the files before it are done.
    pub(super) held: bool,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::{for_each_ordered, looks_binary};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    }

    /// Items finishing out of order (earlier ones take longer), and a sink slower than the
    /// work: every result reaches the sink once, in item order, on 1 to 4 threads.
    #[test]
    fn ordered_results_reach_the_sink_in_item_order() {
        for threads in 1..=4 {
            let mut seen = Vec::new();
            for_each_ordered(
                &pool(threads),
                (0..300_u64).collect(),
                |i| {
                    std::thread::sleep(Duration::from_micros((300 - i) % 7 * 50));
                    i * 2
                },
                |r| {
                    if r % 64 == 0 {
                        std::thread::sleep(Duration::from_micros(500));
                    }
                    seen.push(r);
                    true
                },
            );
            assert_eq!(
                seen,
                (0..300).map(|i| i * 2).collect::<Vec<_>>(),
                "{threads} threads"
            );
        }
    }

    /// The sink returning `false` stops the run: it gets nothing after that, and the results
    /// it got are the first ones, in order.
    #[test]
    fn a_sink_that_stops_gets_nothing_more() {
        for threads in 1..=4 {
            let mut seen = Vec::new();
            let started = std::sync::atomic::AtomicUsize::new(0);
            for_each_ordered(
                &pool(threads),
                (0..1000_usize).collect(),
                |i| {
                    started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(Duration::from_micros(20));
                    i
                },
                |r| {
                    seen.push(r);
                    r < 10
                },
            );
            assert_eq!(seen, (0..=10).collect::<Vec<_>>(), "{threads} threads");
            // Items not started when the sink stopped were skipped.
            assert!(
                started.load(std::sync::atomic::Ordering::Relaxed) < 1000,
                "{threads} threads"
            );
        }
    }

    /// The definition `looks_binary` implements: more than a tenth of the characters of the
    /// first 8 KiB (read as UTF-8, invalid bytes replaced) are replacement characters or
    /// controls other than the usual whitespace and escape.
    fn counted(bytes: &[u8]) -> bool {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
        let bad = text
            .chars()
            .filter(|&c| {
                c == '\u{fffd}'
                    || (c.is_control()
                        && !matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1b'))
            })
            .count();
        bad * 10 > text.chars().count()
    }

    proptest! {
        /// The shortcut on few odd bytes never changes the answer.
        #[test]
        fn binary_sniff_agrees_with_counting_every_character(
            pieces in proptest::collection::vec(
                prop_oneof![
                    "[ -~\t\n]{0,40}".prop_map(String::into_bytes),
                    any::<char>().prop_map(|c| c.to_string().into_bytes()),
                    any::<u8>().prop_map(|b| vec![b]),
                ],
                0..600,
            )
        ) {
            let bytes = pieces.concat();
            prop_assert_eq!(looks_binary(&bytes), counted(&bytes));
        }
    }

    #[test]
    fn binary_or_text() {
        let latin1: Vec<u8> = (0xa0..=0xffu8).cycle().take(400).collect();
        let mostly_text = [b"FROM alpine\n".repeat(20), vec![0u8; 3]].concat();
        for (bytes, binary) in [
            (&b""[..], false),
            (b"FROM alpine\r\n\tRUN x \x1b[0m\x0c\n", false),
            ("FROM alpine # é, 😀\n".as_bytes(), false),
            (&[0u8; 64][..], true),
            (&[0x7fu8; 64][..], true),
            (&latin1[..], true),
            (&mostly_text[..], false),
        ] {
            assert_eq!(looks_binary(bytes), binary, "{bytes:?}");
        }
    }
}
