use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{ShellWord, basename};
use drydock_dockerfile::{Args, Instruction, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{assignments, run_scripts, unquote};

declare_rule! {
    /// ## What it does
    /// Reports secrets baked into the image: credential-looking `ENV`/`ARG` values, key and
    /// credential files copied with `COPY`/`ADD`, and `RUN` commands that store a credential.
    ///
    /// In detail:
    ///
    /// - **`ENV`/`ARG` values** that look like a credential, whatever the variable is called: an
    ///   AWS access key id (`AKIA` and 16 more letters or digits), a GitHub token (`ghp_`, `gho_`,
    ///   `ghu_`, `ghs_`, `ghr_` and 36 letters or digits, or `github_pat_` and at least 22
    ///   more), a Slack token (`xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-`), a Stripe live key
    ///   (`sk_live_`, `rk_live_`), a Google API key (`AIza` and 35 more), an npm token (`npm_`
    ///   and 36 letters or digits), a PEM private key (`-----BEGIN ... PRIVATE KEY-----`), or a
    ///   URL with a password in it (`scheme://user:password@host`, unless the password starts
    ///   with `$`). The finding points at the value.
    /// - **`COPY`/`ADD` sources** that are key or credential files: SSH private keys (`id_rsa`,
    ///   `id_dsa`, `id_ecdsa`, `id_ed25519` with any suffix but `.pub`), `*.key` files (except
    ///   public keys), `*.pem`, `*.p12` and `*.pfx` files (except names that say certificate:
    ///   containing `cert`, `chain`, `bundle`, `pub`, `ca.pem`, `ca-` or `ca_`, unless they also
    ///   say `key`), `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.env` and `.env.*`
    ///   (except `.env.example`, `.env.sample`, `.env.template`, `.env.dist`), a `.ssh` folder
    ///   (or `.ssh/*`), `.aws/credentials` and `.docker/config.json`. Copies from another stage
    ///   (`--from`) count too. The finding points at the source.
    /// - **`RUN` commands that write credentials**: `aws configure set` of
    ///   `aws_access_key_id`, `aws_secret_access_key` or `aws_session_token`;
    ///   `gcloud auth activate-service-account --key-file`; `docker login` (or `podman`/`buildah
    ///   login`) with `-p`/`--password`; `npm config set` (or `npm set`, `pnpm config set`) of an
    ///   `_authToken`. A `RUN` with a `--mount=type=secret` is not reported. The finding points
    ///   at the command name.
    ///
    /// ## Why is this bad?
    /// Every `ENV` and `ARG` value, every copied file and every `RUN` command line ends up in the
    /// image's layers or its history (`docker history`), where anyone who can pull the image can
    /// read it, even when a later step deletes the file or unsets the variable. Pass secrets to
    /// the build with `RUN --mount=type=secret` and give them to containers at runtime instead
    /// (CIS Docker Benchmark 4.10).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    /// COPY id_rsa /root/.ssh/id_rsa
    /// RUN docker login -u ci -p "$REGISTRY_PASSWORD" registry.example.com
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// RUN --mount=type=secret,id=aws,target=/root/.aws/credentials \
    ///     aws s3 cp s3://bucket/model.bin /srv/model.bin
    /// RUN --mount=type=ssh git clone git@github.com:example/app.git /srv/app
    /// ```
    ///
    /// ## Notes
    /// Variable names are not looked at here (DL3064 covers names such as `PASSWORD`). The
    /// matchers look at literal text only: a value coming from `${VAR}` is not reported in
    /// `ENV`/`ARG`, but the `RUN` commands above are reported even with a variable, because the
    /// command line or the file it writes stays in the image.
    pub(crate) SecretMaterial {
        code: "DS109",
        name: "secret-material",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

// --- (a) credential-looking values -------------------------------------------------------------

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Number of bytes from `start` that satisfy `class`.
fn run_len(bytes: &[u8], start: usize, class: impl Fn(u8) -> bool) -> usize {
    bytes[start.min(bytes.len())..]
        .iter()
        .take_while(|&&b| class(b))
        .count()
}

/// What a token starting at `i` (after a non-alphanumeric byte) looks like, if anything.
fn token_at(bytes: &[u8], i: usize) -> Option<&'static str> {
    let rest = &bytes[i..];
    let after = |prefix: &str| i + prefix.len();
    // AWS access key id: exactly 20 characters.
    if rest.starts_with(b"AKIA") {
        let n = run_len(bytes, after("AKIA"), |b| {
            b.is_ascii_uppercase() || b.is_ascii_digit()
        });
        if n == 16 && !bytes.get(after("AKIA") + n).copied().is_some_and(is_alnum) {
            return Some("an AWS access key id");
        }
    }
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if rest.starts_with(prefix.as_bytes()) && run_len(bytes, after(prefix), is_alnum) >= 36 {
            return Some("a GitHub token");
        }
    }
    if rest.starts_with(b"github_pat_")
        && run_len(bytes, after("github_pat_"), |b| is_alnum(b) || b == b'_') >= 22
    {
        return Some("a GitHub token");
    }
    if rest.len() > 5
        && rest.starts_with(b"xox")
        && matches!(rest[3], b'b' | b'a' | b'p' | b'r' | b's')
        && rest[4] == b'-'
        && run_len(bytes, i + 5, |b| is_alnum(b) || b == b'-') >= 10
    {
        return Some("a Slack token");
    }
    for prefix in ["sk_live_", "rk_live_"] {
        if rest.starts_with(prefix.as_bytes()) && run_len(bytes, after(prefix), is_alnum) >= 16 {
            return Some("a Stripe live key");
        }
    }
    if rest.starts_with(b"AIza")
        && run_len(bytes, after("AIza"), |b| {
            is_alnum(b) || b == b'_' || b == b'-'
        }) >= 35
    {
        return Some("a Google API key");
    }
    if rest.starts_with(b"npm_") && run_len(bytes, after("npm_"), is_alnum) >= 36 {
        return Some("an npm token");
    }
    None
}

/// Whether `text` holds a PEM private key header (`-----BEGIN [X ]PRIVATE KEY-----`).
fn has_pem_private_key(text: &str) -> bool {
    // (A character search first: setting up the string searcher costs more, and most values
    // have no `-----`.)
    text.contains('-')
        && text.match_indices("-----BEGIN ").any(|(i, m)| {
            let rest = &text[i + m.len()..];
            let label_len = rest
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || *b == b' ')
                .count();
            rest[..label_len].ends_with("PRIVATE KEY") && rest[label_len..].starts_with("-----")
        })
}

