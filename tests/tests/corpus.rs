//! Sweeps over the shared corpus (`../shared/corpus`, read-only; skipped loudly when absent):
//! every Dockerfile round-trips byte for byte, nothing panics, every range is inside the file on
//! character boundaries; and `parse-dockerfile` is used as an oracle where it parses.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use drydock_dockerfile::{Args, InstructionKind, parse};
use drydock_linter::settings::Settings;
use drydock_linter::{DockerfileInput, lint_dockerfile, registry};
use drydock_tests::corpus_files_or_skip;
use drydock_text::{SourceText, TextRange};

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

#[test]
fn corpus_dockerfiles_round_trip_and_lint_without_panics() {
    let Some(files) = corpus_files_or_skip("dockerfile") else {
        return;
    };
    let all: Vec<_> = registry::ids().collect();
    let settings = Settings::only(&all);
    let started = Instant::now();
    let mut problems = Vec::new();
    let (mut with_errors, mut diagnostics, mut bytes_total) = (0usize, 0usize, 0usize);
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        bytes_total += bytes.len();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let file = parse(SourceText::from_bytes(bytes.clone()));
            if file.to_bytes() != bytes {
                return Err(format!(
                    "{}: the tree does not print back to the input",
                    path.display()
                ));
            }
            let had_errors = !file.errors().is_empty();
            let lint = lint_dockerfile(
                SourceText::from_bytes(bytes.clone()),
                DockerfileInput {
                    path: Some(path),
                    target_stage: None,
                    context: None,
                },
                &settings,
            );
            let text = lint.model.text();
            for d in &lint.diagnostics {
                check_range(d.range, text, d.code, path)?;
                for label in &d.labels {
                    check_range(label.range, text, "label", path)?;
                }
                for edit in d.fix.iter().flat_map(|f| &f.edits) {
                    check_range(edit.range, text, "fix edit", path)?;
                }
            }
            Ok((had_errors, lint.diagnostics.len()))
        }));
        match outcome {
            Ok(Ok((had_errors, n))) => {
                with_errors += usize::from(had_errors);
                diagnostics += n;
            }
            Ok(Err(problem)) => problems.push(problem),
            Err(_) => problems.push(format!("{}: panicked", path.display())),
        }
    }
    eprintln!(
        "corpus sweep: {} Dockerfiles ({} bytes), {} with syntax errors, {} findings with every rule on, {} problems, {:.2?}",
        files.len(),
        bytes_total,
        with_errors,
        diagnostics,
        problems.len(),
        started.elapsed()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Files where parse-dockerfile 0.1.9 disagrees with BuildKit and drydock follows BuildKit, with
/// the BuildKit evidence. Each must still disagree (so the list cannot go stale silently).
const KNOWN_ORACLE_DIVERGENCES: &[(&str, &str)] = &[
    // A line ending in an escaped escape (`\\`) does not continue (BuildKit's testfile
    // `trailing-backslash` expects `ENV C ...\\` and `ENV D` to stay separate); parse-dockerfile
    // joins the next line.
    (
        "moby__buildkit/frontend__dockerfile__parser__testfiles__trailing-backslash__Dockerfile",
        "escaped escape at end of line",
    ),
    (
        "docker-library__mongo/7.0__windows__nanoserver-ltsc2022__Dockerfile",
        "escaped escape at end of line",
    ),
    (
        "docker-library__mongo/8.0__windows__nanoserver-ltsc2022__Dockerfile",
        "escaped escape at end of line",
    ),
    (
        "docker-library__mongo/8.2__windows__nanoserver-ltsc2022__Dockerfile",
        "escaped escape at end of line",
    ),
    (
        "docker-library__mongo/8.3__windows__nanoserver-ltsc2022__Dockerfile",
        "escaped escape at end of line",
    ),
    // `--` ends the flags and is not itself a flag; flags on CMD are extracted too (BuildKit's
    // testfile `flags` expects `(copy ["--doit=true"] ...)` and `(cmd ["--doit"] ...)`).
    (
        "moby__buildkit/frontend__dockerfile__parser__testfiles__flags__Dockerfile",
        "`--` and flags on CMD",
    ),
];

/// Where `parse-dockerfile` accepts a file, drydock finds the same instructions at the same
/// offsets, the same flags, and the same exec-form elements.
#[test]
fn corpus_agrees_with_parse_dockerfile() {
    let Some(files) = corpus_files_or_skip("dockerfile") else {
        return;
    };
    let (mut compared, mut oracle_rejected) = (0usize, 0usize);
    let mut mismatches = Vec::new();
    let mut divergent_files = Vec::new();
    for path in &files {
        let before = mismatches.len();
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // parse-dockerfile shifts every span by 3 bytes after a BOM; compare BOM-free files.
        if text.starts_with('\u{feff}') {
            continue;
        }
        let Ok(oracle) = parse_dockerfile::parse(&text) else {
            oracle_rejected += 1;
            continue;
        };
        compared += 1;
        let ours = parse(SourceText::from_string(text.clone()));
        let instructions: Vec<_> = ours.instructions().collect();
        let theirs: Vec<OracleInstruction> = oracle
            .instructions
            .iter()
            .map(describe)
            .map(|(span, flags, exec)| {
                (
                    span.start,
                    text.get(span).unwrap_or_default().to_owned(),
                    flags,
                    exec,
                )
            })
            .collect();
        if instructions.len() != theirs.len() {
            mismatches.push(format!(
                "{}: {} instructions, parse-dockerfile has {}",
                path.display(),
                instructions.len(),
                theirs.len()
            ));
        }
        for (mine, (start, keyword, flags, exec)) in
            instructions
                .iter()
                .zip(&theirs)
                .take(if instructions.len() == theirs.len() {
                    usize::MAX
                } else {
                    0
                })
        {
            let at = format!("{}:{start}", path.display());
            if usize::from(mine.keyword.range.start()) != *start
                || !mine.keyword.text.eq_ignore_ascii_case(keyword)
            {
                mismatches.push(format!(
                    "{at}: keyword `{}`@{:?} vs `{keyword}`@{start}",
                    mine.keyword.text, mine.keyword.range
                ));
                continue;
            }
            let my_flags: Vec<String> = mine.flags.iter().map(|f| f.name.clone()).collect();
            if &my_flags != flags {
                mismatches.push(format!("{at}: flags {my_flags:?} vs {flags:?}"));
            }
            if let Some(exec) = exec {
                let mine_exec: Option<Vec<String>> = match &mine.args {
                    Args::Exec(e) => Some(e.elements.iter().map(|w| w.text.clone()).collect()),
                    _ => None,
                };
                if mine_exec.as_ref() != Some(exec) && mine.kind != InstructionKind::Onbuild {
                    mismatches.push(format!("{at}: exec form {mine_exec:?} vs {exec:?}"));
                }
            }
        }
        if mismatches.len() > before {
            let known = KNOWN_ORACLE_DIVERGENCES
                .iter()
                .find(|(suffix, _)| path.to_string_lossy().ends_with(suffix));
            if let Some((suffix, _)) = known {
                mismatches.truncate(before);
                divergent_files.push(*suffix);
            }
        }
    }
    for (suffix, why) in KNOWN_ORACLE_DIVERGENCES {
        if !divergent_files.contains(suffix)
            && files.iter().any(|f| f.to_string_lossy().ends_with(suffix))
        {
            mismatches.push(format!("{suffix}: listed as a known divergence ({why}) but now agrees; remove it from the list"));
        }
    }
    eprintln!(
        "oracle: compared {compared} Dockerfiles with parse-dockerfile ({oracle_rejected} it rejects), {} known divergences where drydock follows BuildKit, {} unexplained mismatches",
        divergent_files.len(),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// (keyword start, keyword text, flag names, exec-form elements).
type OracleInstruction = (usize, String, Vec<String>, Option<Vec<String>>);

/// (keyword span, flag names, exec-form elements) of an oracle instruction.
fn describe(
    instruction: &parse_dockerfile::Instruction<'_>,
) -> (std::ops::Range<usize>, Vec<String>, Option<Vec<String>>) {
    use parse_dockerfile::{Command, Instruction as I};
    let exec = |c: &Command<'_>| match c {
        Command::Exec(e) => Some(e.value.iter().map(|s| s.value.to_string()).collect()),
        _ => None,
    };
    let flags = |f: &[parse_dockerfile::Flag<'_>]| {
        f.iter()
            .map(|f| f.name.value.to_string())
            .collect::<Vec<_>>()
    };
    let (span, flags, exec) = match instruction {
        I::Add(i) => (i.add.span.clone(), flags(&i.options), None),
        I::Arg(i) => (i.arg.span.clone(), vec![], None),
        I::Cmd(i) => (i.cmd.span.clone(), vec![], exec(&i.arguments)),
        I::Copy(i) => (i.copy.span.clone(), flags(&i.options), None),
        I::Entrypoint(i) => (i.entrypoint.span.clone(), vec![], exec(&i.arguments)),
        I::Env(i) => (i.env.span.clone(), vec![], None),
        I::Expose(i) => (i.expose.span.clone(), vec![], None),
        I::From(i) => (i.from.span.clone(), flags(&i.options), None),
        I::Healthcheck(i) => (i.healthcheck.span.clone(), flags(&i.options), None),
        I::Label(i) => (i.label.span.clone(), vec![], None),
        I::Maintainer(i) => (i.maintainer.span.clone(), vec![], None),
        I::Onbuild(i) => (i.onbuild.span.clone(), vec![], None),
        I::Run(i) => (i.run.span.clone(), flags(&i.options), exec(&i.arguments)),
        I::Shell(i) => (i.shell.span.clone(), vec![], None),
        I::Stopsignal(i) => (i.stopsignal.span.clone(), vec![], None),
        I::User(i) => (i.user.span.clone(), vec![], None),
        I::Volume(i) => (i.volume.span.clone(), vec![], None),
        I::Workdir(i) => (i.workdir.span.clone(), vec![], None),
        _ => (0..0, vec![], None),
    };
    (span, flags, exec)
}

/// drydock's own shell reader (`shell/fast.rs`) reads every `RUN` of the corpus exactly as
/// tree-sitter-bash does, or leaves it to tree-sitter-bash: the rules see the same commands,
/// words, pipelines and redirects either way. It must also read most of them (it exists to make
/// linting fast).
#[test]
fn corpus_fast_shell_reader_agrees_with_tree_sitter() {
    use drydock_dockerfile::shell::{Engine, parse_run_with, take_reader_stats};
    let Some(files) = corpus_files_or_skip("dockerfile") else {
        return;
    };
    let _ = take_reader_stats();
    let (mut runs, mut mismatches) = (0usize, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = parse(SourceText::from_bytes(bytes));
        for run in file
            .instructions()
            .filter(|i| i.kind == InstructionKind::Run)
        {
            runs += 1;
            let fast = parse_run_with(&file, run, Engine::Auto);
            let reference = parse_run_with(&file, run, Engine::TreeSitter);
            if fast != reference && mismatches.len() < 10 {
                mismatches.push(format!(
                    "{} at {:?}:\nfast: {fast:?}\ntree-sitter: {reference:?}",
                    path.display(),
                    run.range
                ));
            }
        }
    }
    let stats = take_reader_stats();
    let read = stats.fast_bytes * 100 / (stats.fast_bytes + stats.fallback_bytes).max(1);
    eprintln!(
        "fast shell reader: {runs} RUN instructions; {} scripts read by it, {} left to tree-sitter-bash ({read}% of the bytes read by it)",
        stats.fast, stats.fallback
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    assert!(
        read >= 50,
        "the fast reader read only {read}% of the corpus's shell bytes"
    );
}

/// Under a shell that is not POSIX, the model's view of a `RUN` holds only what a strict shell
/// parser reads of a script drydock's own reader cannot read (`shell::parse_run_non_posix`),
/// since no rule uses more of it: on every corpus Dockerfile with such a `RUN`, every rule
/// finds the same as with whole scripts read.
#[test]
fn corpus_rules_find_the_same_in_what_a_strict_parser_reads_of_shells_that_are_not_posix() {
    use drydock_dockerfile::model::Model;
    use drydock_dockerfile::shell::{read_whole_scripts, take_reader_stats};
    let Some(files) = corpus_files_or_skip("dockerfile") else {
        return;
    };
    let all: Vec<_> = registry::ids().collect();
    let settings = Settings::only(&all);
    let lint = |bytes: &[u8], path: &Path, whole: bool| {
        read_whole_scripts(whole);
        let input = DockerfileInput {
            path: Some(path),
            target_stage: None,
            context: None,
        };
        let found = lint_dockerfile(SourceText::from_bytes(bytes.to_vec()), input, &settings);
        read_whole_scripts(false);
        found.diagnostics
    };
    let (mut compared, mut skipped, mut mismatches) = (0usize, 0u64, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let model = Model::new(parse(SourceText::from_bytes(bytes.clone())));
        let has_one = model.instructions().any(|(index, instruction)| {
            instruction.kind == InstructionKind::Run && !model.shell_spec(index).is_posix()
        });
        if !has_one {
            continue;
        }
        compared += 1;
        let _ = take_reader_stats();
        let read_in_part = lint(&bytes, path, false);
        skipped += take_reader_stats().skipped;
        let read_whole = lint(&bytes, path, true);
        if read_in_part != read_whole {
            mismatches.push(format!(
                "{}:
read in part: {read_in_part:?}
read whole: {read_whole:?}",
                path.display()
            ));
        }
    }
    eprintln!(
        "Dockerfiles with a RUN under a shell that is not POSIX: {compared}; {skipped} scripts read only as far as a strict parser reads"
    );
    assert!(
        mismatches.is_empty(),
        "{} files differ:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(3)].join("\n\n")
    );
    assert!(skipped > 0, "no script was read only in part");
}
