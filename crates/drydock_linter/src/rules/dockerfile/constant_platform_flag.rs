use drydock_dockerfile::InstructionKind;
use drydock_dockerfile::lex::Lexer;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::parse_platform;

declare_rule! {
    /// ## What it does
    /// Reports `FROM --platform=<value>` when the value has no variable and is a platform
    /// BuildKit can parse (`linux/amd64`, `arm64`), unless the stage name contains the
    /// platform's operating system or architecture (`AS build_amd64`, `AS linux`), which says
    /// the constant is deliberate. Architectures are compared normalised (`x86_64` is
    /// `amd64`, `aarch64` is `arm64`). This is BuildKit's `FromPlatformFlagConstDisallowed`
    /// build check.
    ///
    /// Off by default: DL3029 (`from-platform-flag`), on by default, reports every
    /// `--platform` without a variable, without the stage-name exemption, so the problem is
    /// reported once. Turn this rule on (and DL3029 off) to get BuildKit's exact behaviour.
    ///
    /// ## Why is this bad?
    /// A constant platform pins the stage to one architecture: a multi-platform build
    /// (`--platform linux/amd64,linux/arm64`) produces the same content for every platform, or
    /// runs it under emulation.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM alpine:3.20
    /// ```
    ///
    /// ## Differences from BuildKit
    /// For a value that is only an operating system (`--platform=linux`), BuildKit also
    /// compares the stage name with the build machine's architecture; drydock compares only
    /// the operating system. drydock points at the flag's value, BuildKit at the `FROM` line.
    pub(crate) ConstantPlatformFlag {
        code: "BK017",
        name: "constant-platform-flag",
        aliases: ["FromPlatformFlagConstDisallowed"],
        category: BestPractice,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ConstantPlatformFlag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let lexer = Lexer::new(model.file().escape());
        for (index, instruction) in model.instructions_of(InstructionKind::From) {
            let Some(flag) = instruction.flag("platform") else {
                continue;
            };
            let (Some(value), Some(range)) = (&flag.value, flag.value_range) else {
                continue;
            };
            let Ok(expansion) = lexer.process_word(value, model.scope(index)) else {
                continue;
            };
            if !expansion.matched.is_empty() || !expansion.unmatched.is_empty() {
                continue;
            }
            let Some(platform) = parse_platform(&expansion.result) else {
                continue;
            };
            let stage_name = model
                .stage_of(index)
                .and_then(|s| model.stages()[s].name.as_ref())
                .map(|n| n.lower.clone())
                .unwrap_or_default();
            let named = [platform.os.as_deref(), platform.arch.as_deref()]
                .into_iter()
                .flatten()
                .any(|part| stage_name.contains(part));
            if named {
                continue;
            }
            ctx.report(
                range,
                format!(
                    "`--platform={}` is a constant: the stage is built for this platform whatever platform is asked for",
                    expansion.result
                ),
            )
            .help("use `$BUILDPLATFORM` or `$TARGETPLATFORM`, or name the stage after the platform (`AS build-amd64`) when the constant is deliberate");
        }
    }
}
