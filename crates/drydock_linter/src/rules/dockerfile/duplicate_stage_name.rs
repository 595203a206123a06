use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a stage name (`FROM image AS <name>`) already used by an earlier stage. Names
    /// are compared case-insensitively: `AS Build` and `AS build` are the same stage for
    /// BuildKit.
    ///
    /// This is also BuildKit's `DuplicateStageName` build check (alias `BK005`):
    /// `# check=skip=DuplicateStageName` silences it, and `# check=error=true` makes it an
    /// error.
    ///
    /// ## Why is this bad?
    /// BuildKit rejects a Dockerfile with two stages of the same name. Older builders silently
    /// used the last one, so `COPY --from=<name>` and `--target <name>` referred to a different
    /// stage than the reader expects.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22 AS build
    /// RUN npm ci
    ///
    /// FROM node:22 AS build
    /// RUN npm run build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22 AS deps
    /// RUN npm ci
    ///
    /// FROM deps AS build
    /// RUN npm run build
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint compares stage names case-sensitively (`AS Build` then `AS build` passes);
    /// here they are compared as BuildKit does, ignoring case.
    pub(crate) DuplicateStageName {
        code: "DL3024",
        name: "duplicate-stage-name",
        aliases: ["DuplicateStageName", "BK005"],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for DuplicateStageName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let stages = ctx.model.stages();
        // The first stage of each name (a map, not a scan: files can have thousands of stages).
        let mut first: foldhash::HashMap<&str, &drydock_dockerfile::model::StageName> =
            foldhash::HashMap::default();
        for stage in stages {
            let Some(name) = &stage.name else {
                continue;
            };
            let earlier = match first.entry(name.lower.as_str()) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(name);
                    None
                }
            };
            if let Some(earlier) = earlier {
                ctx.report(
                    name.range,
                    format!(
                        "stage name `{}` is already used by an earlier stage",
                        name.text
                    ),
                )
                .label(earlier.range, "first used here")
                .help("give every stage a unique name");
            }
        }
    }
}
