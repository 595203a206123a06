use drydock_compose::interpolate::interpolate;
use drydock_compose::model::key_values;
use drydock_compose::project::{Service, SourceKind};
use drydock_compose::tree::{FileId, Origin, Value};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports secrets written literally into a service's environment or build arguments.
    ///
    /// Where: `environment` (mapping or `KEY=VAL` list), `build.args` (mapping or list) and
    /// the files of `env_file` (each file once, at its `KEY=VALUE` entry, naming the services
    /// that load it). What:
    ///
    /// - a credential-shaped name with a literal value. A name is split into words at `_`,
    ///   `-` and `.` (case ignored). It is credential-shaped when any word contains
    ///   `PASSWORD`, `PASSWD` or `SECRET`, or when its last word contains `CREDENTIAL`, ends
    ///   with `TOKEN` or with `PASS` (`DB_PASS`, `REDISPASS`; not `BYPASS`, `COMPASS`,
    ///   `SSHPASS`), is `PWD` after another word (`MYSQL_PWD`; `PWD` alone is the working
    ///   directory), is `APIKEY`, `ACCESSKEY`, `PRIVATEKEY` or `SECRETKEY`, or is `KEY` after
    ///   `API`, `ACCESS`, `PRIVATE`, `SECRET`, `AUTH`, `MASTER`, `ENCRYPTION`, `SIGNING`,
    ///   `CRYPTO`, `CLIENT`, `LICENSE`, `SESSION`, `JWT`, `HMAC` or `NONCE`. Names whose last
    ///   word says the value is not the secret itself are not credential-shaped: `FILE`,
    ///   `PATH`, `DIR`, `NAME`, `USER`, `USERNAME`, `ID`, `HOST`, `PORT`, `URL`, `URI`, `TYPE`,
    ///   `METHOD`, `MODE`, `SCHEME`, `POLICY`, `LENGTH`, `TTL`, `TIMEOUT`, `EXPIRY`,
    ///   `ENABLED`, ... (`POSTGRES_PASSWORD_FILE`, `TOKEN_TTL`), nor are names with the word
    ///   `ALLOW`, `EMPTY` or `RANDOM` (`MYSQL_ALLOW_EMPTY_PASSWORD`). Values that are not
    ///   secrets are skipped: empty, a boolean word (`true`, `false`, `yes`, `no`, `on`,
    ///   `off`), a path (`/run/secrets/db`, `./key.json`, `~/.aws`) or a `<placeholder>`;
    /// - whatever the name, a value holding a URL with a password (`scheme://user:pass@host`).
    ///
    /// A value is literal when the file alone determines it: `${VAR}` and `$VAR` without a
    /// default are not literal (the secret lives in `.env` or the shell), but a default is
    /// (`${DB_PASSWORD:-changeme}`), and so is text around it. In env files, single-quoted
    /// values are literal as written. A bare `KEY` (a pass-through from the shell) is never
    /// reported. The secret itself is not repeated in the message (a URL's password is masked).
    ///
    /// ## Why is this bad?
    /// A literal secret is committed with the compose file and ends up in every copy of the
    /// repository, in CI logs and in `docker inspect` of the container, where any process
    /// with access to the Docker API can read it; build arguments are also recorded in the
    /// image history. The CIS Docker Benchmark (4.10) asks not to store secrets in images'
    /// build files. Compose's top-level `secrets:` mounts them as files under `/run/secrets`
    /// instead, which most official images read through `*_FILE` variables.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.2
    ///     environment:
    ///       POSTGRES_PASSWORD: hunter2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.2
    ///     environment:
    ///       POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    ///     secrets: [db_password]
    /// secrets:
    ///   db_password:
    ///     file: ./db_password.txt
    /// ```
    pub(crate) SecretInEnvironment {
        code: "CMP046",
        name: "secret-in-environment",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

const HELP: &str = "keep the secret out of the file: use a top-level `secrets:` entry (mounted under `/run/secrets`, read through a `*_FILE` variable where the image supports it), or pass it from the shell with `${VAR}`";

/// Last words saying the value is not the secret itself.
const NOT_SECRET_LAST: [&str; 46] = [
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "FILENAME",
    "LOCATION",
    "NAME",
    "USER",
    "USERNAME",
    "LOGIN",
    "ID",
    "HOST",
    "PORT",
    "URL",
    "URI",
    "ENDPOINT",
    "PROVIDER",
    "REGION",
    "TYPE",
    "METHOD",
    "MODE",
    "SCHEME",
    "POLICY",
    "ALGORITHM",
    "ALGO",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "SIZE",
    "COUNT",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "LIFETIME",
    "AGE",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "REQUIRED",
    "VERSION",
    "FORMAT",
];

/// Words before `KEY` that make it a credential.
const KEY_QUALIFIERS: [&str; 15] = [
    "API",
    "ACCESS",
    "PRIVATE",
    "SECRET",
    "AUTH",
    "MASTER",
    "ENCRYPTION",
    "SIGNING",
    "CRYPTO",
    "CLIENT",
    "LICENSE",
    "SESSION",
    "JWT",
    "HMAC",
    "NONCE",
];

/// Whether an environment variable name looks like it holds a credential.
fn credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_SECRET_LAST.contains(last)
        || words
            .iter()
            .any(|w| matches!(*w, "ALLOW" | "EMPTY" | "RANDOM"))
    {
        return false;
    }
    // `PASSWORD`, `PASSWD` and `SECRET` count in any word; the other shapes only as the last
    // word (`JIRA_CREDENTIALS`, but not `..._CREDENTIALS_AWS_REGION`).
    let anywhere = words
        .iter()
        .any(|w| w.contains("PASSWORD") || w.contains("PASSWD") || w.contains("SECRET"));
    let i = words.len() - 1;
    anywhere
        || last.contains("CREDENTIAL")
        || last.ends_with("TOKEN")
        || (last.ends_with("PASS") && !matches!(*last, "BYPASS" | "COMPASS" | "SSHPASS"))
        || (*last == "PWD" && i > 0)
        || matches!(*last, "APIKEY" | "ACCESSKEY" | "PRIVATEKEY" | "SECRETKEY")
        || (*last == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1]))
}

