use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports gems installed with `gem install` (or `gem i`) in `RUN` or `ONBUILD RUN`
    /// without a version.
    ///
    /// The command must be named exactly `gem` and have an `install` or `i` argument
    /// anywhere. It is skipped when it has a `-v` or `--version` argument or one starting with
    /// `--version=`. The gems are the arguments before a `--`, other than `install` and `i`,
    /// where every argument starting with `-` is dropped together with the word after it (so
    /// `gem install --no-document bundler` has no gem to check, as in hadolint). A gem is
    /// pinned when it contains `:` (`bundler:2.5.6`). Each unpinned gem is reported.
    ///
    /// ## Why is this bad?
    /// Without a version, the build installs whatever is newest that day: two builds of the
    /// same Dockerfile get different code, and a new release can break the image or bring in
    /// a compromised gem without any change on your side.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM ruby:3.3
    /// RUN gem install bundler rake
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM ruby:3.3
    /// RUN gem install bundler:2.5.6 rake:13.2.1
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each unpinned gem is reported at its position (hadolint reports the RUN's first line
    /// once). Scripts in heredocs are checked as the shell runs them, including those hadolint
    /// cannot parse or reads differently.
    pub(crate) UnpinnedGem {
        code: "DL3028",
        name: "unpinned-gem",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for UnpinnedGem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["gem"], &["install", "i"])
                    || cmd.has_arg("-v")
                    || cmd.has_arg("--version")
                    || cmd.arg_values().any(|a| a.starts_with("--version="))
                {
                    continue;
                }
                let mut words = cmd.args.iter().take_while(|w| w.value != "--");
                while let Some(word) = words.next() {
                    let gem = word.value.as_str();
                    if gem.starts_with('-') {
                        // An option and (whatever it is) the word after it.
                        words.next();
                        continue;
                    }
                    if matches!(gem, "install" | "i") || gem.contains(':') {
                        continue;
                    }
                    ctx.report(word.range, format!("gem `{gem}` is not pinned to a version"))
                        .help(format!("pin it (`{gem}:<version>` or `-v <version>`), or install from a `Gemfile.lock` with Bundler"));
                }
            }
        }
    }
}
