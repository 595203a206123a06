use drydock_compose::model::string_or_list;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `seccomp=unconfined` or `seccomp:unconfined` in a service's `security_opt`.
    ///
    /// The item turns seccomp off: key `seccomp`, value `unconfined`, written `seccomp=unconfined`
    /// or `seccomp:unconfined`, at any position of the list, quoted or not. The item is split as
    /// Compose splits it: on the first `=`, or when there is none, on the first `:`. Key and value
    /// are compared as written (Docker rejects `SECCOMP=...`, and reads `seccomp=Unconfined` as the
    /// path of a profile file), so other casings are not reported. A custom profile
    /// (`seccomp=./profile.json`) is fine.
    ///
    /// Items from override files, `extends`, YAML anchors and merge keys are all checked; an
    /// item that depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// Docker's default seccomp profile blocks about fifty dangerous system calls (`mount`,
    /// `kexec_load`, `bpf`, `unshare`, `keyctl`, ...) that container escapes keep relying on.
    /// Turning it off leaves the whole kernel system-call surface open (CIS Docker Benchmark
    /// 5.22).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   builder:
    ///     image: example/builder:5
    ///     security_opt:
    ///       - seccomp=unconfined
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   builder:
    ///     image: example/builder:5
    ///     security_opt:
    ///       - seccomp=./seccomp/builder.json
    /// ```
    pub(crate) SeccompUnconfined {
        code: "CMP007",
        name: "seccomp-unconfined",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Splits a `security_opt` item as Compose does: on the first `=`, else on the first `:`.
fn split(item: &str) -> Option<(&str, &str)> {
    item.split_once('=').or_else(|| item.split_once(':'))
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(opts) = service.value().get("security_opt") else {
                continue;
            };
            for item in string_or_list(opts) {
                if item.unknown || split(item.text) != Some(("seccomp", "unconfined")) {
                    continue;
                }
                ctx.report_value(
                    service,
                    item.value,
                    format!("service `{}` runs without a seccomp profile (`{}`{})", service.name, item.text, written(item.value)),
                )
                .help("remove the item to keep Docker's default seccomp profile, or write a profile that allows only the extra system calls the service needs (`seccomp=<file>`)");
            }
        }
    }
}