/// Whether `text` holds a URL whose user info has a literal password.
fn has_url_password(text: &str) -> bool {
    text.contains(':')
        && text.match_indices("://").any(|(i, _)| {
            let scheme_ok = text[..i]
                .bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric());
            if !scheme_ok {
                return false;
            }
            let rest = &text[i + 3..];
            let end = rest
                .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
                .unwrap_or(rest.len());
            let authority = &rest[..end];
            let Some((userinfo, _host)) = authority.rsplit_once('@') else {
                return false;
            };
            let Some((_user, password)) = userinfo.split_once(':') else {
                return false;
            };
            !password.is_empty() && !password.starts_with('$')
        })
}

/// What kind of credential `value` looks like.
fn credential_kind(value: &str) -> Option<&'static str> {
    let bytes = value.as_bytes();
    for i in 0..bytes.len() {
        if i > 0 && is_alnum(bytes[i - 1]) {
            continue;
        }
        if let Some(kind) = token_at(bytes, i) {
            return Some(kind);
        }
    }
    if has_pem_private_key(value) {
        return Some("a PEM private key");
    }
    if has_url_password(value) {
        return Some("a URL with a password");
    }
    None
}

// --- (b) key material copied into the image ----------------------------------------------------

/// What kind of secret file the `COPY`/`ADD` source `path` is.
fn secret_file_kind(path: &str) -> Option<&'static str> {
    if path.starts_with("<<") {
        return None; // a heredoc
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let lower = trimmed.to_ascii_lowercase();
    let name = basename(&lower);
    let parent = lower[..lower.len() - name.len()].trim_end_matches(['/', '\\']);
    let parent_name = basename(parent);

    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
        .iter()
        .any(|k| name.starts_with(k))
        && !name.ends_with(".pub")
    {
        return Some("an SSH private key");
    }
    if name == ".ssh" || (parent_name == ".ssh" && name.contains('*')) {
        return Some("an SSH folder");
    }
    if name == "credentials" && parent_name == ".aws" {
        return Some("AWS credentials");
    }
    if name == "config.json" && parent_name == ".docker" {
        return Some("Docker registry credentials");
    }
    match name {
        ".npmrc" => return Some("npm credentials"),
        ".pypirc" => return Some("PyPI credentials"),
        ".netrc" => return Some("netrc credentials"),
        ".git-credentials" => return Some("Git credentials"),
        ".env" => return Some("an environment file"),
        _ => {}
    }
    if let Some(suffix) = name.strip_prefix(".env.")
        && !matches!(suffix, "example" | "sample" | "template" | "dist")
        && !suffix.is_empty()
    {
        return Some("an environment file");
    }
    if let Some(stem) = name.strip_suffix(".key") {
        if !stem.contains("pub") {
            return Some("a private key");
        }
        return None;
    }
    let stem = name
        .strip_suffix(".pem")
        .or_else(|| name.strip_suffix(".p12"))
        .or_else(|| name.strip_suffix(".pfx"))?;
    if stem.contains("pub") {
        return None;
    }
    let says_certificate = ["cert", "chain", "bundle", "ca-", "ca_"]
        .iter()
        .any(|w| stem.contains(w))
        || name.ends_with("ca.pem");
    if says_certificate && !stem.contains("key") {
        return None;
    }
    Some("a private key or keystore")
}

