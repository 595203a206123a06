use std::borrow::Cow;
use std::sync::LazyLock;

use drydock_dockerfile::{Args, Instruction, InstructionKind, Word};
use memchr::memmem;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::contains_ignore_ascii_case;
use crate::rules::dockerfile::invalid_label_key::unquote_pair_word;

declare_rule! {
    /// ## What it does
    /// Reports `ARG` and `ENV` variables whose name suggests they hold a secret.
    ///
    /// Names are checked as hadolint checks them: a name is reported when either
    ///
    /// - its uppercased form is one of 48 well-known secret variables of CI systems and cloud
    ///   tools (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `NPM_TOKEN`, `DOCKER_PASSWORD`,
    ///   `POSTGRES_PASSWORD`, `OPENAI_API_KEY`, `VAULT_TOKEN`, ...), or
    /// - its lowercased form contains `api_key`, `client_key`, `password`, `private`,
    ///   `secret`, `token` or `username`.
    ///
    /// Every key of an `ENV` is checked (quotes removed). Of an `ARG`, only the first name is
    /// checked, as hadolint's parser reads `ARG A=1 B=2` as the single variable `A` with the
    /// default `1 B=2`. `ONBUILD ARG` and `ONBUILD ENV` are checked too.
    ///
    /// BuildKit's `SecretsUsedInArgOrEnv` build check is the separate rule BK015
    /// (`secrets-used-in-arg-or-env`), off by default (it matches other words, as whole
    /// `_`-separated parts), so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// Build arguments and environment variables are recorded in the image: `ENV` values are in
    /// its configuration and `ARG` values show up in `docker history` and in the build cache
    /// of every layer that uses them. Anyone who can pull the image can read them.
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
    /// ## Differences from hadolint
    /// Each matching name is reported at the name (hadolint reports the instruction once).
    pub(crate) SecretNameInArgOrEnv {
        code: "DL3064",
        name: "secret-name-in-arg-or-env",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Secret variables hadolint knows by name (compared with the uppercased name; sorted, for a
/// binary search).
const KNOWN_SECRET_NAMES: [&str; 48] = [
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

/// Parts of a lowercased name that make it look secret.
const SECRET_PARTS: [&str; 7] = [
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

/// Why a name looks secret, if it does.
fn secret_reason(name: &str) -> Option<String> {
    // An ASCII name (nearly all) is compared as it is, ignoring case, instead of through two
    // copies in upper and lower case: the same answers, as the tests below check.
    if name.is_ascii() {
        let upper = |b: &u8| b.to_ascii_uppercase();
        if KNOWN_SECRET_NAMES
            .binary_search_by(|known| known.bytes().cmp(name.as_bytes().iter().map(upper)))
            .is_ok()
        {
            return Some(format!(
                "`{}` is a well-known secret variable",
                name.to_ascii_uppercase()
            ));
        }
        return SECRET_PARTS
            .iter()
            .find(|part| contains_ignore_ascii_case(name, part))
            .map(|part| format!("its name contains `{part}`"));
    }
    secret_reason_any(name)
}

/// [`secret_reason`] of any name, through its upper- and lowercase copies.
fn secret_reason_any(name: &str) -> Option<String> {
    /// A searcher per part, built once (`str::contains` sets one up at every call).
    static FINDERS: LazyLock<Vec<memmem::Finder<'static>>> =
        LazyLock::new(|| SECRET_PARTS.iter().map(memmem::Finder::new).collect());
    let upper = name.to_uppercase();
    if KNOWN_SECRET_NAMES.binary_search(&upper.as_str()).is_ok() {
        return Some(format!("`{upper}` is a well-known secret variable"));
    }
    let lower = name.to_lowercase();
    SECRET_PARTS
        .iter()
        .zip(FINDERS.iter())
        .find(|(_, finder)| finder.find(lower.as_bytes()).is_some())
        .map(|(part, _)| format!("its name contains `{part}`"))
}

/// The names hadolint checks in one `ARG` or `ENV`, with their words and hadolint's reading of
/// the name.
fn checked_names(instruction: &Instruction, escape: char) -> Vec<(&Word, Cow<'_, str>)> {
    match (&instruction.args, instruction.kind) {
        (Args::Arg(decls), InstructionKind::Arg) => decls
            .first()
            .map(|d| (&d.name, Cow::Borrowed(d.name.text.as_str())))
            .into_iter()
            .collect(),
        (Args::KeyValues(kv), InstructionKind::Env) => kv
            .pairs
            .iter()
            .map(|p| (&p.key, unquote_pair_word(&p.key.text, escape)))
            .collect(),
        _ => Vec::new(),
    }
}

impl Rule for SecretNameInArgOrEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let escape = model.file().escape();
        for (_, outer) in ctx.instructions() {
            let instruction = match outer.kind {
                InstructionKind::Onbuild => match outer.onbuild_inner() {
                    Some(inner) => inner,
                    None => continue,
                },
                _ => outer,
            };
            let keyword = instruction.kind.keyword();
            for (word, name) in checked_names(instruction, escape) {
                let Some(reason) = secret_reason(&name) else {
                    continue;
                };
                let range = if word.range.is_empty() {
                    instruction.keyword.range
                } else {
                    word.range
                };
                let help = if instruction.kind == InstructionKind::Arg {
                    "pass secrets with `RUN --mount=type=secret` instead of build arguments"
                } else {
                    "do not bake secrets into the image: pass them at run time or use `RUN --mount=type=secret` during the build"
                };
                ctx.report(
                    range,
                    format!("`{keyword} {name}` may hold a secret: {reason}"),
                )
                .help(help);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_sorted_for_binary_search() {
        assert!(KNOWN_SECRET_NAMES.is_sorted());
    }

    #[test]
    fn names() {
        for secret in [
            "github_token",
            "AWS_ACCESS_KEY_ID",
            "DB_PASSWORD",
            "MyApiKey_api_key",
            "private_repo",
            "TRAVIS_SUDO",
            "user_secret",
            "GIT_USERNAME",
        ] {
            assert!(secret_reason(secret).is_some(), "{secret}");
        }
        for fine in ["PATH", "APIKEY", "PASSWD", "TOKN", "HOME", "KEY"] {
            assert!(secret_reason(fine).is_none(), "{fine}");
        }
    }

    /// The ASCII path says what the copies in upper and lower case say.
    #[test]
    fn ascii_names_read_as_their_case_mapped_copies() {
        let mut names: Vec<String> = Vec::new();
        for known in KNOWN_SECRET_NAMES {
            names.push(known.to_owned());
            names.push(known.to_lowercase());
            names.push(format!("{known}_X"));
            names.push(format!("A{known}"));
            names.push(known[..known.len() - 1].to_owned());
        }
        for part in SECRET_PARTS {
            names.push(part.to_uppercase());
            names.push(format!("my_{part}_x"));
            names.push(part[1..].to_owned());
        }
        names.extend(["", "a", "PATH", "Password1", "TOKE", "zzzz", "~", "_"].map(str::to_owned));
        for name in &names {
            assert_eq!(secret_reason(name), secret_reason_any(name), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_ascii_name_reads_as_its_case_mapped_copies(name in "[ -~]{0,24}") {
            proptest::prop_assert_eq!(secret_reason(&name), secret_reason_any(&name));
        }
    }
}
