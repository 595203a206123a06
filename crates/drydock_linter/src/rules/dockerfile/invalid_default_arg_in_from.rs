use std::borrow::Cow;

use drydock_dockerfile::lex::{Env, Lexer, VarValue};
use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::valid_reference;

declare_rule! {
    /// ## What it does
    /// Reports a `FROM` whose image, with only the defaults of the global `ARG`s (no build
    /// arguments given), is empty or not a valid image reference: `ARG VERSION` (no default)
    /// with `FROM busybox:$VERSION` gives `busybox:`, `ARG IMAGE` with `FROM $IMAGE` gives
    /// nothing. An empty default that keeps the reference valid (`ARG VARIANT=""` with `FROM
    /// busybox:stable${VARIANT}`) is fine. The platform arguments are taken as
    /// `linux/amd64`. This is BuildKit's `InvalidDefaultArgInFrom` build check.
    ///
    /// ## Why is this bad?
    /// The Dockerfile only builds when every build passes the right `--build-arg`; a plain
    /// `docker build .` (or a tool that builds with defaults) fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG VERSION
    /// FROM busybox:$VERSION
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG VERSION=1.36
    /// FROM busybox:$VERSION
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the whole `FROM` line; drydock points at the image. Like
    /// BuildKit, it also reports a `FROM` without variables whose image is not a valid
    /// reference (`FROM Ubuntu`), with a message that says so.
    pub(crate) InvalidDefaultArgInFrom {
        code: "BK016",
        name: "invalid-default-arg-in-from",
        aliases: ["InvalidDefaultArgInFrom"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Variables with known values, the latest definition winning.
/// Names and values, later ones shadowing earlier ones (the platform's, then the global
/// `ARG`s' defaults as they expand).
struct Defaults<'a>(Vec<(&'a str, Cow<'a, str>)>);

impl Env for Defaults<'_> {
    fn lookup(&self, name: &str) -> Option<VarValue<'_>> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| VarValue::Set(v))
    }
}

impl Rule for InvalidDefaultArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let lexer = Lexer::new(model.file().escape());
        let target = model
            .final_stage()
            .and_then(|s| s.name.as_ref())
            .map_or("default", |n| n.lower.as_str());
        let platform = [
            ("BUILDPLATFORM", "linux/amd64"),
            ("BUILDOS", "linux"),
            ("BUILDOSVERSION", ""),
            ("BUILDARCH", "amd64"),
            ("BUILDVARIANT", ""),
            ("TARGETPLATFORM", "linux/amd64"),
            ("TARGETOS", "linux"),
            ("TARGETOSVERSION", ""),
            ("TARGETARCH", "amd64"),
            ("TARGETVARIANT", ""),
        ];
        let mut env = Defaults(Vec::with_capacity(platform.len() + 1));
        env.0
            .extend(platform.iter().map(|&(k, v)| (k, Cow::Borrowed(v))));
        env.0.push(("TARGETSTAGE", Cow::Borrowed(target)));
        for &index in model.global_args() {
            let Args::Arg(decls) = &model.instruction(index).args else {
                continue;
            };
            for decl in decls {
                if let Some(default) = &decl.default {
                    // BuildKit gives up the check when a default does not expand.
                    let Ok(value) = lexer.process_word(&default.text, &env) else {
                        return;
                    };
                    env.0.push((&decl.name.text, Cow::Owned(value.result)));
                }
            }
        }
        // Base images found valid (stages often share one, such as `${BASE}`).
        let mut valid: Vec<&str> = Vec::new();
        for (_, instruction) in model.instructions_of(InstructionKind::From) {
            let Args::Words(words) = &instruction.args else {
                continue;
            };
            let Some(image) = words.first() else {
                continue;
            };
            if valid.contains(&image.text.as_str()) {
                continue;
            }
            let Ok(expansion) = lexer.process_word(&image.text, &env) else {
                return;
            };
            if valid_reference(&expansion.result) {
                valid.push(&image.text);
                continue;
            }
            let uses_args = !expansion.matched.is_empty() || !expansion.unmatched.is_empty();
            let message = match (uses_args, expansion.result.is_empty()) {
                (true, true) => format!(
                    "with the default values of the global `ARG`s, the base image `{}` is empty",
                    image.text
                ),
                (true, false) => format!(
                    "with the default values of the global `ARG`s, the base image `{}` is `{}`, which is not a valid image reference",
                    image.text, expansion.result
                ),
                (false, _) => format!("`{}` is not a valid image reference", image.text),
            };
            let help = if uses_args {
                "give the global `ARG`s defaults that make a valid image reference"
            } else {
                "image references are lowercase: `[registry/]name[:tag][@digest]`"
            };
            ctx.report(image.range, message).help(help);
        }
    }
}
