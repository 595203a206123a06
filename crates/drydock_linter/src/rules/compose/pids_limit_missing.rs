use drydock_compose::model::Text;
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use super::memory_limit_missing::{Limit, limit};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service without a process limit (`pids_limit` or
    /// `deploy.resources.limits.pids`), and a `pids_limit` Compose refuses next to
    /// `deploy.resources.limits`.
    ///
    /// The service is reported when neither field is set to a positive number. `0` and `-1` mean
    /// "unlimited": when only such values are set, the finding points at the first of them.
    /// Otherwise it points at the service's name in the first file that declares it, so a
    /// limit added by an override file, `extends` or a merge key counts. A value that depends
    /// on a variable drydock cannot resolve counts as set.
    ///
    /// It also reports, as an error, a `pids_limit` that Compose refuses to load next to
    /// `deploy.resources.limits` ("can't set distinct values on 'pids_limit' and
    /// 'deploy.resources.limits.pids'"): compose-go compares the two whenever `pids_limit` is
    /// not 0 and a `deploy.resources.limits` mapping exists, reading a missing `pids` there as
    /// 0. So `pids_limit: 100` is refused next to `pids: 200`, and also next to limits that
    /// only set `cpus` or `memory`. That finding points at `pids_limit`, with a label at the
    /// other value (or at `limits:`), and replaces the missing-limit check for the service.
    ///
    /// ## Why is this bad?
    /// Without a process limit, a fork bomb or a runaway worker pool in one container can use
    /// up the host's process table and take every other container down with it (CIS Docker
    /// Benchmark 5.29). A project Compose refuses to load does not run at all.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     pids_limit: -1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           pids: 200
    /// ```
    pub(crate) PidsLimitMissing {
        code: "CMP031",
        name: "pids-limit-missing",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

fn parse_pids(text: &str) -> Option<f64> {
    text.parse::<i64>().ok().map(|n| n as f64)
}

/// A known number read with `parse`; `None` when unknown or unreadable.
fn known(value: &Value, parse: fn(&str) -> Option<f64>) -> Option<f64> {
    Text::of(value)
        .filter(|t| !t.unknown)
        .and_then(|t| parse(t.text.trim()))
}

/// Reports a service whose `top` field (`pids_limit`, `mem_limit`, `cpus`) disagrees with
/// `deploy.resources.limits.<field>`, which Compose refuses: compose-go compares them whenever
/// `top` is non-zero and `deploy.resources.limits` exists, reading a missing `<field>` as 0.
/// Returns whether it reported.
pub(super) fn conflict(
    ctx: &mut ComposeContext<'_>,
    service: &Service,
    top: &str,
    field: &str,
    parse: fn(&str) -> Option<f64>,
) -> bool {
    let Some(top_value) = service.value().get(top) else {
        return false;
    };
    let Some(a) = known(top_value, parse).filter(|a| *a != 0.0) else {
        return false;
    };
    let Some(limits) = service
        .value()
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.entry("limits"))
    else {
        return false;
    };
    if limits.value.entries().is_none() {
        return false;
    }
    let written = top_value.str().unwrap_or_default().trim();
    let (b, at, label, message) = match limits.value.get(field).filter(|v| !v.is_null()) {
        Some(value) => {
            let Some(b) = known(value, parse) else {
                return false;
            };
            let text = value.str().unwrap_or_default().trim();
            (
                b,
                value.origin,
                format!("`deploy.resources.limits.{field}` is `{text}` here"),
                format!(
                    "service `{}` sets `{top}: {written}` and `deploy.resources.limits.{field}: {text}`: Compose refuses different values",
                    service.name
                ),
            )
        }
        None => (
            0.0,
            limits.key_origin,
            format!("no `{field}` in these limits"),
            format!(
                "service `{}` sets `{top}: {written}`, but its `deploy.resources.limits` has no `{field}`: Compose reads that as 0 and refuses the difference",
                service.name
            ),
        ),
    };
    if (a - b).abs() <= f64::EPSILON * a.abs().max(1.0) {
        return false;
    }
    let file = (at.file != top_value.origin.file).then(|| ctx.relative(at.file));
    let d = ctx.report_value(service, top_value, message);
    match file {
        Some(file) => d.label_in(file, at.range, label),
        None => d.label(at.range, label),
    };
    d.help(format!(
        "set the limit in one place only: `deploy.resources.limits.{field}` (and remove `{top}`)"
    ))
    .severity(Severity::Error);
    true
}

impl Rule for PidsLimitMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        const HELP: &str = "set `deploy.resources.limits.pids` (or `pids_limit`) to a bound that fits the service, e.g. `200`";
        for service in ctx.services() {
            if conflict(ctx, service, "pids_limit", "pids", parse_pids) {
                // Compose stops there; whether the limit is high enough is a later question.
                continue;
            }
            match limit(
                service,
                &[&["pids_limit"], &["deploy", "resources", "limits", "pids"]],
                parse_pids,
            ) {
                Limit::Set | Limit::Unknown => {}
                Limit::Unlimited(value) => {
                    let text = value.str().unwrap_or_default();
                    ctx.report_value(service, value, format!("service `{}` sets its process limit to `{text}`, which means unlimited", service.name))
                        .help(HELP);
                }
                Limit::Missing => {
                    ctx.report_missing(service, format!("service `{}` has no process limit: a fork bomb in it can exhaust the host", service.name))
                        .help(HELP);
                }
            }
        }
    }
}
