use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`. The finding points at
    /// the wrapped keyword.
    ///
    /// ## Why is this bad?
    /// These three cannot be triggers: Docker refuses them, so the image cannot be built (or,
    /// with older builders, every image built on top of it fails).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// ONBUILD FROM node:22-slim
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22
    /// ONBUILD COPY . /app/
    /// ```
    pub(crate) ForbiddenOnbuildTrigger {
        code: "DL3043",
        name: "forbidden-onbuild-trigger",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ForbiddenOnbuildTrigger {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let forbidden = [
            InstructionKind::Onbuild,
            InstructionKind::From,
            InstructionKind::Maintainer,
        ];
        let triggers: Vec<_> = ctx
            .instructions_of(InstructionKind::Onbuild)
            .filter_map(|(_, outer)| outer.onbuild_inner())
            .filter(|inner| forbidden.contains(&inner.kind))
            .collect();
        for inner in triggers {
            ctx.report(
                inner.keyword.range,
                format!("`ONBUILD {}` is not allowed", inner.kind.keyword()),
            )
            .help("`ONBUILD`, `FROM` and `MAINTAINER` cannot be triggers; move the instruction out of `ONBUILD`");
        }
    }
}
