use drydock_dockerfile::InstructionKind;

use super::user_unset_image_root::{Build, BuildLabel, build_stage, stage_name};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with no health check of its own whose image, as far as drydock can
    /// see, has none either.
    ///
    /// The service is reported when:
    ///
    /// - the service has no `healthcheck:`, or one without `test:` and `disable:` (which only
    ///   tunes the image's check), and
    /// - for a service with `build:`, the Dockerfile stage it builds (`build.target`, or the
    ///   last stage, following `FROM <earlier stage>`) has no `HEALTHCHECK` instruction. The
    ///   finding then carries a label at that stage's `FROM`.
    ///
    /// A `HEALTHCHECK NONE` in the Dockerfile is an explicit choice and is not reported, and
    /// `healthcheck: {disable: true}` is CMP032's business. Services that only name an
    /// `image:` are reported, since their health check cannot be seen. A build that depends
    /// on a variable drydock cannot resolve is not reported; a build Dockerfile drydock cannot
    /// read (a remote context, a missing file) is treated like an image. The finding points at
    /// the service's name in the first file that declares it, so a health check added by an
    /// override file, `extends` or a merge key counts.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker only knows whether the main process is alive, not
    /// whether it works: `depends_on: {condition: service_healthy}` cannot wait for the
    /// service, and a hung process is never restarted or taken out of rotation (CIS Docker
    /// Benchmark 5.27 and 4.6).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.1
    ///     healthcheck:
    ///       test: ["CMD", "/app/healthcheck"]
    ///       interval: 30s
    ///       retries: 3
    /// ```
    ///
    /// ## Notes
    /// An image may define a `HEALTHCHECK` drydock cannot see (in a pulled image, or in the
    /// base image of the build). The rule is off by default for that reason; add a
    /// `healthcheck:` to the service to make the check explicit.
    pub(crate) HealthcheckMissing {
        code: "CMP033",
        name: "healthcheck-missing",
        aliases: [],
        category: BestPractice,
        severity: Style,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

const HELP: &str = "add a `healthcheck:` with a `test` that shows the service works (e.g. `test: [\"CMD\", \"/app/healthcheck\"]`)";

impl Rule for HealthcheckMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            if let Some(healthcheck) = service.value().get("healthcheck")
                && ["test", "disable"]
                    .iter()
                    .any(|k| healthcheck.get(k).is_some_and(|v| !v.is_null()))
            {
                continue;
            }
            let name = &service.name;
            let base = if service
                .value()
                .get("healthcheck")
                .is_some_and(|h| !h.is_null())
            {
                format!("service `{name}` tunes `healthcheck` but sets no `test`")
            } else {
                format!("service `{name}` has no `healthcheck`")
            };
            match build_stage(ctx, service) {
                Build::Unresolved => {}
                Build::None | Build::Unreadable => {
                    ctx.report_missing(service, format!("{base}: unless its image defines one, Docker cannot tell whether it works"))
                        .help(HELP);
                }
                Build::Stage(build) => {
                    let model = &build.model;
                    let has_healthcheck = model.ancestry(build.stage).any(|stage| {
                        stage
                            .body
                            .clone()
                            .any(|i| model.instruction(i).kind == InstructionKind::Healthcheck)
                    });
                    if has_healthcheck {
                        continue;
                    }
                    let stage = &model.stages()[build.stage];
                    let from = model.instruction(stage.from);
                    let range = stage.image.as_ref().map_or(from.keyword.range, |w| w.range);
                    let which = stage_name(&build);
                    let label = BuildLabel::new(
                        ctx,
                        service,
                        &build.place,
                        range,
                        format!("the {which} has no HEALTHCHECK"),
                    );
                    let d = ctx.report_missing(
                        service,
                        format!("{base}, and the {which} of its Dockerfile has no HEALTHCHECK"),
                    );
                    d.help(HELP);
                    label.add(d);
                }
            }
        }
    }
}
