use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports packages installed with `npm install` (in `RUN` or `ONBUILD RUN`) without a
    /// version.
    ///
    /// The command must be named exactly `npm` and its first argument that is not an option
    /// must be `install` (the values of `--loglevel` and `--registry` are skipped first). So
    /// `npm i`, `npm ci`, `npm add` and `npm --prefix /app install x` are not checked, as in
    /// hadolint. The packages are the arguments after `install` that are not options; a bare
    /// `npm install` (installing from `package.json`) passes.
    ///
    /// A package is pinned when it is a git URL (`git://`, `git+ssh://`, `git+http://`,
    /// `git+https://`) with a `#` (commit, tag or `#semver:`); a tarball (ending with `.tar`,
    /// `.tar.gz` or `.tgz`); a folder (starting with `/`, `./`, `../` or `~/`); or otherwise
    /// when it has a `@` after the package name, as in `express@4.19.2` or
    /// `@types/node@20` (the scope's own `@` does not count). Any tag counts as a version,
    /// `@latest` included. Each unpinned package is reported.
    ///
    /// ## Why is this bad?
    /// Without a version, the build installs whatever is newest that day: two builds of the
    /// same Dockerfile get different code, and a new release can break the image or bring in
    /// a compromised package without any change on your side.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// RUN npm install -g typescript
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20
    /// RUN npm install -g typescript@5.4.5
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each unpinned package is reported at its position (hadolint reports the RUN's first
    /// line once). Scripts in heredocs are checked as the shell runs them, including those
    /// hadolint cannot parse or reads differently.
    pub(crate) UnpinnedNpmPackage {
        code: "DL3016",
        name: "unpinned-npm-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

const GIT_PREFIXES: [&str; 4] = ["git://", "git+ssh://", "git+http://", "git+https://"];
const TARBALL_SUFFIXES: [&str; 3] = [".tar", ".tar.gz", ".tgz"];
const FOLDER_PREFIXES: [&str; 4] = ["/", "./", "../", "~/"];

impl Rule for UnpinnedNpmPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["npm"], &["install"]) {
                    continue;
                }
                let words = cmd.drop_flag_arg(&["loglevel", "registry"]).args_no_flags();
                if words.first().is_none_or(|w| w.value != "install") {
                    continue;
                }
                let packages = words.iter().skip_while(|w| w.value == "install");
                for word in packages {
                    let package = word.value.as_str();
                    if is_pinned(package) {
                        continue;
                    }
                    ctx.report(word.range, format!("npm package `{package}` is not pinned to a version"))
                        .help(if GIT_PREFIXES.iter().any(|p| package.starts_with(p)) {
                            format!("pin it to a tag or commit (`{package}#<ref>`)")
                        } else {
                            format!(
                                "pin it (`{package}@<version>`), or install from `package.json` with a lock file (`npm ci`)"
                            )
                        });
                }
            }
        }
    }
}

fn is_pinned(package: &str) -> bool {
    if GIT_PREFIXES.iter().any(|p| package.starts_with(p)) {
        return package.contains('#');
    }
    if TARBALL_SUFFIXES.iter().any(|s| package.ends_with(s))
        || FOLDER_PREFIXES.iter().any(|p| package.starts_with(p))
    {
        return true;
    }
    // hadolint skips a scope by dropping the leading characters that sort after `/` (letters,
    // digits, `@`, ...), so `@scope/name` is looked at from its `/`.
    let rest = if package.starts_with('@') {
        package.trim_start_matches(|c: char| c > '/')
    } else {
        package
    };
    rest.contains('@')
}
