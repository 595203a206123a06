use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Instruction, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{CommandCache, commands_of};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that directly follows another `RUN` when both are single commands that
    /// could simply be chained.
    ///
    /// Only comment and blank lines may sit between the two; any other instruction (`FROM`,
    /// `ENV`, `ONBUILD RUN`, ...) ends the sequence. Both `RUN`s must have the same
    /// `--mount`, `--network` and `--security` options (mount options are compared by their
    /// values, in any order), and each must run at most one simple command: `RUN a && b`, a
    /// pipe `a | b` or a command substitution `a $(b)` count as two, so such a `RUN` is never
    /// part of a finding. Commands are counted as hadolint counts them: one whose name is not a
    /// literal word (`$CMD arg`) does not count, and in a script that is not valid shell syntax
    /// (typically PowerShell in a Windows image) only the commands before the place where
    /// hadolint's shell parser stops reading count (none when it rejects the script).
    /// `ONBUILD` instructions are not checked. The finding points at the second `RUN`'s keyword;
    /// a third consecutive `RUN` is reported too.
    ///
    /// ## Why is this bad?
    /// Each `RUN` adds a layer and a build step. Consecutive single-command steps are usually
    /// one logical step split for no reason: merging them makes the image smaller and the
    /// build faster, and keeps related commands (such as an update and the install that needs
    /// it) in the same cached layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN mkdir -p /srv/app
    /// RUN chown 10001 /srv/app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN mkdir -p /srv/app \
    ///     && chown 10001 /srv/app
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the second `RUN`'s keyword (hadolint reports its first line, which
    /// is the same line). Scripts in heredocs are counted as the shell runs them, including
    /// those hadolint cannot parse or reads differently.
    pub(crate) ConsecutiveRun {
        code: "DL3059",
        name: "consecutive-run",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// What the rule remembers of the previous `RUN`.
struct Previous {
    options: Vec<String>,
    commands: usize,
}

impl Rule for ConsecutiveRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// (A `RUN` follows the instruction before it, in its stage: a `FROM` starts each.)
    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let cache = ctx.commands;
        let mut findings = Vec::new();
        let mut previous: Option<Previous> = None;
        // (The stages not to check end before a `FROM`, which ends any sequence.)
        for (index, instruction) in ctx.instructions() {
            if instruction.kind != InstructionKind::Run {
                previous = None;
                continue;
            }
            let current = Previous {
                options: run_options(model, instruction),
                commands: command_count(model, cache, index),
            };
            match &previous {
                Some(prev)
                    if prev.options == current.options
                        && prev.commands <= 1
                        && current.commands <= 1 =>
                {
                    // The instruction right before is the previous `RUN` (anything else resets).
                    findings.push((index, index - 1));
                }
                _ => previous = Some(current),
            }
        }
        for (index, prev) in findings {
            let keyword = model.instruction(index).keyword.range;
            let prev_keyword = model.instruction(prev).keyword.range;
            ctx.report(
                keyword,
                "`RUN` with a single command right after another one",
            )
            .label(prev_keyword, "the previous `RUN`")
            .help("chain the commands in one `RUN` with `&&` to save a layer and a build step");
        }
    }
}

/// The number of simple commands hadolint counts in a `RUN`.
fn command_count<'a>(model: &'a Model, cache: Option<&'a CommandCache<'a>>, index: usize) -> usize {
    model
        .shell(index)
        .map_or(0, |script| commands_of(cache, index, script).count())
}

/// The `RUN` options as comparable strings: each mount with its fields normalised and sorted,
/// then the other options; sorted, as hadolint compares them as a set.
fn run_options(model: &Model, run: &Instruction) -> Vec<String> {
    let text = model.text();
    let mut out: Vec<String> = run
        .flags
        .iter()
        .map(|flag| {
            if flag.name != "mount" {
                return format!(
                    "--{}={}",
                    flag.name,
                    flag.value.as_deref().unwrap_or_default()
                );
            }
            let mut fields: Vec<(String, String)> = flag
                .fields(text)
                .into_iter()
                .map(|f| {
                    let key = match f.key.as_str() {
                        "dst" | "destination" => "target".to_owned(),
                        "src" => "source".to_owned(),
                        "ro" => "readonly".to_owned(),
                        _ => f.key,
                    };
                    (key, f.value)
                })
                .collect();
            if !fields.iter().any(|(k, _)| k == "type") {
                fields.push(("type".to_owned(), "bind".to_owned()));
            }
            fields.sort();
            fields.dedup_by(|a, b| a.0 == b.0);
            let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("--mount={}", parts.join(","))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
