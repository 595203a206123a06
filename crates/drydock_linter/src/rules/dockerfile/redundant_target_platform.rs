use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `FROM --platform=$TARGETPLATFORM` and `FROM --platform=${TARGETPLATFORM}`,
    /// written exactly so (a quoted value or a default such as `${TARGETPLATFORM:-x}` is not
    /// reported).
    ///
    /// This is also BuildKit's `RedundantTargetPlatform` build check (alias `BK014`):
    /// `# check=skip=RedundantTargetPlatform` silences it, and `# check=error=true` makes it an
    /// error.
    ///
    /// ## Why is this bad?
    /// A stage is built for the target platform by default; the flag repeats the default and
    /// suggests to the reader that something special happens.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$TARGETPLATFORM alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the flag. It is safe, and offered only when no global `ARG` redefines
    /// `TARGETPLATFORM` (then the flag would not be the default any more).
    ///
    /// ## Differences from BuildKit
    /// BuildKit also reports other spellings that expand to `TARGETPLATFORM` and nothing else
    /// (`"$TARGETPLATFORM"`, `${TARGETPLATFORM:-linux/amd64}`); this rule keeps hadolint's
    /// two literal spellings.
    pub(crate) RedundantTargetPlatform {
        code: "DL3065",
        name: "redundant-target-platform",
        aliases: ["RedundantTargetPlatform", "BK014"],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

impl Rule for RedundantTargetPlatform {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        let redefined = model
            .global_args()
            .iter()
            .any(|&i| match &model.instruction(i).args {
                Args::Arg(decls) => decls.iter().any(|d| d.name.text == "TARGETPLATFORM"),
                _ => false,
            });
        for (_, instruction) in model.instructions_of(InstructionKind::From) {
            let Some(flag) = instruction.flag("platform") else {
                continue;
            };
            let Some(value_range) = flag.value_range else {
                continue;
            };
            let value = &text[value_range];
            if value != "$TARGETPLATFORM" && value != "${TARGETPLATFORM}" {
                continue;
            }
            let diagnostic = ctx
                .report(
                    flag.range,
                    format!("`--platform={value}` is the default platform of a stage"),
                )
                .help("remove the flag");
            diagnostic.unnecessary();
            if !redefined {
                // The flag and the blanks after it, on its line.
                let end = usize::from(flag.range.end());
                let blanks = text[end..].len() - text[end..].trim_start_matches([' ', '\t']).len();
                let range = drydock_text::range(usize::from(flag.range.start()), end + blanks);
                diagnostic.fix(Fix::safe("Remove `--platform`", vec![Edit::delete(range)]));
            }
        }
    }
}
