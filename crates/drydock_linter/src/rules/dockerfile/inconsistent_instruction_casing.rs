use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports instruction keywords that do not follow the file's majority casing, and keywords
    /// in mixed case (`Copy`, `frOM`) wherever they are. The majority is counted over the
    /// keywords from the first `FROM` on (each `FROM` and each instruction of a stage; an
    /// `ONBUILD` counts once): lowercase when more keywords are all lowercase than all
    /// uppercase, uppercase otherwise (a tie goes to uppercase). `ARG`s before the first `FROM`
    /// are neither counted nor checked. This is BuildKit's `ConsistentInstructionCasing` build
    /// check.
    ///
    /// ## Why is this bad?
    /// Keywords are case-insensitive, so it builds; a file that mixes `COPY` and `copy` is
    /// harder to read and to search.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// copy app /app
    /// RUN /app/setup
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// COPY app /app
    /// RUN /app/setup
    /// ```
    ///
    /// ## Fix safety
    /// The fix rewrites the keyword in the majority's case. It is safe: keywords are
    /// case-insensitive.
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the instruction's lines; drydock points at the keyword.
    /// Its severity is `style` here; `# check=error=true` makes it an error.
    pub(crate) InconsistentInstructionCasing {
        code: "BK004",
        name: "inconsistent-instruction-casing",
        aliases: ["ConsistentInstructionCasing"],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: Always,
        target: Dockerfile,
    }
}

/// Whether `text` is its own lowercase (without building it when `text` is ASCII, as keywords
/// are).
fn is_lowercase(text: &str) -> bool {
    if text.is_ascii() {
        !text.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        text == text.to_lowercase()
    }
}

/// Whether `text` is its own uppercase.
fn is_uppercase(text: &str) -> bool {
    if text.is_ascii() {
        !text.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        text == text.to_uppercase()
    }
}

impl Rule for InconsistentInstructionCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // The keywords BuildKit sees in its stages: from the first FROM on, known instructions.
        let keywords: Vec<_> = model
            .instructions()
            .filter(|(i, instruction)| {
                model.stage_of(*i).is_some() && instruction.kind != InstructionKind::Unknown
            })
            .map(|(_, instruction)| &instruction.keyword)
            .collect();
        let (mut lower, mut upper) = (0usize, 0usize);
        for keyword in &keywords {
            if is_lowercase(&keyword.text) {
                lower += 1;
            } else if is_uppercase(&keyword.text) {
                upper += 1;
            }
        }
        let majority_lower = lower > upper;
        let casing = if majority_lower {
            "lowercase"
        } else {
            "uppercase"
        };
        for keyword in keywords {
            let (is_lower, is_upper) = (is_lowercase(&keyword.text), is_uppercase(&keyword.text));
            if (majority_lower && is_lower) || (!majority_lower && is_upper) {
                continue;
            }
            let wanted = if majority_lower {
                keyword.text.to_lowercase()
            } else {
                keyword.text.to_uppercase()
            };
            let message = if is_lower || is_upper {
                format!(
                    "`{}` does not match the casing of most instructions ({casing})",
                    keyword.text
                )
            } else {
                format!(
                    "`{}` is in mixed case; most instructions are {casing}",
                    keyword.text
                )
            };
            ctx.report(keyword.range, message)
                .help(format!("write `{wanted}`"))
                .fix(Fix::safe(
                    format!("Write `{wanted}`"),
                    vec![Edit::replace(keyword.range, wanted.clone())],
                ));
        }
    }
}