fn check_copy(ctx: &mut DockerfileContext<'_>, instruction: &Instruction) {
    if !matches!(
        instruction.kind,
        InstructionKind::Copy | InstructionKind::Add
    ) {
        return;
    }
    let Args::Paths(paths) = &instruction.args else {
        return;
    };
    let Some((_, sources)) = paths.items.split_last() else {
        return;
    };
    let keyword = instruction.kind.keyword();
    for source in sources {
        let text = if paths.json {
            source.text.as_str()
        } else {
            unquote(&source.text)
        };
        if let Some(kind) = secret_file_kind(text) {
            ctx.report(
                source.range,
                format!("`{keyword}` puts `{text}` into the image; it looks like {kind}"),
            )
            .help(
                "do not copy secrets into the image: use `RUN --mount=type=secret` (or \
                 `--mount=type=ssh` for SSH keys) in the steps that need them",
            );
        }
    }
}

// --- (c) RUN commands that write credentials ---------------------------------------------------

fn has_secret_mount(model: &Model, run: &Instruction) -> bool {
    run.flags_named("mount").any(|flag| {
        flag.fields(model.text())
            .iter()
            .any(|f| f.key == "type" && f.value.eq_ignore_ascii_case("secret"))
    })
}

/// What credential a command (words with wrappers removed) sets up.
fn credential_setup(words: &[ShellWord]) -> Option<String> {
    let name = basename(&words.first()?.value);
    if !matches!(
        name,
        "aws" | "gcloud" | "docker" | "podman" | "buildah" | "npm" | "pnpm"
    ) {
        return None;
    }
    let args = &words[1..];
    let values: Vec<&str> = args.iter().map(|w| w.value.as_str()).collect();
    let position = |v: &str| values.iter().position(|w| *w == v);
    match name {
        "aws" => {
            let configure = position("configure")?;
            let set = configure + 1 + values[configure + 1..].iter().position(|w| *w == "set")?;
            values[set + 1..].iter().find_map(|w| {
                let key = w.rsplit('.').next().unwrap_or(w);
                matches!(
                    key,
                    "aws_access_key_id" | "aws_secret_access_key" | "aws_session_token"
                )
                .then(|| format!("`aws configure set {key}`"))
            })
        }
        "gcloud" => {
            let auth = position("auth")?;
            values[auth + 1..]
                .contains(&"activate-service-account")
                .then_some(())?;
            values
                .iter()
                .any(|w| *w == "--key-file" || w.starts_with("--key-file="))
                .then(|| "`gcloud auth activate-service-account --key-file`".to_owned())
        }
        "docker" | "podman" | "buildah" => {
            let login = position("login")?;
            values[login + 1..]
                .iter()
                .any(|w| {
                    *w == "--password"
                        || w.starts_with("--password=")
                        || (w.starts_with("-p") && !w.starts_with("--"))
                })
                .then(|| format!("`{name} login` with a password on the command line"))
        }
        "npm" | "pnpm" => {
            let set = position("set")?;
            let config_set = set == 0 || values[..set].contains(&"config");
            let spelled = if set == 0 { "set" } else { "config set" };
            (config_set && values[set + 1..].iter().any(|w| w.contains("_authToken")))
                .then(|| format!("`{name} {spelled}` of an `_authToken`"))
        }
        _ => None,
    }
}

impl Rule for SecretMaterial {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;

        for assignment in assignments(ctx) {
            let Some(value) = assignment.value else {
                continue;
            };
            if let Some(kind) = credential_kind(unquote(&value.text)) {
                let keyword = assignment.kind.keyword();
                let key = unquote(&assignment.key.text);
                ctx.report(
                    value.range,
                    format!("the value of `{keyword} {key}` looks like {kind}"),
                )
                .help(
                    "remove the secret from the Dockerfile and rotate it; pass it with \
                     `RUN --mount=type=secret` at build time or as an environment variable at \
                     runtime",
                );
            }
        }

        for (_, instruction) in ctx.instructions() {
            match instruction.kind {
                InstructionKind::Onbuild => {
                    if let Some(inner) = instruction.onbuild_inner() {
                        check_copy(ctx, inner);
                    }
                }
                _ => check_copy(ctx, instruction),
            }
        }

        for (index, script) in run_scripts(ctx, true) {
            let outer = model.instruction(index);
            let run = outer.onbuild_inner().unwrap_or(outer);
            if has_secret_mount(model, run) {
                continue;
            }
            for command in &script.commands {
                let words = command.unwrapped_words();
                let Some(name_word) = words.first() else {
                    continue;
                };
                if let Some(what) = credential_setup(words) {
                    ctx.report(
                        name_word.range,
                        format!("{what} stores a credential in the image"),
                    )
                    .help(
                        "the command line and the files it writes stay in the image; mount the \
                         credential with `RUN --mount=type=secret,id=...` and read it from the \
                         mounted file",
                    );
                }
            }
        }
    }
}
