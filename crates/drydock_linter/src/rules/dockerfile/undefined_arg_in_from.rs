use drydock_dockerfile::lex::{Lexer, var_refs};
use drydock_dockerfile::model::PLATFORM_ARGS;
use drydock_dockerfile::{Args, InstructionKind, Word};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::{suggest, word_subrange};

declare_rule! {
    /// ## What it does
    /// Reports a variable used in a `FROM` line (the image or the `--platform` value) that is
    /// neither a global `ARG` (one declared before the first `FROM`, with or without a default)
    /// nor one of the platform arguments BuildKit predefines (`BUILDPLATFORM`, `BUILDOS`,
    /// `BUILDOSVERSION`, `BUILDARCH`, `BUILDVARIANT`, `TARGETPLATFORM`, `TARGETOS`,
    /// `TARGETOSVERSION`, `TARGETARCH`, `TARGETVARIANT`, `TARGETSTAGE`). When a declared name is
    /// at most two edits away, it is suggested, as BuildKit does (`$BULIDPLATFORM`: did you
    /// mean `BUILDPLATFORM`?). This is BuildKit's `UndefinedArgInFrom` build check.
    ///
    /// ## Why is this bad?
    /// `FROM` sees only global `ARG`s. An undeclared variable expands to an empty string, so
    /// `FROM node:${NODE_VERSION}` silently becomes `FROM node:` (an error) or, with a default
    /// in `${X:-...}`, always uses the default.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$BULIDPLATFORM golang:1.23 AS build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the whole `FROM` line; drydock points at the variable.
    /// When two declared names are equally close, BuildKit's suggestion is random; drydock
    /// suggests the first in declaration order (global `ARG`s, then the platform arguments).
    pub(crate) UndefinedArgInFrom {
        code: "BK009",
        name: "undefined-arg-in-from",
        aliases: ["UndefinedArgInFrom"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for UndefinedArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        let escape = model.file().escape();
        // The names a misspelt one is compared with (needed only for a finding).
        let candidates = || {
            let mut names: Vec<&str> = Vec::new();
            for &index in model.global_args() {
                if let Args::Arg(decls) = &model.instruction(index).args {
                    names.extend(decls.iter().map(|d| d.name.text.as_str()));
                }
            }
            names.extend(PLATFORM_ARGS);
            names
        };
        for (index, instruction) in ctx.instructions_of(InstructionKind::From) {
            let scope = model.scope(index);
            let mut words: Vec<(Word, String)> = Vec::new();
            if let Args::Words(w) = &instruction.args
                && let Some(image) = w.first()
            {
                words.push((image.clone(), image.text.clone()));
            }
            if let Some(flag) = instruction.flag("platform")
                && let (Some(value), Some(range)) = (&flag.value, flag.value_range)
            {
                let raw = Word {
                    range,
                    text: text[range].to_owned(),
                };
                words.push((raw, value.clone()));
            }
            for (word, value) in words {
                let Ok(expansion) = Lexer::new(escape).process_word(&value, scope) else {
                    continue;
                };
                if expansion.unmatched.is_empty() {
                    continue;
                }
                let refs = var_refs(&word.text, escape, true);
                let candidates = candidates();
                for name in &expansion.unmatched {
                    let range = refs
                        .iter()
                        .find(|r| r.name(&word.text) == name)
                        .map_or(word.range, |r| {
                            word_subrange(instruction, &word, r.start, r.end)
                        });
                    let suggestion = suggest(name, candidates.iter().copied(), true);
                    let hint = suggestion
                        .as_ref()
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    let diagnostic = ctx.report(
                        range,
                        format!("FROM argument `{name}` is not declared{hint}"),
                    );
                    if suggestion.is_none() {
                        diagnostic.help(format!(
                            "`FROM` sees only global arguments: declare `ARG {name}` before the first `FROM`"
                        ));
                    }
                }
            }
        }
    }
}
