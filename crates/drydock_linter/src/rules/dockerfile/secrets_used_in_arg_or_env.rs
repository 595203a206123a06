use drydock_dockerfile::{Args, InstructionKind, Word};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `ARG` of a stage or an `ENV` key whose name contains, as a whole
    /// `_`-separated part and in any case, one of `apikey`, `auth`, `credential`,
    /// `credentials`, `key`, `password`, `pword`, `passwd`, `secret` or `token`, unless another
    /// part is `public`, `file` or `version`. So `SECRET_PASSPHRASE`, `super_duper_secret_token`
    /// and `git_key` are reported; `PUBLIC_KEY`, `SECRET_PASSPHRASE_FILE`,
    /// `AUTH_MODULE_VERSION`, `KEYCLOAK_URL` and `sunflower` are not. `ARG`s before the first
    /// `FROM` and `ONBUILD` instructions are not checked. Each name is one finding. This is
    /// BuildKit's `SecretsUsedInArgOrEnv` build check.
    ///
    /// Off by default: DL3064 (`secret-name-in-arg-or-env`), on by default, checks secret-like
    /// names with hadolint's lists, so the problem is reported once. Turn this rule on (and
    /// DL3064 off) to get BuildKit's exact behaviour.
    ///
    /// ## Why is this bad?
    /// `ENV` values are stored in the image's configuration, and `ARG` values in its history and
    /// in the build cache: anyone who can pull the image can read them. Secrets belong in
    /// `RUN --mount=type=secret`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the instruction's lines; drydock points at the name.
    pub(crate) SecretsUsedInArgOrEnv {
        code: "BK015",
        name: "secrets-used-in-arg-or-env",
        aliases: ["SecretsUsedInArgOrEnv"],
        category: Security,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

const DENY: [&str; 10] = [
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];

const ALLOW: [&str; 3] = ["public", "file", "version"];

/// BuildKit's test: a denied word as a whole `_`-separated part, and no allowed one.
fn looks_secret(name: &str) -> bool {
    let has = |words: &[&str]| {
        name.split('_')
            .any(|part| words.iter().any(|w| part.eq_ignore_ascii_case(w)))
    };
    has(&DENY) && !has(&ALLOW)
}

impl Rule for SecretsUsedInArgOrEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for (index, instruction) in model.instructions() {
            if model.stage_of(index).is_none() {
                continue;
            }
            let names: Vec<(&Word, String)> = match (&instruction.args, instruction.kind) {
                (Args::Arg(decls), _) => decls
                    .iter()
                    .map(|d| (&d.name, d.name.text.clone()))
                    .collect(),
                (Args::KeyValues(kv), InstructionKind::Env) => kv
                    .pairs
                    .iter()
                    .map(|p| {
                        // ENV keys are expanded by the builder.
                        let key = model
                            .expand(index, &p.key.text)
                            .map_or_else(|_| p.key.text.clone(), |e| e.result);
                        (&p.key, key)
                    })
                    .collect(),
                _ => continue,
            };
            let keyword = instruction.kind.keyword();
            for (word, name) in names {
                if looks_secret(&name) {
                    ctx.report(
                        word.range,
                        format!(
                            "`{keyword} {name}` may hold sensitive data, which stays in the image"
                        ),
                    )
                    .help("pass secrets with `RUN --mount=type=secret` instead of `ARG` or `ENV`");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn buildkit_examples() {
        for name in [
            "SECRET_PASSPHRASE",
            "SUPER_Secret",
            "password",
            "auth",
            "super_duper_secret_token",
            "apikey",
            "git_key",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "PUBLIC_KEY",
            "public_token",
            "SECRET_PASSPHRASE_FILE",
            "secret_File",
            "AUTH_MODULE_VERSION",
            "sunflower",
            "KEYCLOAK_URL",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
