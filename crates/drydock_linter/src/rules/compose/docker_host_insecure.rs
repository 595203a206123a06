use drydock_compose::project::Service;
use drydock_compose::tree::Origin;

use super::helpers::{At, Var, build_args, container_env};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a docker client pointed at a daemon over TCP without TLS verification, in a
    /// service's container environment or build arguments.
    ///
    /// What counts:
    ///
    /// - `DOCKER_HOST` set to a TCP address (`tcp://...`, or an address without a scheme such
    ///   as `dind:2375`, which the docker CLI reads as TCP) while `DOCKER_TLS_VERIFY` is unset
    ///   or empty in the same scope; the finding points at `DOCKER_HOST` and mentions port
    ///   2375, the daemon's plain-text API port, when it is used. `unix://`, `ssh://`,
    ///   `npipe://` and `fd://` hosts are fine;
    /// - `DOCKER_TLS_VERIFY` set to `0`, `false` or `no` (any case), at info level: the docker
    ///   CLI turns verification on for any non-empty value, so the setting does the opposite
    ///   of what it says. It is misleading rather than insecure.
    ///
    /// A scope is either the container environment, which is `environment` (mapping or
    /// `KEY=VAL` list) over the files of `env_file` with Compose's precedence (a later env
    /// file beats an earlier one, `environment` beats them all; only the value the container
    /// gets is judged), or `build.args`. A finding in an env file points at its `KEY=VALUE`
    /// entry there and names the services that load it. Values from `.env`, the shell
    /// (when drydock reads it) and defaults count and are reported where the reference is
    /// written. A `DOCKER_TLS_VERIFY` that drydock cannot know (a bare pass-through
    /// `DOCKER_TLS_VERIFY`, an unresolvable variable) counts as set; a `DOCKER_HOST` it cannot
    /// know is not reported.
    ///
    /// ## Why is this bad?
    /// The Docker API is root on the daemon's host. A client that does not verify TLS talks to
    /// whatever answers at that address, in plain text on port 2375: anyone on the network
    /// path can read or change its requests, and an impostor daemon receives its credentials
    /// and build contexts. With `DOCKER_TLS_VERIFY=1` and client certificates, the client
    /// checks the daemon and the daemon (with `--tlsverify`) checks the client. The CIS Docker
    /// Benchmark (2.7) asks for TLS authentication on the daemon.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: docker:27-cli
    ///     environment:
    ///       DOCKER_HOST: tcp://dind:2375
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: docker:27-cli
    ///     environment:
    ///       DOCKER_HOST: tcp://dind:2376
    ///       DOCKER_TLS_VERIFY: "1"
    ///       DOCKER_CERT_PATH: /certs/client
    /// ```
    pub(crate) DockerHostInsecure {
        code: "CMP045",
        name: "docker-host-insecure",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The variables the rule reads.
const WANTED: &[&str] = &["DOCKER_HOST", "DOCKER_TLS_VERIFY"];

/// Whether a `DOCKER_HOST` value is a TCP address.
fn is_tcp(host: &str) -> bool {
    let lower = host.trim().to_ascii_lowercase();
    match lower.split_once("://") {
        Some((scheme, _)) => scheme == "tcp",
        None => lower.contains(':'),
    }
}

/// The port of a TCP address, when written.
fn port(host: &str) -> Option<&str> {
    let rest = host
        .trim()
        .split_once("://")
        .map_or(host.trim(), |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A finding: where, what is set (`` `KEY=value` ``), why it is a problem, and whether it is
/// the low-severity "misleading" kind.
struct Finding<'a> {
    at: At<'a>,
    what: String,
    why: String,
    misleading: bool,
}

const HELP_HOST: &str = "set `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH` for a daemon listening on 2376 with `--tlsverify`, or reach the daemon over `ssh://` or its unix socket";
const HELP_VERIFY: &str =
    "write `DOCKER_TLS_VERIFY=1` so that the setting says what it does, or remove it";

fn check_scope<'a>(scope: &[Var<'a>], out: &mut Vec<Finding<'a>>) {
    let verify = scope.iter().find(|v| v.key == "DOCKER_TLS_VERIFY");
    for var in scope {
        let Some(value) = var.value.as_deref() else {
            continue;
        };
        match var.key.as_str() {
            "DOCKER_HOST" if is_tcp(value) => {
                let verified = verify.is_some_and(|v| v.value.as_deref() != Some(""));
                if verified {
                    continue;
                }
                let plain = if port(value) == Some("2375") {
                    " (2375 is the daemon's plain-text API port)"
                } else {
                    ""
                };
                out.push(Finding {
                    at: var.at,
                    what: format!("`DOCKER_HOST={}`", value.trim()),
                    why: format!(" without `DOCKER_TLS_VERIFY`: the docker client talks to that daemon over unauthenticated, unverified TCP{plain}"),
                    misleading: false,
                });
            }
            "DOCKER_TLS_VERIFY"
                if matches!(
                    value.trim().to_ascii_lowercase().as_str(),
                    "0" | "false" | "no"
                ) =>
            {
                out.push(Finding {
                    at: var.at,
                    what: format!("`DOCKER_TLS_VERIFY={value}`"),
                    why: ", which does not turn verification off: the docker client treats any non-empty value as on".to_owned(),
                    misleading: true,
                });
            }
            _ => {}
        }
    }
}

