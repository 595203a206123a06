use drydock_dockerfile::shell::ShellWord;

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, runs};

declare_rule! {
    /// ## What it does
    /// Reports every command named exactly `apt` in `RUN` and `ONBUILD RUN`, whatever its
    /// subcommand.
    ///
    /// `apt-get`, `apt-cache`, a path such as `/usr/bin/apt` and the word `apt` as an argument
    /// (`apt-get install apt`) are not reported.
    ///
    /// ## Why is this bad?
    /// `apt` is the front end for people at a terminal: its output and defaults may change
    /// between releases (it warns "apt does not have a stable CLI interface" when not run on a
    /// terminal), it draws progress bars and colours into the build log, and some subcommands
    /// behave differently from their `apt-get` counterparts (`apt upgrade` installs new
    /// dependencies, `apt update` may stop to ask about repository changes). Scripts should use
    /// `apt-get` and `apt-cache`, whose interface is stable.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt update && apt install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces `apt` with `apt-get` (when the name is written plainly) for subcommands
    /// that `apt-get` has with the same meaning. It is safe for `update`, `remove`, `purge`,
    /// `autoremove`, `clean`, `autoclean` and `source`. It is unsafe for `install` and
    /// `build-dep`: `apt` deletes the `.deb` files it downloaded once they are installed,
    /// `apt-get` keeps them in `/var/cache/apt/archives`, so unless the base image's apt
    /// configuration cleans them (Debian's and Ubuntu's official images do), the image grows.
    /// There is no fix for `upgrade` and `full-upgrade` (they behave differently in
    /// `apt-get`), for `list`, `search`, `show` and `edit-sources` (use `apt-cache` or other
    /// tools), nor for other or missing subcommands.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) AptInsteadOfAptGet {
        code: "DL3027",
        name: "apt-instead-of-apt-get",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// apt options whose value is the next word.
const TAKES_VALUE: [&str; 8] = [
    "-o",
    "--option",
    "-c",
    "--config-file",
    "-t",
    "--target-release",
    "-a",
    "--host-architecture",
];

/// The subcommand: the first argument that is neither an option nor an option's value.
fn subcommand<'a>(cmd: &Cmd<'a>) -> Option<&'a ShellWord> {
    let mut skip = false;
    for word in cmd.args.iter() {
        if skip {
            skip = false;
            continue;
        }
        let v = word.value.as_str();
        if v.starts_with('-') {
            skip = TAKES_VALUE.contains(&v);
            continue;
        }
        return Some(word);
    }
    None
}

impl Rule for AptInsteadOfAptGet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        for run in runs(ctx) {
            for cmd in run.commands() {
                if cmd.name() != "apt" {
                    continue;
                }
                let Some(name) = cmd.name_word() else {
                    continue;
                };
                let sub = subcommand(&cmd).map(|w| w.value.as_str());
                let d = ctx
                    .report(name.range, "`apt` is meant for interactive use, not for scripts")
                    .help("use `apt-get` (or `apt-cache` to query packages), whose interface is stable");
                if &text[name.range] != "apt" {
                    continue;
                }
                let edit = || vec![Edit::replace(name.range, "apt-get")];
                match sub {
                    Some(
                        "update" | "remove" | "purge" | "autoremove" | "clean" | "autoclean"
                        | "source",
                    ) => {
                        d.fix(Fix::safe("Replace `apt` with `apt-get`", edit()));
                    }
                    Some("install" | "build-dep") => {
                        d.fix(Fix::unsafe_("Replace `apt` with `apt-get`", edit()));
                    }
                    _ => {}
                }
            }
        }
    }
}
