use std::path::Path;

use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Args, InstructionKind, Word};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::dockerignore::{DockerIgnore, clean};

declare_rule! {
    /// ## What it does
    /// Reports a `COPY` or `ADD` source from the build context that `.dockerignore` excludes,
    /// itself or through a parent folder. Sources are expanded and cleaned first
    /// (`./Dockerfile` is `Dockerfile`); `COPY --from`, heredocs, URLs and Git sources are not
    /// checked, nor sources whose variables drydock cannot resolve. A source of `.` or `/` (the
    /// whole context) is reported only when a pattern is `*`, `**` or `**/*`. Nothing is
    /// reported when there is no ignore file, when it has an exception (`!pattern`: whether a
    /// folder is copied then depends on what is in it), or when it has a pattern BuildKit
    /// rejects. This is BuildKit's `CopyIgnoredFile` build check.
    ///
    /// The ignore file is `<Dockerfile name>.dockerignore` next to the Dockerfile (for
    /// `app.Dockerfile`, `app.Dockerfile.dockerignore`) when it exists, else `.dockerignore`
    /// at the root of the build context. The build context is the Dockerfile's folder, or a
    /// compose service's `build.context`. Patterns follow `.dockerignore`'s own rules, not
    /// `.gitignore`'s: they are relative to the context root (`node_modules` matches only at
    /// the root), `*` and `?` do not cross `/`, `**` matches any number of folders, and the
    /// last matching pattern wins.
    ///
    /// ## Why is this bad?
    /// Ignored files are not sent to the builder, so the `COPY` fails with "not found", or,
    /// with a wildcard, silently copies less than it seems to.
    ///
    /// ## Example
    /// ```dockerfile
    /// # .dockerignore contains `config/`
    /// FROM nginx:1.27
    /// COPY config/nginx.conf /etc/nginx/nginx.conf
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # .dockerignore no longer excludes `config/`
    /// FROM nginx:1.27
    /// COPY config/nginx.conf /etc/nginx/nginx.conf
    /// ```
    ///
    /// ## Differences from BuildKit
    /// drydock points at the source, BuildKit at the instruction; drydock also names the
    /// pattern that excludes it.
    pub(crate) CopyIgnoredFile {
        code: "BK018",
        name: "copy-ignored-file",
        aliases: ["CopyIgnoredFile"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether an `ADD` source is fetched rather than read from the context.
fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

/// The sources of `COPY` (without `--from`) and `ADD` that may come from the build context, as
/// written (heredocs and remote sources left out), with their instruction and its verb.
fn context_sources(model: &Model) -> impl Iterator<Item = (usize, &'static str, &Word)> {
    model.instructions().flat_map(|(index, instruction)| {
        let (verb, paths) = match (instruction.kind, &instruction.args) {
            (InstructionKind::Copy, Args::Paths(paths)) if instruction.flag("from").is_none() => {
                ("COPY", &paths.items[..])
            }
            (InstructionKind::Add, Args::Paths(paths)) => ("ADD", &paths.items[..]),
            _ => ("", &[][..]),
        };
        // The last path is the destination.
        let sources = paths.split_last().map_or(&[][..], |(_, sources)| sources);
        sources
            .iter()
            .filter(|s| !s.text.starts_with("<<") && !is_remote(&s.text))
            .map(move |s| (index, verb, s))
    })
}

impl Rule for CopyIgnoredFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let Some(dockerfile) = ctx.path else {
            return;
        };
        let context = ctx
            .context
            .or_else(|| dockerfile.parent())
            .unwrap_or(Path::new(""));
        // Without a source from the context, the ignore file is not read.
        let model = ctx.model;
        if context_sources(model).next().is_none() {
            return;
        }
        let Some(ignore) = DockerIgnore::for_dockerfile(dockerfile, context) else {
            return;
        };
        if ignore.has_exceptions() {
            return;
        }
        let file_name = ignore.path.file_name().map_or_else(
            || ".dockerignore".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        for (index, verb, source) in context_sources(model) {
            let Ok(expansion) = model.expand(index, &source.text) else {
                continue;
            };
            if expansion.unknown || is_remote(&expansion.result) {
                continue;
            }
            let path = clean(&expansion.result);
            if (path == "." || path == "/") && !ignore.excludes_root() {
                continue;
            }
            let Some((pattern, line)) = ignore.excluding_pattern(&path) else {
                continue;
            };
            ctx.report(
                source.range,
                format!("`{path}` is excluded by `{file_name}`, so `{verb}` cannot use it"),
            )
            .help(format!(
                "the pattern `{pattern}` on line {line} of `{file_name}` excludes it from the build context"
            ));
        }
    }
}
