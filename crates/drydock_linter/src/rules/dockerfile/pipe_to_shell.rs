use drydock_dockerfile::shell::{Command, ShellScript, ShellWord, basename};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::run_scripts;

declare_rule! {
    /// ## What it does
    /// Reports a script downloaded with `curl` or `wget` and run by a shell in the same `RUN`,
    /// without checking it first.
    ///
    /// Three spellings count: the download piped, later in the same pipeline, into `sh`, `bash`,
    /// `dash`, `zsh`, `ash`, `ksh` or `mksh` (also through `sudo`, `env` and similar wrappers,
    /// and with `-s` or `-` to read the script from standard input); a shell given a command
    /// substitution that runs `curl` or `wget` (`sh -c "$(curl -fsSL https://...)"`); and a shell
    /// reading a process substitution that runs them (`bash <(curl -fsSL https://...)`). The
    /// finding points at the shell, with a label on the download.
    ///
    /// A `RUN` that also verifies a checksum or signature (`sha256sum -c`, `sha512sum --check`,
    /// `shasum -a 256 -c`, `gpg --verify`, `gpgv`, `cosign verify-blob`, `minisign -V`) is not
    /// reported. Neither is a shell in the pipeline that takes its script from `-c` or from a file
    /// argument (`curl ... | sh -c 'tar xz'`): it does not run what was downloaded.
    ///
    /// ## Why is this bad?
    /// The build runs whatever the server sends, usually as root. A compromised download site, a
    /// hijacked domain or a man in the middle gets code execution in the build and a foothold in
    /// the image, and the same Dockerfile can produce different images from one day to the next.
    /// Downloading to a file and checking a pinned checksum or signature first makes the step
    /// verifiable (CIS Docker Benchmark 4.12).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSL https://example.com/install.sh | sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSLo install.sh https://example.com/install.sh \
    ///     && echo "<sha256>  install.sh" | sha256sum -c - \
    ///     && sh install.sh
    /// ```
    ///
    /// ## Notes
    /// Only `curl` and `wget` count as downloads. RUNs whose shell is not a POSIX shell
    /// (PowerShell, `cmd`) are not checked; `ONBUILD RUN`, heredoc scripts and the exec form
    /// `["sh", "-c", "..."]` are.
    pub(crate) PipeToShell {
        code: "DS106",
        name: "pipe-to-shell",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

const SHELLS: [&str; 7] = ["sh", "bash", "dash", "zsh", "ash", "ksh", "mksh"];

/// The command's words with wrappers (`sudo`, `env`, ...) removed, and its basename.
fn unwrapped(command: &Command) -> Option<(&[ShellWord], &str)> {
    let words = command.unwrapped_words();
    let name = basename(&words.first()?.value);
    Some((words, name))
}

/// The name word of a `curl`/`wget` command.
fn downloader(command: &Command) -> Option<&ShellWord> {
    let (words, name) = unwrapped(command)?;
    matches!(name, "curl" | "wget").then(|| &words[0])
}

/// The name word of a shell command.
fn shell(command: &Command) -> Option<&ShellWord> {
    let (words, name) = unwrapped(command)?;
    SHELLS.contains(&name).then(|| &words[0])
}

/// Whether a shell invoked with `args` reads its script from standard input (no `-c` and no
/// script file, or an explicit `-s` / `-`).
fn reads_stdin(args: &[ShellWord]) -> bool {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let v = word.value.as_str();
        if v == "-" {
            return true;
        }
        if v == "--" {
            // The next word, if any, is the script file.
            return args.get(i + 1).is_none();
        }
        if let Some(long) = v.strip_prefix("--") {
            // `--rcfile file`, `--init-file file` take a value.
            if matches!(long, "rcfile" | "init-file") {
                i += 1;
            }
        } else if let Some(short) = v.strip_prefix(['-', '+']).filter(|s| !s.is_empty()) {
            if short.contains('s') {
                return true;
            }
            if short.contains('c') {
                return false;
            }
            // `-o option`, `-O shopt` take a value.
            if short.ends_with(['o', 'O']) {
                i += 1;
            }
        } else {
            // A script file.
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the command checks a checksum or a signature.
fn verifies(command: &Command) -> bool {
    let Some((words, name)) = unwrapped(command) else {
        return false;
    };
    let args = &words[1..];
    let has_short = |c: char| {
        args.iter().any(|w| {
            w.value
                .strip_prefix('-')
                .is_some_and(|s| !s.starts_with('-') && s.contains(c))
        })
    };
    let has_long = |l: &str| args.iter().any(|w| w.value == l);
    let has_word = |l: &str| args.iter().any(|w| w.value == l);
    match name {
        "sha224sum" | "sha256sum" | "sha384sum" | "sha512sum" | "shasum" | "b2sum" => {
            has_short('c') || has_long("--check")
        }
        "gpg" | "gpg2" => has_long("--verify"),
        "gpgv" | "gpgv2" => true,
        "cosign" => has_word("verify-blob"),
        "minisign" => has_short('V'),
        _ => false,
    }
}

fn check_script(ctx: &mut DockerfileContext<'_>, script: &ShellScript) {
    if script.commands.iter().any(verifies) {
        return;
    }
    let mut reported: Vec<usize> = Vec::new();
    let mut report = |ctx: &mut DockerfileContext<'_>,
                      index: usize,
                      shell_word: &ShellWord,
                      download: &ShellWord| {
        if reported.contains(&index) {
            return;
        }
        reported.push(index);
        let shell_name = basename(&shell_word.value).to_owned();
        let download_name = basename(&download.value).to_owned();
        ctx.report(
            shell_word.range,
            format!("`{shell_name}` runs a script downloaded with `{download_name}`"),
        )
        .label(download.range, "downloaded here")
        .help(
            "download to a file, verify a pinned checksum or signature (`sha256sum -c`, \
             `gpg --verify`), then run the file",
        );
    };

    // `curl ... | sh`
    for members in &script.pipelines {
        let mut download = None;
        for &m in members {
            let command = &script.commands[m];
            if download.is_none() {
                download = downloader(command);
                continue;
            }
            if let (Some(d), Some(s)) = (download, shell(command)) {
                let args = command.unwrapped_words().get(1..).unwrap_or_default();
                if reads_stdin(args) {
                    report(ctx, m, s, d);
                }
            }
        }
    }

    // `sh -c "$(curl ...)"`, `bash <(curl ...)`
    for (index, command) in script.commands.iter().enumerate() {
        let Some(s) = shell(command) else { continue };
        let args = command.unwrapped_words().get(1..).unwrap_or_default();
        let nested = args.iter().filter(|w| !w.literal).find_map(|arg| {
            script
                .commands
                .iter()
                .filter(|c| c.depth > command.depth && arg.range.contains_range(c.range))
                .find_map(downloader)
        });
        if let Some(d) = nested {
            report(ctx, index, s, d);
        }
    }
}

impl Rule for PipeToShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, script) in run_scripts(ctx, true) {
            check_script(ctx, script);
        }
    }
}
