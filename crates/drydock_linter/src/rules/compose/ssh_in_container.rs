use std::path::Path;

use drydock_compose::model::{self, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::{Value, ValueKind};
use drydock_dockerfile::image::ImageRef;
use drydock_dockerfile::model::Model;

use crate::compose::{ComposeContext, build_target};
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};
use crate::rules::dockerfile::ssh_server::ssh_findings;

declare_rule! {
    /// ## What it does
    /// Reports a service that runs an SSH server: port 22 published or exposed, an SSH server
    /// image, a `command`/`entrypoint` starting `sshd` or `dropbear`, or a build Dockerfile
    /// that installs or starts one.
    ///
    /// Each piece of evidence is its own finding:
    ///
    /// - a `ports` item whose container port is 22 (or a range containing 22), in the short
    ///   syntax (`"2222:22"`, `"22"`, `22:22`, `"127.0.0.1:2222:22/tcp"`) or the long syntax
    ///   (`target: 22`); the finding points at the item, or at the long syntax's `target`.
    ///   Only the container side counts: `"22:2222"` maps host port 22 to something else;
    /// - an `expose` item of port 22 (`22`, `"22/tcp"`, a range such as `"20-25"`);
    /// - an `image` whose name (the last path component, without tag or digest, any case)
    ///   contains `openssh` or `sshd`, such as `linuxserver/openssh-server` or `panubo/sshd`;
    ///   names with `openssh-client` are SSH clients and do not count;
    /// - a `command` or `entrypoint` (a string, split into words as Compose does, or a list,
    ///   where the finding points at the daemon's item or the `sh -c` script) that starts an
    ///   SSH daemon: `sshd` or `dropbear` in any directory (also behind `exec`,
    ///   `sudo`, `nohup`, `env`; `sshd -t`/`-T` only test the configuration), `service ssh
    ///   start`, `/etc/init.d/ssh start`, `systemctl start sshd`, ... directly or inside
    ///   `sh -c "..."` (any POSIX shell);
    /// - the Dockerfile the service builds (`build`, with its `context` and `dockerfile`): an
    ///   SSH server package installed (`openssh-server`, `openssh`, `dropbear` through apt, apk,
    ///   yum/dnf or zypper), the daemon started or enabled (`RUN`, `CMD`, `ENTRYPOINT`) or
    ///   `EXPOSE 22`, as drydock's DS102 finds them, in the stage the service builds
    ///   (`build.target`, else the last stage) and the stages it builds on (`ONBUILD` triggers
    ///   do not count). The finding points at `build` (its `dockerfile`, else its `context`)
    ///   and shows each piece of evidence in the Dockerfile as a secondary label.
    ///
    /// Values from `.env`, defaults, anchors, override files and `extends` count; a value that
    /// depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// An SSH daemon is a second way into the container besides the application: one more
    /// service with its own keys, passwords and vulnerabilities, usually running as root and
    /// seldom patched. `docker exec` (or `docker compose exec`) already gives operators a
    /// shell, with the daemon's access control. The CIS Docker Benchmark (5.7) asks not to run
    /// sshd within containers.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   bastion:
    ///     image: linuxserver/openssh-server:9.7
    ///     ports:
    ///       - "2222:22"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    /// # and for a shell: docker compose exec app sh
    /// ```
    ///
    /// ## Notes
    /// Services that serve Git over SSH (Gitea, GitLab) publish container port 22 on purpose;
    /// suppress the finding there.
    pub(crate) SshInContainer {
        code: "CMP040",
        name: "ssh-in-container",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

const HELP: &str = "run the application as the container's process and open a shell with `docker compose exec` when one is needed";

/// The port range a port text covers (`22`, `20-25`, `22/tcp`).
fn port_range(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let text = text.split_once('/').map_or(text, |(p, _)| p).trim();
    match text.split_once('-') {
        Some((low, high)) => Some((low.trim().parse().ok()?, high.trim().parse().ok()?)),
        None => {
            let p = text.parse().ok()?;
            Some((p, p))
        }
    }
}

/// How a port that covers 22 is described.
fn ssh_note(text: &str) -> &'static str {
    if port_range(text) == Some((22, 22)) {
        "the SSH port"
    } else {
        "a range that includes 22, the SSH port"
    }
}

fn covers_22(text: &str) -> bool {
    port_range(text).is_some_and(|(low, high)| (low..=high).contains(&22))
}

/// Whether an image reference names an SSH server image.
fn ssh_image(reference: &str) -> bool {
    let parsed = ImageRef::parse(reference.trim());
    let repository = parsed.repository().to_ascii_lowercase();
    let name = repository.rsplit('/').next().unwrap_or(&repository);
    (name.contains("openssh") && !name.contains("openssh-client")) || name.contains("sshd")
}

/// Splits a `command`/`entrypoint` string into words as Compose does (shell quoting rules, no
/// expansion).
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    current.push(c);
                }
            }
            Some(_) => match c {
                '"' => quote = None,
                '\\' => match chars.peek() {
                    Some(&next) if matches!(next, '"' | '\\' | '$' | '`') => {
                        current.push(next);
                        chars.next();
                    }
                    _ => current.push(c),
                },
                _ => current.push(c),
            },
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                '\\' => {
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                    in_word = true;
                }
                c if c.is_whitespace() => {
                    if in_word {
                        words.push(std::mem::take(&mut current));
                        in_word = false;
                    }
                }
                _ => {
                    current.push(c);
                    in_word = true;
                }
            },
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The argv of a `command`/`entrypoint`; `None` when it depends on an unknown variable.
fn argv(value: &Value) -> Option<Vec<String>> {
    match &value.kind {
        ValueKind::Seq(items) => {
            let texts: Vec<Text<'_>> = items.iter().filter_map(Text::of).collect();
            if texts.iter().any(|t| t.unknown) {
                return None;
            }
            Some(texts.iter().map(|t| t.text.to_owned()).collect())
        }
        ValueKind::Scalar(_) => {
            let text = Text::of(value)?;
            if text.unknown {
                return None;
            }
            Some(split_words(text.text))
        }
        ValueKind::Map(_) => None,
    }
}

