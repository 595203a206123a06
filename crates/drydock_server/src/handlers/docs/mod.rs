//! Reference texts for hovers: Dockerfile instructions, their flags, `RUN --mount` options and
//! parser directives, written in our own words from the facts of the Dockerfile reference; and
//! rule documentation from the registry. Texts are Markdown; [`plain`] turns them into plain
//! text for clients without Markdown.

use drydock_dockerfile::InstructionKind;
use drydock_linter::registry::RuleId;

/// What an instruction does, its forms and flags.
#[must_use]
pub(crate) fn instruction(kind: InstructionKind) -> Option<&'static str> {
    Some(match kind {
        InstructionKind::From => {
            "**FROM**: starts a new build stage from a base image.\n\n\
             ```dockerfile\nFROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]\n```\n\n\
             The image may be `scratch` (an empty image) or the name of an earlier stage. Without \
             a tag, `latest` is pulled; a digest pins the exact image. `AS <name>` names the stage \
             for `COPY --from`, `RUN --mount=from=` and `--target`. `ARG`s declared before the \
             first `FROM` can be used in `FROM` lines (and only there).\n\n\
             Flags: `--platform`."
        }
        InstructionKind::Run => {
            "**RUN**: runs a command at build time and keeps its changes as a new layer.\n\n\
             ```dockerfile\nRUN [flags] <command>                 # shell form: run by the SHELL (/bin/sh -c)\n\
             RUN [flags] [\"<executable>\", \"<arg>\"]  # exec form: no shell, no variable expansion\n\
             RUN [flags] <<EOF                     # heredoc: a script\n```\n\n\
             Flags: `--mount` (repeatable), `--network`, `--security`, `--device`."
        }
        InstructionKind::Cmd => {
            "**CMD**: the default command of containers started from the image, or the default \
             arguments of its `ENTRYPOINT`. Only the last `CMD` counts; `docker run <image> \
             <args>` replaces it.\n\n\
             ```dockerfile\nCMD [\"<executable>\", \"<arg>\"]  # exec form (preferred)\n\
             CMD [\"<arg>\", \"<arg>\"]         # default arguments for ENTRYPOINT\n\
             CMD <command> <arg>            # shell form: run by /bin/sh -c\n```"
        }
        InstructionKind::Label => {
            "**LABEL**: adds metadata to the image as key-value pairs.\n\n\
             ```dockerfile\nLABEL <key>=<value> [<key>=<value>...]\n```\n\n\
             Quote values with spaces. Labels of the base image are inherited; a later label with \
             the same key replaces the earlier one. `docker inspect` shows them."
        }
        InstructionKind::Maintainer => {
            "**MAINTAINER** (deprecated): sets the image's author field.\n\n\
             ```dockerfile\nMAINTAINER <name>\n```\n\n\
             Use a label instead: `LABEL org.opencontainers.image.authors=\"...\"`."
        }
        InstructionKind::Expose => {
            "**EXPOSE**: documents the ports the container listens on.\n\n\
             ```dockerfile\nEXPOSE <port>[/<protocol>] [<port>[/<protocol>]...]\n```\n\n\
             The protocol is `tcp` (the default), `udp` or `sctp`; a range is written `8000-8010`. \
             It publishes nothing by itself: `docker run -p` or compose `ports` do."
        }
        InstructionKind::Env => {
            "**ENV**: sets environment variables, seen by the following instructions and by \
             containers started from the image.\n\n\
             ```dockerfile\nENV <key>=<value> [<key>=<value>...]\n\
             ENV <key> <value>   # legacy form: one variable, the rest of the line\n```\n\n\
             A value referring to a variable sees its value from before this instruction. Values \
             stay in the image and its history: never put secrets here."
        }
        InstructionKind::Add => {
            "**ADD**: copies files into the image from the build context, a URL or a Git \
             repository; local tar archives are extracted.\n\n\
             ```dockerfile\nADD [flags] <src>... <dest>\nADD [flags] [\"<src>\", ... \"<dest>\"]\n\
             ADD [flags] <<EOF <dest>\n```\n\n\
             Prefer `COPY` for local files: it does nothing implicit.\n\n\
             Flags: `--chown`, `--chmod`, `--link`, `--keep-git-dir`, `--checksum`, `--unpack`, \
             `--exclude`."
        }
        InstructionKind::Copy => {
            "**COPY**: copies files into the image from the build context, another stage, an \
             image or a named context.\n\n\
             ```dockerfile\nCOPY [flags] <src>... <dest>\nCOPY [flags] [\"<src>\", ... \"<dest>\"]\n\
             COPY [flags] <<EOF <dest>\n```\n\n\
             With several sources, the destination must be a directory ending in `/`. Sources \
             from the context are filtered by `.dockerignore`.\n\n\
             Flags: `--from`, `--chown`, `--chmod`, `--link`, `--parents`, `--exclude`."
        }
        InstructionKind::Entrypoint => {
            "**ENTRYPOINT**: the executable that containers from the image run; `CMD` and \
             `docker run` arguments are passed to it.\n\n\
             ```dockerfile\nENTRYPOINT [\"<executable>\", \"<arg>\"]  # exec form (preferred)\n\
             ENTRYPOINT <command> <arg>            # shell form\n```\n\n\
             The shell form runs under `/bin/sh -c`: it ignores `CMD` and run arguments, and the \
             program is not PID 1, so it does not receive stop signals. Only the last \
             `ENTRYPOINT` counts."
        }
        InstructionKind::Volume => {
            "**VOLUME**: declares a mount point for data that lives outside the container's \
             writable layer.\n\n\
             ```dockerfile\nVOLUME [\"/data\"]\nVOLUME /data /logs\n```\n\n\
             Each container gets an anonymous volume there unless one is mounted. The host side \
             cannot be chosen in a Dockerfile."
        }
        InstructionKind::User => {
            "**USER**: sets the user (and optionally the group) that the following `RUN`s of \
             the stage and the containers from the image run as.\n\n\
             ```dockerfile\nUSER <user>[:<group>]\nUSER <UID>[:<GID>]\n```\n\n\
             Without any `USER` (here or in the base image), containers run as root. A name \
             must exist in the image's `/etc/passwd`; numeric IDs need not."
        }
        InstructionKind::Workdir => {
            "**WORKDIR**: sets the working directory of the following `RUN`, `CMD`, \
             `ENTRYPOINT`, `COPY` and `ADD`, creating it when missing.\n\n\
             ```dockerfile\nWORKDIR /path/to/dir\n```\n\n\
             A relative path is taken from the previous `WORKDIR`. The default is `/` unless the \
             base image sets another one."
        }
        InstructionKind::Arg => {
            "**ARG**: declares a build argument, set with `docker build --build-arg \
             <name>=<value>`.\n\n\
             ```dockerfile\nARG <name>[=<default>] [<name>[=<default>]...]\n```\n\n\
             Declared before the first `FROM`, it is global and usable in `FROM` lines; a stage \
             uses it after declaring `ARG <name>` again. Declared in a stage, it is visible to \
             the following instructions of that stage, also as an environment variable of \
             `RUN`. Values can show in the image history: do not pass secrets."
        }
        InstructionKind::Onbuild => {
            "**ONBUILD**: registers an instruction to run later, when another build uses this \
             image as its base (right after that build's `FROM`).\n\n\
             ```dockerfile\nONBUILD <INSTRUCTION>\n```\n\n\
             It cannot wrap `ONBUILD`, `FROM` or `MAINTAINER`."
        }
        InstructionKind::Stopsignal => {
            "**STOPSIGNAL**: the signal sent to the container's main process to stop it.\n\n\
             ```dockerfile\nSTOPSIGNAL <signal>\n```\n\n\
             A name such as `SIGTERM` (the default) or `SIGQUIT`, or a number such as `9`."
        }
        InstructionKind::Healthcheck => {
            "**HEALTHCHECK**: how to test that a container still works.\n\n\
             ```dockerfile\nHEALTHCHECK [flags] CMD <command>   # exit 0: healthy, 1: unhealthy\n\
             HEALTHCHECK NONE                   # turn off a check inherited from the base image\n```\n\n\
             The command takes the exec or the shell form. Only the last `HEALTHCHECK` counts.\n\n\
             Flags: `--interval` (30s), `--timeout` (30s), `--start-period` (0s), \
             `--start-interval` (5s), `--retries` (3)."
        }
        InstructionKind::Shell => {
            "**SHELL**: sets the shell that runs the shell forms of the following `RUN`, `CMD` \
             and `ENTRYPOINT` of the stage.\n\n\
             ```dockerfile\nSHELL [\"<executable>\", \"<parameters>\"]\n```\n\n\
             The JSON form is required. The default is `[\"/bin/sh\", \"-c\"]` on Linux and \
             `[\"cmd\", \"/S\", \"/C\"]` on Windows."
        }
        InstructionKind::Unknown => return None,
    })
}

