use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `FROM --platform=<value>` unless the value, as written, contains
    /// `BUILDPLATFORM` or `TARGETPLATFORM` (`$BUILDPLATFORM`, `${TARGETPLATFORM:-linux/amd64}`
    /// and quoted forms pass). A fixed platform such as `--platform=linux/amd64` is reported,
    /// and so is a platform taken from another variable (`--platform=$PLATFORM`).
    ///
    /// BuildKit's `FromPlatformFlagConstDisallowed` build check is the separate rule BK017
    /// (`constant-platform-flag`), off by default (it accepts a constant when the stage is named
    /// after the platform), so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// A fixed platform makes the image build for that platform whatever the builder is asked
    /// for: a multi-platform build (`--platform linux/amd64,linux/arm64`) silently produces the
    /// same architecture twice, and builds on other machines run under emulation. Derive the
    /// platform from `BUILDPLATFORM` (for cross-compiling stages) or leave it to the builder.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 golang:1.23 AS build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    /// ```
    pub(crate) FromPlatformFlag {
        code: "DL3029",
        name: "from-platform-flag",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for FromPlatformFlag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        for (_, instruction) in ctx.instructions_of(InstructionKind::From) {
            let Some(flag) = instruction.flag("platform") else {
                continue;
            };
            let Some(value_range) = flag.value_range else {
                continue;
            };
            let value = &text[value_range];
            if value.contains("BUILDPLATFORM") || value.contains("TARGETPLATFORM") {
                continue;
            }
            ctx.report(flag.range, format!("`FROM --platform={value}` fixes the stage's platform"))
                .help("drop the flag to build for the requested platform, or use `--platform=$BUILDPLATFORM` for a stage that cross-compiles");
        }
    }
}
