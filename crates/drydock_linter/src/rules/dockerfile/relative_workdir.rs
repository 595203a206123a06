use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `WORKDIR` whose path is relative. After removing surrounding quotes, the path
    /// is accepted when it starts with `/`, with a variable (`$APP_HOME`, `${DIR}/x`: its value
    /// is not checked), or with a Windows drive (`C:\app`, `c:/app`). Anything else is reported:
    /// `app`, `./app`, `../srv`, `'rel/dir'`. `ONBUILD WORKDIR` is not checked.
    ///
    /// BuildKit's `WorkdirRelativePath` build check is the separate rule BK010
    /// (`first-workdir-relative`), off by default (it reports only the first `WORKDIR` of a stage),
    /// so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the previous working directory, which may come
    /// from the base image and change when the base image changes. An absolute path says where
    /// files end up, whatever the base image does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /app
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint stops with an internal error on a `WORKDIR` whose path is a single letter
    /// (`WORKDIR a`) or empty (`WORKDIR ""`); these are reported here like any relative path.
    pub(crate) RelativeWorkdir {
        code: "DL3000",
        name: "relative-workdir",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether a `WORKDIR` argument (as written) is absolute in hadolint's sense.
fn is_absolute(path: &str) -> bool {
    let path = path.trim_matches(['"', '\'']);
    let mut chars = path.chars();
    path.starts_with('/')
        || path.starts_with('$')
        || matches!((chars.next(), chars.next()), (Some(d), Some(':')) if d.is_alphabetic())
}

impl Rule for RelativeWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.instructions_of(InstructionKind::Workdir) {
            let Args::Text(word) = &instruction.args else {
                continue;
            };
            if is_absolute(&word.text) {
                continue;
            }
            ctx.report(word.range, format!("`WORKDIR {}` is a relative path", word.text))
                .help("use an absolute path (`/app`): a relative one depends on the working directory the base image left");
        }
    }
}
