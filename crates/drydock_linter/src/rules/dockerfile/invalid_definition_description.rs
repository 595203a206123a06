use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::prev_comments;

declare_rule! {
    /// ## What it does
    /// Reports a named stage (`FROM image AS name`) or an `ARG` with comment lines directly
    /// above it whose last line does not start with the name it describes followed by a
    /// space. This is BuildKit's experimental `InvalidDefinitionDescription` build check: it
    /// reports only in files that turn it on with `# check=experimental=...`.
    ///
    /// `# build compiles the app` describes `FROM golang AS build`, `# VERSION of the app`
    /// describes `ARG VERSION`. The stage name is compared lowercased, as BuildKit stores it.
    /// The comment block is BuildKit's: the comment lines since the previous instruction, where
    /// a bare `#` line starts a new block and blank lines do not.
    ///
    /// As in BuildKit, the check runs only where it is asked for:
    /// `# check=experimental=InvalidDefinitionDescription` (or `experimental=all`) as the
    /// file's directive or on a comment above the instruction, or the same value in
    /// `buildkit-dockerfile-check:` in `.drydock.yaml`. Without that it reports nothing, so it
    /// is off by default even though no configuration turns it off.
    ///
    /// ## Why is this bad?
    /// Tools read these comments as descriptions of build stages and arguments
    /// (`docker buildx build --call=outline`, `--call=targets`). A comment that is not a
    /// description should be separated from the instruction by a bare `#` line.
    ///
    /// ## Example
    /// ```dockerfile
    /// # check=experimental=InvalidDefinitionDescription
    /// # the Go version
    /// ARG GO_VERSION=1.23
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # check=experimental=InvalidDefinitionDescription
    /// # GO_VERSION is the Go version to build with
    /// ARG GO_VERSION=1.23
    /// ```
    ///
    /// ## Differences from BuildKit
    /// drydock points at the stage name or the `ARG`'s name (its keyword when it declares
    /// several) and labels the comment; BuildKit reports the instruction's lines.
    pub(crate) InvalidDefinitionDescription {
        code: "BK021",
        name: "invalid-definition-description",
        aliases: ["InvalidDefinitionDescription"],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for InvalidDefinitionDescription {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for (index, instruction) in model.instructions() {
            let (keys, range, what) = match (&instruction.args, instruction.kind) {
                (Args::Words(_), InstructionKind::From) => {
                    let Some(name) = model
                        .stage_of(index)
                        .and_then(|s| model.stages()[s].name.as_ref())
                    else {
                        continue;
                    };
                    (vec![name.lower.as_str()], name.range, "stage")
                }
                (Args::Arg(decls), _) if !decls.is_empty() => {
                    let keys: Vec<&str> = decls.iter().map(|d| d.name.text.as_str()).collect();
                    let range = if decls.len() == 1 {
                        decls[0].name.range
                    } else {
                        instruction.keyword.range
                    };
                    (keys, range, "argument")
                }
                _ => continue,
            };
            let comments = prev_comments(model, index);
            let Some(last) = comments.last() else {
                continue;
            };
            let first_word = last.text.split(' ').next().unwrap_or_default();
            if keys.contains(&first_word) {
                continue;
            }
            let example = if keys.len() == 1 {
                keys[0]
            } else {
                "<arg_key>"
            };
            let keyword = instruction.kind.keyword();
            ctx.report(
                range,
                format!("the comment above this `{keyword}` should describe it as `# {example} <description>`"),
            )
            .label(last.range, format!("read as the {what}'s description"))
            .help("start the comment with the name, or separate it from the instruction with a bare `#` line");
        }
    }
}
