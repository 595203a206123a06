use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `EXPOSE` port above 65535: a single port (`EXPOSE 70000`, `EXPOSE 80000/udp`)
    /// or either end of a range (`EXPOSE 8000-70000`). The finding points at the number.
    ///
    /// Variables are not checked (`EXPOSE $PORT`), and neither is a range with a variable at
    /// either end (`EXPOSE 70000-$END`). Words that are not a port, a range or a variable,
    /// optionally followed by `/tcp`, `/udp` or `/sctp`, are left alone. `ONBUILD EXPOSE` is not
    /// checked.
    ///
    /// ## Why is this bad?
    /// TCP and UDP ports are 16-bit numbers, 0 to 65535. A larger number is a typo; Docker
    /// rejects it when the container is created or the port is published.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 80800
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// EXPOSE 8080
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint cannot parse a file with an `/sctp` port (BuildKit accepts it); here such a
    /// port is checked like the others.
    pub(crate) PortOutOfRange {
        code: "DL3011",
        name: "port-out-of-range",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Byte spans of the numbers above 65535 in one `EXPOSE` word.
fn out_of_range(word: &str) -> Vec<(usize, usize)> {
    // An optional `/tcp` or `/udp` suffix (any case).
    let body = match word.rsplit_once('/') {
        Some((body, proto))
            if matches!(proto.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") =>
        {
            body
        }
        Some(_) => return Vec::new(),
        None => word,
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let too_big =
        |s: &str| s.trim_start_matches('0').len() > 5 || s.parse::<u32>().is_ok_and(|n| n > 65535);
    let (first, second) = match body.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    match second {
        // A range: checked only when both ends are numbers.
        Some(second) if is_number(first) && is_number(second) => {
            let mut out = Vec::new();
            if too_big(first) {
                out.push((0, first.len()));
            }
            if too_big(second) {
                out.push((first.len() + 1, body.len()));
            }
            out
        }
        None if is_number(first) && too_big(first) => vec![(0, first.len())],
        _ => Vec::new(),
    }
}

impl Rule for PortOutOfRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        for (_, instruction) in ctx.instructions_of(InstructionKind::Expose) {
            let Args::Words(words) = &instruction.args else {
                continue;
            };
            for word in words {
                let start = usize::from(word.range.start());
                let exact =
                    text.get(start..usize::from(word.range.end())) == Some(word.text.as_str());
                for (s, e) in out_of_range(&word.text) {
                    let range = if exact {
                        drydock_text::range(start + s, start + e)
                    } else {
                        word.range
                    };
                    ctx.report(range, format!("port `{}` is above 65535", &word.text[s..e]))
                        .help("ports range from 0 to 65535; check the number for a typo");
                }
            }
        }
    }
}
