use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{self, Command, ShellScript, ShellWord, basename};
use drydock_dockerfile::{Args, Instruction, InstructionKind, Word};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{install, is_package, run_script};

declare_rule! {
    /// ## What it does
    /// Reports an SSH server in the image: its package installed, its daemon started or enabled,
    /// or port 22 exposed.
    ///
    /// What counts:
    ///
    /// - a package install (`apt-get`/`apt`/`aptitude install`, `apk add`,
    ///   `yum`/`dnf`/`microdnf`/`tdnf install`, `zypper install`) of `openssh-server`,
    ///   `openssh` or `dropbear`, with or without a version (`openssh-server=1:9.2p1-2`,
    ///   `openssh~9`, `openssh-server-8.0p1`); the finding points at the package;
    /// - a command that starts the daemon: one named `sshd` or `dropbear` (in any directory,
    ///   also behind `exec`, `sudo` or `nohup`; `sshd -t`/`-T`, which only test the
    ///   configuration, do not count), `service ssh|sshd|dropbear start|restart`,
    ///   `/etc/init.d/ssh|sshd|dropbear start|restart`,
    ///   `systemctl enable|reenable|start|restart ssh|sshd|dropbear[.service]`,
    ///   `rc-update add ssh|sshd|dropbear` or `update-rc.d ssh|sshd|dropbear defaults|enable`;
    ///   the finding points at the daemon or service name;
    /// - `EXPOSE` of port 22 (`22`, `22/tcp`, `22/udp`, or a range such as `20-25` that
    ///   contains it), after builder variables are expanded; the finding points at the port.
    ///
    /// Commands are looked for in `RUN`, `CMD` and `ENTRYPOINT` (shell form, exec form, whose
    /// first element is the command, and `["sh", "-c", "..."]`) and in heredoc scripts; these
    /// instructions and `EXPOSE` are also checked under `ONBUILD`. Shell-form instructions whose
    /// `SHELL` is not a POSIX shell are skipped.
    ///
    /// ## Why is this bad?
    /// An SSH daemon is a second way into the container besides the application: one more
    /// service with its own keys, passwords and vulnerabilities to manage and patch, usually
    /// running as root and forgotten after the image is built. The container runtime already
    /// gives operators a shell with `docker exec` (or `kubectl exec`), with access control and
    /// auditing. The CIS Docker Benchmark asks not to install unneeded packages (4.3) and not to
    /// run sshd in containers (5.7).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y openssh-server
    /// EXPOSE 22
    /// CMD ["/usr/sbin/sshd", "-D"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y openssh-client
    /// CMD ["my-app"]
    /// ```
    ///
    /// ## Notes
    /// The SSH client (`openssh-client`, `openssh-clients`, `dropbear-dbclient`) is not
    /// reported, nor is creating `/var/run/sshd` or generating host keys on its own.
    pub(crate) SshServer {
        code: "DS102",
        name: "ssh-server",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Packages that install an SSH server.
const PACKAGES: [&str; 3] = ["openssh-server", "openssh", "dropbear"];

/// Executables of SSH servers.
const DAEMONS: [&str; 2] = ["sshd", "dropbear"];

/// Directories of SysV init scripts.
const INIT_DIRS: [&str; 2] = ["/etc/init.d/", "/etc/rc.d/init.d/"];

/// Service names of SSH servers.
const SERVICES: [&str; 3] = ["ssh", "sshd", "dropbear"];

const HELP_INSTALL: &str = "remove the SSH server from the image; open a shell with `docker exec` (or `kubectl exec`) when one is needed";
const HELP_RUN: &str = "run the application as the container's process and use `docker exec` (or `kubectl exec`) for shell access";
const HELP_EXPOSE: &str =
    "do not expose the SSH port; use `docker exec` (or `kubectl exec`) for shell access";

fn is_service(name: &str) -> bool {
    SERVICES.contains(&name.strip_suffix(".service").unwrap_or(name))
}

/// One piece of evidence of an SSH server: where, what, and the help text.
type Finding = (TextRange, String, &'static str);

/// Finds what one shell command does to install or start an SSH server.
fn check_command(out: &mut Vec<Finding>, command: &Command) {
    if let Some(found) = install(command) {
        for package in found.packages {
            if PACKAGES.iter().any(|p| is_package(&package.value, p)) {
                out.push((
                    package.range,
                    format!("`{}` installs an SSH daemon in the image", package.value),
                    HELP_INSTALL,
                ));
            }
        }
        return;
    }
    let words = command.unwrapped_words();
    let Some(first) = words.first() else { return };
    let name = basename(&first.value);
    let args = &words[1..];
    // The arguments that are not options (listed only for the commands read below).
    let positional =
        || -> Vec<&ShellWord> { args.iter().filter(|w| !w.value.starts_with('-')).collect() };
    let starts = |verb: &str| matches!(verb, "start" | "restart");
    let mut found = |range, message: String| {
        out.push((range, message, HELP_RUN));
    };
    if INIT_DIRS.iter().any(|dir| first.value.starts_with(dir)) {
        // A SysV init script: `/etc/init.d/ssh start`.
        if is_service(name)
            && let Some(verb) = positional().first()
            && starts(&verb.value)
        {
            found(
                first.range,
                format!("`{} {}` starts an SSH daemon", first.value, verb.value),
            );
        }
        return;
    }
    if DAEMONS.contains(&name) {
        // `sshd -t`/`-T` only test the configuration.
        if !args.iter().any(|w| matches!(w.value.as_str(), "-t" | "-T")) {
            found(
                first.range,
                format!("`{}` starts an SSH daemon", first.value),
            );
        }
        return;
    }
    if !matches!(name, "service" | "systemctl" | "rc-update" | "update-rc.d") {
        return;
    }
    match (name, positional().as_slice()) {
        ("service", [service, verb, ..]) if is_service(&service.value) && starts(&verb.value) => {
            found(
                service.range,
                format!(
                    "`service {} {}` starts an SSH daemon",
                    service.value, verb.value
                ),
            );
        }
        ("systemctl", [verb, units @ ..]) => {
            let what = match verb.value.as_str() {
                "start" | "restart" => "starts",
                "enable" | "reenable" => "enables",
                _ => return,
            };
            for unit in units.iter().filter(|u| is_service(&u.value)) {
                found(
                    unit.range,
                    format!(
                        "`systemctl {} {}` {what} an SSH daemon",
                        verb.value, unit.value
                    ),
                );
            }
        }
        ("rc-update", [verb, service, ..]) if verb.value == "add" && is_service(&service.value) => {
            found(
                service.range,
                format!("`rc-update add {}` enables an SSH daemon", service.value),
            );
        }
        ("update-rc.d", [service, verb, ..])
            if is_service(&service.value)
                && matches!(verb.value.as_str(), "defaults" | "enable") =>
        {
            found(
                service.range,
                format!(
                    "`update-rc.d {} {}` enables an SSH daemon",
                    service.value, verb.value
                ),
            );
        }
        _ => {}
    }
}

fn check_script(out: &mut Vec<Finding>, script: &ShellScript) {
    for command in &script.commands {
        check_command(out, command);
    }
}

/// The port range an `EXPOSE` value covers (`22`, `22/tcp`, `20-25/udp`).
fn port_range(value: &str) -> Option<(u32, u32)> {
    let port = value.split_once('/').map_or(value, |(port, _)| port);
    match port.split_once('-') {
        Some((low, high)) => Some((low.parse().ok()?, high.parse().ok()?)),
        None => {
            let p = port.parse().ok()?;
            Some((p, p))
        }
    }
}

fn check_expose(out: &mut Vec<Finding>, model: &Model, index: usize, words: &[Word]) {
    for word in words {
        let Ok(expansion) = model.expand(index, &word.text) else {
            continue;
        };
        if expansion.unknown {
            continue;
        }
        // One word may expand to several ports (`EXPOSE $PORTS`).
        let covers = expansion
            .result
            .split_whitespace()
            .filter_map(port_range)
            .any(|(low, high)| (low..=high).contains(&22));
        if !covers {
            continue;
        }
        let message = if expansion.result.split_whitespace().count() == 1
            && port_range(&expansion.result) == Some((22, 22))
        {
            format!("`EXPOSE {}` declares the SSH port", expansion.result)
        } else {
            format!(
                "`EXPOSE {}` includes port 22, the SSH port",
                expansion.result
            )
        };
        out.push((word.range, message, HELP_EXPOSE));
    }
}

/// The SSH-server evidence of a Dockerfile, in the order DS102 reports it: package installs
/// and daemon starts in `RUN`, then daemon starts in `CMD`/`ENTRYPOINT` and port 22 in `EXPOSE`.
/// Each finding is `(range, message, help)`.
///
/// With `stage`, only the image that stage produces is looked at: the instructions of the stage
/// and of the stages it builds on (`FROM <stage>`), without `ONBUILD` triggers (they run in
/// images built from this one, not in it). Without `stage`, the whole file, `ONBUILD` included.
/// Only the instructions `checked` accepts are looked at.
pub(crate) fn ssh_findings(
    model: &Model,
    stage: Option<usize>,
    checked: impl Fn(usize) -> bool,
) -> Vec<Finding> {
    let stages: Option<Vec<usize>> = stage.map(|s| model.ancestry(s).map(|s| s.index).collect());
    let included = |index: usize| match &stages {
        _ if !checked(index) => false,
        None => true,
        Some(stages) => {
            model.instruction(index).kind != InstructionKind::Onbuild
                && model.stage_of(index).is_some_and(|s| stages.contains(&s))
        }
    };
    let mut out = Vec::new();
    for index in 0..model.instruction_count() {
        if included(index)
            && let Some(script) = run_script(model, index, true)
        {
            check_script(&mut out, script);
        }
    }
    for (index, outer) in model.instructions() {
        if !included(index) {
            continue;
        }
        let instruction: &Instruction = match outer.kind {
            InstructionKind::Onbuild => match outer.onbuild_inner() {
                Some(inner) => inner,
                None => continue,
            },
            _ => outer,
        };
        match (&instruction.kind, &instruction.args) {
            (InstructionKind::Cmd | InstructionKind::Entrypoint, args) => {
                let shell_form = matches!(args, Args::Shell(_));
                if shell_form && !model.shell_spec(index).is_posix() {
                    continue;
                }
                let script = shell::parse_run(model.file(), instruction);
                check_script(&mut out, &script);
            }
            (InstructionKind::Expose, Args::Words(words)) => {
                check_expose(&mut out, model, index, words);
            }
            _ => {}
        }
    }
    out
}

impl Rule for SshServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (range, message, help) in ssh_findings(ctx.model, None, ctx.checked()) {
            ctx.report(range, message).help(help);
        }
    }
}
