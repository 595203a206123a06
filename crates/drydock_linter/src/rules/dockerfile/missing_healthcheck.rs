use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::missing_required_label::{alias, describe, from_reference};

declare_rule! {
    /// ## What it does
    /// Reports stages without a `HEALTHCHECK` (off by default).
    ///
    /// Off by default (as in hadolint, where its severity is `ignore`). The `FROM` of every stage
    /// that ends up without a `HEALTHCHECK` is reported, following hadolint's stage bookkeeping:
    ///
    /// - A stage is *good* once it has a `HEALTHCHECK` instruction of its own
    ///   (`HEALTHCHECK NONE` counts).
    /// - A stage whose `FROM` names (by image name, tag ignored) a stage that was already good
    ///   when the `FROM` was read starts good.
    /// - When a stage gets a `HEALTHCHECK`, the earlier stages it builds on (the stage its image
    ///   name refers to, that stage's own base, and so on) become good too.
    /// - Every other stage is reported at its `FROM` once the whole file has been read, so
    ///   every branch of a multi-stage build that ends without a `HEALTHCHECK` is reported.
    ///
    /// A stage is named by its alias or, without one, by its image name (the image without
    /// registry, tag or digest), so two unaliased stages of the same image share their fate:
    /// `FROM debian:11` followed by `FROM debian:12` with a `HEALTHCHECK` makes both good.
    /// `ONBUILD HEALTHCHECK` does not count.
    ///
    /// ## Why is this bad?
    /// Without a `HEALTHCHECK`, Docker and orchestrators only know whether the main process is
    /// running, not whether the service answers. A health check lets them restart or stop
    /// routing to a container that hangs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// COPY site/ /usr/share/nginx/html/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// COPY site/ /usr/share/nginx/html/
    /// HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Stage names are compared case-insensitively (BuildKit lowercases them): `FROM Base`
    ///   continues the stage `AS base` here, not in hadolint.
    /// - A `FROM` image written with variables whose values are all known (`ARG BASE=runtime`
    ///   then `FROM ${BASE}`) is matched by its expanded name; hadolint compares the
    ///   unexpanded text and so reports a stage that inherits a `HEALTHCHECK`.
    pub(crate) MissingHealthcheck {
        code: "DL3057",
        name: "missing-healthcheck",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for MissingHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let stages = model.stages();
        // What each stage's FROM refers to, and the name other stages refer to it by.
        let sources: Vec<String> = stages.iter().map(|s| from_reference(model, s)).collect();
        let names: Vec<String> = stages
            .iter()
            .zip(&sources)
            .map(|(s, src)| alias(s).unwrap_or_else(|| src.clone()))
            .collect();
        // `Some(true)`: good, `Some(false)`: bad, `None`: not reached yet.
        let mut good: Vec<Option<bool>> = vec![None; stages.len()];
        let mut current: Option<usize> = None;
        for (index, instruction) in model.instructions() {
            match instruction.kind {
                InstructionKind::From => {
                    let Some(stage) = model.stage_of(index) else {
                        continue;
                    };
                    let inherits = current.is_some()
                        && (0..stages.len())
                            .any(|g| good[g] == Some(true) && names[g] == sources[stage]);
                    good[stage] = Some(inherits);
                    current = Some(stage);
                }
                InstructionKind::Healthcheck => {
                    let Some(stage) = current else {
                        continue;
                    };
                    // The bad stages this one builds on, transitively, become good with it.
                    let mut pending = vec![stage];
                    while let Some(child) = pending.pop() {
                        for parent in 0..stages.len() {
                            if good[parent] == Some(false) && names[parent] == sources[child] {
                                good[parent] = Some(true);
                                pending.push(parent);
                            }
                        }
                    }
                    good[stage] = Some(true);
                }
                _ => {}
            }
        }
        for (stage, state) in good.iter().enumerate() {
            if *state != Some(false) {
                continue;
            }
            let stage = &stages[stage];
            let from = model.instruction(stage.from);
            ctx.report(
                from.keyword.range,
                format!("{} has no `HEALTHCHECK`", describe(stage)),
            )
            .help("add a `HEALTHCHECK CMD ...` that probes the service (or `HEALTHCHECK NONE` to opt out explicitly)");
        }
    }
}
