use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{has_cache_mount, runs};

declare_rule! {
    /// ## What it does
    /// Reports an `apk add` without `--no-cache`, in `RUN` and `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `apk` and has an `add` argument anywhere; it
    /// passes with a `--no-cache` flag anywhere among its arguments. A `RUN` with a
    /// `--mount=type=cache` (or `tmpfs`) whose target contains `/var/cache/apk` is not
    /// reported. An `rm -rf /var/cache/apk/*` later in the `RUN` does not count, as in
    /// hadolint.
    ///
    /// ## Why is this bad?
    /// Without `--no-cache`, apk keeps what it downloads, at least the package index (often
    /// fetched with `apk update` or `--update`), under `/var/cache/apk`, and that stays in the
    /// layer. `apk add --no-cache` fetches a fresh index, uses it and keeps nothing, with no
    /// `apk update` and no cleanup needed.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk update && apk add curl=8.12.1-r0
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl=8.12.1-r0
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `--no-cache` after the `add` word (when that word is written plainly).
    /// It is unsafe: a later `apk add` without `--update` or `--no-cache` may rely on the
    /// package index this one would have left behind, and then fails.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) ApkAddWithCache {
        code: "DL3019",
        name: "apk-add-with-cache",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

impl Rule for ApkAddWithCache {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        for run in runs(ctx) {
            if has_cache_mount(model, run.instruction, "/var/cache/apk") {
                continue;
            }
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["apk"], &["add"]) || cmd.has_flag("no-cache") {
                    continue;
                }
                let (Some(name), Some(add)) =
                    (cmd.name_word(), cmd.args.iter().find(|w| w.value == "add"))
                else {
                    continue;
                };
                let d = ctx
                    .report(name.range.cover(add.range), "`apk add` without `--no-cache` leaves the package cache in the image")
                    .help("use `apk add --no-cache` (it needs no `apk update` and leaves nothing behind), or a cache mount for `/var/cache/apk`");
                if &text[add.range] == "add" {
                    d.fix(Fix::unsafe_(
                        "Add `--no-cache`",
                        vec![Edit::insert(add.range.end(), " --no-cache")],
                    ));
                }
            }
        }
    }
}
