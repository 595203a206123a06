use drydock_dockerfile::model::Base;
use drydock_dockerfile::{Args, InstructionKind, Word};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `WORKDIR` at or under a directory of the kernel, the boot loader or the
    /// filesystem: `/proc`, `/boot`, `/dev`, `/initrd` or `/lost+found`.
    ///
    /// `ONBUILD WORKDIR` is checked too. The path is compared component by component after builder variables are expanded and
    /// `.`, `..`, repeated and trailing slashes are resolved: `/proc/self/../x` and `/dev/` count,
    /// `/devices`, `/proc-data` and `/srv/proc` do not. A relative `WORKDIR` is resolved against
    /// the previous `WORKDIR` of the stage (or of the stage it builds on, `FROM <stage>`, or `/`
    /// for `FROM scratch`); when that is not known (the base image's working directory), it is
    /// not reported. A path that depends on a build argument without a known value is not
    /// reported either.
    ///
    /// ## Why is this bad?
    /// At run time `/proc` and `/dev` are filesystems the container runtime mounts over whatever
    /// the image put there, so files written into them during the build disappear or shadow
    /// kernel interfaces; `/boot`, `/initrd` and `/lost+found` belong to the host's boot and
    /// filesystem tools and have no place for application files. Working from there usually
    /// means a typo or a misunderstanding, and anything that writes relative paths ends up in a
    /// directory that is not what it seems.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /proc/app
    /// COPY . .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /srv/app
    /// COPY . .
    /// ```
    ///
    /// ## Notes
    /// Stages based on a Windows image are not checked.
    pub(crate) WorkdirInSystemDir {
        code: "DS115",
        name: "workdir-in-system-dir",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Top-level directories that belong to the kernel, the runtime or the boot loader.
const SYSTEM_DIRS: [&str; 5] = ["proc", "boot", "dev", "initrd", "lost+found"];

/// `path` resolved against `base` (an absolute, normalised directory) with `.`, `..`, repeated
/// and trailing slashes removed. `None` when `path` is relative and `base` is unknown.
fn resolve(base: Option<&str>, path: &str) -> Option<String> {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", base?)
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// The system directory `path` (normalised) is at or under, if any.
fn system_dir(path: &str) -> Option<&'static str> {
    let first = path.trim_start_matches('/').split('/').next()?;
    SYSTEM_DIRS.iter().copied().find(|dir| *dir == first)
}

impl Rule for WorkdirInSystemDir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // The working directory at the end of each stage, when known.
        let mut stage_end: Vec<Option<String>> = Vec::with_capacity(model.stages().len());
        for stage in model.stages() {
            if !ctx.walks_stage(stage.index) {
                // (No stage it walks builds on this one.)
                stage_end.push(None);
                continue;
            }
            let mut current = match (&stage.base, stage.parent) {
                (_, Some(parent)) => stage_end.get(parent).cloned().flatten(),
                (Base::Scratch, _) => Some("/".to_owned()),
                _ => None,
            };
            for index in stage.body.clone() {
                let outer = model.instruction(index);
                let (word, onbuild) = match (&outer.kind, &outer.args) {
                    (InstructionKind::Workdir, Args::Text(word)) => (word, false),
                    (InstructionKind::Onbuild, Args::Onbuild(inner))
                        if inner.kind == InstructionKind::Workdir =>
                    {
                        match &inner.args {
                            Args::Text(word) => (word, true),
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                let resolved = match model.expand(index, &word.text) {
                    Ok(expansion) if !expansion.unknown => {
                        // `ONBUILD WORKDIR` runs in a later build, from an unknown directory.
                        let base = if onbuild { None } else { current.as_deref() };
                        resolve(base, &expansion.result)
                    }
                    _ => None,
                };
                if let Some(path) = &resolved
                    && let Some(dir) = system_dir(path)
                    && !stage.windows
                {
                    report(ctx, word, path, dir);
                }
                if !onbuild {
                    current = resolved;
                }
            }
            stage_end.push(current);
        }
    }
}

fn report(ctx: &mut DockerfileContext<'_>, word: &Word, path: &str, dir: &str) {
    let message = if path == format!("/{dir}") {
        format!("working directory `{path}` is a system directory")
    } else {
        format!("working directory `{path}` is inside the system directory `/{dir}`")
    };
    ctx.report(word.range, message)
        .help("use an application directory such as `/app`, `/srv/<name>` or `/opt/<name>`");
}
