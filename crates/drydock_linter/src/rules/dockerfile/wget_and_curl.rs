use drydock_dockerfile::InstructionKind;
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports `RUN` instructions that use `wget` or `curl` once a stage has used both.
    ///
    /// The commands named exactly `curl` and `wget` are collected per stage, from the `RUN`
    /// instructions in order; the collection starts afresh at each `FROM` (a stage does not
    /// inherit it from the stage it builds on). From the `RUN` where both have been seen on,
    /// every `RUN` of the stage that uses either is reported, at its first `curl` or `wget`.
    /// The first user of the pair is not reported, and a `RUN` that uses both is reported at
    /// once.
    ///
    /// `ONBUILD RUN` instructions are checked the same way among themselves, as one sequence
    /// over the whole file.
    ///
    /// ## Why is this bad?
    /// Both tools do the same job. Installing and using both makes the image bigger and the
    /// build harder to maintain (two sets of flags for retries, TLS and proxies).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz
    /// RUN wget -q -O /tmp/b.tgz https://example.com/b.tgz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz
    /// RUN curl -fsSLo /tmp/b.tgz https://example.com/b.tgz
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `curl` or `wget` command (hadolint reports the RUN's first
    /// line). Scripts in heredocs are checked as the shell runs them, including those hadolint
    /// cannot parse or reads differently.
    pub(crate) WgetAndCurl {
        code: "DL4001",
        name: "wget-and-curl",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Which of the two tools a sequence of RUNs has used so far.
#[derive(Default)]
struct Seen {
    curl: bool,
    wget: bool,
}

impl Rule for WgetAndCurl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let mut findings: Vec<(TextRange, &str)> = Vec::new();
        // The stage-level sequence (reset at FROM) and the ONBUILD sequence (hadolint runs a
        // separate copy of the rule over the ONBUILD instructions alone).
        let mut stage = Seen::default();
        let mut onbuild = Seen::default();
        let mut runs = runs(ctx).peekable();
        for (index, instruction) in model.instructions() {
            if instruction.kind == InstructionKind::From {
                stage = Seen::default();
            }
            if instruction
                .onbuild_inner()
                .is_some_and(|inner| inner.kind == InstructionKind::From)
            {
                onbuild = Seen::default();
            }
            let Some(run) = runs.next_if(|r| r.index == index) else {
                continue;
            };
            let seen = if run.onbuild {
                &mut onbuild
            } else {
                &mut stage
            };
            let mut first = None;
            for cmd in run.commands() {
                let name = cmd.name();
                match name {
                    "curl" => seen.curl = true,
                    "wget" => seen.wget = true,
                    _ => continue,
                }
                if first.is_none() {
                    first = cmd.name_word().map(|w| (w.range, name));
                }
            }
            if let Some(first) = first
                && seen.curl
                && seen.wget
            {
                findings.push(first);
            }
        }
        for (range, name) in findings {
            let other = if name == "curl" { "wget" } else { "curl" };
            ctx.report(
                range,
                format!("`{name}` is used in a stage that also uses `{other}`"),
            )
            .help("download everything with one of the two tools, so only one has to be installed");
        }
    }
}
