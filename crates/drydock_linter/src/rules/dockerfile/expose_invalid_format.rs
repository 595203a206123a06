use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::split_port;

declare_rule! {
    /// ## What it does
    /// Reports an `EXPOSE` entry with a host IP address or a host port: `127.0.0.1:80:80`,
    /// `[::1]:8080:8080`, `5000:5000`. Entries BuildKit rejects (an unknown protocol) and
    /// entries whose variables drydock cannot resolve are not checked. `ONBUILD EXPOSE` is not
    /// checked. This is BuildKit's `ExposeInvalidFormat` build check.
    ///
    /// ## Why is this bad?
    /// `EXPOSE` only documents the ports the container listens on; the host side is chosen when
    /// the container runs (`docker run -p`, compose `ports:`). The host part is ignored
    /// today, and BuildKit announces that it will become an error.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 127.0.0.1:8080:80
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 80
    /// ```
    ///
    /// ## Differences from BuildKit
    /// drydock points at the entry, BuildKit at the instruction.
    pub(crate) ExposeInvalidFormat {
        code: "BK020",
        name: "expose-invalid-format",
        aliases: ["ExposeInvalidFormat"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ExposeInvalidFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for (index, instruction) in ctx.instructions_of(InstructionKind::Expose) {
            let Args::Words(words) = &instruction.args else {
                continue;
            };
            for word in words {
                let Ok(expansion) = model.expand(index, &word.text) else {
                    continue;
                };
                if expansion.unknown {
                    continue;
                }
                for entry in expansion.result.split_whitespace() {
                    let Some(spec) = split_port(entry) else {
                        continue;
                    };
                    let what = match (spec.ip.is_empty(), spec.host_port.is_empty()) {
                        (true, true) => continue,
                        (false, _) => "a host IP address",
                        (true, false) => "a host port",
                    };
                    ctx.report(
                        word.range,
                        format!("`EXPOSE {entry}` has {what}: `EXPOSE` takes only container ports"),
                    )
                    .help("expose the container port alone, and publish it with `docker run -p` or compose `ports:`");
                }
            }
        }
    }
}