/// What a flag of an instruction does and its values.
#[must_use]
pub(crate) fn flag(kind: InstructionKind, name: &str) -> Option<&'static str> {
    use InstructionKind as K;
    Some(match (kind, name) {
        (K::From, "platform") => {
            "**--platform**=`<os>/<arch>[/<variant>]`: the platform of the base image to use, \
             e.g. `linux/amd64` or `linux/arm64/v8`. `--platform=$BUILDPLATFORM` runs a stage \
             natively for cross-compiling; without the flag the target platform is used."
        }
        (K::Run, "mount") => {
            "**--mount**=`type=<type>[,<option>=<value>...]`: mounts something for this `RUN` \
             only; nothing mounted ends up in the layer. Repeatable.\n\n\
             Types: `bind` (the default: files of the context, a stage or an image, read-only \
             unless `rw`), `cache` (a directory kept between builds, for package managers and \
             compilers), `tmpfs` (a memory file system), `secret` (a secret as a file or an \
             environment variable, never stored in the image), `ssh` (the SSH agent socket)."
        }
        (K::Run, "network") => {
            "**--network**=`default|none|host`: the network of this `RUN`. `none` cuts network \
             access; `host` uses the host's network (needs the `network.host` entitlement)."
        }
        (K::Run, "security") => {
            "**--security**=`sandbox|insecure`: `insecure` runs the command without the sandbox, \
             like a privileged container (needs the `security.insecure` entitlement); `sandbox` \
             is the default."
        }
        (K::Run, "device") => {
            "**--device**=`<name>[,required]`: gives the command access to a CDI device. \
             Repeatable; labs syntax."
        }
        (K::Copy | K::Add, "chown") => {
            "**--chown**=`<user>[:<group>]`: the owner of the copied files and directories, by \
             name or numeric ID (names are looked up in the image's `/etc/passwd` and \
             `/etc/group`). By default they belong to root (0:0)."
        }
        (K::Copy | K::Add, "chmod") => {
            "**--chmod**=`<mode>`: the permissions of the copied files, in octal (`755`) or, \
             with recent syntax, symbolic (`u=rwx,go=rx`)."
        }
        (K::Copy | K::Add, "link") => {
            "**--link**[=`true|false`]: copies into an independent layer that does not depend on \
             the layers before it, so it can be reused (and rebased) when they change."
        }
        (K::Copy | K::Add, "exclude") => {
            "**--exclude**=`<pattern>`: leaves out paths matching the pattern \
             (`.dockerignore`-style wildcards). Repeatable."
        }
        (K::Copy, "from") => {
            "**--from**=`<stage|image|context>`: copies from a build stage (by name or index), \
             an image reference or a named build context instead of the build context."
        }
        (K::Copy, "parents") => {
            "**--parents**[=`true|false`]: keeps the parent directories of the sources under \
             the destination; a `/./` in a source marks where the kept part starts."
        }
        (K::Add, "keep-git-dir") => {
            "**--keep-git-dir**[=`true|false`]: for a Git source, keeps the `.git` directory \
             in the copied files (off by default)."
        }
        (K::Add, "checksum") => {
            "**--checksum**=`<digest>`: verifies a remote source: `sha256:<hex>` for an HTTP \
             file, a commit hash for a Git repository. The build fails on a mismatch."
        }
        (K::Add, "unpack") => {
            "**--unpack**[=`true|false`]: whether an archive is extracted. Local tar archives \
             are extracted and remote ones are not by default; `true` extracts a remote \
             archive, `false` copies a local one as it is."
        }
        (K::Healthcheck, "interval") => {
            "**--interval**=`<duration>`: time between two checks (default `30s`)."
        }
        (K::Healthcheck, "timeout") => {
            "**--timeout**=`<duration>`: how long one check may run before it counts as failed \
             (default `30s`)."
        }
        (K::Healthcheck, "start-period") => {
            "**--start-period**=`<duration>`: start-up time during which failed checks do not \
             count towards `--retries` (default `0s`)."
        }
        (K::Healthcheck, "start-interval") => {
            "**--start-interval**=`<duration>`: time between checks during the start period \
             (default `5s`)."
        }
        (K::Healthcheck, "retries") => {
            "**--retries**=`<n>`: consecutive failures after which the container is unhealthy \
             (default `3`)."
        }
        _ => return None,
    })
}

