use drydock_dockerfile::{Args, Instruction, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `VOLUME` at the Docker daemon's socket, `/var/run/docker.sock` or
    /// `/run/docker.sock`.
    ///
    /// Both the JSON and the shell form are checked, and `ONBUILD VOLUME` too. Quotes are
    /// removed, builder variables are expanded, and `.`, `..`, repeated and trailing slashes are
    /// normalised (`/var/run/docker.sock/` counts). A path whose value depends on a build
    /// argument without a known value is not reported.
    ///
    /// ## Why is this bad?
    /// A volume at the socket's path means the image expects the host's Docker socket to be
    /// mounted there. Whoever can talk to that socket controls the daemon: one
    /// `docker run --privileged -v /:/host` away from root on the host. The CIS Docker Benchmark
    /// asks that the Docker socket never be mounted inside a container.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM docker:27-cli
    /// VOLUME /var/run/docker.sock
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM docker:27-cli
    /// # Talk to a remote or rootless daemon over TLS instead of the host's socket.
    /// ENV DOCKER_HOST=tcp://docker:2376 DOCKER_TLS_VERIFY=1
    /// ```
    ///
    /// ## Notes
    /// Only the image side is checked here; a compose service that bind-mounts the socket is a
    /// separate concern. Other paths under `/run` or `/var/run` are not reported.
    pub(crate) DockerSocketVolume {
        code: "DS113",
        name: "docker-socket-volume",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Socket paths of the Docker daemon, normalised.
const SOCKETS: [&str; 2] = ["/var/run/docker.sock", "/run/docker.sock"];

/// An absolute path with `.`, `..`, repeated and trailing slashes resolved; `None` when the path
/// is not absolute.
fn normalize(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

impl Rule for DockerSocketVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for (index, outer) in ctx.instructions() {
            let instruction: &Instruction = match outer.kind {
                InstructionKind::Volume => outer,
                InstructionKind::Onbuild => match outer.onbuild_inner() {
                    Some(inner) if inner.kind == InstructionKind::Volume => inner,
                    _ => continue,
                },
                _ => continue,
            };
            let Args::Paths(paths) = &instruction.args else {
                continue;
            };
            for word in &paths.items {
                let Ok(expansion) = model.expand(index, &word.text) else {
                    continue;
                };
                if expansion.unknown {
                    continue;
                }
                let Some(path) = normalize(&expansion.result) else {
                    continue;
                };
                if !SOCKETS.contains(&path.as_str()) {
                    continue;
                }
                ctx.report(
                    word.range,
                    format!("`{path}` declared as a volume: the image expects the host's Docker socket"),
                )
                .help("do not hand the Docker socket to a container (it is root on the host); use a remote or rootless daemon over TLS, or a socket proxy that allows only the API calls needed");
            }
        }
    }
}
