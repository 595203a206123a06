use drydock_dockerfile::{Args, Instruction, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a stage name (`FROM image AS <name>`) that is not all lowercase. This is
    /// BuildKit's `StageNameCasing` build check.
    ///
    /// ## Why is this bad?
    /// BuildKit lowercases stage names, so `AS Builder` defines the stage `builder`. The
    /// mixed-case spelling suggests that case matters, and it does in one place: `FROM Builder`
    /// is looked up as written and does not find the stage, so it is read as an image name
    /// (and rejected, since image names are lowercase).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS Builder
    /// RUN go build -o /out/app .
    ///
    /// FROM scratch
    /// COPY --from=Builder /out/app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS builder
    /// RUN go build -o /out/app .
    ///
    /// FROM scratch
    /// COPY --from=builder /out/app /app
    /// ```
    ///
    /// ## Fix safety
    /// The fix lowercases the name and every reference to it written literally: `FROM <name>`,
    /// `COPY --from=<name>` and `RUN --mount=...,from=<name>` (also under `ONBUILD`). It is
    /// safe: BuildKit looks stages up lowercased everywhere else (`COPY --from`, `--target`, a
    /// compose `build.target`), and a `FROM <Name>` that did not find the stage now does.
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the whole `FROM` line; drydock points at the name.
    /// Its severity is `style` here (BuildKit's checks are all warnings); `# check=error=true`
    /// makes it an error.
    pub(crate) StageNameCasing {
        code: "BK001",
        name: "stage-name-casing",
        aliases: ["StageNameCasing"],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: Always,
        target: Dockerfile,
    }
}

/// Edits lowercasing the literal references to the stage named `lower` in `instruction` (its
/// `--from` flag and `RUN --mount` `from=` fields; for `ONBUILD`, those of the wrapped
/// instruction).
fn reference_edits(instruction: &Instruction, text: &str, lower: &str, edits: &mut Vec<Edit>) {
    if let Some(inner) = instruction.onbuild_inner() {
        reference_edits(inner, text, lower, edits);
        return;
    }
    match instruction.kind {
        InstructionKind::Copy => {
            for flag in instruction.flags_named("from") {
                if let Some(range) = flag.value_range {
                    let raw = &text[range];
                    if raw.to_lowercase() == lower && raw != lower {
                        edits.push(Edit::replace(range, lower));
                    }
                }
            }
        }
        InstructionKind::Run => {
            for flag in instruction.flags_named("mount") {
                for field in flag.fields(text) {
                    if field.key != "from" {
                        continue;
                    }
                    let raw = &text[field.range];
                    // Only when the field is written plainly (`from=Name`).
                    let Some(value) = raw.split_once('=').map(|(_, v)| v) else {
                        continue;
                    };
                    if value.to_lowercase() == lower && value != lower {
                        let start = usize::from(field.range.end()) - value.len();
                        edits.push(Edit::replace(
                            drydock_text::range(start, usize::from(field.range.end())),
                            lower,
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

impl Rule for StageNameCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        for stage in model.stages() {
            let Some(name) = &stage.name else {
                continue;
            };
            if name.text == name.lower {
                continue;
            }
            let mut edits = vec![Edit::replace(name.range, name.lower.clone())];
            for (index, instruction) in model.instructions() {
                if instruction.kind == InstructionKind::From {
                    // A later `FROM <name>` builds on this stage.
                    if index > stage.from
                        && let Args::Words(words) = &instruction.args
                        && let Some(image) = words.first()
                        && image.text != name.lower
                        && image.text.to_lowercase() == name.lower
                        && text[image.range] == image.text
                    {
                        edits.push(Edit::replace(image.range, name.lower.clone()));
                    }
                    continue;
                }
                reference_edits(instruction, text, &name.lower, &mut edits);
            }
            ctx.report(
                name.range,
                format!("stage name `{}` should be lowercase", name.text),
            )
            .help(format!(
                "BuildKit lowercases stage names: write `{}`",
                name.lower
            ))
            .fix(Fix::safe(
                format!("Rename the stage to `{}`", name.lower),
                edits,
            ));
        }
    }
}
