use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports the sources of an `ADD` that are neither a URL nor an archive. After removing
    /// surrounding quotes, a source passes when it starts with `http://` or `https://`, or ends
    /// with one of the archive extensions `.tar`, `.Z`, `.bz2`, `.gz`, `.lz`, `.lzma`, `.tZ`,
    /// `.tb2`, `.tbz`, `.tbz2`, `.tgz`, `.tlz`, `.tpz`, `.txz`, `.xz` (compared case-sensitively).
    /// Everything else is reported, each source on its own: local files and folders, `.zip`
    /// files (which `ADD` does not extract), git URLs, and sources built from variables
    /// (`ADD ${URL} /x`). `ONBUILD ADD` is not checked.
    ///
    /// ## Why is this bad?
    /// `ADD` also downloads URLs and unpacks local archives. For a plain file or folder it does
    /// the same as `COPY`, but a reader (and the next maintainer) has to check which behaviour
    /// applies; `COPY` says that the files are copied as they are.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ADD requirements.txt /app/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY requirements.txt /app/
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces the `ADD` keyword with `COPY` (in the keyword's case). It is offered
    /// only when every source is a literal local path (no variable, no `://`, no git address)
    /// without an archive extension, and the `ADD` has only flags `COPY` also accepts
    /// (`--chown`, `--chmod`, `--link`, `--exclude`) and no heredoc. It is safe: for such
    /// sources `ADD` and `COPY` copy the same files.
    ///
    /// ## Differences from hadolint
    /// hadolint cannot parse `ADD` with a heredoc; here a heredoc source is reported like a
    /// local file (without a fix).
    pub(crate) AddForLocalFiles {
        code: "DL3020",
        name: "add-for-local-files",
        aliases: [],
        category: BestPractice,
        severity: Error,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// hadolint's archive extensions (`.zip` is not one: `ADD` does not extract it).
const ARCHIVE_EXTENSIONS: [&str; 15] = [
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// Whether hadolint accepts `source` (as written) in an `ADD`.
fn is_url_or_archive(source: &str) -> bool {
    let source = source.trim_matches(['"', '\'']);
    source.starts_with("https://")
        || source.starts_with("http://")
        || ARCHIVE_EXTENSIONS.iter().any(|ext| source.ends_with(ext))
}

/// Whether `ADD` copies `source` exactly as `COPY` would: a literal local path.
fn is_plain_local(source: &str) -> bool {
    !source.contains(['$', '\\'])
        && !source.contains("://")
        && !source.starts_with("git@")
        && !source.starts_with("github.com/")
        && !source.starts_with("<<")
}

/// `COPY` written in the case of `keyword`.
fn copy_keyword(keyword: &str) -> &'static str {
    if keyword.chars().all(|c| c.is_ascii_lowercase()) {
        "copy"
    } else if keyword.chars().skip(1).all(|c| c.is_ascii_lowercase()) {
        "Copy"
    } else {
        "COPY"
    }
}

impl Rule for AddForLocalFiles {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.instructions_of(InstructionKind::Add) {
            let Args::Paths(paths) = &instruction.args else {
                continue;
            };
            let Some((_, sources)) = paths.items.split_last() else {
                continue;
            };
            let local: Vec<_> = sources
                .iter()
                .filter(|w| !is_url_or_archive(&w.text))
                .collect();
            let fixable = local.len() == sources.len()
                && instruction.heredocs.is_empty()
                && instruction
                    .flags
                    .iter()
                    .all(|f| matches!(f.name.as_str(), "chown" | "chmod" | "link" | "exclude"))
                && sources.iter().all(|w| is_plain_local(&w.text));
            for (n, word) in local.into_iter().enumerate() {
                let diagnostic = ctx
                    .report(
                        word.range,
                        format!("`ADD` of `{}`, which is neither a URL nor an archive", word.text),
                    )
                    .help("use `COPY` for local files and folders; keep `ADD` for URLs and archives to extract");
                if fixable && n == 0 {
                    let keyword = &instruction.keyword;
                    diagnostic.fix(Fix::safe(
                        "Replace `ADD` with `COPY`",
                        vec![Edit::replace(keyword.range, copy_keyword(&keyword.text))],
                    ));
                }
            }
        }
    }
}
