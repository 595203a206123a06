use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `USER` whose user part (the text before the first `:`) is not all digits.
    /// `USER root` and `USER app:app` are reported, `USER 10001` and `USER 10001:app` are not.
    /// The text is taken as hadolint reads it, to the end of the line, so `USER 1000 ` with a
    /// trailing blank is reported.
    ///
    /// A `USER` that mentions `$NAME` or `${NAME}` for a `NAME` declared by an earlier `ARG`
    /// (in any stage; only the first name of an `ARG` with several) is not reported; the match
    /// is textual, so `$UID` also accepts `$UIDX`. Other variables (`USER $HOME_USER` with an
    /// `ENV`) are reported. `ONBUILD USER` and `ONBUILD ARG` are ignored.
    ///
    /// ## Why is this bad?
    /// A user name is resolved through the image's `/etc/passwd`. Platforms that enforce
    /// non-root containers (Kubernetes' `runAsNonRoot`, OpenShift) cannot check a name, and a
    /// name that does not exist in the image makes the container fail to start. A numeric UID
    /// works everywhere.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd --uid 10001 app
    /// USER app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd --uid 10001 app
    /// USER 10001
    /// ```
    pub(crate) NonNumericUser {
        code: "DL3066",
        name: "non-numeric-user",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether `text` contains `$name` or `${name}` (as text: `$name` may go on, as in
/// `$names`), without building either string (this runs for each `ARG` before each `USER`).
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(at, _)| {
        let rest = &text[at + 1..];
        rest.starts_with(name)
            || rest
                .strip_prefix('{')
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| r.starts_with('}'))
    })
}

impl Rule for NonNumericUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        let mut args: Vec<&str> = Vec::new();
        for (_, instruction) in ctx.model.instructions() {
            match (&instruction.kind, &instruction.args) {
                (InstructionKind::Arg, Args::Arg(decls)) => {
                    if let Some(first) = decls.first() {
                        args.push(&first.name.text);
                    }
                }
                (InstructionKind::User, Args::Text(word)) => {
                    // hadolint keeps the blanks that end the line.
                    let end = usize::from(word.range.end());
                    let rest = &text[end..];
                    let blanks = &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()];
                    let user = format!("{}{blanks}", word.text);
                    let uid = user.split(':').next().unwrap_or_default();
                    if uid.bytes().all(|b| b.is_ascii_digit()) {
                        continue;
                    }
                    let from_arg = args.iter().any(|name| mentions(&user, name));
                    if from_arg {
                        continue;
                    }
                    if !blanks.is_empty()
                        && word
                            .text
                            .split(':')
                            .next()
                            .is_some_and(|u| u.bytes().all(|b| b.is_ascii_digit()))
                    {
                        ctx.report(word.range, format!("`USER {}` ends with blanks, so its user ID is not read as a number", word.text))
                            .help("remove the blanks at the end of the line (hadolint reads them as part of the user ID)");
                        continue;
                    }
                    ctx.report(word.range, format!("`USER {}` is not a numeric user ID", word.text))
                        .help("use the numeric UID (and GID), e.g. `USER 10001:10001`, so the runtime can verify the user without the image's `/etc/passwd`");
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;

    /// `mentions` answers as the two substring searches it replaces.
    #[test]
    fn mentions_is_either_substring() {
        let texts = [
            "",
            "$",
            "${",
            "${}",
            "$U",
            "${U}",
            "${U",
            "$UID",
            "${UID}",
            "a$U:b",
            "x${U}y",
            "$$U",
            "${${U}}",
            "${UU}",
            "{U}",
            "U",
            "$ U",
            "${U}:${G}",
            "é$U",
            "$é",
        ];
        let names = ["", "U", "UID", "G", "é"];
        for text in texts {
            for name in names {
                let expected =
                    text.contains(&format!("${{{name}}}")) || text.contains(&format!("${name}"));
                assert_eq!(mentions(text, name), expected, "{text:?} {name:?}");
            }
        }
    }
}