/// Whether a literal value is worth reporting under a credential-shaped name.
fn secret_value(value: &str) -> bool {
    let value = value.trim();
    let placeholder = value.starts_with('<') && value.ends_with('>');
    let boolean = matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off"
    );
    let path = value.starts_with(['/', '~']) || value.starts_with("./") || value.starts_with("../");
    !(value.is_empty() || placeholder || boolean || path)
}

/// A URL in `text` with a literal password, masked (`postgres://app:****@db/app`).
fn url_with_password(text: &str) -> Option<String> {
    for (i, _) in text.match_indices("://") {
        let scheme_start = text[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |p| p + 1);
        if scheme_start == i {
            continue;
        }
        let rest = &text[i + 3..];
        let end = rest
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        if password.is_empty() || host.is_empty() {
            continue;
        }
        let url_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        return Some(format!(
            "{}://{user}:****@{}",
            &text[scheme_start..i],
            &rest[userinfo.len() + 1..url_end]
        ));
    }
    None
}

/// The text the file itself gives a value (`raw` as written, before interpolation): `None`
/// when part of it comes from a variable without a default.
fn literal(raw: &str) -> Option<String> {
    let out = interpolate(raw, &());
    (!out.unknown).then_some(out.value)
}

/// What is wrong with `NAME=literal`, if anything: "`NAME` to ...".
fn problem(name: &str, literal: &str) -> Option<String> {
    if let Some(url) = url_with_password(literal) {
        return Some(format!(
            "`{name}` to a URL with a literal password (`{url}`)"
        ));
    }
    (credential_name(name) && secret_value(literal))
        .then(|| format!("`{name}` to a literal secret"))
}

/// The literal text of a compose `KEY: value` / `KEY=value` item, from its raw scalar.
fn compose_literal(item: &Value, list_item: bool) -> Option<String> {
    let raw = &item.scalar()?.raw;
    let raw = if list_item {
        raw.split_once('=')?.1
    } else {
        raw.as_str()
    };
    literal(raw)
}

/// The literal text of an env-file value as written (quotes included).
fn env_file_literal(written: &str) -> Option<String> {
    let written = written.trim();
    if let Some(inner) = written
        .strip_prefix('\'')
        .and_then(|w| w.strip_suffix('\''))
    {
        return Some(inner.to_owned());
    }
    let inner = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(written);
    literal(inner)
}