/// What a `RUN --mount` option means.
#[must_use]
pub(crate) fn mount_option(key: &str) -> Option<&'static str> {
    Some(match key {
        "type" => {
            "**type**: what is mounted: `bind` (the default), `cache`, `tmpfs`, `secret` or \
             `ssh`."
        }
        "target" | "dst" | "destination" => {
            "**target** (also `dst`, `destination`): where the mount appears in the build \
             container. Required for `bind`, `cache` and `tmpfs`; a `secret` defaults to \
             `/run/secrets/<id>`, `ssh` to a socket under `/run/buildkit`."
        }
        "source" | "src" => {
            "**source** (also `src`): the path to mount inside `from` (`bind`: default the \
             root), or a sub-path of the cache (`cache`); for `secret`, the secret's ID."
        }
        "from" => {
            "**from**: the stage, image or named context to mount from (`bind`; default the \
             build context), or whose contents seed the cache (`cache`)."
        }
        "ro" | "readonly" => "**readonly** (also `ro`): mounts read-only (the default for `bind`).",
        "rw" | "readwrite" => {
            "**readwrite** (also `rw`): allows writes; for `bind` they are discarded after the \
             `RUN`."
        }
        "id" => {
            "**id**: which cache (`cache`, default the target path), secret (`secret`, default \
             the target's file name) or SSH agent socket (`ssh`, default `default`)."
        }
        "sharing" => {
            "**sharing**=`shared|private|locked` (`cache`): `shared` lets concurrent builds use \
             the cache together (the default), `private` gives a build its own cache when it is \
             in use, `locked` waits until the other build is done."
        }
        "mode" => {
            "**mode**: the file mode, in octal, of the cache directory (default `0755`), the \
             secret file (`0400`) or the SSH socket (`0600`)."
        }
        "uid" => {
            "**uid**: the user ID owning the cache directory, secret file or socket (default `0`)."
        }
        "gid" => {
            "**gid**: the group ID owning the cache directory, secret file or socket (default `0`)."
        }
        "size" => "**size** (`tmpfs`): the size limit of the file system, in bytes.",
        "required" => {
            "**required** (`secret`, `ssh`): fail the build when the secret or agent is not \
             provided (off by default)."
        }
        "env" => {
            "**env** (`secret`): exposes the secret as this environment variable of the \
             command (instead of a file, unless `target` is also given)."
        }
        _ => return None,
    })
}

