use drydock_compose::model;
use drydock_compose::tree::Value;

use super::docker_socket_mount::{driver_options, report_volume, volume_users};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a tmpfs mounted with the `exec` or `suid` option, which switch off Docker's
    /// `noexec` and `nosuid` defaults for tmpfs mounts.
    ///
    /// Two places count:
    ///
    /// - a service `tmpfs:` entry, written as a single string or a list, in the form
    ///   `PATH[:OPTIONS]` (`/run:size=16m,exec`);
    /// - a top-level volume that is a tmpfs (`driver_opts` with `type: tmpfs`) whose `o:`
    ///   options have `exec` or `suid`, when a service mounts it (the finding points at `o:`,
    ///   with a label at each service that mounts it).
    ///
    /// Options are read the way `mount` reads them: the last of `exec`/`noexec` and of
    /// `suid`/`nosuid` wins, so `/tmp:exec,noexec` is not reported. An entry that depends on a
    /// variable drydock cannot resolve is not reported. The long volume syntax `type: tmpfs`
    /// has no such options and is never reported.
    ///
    /// ## Why is this bad?
    /// Writable, executable scratch space is where an attacker drops and runs a payload after
    /// getting a foothold, even in a container with a read-only root file system; `suid`
    /// additionally honours set-user-ID binaries written there, a step towards root in the
    /// container.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp:size=64m,exec
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp:size=64m
    /// ```
    pub(crate) TmpfsExecSuid {
        code: "CMP027",
        name: "tmpfs-exec-suid",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The risky options in effect among mount options (`exec`, `suid`), last one winning.
fn risky<'a>(options: impl Iterator<Item = &'a str>) -> Vec<&'static str> {
    let (mut exec, mut suid) = (false, false);
    for option in options {
        match option.trim() {
            "exec" => exec = true,
            "noexec" => exec = false,
            "suid" => suid = true,
            "nosuid" => suid = false,
            _ => {}
        }
    }
    [(exec, "exec"), (suid, "suid")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name)
        .collect()
}

/// `with `exec`: programs written there can run`, for a message.
fn describe(options: &[&str]) -> String {
    let names = options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let why = match (options.contains(&"exec"), options.contains(&"suid")) {
        (true, true) => {
            "programs written there can be run, set-user-ID ones with their owner's rights"
        }
        (true, false) => "programs written there can be run",
        _ => "set-user-ID programs written there run with their owner's rights",
    };
    format!("with {names}: {why}")
}

const HELP: &str = "drop `exec` and `suid` (the defaults are `noexec` and `nosuid`); run programs from the image instead";

impl Rule for TmpfsExecSuid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(tmpfs) = service.value().get("tmpfs") else {
                continue;
            };
            for entry in model::string_or_list(tmpfs) {
                let (path, options) = entry.text.split_once(':').unwrap_or((entry.text, ""));
                if entry.unknown && options.contains('$') {
                    continue;
                }
                let found = risky(options.split(','));
                if found.is_empty() {
                    continue;
                }
                ctx.report_value(
                    service,
                    entry.value,
                    format!(
                        "service `{}` mounts tmpfs `{path}` {}",
                        service.name,
                        describe(&found)
                    ),
                )
                .help(HELP);
            }
        }
        let project = ctx.project;
        let Some(volumes) = project
            .root
            .as_ref()
            .and_then(|r| r.get("volumes"))
            .and_then(Value::entries)
        else {
            return;
        };
        for volume in volumes {
            let opts = volume.value.get("driver_opts");
            let is_tmpfs = opts
                .and_then(|o| o.get("type"))
                .and_then(Value::str)
                .is_some_and(|t| t == "tmpfs");
            if !is_tmpfs {
                continue;
            }
            let Some((options, o)) = driver_options(&volume.value) else {
                continue;
            };
            let found = risky(options.into_iter());
            if found.is_empty() {
                continue;
            }
            let users = volume_users(project, &volume.key);
            if users.is_empty() {
                continue;
            }
            let message = format!(
                "tmpfs volume `{}` is mounted {}",
                volume.key,
                describe(&found)
            );
            report_volume(ctx, o, &users, message).help(HELP);
        }
    }
}
