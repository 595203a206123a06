use drydock_compose::project::Service;
use drydock_compose::tree::Origin;

use super::helpers::{At, build_args, container_env};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `DOCKER_CONTENT_TRUST` set to a value that leaves Docker Content Trust (image
    /// signature verification by the docker CLI) off, in a service's container environment or
    /// build arguments.
    ///
    /// The docker CLI turns content trust on only for a non-empty value that Go's
    /// `strconv.ParseBool` does not read as false, so an empty value and `0`, `f`, `F`,
    /// `false`, `FALSE`, `False` are reported (exactly these spellings). Any other value
    /// (`1`, `true`, even `no` or `fAlse`) turns it on and is not reported.
    ///
    /// Where it is looked for:
    ///
    /// - the container environment: `environment` (mapping or `KEY=VAL` list) and the files
    ///   of `env_file`, with Compose's precedence (a later env file beats an earlier one,
    ///   `environment` beats them all); only the value the container gets is reported. A
    ///   finding in an env file points at its `KEY=VALUE` entry there and names the services
    ///   that load it;
    /// - `build.args` (mapping or list);
    /// - values taken from `.env` or the shell through interpolation
    ///   (`DOCKER_CONTENT_TRUST: ${DCT}`) or a default (`${DCT:-0}`) are judged by their
    ///   value and reported where the reference is written.
    ///
    /// A bare `DOCKER_CONTENT_TRUST` (a pass-through whose value comes from the shell) and a
    /// value that depends on a variable drydock cannot resolve are not reported.
    ///
    /// ## Why is this bad?
    /// Turning signature verification off on purpose usually means an image failed it and was
    /// used anyway (CIS Docker Benchmark 4.5). Docker Content Trust itself is being retired:
    /// Docker announced in July 2025 that it is phasing out Content Trust and its Notary v1
    /// service, and pulls of Docker Official Images with `DOCKER_CONTENT_TRUST=1` fail since
    /// their signing certificates began to expire in August 2025. So do not answer this
    /// finding with `DOCKER_CONTENT_TRUST=1`: remove the setting (content trust is off by
    /// default anyway) and verify images another way, by pinning them by digest and checking
    /// their signatures with Sigstore `cosign` or Notation.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: docker:27-cli
    ///     environment:
    ///       DOCKER_CONTENT_TRUST: "0"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: docker:27-cli@sha256:3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e
    /// ```
    pub(crate) ComposeContentTrustDisabled {
        code: "CMP044",
        name: "compose-content-trust-disabled",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

const NAME: &str = "DOCKER_CONTENT_TRUST";

const HELP: &str = "remove it and verify images another way: pin them by digest (`image@sha256:...`) and check their signatures with Sigstore `cosign` or Notation (Docker Content Trust is being retired, so `DOCKER_CONTENT_TRUST=1` is no answer)";

/// Whether the docker CLI leaves content trust off for this value.
fn leaves_trust_off(value: &str) -> bool {
    matches!(value, "" | "0" | "f" | "F" | "false" | "FALSE" | "False")
}

fn describe(value: &str) -> String {
    if value.is_empty() {
        format!("`{NAME}` to an empty value")
    } else {
        format!("`{NAME}={value}`")
    }
}

impl Rule for ComposeContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        // Findings in env files, merged over the services that load them.
        let mut in_env_files: Vec<(Origin, String, Vec<&Service>)> = Vec::new();
        for service in ctx.services() {
            let scopes = [
                (
                    "container environment",
                    container_env(project, service, &[NAME]),
                ),
                ("build arguments", build_args(project, service, &[NAME])),
            ];
            for (scope_name, scope) in scopes {
                for var in scope.iter().filter(|v| v.key == NAME) {
                    let Some(value) = var.value.as_deref() else {
                        continue;
                    };
                    if !leaves_trust_off(value) {
                        continue;
                    }
                    match var.at {
                        At::Value(at) => {
                            ctx.report_value(
                                service,
                                at,
                                format!("service `{}` sets {} in its {scope_name}, which leaves image signature verification off", service.name, describe(value)),
                            )
                            .help(HELP);
                        }
                        At::EnvFile(origin) => {
                            match in_env_files.iter_mut().find(|(o, _, _)| *o == origin) {
                                Some((_, _, services)) => services.push(service),
                                None => in_env_files.push((origin, describe(value), vec![service])),
                            }
                        }
                    }
                }
            }
        }
        for (origin, message, services) in in_env_files {
            let names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
            let message = format!(
                "this env file sets {message}, which leaves image signature verification off in the container environment of {} {}",
                if names.len() == 1 {
                    "service"
                } else {
                    "services"
                },
                names.join(", ")
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
            d.help(HELP);
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
        let dir = std::env::temp_dir().join(format!("drydock-cmp044-{}-{n}", std::process::id()));
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
        let id = registry::find("CMP044").expect("rule");
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
                "services:\n  a:\n    image: docker:27-cli\n    env_file: [ci.env]\n  b:\n    image: docker:27-cli\n    env_file: ci.env\n  c:\n    image: docker:27-cli\n    env_file: ci.env\n    environment:\n      DOCKER_CONTENT_TRUST: \"1\"\n",
            ),
            (
                "ci.env",
                "# CI\nDOCKER_CONTENT_TRUST=1\nDOCKER_CONTENT_TRUST=0\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (file, text, severity, message, labels) = &found[0];
        assert_eq!(
            (file.as_str(), text.as_str(), *severity),
            ("ci.env", "DOCKER_CONTENT_TRUST=0", Severity::Info)
        );
        assert!(message.contains("services `a`, `b`"), "{message}");
        assert_eq!(labels, &["compose.yaml", "compose.yaml"]);
    }

    #[test]
    fn env_file_values_that_stay_on_are_silent() {
        let found = lint(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: docker:27-cli\n    env_file: ci.env\n",
            ),
            ("ci.env", "DOCKER_CONTENT_TRUST=no\nOTHER=0\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }
}