/// What an argv does to start an SSH server, read with DS102's logic on `CMD [argv]`.
fn command_evidence(argv: &[String]) -> Option<String> {
    if !argv.iter().any(|a| may_name_ssh(a)) {
        return None;
    }
    evidence_in_model(argv)
}

/// Whether a word DS102 reads in `a` could name an SSH server (`sshd`, `ssh`, `openssh...`,
/// `dropbear`), which every one of its findings needs. The words it reads are `a` itself or,
/// for `sh -c`, the script's words with quotes and backslashes removed: without those in `a`,
/// each is a piece of `a`. (Most commands mention none of them, and building a Dockerfile
/// model for each was 3% of linting the corpus's compose files.)
fn may_name_ssh(a: &str) -> bool {
    a.contains("ssh") || a.contains("dropbear") || a.contains(['\\', '\'', '"'])
}

/// [`command_evidence`] without the check of [`may_name_ssh`].
fn evidence_in_model(argv: &[String]) -> Option<String> {
    if argv.is_empty() {
        return None;
    }
    let json = serde_json::to_string(argv).ok()?;
    let model = Model::new(drydock_dockerfile::parse_str(&format!(
        "FROM scratch\nCMD {json}\n"
    )));
    let stage = model.final_stage()?.index;
    ssh_findings(&model, Some(stage), |_| true)
        .into_iter()
        .next()
        .map(|(_, message, _)| message)
}

/// The list item a `command`/`entrypoint` finding points at: the daemon itself, else the
/// script of `sh -c`, else the first item.
fn evidence_item(value: &Value) -> &Value {
    let Some(items) = value.items() else {
        return value;
    };
    let base =
        |v: &Value| Text::of(v).map(|t| t.text.rsplit('/').next().unwrap_or(t.text).to_owned());
    if let Some(daemon) = items
        .iter()
        .find(|v| base(v).is_some_and(|b| matches!(b.as_str(), "sshd" | "dropbear")))
    {
        return daemon;
    }
    let shell = items.first().and_then(base).is_some_and(|b| {
        matches!(
            b.as_str(),
            "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
        )
    });
    let script = items.iter().position(|v| {
        Text::of(v).is_some_and(|t| {
            t.text.starts_with('-') && !t.text.starts_with("--") && t.text.contains('c')
        })
    });
    match (shell, script) {
        (true, Some(i)) if i + 1 < items.len() => &items[i + 1],
        _ => items.first().unwrap_or(value),
    }
}

/// Where a finding about the build points: `build.dockerfile`, else `build.context`, else
/// `build` itself.
fn build_anchor(build: &Value) -> &Value {
    match &build.kind {
        ValueKind::Map(_) => build
            .get("dockerfile")
            .or_else(|| build.get("context"))
            .unwrap_or(build),
        _ => build,
    }
}

