use foldhash::{HashSet, HashSetExt};

use drydock_dockerfile::InstructionKind;
use drydock_dockerfile::model::Model;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::stage_names;

declare_rule! {
    /// ## What it does
    /// Reports a `COPY --from=<name>` whose value names no stage defined so far. The value is
    /// taken as written (quotes included) and passes when:
    /// - it contains `:` once surrounding quotes are removed (it is then taken for an image
    ///   reference, `--from=nginx:1.27`);
    /// - it is the name of the current stage or of an earlier one;
    /// - it starts with a number smaller than the number of `FROM`s so far, the current one
    ///   included (`--from=0`; only the leading digits count, so `--from=1abc` passes in a
    ///   file's second stage).
    ///
    /// Everything else is reported: a stage defined further down, an image without a tag
    /// (`--from=busybox`), a quoted name (`--from="builder"`) and a variable (`--from=$STAGE`,
    /// which BuildKit rejects). `ONBUILD COPY` is not checked.
    ///
    /// ## Why is this bad?
    /// A `--from` that matches no earlier stage is pulled as an image from a registry: a typo
    /// in a stage name, or a stage defined after the `COPY`, silently copies from some image on
    /// Docker Hub instead of failing (or fails later with a confusing pull error).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    ///
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=biuld /out/app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    ///
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## Differences from hadolint
    /// Stage names are compared case-insensitively, as BuildKit lowercases them
    /// (`--from=Build` refers to `AS build`).
    pub(crate) CopyFromUnknownStage {
        code: "DL3022",
        name: "copy-from-unknown-stage",
        aliases: [],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether hadolint accepts `value` (as written) after `count` `FROM`s naming `aliases`
/// (lowercased).
fn known(value: &str, count: usize, aliases: &HashSet<&str>) -> bool {
    if value.trim_matches(['"', '\'']).contains(':')
        || aliases.contains(value.to_lowercase().as_str())
    {
        return true;
    }
    let digits = value.len() - value.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let number = value[..digits].trim_start_matches('0');
    digits > 0
        && if number.is_empty() {
            count > 0
        } else {
            number.parse::<usize>().is_ok_and(|n| n < count)
        }
}

impl Rule for CopyFromUnknownStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    /// The names of the earlier stages.
    fn outside(&self, model: &Model) -> Option<Vec<u8>> {
        stage_names(model)
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let stages = model.stages();
        let text = ctx.text();
        // The stages so far (a `FROM` starts each), and their names: a set, not a list, as
        // files can have thousands of stages.
        let mut count = 0;
        let mut aliases: HashSet<&str> = HashSet::new();
        for (index, instruction) in ctx.instructions() {
            let stage_count = model.stage_of(index).map_or(0, |s| s + 1);
            for stage in stages.get(count..stage_count).unwrap_or_default() {
                if let Some(name) = &stage.name {
                    aliases.insert(&name.lower);
                }
            }
            count = count.max(stage_count);
            if instruction.kind != InstructionKind::Copy {
                continue;
            }
            let Some(flag) = instruction.flag("from") else {
                continue;
            };
            let Some(value_range) = flag.value_range else {
                continue;
            };
            let value = &text[value_range];
            if value.is_empty() || known(value, count, &aliases) {
                continue;
            }
            ctx.report(value_range, format!("`COPY --from={value}` names no stage defined before it"))
                .help("use the name (`AS name`) or index of an earlier stage; to copy from an image, give its tag (`--from=image:tag`)");
        }
    }
}
