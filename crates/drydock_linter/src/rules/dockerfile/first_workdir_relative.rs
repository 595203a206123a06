use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::unknown_parent;

declare_rule! {
    /// ## What it does
    /// Reports the first `WORKDIR` of a stage when it is relative and no `WORKDIR` ran before
    /// it in the stage or in a stage it builds on (`FROM <stage>`). Once any `WORKDIR` has run,
    /// later relative ones are fine: they are relative to a folder this Dockerfile chose. A
    /// path is absolute when it starts with `/` or a drive (`C:\`, `C:/`), or on Windows images
    /// with `\`. A path whose variables drydock cannot resolve is not reported, nor a stage built
    /// on a stage drydock cannot identify (`FROM base-$TARGETARCH`). This is BuildKit's
    /// `WorkdirRelativePath` build check.
    ///
    /// Off by default: DL3000 (`relative-workdir`), on by default, reports every relative
    /// `WORKDIR`, so the problem is reported once. Turn this rule on (and DL3000 off) to get
    /// BuildKit's exact behaviour.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the base image's working directory, which this
    /// Dockerfile does not control: when the base image changes it, files land elsewhere.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// WORKDIR app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22
    /// WORKDIR /app
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit knows the target platform; drydock guesses Windows from the base image's name,
    /// and takes a drive letter as absolute on any image.
    pub(crate) FirstWorkdirRelative {
        code: "BK010",
        name: "first-workdir-relative",
        aliases: ["WorkdirRelativePath"],
        category: BestPractice,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

/// BuildKit's `system.IsAbs` for the stage's OS.
fn is_absolute(path: &str, windows: bool) -> bool {
    let bytes = path.as_bytes();
    // A drive letter says the image is a Windows one, whatever drydock guessed from its name.
    let drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/');
    path.starts_with('/') || drive || (windows && path.starts_with('\\'))
}

impl Rule for FirstWorkdirRelative {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let mut set_at_end = vec![false; model.stages().len()];
        for stage in model.stages() {
            let mut set =
                unknown_parent(model, stage.index) || stage.parent.is_some_and(|p| set_at_end[p]);
            for index in stage.body.clone() {
                let instruction = model.instruction(index);
                if instruction.kind != InstructionKind::Workdir {
                    continue;
                }
                if !set
                    && let Args::Text(word) = &instruction.args
                    && let Ok(expansion) = model.expand(index, &word.text)
                    && !expansion.unknown
                    && !is_absolute(&expansion.result, stage.windows)
                {
                    ctx.report(
                        word.range,
                        format!(
                            "relative `WORKDIR {}` before any `WORKDIR` in this stage: it depends on the base image's working directory",
                            word.text
                        ),
                    )
                    .help("make the first `WORKDIR` of the stage absolute");
                }
                set = true;
            }
            set_at_end[stage.index] = set;
        }
    }
}
