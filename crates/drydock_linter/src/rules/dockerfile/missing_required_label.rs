use drydock_dockerfile::InstructionKind;
use drydock_dockerfile::model::{Model, Stage};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::label_pairs;

declare_rule! {
    /// ## What it does
    /// Reports stages that do not set a label required by the configured label schema.
    ///
    /// Only active when a label schema is configured (`label-schema`). For each label of the
    /// schema, the `FROM` of every stage that does not set that label with a `LABEL`
    /// instruction is reported, following hadolint's stage bookkeeping exactly:
    ///
    /// - A stage is *good* once one of its own `LABEL` instructions sets the label. A stage
    ///   whose `FROM` names (by its image name, tag ignored) the alias of a stage that was
    ///   already good when the `FROM` was read starts good too, so `FROM base AS child` inherits
    ///   the label of `base`, transitively.
    /// - A stage is silenced (never reported) when a later `COPY --from=<its alias>` copies from
    ///   it, or when a later stage *without an alias* whose image name is its alias sets the
    ///   label (the child carries the label for it). A child stage that has an alias of its own
    ///   does not silence its parent.
    /// - Every other stage is reported at its `FROM` once the whole file has been read.
    ///
    /// Stages are identified by their alias or, without one, by their image name (the image
    /// without registry, tag or digest). `ONBUILD LABEL` and `ONBUILD COPY` are ignored.
    ///
    /// ## Why is this bad?
    /// Labels declared as required by a schema (an owner, a source URL, a version) are what
    /// registries, scanners and deployment tooling rely on to trace an image back to its
    /// source. An image built from a stage that lacks them is anonymous.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.source: url
    /// FROM debian:12
    /// RUN echo building
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.source: url
    /// FROM debian:12
    /// LABEL org.opencontainers.image.source=https://github.com/example/app
    /// RUN echo building
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Stage names are compared case-insensitively (BuildKit lowercases them): `FROM Base`
    ///   continues the stage `AS base` here, not in hadolint.
    /// - A `FROM` image written with variables whose values are all known (`ARG BASE=builder`
    ///   then `FROM ${BASE}`) is matched by its expanded name, so such a stage inherits the
    ///   label of the stage it really builds on; hadolint compares the unexpanded text and
    ///   reports it.
    pub(crate) MissingRequiredLabel {
        code: "DL3049",
        name: "missing-required-label",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Ends of the registry part hadolint's image parser splits off: a first component holding a
/// `.` before a `/` (`ghcr.io/`), with `${...}` read as opaque text.
fn registry_end(text: &str) -> Option<usize> {
    let dot = scan_until(text, |c| c == '.');
    if dot == 0 || dot >= text.len() {
        return None;
    }
    let rest = &text[dot + 1..];
    let slash = scan_until(rest, |c| c == '/');
    if slash == 0 || slash >= rest.len() {
        return None;
    }
    Some(dot + 1 + slash + 1)
}

/// Byte index of the first character matching `stop` outside a `${...}`, or the length.
fn scan_until(text: &str, stop: impl Fn(char) -> bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            let mut depth = 0usize;
            let mut j = i + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or_default();
        if stop(c) {
            return i;
        }
        i += c.len_utf8();
    }
    bytes.len()
}

/// hadolint's *image name* of a `FROM` image word: without the registry, the tag and the digest
/// (`ghcr.io/org/app:1@sha256:..` -> `org/app`, `builder` -> `builder`).
pub(crate) fn hadolint_image_name(text: &str) -> &str {
    let start = registry_end(text).unwrap_or(0);
    let rest = &text[start..];
    &rest[..scan_until(rest, |c| c == ':' || c == '@')]
}

/// The name a stage's `FROM` refers to, lowercased for comparison with stage aliases: hadolint's
/// image name of the word as written or, when it has variables with known values, of its
/// expansion.
pub(crate) fn from_reference(model: &Model, stage: &Stage) -> String {
    let Some(word) = &stage.image else {
        return String::new();
    };
    let text = if word.text.contains('$') {
        match model.expand(stage.from, &word.text) {
            Ok(expanded) if !expanded.unknown => expanded.result,
            _ => word.text.clone(),
        }
    } else {
        word.text.clone()
    };
    hadolint_image_name(&text).to_lowercase()
}

/// The lowercased alias of a stage.
pub(crate) fn alias(stage: &Stage) -> Option<String> {
    stage.name.as_ref().map(|n| n.lower.clone())
}

/// How a stage is described in messages.
pub(crate) fn describe(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => format!("stage `{}`", name.text),
        None => match &stage.image {
            Some(image) => format!("stage {} (`FROM {}`)", stage.index, image.text),
            None => format!("stage {}", stage.index),
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Good,
    Silent,
    Bad,
}

/// hadolint's per-label state machine over the instructions; returns the stages to report.
fn missing(model: &Model, has_label: &[bool]) -> Vec<usize> {
    let stages = model.stages();
    let references: Vec<String> = stages.iter().map(|s| from_reference(model, s)).collect();
    let aliases: Vec<Option<String>> = stages.iter().map(alias).collect();
    let mut marks: Vec<Option<Mark>> = vec![None; stages.len()];
    let mut current: Option<usize> = None;
    // Moves the bad stages whose alias is `name` to silent.
    let silence = |marks: &mut Vec<Option<Mark>>, name: &str| {
        for (i, mark) in marks.iter_mut().enumerate() {
            if *mark == Some(Mark::Bad) && aliases[i].as_deref() == Some(name) {
                *mark = Some(Mark::Silent);
            }
        }
    };
    for (index, instruction) in model.instructions() {
        match instruction.kind {
            InstructionKind::From => {
                let Some(stage) = model.stage_of(index) else {
                    continue;
                };
                let inherits = current.is_some()
                    && marks.iter().enumerate().any(|(i, m)| {
                        *m == Some(Mark::Good)
                            && aliases[i].as_deref() == Some(references[stage].as_str())
                    });
                marks[stage] = Some(if inherits { Mark::Good } else { Mark::Bad });
                current = Some(stage);
            }
            InstructionKind::Copy => {
                if current.is_none() {
                    continue;
                }
                if let Some(from) = instruction.flag("from").and_then(|f| f.value.as_deref()) {
                    silence(&mut marks, &from.to_lowercase());
                }
            }
            InstructionKind::Label if has_label[index] => {
                let Some(stage) = current else {
                    continue;
                };
                let name = aliases[stage]
                    .clone()
                    .unwrap_or_else(|| references[stage].clone());
                silence(&mut marks, &name);
                marks[stage] = Some(Mark::Good);
            }
            _ => {}
        }
    }
    marks
        .iter()
        .enumerate()
        .filter(|(_, m)| **m == Some(Mark::Bad))
        .map(|(i, _)| i)
        .collect()
}

impl Rule for MissingRequiredLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        if ctx.options.label_schema.is_empty() || model.stages().is_empty() {
            return;
        }
        let pairs = label_pairs(ctx);
        let labels: Vec<String> = ctx.options.label_schema.keys().cloned().collect();
        for label in labels {
            let mut has_label = vec![false; model.instruction_count()];
            for pair in pairs.iter().filter(|p| p.key == label) {
                has_label[pair.instruction] = true;
            }
            for stage in missing(model, &has_label) {
                let stage = &model.stages()[stage];
                let from = model.instruction(stage.from);
                ctx.report(
                    from.keyword.range,
                    format!(
                        "{} does not set the required label `{label}`",
                        describe(stage)
                    ),
                )
                .help(format!(
                    "add `LABEL {label}=...` to this stage (or to the stage it builds on)"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(hadolint_image_name("debian:12"), "debian");
        assert_eq!(hadolint_image_name("builder"), "builder");
        assert_eq!(hadolint_image_name("ghcr.io/org/app:1"), "org/app");
        assert_eq!(
            hadolint_image_name("docker.io/library/x@sha256:ab"),
            "library/x"
        );
        assert_eq!(hadolint_image_name("localhost:5000/foo"), "localhost");
        assert_eq!(hadolint_image_name("build.stage"), "build.stage");
        assert_eq!(hadolint_image_name("${REG:-a.b}/x:1"), "${REG:-a.b}/x");
        assert_eq!(hadolint_image_name("img:${TAG}"), "img");
    }
}
