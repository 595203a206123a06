use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{Command, ShellScript, ShellWord, basename, parse_run};
use drydock_dockerfile::{Args, Instruction, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{assignments, run_scripts, unquote};

declare_rule! {
    /// ## What it does
    /// Reports a Docker daemon API used or offered over TCP without TLS verification.
    ///
    /// The finding points at the `ENV`/`ARG` pair, the `-H`/`--host` flag and its value, or
    /// the port. What counts:
    /// - `ENV`/`ARG` `DOCKER_HOST=tcp://...` (also under `ONBUILD`, and in the legacy
    ///   `ENV NAME value` form) when `DOCKER_TLS_VERIFY` is not set to a non-empty value in the
    ///   same instruction or earlier (an earlier `ENV`/`ARG` of the stage, or an `ENV` of the
    ///   stage it builds on). A `DOCKER_TLS_VERIFY` whose value is not known statically (an
    ///   `ARG` without a default) counts as set. `unix://`, `ssh://`, `npipe://` and `fd://`
    ///   hosts are fine;
    /// - `dockerd` in `RUN`, `CMD` or `ENTRYPOINT` (shell form, exec form, `sh -c`, heredoc
    ///   scripts, `ONBUILD`) listening on TCP, with `-H tcp://...`, `-Htcp://...`, `-H=...`,
    ///   `--host tcp://...` or `--host=tcp://...` (an address without a scheme, such as
    ///   `-H 0.0.0.0:2375`, is TCP too), without `--tlsverify` (or `--tlsverify=true`).
    ///   `dockerd` also turns `--tlsverify` on when `DOCKER_TLS_VERIFY` is set, so a non-empty
    ///   `DOCKER_TLS_VERIFY` in the scope or as a prefix of the command counts;
    /// - `EXPOSE 2375` or `EXPOSE 2375/tcp`, the daemon's plain-text API port (after
    ///   expanding variables);
    /// - `ENV`/`ARG` `DOCKER_TLS_VERIFY=0` or `=false` (any case), at info level: the docker
    ///   CLI turns verification on for any non-empty value, `0` included, so this setting does
    ///   the opposite of what it seems to say. It is misleading rather than insecure.
    ///
    /// ## Why is this bad?
    /// The Docker API is root on the daemon's host: whoever can talk to it can start a
    /// privileged container that mounts the host's file system. Over plain TCP (port 2375) the
    /// daemon accepts anyone who can reach the port, and a client that does not verify TLS
    /// cannot tell the real daemon from an impostor that receives its credentials and build
    /// contexts. With `--tlsverify` on both sides, the daemon only accepts clients with a
    /// certificate signed by its CA, and the client checks the daemon's certificate.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM docker:27-cli
    /// ENV DOCKER_HOST=tcp://docker:2375
    /// EXPOSE 2375
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM docker:27-cli
    /// ENV DOCKER_HOST=tcp://docker:2376 \
    ///     DOCKER_TLS_VERIFY=1 \
    ///     DOCKER_CERT_PATH=/certs/client
    /// ```
    ///
    /// ## Notes
    /// `DOCKER_HOST` set in a `RUN` script, a `DOCKER_TLS_VERIFY` set only later in the stage,
    /// and the `docker:dind` entrypoint's own TLS setup (`DOCKER_TLS_CERTDIR`) are not taken
    /// into account. RUNs and shell-form commands whose shell is not a POSIX shell are not
    /// checked.
    pub(crate) DockerClientInsecure {
        code: "DS108",
        name: "docker-client-insecure",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Go's `strconv.ParseBool` true values.
fn parse_bool_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// Whether a `dockerd -H` address listens on TCP (`tcp://`, or an address without a scheme).
fn is_tcp_host(word: &ShellWord) -> bool {
    let lower = word.value.to_ascii_lowercase();
    if lower.starts_with("tcp://") {
        return true;
    }
    word.literal && !lower.contains("://") && lower.contains(':')
}

/// Whether `DOCKER_TLS_VERIFY` is set (to a non-empty or unknown value) before instruction
/// `index`.
fn tls_verify_in_scope(model: &Model, index: usize) -> bool {
    model
        .scope(index)
        .get("DOCKER_TLS_VERIFY")
        .is_some_and(|v| v.value.as_deref() != Some(""))
}

/// `dockerd` commands of a script listening on TCP without TLS verification: (range, address).
/// (`tls_env`, whether `DOCKER_TLS_VERIFY` is set in scope, is only looked up for `dockerd`.)
fn check_script(
    script: &ShellScript,
    tls_env: impl Fn() -> bool,
    out: &mut Vec<(TextRange, String)>,
) {
    for command in &script.commands {
        check_dockerd(command, &tls_env, out);
    }
}

fn check_dockerd(
    command: &Command,
    tls_env: &dyn Fn() -> bool,
    out: &mut Vec<(TextRange, String)>,
) {
    let words = command.unwrapped_words();
    if words
        .first()
        .is_none_or(|w| basename(&w.value) != "dockerd")
    {
        return;
    }
    let prefix_tls = command.assignments.iter().any(|w| {
        w.value
            .strip_prefix("DOCKER_TLS_VERIFY=")
            .is_some_and(|v| !v.is_empty())
    });
    let args = &words[1..];
    let verified = args
        .iter()
        .any(|w| match w.value.strip_prefix("--tlsverify") {
            Some("") => true,
            Some(rest) => rest.strip_prefix('=').is_some_and(parse_bool_true),
            None => false,
        });
    if verified || prefix_tls || tls_env() {
        return;
    }
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let v = word.value.as_str();
        i += 1;
        let (range, address) = if v == "-H" || v == "--host" {
            let Some(value) = args.get(i) else { break };
            i += 1;
            if !is_tcp_host(value) {
                continue;
            }
            (word.range.cover(value.range), value.value.clone())
        } else if let Some(value) = v
            .strip_prefix("--host=")
            .or_else(|| v.strip_prefix("-H=").or_else(|| v.strip_prefix("-H")))
        {
            let host = ShellWord {
                value: value.to_owned(),
                ..word.clone()
            };
            if !is_tcp_host(&host) {
                continue;
            }
            (word.range, host.value)
        } else {
            continue;
        };
        out.push((range, address));
    }
}

/// The shell view of a `CMD`/`ENTRYPOINT` (or one under `ONBUILD`), when it is run by a POSIX
/// shell or in exec form.
fn command_script(model: &Model, index: usize, instruction: &Instruction) -> Option<ShellScript> {
    let inner = match instruction.kind {
        InstructionKind::Onbuild => instruction.onbuild_inner()?,
        _ => instruction,
    };
    if !matches!(
        inner.kind,
        InstructionKind::Cmd | InstructionKind::Entrypoint
    ) {
        return None;
    }
    match &inner.args {
        Args::Exec(_) => Some(parse_run(model.file(), inner)),
        Args::Shell(_) if model.shell_spec(index).is_posix() => {
            Some(parse_run(model.file(), inner))
        }
        _ => None,
    }
}

impl Rule for DockerClientInsecure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let pairs = assignments(ctx);

        // ENV/ARG.
        for assignment in &pairs {
            let name = unquote(&assignment.key.text);
            let Some(value) = assignment.value else {
                continue;
            };
            // Only these names matter: the others' values are not expanded.
            if !matches!(name, "DOCKER_HOST" | "DOCKER_TLS_VERIFY") {
                continue;
            }
            let value = match model.expand(assignment.instruction, &value.text) {
                Ok(e) if !e.unknown => e.result,
                _ => continue,
            };
            match name {
                "DOCKER_HOST" if value.to_ascii_lowercase().starts_with("tcp://") => {
                    let same_instruction = pairs.iter().any(|other| {
                        other.instruction == assignment.instruction
                            && unquote(&other.key.text) == "DOCKER_TLS_VERIFY"
                            && other.value.is_some_and(|v| !unquote(&v.text).is_empty())
                    });
                    if same_instruction || tls_verify_in_scope(model, assignment.instruction) {
                        continue;
                    }
                    ctx.report(
                        assignment.range,
                        format!(
                            "`DOCKER_HOST` points the docker client at `{value}` without `DOCKER_TLS_VERIFY`, so it talks to the daemon over plain, unauthenticated TCP"
                        ),
                    )
                    .help("set `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` for a daemon on port 2376 with `--tlsverify`, or reach the daemon over `ssh://` or the unix socket");
                }
                "DOCKER_TLS_VERIFY" if value == "0" || value.eq_ignore_ascii_case("false") => {
                    ctx.report(
                        assignment.range,
                        format!(
                            "`DOCKER_TLS_VERIFY={value}` does not turn verification off: the docker CLI treats any non-empty value as on, so this setting is misleading rather than insecure"
                        ),
                    )
                    .help("write `DOCKER_TLS_VERIFY=1` so the setting says what it does")
                    .severity(Severity::Info);
                }
                _ => {}
            }
        }

        // dockerd listening on TCP.
        let mut listeners = Vec::new();
        for (index, script) in run_scripts(ctx, true) {
            check_script(script, || tls_verify_in_scope(model, index), &mut listeners);
        }
        for (index, instruction) in ctx.instructions() {
            if let Some(script) = command_script(model, index, instruction) {
                check_script(
                    &script,
                    || tls_verify_in_scope(model, index),
                    &mut listeners,
                );
            }
        }
        listeners.sort_by_key(|(range, _)| range.start());
        for (range, address) in listeners {
            ctx.report(
                range,
                format!(
                    "`dockerd` listens on `{address}` without `--tlsverify`: anyone who can reach it controls the daemon, which is root on its host"
                ),
            )
            .help("add `--tlsverify` with `--tlscacert`, `--tlscert` and `--tlskey` (on port 2376), or listen only on the unix socket");
        }

        // EXPOSE 2375.
        for (index, instruction) in ctx.instructions() {
            let inner = match instruction.kind {
                InstructionKind::Onbuild => match instruction.onbuild_inner() {
                    Some(inner) => inner,
                    None => continue,
                },
                _ => instruction,
            };
            if inner.kind != InstructionKind::Expose {
                continue;
            }
            let Args::Words(words) = &inner.args else {
                continue;
            };
            for word in words {
                let port = match model.expand(index, &word.text) {
                    Ok(e) if !e.unknown => e.result.to_ascii_lowercase(),
                    _ => continue,
                };
                if port == "2375" || port == "2375/tcp" {
                    ctx.report(
                        word.range,
                        "port 2375 is the Docker daemon's plain-text API port: exposing it hands the daemon to whoever can reach it",
                    )
                    .help("do not expose the Docker API; if remote access is needed, use TLS with `--tlsverify` on port 2376, or SSH");
                }
            }
        }
    }
}
