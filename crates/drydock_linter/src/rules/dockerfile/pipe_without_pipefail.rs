use drydock_dockerfile::{Args, ExecForm, Instruction, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{pipes, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` whose script contains a pipe (`|` or `|&`; `||` is not a pipe) when the
    /// stage's shell was not set up with `pipefail`. The finding points at the first pipe.
    ///
    /// The stage passes once a `SHELL` instruction sets a pipefail shell: its arguments, read as
    /// a command line, contain a command named exactly `bash`, `zsh`, `ash`, `/bin/bash`,
    /// `/bin/zsh` or `/bin/ash` that has an `o` option (`-o`, `-eo`, `-euo`, ...) and a
    /// `pipefail` argument. A `SHELL` whose text starts with `pwsh`, `powershell` or `cmd`
    /// turns the rule off for the stage. Any other `SHELL` (including `/bin/sh -o pipefail` or
    /// `/usr/bin/bash -o pipefail`) counts as no pipefail. The state starts afresh at every
    /// `FROM`, even `FROM <stage>`: a `SHELL` is not inherited for this check.
    ///
    /// `set -o pipefail` inside the `RUN` does not count, the `# hadolint shell=` pragma has no
    /// effect, and `ONBUILD` instructions are not checked. In the exec form the elements are
    /// joined with spaces and read as a command line, as hadolint does: `["sh", "-c", "a | b"]`
    /// has a pipe. In a script that is not valid shell syntax (typically PowerShell in a Windows
    /// image), only a pipe before the place where hadolint's shell parser stops reading counts
    /// (none when it rejects the script).
    ///
    /// ## Why is this bad?
    /// A pipeline's exit status is the last command's. In `curl -fsSL $URL | tar -xz`, a
    /// failed download still lets the step succeed, and the build goes on with a broken or
    /// empty result. With `pipefail`, the step fails when any command of the pipe fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the pipe (hadolint reports the RUN's first line). Scripts in
    /// heredocs are checked as the shell runs them, including those hadolint cannot parse or
    /// reads differently.
    pub(crate) PipeWithoutPipefail {
        code: "DL4006",
        name: "pipe-without-pipefail",
        aliases: [],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Shells whose `-o pipefail` hadolint 2.15.1 recognises, compared exactly.
const PIPEFAIL_SHELLS: [&str; 6] = ["/bin/bash", "/bin/zsh", "/bin/ash", "bash", "zsh", "ash"];

/// Prefixes of a `SHELL` text that switch the rule off.
const NON_POSIX: [&str; 3] = ["pwsh", "powershell", "cmd"];

impl Rule for PipeWithoutPipefail {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let mut findings = Vec::new();
        // Whether the current stage's shell makes pipes safe (or is not a POSIX shell).
        let mut safe = false;
        let mut runs = runs(ctx).filter(|r| !r.onbuild).peekable();
        // (The state starts afresh at each `FROM`: the stages not to check can be passed by.)
        for (index, instruction) in ctx.instructions() {
            match instruction.kind {
                InstructionKind::From => safe = false,
                InstructionKind::Shell => {
                    let line = joined(instruction);
                    safe = NON_POSIX.iter().any(|p| line.starts_with(p)) || sets_pipefail(&line);
                }
                _ => {}
            }
            let Some(run) = runs.next_if(|r| r.index == index) else {
                continue;
            };
            if safe {
                continue;
            }
            let pipe = match &run.instruction.args {
                // Where drydock's shell view sees the pipe too (`sh -c` scripts), point at it.
                Args::Exec(exec) => exec_form_pipe(exec)
                    .map(|element| run.script.pipes.first().copied().unwrap_or(element)),
                _ => pipes(run.script).next(),
            };
            if let Some(range) = pipe {
                findings.push(range);
            }
        }
        for range in findings {
            let operator = if &model.text()[range] == "|&" {
                "|&"
            } else {
                "|"
            };
            ctx.report(range, format!("pipe `{operator}` without `pipefail`: a failure before the last command goes unnoticed"))
                .help("set a shell with pipefail before this step, e.g. `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (`/bin/ash` on Alpine)");
        }
    }
}

/// The arguments of a `SHELL` (or exec-form `RUN`) as one line: JSON elements joined with
/// spaces, as hadolint's parser does.
fn joined(instruction: &Instruction) -> String {
    match &instruction.args {
        Args::Exec(exec) => exec
            .elements
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Args::Shell(shell) => shell.text.clone(),
        _ => String::new(),
    }
}

/// Splits a command line into simple commands of unquoted words (quotes removed). `None` when a
/// quote is not closed (the shell parser rejects the line).
fn simple_commands(line: &str) -> Option<Vec<Vec<String>>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => word.push(other),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.push(next);
                }
            }
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            ';' | '&' | '|' | '\n' | '(' | ')' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if !words.is_empty() {
        commands.push(words);
    }
    Some(commands)
}

/// Whether a `SHELL` line runs a recognised shell with `-o pipefail`.
fn sets_pipefail(line: &str) -> bool {
    let Some(commands) = simple_commands(line) else {
        return false;
    };
    commands.iter().any(|words| {
        let Some((name, args)) = words.split_first() else {
            return false;
        };
        let has_o = args.iter().any(|a| {
            a != "-"
                && !a.starts_with("--")
                && a.strip_prefix('-').is_some_and(|short| short.contains('o'))
        });
        PIPEFAIL_SHELLS.contains(&name.as_str()) && has_o && args.iter().any(|a| a == "pipefail")
    })
}

/// The first pipe of an exec-form `RUN` read as hadolint reads it (elements joined with spaces
/// and parsed as a command line): the range of the element holding it.
fn exec_form_pipe(exec: &ExecForm) -> Option<TextRange> {
    // Quotes may span elements once they are joined, so the state carries over.
    let mut quote: Option<char> = None;
    for element in &exec.elements {
        let mut chars = element.text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some('"') | None, '\\') => {
                    chars.next();
                }
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '|') => {
                    if chars.peek() == Some(&'|') {
                        // `||` is not a pipe.
                        chars.next();
                    } else {
                        return Some(element.range);
                    }
                }
                (None, _) => {}
            }
        }
    }
    None
}
