use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `FROM image AS name` whose `AS` keyword is not in the case of its `FROM`
    /// keyword: `FROM x as y` or `from x AS y`. A `FROM` keyword in mixed case (`From`) is left
    /// to BK004 (`inconsistent-instruction-casing`). This is BuildKit's `FromAsCasing` build
    /// check.
    ///
    /// ## Why is this bad?
    /// Keywords are case-insensitive, so it builds; mixing cases on one line only makes the file
    /// harder to read and to search.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22 as build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22 AS build
    /// ```
    ///
    /// ## Fix safety
    /// The fix rewrites `AS` in the case of `FROM`. It is safe: keywords are case-insensitive.
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the whole `FROM` line; drydock points at `AS`. Its
    /// severity is `style` here; `# check=error=true` makes it an error.
    pub(crate) FromAsCasing {
        code: "BK002",
        name: "from-as-casing",
        aliases: ["FromAsCasing"],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: Always,
        target: Dockerfile,
    }
}

impl Rule for FromAsCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.instructions_of(InstructionKind::From) {
            let Args::Words(words) = &instruction.args else {
                continue;
            };
            let [_, as_kw, _] = words.as_slice() else {
                continue;
            };
            if !as_kw.text.eq_ignore_ascii_case("as") {
                continue;
            }
            let from = &instruction.keyword.text;
            let wanted = if *from == from.to_lowercase() {
                "as"
            } else if *from == from.to_uppercase() {
                "AS"
            } else {
                continue;
            };
            if as_kw.text == wanted {
                continue;
            }
            ctx.report(
                as_kw.range,
                format!("`{}` does not match the casing of `{from}`", as_kw.text),
            )
            .help(format!("write `{from} ... {wanted} ...`"))
            .fix(Fix::safe(
                format!("Write `{wanted}`"),
                vec![Edit::replace(as_kw.range, wanted)],
            ));
        }
    }
}
