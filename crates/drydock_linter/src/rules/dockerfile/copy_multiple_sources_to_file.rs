use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `COPY` with two or more sources whose destination, after removing surrounding
    /// quotes, does not end with `/`. Each heredoc counts as a source. A single source with a
    /// wildcard (`COPY *.txt /dest`) is one source and is not reported. `ADD` and
    /// `ONBUILD COPY` are not checked.
    ///
    /// ## Why is this bad?
    /// Several sources can only go into a directory. Docker requires the destination of a
    /// multi-source `COPY` to end with `/`; without it the instruction fails or, depending on
    /// the builder, does not produce the layout the author expected.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY package.json package-lock.json /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY package.json package-lock.json /app/
    /// ```
    pub(crate) CopyMultipleSourcesToFile {
        code: "DL3021",
        name: "copy-multiple-sources-to-file",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for CopyMultipleSourcesToFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.instructions_of(InstructionKind::Copy) {
            let Args::Paths(paths) = &instruction.args else {
                continue;
            };
            let Some((dest, sources)) = paths.items.split_last() else {
                continue;
            };
            if sources.len() < 2 || dest.text.trim_matches(['"', '\'']).ends_with('/') {
                continue;
            }
            ctx.report(
                dest.range,
                format!(
                    "`COPY` of {} sources to `{}`, which does not end with `/`",
                    sources.len(),
                    dest.text
                ),
            )
            .help("end the destination with `/` to copy the sources into that directory");
        }
    }
}