impl Rule for SecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let mut env_files: Vec<(FileId, Vec<&Service>)> = Vec::new();
        for service in ctx.services() {
            let build_args = service.value().get("build").and_then(|b| b.get("args"));
            let fields = [
                ("environment", service.value().get("environment")),
                ("build.args", build_args),
            ];
            for (field, value) in fields {
                let Some(value) = value else { continue };
                let list = value.items().is_some();
                for kv in key_values(value) {
                    if kv.value.is_none() {
                        continue;
                    }
                    let Some(text) = compose_literal(kv.item, list) else {
                        continue;
                    };
                    let Some(what) = problem(kv.key.trim(), &text) else {
                        continue;
                    };
                    let default = if kv.item.scalar().is_some_and(|s| s.raw.contains('$')) {
                        " (the default of a variable)"
                    } else {
                        ""
                    };
                    ctx.report_value(
                        service,
                        kv.item,
                        format!(
                            "service `{}` sets {what}{default} in `{field}`",
                            service.name
                        ),
                    )
                    .help(HELP);
                }
            }
            for &id in &service.env_files {
                match env_files.iter_mut().find(|(f, _)| *f == id) {
                    Some((_, services)) => services.push(service),
                    None => env_files.push((id, vec![service])),
                }
            }
        }
        for (id, services) in env_files {
            let SourceKind::Env(file) = &ctx.project.file(id).kind else {
                continue;
            };
            let text = ctx.text(id);
            let names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
            let loaded_by = format!(
                "{} {}",
                if names.len() == 1 {
                    "service"
                } else {
                    "services"
                },
                names.join(", ")
            );
            for entry in &file.entries {
                if entry.value.is_none() || entry.value_range.is_empty() {
                    continue;
                }
                let Some(literal) = env_file_literal(&text[entry.value_range]) else {
                    continue;
                };
                let Some(what) = problem(&entry.key, &literal) else {
                    continue;
                };
                let labels: Vec<_> = services
                    .iter()
                    .map(|s| {
                        (
                            ctx.relative(s.key.file),
                            s.key.range,
                            format!("service `{}` loads this env file", s.name),
                        )
                    })
                    .collect();
                let origin = Origin {
                    file: id,
                    range: entry.key_range.cover(entry.value_range),
                };
                let d = ctx.report(origin, format!("this env file sets {what} for {loaded_by}"));
                d.help(HELP);
                for (file, range, label) in labels {
                    d.label_in(file, range, label);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use drydock_compose::project::{self, LoadOptions, RealFs};

    use crate::compose::{ComposeInput, lint_project};
    use crate::diagnostic::Severity;
    use crate::registry;
    use crate::settings::Settings;

    /// Lints a project written to a temporary folder: `(file, text at the finding, severity,
    /// message, label files)` of each finding.
    fn lint(files: &[(&str, &str)]) -> Vec<(String, String, Severity, String, Vec<String>)> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("drydock-cmp046-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
        }
        let options = LoadOptions {
            files: vec![dir.join("compose.yaml")],
            ..LoadOptions::default()
        };
        let loaded = project::load(&options, &RealFs);
        let id = registry::find("CMP046").expect("rule");
        let found = lint_project(
            &loaded,
            &ComposeInput {
                fs: &RealFs,
                focus: None,
            },
            &Settings::only(&[id]),
        );
        let out = found
            .iter()
            .map(|d| {
                let file = loaded
                    .path(d.file)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let text = loaded.file(d.file).source.text()[d.diagnostic.range].to_owned();
                let labels = d
                    .diagnostic
                    .labels
                    .iter()
                    .filter_map(|l| l.file.as_ref().map(|f| f.display().to_string()))
                    .collect();
                (
                    file,
                    text,
                    d.diagnostic.severity,
                    d.diagnostic.message.clone(),
                    labels,
                )
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    #[test]
    fn env_file_findings_point_into_the_env_file() {
        let found = lint(&[
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:17.2\n    env_file: db.env\n  admin:\n    image: example/admin:1\n    env_file:\n      - path: db.env\n",
            ),
            (
                "db.env",
                "POSTGRES_PASSWORD=hunter2\nPOSTGRES_PASSWORD_FILE=/run/secrets/db\nAPI_TOKEN=${FROM_SHELL}\nQUOTED_SECRET='lit${eral}'\nDATABASE_URL=\"postgres://app:pw@db/app\"\n",
            ),
        ]);
        let texts: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            texts,
            [
                "POSTGRES_PASSWORD=hunter2",
                "QUOTED_SECRET='lit${eral}'",
                "DATABASE_URL=\"postgres://app:pw@db/app\""
            ],
            "{found:?}"
        );
        assert!(found.iter().all(|f| f.0 == "db.env"
            && f.2 == Severity::Error
            && f.3.contains("services `db`, `admin`")
            && f.4.len() == 2));
        assert!(
            !found[2].3.contains(":pw@"),
            "the password is masked: {}",
            found[2].3
        );
    }

    #[test]
    fn names() {
        for secret in [
            "POSTGRES_PASSWORD",
            "db_pass",
            "REDISPASS",
            "MYSQL_PWD",
            "client.secret",
            "GITHUB_TOKEN",
            "accessToken",
            "API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "JWT_KEY",
            "SECRET_KEY_BASE",
            "SA_PASSWORD",
        ] {
            assert!(super::credential_name(secret), "{secret}");
        }
        for plain in [
            "PWD",
            "PASSWORD_FILE",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "TOKEN_TTL",
            "MAX_TOKENS",
            "PRIMARY_KEY",
            "SSHPASS",
            "CACHE_BYPASS",
            "PASSWORD_SCHEME",
            "DB_USER",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(!super::credential_name(plain), "{plain}");
        }
    }
}
