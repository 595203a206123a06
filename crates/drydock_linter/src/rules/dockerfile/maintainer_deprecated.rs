use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports every `MAINTAINER` instruction, wherever it is (also before the first `FROM`).
    /// `ONBUILD MAINTAINER` is reported by DL3043 instead.
    ///
    /// This is also BuildKit's `MaintainerDeprecated` build check (alias `BK008`):
    /// `# check=skip=MaintainerDeprecated` silences it, and `# check=error=true` makes it an
    /// error.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` has been deprecated since Docker 1.13. It sets the image's `Author` field,
    /// which few tools read; a `maintainer` label (or the OCI `org.opencontainers.image.authors`
    /// label) is the standard way to record who maintains the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// LABEL maintainer="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces the instruction with `LABEL maintainer="<value>"`: one pair of quotes
    /// around the whole value is dropped, and `"`, `$` and the escape character are escaped so
    /// the label holds the text exactly. It is unsafe: the image gets a `maintainer` label
    /// instead of the `Author` field, which changes its metadata for anything that reads it.
    pub(crate) MaintainerDeprecated {
        code: "DL4000",
        name: "maintainer-deprecated",
        aliases: ["MaintainerDeprecated", "BK008"],
        category: BestPractice,
        severity: Error,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// `LABEL maintainer="<value>"` for a `MAINTAINER` value, with `escape` as escape character.
fn label_for(value: &str, escape: char) -> String {
    let bytes = value.as_bytes();
    let value = if bytes.len() >= 2
        && matches!(bytes[0], b'"' | b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        &value[1..value.len() - 1]
    } else {
        value
    };
    let mut out = String::from("LABEL maintainer=\"");
    for c in value.chars() {
        if c == '"' || c == '$' || c == escape {
            out.push(escape);
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Rule for MaintainerDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let escape = ctx.model.file().escape();
        for (_, instruction) in ctx.instructions_of(InstructionKind::Maintainer) {
            let diagnostic = ctx
                .report(instruction.keyword.range, "`MAINTAINER` is deprecated")
                .help("record the maintainer with `LABEL maintainer=\"...\"` instead");
            diagnostic.deprecated();
            if let Args::Text(word) = &instruction.args {
                diagnostic.fix(Fix::unsafe_(
                    "Replace `MAINTAINER` with a `maintainer` label",
                    vec![Edit::replace(
                        instruction.range,
                        label_for(&word.text, escape),
                    )],
                ));
            }
        }
    }
}
