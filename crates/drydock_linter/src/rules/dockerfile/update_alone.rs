use drydock_dockerfile::shell::{Command, ShellWord, basename};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::run_scripts;

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that refreshes a package index (`apt-get update`, `apk update`,
    /// `zypper refresh`, `yum makecache`) but installs nothing from it in the same `RUN`.
    ///
    /// `RUN`, `ONBUILD RUN`, heredoc scripts and `sh -c` strings are checked. What counts:
    ///
    /// - `apt-get update` / `apt update` / `aptitude update` with no `install`, `reinstall`,
    ///   `upgrade`, `dist-upgrade`, `full-upgrade`, `safe-upgrade`, `build-dep` or `satisfy` of
    ///   `apt-get`, `apt` or `aptitude` in the same `RUN`;
    /// - `apk update` with no `apk add`, `apk upgrade` or `apk fix`;
    /// - `zypper refresh` / `zypper ref` with no `zypper install`/`in`, `update`/`up`,
    ///   `dist-upgrade`/`dup` or `patch`;
    /// - `yum`/`dnf`/`microdnf`/`tdnf makecache` with no install, update, upgrade, group,
    ///   module or distro-sync command of one of those tools.
    ///
    /// The order inside the `RUN` does not matter, and an install run through a wrapper
    /// (`sudo`, `xargs apt-get install -y`) counts. The finding points at the refreshing
    /// subcommand (`update`, `refresh`, `makecache`). Shell-form RUNs whose `SHELL` is not a
    /// POSIX shell are skipped.
    ///
    /// ## Why is this bad?
    /// The build cache reuses a `RUN` layer as long as its text and the steps before it are
    /// unchanged. A `RUN apt-get update` on its own is therefore cached once and reused for as
    /// long as the cache lives, while a later `RUN apt-get install` is rebuilt whenever its
    /// package list changes, against that old index: it fails to find packages that have
    /// since moved, or silently installs old versions that miss security fixes. The CIS Docker
    /// Benchmark (4.7) asks that update instructions never be used alone.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Notes
    /// For Alpine, `apk add --no-cache <packages>` fetches a fresh index itself; no separate
    /// `apk update` is needed.
    pub(crate) UpdateAlone {
        code: "DS114",
        name: "update-alone",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// A family of package tools that share an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Apt,
    Apk,
    Zypper,
    Rpm,
}

impl Family {
    const ALL: [Family; 4] = [Family::Apt, Family::Apk, Family::Zypper, Family::Rpm];

    fn of(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.tools().contains(&name))
    }

    fn tools(self) -> &'static [&'static str] {
        match self {
            Family::Apt => &["apt-get", "apt", "aptitude"],
            Family::Apk => &["apk"],
            Family::Zypper => &["zypper"],
            Family::Rpm => &["yum", "dnf", "microdnf", "tdnf"],
        }
    }

    /// Subcommands that refresh the index.
    fn refreshes(self) -> &'static [&'static str] {
        match self {
            Family::Apt | Family::Apk => &["update"],
            Family::Zypper => &["refresh", "ref"],
            Family::Rpm => &["makecache"],
        }
    }

    /// Subcommands that install or upgrade packages from the index.
    fn consumers(self) -> &'static [&'static str] {
        match self {
            Family::Apt => &[
                "install",
                "reinstall",
                "upgrade",
                "dist-upgrade",
                "full-upgrade",
                "safe-upgrade",
                "build-dep",
                "satisfy",
            ],
            Family::Apk => &["add", "upgrade", "fix"],
            Family::Zypper => &[
                "install",
                "in",
                "update",
                "up",
                "dist-upgrade",
                "dup",
                "patch",
            ],
            Family::Rpm => &[
                "install",
                "groupinstall",
                "localinstall",
                "reinstall",
                "update",
                "upgrade",
                "update-minimal",
                "upgrade-minimal",
                "distro-sync",
                "group",
                "groups",
                "module",
                "builddep",
                "swap",
            ],
        }
    }

    /// Global options (before the subcommand) whose value is the next word.
    fn takes_value(self, flag: &str) -> bool {
        match self {
            Family::Apt => matches!(
                flag,
                "-o" | "--option" | "-c" | "--config-file" | "-t" | "--target-release"
            ),
            Family::Apk => matches!(
                flag,
                "-X" | "--repository"
                    | "-p"
                    | "--root"
                    | "--arch"
                    | "--keys-dir"
                    | "--cache-dir"
                    | "--repositories-file"
            ),
            Family::Zypper => matches!(
                flag,
                "-R" | "--root"
                    | "-c"
                    | "--config"
                    | "-D"
                    | "--reposd-dir"
                    | "-C"
                    | "--cache-dir"
                    | "--raw-cache-dir"
                    | "--solv-cache-dir"
                    | "--pkg-cache-dir"
            ),
            Family::Rpm => matches!(
                flag,
                "--enablerepo"
                    | "--disablerepo"
                    | "--repo"
                    | "--repoid"
                    | "--setopt"
                    | "--installroot"
                    | "--releasever"
                    | "-c"
                    | "--config"
                    | "--exclude"
                    | "-x"
                    | "--forcearch"
            ),
        }
    }

    fn help(self) -> &'static str {
        match self {
            Family::Apt => {
                "update and install in the same RUN (`apt-get update && apt-get install -y ...`), or drop the update"
            }
            Family::Apk => {
                "use `apk add --no-cache <packages>`, which fetches a fresh index itself, or update and add in the same RUN"
            }
            Family::Zypper => {
                "refresh and install in the same RUN (`zypper refresh && zypper install -y ...`), or drop the refresh"
            }
            Family::Rpm => {
                "install in the same RUN as the `makecache`, or drop it: `yum`/`dnf install` refreshes expired metadata itself"
            }
        }
    }
}

/// A tool of a family and the word of its subcommand (the first word that is not an option).
fn subcommand(command: &Command) -> Option<(Family, &ShellWord, &ShellWord)> {
    let words = command.unwrapped_words();
    let name = words.first()?;
    let family = Family::of(basename(&name.value))?;
    let mut skip_next = false;
    for word in &words[1..] {
        if skip_next {
            skip_next = false;
            continue;
        }
        let value = word.value.as_str();
        if value.starts_with('-') {
            skip_next = !value.contains('=') && family.takes_value(value);
            continue;
        }
        return Some((family, name, word));
    }
    None
}

/// Whether the command installs with a tool of `family`, looking past wrappers such as
/// `xargs`: some word names a tool of the family and a later word is one of its install
/// subcommands.
fn installs(command: &Command, family: Family) -> bool {
    let words = &command.words;
    words.iter().enumerate().any(|(i, w)| {
        family.tools().contains(&basename(&w.value))
            && words[i + 1..]
                .iter()
                .any(|later| family.consumers().contains(&later.value.as_str()))
    })
}

impl Rule for UpdateAlone {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, script) in run_scripts(ctx, true) {
            for command in &script.commands {
                let Some((family, name, sub)) = subcommand(command) else {
                    continue;
                };
                if !family.refreshes().contains(&sub.value.as_str()) {
                    continue;
                }
                if script.commands.iter().any(|c| installs(c, family)) {
                    continue;
                }
                let tool = basename(&name.value);
                ctx.report(
                    sub.range,
                    format!(
                        "`{tool} {}` with no install in the same RUN; later installs use a stale cached index",
                        sub.value
                    ),
                )
                .help(family.help());
            }
        }
    }
}