/// What a parser directive does.
#[must_use]
pub(crate) fn directive(name: &str) -> Option<&'static str> {
    Some(match name {
        "syntax" => {
            "**# syntax=**`<image>`: the Dockerfile frontend BuildKit uses to read this file, \
             e.g. `docker/dockerfile:1` (the latest 1.x syntax). Parser directives must come \
             before any comment, blank line or instruction."
        }
        "escape" => {
            "**# escape=**`\\|``: the character that escapes and continues lines, `\\` by \
             default; `` ` `` suits Windows paths. Parser directives must come before any \
             comment, blank line or instruction."
        }
        "check" => {
            "**# check=**`skip=<checks>;error=<bool>;experimental=<checks>`: configures \
             BuildKit's build checks: `skip` turns checks off (`all` for every one), \
             `error=true` makes any violation fail the build, `experimental` turns on \
             experimental checks."
        }
        _ => return None,
    })
}

/// Which section headings of a rule's documentation a hover shows.
const RULE_SECTIONS: [&str; 2] = ["What it does", "Why is this bad?"];

/// The hover text of a rule: code, name, category and severity, its summary (the first
/// paragraph of "What it does", shown with the rest of that section), "Why is this bad?", and
/// a link to its documentation.
#[must_use]
pub(crate) fn rule(id: RuleId, docs_url: Option<&str>) -> String {
    let meta = id.meta();
    let mut out = format!(
        "**{}** `{}` ({}, {})\n",
        meta.code,
        meta.name,
        meta.category.as_str(),
        meta.severity,
    );
    if !meta.aliases.is_empty() {
        out.push_str(&format!(
            "\nAlso known as: {}\n",
            meta.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let documentation = meta.documentation();
    let mut shown = false;
    for heading in RULE_SECTIONS {
        if let Some(body) = section(&documentation, heading) {
            out.push_str(&format!("\n### {heading}\n{body}\n"));
            shown = true;
        }
    }
    if !shown {
        out.push_str(&format!("\n{}\n", meta.summary()));
    }
    if let Some(url) = docs_url {
        out.push_str(&format!("\n[Documentation of {}]({url})\n", meta.code));
    }
    out
}

/// The body of the `## heading` section of a rule's documentation.
fn section(docs: &str, heading: &str) -> Option<String> {
    let marker = format!("## {heading}");
    let mut lines = docs.lines();
    lines.find(|l| l.trim_end() == marker)?;
    let mut body = Vec::new();
    let mut fenced = false;
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with("## ") {
            break;
        }
        body.push(line);
    }
    let text = body.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// A Markdown text as plain text: headings, emphasis, code spans and fences, and links
/// unwrapped.
#[must_use]
pub(crate) fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fenced = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push_str(line);
        } else {
            let hashes = line.len() - line.trim_start_matches('#').len();
            let line = if hashes > 0 && line[hashes..].starts_with(' ') {
                &line[hashes + 1..]
            } else {
                line
            };
            out.push_str(&unmark(line));
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Removes inline Markdown: `**`, backticks, `[text](url)` as `text (url)`.
fn unmark(line: &str) -> String {
    let line = line.replace("**", "");
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open..];
        let link = after.find("](").and_then(|close| {
            let url_end = after[close + 2..].find(')')?;
            Some((close, close + 2 + url_end))
        });
        match link {
            Some((close, end)) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[1..close]);
                out.push_str(" (");
                out.push_str(&after[close + 2..end]);
                out.push(')');
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instruction_and_its_flags_are_documented() {
        for kind in InstructionKind::ALL {
            let text = instruction(kind).expect("documented");
            assert!(text.contains(kind.keyword()), "{kind:?}");
            if let Some(flags) = text.split("Flags: ").nth(1) {
                for name in flags.split('`').filter(|w| w.starts_with("--")) {
                    assert!(
                        flag(kind, &name[2..]).is_some(),
                        "{kind:?} {name} has no text"
                    );
                }
            }
        }
        for key in [
            "type", "target", "source", "from", "id", "sharing", "mode", "uid", "gid",
        ] {
            assert!(mount_option(key).is_some(), "{key}");
        }
    }

    #[test]
    fn rule_text_and_plain_text() {
        let id = drydock_linter::registry::find("DL3027").expect("DL3027");
        let md = rule(id, Some("https://x/rules.md#dl3027-apt-instead-of-apt-get"));
        assert!(
            md.starts_with("**DL3027** `apt-instead-of-apt-get`"),
            "{md}"
        );
        assert!(md.contains("### What it does") && md.contains("### Why is this bad?"));
        assert!(!md.contains("Use instead"), "{md}");
        let text = plain(&md);
        assert!(text.starts_with("DL3027 apt-instead-of-apt-get"), "{text}");
        assert!(
            text.contains("Documentation of DL3027 (https://x/rules.md#"),
            "{text}"
        );
        assert!(!text.contains('`') && !text.contains("**") && !text.contains("###"));
    }
}
