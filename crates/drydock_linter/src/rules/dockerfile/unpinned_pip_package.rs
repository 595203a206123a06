use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports packages installed with `pip install` (in `RUN` or `ONBUILD RUN`) without a
    /// version.
    ///
    /// The command is one whose name starts with `pip` but not `pipenv` (`pip`, `pip3`,
    /// `pip3.12`, and also `pipx`) with an `install` argument, or one whose name starts with
    /// `python` with the arguments `-m pip install` in a row. Names are compared as written, so
    /// `/usr/bin/pip` is not checked. The command is skipped when an argument is exactly `-r`,
    /// `--requirement` or `.`, or when it has a `-c`/`--constraint` option (a short `c` inside a
    /// group of options counts too).
    ///
    /// The packages are the arguments after the first `install` that are not options, leaving
    /// out the value following `-b`, `-e`, `-f`, `-i`, `-t`, `--abi`, `--build`, `--editable`,
    /// `--extra-index-url`, `--find-links`, `--implementation`, `--index-url`, `--no-binary`,
    /// `--only-binary`, `--platform`, `--prefix`, `--progress-bar`, `--proxy`, `--python`,
    /// `--python-version`, `--root`, `--root-user-action`, `--src`, `--target`,
    /// `--trusted-host` or `--upgrade-strategy` (unless written `--option=value`). As in
    /// hadolint, the value of any other option written with a space (`--log pip.log`)
    /// is taken for a package.
    ///
    /// A package is pinned when it contains `==`, `>=`, `<=`, `>`, `<`, `!=` or `~=`; when it
    /// is a VCS reference (starting with `git`, `hg+`, `svn` or `bzr+`) containing `@`; when it
    /// ends with `.whl` or `.tar.gz`; or when it is not a VCS reference and contains `/` (a
    /// path or URL). Note that any package whose name starts with `git` or `svn` counts as a
    /// VCS reference (`gitpython` needs `==` like any other). Each unpinned package is
    /// reported.
    ///
    /// ## Why is this bad?
    /// Without a version, the build installs whatever is newest that day: two builds of the
    /// same Dockerfile get different code, and a new release can break the image or bring in
    /// a compromised package without any change on your side.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir flask gunicorn
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir flask==3.0.3 gunicorn==22.0.0
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each unpinned package is reported at its position (hadolint reports the RUN's first
    /// line once). Scripts in heredocs are checked as the shell runs them, including those
    /// hadolint cannot parse or reads differently.
    pub(crate) UnpinnedPipPackage {
        code: "DL3013",
        name: "unpinned-pip-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Options whose value (the next word) hadolint leaves out of the packages.
const VALUE_OPTIONS: [&str; 26] = [
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python",
    "python-version",
    "root",
    "root-user-action",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
];

/// URL schemes pip reads as version-control references (hadolint's list; `git` and `svn`
/// make every name starting with them one).
const VCS_SCHEMES: [&str; 22] = [
    "git+file",
    "git+https",
    "git+ssh",
    "git+http",
    "git+git",
    "git",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn",
    "svn+svn",
    "svn+http",
    "svn+https",
    "svn+ssh",
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
];

const VERSION_OPERATORS: [&str; 8] = ["==", ">=", "<=", ">", "<", "!=", "~=", "==="];

impl Rule for UnpinnedPipPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.is_pip_install()
                    || cmd.has_any_flag(&["constraint", "c"])
                    || cmd
                        .arg_values()
                        .any(|a| matches!(a, "-r" | "--requirement" | "."))
                {
                    continue;
                }
                let kept = cmd.drop_flag_arg(&VALUE_OPTIONS);
                let words = kept.args_no_flags();
                let after_install = words
                    .iter()
                    .skip_while(|w| w.value != "install")
                    .skip_while(|w| w.value == "install");
                for word in after_install {
                    if is_pinned(&word.value) {
                        continue;
                    }
                    let package = word.value.as_str();
                    ctx.report(word.range, format!("pip package `{package}` is not pinned to a version"))
                        .help(if is_vcs(package) && package.contains(':') {
                            format!("pin it to a tag or commit (`{package}@<ref>`)")
                        } else {
                            format!(
                                "pin it (`{package}==<version>`), or install from a requirements or constraints file with pinned versions"
                            )
                        });
                }
            }
        }
    }
}

fn is_vcs(package: &str) -> bool {
    VCS_SCHEMES.iter().any(|s| package.starts_with(s))
}

fn is_pinned(package: &str) -> bool {
    VERSION_OPERATORS.iter().any(|op| package.contains(op))
        || (is_vcs(package) && package.contains('@'))
        || package.ends_with(".whl")
        || package.ends_with(".tar.gz")
        || (!is_vcs(package) && package.contains('/'))
}
