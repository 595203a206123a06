use drydock_dockerfile::shell::{Command, ShellWord, basename};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{assignments, run_scripts, unquote};

declare_rule! {
    /// ## What it does
    /// Reports Docker Content Trust (image signature verification by the docker CLI) being
    /// turned off on purpose.
    ///
    /// The finding points at the `ENV`/`ARG` pair, the assignment word or the flag. What
    /// counts:
    /// - `ENV` or `ARG` (also under `ONBUILD`, and in the legacy `ENV NAME value` form) setting
    ///   `DOCKER_CONTENT_TRUST` to a value that leaves it off: the docker CLI turns content trust
    ///   on only for a non-empty value that Go's `strconv.ParseBool` does not read as false, so
    ///   an empty value and `0`, `f`, `F`, `false`, `FALSE`, `False` are reported. Any other
    ///   value (`1`, `true`, even `no`) turns it on and is not reported. An `ARG` without a
    ///   default and a value depending on an unknown build argument are not reported;
    /// - the same assignment in a `RUN` (`export DOCKER_CONTENT_TRUST=0`, a
    ///   `DOCKER_CONTENT_TRUST=0 docker pull ...` prefix, `env DOCKER_CONTENT_TRUST=0 ...`);
    /// - `--disable-content-trust` or `--disable-content-trust=<true>` (`1`, `t`, `T`, `true`,
    ///   `TRUE`, `True`) on a `docker` command in `RUN` (including `ONBUILD RUN`, heredoc
    ///   scripts and `["sh", "-c", "..."]`). `--disable-content-trust=false` is not reported.
    ///
    /// ## Why is this bad?
    /// Switching signature verification off in a Dockerfile usually means an image failed it
    /// and was pulled anyway; the image that runs may not be the one its publisher signed.
    ///
    /// Docker Content Trust itself is being retired: in July 2025 Docker announced that it is
    /// phasing out Content Trust and its Notary v1 service, starting with Docker Official
    /// Images, whose DCT signing certificates began to expire on 8 August 2025 (from then on,
    /// `DOCKER_CONTENT_TRUST=1` makes their pulls fail). So do not answer this finding with
    /// `DOCKER_CONTENT_TRUST=1`: remove the setting (content trust is off by default anyway)
    /// and verify images another way, by pinning them by digest and checking their signatures
    /// with Sigstore `cosign` or Notation. The finding is reported at info level because the
    /// switch does little harm by itself now; turning verification off on purpose is still
    /// worth a second look.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM docker:27-cli
    /// ENV DOCKER_CONTENT_TRUST=0
    /// RUN docker pull --disable-content-trust example/tool:latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM docker:27-cli
    /// RUN cosign verify --key /etc/keys/example.pub example/tool@sha256:3f4e5d... \
    ///     && docker pull example/tool@sha256:3f4e5d...
    /// ```
    ///
    /// ## Notes
    /// RUNs whose shell is not a POSIX shell (PowerShell, `cmd`) are not checked. Podman
    /// accepts `--disable-content-trust` as a no-op, so only `docker` commands count.
    pub(crate) ContentTrustDisabled {
        code: "DS107",
        name: "content-trust-disabled",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

const HELP: &str = "remove it and verify images another way: pin them by digest (`image@sha256:...`) and check their signatures with Sigstore `cosign` or Notation (Docker Content Trust is being retired, so `DOCKER_CONTENT_TRUST=1` is no answer)";

/// Whether the docker CLI leaves content trust off for this value of `DOCKER_CONTENT_TRUST`.
fn leaves_trust_off(value: &str) -> bool {
    matches!(value, "" | "0" | "f" | "F" | "false" | "FALSE" | "False")
}

/// Go's `strconv.ParseBool` true values.
fn parse_bool_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

fn assignment_message(value: &str) -> String {
    if value.is_empty() {
        "`DOCKER_CONTENT_TRUST` is set to an empty value, which leaves image signature verification off".to_owned()
    } else {
        format!("`DOCKER_CONTENT_TRUST={value}` turns image signature verification off")
    }
}

/// `NAME=value` words of a command: prefixes, `export NAME=value`, `env NAME=value cmd`.
fn run_assignments(command: &Command) -> Vec<&ShellWord> {
    let mut out: Vec<&ShellWord> = command.assignments.iter().collect();
    match command.name() {
        Some("export") => out.extend(command.args().iter().filter(|w| w.value.contains('='))),
        Some("env") => out.extend(
            command
                .args()
                .iter()
                .skip_while(|w| w.value.starts_with('-'))
                .take_while(|w| w.value.contains('=')),
        ),
        _ => {}
    }
    out
}

fn check_command(command: &Command, out: &mut Vec<(TextRange, String)>) {
    for word in run_assignments(command) {
        if let Some(("DOCKER_CONTENT_TRUST", value)) = word.value.split_once('=')
            && word.literal
            && leaves_trust_off(value)
        {
            out.push((word.range, assignment_message(value)));
        }
    }
    let words = command.unwrapped_words();
    if words.first().is_none_or(|w| basename(&w.value) != "docker") {
        return;
    }
    for word in &words[1..] {
        let disables = match word.value.strip_prefix("--disable-content-trust") {
            Some("") => true,
            Some(rest) => rest.strip_prefix('=').is_some_and(parse_bool_true),
            None => false,
        };
        if disables {
            out.push((
                word.range,
                format!(
                    "`{}` turns image signature verification off for this `docker` command",
                    word.value
                ),
            ));
        }
    }
}

impl Rule for ContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let mut findings = Vec::new();
        for assignment in assignments(ctx) {
            if unquote(&assignment.key.text) != "DOCKER_CONTENT_TRUST" {
                continue;
            }
            let Some(value) = assignment.value else {
                continue;
            };
            let Ok(expanded) = model.expand(assignment.instruction, &value.text) else {
                continue;
            };
            if !expanded.unknown && leaves_trust_off(&expanded.result) {
                findings.push((assignment.range, assignment_message(&expanded.result)));
            }
        }
        for (_, script) in run_scripts(ctx, true) {
            for command in &script.commands {
                check_command(command, &mut findings);
            }
        }
        for (range, message) in findings {
            ctx.report(range, message).help(HELP);
        }
    }
}