impl Rule for DockerHostInsecure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        // Findings in env files, merged over the services that load them.
        let mut in_env_files: Vec<(Origin, Finding<'_>, Vec<&Service>)> = Vec::new();
        for service in ctx.services() {
            let mut findings = Vec::new();
            check_scope(&container_env(project, service, WANTED), &mut findings);
            let from_env = findings.len();
            check_scope(&build_args(project, service, WANTED), &mut findings);
            for (i, finding) in findings.into_iter().enumerate() {
                let scope = if i < from_env {
                    "container environment"
                } else {
                    "build arguments"
                };
                match finding.at {
                    At::Value(at) => {
                        let d = ctx.report_value(
                            service,
                            at,
                            format!(
                                "service `{}` sets {} in its {scope}{}",
                                service.name, finding.what, finding.why
                            ),
                        );
                        d.help(if finding.misleading {
                            HELP_VERIFY
                        } else {
                            HELP_HOST
                        });
                        if finding.misleading {
                            d.severity(Severity::Info);
                        }
                    }
                    At::EnvFile(origin) => {
                        match in_env_files.iter_mut().find(|(o, ..)| *o == origin) {
                            Some((.., services)) => services.push(service),
                            None => in_env_files.push((origin, finding, vec![service])),
                        }
                    }
                }
            }
        }
        for (origin, finding, services) in in_env_files {
            let names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
            let who = format!(
                "{} {}",
                if names.len() == 1 {
                    "service"
                } else {
                    "services"
                },
                names.join(", ")
            );
            let message = format!(
                "this env file sets {} for {who}{}",
                finding.what, finding.why
            );
            let labels: Vec<_> = services
                .iter()
                .map(|s| {
                    (
                        ctx.relative(s.key.file),
                        s.key.range,
                        format!("service `{}` loads this env file", s.name),
                    )
                })
                .collect();
            let d = ctx.report(origin, message);
            d.help(if finding.misleading {
                HELP_VERIFY
            } else {
                HELP_HOST
            });
            if finding.misleading {
                d.severity(Severity::Info);
            }
            for (file, range, text) in labels {
                d.label_in(file, range, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use drydock_compose::project::{self, LoadOptions, RealFs};

    use crate::compose::{ComposeInput, lint_project};
    use crate::diagnostic::Severity;
    use crate::registry;
    use crate::settings::Settings;

    /// Lints a project written to a temporary folder: `(file, text at the finding, severity,
    /// message, label files)` of each finding.
    fn lint(files: &[(&str, &str)]) -> Vec<(String, String, Severity, String, Vec<String>)> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("drydock-cmp045-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
        }
        let options = LoadOptions {
            files: vec![dir.join("compose.yaml")],
            ..LoadOptions::default()
        };
        let loaded = project::load(&options, &RealFs);
        let id = registry::find("CMP045").expect("rule");
        let found = lint_project(
            &loaded,
            &ComposeInput {
                fs: &RealFs,
                focus: None,
            },
            &Settings::only(&[id]),
        );
        let out = found
            .iter()
            .map(|d| {
                let file = loaded
                    .path(d.file)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let text = loaded.file(d.file).source.text()[d.diagnostic.range].to_owned();
                let labels = d
                    .diagnostic
                    .labels
                    .iter()
                    .filter_map(|l| l.file.as_ref().map(|f| f.display().to_string()))
                    .collect();
                (
                    file,
                    text,
                    d.diagnostic.severity,
                    d.diagnostic.message.clone(),
                    labels,
                )
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    #[test]
    fn env_file_findings_point_into_the_env_file() {
        let found = lint(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: docker:27-cli\n    env_file: docker.env\n  b:\n    image: docker:27-cli\n    env_file: docker.env\n    environment:\n      DOCKER_TLS_VERIFY: \"1\"\n  c:\n    image: docker:27-cli\n    env_file: [docker.env, verify.env]\n",
            ),
            ("docker.env", "DOCKER_HOST=tcp://dind:2375\n"),
            ("verify.env", "export DOCKER_TLS_VERIFY=false\n"),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
        let host = found
            .iter()
            .find(|f| f.1.starts_with("DOCKER_HOST"))
            .expect("host finding");
        assert_eq!(
            (host.0.as_str(), host.1.as_str(), host.2),
            ("docker.env", "DOCKER_HOST=tcp://dind:2375", Severity::Error)
        );
        assert!(
            host.3.contains("service `a`") && !host.3.contains("`b`") && !host.3.contains("`c`"),
            "{}",
            host.3
        );
        let verify = found
            .iter()
            .find(|f| f.1.starts_with("DOCKER_TLS_VERIFY"))
            .expect("verify finding");
        assert_eq!(
            (verify.0.as_str(), verify.1.as_str(), verify.2),
            ("verify.env", "DOCKER_TLS_VERIFY=false", Severity::Info)
        );
        assert_eq!(verify.4, ["compose.yaml"]);
    }

    #[test]
    fn tls_verify_in_an_env_file_covers_the_environment() {
        let found = lint(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: docker:27-cli\n    env_file: tls.env\n    environment:\n      DOCKER_HOST: tcp://dind:2376\n",
            ),
            ("tls.env", "DOCKER_TLS_VERIFY=1\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }
}
