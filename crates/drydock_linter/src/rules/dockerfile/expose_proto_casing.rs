use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::{split_port, word_subrange};

declare_rule! {
    /// ## What it does
    /// Reports an `EXPOSE` entry whose protocol is not lowercase (`80/TCP`, `53/Udp`), one
    /// finding per entry. Entries BuildKit rejects (an unknown protocol) and entries whose
    /// variables drydock cannot resolve are not checked. `ONBUILD EXPOSE` is not checked. This
    /// is BuildKit's `ExposeProtoCasing` build check.
    ///
    /// ## Why is this bad?
    /// The protocol is case-insensitive (BuildKit lowercases it in the image), so the
    /// uppercase spelling only looks different from every other Dockerfile and from the
    /// image's own configuration.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 80/TCP
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 80/tcp
    /// ```
    ///
    /// ## Fix safety
    /// The fix lowercases the protocol. It is safe: BuildKit stores the protocol lowercased,
    /// so the image is the same. It is offered when the entry is written literally (no
    /// variable).
    ///
    /// ## Differences from BuildKit
    /// drydock points at the protocol, BuildKit at the instruction. Its severity is `style`
    /// here; `# check=error=true` makes it an error.
    pub(crate) ExposeProtoCasing {
        code: "BK019",
        name: "expose-proto-casing",
        aliases: ["ExposeProtoCasing"],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

impl Rule for ExposeProtoCasing {
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
                let literal = expansion.result == word.text;
                for entry in expansion.result.split_whitespace() {
                    let Some(spec) = split_port(entry) else {
                        continue;
                    };
                    if spec.proto == spec.proto.to_lowercase() {
                        continue;
                    }
                    let lower = spec.proto.to_lowercase();
                    let range = if literal {
                        word_subrange(
                            instruction,
                            word,
                            spec.proto_start,
                            spec.proto_start + spec.proto.len(),
                        )
                    } else {
                        word.range
                    };
                    let diagnostic = ctx
                        .report(
                            range,
                            format!(
                                "protocol `{}` of `EXPOSE {entry}` should be lowercase",
                                spec.proto
                            ),
                        )
                        .help(format!("write `{lower}`"));
                    if literal && range != word.range {
                        diagnostic.fix(Fix::safe(
                            format!("Write `{lower}`"),
                            vec![Edit::replace(range, lower)],
                        ));
                    }
                }
            }
        }
    }
}
