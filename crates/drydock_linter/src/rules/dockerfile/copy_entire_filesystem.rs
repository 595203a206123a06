use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `COPY --from=<stage> / /`: a `COPY` with a `--from` flag where some source is
    /// exactly `/` and the destination is exactly `/` (surrounding quotes removed).
    /// `ONBUILD COPY` is not checked.
    ///
    /// ## Why is this bad?
    /// Copying the whole filesystem of another stage or image brings along everything the
    /// multi-stage build was meant to leave behind (compilers, caches, package databases,
    /// secrets written during the build) and overwrites the current stage's own files. Copy the
    /// directories the final image needs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    ///
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=build / /
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    ///
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=build /out/app /app
    /// ```
    pub(crate) CopyEntireFilesystem {
        code: "DL3067",
        name: "copy-entire-filesystem",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

fn is_root(path: &str) -> bool {
    path.trim_matches(['"', '\'']) == "/"
}

impl Rule for CopyEntireFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.instructions_of(InstructionKind::Copy) {
            if instruction.flag("from").is_none() {
                continue;
            }
            let Args::Paths(paths) = &instruction.args else {
                continue;
            };
            let Some((dest, sources)) = paths.items.split_last() else {
                continue;
            };
            if !is_root(&dest.text) {
                continue;
            }
            if let Some(source) = sources.iter().find(|s| is_root(&s.text)) {
                ctx.report(
                    source.range,
                    "`COPY --from` copies the entire filesystem of another stage to `/`",
                )
                .help("copy only the files and directories the image needs");
            }
        }
    }
}