fn check_build(ctx: &mut ComposeContext<'_>, service: &Service) {
    let Some(build) = service.value().get("build") else {
        return;
    };
    if build
        .get("target")
        .and_then(Text::of)
        .is_some_and(|t| t.unknown)
    {
        return;
    }
    let Some((path, model)) = ctx.build_dockerfile(service) else {
        return;
    };
    let stage = match build_target(service) {
        Some(target) => match model.stage_by_ref(target) {
            Some(stage) => stage.index,
            None => return,
        },
        None => match model.final_stage() {
            Some(stage) => stage.index,
            None => return,
        },
    };
    let findings = ssh_findings(&model, Some(stage), |_| true);
    if findings.is_empty() {
        return;
    }
    let shown = path
        .strip_prefix(&ctx.project.dir)
        .map_or_else(|_| path.clone(), Path::to_owned);
    let stage_note = build_target(service).map_or_else(String::new, |t| format!(" (stage `{t}`)"));
    let d = ctx.report_value(
        service,
        build_anchor(build),
        format!(
            "service `{}` builds an image that runs an SSH server: see `{}`{stage_note}",
            service.name,
            shown.display()
        ),
    );
    d.help(HELP);
    for (range, message, _) in findings {
        d.label_in(shown.clone(), range, message);
    }
}

impl Rule for SshInContainer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let name = &service.name;
            if let Some(ports) = service.value().get("ports") {
                for port in model::ports(ports) {
                    let (at, unknown) = if port.long {
                        let target = port.item.get("target").unwrap_or(port.item);
                        (target, Text::of(target).is_some_and(|t| t.unknown))
                    } else {
                        (port.item, port.unknown)
                    };
                    if unknown || !covers_22(&port.target) {
                        continue;
                    }
                    let message = if port.long {
                        format!(
                            "service `{name}` publishes container port `{}`, {}",
                            port.target.trim(),
                            ssh_note(&port.target)
                        )
                    } else {
                        let shown = Text::of(port.item).map_or("", |t| t.text.trim());
                        format!(
                            "service `{name}` publishes `{shown}` to container port `{}`, {}",
                            port.target.trim(),
                            ssh_note(&port.target)
                        )
                    };
                    ctx.report_value(service, at, message).help(HELP);
                }
            }
            if let Some(expose) = service.value().get("expose").and_then(Value::items) {
                for item in expose {
                    let Some(text) = Text::of(item) else { continue };
                    if !text.unknown && covers_22(text.text) {
                        ctx.report_value(
                            service,
                            item,
                            format!(
                                "service `{name}` exposes `{}`, {}",
                                text.text.trim(),
                                ssh_note(text.text)
                            ),
                        )
                        .help(HELP);
                    }
                }
            }
            if let Some(image) = service.value().get("image")
                && let Some(text) = Text::of(image)
                && !text.unknown
                && ssh_image(text.text)
            {
                ctx.report_value(
                    service,
                    image,
                    format!(
                        "service `{name}` runs `{}`, an SSH server image",
                        text.text.trim()
                    ),
                )
                .help(HELP);
            }
            for key in ["entrypoint", "command"] {
                let Some(value) = service.value().get(key) else {
                    continue;
                };
                let Some(argv) = argv(value) else { continue };
                if let Some(what) = command_evidence(&argv) {
                    ctx.report_value(
                        service,
                        evidence_item(value),
                        format!("service `{name}` starts an SSH server in its `{key}`: {what}"),
                    )
                    .help(HELP);
                }
            }
            check_build(ctx, service);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Skipping commands that cannot name an SSH server changes no finding, also where quotes
    /// or backslashes put the name together.
    #[test]
    fn commands_skipped_without_a_model_have_no_evidence() {
        let found = [
            vec!["/usr/sbin/sshd", "-D"],
            vec!["sh", "-c", "s\\shd -D"],
            vec!["sh", "-c", "'ss'hd -D"],
            vec!["sh", "-c", "\"ssh\"d -D"],
            vec!["bash", "-c", "service ss''h start && app"],
            vec!["sh", "-c", "exec drop\"bear\" -F"],
            vec!["dropbear", "-F"],
            vec!["sh", "-c", "apt-get install -y openssh-server"],
        ];
        let silent = [
            vec!["nginx", "-g", "daemon off;"],
            vec!["sh", "-c", "echo ssh is not started"],
            vec!["sshd", "-t"],
            vec!["sh", "-c", "s$x -D"],
            vec!["python", "app.py"],
            vec![],
        ];
        for (argv, expected) in found
            .iter()
            .map(|a| (a, true))
            .chain(silent.iter().map(|a| (a, false)))
        {
            let argv: Vec<String> = argv.iter().map(|s| (*s).to_owned()).collect();
            let full = evidence_in_model(&argv);
            assert_eq!(full.is_some(), expected, "{argv:?}: {full:?}");
            assert_eq!(command_evidence(&argv), full, "{argv:?}");
        }
    }
}
